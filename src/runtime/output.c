/* Map printing in bpftrace 0.17's text format. A map is read whole, each
 * aggregation folded across CPUs, sorted as bpftrace sorts it and printed
 * with bpftrace's separators. Its quirks are kept on purpose, since output
 * is compared byte for byte: stats() ignores top and div, lhist() ignores
 * div, symbol, address and stack values have no newline between entries. */
#include "runtime/output.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/stacks.h"

#define BAR_WIDTH 52
#define HIST_BUCKETS 65   /* (..., 0), [0], [1], then a power of two each up to 2^63 */
#define VALUE_INDENT 8    /* stacks as map values; as keys they get the type printer's 4 */

/* One map entry, its per-CPU values already combined. */
struct entry {
	char *key;     /* kernel key bytes (a histogram's bucket included) */
	char *raw;     /* value bytes of a plain map */
	int64_t value; /* count, sum, min, max; avg/stats: the sum */
	int64_t count; /* avg/stats: how many values; min/max: whether any CPU set it */
	int64_t order; /* what bpftrace sorts the entry by, when it sorts by value */
};

struct table {
	const struct map_res *m;
	struct entry *e;
	int n;
};

static bool is_agg(const struct map_res *m, enum agg_kind agg)
{
	return m->value->kind == T_AGG && m->value->agg == agg;
}

static bool is_hist(const struct map_res *m)
{
	return is_agg(m, AGG_HIST) || is_agg(m, AGG_LHIST);
}

/* avg() and stats() keep {sum, count} */
static bool is_mean(const struct map_res *m)
{
	return is_agg(m, AGG_AVG) || is_agg(m, AGG_STATS);
}

/* The key as the script sees it: without a histogram's bucket. */
static size_t script_key_size(const struct map_res *m)
{
	return m->key_size - (is_hist(m) ? 8 : 0);
}

static size_t percpu_stride(const struct map_res *m)
{
	return (m->value_size + 7) / 8 * 8;
}

/* An integer of 1, 2, 4 or 8 bytes, sign-extended when signed. */
static uint64_t load_int(const void *p, int size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? (uint64_t)*(const int8_t *)p : *(const uint8_t *)p;
	case 2: return is_signed ? (uint64_t)*(const int16_t *)p : *(const uint16_t *)p;
	case 4: return is_signed ? (uint64_t)*(const int32_t *)p : *(const uint32_t *)p;
	default: {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	}
}

/* Per-CPU values of one aggregation entry folded into e. min and max only
 * count CPUs that have seen a value (their second word is set). */
static void fold(const struct map_res *m, const char *vals, int ncpus, struct entry *e)
{
	enum agg_kind agg = m->value->agg;
	for (int c = 0; c < ncpus; c++) {
		int64_t v[2] = { 0, 0 };
		memcpy(v, vals + c * percpu_stride(m), m->value_size < 16 ? m->value_size : 16);
		if (agg == AGG_MIN || agg == AGG_MAX) {
			if (v[1] && (!e->count || (agg == AGG_MIN ? v[0] < e->value : v[0] > e->value)))
				e->value = v[0];
			e->count |= v[1] != 0;
		} else {
			e->value += v[0];
			e->count += is_mean(m) ? v[1] : 0;
		}
	}
}

static int64_t order_value(const struct map_res *m, const struct entry *e)
{
	if (is_mean(m))
		return e->count ? e->value / e->count : 0;
	if (m->value->kind == T_INT)
		return (int64_t)load_int(e->raw, m->value->size, m->value->is_signed);
	return e->value;
}

static int add_entry(struct table *t, int *cap, const char *key, const char *vals, int ncpus)
{
	const struct map_res *m = t->m;
	if (t->n == *cap) {
		int ncap = *cap ? *cap * 2 : 64;
		struct entry *ne = realloc(t->e, ncap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		t->e = ne;
		*cap = ncap;
	}
	struct entry *e = &t->e[t->n];
	memset(e, 0, sizeof(*e));
	e->key = malloc(m->key_size);
	if (!e->key)
		return -ENOMEM;
	t->n++;
	memcpy(e->key, key, m->key_size);
	if (m->value->kind == T_AGG) {
		fold(m, vals, ncpus, e);
	} else {
		e->raw = malloc(m->value_size);
		if (!e->raw)
			return -ENOMEM;
		memcpy(e->raw, vals, m->value_size);
	}
	e->order = order_value(m, e);
	return 0;
}

static void free_table(struct table *t)
{
	for (int i = 0; i < t->n; i++) {
		free(t->e[i].key);
		free(t->e[i].raw);
	}
	free(t->e);
}

/* Every entry of the kernel map; on error the table is freed. */
static int read_table(const struct map_res *m, int fd, struct table *t)
{
	int ncpus = m->value->kind == T_AGG ? libbpf_num_possible_cpus() : 1;
	if (ncpus < 0)
		return ncpus;
	char *key = malloc(m->key_size), *next = malloc(m->key_size);
	char *vals = malloc(percpu_stride(m) * ncpus);
	int cap = 0, err = key && next && vals ? 0 : -ENOMEM;
	*t = (struct table){ .m = m };
	for (void *prev = NULL; !err; prev = key) {
		err = bpf_map_get_next_key(fd, prev, next);
		if (err)
			break;
		memcpy(key, next, m->key_size);
		err = bpf_map_lookup_elem(fd, key, vals);
		if (err == -ENOENT) /* deleted meanwhile */
			err = 0;
		else if (!err)
			err = add_entry(t, &cap, key, vals, ncpus);
	}
	free(key);
	free(next);
	free(vals);
	if (err == -ENOENT) /* the last key */
		return 0;
	free_table(t);
	return err;
}

/* ---- ordering ---- */

/* bpftrace's sort by key: integer fields as unsigned numbers, strings
 * alphabetically, the first field first; other fields are left unordered,
 * which we settle by the bytes so the output is stable. */
static int key_cmp(const struct map_res *m, const char *a, const char *b)
{
	const struct type *k = m->key;
	int n = k && k->kind == T_TUPLE ? k->nfields : k ? 1 : 0;
	for (int i = 0; i < n; i++) {
		const struct type *f = k->kind == T_TUPLE ? k->fields[i].type : k;
		int off = k->kind == T_TUPLE ? k->fields[i].offset : 0;
		if (f->kind == T_INT) {
			uint64_t x = load_int(a + off, f->size, false), y = load_int(b + off, f->size, false);
			if (x != y)
				return x < y ? -1 : 1;
		} else if (f->kind == T_STR) {
			int c = strncmp(a + off, b + off, f->size);
			if (c)
				return c;
		}
	}
	return memcmp(a, b, script_key_size(m));
}

static int by_key(const void *pa, const void *pb, void *ctx)
{
	const struct entry *a = pa, *b = pb;
	return key_cmp(ctx, a->key, b->key);
}

/* Ties go by the key bytes: bpftrace's order for avg and stats (its std::map
 * hands them over so), and a stable one where bpftrace follows the hash table. */
static int by_value(const void *pa, const void *pb, void *ctx)
{
	const struct map_res *m = ctx;
	const struct entry *a = pa, *b = pb;
	bool is_unsigned = is_agg(m, AGG_COUNT) || (m->value->kind == T_INT && !m->value->is_signed);
	if (a->order != b->order) {
		if (is_unsigned)
			return (uint64_t)a->order < (uint64_t)b->order ? -1 : 1;
		return a->order < b->order ? -1 : 1;
	}
	return memcmp(a->key, b->key, script_key_size(m));
}

static void sort_entries(struct table *t, int (*cmp)(const void *, const void *, void *))
{
	if (t->n) /* qsort_r wants a non-null array */
		qsort_r(t->e, t->n, sizeof(*t->e), cmp, (void *)t->m);
}

/* print(@m, top): the first entry shown of n sorted ones */
static int first_shown(int n, int top)
{
	return top > 0 && n > top ? n - top : 0;
}

/* ---- entries ---- */

static void print_key(FILE *out, const struct map_res *m, const char *key)
{
	fputs(m->name, out);
	if (!m->key)
		return;
	fputc('[', out);
	if (m->multi_key) {
		for (int i = 0; i < m->key->nfields; i++) {
			if (i)
				fputs(", ", out);
			type_print_key(out, m->key->fields[i].type, key + m->key->fields[i].offset);
		}
	} else {
		type_print_key(out, m->key, key);
	}
	fputc(']', out);
}

static void print_plain(FILE *out, const struct type *t, const char *raw, int div)
{
	if (t->kind == T_INT && t->is_signed)
		fprintf(out, "%" PRId64, (int64_t)load_int(raw, t->size, true) / div);
	else if (t->kind == T_INT)
		fprintf(out, "%" PRIu64, load_int(raw, t->size, false) / (uint64_t)div);
	else if (t->kind == T_STACK)
		stack_print(out, t, load_int(raw, 8, false), VALUE_INDENT);
	else
		type_print_value(out, t, raw);
}

static void print_value(FILE *out, const struct map_res *m, const struct entry *e, int div)
{
	if (m->value->kind != T_AGG)
		print_plain(out, m->value, e->raw, div);
	else if (is_agg(m, AGG_COUNT))
		fprintf(out, "%" PRIu64, (uint64_t)e->value / (uint64_t)div);
	else if (is_agg(m, AGG_STATS))
		fprintf(out, "count %" PRId64 ", average %" PRId64 ", total %" PRId64, e->count, e->order, e->value);
	else /* sum, min, max; avg's order is its average */
		fprintf(out, "%" PRId64, (is_agg(m, AGG_AVG) ? e->order : e->value) / div);
}

/* Values that print their own line breaks, or none: bpftrace puts nothing
 * between such entries. */
static bool joined_without_newline(const struct type *t)
{
	return t->kind == T_STACK || t->kind == T_KSYM || t->kind == T_USYM || t->kind == T_INET;
}

static void print_entries(FILE *out, struct table *t, int top, int div)
{
	const struct map_res *m = t->m;
	bool by_val = m->value->kind == T_AGG || m->value->kind == T_INT;
	bool stats = is_agg(m, AGG_STATS);
	sort_entries(t, by_val ? by_value : by_key);
	int first = first_shown(t->n, stats ? 0 : top);
	for (int i = first; i < t->n; i++) {
		if (i > first && !joined_without_newline(m->value))
			fputc('\n', out);
		print_key(out, m, t->e[i].key);
		fputs(": ", out);
		print_value(out, m, &t->e[i], stats ? 1 : div);
	}
	fputs(is_mean(m) ? "\n\n" : "\n", out);
}

/* ---- histograms ---- */

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

static void hist_label(const struct map_res *m, int b, char *buf, size_t len)
{
	char lo[32], hi[32];
	(void)m;
	if (b <= 2) {
		snprintf(buf, len, "%s", b == 0 ? "(..., 0)" : b == 1 ? "[0]" : "[1]");
		return;
	}
	power_label(lo, sizeof(lo), b - 2);
	power_label(hi, sizeof(hi), b - 1);
	snprintf(buf, len, "[%s, %s)", lo, hi);
}

static int lhist_buckets(const struct map_res *m)
{
	return (m->lhist_max - m->lhist_min) / m->lhist_step + 2;
}

static void lhist_label(const struct map_res *m, int b, char *buf, size_t len)
{
	char lo[32], hi[32];
	if (b == 0) {
		number_label(lo, sizeof(lo), m->lhist_min);
		snprintf(buf, len, "(..., %s)", lo);
	} else if (b == lhist_buckets(m) - 1) {
		number_label(lo, sizeof(lo), m->lhist_max);
		snprintf(buf, len, "[%s, ...)", lo);
	} else {
		number_label(lo, sizeof(lo), m->lhist_min + (int64_t)(b - 1) * m->lhist_step);
		number_label(hi, sizeof(hi), m->lhist_min + (int64_t)b * m->lhist_step);
		snprintf(buf, len, "[%s, %s)", lo, hi);
	}
}

/* What differs between hist() and lhist() output */
struct hist_shape {
	int nbuckets; /* the under- and overflow buckets included */
	void (*label)(const struct map_res *m, int bucket, char *buf, size_t len);
	bool divides; /* bpftrace divides hist() counts by print()'s div, not lhist() ones */
};

static struct hist_shape hist_shape(const struct map_res *m)
{
	if (is_agg(m, AGG_HIST))
		return (struct hist_shape){ HIST_BUCKETS, hist_label, true };
	return (struct hist_shape){ lhist_buckets(m), lhist_label, false };
}

/* One histogram's buckets: from the first to the last non-empty one, the bar
 * scaled to the largest count in float as bpftrace does (the bar ignores div). */
static void print_buckets(FILE *out, const struct map_res *m, const struct hist_shape *s,
			  const uint64_t *counts, int div)
{
	int lo = -1, hi = -1;
	uint64_t max = 0;
	for (int b = 0; b < s->nbuckets; b++) {
		if (!counts[b])
			continue;
		lo = lo < 0 ? b : lo;
		hi = b;
		max = counts[b] > max ? counts[b] : max;
	}
	for (int b = lo; lo >= 0 && b <= hi; b++) {
		char label[96], bar[BAR_WIDTH + 1];
		int width = (int)((float)counts[b] / (float)max * BAR_WIDTH);
		memset(bar, '@', width);
		memset(bar + width, ' ', BAR_WIDTH - width);
		bar[BAR_WIDTH] = 0;
		s->label(m, b, label, sizeof(label));
		fprintf(out, "%-16s%8" PRIu64 " |%s|\n", label, s->divides ? counts[b] / div : counts[b], bar);
	}
}

/* The buckets of one script key */
struct group {
	const char *key;
	uint64_t *counts;
	int64_t order; /* total count */
};

static int by_key_bytes(const void *pa, const void *pb, void *ctx)
{
	const struct entry *a = pa, *b = pb;
	return memcmp(a->key, b->key, script_key_size(ctx));
}

static int by_total(const void *pa, const void *pb, void *ctx)
{
	const struct group *a = pa, *b = pb;
	if (a->order != b->order)
		return (uint64_t)a->order < (uint64_t)b->order ? -1 : 1;
	return memcmp(a->key, b->key, script_key_size(ctx));
}

/* Entries grouped by script key into g (room for t->n); returns how many. */
static int group_buckets(struct table *t, const struct hist_shape *s, struct group *g)
{
	const struct map_res *m = t->m;
	size_t ksize = script_key_size(m);
	int n = 0;
	sort_entries(t, by_key_bytes);
	for (int i = 0; i < t->n; i++) {
		if (i == 0 || memcmp(t->e[i].key, t->e[i - 1].key, ksize)) {
			g[n] = (struct group){ .key = t->e[i].key, .counts = calloc(s->nbuckets, sizeof(uint64_t)) };
			if (!g[n].counts)
				return -ENOMEM;
			n++;
		}
		uint64_t b;
		memcpy(&b, t->e[i].key + ksize, 8);
		if (b < (uint64_t)s->nbuckets)
			g[n - 1].counts[b] = (uint64_t)t->e[i].value;
		g[n - 1].order += t->e[i].value;
	}
	return n;
}

/* One histogram per script key, ordered by total count. */
static int print_hists(FILE *out, struct table *t, int top, int div)
{
	const struct map_res *m = t->m;
	struct hist_shape s = hist_shape(m);
	struct group *g = calloc(t->n + 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	int n = group_buckets(t, &s, g);
	if (n >= 0) {
		qsort_r(g, n, sizeof(*g), by_total, (void *)m);
		int first = first_shown(n, top);
		for (int i = first; i < n; i++) {
			fputs(i > first ? "\n" : "", out);
			print_key(out, m, g[i].key);
			fputs(": \n", out);
			print_buckets(out, m, &s, g[i].counts, div);
		}
		fputc('\n', out);
	}
	for (int i = 0; i < t->n && g[i].counts; i++)
		free(g[i].counts);
	free(g);
	return n < 0 ? n : 0;
}

int output_map(FILE *out, const struct map_res *m, int fd, int top, int div)
{
	struct table t;
	int err = read_table(m, fd, &t);
	if (err)
		return err;
	if (div < 1)
		div = 1;
	if (is_hist(m))
		err = print_hists(out, &t, top, div);
	else
		print_entries(out, &t, top, div);
	free_table(&t);
	return err;
}
