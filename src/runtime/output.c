/* Map printing in bpftrace 0.17's text format: entries sorted by value,
 * aggregations combined across CPUs, histograms with 52-column bars. */
#include "runtime/output.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 52

/* One map entry, its per-CPU values already combined. */
struct entry {
	char *key;       /* kernel key bytes (a histogram's bucket included) */
	char *raw;       /* kernel value bytes of a plain map */
	int64_t value;   /* count, sum, min, max; avg/stats: the sum */
	int64_t count;   /* avg/stats: how many; min/max: whether any CPU set it */
	int64_t sort_by; /* what bpftrace orders entries by */
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

/* The key as the script sees it: without a histogram's bucket. */
static int script_key_size(const struct map_res *m)
{
	return (int)m->key_size - (is_hist(m) ? 8 : 0);
}

/* Per-CPU values of one aggregation entry folded into e. */
static void combine(const struct map_res *m, const char *vals, int ncpus, struct entry *e)
{
	size_t stride = (m->value_size + 7) / 8 * 8;
	bool is_min = is_agg(m, AGG_MIN), is_max = is_agg(m, AGG_MAX);
	for (int c = 0; c < ncpus; c++) {
		const int64_t *v = (const int64_t *)(vals + c * stride);
		if (is_min || is_max) {
			if (!v[1])
				continue;
			if (!e->count || (is_min ? v[0] < e->value : v[0] > e->value))
				e->value = v[0];
			e->count = 1;
		} else {
			e->value += v[0];
			if (m->value_size > 8)
				e->count += v[1];
		}
	}
}

static int64_t entry_sort_value(const struct map_res *m, const struct entry *e)
{
	if (is_agg(m, AGG_AVG) || is_agg(m, AGG_STATS))
		return e->count ? e->value / e->count : 0;
	if (m->value->kind == T_INT) {
		int64_t v = 0;
		memcpy(&v, e->raw, m->value->size < 8 ? m->value->size : 8);
		return v;
	}
	return e->value;
}

static void read_table(const struct map_res *m, int fd, struct table *t)
{
	bool percpu = m->value->kind == T_AGG;
	int ncpus = percpu ? libbpf_num_possible_cpus() : 1;
	size_t vsize = percpu ? (m->value_size + 7) / 8 * 8 * ncpus : m->value_size;
	char *key = malloc(m->key_size), *next = malloc(m->key_size), *vals = malloc(vsize);
	bool first = true;
	int cap = 0;
	memset(t, 0, sizeof(*t));
	t->m = m;
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, m->key_size);
		if (bpf_map_lookup_elem(fd, key, vals))
			continue; /* deleted meanwhile */
		if (t->n == cap) {
			cap = cap ? cap * 2 : 64;
			t->e = realloc(t->e, cap * sizeof(*t->e));
		}
		struct entry *e = &t->e[t->n++];
		memset(e, 0, sizeof(*e));
		e->key = malloc(m->key_size);
		memcpy(e->key, key, m->key_size);
		if (percpu) {
			combine(m, vals, ncpus, e);
		} else {
			e->raw = malloc(vsize);
			memcpy(e->raw, vals, vsize);
		}
		e->sort_by = entry_sort_value(m, e);
	}
	free(key);
	free(next);
	free(vals);
}

static void free_table(struct table *t)
{
	for (int i = 0; i < t->n; i++) {
		free(t->e[i].key);
		free(t->e[i].raw);
	}
	free(t->e);
}

/* Keys in their natural order: numbers by value, strings alphabetically. */
static int key_cmp(const struct map_res *m, const char *a, const char *b)
{
	const struct type *k = m->key;
	if (!k)
		return 0;
	if (k->kind == T_INT && k->size == 8) {
		int64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x < y ? -1 : x > y;
	}
	if (k->kind == T_STR)
		return strncmp(a, b, k->size);
	return memcmp(a, b, script_key_size(m));
}

static const struct map_res *sort_map;

static int by_value(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->sort_by != b->sort_by)
		return a->sort_by < b->sort_by ? -1 : 1;
	return key_cmp(sort_map, a->key, b->key);
}

static int by_key(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	return key_cmp(sort_map, a->key, b->key);
}

static void print_name(FILE *out, const struct map_res *m, const char *key)
{
	fputs(m->name, out);
	if (!m->key)
		return;
	fputc('[', out);
	if (m->multi_key) {
		for (int i = 0; i < m->key->nfields; i++) {
			if (i)
				fputs(", ", out);
			type_print_value(out, m->key->fields[i].type, key + m->key->fields[i].offset);
		}
	} else {
		type_print_value(out, m->key, key);
	}
	fputc(']', out);
}

static void print_value(FILE *out, const struct map_res *m, const struct entry *e, int div)
{
	if (m->value->kind != T_AGG) {
		if (m->value->kind == T_INT)
			fprintf(out, m->value->is_signed ? "%" PRId64 : "%" PRIu64, e->sort_by / div);
		else
			type_print_value(out, m->value, e->raw);
		return;
	}
	switch (m->value->agg) {
	case AGG_AVG:
		fprintf(out, "%" PRId64, e->sort_by / div);
		break;
	case AGG_STATS:
		fprintf(out, "count %" PRId64 ", average %" PRId64 ", total %" PRId64, e->count, e->sort_by, e->value);
		break;
	case AGG_COUNT:
		fprintf(out, "%" PRIu64, (uint64_t)e->value / (uint64_t)div);
		break;
	default:
		fprintf(out, "%" PRId64, e->value / div);
		break;
	}
}

/* ---- histograms ---- */

/* 1024 -> "1K": a power of two with bpftrace's suffixes */
static void power_label(char *buf, size_t len, int power)
{
	static const char suffixes[] = { 0, 'K', 'M', 'G', 'T', 'P', 'E' };
	int s = power / 10 < 6 ? power / 10 : 6;
	snprintf(buf, len, "%llu%.*s", 1ULL << (power - 10 * s), suffixes[s] ? 1 : 0, &suffixes[s]);
}

/* lhist labels: multiples of 1M and 1K get a suffix */
static void number_label(char *buf, size_t len, int64_t n)
{
	if (n != 0 && n % (1 << 20) == 0)
		snprintf(buf, len, "%" PRId64 "M", n / (1 << 20));
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, len, "%" PRId64 "K", n / 1024);
	else
		snprintf(buf, len, "%" PRId64, n);
}

static void bucket_label(const struct map_res *m, int64_t b, char *buf, size_t len)
{
	char lo[32], hi[32];
	if (is_agg(m, AGG_HIST)) {
		if (b == 0)
			snprintf(buf, len, "(..., 0)");
		else if (b == 1 || b == 2)
			snprintf(buf, len, "[%d]", (int)b - 1);
		else {
			power_label(lo, sizeof(lo), (int)b - 2);
			power_label(hi, sizeof(hi), (int)b - 1);
			snprintf(buf, len, "[%s, %s)", lo, hi);
		}
		return;
	}
	int64_t nbuckets = (m->lhist_max - m->lhist_min) / m->lhist_step;
	if (b == 0) {
		number_label(lo, sizeof(lo), m->lhist_min);
		snprintf(buf, len, "(..., %s)", lo);
	} else if (b > nbuckets) {
		number_label(lo, sizeof(lo), m->lhist_max);
		snprintf(buf, len, "[%s, ...)", lo);
	} else {
		number_label(lo, sizeof(lo), m->lhist_min + (b - 1) * m->lhist_step);
		number_label(hi, sizeof(hi), m->lhist_min + b * m->lhist_step);
		snprintf(buf, len, "[%s, %s)", lo, hi);
	}
}

static void print_bar_row(FILE *out, const char *label, uint64_t count, uint64_t max)
{
	char bar[BAR_WIDTH + 1];
	int n = max ? (int)(count * BAR_WIDTH / max) : 0;
	memset(bar, '@', n);
	memset(bar + n, ' ', BAR_WIDTH - n);
	bar[BAR_WIDTH] = 0;
	fprintf(out, "%-16s%8" PRIu64 " |%s|\n", label, count, bar);
}

static int64_t bucket_of(const struct map_res *m, const struct entry *e)
{
	int64_t b;
	memcpy(&b, e->key + script_key_size(m), 8);
	return b;
}

/* One histogram: the buckets of n entries which share a key. */
static void print_hist(FILE *out, const struct map_res *m, const struct entry *e, int n, int div)
{
	int64_t lo = INT64_MAX, hi = -1;
	uint64_t max = 0;
	for (int i = 0; i < n; i++) {
		int64_t b = bucket_of(m, &e[i]);
		if (b < lo)
			lo = b;
		if (b > hi)
			hi = b;
		if ((uint64_t)e[i].value / div > max)
			max = (uint64_t)e[i].value / div;
	}
	print_name(out, m, e[0].key);
	fputs(": \n", out);
	for (int64_t b = lo; b <= hi; b++) {
		uint64_t count = 0;
		for (int i = 0; i < n; i++)
			if (bucket_of(m, &e[i]) == b)
				count = (uint64_t)e[i].value / div;
		char label[96];
		bucket_label(m, b, label, sizeof(label));
		print_bar_row(out, label, count, max);
	}
	fputc('\n', out);
}

/* Group entries by key (bucket aside), order the groups by total count. */
static void print_hists(FILE *out, struct table *t, int top, int div)
{
	const struct map_res *m = t->m;
	int keysize = script_key_size(m);
	sort_map = m;
	qsort(t->e, t->n, sizeof(*t->e), by_key); /* buckets of one key side by side */
	int ngroups = 0;
	int *start = malloc((t->n + 1) * sizeof(int));
	struct entry *totals = calloc(t->n + 1, sizeof(*totals));
	for (int i = 0; i < t->n; i++) {
		if (i == 0 || memcmp(t->e[i].key, t->e[i - 1].key, keysize)) {
			start[ngroups] = i;
			totals[ngroups] = (struct entry){ .key = t->e[i].key, .count = ngroups };
			ngroups++;
		}
		totals[ngroups - 1].sort_by += t->e[i].value;
	}
	start[ngroups] = t->n;
	qsort(totals, ngroups, sizeof(*totals), by_value);
	for (int g = top && top < ngroups ? ngroups - top : 0; g < ngroups; g++) {
		int k = (int)totals[g].count;
		print_hist(out, m, &t->e[start[k]], start[k + 1] - start[k], div);
	}
	free(start);
	free(totals);
}

int output_map(FILE *out, const struct map_res *m, int fd, int top, int div)
{
	struct table t;
	read_table(m, fd, &t);
	if (div < 1)
		div = 1;
	if (t.n == 0) {
		fputc('\n', out);
	} else if (is_hist(m)) {
		print_hists(out, &t, top, div);
	} else {
		sort_map = m;
		bool by_val = m->value->kind == T_AGG || m->value->kind == T_INT;
		qsort(t.e, t.n, sizeof(*t.e), by_val ? by_value : by_key);
		for (int i = top && top < t.n ? t.n - top : 0; i < t.n; i++) {
			print_name(out, m, t.e[i].key);
			fputs(": ", out);
			print_value(out, m, &t.e[i], div);
			fputc('\n', out);
		}
		if (is_agg(m, AGG_AVG) || is_agg(m, AGG_STATS))
			fputc('\n', out);
	}
	free_table(&t);
	return 0;
}
