/* Ring-buffer records: printf output and control records. The layout of
 * every record comes from the resources; nothing here knows the language. */
#include "runtime/events.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/output.h"
#include "runtime/stacks.h"

/* One conversion of a printf format: the text of the spec without length
 * modifiers ("%-5", "%08") and its conversion character. */
struct conversion {
	char spec[32];
	char conv;
	const char *next; /* the format text after the conversion */
};

static const char *parse_conversion(const char *p, struct conversion *c)
{
	size_t n = 0;
	c->spec[n++] = *p++; /* '%' */
	while (*p && strchr("-+ #0123456789.", *p) && n < sizeof(c->spec) - 4)
		c->spec[n++] = *p++;
	while (*p && strchr("hlLqjzt", *p))
		p++; /* every integer travels as 64 bits: the length is ours to choose */
	c->conv = *p ? *p++ : 0;
	c->spec[n] = 0;
	c->next = p;
	return p;
}

static void print_arg(FILE *out, const struct conversion *c, const struct type *t, const char *data)
{
	char spec[40];
	switch (c->conv) {
	case 'd':
	case 'i':
	case 'u':
	case 'x':
	case 'X':
	case 'o':
	case 'c':
		if (t->kind != T_INT && t->kind != T_PTR)
			break;
		if (c->conv == 'c') {
			snprintf(spec, sizeof(spec), "%sc", c->spec);
			fprintf(out, spec, (int)*(const int64_t *)data);
		} else {
			snprintf(spec, sizeof(spec), "%sll%c", c->spec, c->conv);
			fprintf(out, spec, *(const long long *)data);
		}
		return;
	case 'p':
		snprintf(spec, sizeof(spec), "%s#llx", c->spec);
		fprintf(out, spec, *(const unsigned long long *)data);
		return;
	case 's':
		break;
	default:
		fputs(c->spec, out);
		fputc(c->conv, out);
		return;
	}
	if (t->kind == T_STACK) {
		/* printf indents frames deeper than map keys do */
		stack_print(out, t, *(const uint64_t *)data, 8);
		return;
	}
	/* strings and everything printed as text */
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	type_print_value(mem, t, data);
	fclose(mem);
	snprintf(spec, sizeof(spec), "%ss", c->spec);
	fprintf(out, spec, text);
	free(text);
}

void events_printf(FILE *out, const struct fmt_res *f, const char *args)
{
	int i = 0;
	for (const char *p = f->fmt; *p;) {
		const char *pct = strchr(p, '%');
		if (!pct) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, pct - p, out);
		if (pct[1] == '%') {
			fputc('%', out);
			p = pct + 2;
			continue;
		}
		struct conversion c;
		p = parse_conversion(pct, &c);
		if (i < f->args->nfields) {
			const struct field *fld = &f->args->fields[i++];
			print_arg(out, &c, fld->type, args + fld->offset);
		}
	}
}

/* clear(): delete every key; zero(): keep the keys, zero the values. */
static void map_reset(int fd, const struct map_res *m, bool zero)
{
	bool percpu = m->bpf_type == BPF_MAP_TYPE_PERCPU_HASH || m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	size_t vsize = percpu ? ((m->value_size + 7) / 8 * 8) * (size_t)libbpf_num_possible_cpus() : m->value_size;
	char *key = calloc(1, m->key_size), *next = calloc(1, m->key_size), *zeros = calloc(1, vsize);
	bool first = true;
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

/* system(): run the command, its output in line with ours; cat(): copy the file. */
static void run_formatted(struct events *ev, uint32_t kind, const struct fmt_res *f, const char *args)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	events_printf(mem, f, args);
	fclose(mem);
	fflush(ev->out);
	if (kind == EV_SYSTEM) {
		if (system(text) < 0)
			fprintf(stderr, "ERROR: system(\"%s\") failed\n", text);
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

int events_handle(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	const struct event_hdr *hdr = data;
	/* bpftrace drops what the probes produced after exit() (they fire until
	 * they are detached); run() lets END's output through */
	if (size < sizeof(*hdr) || ev->exiting)
		return 0;
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
	return 0;
}
