/* Reading a script's map for output: the whole kernel map, each
 * aggregation folded across CPUs, a histogram's buckets gathered per key,
 * sorted as bpftrace 0.17 sorts them and cut to print()'s top (stats()
 * ignores top, as in bpftrace). The backend gets it as map_data. */
#include "runtime/map_read.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/load_int.h"

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

/* The key as the script sees it: without a histogram's bucket. */
static size_t script_key_size(const struct map_res *m)
{
	return m->key_size - (map_is_hist(m) ? map_bucket_size(m) : 0);
}

static size_t percpu_stride(const struct map_res *m)
{
	return (m->value_size + 7) / 8 * 8;
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
			e->count += map_is_mean(m) ? v[1] : 0;
		}
	}
}

static int64_t order_value(const struct map_res *m, const struct entry *e)
{
	if (map_is_mean(m))
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
	bool is_unsigned = map_is_agg(m, AGG_COUNT) || (m->value->kind == T_INT && !m->value->is_signed);
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

static int by_key_bytes(const void *pa, const void *pb, void *ctx)
{
	const struct entry *a = pa, *b = pb;
	return memcmp(a->key, b->key, script_key_size(ctx));
}

/* Histograms by total count */
static int by_total(const void *pa, const void *pb, void *ctx)
{
	const struct map_entry *a = pa, *b = pb;
	if (a->value != b->value)
		return (uint64_t)a->value < (uint64_t)b->value ? -1 : 1;
	return memcmp(a->key, b->key, script_key_size(ctx));
}

/* A histogram's entries, one per key and bucket, gathered into one per key
 * in e (room for t->n), ordered by total count; returns how many. */
static int group_buckets(struct table *t, struct map_entry *e)
{
	const struct map_res *m = t->m;
	size_t ksize = script_key_size(m);
	int n = 0, nbuckets = map_buckets(m);
	uint64_t *counts = NULL;
	sort_entries(t, by_key_bytes);
	for (int i = 0; i < t->n; i++) {
		if (map_bucket_array(m) && !t->e[i].value) /* an array's zero: an absent key */
			continue;
		if (!n || memcmp(t->e[i].key, e[n - 1].key, ksize)) {
			if (!(counts = calloc(nbuckets, sizeof(*counts))))
				return -ENOMEM;
			e[n++] = (struct map_entry){ .key = t->e[i].key, .buckets = counts };
		}
		uint64_t b = load_int(t->e[i].key + ksize, map_bucket_size(m), false);
		if (b >= (uint64_t)nbuckets) /* the array's slot that zero() sets */
			continue;
		counts[b] = (uint64_t)t->e[i].value;
		e[n - 1].value += t->e[i].value;
	}
	if (n) /* qsort_r wants a non-null array */
		qsort_r(e, n, sizeof(*e), by_total, (void *)m);
	return n;
}

/* Other maps' entries, sorted, in e (room for t->n); returns how many. */
static int sorted_entries(struct table *t, struct map_entry *e)
{
	const struct map_res *m = t->m;
	sort_entries(t, m->value->kind == T_AGG || m->value->kind == T_INT ? by_value : by_key);
	for (int i = 0; i < t->n; i++)
		e[i] = (struct map_entry){ .key = t->e[i].key, .raw = t->e[i].raw, .value = t->e[i].value,
					   .count = t->e[i].count };
	return t->n;
}

int map_output(struct output *o, const struct map_res *m, int fd, int top, int div)
{
	struct table t;
	int err = read_table(m, fd, &t);
	if (err)
		return err;
	struct map_entry *e = calloc(t.n + 1, sizeof(*e));
	int n = !e ? -ENOMEM : map_is_hist(m) ? group_buckets(&t, e) : sorted_entries(&t, e);
	if (n >= 0) {
		int first = first_shown(n, map_is_agg(m, AGG_STATS) ? 0 : top);
		struct map_data d = { .m = m, .e = e + first, .n = n - first, .div = div < 1 ? 1 : div };
		o->backend->map(o, &d);
	}
	for (int i = 0; e && i < t.n; i++)
		free((void *)e[i].buckets);
	free(e);
	free_table(&t);
	return n < 0 ? n : 0;
}
