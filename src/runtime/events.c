/* Ring-buffer records: printf output and control records. The layout of
 * every record comes from the resources; nothing here knows the language. */
#include "runtime/events.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/output.h"
#include "runtime/stacks.h"
#include "util/fmtspec.h"

/* The text before a conversion goes through the C printf with it, as in
 * bpftrace: "%%" there prints '%', and so does a stray '%' we must not
 * pass on (it would read an argument that is not there). Returns true when
 * the text ends in a lone '%': with the conversion's '%' it makes "%%", and
 * the C printf then prints the conversion as text, its argument unused. */
static bool print_literal(FILE *out, const char *p, const char *end)
{
	while (p < end) {
		const char *pct = memchr(p, '%', (size_t)(end - p));
		if (!pct) {
			fwrite(p, 1, (size_t)(end - p), out);
			return false;
		}
		fwrite(p, 1, (size_t)(pct - p), out);
		if (pct + 1 == end)
			return true;
		fputc('%', out);
		p = pct + 1 + (pct[1] == '%');
	}
	return false;
}

/* %rx: every byte as \xNN; %rh: bytes as hex pairs separated by spaces. */
static void print_buf_hex(FILE *out, const char *data, bool escaped)
{
	uint64_t len;
	memcpy(&len, data, sizeof(len));
	const unsigned char *b = (const unsigned char *)data + 8;
	for (uint64_t i = 0; i < len; i++)
		fprintf(out, escaped ? "\\x%02x" : &" %02x"[i == 0], b[i]);
}

/* An integer as the C printf of bpftrace 0.17 reads its 64-bit argument:
 * without a 64-bit length only the low 32 bits (h and hh narrow further). */
static void print_int(FILE *out, const struct fmtspec *s, uint64_t v)
{
	char spec[48];
	int flags = (int)(s->key - s->start); /* "%-08.3" */
	char conv = s->key[s->key_len - 1];
	if (conv == 'p') {
		snprintf(spec, sizeof(spec), "%.*sp", flags, s->start);
		fprintf(out, spec, (void *)(uintptr_t)v);
	} else if (s->int_bits == 64) {
		snprintf(spec, sizeof(spec), "%.*sll%c", flags, s->start, conv);
		fprintf(out, spec, (unsigned long long)v);
	} else {
		/* keep h/hh: the C printf narrows the int itself */
		snprintf(spec, sizeof(spec), "%.*s", (int)(s->end - s->start), s->start);
		fprintf(out, spec, (unsigned)v);
	}
}

/* A value printed as text by %s (and by %r, which has no width). */
static void print_text(FILE *out, const struct fmtspec *s, const struct type *t, const char *data)
{
	if (t->kind == T_STACK) {
		/* printf indents frames deeper than map keys do */
		stack_print(out, t, *(const uint64_t *)data, 8);
		return;
	}
	char *text = NULL, spec[48];
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	type_print_value(mem, t, data);
	fclose(mem);
	snprintf(spec, sizeof(spec), "%.*ss", (int)(s->key - s->start), s->start);
	fprintf(out, spec, text);
	free(text);
}

static void print_arg(FILE *out, const struct fmtspec *s, const struct type *t, const char *data)
{
	if (s->want == FMT_INTEGER) {
		print_int(out, s, *(const uint64_t *)data);
	} else if (s->want == FMT_STRING) {
		print_text(out, s, t, data);
	} else if (s->key - s->start > 1) {
		/* bpftrace hands "%10r" to the C printf, which prints it as it is */
		fwrite(s->start, 1, (size_t)(s->end - s->start), out);
	} else if (s->key_len == 1) {
		print_text(out, s, t, data);
	} else {
		print_buf_hex(out, data, s->key[1] == 'x');
	}
}

void events_printf(FILE *out, const struct fmt_res *f, const char *args)
{
	const char *p = f->fmt;
	struct fmtspec s;
	for (int i = 0; i < f->args->nfields && fmtspec_next(p, &s); i++, p = s.end) {
		const struct field *fld = &f->args->fields[i];
		if (print_literal(out, p, s.start)) {
			fputc('%', out);
			fwrite(s.start + 1, 1, (size_t)(s.end - s.start - 1), out);
		} else {
			print_arg(out, &s, fld->type, args + fld->offset);
		}
	}
	/* bpftrace prints the text after the last conversion untouched: "%%" stays */
	fputs(p, out);
}

/* clear(): delete every key; zero(): keep the keys, zero the values. */
static void map_reset(int fd, const struct map_res *m, bool zero)
{
	bool percpu = m->bpf_type == BPF_MAP_TYPE_PERCPU_HASH || m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	size_t vsize = percpu ? ((m->value_size + 7) / 8 * 8) * (size_t)libbpf_num_possible_cpus() : m->value_size;
	char *key = calloc(1, m->key_size), *next = calloc(1, m->key_size), *zeros = calloc(1, vsize);
	bool first = true;
	if (m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY)
		zero = true; /* an array's entries cannot be deleted */
	/* deleting the current key would restart the walk: always ask for the key after "first" */
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		if (zero) {
			bpf_map_update_elem(fd, next, zeros, BPF_EXIST);
			memcpy(key, next, m->key_size);
			first = false;
		} else {
			bpf_map_delete_elem(fd, next);
		}
	}
	free(key);
	free(next);
	free(zeros);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static bool stop_requested(const struct events *ev)
{
	return ev->stop && *ev->stop;
}

/* How long a command still running when the trace is asked to stop may go
 * on before it is killed. */
#define SYSTEM_GRACE_MS 250

/* Wait for the child: for ever while the trace runs (bpftrace runs system()
 * synchronously), at most SYSTEM_GRACE_MS once it is asked to stop. */
static int wait_command(const struct events *ev, pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0;
	uint64_t kill_at = 0;
	while (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		if (poll(&p, 1, 50) > 0)
			break;
		if (stop_requested(ev) && !kill_at)
			kill_at = now_ns() + SYSTEM_GRACE_MS * 1000000ull;
		if (kill_at && now_ns() >= kill_at) {
			kill(pid, SIGKILL);
			break;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* system(3) ignores SIGINT while the command runs: a signal to end the trace
 * would be lost. Run "sh -c" ourselves, our signals untouched. */
static void run_command(struct events *ev, const char *cmd)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* -o: the command writes into the file too, as in bpftrace (ours is flushed) */
		if (ev->out != stdout)
			dup2(fileno(ev->out), STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		fprintf(stderr, "ERROR: system(\"%s\") failed\n", cmd);
		return;
	}
	wait_command(ev, pid);
}

/* system(): run the command, its output in line with ours; cat(): copy the file. */
static void run_formatted(struct events *ev, uint32_t kind, const struct fmt_res *f, const char *args)
{
	if (kind == EV_SYSTEM && stop_requested(ev)) {
		ev->skipped_system++;
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	events_printf(mem, f, args);
	fclose(mem);
	fflush(ev->out);
	if (kind == EV_SYSTEM) {
		run_command(ev, text);
	} else {
		FILE *in = fopen(text, "r");
		if (in) {
			char buf[4096];
			size_t n;
			while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
				fwrite(buf, 1, n, ev->out);
			fclose(in);
		} else {
			fprintf(stderr, "ERROR: failed to open file '%s'\n", text);
		}
	}
	free(text);
}

static void print_time(FILE *out, const char *fmt)
{
	char buf[512];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	if (strftime(buf, sizeof(buf), fmt, &tm))
		fputs(buf, out);
}

static void print_join(FILE *out, const char *sep, const char *strings)
{
	for (int i = 0; i < JOIN_MAX && strings[i * JOIN_LEN]; i++)
		fprintf(out, "%s%.*s", i ? sep : "", JOIN_LEN, strings + i * JOIN_LEN);
	fputc('\n', out);
}

/* One record. */
static void handle(struct events *ev, void *data, size_t size)
{
	const struct event_hdr *hdr = data;
	/* bpftrace drops what the probes produced after exit() (they fire until
	 * they are detached); run() lets END's output through */
	if (size < sizeof(*hdr) || ev->exiting)
		return;
	switch (hdr->kind) {
	case EV_PRINTF:
		if (hdr->id < (uint32_t)ev->res->nfmts)
			events_printf(ev->out, &ev->res->fmts[hdr->id], (const char *)data + sizeof(*hdr));
		break;
	case EV_SYSTEM:
	case EV_CAT:
		if (hdr->id < (uint32_t)ev->res->nfmts)
			run_formatted(ev, hdr->kind, &ev->res->fmts[hdr->id], (const char *)data + sizeof(*hdr));
		break;
	case EV_EXIT:
		ev->exiting = true;
		break;
	case EV_TIME:
	case EV_JOIN:
		if (hdr->id >= (uint32_t)ev->res->nfmts)
			break;
		if (hdr->kind == EV_TIME)
			print_time(ev->out, ev->res->fmts[hdr->id].fmt);
		else if (size >= sizeof(*hdr) + JOIN_MAX * JOIN_LEN)
			print_join(ev->out, ev->res->fmts[hdr->id].fmt, (const char *)(hdr + 1));
		break;
	case EV_PRINT:
	case EV_CLEAR:
	case EV_ZERO:
		if (hdr->id >= (uint32_t)ev->res->nmaps)
			break;
		if (hdr->kind == EV_PRINT) {
			const struct print_args *pa = (const void *)(hdr + 1);
			output_map(ev->out, &ev->res->maps[hdr->id], ev->map_fds[hdr->id], (int)pa->top, (int)pa->div);
		} else {
			map_reset(ev->map_fds[hdr->id], &ev->res->maps[hdr->id], hdr->kind == EV_ZERO);
		}
		break;
	}
}

int events_handle(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	if (ev->bounded && !ev->batch_end_ns)
		ev->batch_end_ns = now_ns() + EVENTS_BATCH_MS * 1000000ull;
	handle(ev, data, size);
	/* give the loop back its turn: under a storm the ring never empties */
	if (ev->bounded && (stop_requested(ev) || ev->exiting || now_ns() >= ev->batch_end_ns))
		return EVENTS_BREAK;
	return 0;
}
