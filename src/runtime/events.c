/* Ring-buffer records: printf output and control records, handed to the
 * output backend. The layout of every record comes from the resources;
 * nothing here knows the language. */
#include "runtime/events.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output/printf.h"
#include "runtime/map_read.h"
#include "util/helper_names.h"

/* Whether an array of a histogram's buckets has a non-zero entry (vsize:
 * an entry's values on every CPU). */
static bool bucket_array_present(int fd, const struct map_res *m, size_t vsize)
{
	char *vals = malloc(vsize);
	bool any = false;
	for (uint32_t i = 0; vals && !any && i < m->max_entries; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (size_t j = 0; !any && j < vsize; j++)
			any = vals[j] != 0;
	}
	free(vals);
	return any;
}

/* clear(): delete every key; zero(): keep the keys, zero the values. */
static void map_reset(int fd, const struct map_res *m, bool zero)
{
	bool percpu = m->bpf_type == BPF_MAP_TYPE_PERCPU_HASH || m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	size_t vsize = percpu ? ((m->value_size + 7) / 8 * 8) * (size_t)libbpf_num_possible_cpus() : m->value_size;
	char *key = calloc(1, m->key_size), *next = calloc(1, m->key_size), *zeros = calloc(1, vsize);
	bool first = true;
	/* a zeroed histogram that had entries stays present though empty, as a hash's zeroed keys do */
	bool present = zero && map_bucket_array(m) && bucket_array_present(fd, m, vsize);
	if (m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY)
		zero = true; /* an array's entries cannot be deleted */
	/* One walk, each key deleted once the next is known. Restarting from the first key after
	 * each delete never ended when the probes write the map on every syscall: our own
	 * bpf() calls added a key back for each one deleted (clear(@[comm]) of raw_syscalls). */
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		if (zero)
			bpf_map_update_elem(fd, next, zeros, BPF_EXIST);
		else if (!first)
			bpf_map_delete_elem(fd, key);
		memcpy(key, next, m->key_size);
		first = false;
	}
	if (!zero && !first)
		bpf_map_delete_elem(fd, key);
	if (present) {
		uint32_t slot = (uint32_t)map_buckets(m);
		uint64_t one = 1;
		memcpy(zeros, &one, sizeof(one));
		bpf_map_update_elem(fd, &slot, zeros, BPF_EXIST);
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

/* Copy what the command wrote so far into text; false at its end (or, non
 * blocking, when nothing is left). */
static bool copy_output(int fd, FILE *text)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n > 0)
		fwrite(buf, 1, (size_t)n, text);
	return n > 0 || (n < 0 && errno == EINTR);
}

/* Wait for the child, copying its output into text: for ever while the
 * trace runs (bpftrace runs system() synchronously), at most
 * SYSTEM_GRACE_MS once it is asked to stop. What it left in the pipe (or a
 * process it started still writes) is taken without waiting for the end. */
static int wait_command(const struct events *ev, pid_t pid, int out, FILE *text)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0, from = out;
	uint64_t kill_at = 0;
	while (pidfd >= 0) {
		struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = from, .events = POLLIN } };
		if (poll(p, 2, 50) > 0 && p[1].revents && !copy_output(from, text))
			from = -1; /* poll skips it */
		if (p[0].revents)
			break;
		if (stop_requested(ev) && !kill_at)
			kill_at = now_ns() + SYSTEM_GRACE_MS * 1000000ull;
		if (kill_at && now_ns() >= kill_at) {
			kill(pid, SIGKILL);
			break;
		}
	}
	if (pidfd >= 0) {
		close(pidfd);
		fcntl(out, F_SETFL, O_NONBLOCK);
	}
	while (from >= 0 && copy_output(from, text))
		;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* system(3) ignores SIGINT while the command runs: a signal to end the trace
 * would be lost. Run "sh -c" ourselves, our signals untouched, its stdout
 * into text as bpftrace takes it (the backend prints it in line with ours). */
static void run_command(struct events *ev, const char *cmd, FILE *text)
{
	int fds[2];
	pid_t pid = pipe2(fds, O_CLOEXEC) ? -1 : fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		fprintf(stderr, "ERROR: system(\"%s\") failed\n", cmd);
		return;
	}
	close(fds[1]);
	wait_command(ev, pid, fds[0], text);
	close(fds[0]);
}

static void copy_file(const char *path, uint64_t max, FILE *text)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "ERROR: failed to open file '%s': %s\n", path, strerror(errno));
		return;
	}
	char buf[4096];
	size_t n;
	while (max && (n = fread(buf, 1, max < sizeof(buf) ? max : sizeof(buf), in)) > 0) {
		fwrite(buf, 1, n, text);
		max -= n;
	}
	fclose(in);
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
}

/* system() and cat(): what the formatted command or file name gives; false
 * for a command not run as the trace ends. */
static bool run_formatted(struct events *ev, uint32_t kind, const char *what, FILE *text)
{
	if (kind == EV_CAT) {
		copy_file(what, ev->cat_bytes_max, text);
		return true;
	}
	if (stop_requested(ev)) {
		ev->skipped_system++;
		return false;
	}
	run_command(ev, what, text);
	return true;
}

static const enum message_kind message_of[] = {
	[EV_PRINTF] = MSG_PRINTF, [EV_TIME] = MSG_TIME, [EV_SYSTEM] = MSG_SYSCALL, [EV_CAT] = MSG_CAT, [EV_JOIN] = MSG_JOIN,
};

/* A record whose text the runtime makes: the backend gets it as a message. */
static void handle_text(struct events *ev, const struct event_hdr *hdr, size_t size)
{
	const struct fmt_res *f = &ev->res->fmts[hdr->id];
	const char *args = (const char *)(hdr + 1);
	bool say = true;
	if (!ev->text)
		ev->text = open_memstream(&ev->text_buf, &ev->text_len);
	else
		rewind(ev->text); /* the size is the position at the flush below */
	FILE *mem = ev->text;
	if (hdr->kind == EV_PRINTF) {
		printf_format(mem, f, args);
	} else if (hdr->kind == EV_TIME) {
		print_time(mem, f->fmt);
	} else if (hdr->kind == EV_JOIN) {
		if (size >= sizeof(*hdr) + JOIN_MAX * JOIN_LEN)
			print_join(mem, f->fmt, args);
	} else {
		char *what = NULL;
		size_t what_len = 0;
		FILE *w = open_memstream(&what, &what_len);
		printf_format(w, f, args);
		fclose(w);
		say = run_formatted(ev, hdr->kind, what, mem);
		free(what);
	}
	fflush(mem);
	if (say)
		ev->out->backend->message(ev->out, message_of[hdr->kind], ev->text_buf, ev->text_len);
}

struct helper_failure helper_failure_at(const struct resources *res, int id)
{
	const struct helper_error_res *h = &res->helper_errors[id];
	return (struct helper_failure){
		.helper = helper_name(h->helper), .map = h->map >= 0 ? res->maps[h->map].name : NULL,
		.probe = h->probe, .loc = h->loc,
	};
}

static void handle_helper_error(struct events *ev, const struct event_hdr *hdr, size_t size)
{
	if (hdr->id >= (uint32_t)ev->res->nhelper_errors || size < sizeof(*hdr) + sizeof(int64_t))
		return;
	struct helper_failure f = helper_failure_at(ev->res, (int)hdr->id);
	memcpy(&f.ret, hdr + 1, sizeof(f.ret));
	ev->helper_errors_said[hdr->id]++;
	ev->out->backend->helper_error(ev->out, &f);
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
	case EV_SYSTEM:
	case EV_CAT:
	case EV_TIME:
	case EV_JOIN:
		if (hdr->id < (uint32_t)ev->res->nfmts)
			handle_text(ev, hdr, size);
		break;
	case EV_VALUE:
		if (hdr->id < (uint32_t)ev->res->nfmts) {
			const struct field *v = &ev->res->fmts[hdr->id].args->fields[0];
			ev->out->backend->value(ev->out, v->type, (const char *)(hdr + 1) + v->offset);
		}
		break;
	case EV_HELPER_ERROR:
		handle_helper_error(ev, hdr, size);
		break;
	case EV_EXIT:
		ev->exiting = true;
		break;
	case EV_PRINT:
	case EV_CLEAR:
	case EV_ZERO:
		if (hdr->id >= (uint32_t)ev->res->nmaps)
			break;
		if (hdr->kind == EV_PRINT) {
			const struct print_args *pa = (const void *)(hdr + 1);
			map_output(ev->out, &ev->res->maps[hdr->id], ev->map_fds[hdr->id], (int)pa->top, (int)pa->div);
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

void events_close(struct events *ev)
{
	if (ev->text)
		fclose(ev->text);
	free(ev->text_buf);
	ev->text = NULL;
	ev->text_buf = NULL;
}
