/* bpftrace 0.17's text output. Its quirks are kept on purpose, since output
 * is compared byte for byte: stats() ignores div, symbol, address and stack
 * values have no newline between entries, avg and stats maps end in a blank
 * line, a histogram's bar ignores div. */
#include "output/output.h"

#include <inttypes.h>
#include <string.h>

#include "output/value.h"

#define BAR_WIDTH 52

static void text_attached(struct output *o, int nprobes)
{
	fprintf(o->out, "Attaching %d probe%s...\n", nprobes, nprobes == 1 ? "" : "s");
}

static void text_message(struct output *o, enum message_kind kind, const char *text, size_t len)
{
	fwrite(text, 1, len, o->out);
	if (kind == MSG_JOIN)
		fputc('\n', o->out);
}

static void text_value(struct output *o, const struct type *t, const void *data)
{
	value_print(o->out, t, data);
	fputc('\n', o->out);
}

static void text_lost(struct output *o, uint64_t n)
{
	fprintf(o->out, "Lost %" PRIu64 " events\n", n);
}

/* bpftrace's words, in the output as bpftrace 0.17 writes them: "Failed to
 * map_update_elem: Argument list too long (-7)"; a failed lookup has no
 * error code, only 0 */
void text_helper_error(struct output *o, const struct helper_failure *f)
{
	int32_t ret = (int32_t)f->ret;
	if (ret < 0)
		diag_warning_to(o->out, &f->loc, "Failed to %s: %s (%d)", f->helper, strerror(-ret), ret);
	else
		diag_warning_to(o->out, &f->loc, "Failed to %s: %d", f->helper, ret);
}

/* scry's own count, on stderr with its other warnings at exit */
void text_helper_errors(struct output *o, const struct helper_failure *f)
{
	fflush(o->out);
	diag_warning(&f->loc, "Failed to %s%s%s in %s: %" PRIu64 " times, %" PRIu64 " reported", f->helper,
		     f->map ? " on " : "", f->map ? f->map : "", f->probe, f->count, f->said);
}

static void text_maps_start(struct output *o)
{
	fputs("\n\n", o->out);
}

/* ---- maps ---- */

static void print_key(FILE *out, const struct map_res *m, const char *key)
{
	fputs(m->name, out);
	for (int i = 0, off; i < map_key_fields(m); i++) {
		const struct type *t = map_key_field(m, i, &off);
		fputs(i ? ", " : "[", out);
		value_print_key(out, t, key + off);
	}
	fputs(m->key ? "]" : "", out);
}

static void print_value(FILE *out, const struct map_data *d, const struct map_entry *e)
{
	char num[32];
	if (map_is_agg(d->m, AGG_STATS)) {
		fprintf(out, "count %" PRId64 ", average %" PRId64 ", total %" PRId64, e->count, map_average(e),
			e->value);
	} else if (map_value_is_number(d->m)) {
		map_number(d, e, num, sizeof(num));
		fputs(num, out);
	} else {
		value_print(out, d->m->value, e->raw);
	}
}

/* Values that print their own line breaks, or none: bpftrace puts nothing
 * between such entries. */
static bool joined_without_newline(const struct type *t)
{
	return t->kind == T_STACK || t->kind == T_KSYM || t->kind == T_USYM || t->kind == T_INET;
}

static void print_entries(FILE *out, const struct map_data *d)
{
	for (int i = 0; i < d->n; i++) {
		if (i && !joined_without_newline(d->m->value))
			fputc('\n', out);
		print_key(out, d->m, d->e[i].key);
		fputs(": ", out);
		print_value(out, d, &d->e[i]);
	}
	fputs(map_is_mean(d->m) ? "\n\n" : "\n", out);
}

/* 1024 -> "1K", as bpftrace's hist_index_label: T is the largest suffix */
static void power_label(char *buf, size_t len, int power)
{
	static const char suffix[] = " KMGT";
	int s = power / 10 < 4 ? power / 10 : 4;
	snprintf(buf, len, "%" PRIu64 "%.*s", (uint64_t)1 << (power - 10 * s), s > 0, &suffix[s]);
}

/* lhist bounds: whole multiples of 1M and 1K get a suffix */
static void number_label(char *buf, size_t len, int64_t n)
{
	if (n != 0 && n % (1 << 20) == 0)
		snprintf(buf, len, "%" PRId64 "M", n / (1 << 20));
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, len, "%" PRId64 "K", n / 1024);
	else
		snprintf(buf, len, "%" PRId64, n);
}

static void hist_label(int b, char *buf, size_t len)
{
	char lo[32], hi[32];
	if (b <= 2) {
		snprintf(buf, len, "%s", b == 0 ? "(..., 0)" : b == 1 ? "[0]" : "[1]");
		return;
	}
	power_label(lo, sizeof(lo), b - 2);
	power_label(hi, sizeof(hi), b - 1);
	snprintf(buf, len, "[%s, %s)", lo, hi);
}

static void lhist_label(const struct map_res *m, int b, char *buf, size_t len)
{
	char lo[32], hi[32];
	int64_t from, to;
	bool has_from, has_to;
	map_bucket_range(m, b, &from, &has_from, &to, &has_to);
	number_label(lo, sizeof(lo), from);
	number_label(hi, sizeof(hi), to + 1);
	if (!has_from)
		snprintf(buf, len, "(..., %s)", hi);
	else if (!has_to)
		snprintf(buf, len, "[%s, ...)", lo);
	else
		snprintf(buf, len, "[%s, %s)", lo, hi);
}

/* One histogram's buckets: from the first to the last non-empty one, the bar
 * scaled to the largest count in float as bpftrace does. */
static void print_buckets(FILE *out, const struct map_data *d, const struct map_entry *e)
{
	int lo, hi;
	uint64_t max = 0;
	if (!map_bucket_span(d->m, e, &lo, &hi))
		return;
	for (int b = lo; b <= hi; b++)
		max = e->buckets[b] > max ? e->buckets[b] : max;
	for (int b = lo; b <= hi; b++) {
		char label[96], bar[BAR_WIDTH + 1];
		int width = (int)((float)e->buckets[b] / (float)max * BAR_WIDTH);
		memset(bar, '@', width);
		memset(bar + width, ' ', BAR_WIDTH - width);
		bar[BAR_WIDTH] = 0;
		if (map_is_agg(d->m, AGG_HIST))
			hist_label(b, label, sizeof(label));
		else
			lhist_label(d->m, b, label, sizeof(label));
		fprintf(out, "%-16s%8" PRIu64 " |%s|\n", label, map_bucket_count(d, e, b), bar);
	}
}

static void print_hists(FILE *out, const struct map_data *d)
{
	for (int i = 0; i < d->n; i++) {
		fputs(i ? "\n" : "", out);
		print_key(out, d->m, d->e[i].key);
		fputs(": \n", out);
		print_buckets(out, d, &d->e[i]);
	}
	fputc('\n', out);
}

static void text_map(struct output *o, const struct map_data *d)
{
	if (map_is_hist(d->m))
		print_hists(o->out, d);
	else
		print_entries(o->out, d);
}

const struct output_backend output_text = {
	.name = "text",
	.attached = text_attached,
	.message = text_message,
	.value = text_value,
	.map = text_map,
	.lost = text_lost,
	.helper_error = text_helper_error,
	.helper_errors = text_helper_errors,
	.maps_start = text_maps_start,
};
