/* bpftrace 0.17's -f json: one object per line, {"type": ..., "data": ...},
 * with its field order and spacing. Where bpftrace 0.17 writes invalid JSON
 * we write valid JSON instead: strftime(), macaddr(), cgroup_path() and
 * strerror() values are quoted strings, bytes that are not UTF-8 are
 * \u00XX escapes (bpftrace writes \uffffffXX for every byte >= 0x80), and
 * hist() bounds above 2^31 are right. */
#include "output/output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output/value.h"
#include "util/utf8.h"

/* A byte outside UTF-8 sequences in a JSON string: ASCII escaped as bpftrace
 * escapes it, others (no valid UTF-8) as the code point of their value. */
static void json_byte(FILE *out, unsigned char c)
{
	if (c == '"' || c == '\\')
		fprintf(out, "\\%c", c);
	else if (c == '\n' || c == '\r' || c == '\t')
		fprintf(out, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
	else if (c < 0x20 || c >= 0x80)
		fprintf(out, "\\u%04x", c);
	else
		fputc(c, out);
}

/* The inside of a JSON string: UTF-8 as it is, the other bytes escaped. */
static void json_escaped(FILE *out, const char *s, size_t len)
{
	utf8_write(out, s, len, json_byte);
}

static void json_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	json_escaped(out, s, len);
	fputc('"', out);
}

/* A value's text, as a JSON string. */
static void json_text(FILE *out, void (*print)(FILE *, const struct type *, const void *), const struct type *t,
		      const void *data)
{
	size_t len;
	char *text = value_text(print, t, data, &len);
	json_string(out, text, len);
	free(text);
}

/* Numbers as numbers, tuples and arrays as arrays, structs as objects,
 * everything else as its text in a string. */
static void json_value(FILE *out, const struct type *t, const void *data)
{
	const char *p = data;
	switch (t->kind) {
	case T_INT:
	case T_PTR:
		value_print(out, t, data);
		break;
	case T_TUPLE:
	case T_ARRAY: {
		int n = t->kind == T_TUPLE ? t->nfields : t->len;
		fputc('[', out);
		for (int i = 0; i < n; i++) {
			fputs(i ? "," : "", out);
			if (t->kind == T_TUPLE)
				json_value(out, t->fields[i].type, p + t->fields[i].offset);
			else
				json_value(out, t->to, p + i * t->to->size);
		}
		fputc(']', out);
		break;
	}
	case T_RECORD:
		fputs("{ ", out);
		for (int i = 0; i < t->nfields; i++) {
			fputs(i ? ", " : "", out);
			json_string(out, t->fields[i].name, strlen(t->fields[i].name));
			fputs(": ", out);
			json_value(out, t->fields[i].type, p + t->fields[i].offset);
		}
		fputs(" }", out);
		break;
	default:
		json_text(out, value_print, t, data);
		break;
	}
}

static const char *const message_names[] = {
	[MSG_PRINTF] = "printf", [MSG_TIME] = "time", [MSG_CAT] = "cat", [MSG_JOIN] = "join", [MSG_SYSCALL] = "syscall",
};

static void json_message(struct output *o, enum message_kind kind, const char *text, size_t len)
{
	fprintf(o->out, "{\"type\": \"%s\", \"data\": ", message_names[kind]);
	json_string(o->out, text, len);
	fputs("}\n", o->out);
}

static void json_attached(struct output *o, int nprobes)
{
	fprintf(o->out, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", nprobes);
}

static void json_lost(struct output *o, uint64_t n)
{
	fprintf(o->out, "{\"type\": \"lost_events\", \"data\": {\"events\": %" PRIu64 "}}\n", n);
}

/* bpftrace's object; its retcode is the helper's int */
static void json_helper_error(struct output *o, const struct helper_failure *f)
{
	fprintf(o->out, "{\"type\": \"helper_error\", \"helper\": \"%s\", \"retcode\": %d, \"line\": %d, \"col\": %d}\n",
		f->helper, (int32_t)f->ret, f->loc.first_line, f->loc.first_column);
}

static void json_helper_errors(struct output *o, const struct helper_failure *f)
{
	fprintf(o->out, "{\"type\": \"helper_errors\", \"data\": {\"helper\": \"%s\", \"map\": ", f->helper);
	if (f->map)
		json_string(o->out, f->map, strlen(f->map));
	else
		fputs("null", o->out);
	fputs(", \"probe\": ", o->out);
	json_string(o->out, f->probe, strlen(f->probe));
	fprintf(o->out, ", \"line\": %d, \"col\": %d, \"count\": %" PRIu64 ", \"reported\": %" PRIu64 "}}\n",
		f->loc.first_line, f->loc.first_column, f->count, f->said);
}

static void json_value_message(struct output *o, const struct type *t, const void *data)
{
	fputs("{\"type\": \"value\", \"data\": ", o->out);
	json_value(o->out, t, data);
	fputs("}\n", o->out);
}

/* bpftrace prints the two blank lines before the maps in JSON too */
static void json_maps_start(struct output *o)
{
	fputs("\n\n", o->out);
}

/* ---- maps ---- */

/* The key's fields as the text output prints them, joined by ",", in a string. */
static void print_key(FILE *out, const struct map_res *m, const char *key)
{
	fputc('"', out);
	for (int i = 0, off; i < map_key_fields(m); i++) {
		size_t len;
		const struct type *t = map_key_field(m, i, &off);
		char *text = value_text(value_print_key, t, key + off, &len);
		fputs(i ? "," : "", out);
		json_escaped(out, text, len);
		free(text);
	}
	fputc('"', out);
}

static void print_buckets(FILE *out, const struct map_data *d, const struct map_entry *e)
{
	int first, last;
	bool any = map_bucket_span(d->m, e, &first, &last);
	fputc('[', out);
	for (int b = first; any && b <= last; b++) {
		int64_t lo, hi;
		bool has_lo, has_hi;
		map_bucket_range(d->m, b, &lo, &has_lo, &hi, &has_hi);
		fputs(b > first ? ", {" : "{", out);
		if (has_lo)
			fprintf(out, "\"min\": %" PRId64 ", ", lo);
		if (has_hi)
			fprintf(out, "\"max\": %" PRId64 ", ", hi);
		fprintf(out, "\"count\": %" PRIu64 "}", map_bucket_count(d, e, b));
	}
	fputc(']', out);
}

static void print_entry_value(FILE *out, const struct map_data *d, const struct map_entry *e)
{
	char num[32];
	if (map_is_hist(d->m)) {
		print_buckets(out, d, e);
	} else if (map_is_agg(d->m, AGG_STATS)) {
		fprintf(out, "{\"count\": %" PRId64 ", \"average\": %" PRId64 ", \"total\": %" PRId64 "}", e->count,
			map_average(e), e->value);
	} else if (map_value_is_number(d->m)) {
		map_number(d, e, num, sizeof(num));
		fputs(num, out);
	} else {
		json_value(out, d->m->value, e->raw);
	}
}

/* bpftrace prints nothing for a map without entries. */
static void json_map(struct output *o, const struct map_data *d)
{
	const struct map_res *m = d->m;
	if (!d->n)
		return;
	fprintf(o->out, "{\"type\": \"%s\", \"data\": {", map_is_hist(m) ? "hist" : map_is_mean(m) ? "stats" : "map");
	json_string(o->out, m->name, strlen(m->name));
	fputs(m->key ? ": {" : ": ", o->out);
	for (int i = 0; i < d->n; i++) {
		fputs(i ? ", " : "", o->out);
		if (m->key) {
			print_key(o->out, m, d->e[i].key);
			fputs(": ", o->out);
		}
		print_entry_value(o->out, d, &d->e[i]);
	}
	fputs(m->key ? "}}}\n" : "}}\n", o->out);
}

const struct output_backend output_json = {
	.name = "json",
	.attached = json_attached,
	.message = json_message,
	.value = json_value_message,
	.map = json_map,
	.lost = json_lost,
	.helper_error = json_helper_error,
	.helper_errors = json_helper_errors,
	.maps_start = json_maps_start,
};
