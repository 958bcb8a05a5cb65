/* The map reader and the text backend against real BPF maps: each case
 * fills a kernel map in the layout maps.c gives it, replaying a bpftrace
 * script as the BPF code would (aggregations spread over CPUs), and compares
 * map_output's text with what bpftrace 0.17 printed for that script (quoted
 * above each case; for exit output, without the "Attaching" line and the two
 * blank lines before the maps). Run as root. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/resources.h"
#include "codegen/types.h"
#include "output/map_data.h"
#include "runtime/map_read.h"

#define STR 16 /* string size of the test's keys and values */

static int failures;

/* A script map and its kernel map */
struct fixture {
	const char *test;
	struct map_res m;
	int fd, ncpus, next_cpu;
};

static struct fixture declare(const char *test, const char *name, const struct type *key, const struct type *value)
{
	return (struct fixture){
		.test = test,
		.m = { .name = (char *)name, .key = key, .multi_key = key && key->kind == T_TUPLE, .value = value,
		       .key_size = key ? key->size : 8, .max_entries = MAP_DEFAULT_ENTRIES },
		.ncpus = libbpf_num_possible_cpus(),
	};
}

/* Laid out as map_declare does it, and created */
static void create(struct fixture *f)
{
	struct map_res *m = &f->m;
	if (m->value->kind != T_AGG) {
		m->bpf_type = BPF_MAP_TYPE_HASH;
		m->value_size = m->value->size;
	} else if (!m->key && (map_is_agg(m, AGG_COUNT) || map_is_hist(m))) { /* an array of its entries */
		m->bpf_type = BPF_MAP_TYPE_PERCPU_ARRAY;
		m->value_size = agg_value_size(m->value->agg);
		m->key_size = 4;
		m->max_entries = map_is_hist(m) ? (uint32_t)map_buckets(m) + 1 : 1;
	} else {
		m->bpf_type = BPF_MAP_TYPE_PERCPU_HASH;
		m->value_size = agg_value_size(m->value->agg);
		m->key_size += map_is_hist(m) ? 8 : 0;
	}
	f->fd = bpf_map_create(m->bpf_type, NULL, m->key_size, m->value_size, m->max_entries, NULL);
	if (f->fd < 0) {
		fprintf(stderr, "%s: bpf_map_create: %s\n", f->test, strerror(-f->fd));
		exit(1);
	}
}

static struct fixture map(const char *test, const char *name, const struct type *key, const struct type *value)
{
	struct fixture f = declare(test, name, key, value);
	create(&f);
	return f;
}

static struct fixture lhist_map(const char *test, const char *name, const struct type *key, int min, int max, int step)
{
	struct fixture f = declare(test, name, key, type_agg(AGG_LHIST));
	f.m.lhist_min = min;
	f.m.lhist_max = max;
	f.m.lhist_step = step;
	create(&f);
	return f;
}

/* ---- keys and values as the BPF code writes them ---- */

static const char *str(const char *s)
{
	static char buf[4][STR];
	static int next;
	char *b = buf[next++ % 4];
	memset(b, 0, STR);
	strncpy(b, s, STR - 1);
	return b;
}

static const struct type *int_str_tuple(void)
{
	const struct type *elems[] = { type_int(8, true), type_str(STR) };
	return type_tuple(elems, 2);
}

/* A value of int_str_tuple() (also a key of a multi-key map) */
static const void *pair(int64_t i, const char *s)
{
	static char buf[4][64];
	static int next;
	const struct type *t = int_str_tuple();
	char *b = buf[next++ % 4];
	memset(b, 0, sizeof(buf[0]));
	memcpy(b + t->fields[0].offset, &i, 8);
	memcpy(b + t->fields[1].offset, str(s), STR);
	return b;
}

static void put(struct fixture *f, const void *key, const void *value)
{
	if (bpf_map_update_elem(f->fd, key, value, BPF_ANY)) {
		fprintf(stderr, "%s: bpf_map_update_elem failed\n", f->test);
		exit(1);
	}
}

static int64_t log2_bucket(int64_t v)
{
	if (v < 0)
		return 0;
	int64_t b = 1;
	for (; v; v >>= 1)
		b++;
	return b;
}

static int64_t linear_bucket(const struct map_res *m, int64_t v)
{
	if (v < m->lhist_min)
		return 0;
	if (v >= m->lhist_max)
		return (m->lhist_max - m->lhist_min) / m->lhist_step + 1;
	return 1 + (v - m->lhist_min) / m->lhist_step;
}

/* Replays `@m[key] = agg(v)` (key NULL for @m = agg(v)) on the next CPU in
 * turn, updating that CPU's value as the BPF code does. */
static void aggregate(struct fixture *f, const void *key, int64_t v)
{
	const struct map_res *m = &f->m;
	char k[128] = { 0 };
	size_t ksize = m->key_size - (map_is_hist(m) ? map_bucket_size(m) : 0);
	if (key)
		memcpy(k, key, ksize);
	if (map_is_hist(m)) { /* little-endian: an array's u32 index is the bucket's first bytes */
		int64_t b = m->value->agg == AGG_HIST ? log2_bucket(v) : linear_bucket(m, v);
		memcpy(k + ksize, &b, map_bucket_size(m));
	}
	int64_t *vals = calloc(f->ncpus, 16);
	bpf_map_lookup_elem(f->fd, k, vals); /* absent: all zero */
	int stride = m->value_size / 8;
	int64_t *cpu = &vals[(f->next_cpu++ % f->ncpus) * stride];
	switch (m->value->agg) {
	case AGG_COUNT:
	case AGG_HIST:
	case AGG_LHIST:
		cpu[0]++;
		break;
	case AGG_SUM:
		cpu[0] += v;
		break;
	case AGG_MIN:
	case AGG_MAX:
		if (!cpu[1] || (m->value->agg == AGG_MIN ? v < cpu[0] : v > cpu[0]))
			cpu[0] = v;
		cpu[1] = 1;
		break;
	case AGG_AVG:
	case AGG_STATS:
		cpu[0] += v;
		cpu[1]++;
		break;
	}
	put(f, k, vals);
	free(vals);
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Each {key, value} pair aggregated in turn, as the probes would. */
static void aggregate_pairs(struct fixture *f, int64_t (*pairs)[2], int n)
{
	for (int i = 0; i < n; i++)
		aggregate(f, &pairs[i][0], pairs[i][1]);
}

static void check(struct fixture *f, int top, int div, const char *want)
{
	char *got = NULL;
	size_t len = 0;
	struct output o = { .backend = &output_text, .out = open_memstream(&got, &len) };
	int err = map_output(&o, &f->m, f->fd, top, div);
	fclose(o.out);
	if (err || strcmp(got, want)) {
		fprintf(stderr, "FAIL %s (top %d, div %d, returned %d)\n--- expected\n%s--- got\n%s---\n",
			f->test, top, div, err, want, got);
		failures++;
	}
	free(got);
}

static void done(struct fixture *f)
{
	close(f->fd);
}

/* ---- plain maps and their aggregations ---- */

/* BEGIN { @c["b"] = count(); @c["b"] = count(); @c["a"] = count(); @c["ccc"] = count();
 *         @c["ccc"] = count(); @c["ccc"] = count(); exit(); } */
static void test_count(void)
{
	struct fixture f = map("count with string keys", "@c", type_str(STR), type_agg(AGG_COUNT));
	const char *keys[] = { "b", "b", "a", "ccc", "ccc", "ccc" };
	for (int i = 0; i < 6; i++)
		aggregate(&f, str(keys[i]), 0);
	check(&f, 0, 1, "@c[a]: 1\n@c[b]: 2\n@c[ccc]: 3\n");
	done(&f);
}

/* BEGIN { @s[1] = sum(-3); @s[2] = sum(5); @s[3] = sum(-10); @s[2] = sum(100); exit(); } */
static void test_sum(void)
{
	struct fixture f = map("sum", "@s", type_int(8, true), type_agg(AGG_SUM));
	int64_t data[][2] = { { 1, -3 }, { 2, 5 }, { 3, -10 }, { 2, 100 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 0, 1, "@s[3]: -10\n@s[1]: -3\n@s[2]: 105\n");
	done(&f);
}

/* BEGIN { @i[1] = -5; @i[2] = 10; @i[3] = -20; @i[4] = 0; exit(); }
 * BEGIN { @i[1] = -50; @i[2] = 7; @i[3] = 100; print(@i, 2, 3); clear(@i); exit(); } */
static void test_int_values(void)
{
	struct fixture f = map("int values", "@i", type_int(8, true), type_int(8, true));
	int64_t data[][2] = { { 1, -5 }, { 2, 10 }, { 3, -20 }, { 4, 0 } };
	for (int i = 0; i < 4; i++)
		put(&f, &data[i][0], &data[i][1]);
	check(&f, 0, 1, "@i[3]: -20\n@i[1]: -5\n@i[4]: 0\n@i[2]: 10\n");
	done(&f);

	f = map("int values, top and div", "@i", type_int(8, true), type_int(8, true));
	int64_t more[][2] = { { 1, -50 }, { 2, 7 }, { 3, 100 } };
	for (int i = 0; i < 3; i++)
		put(&f, &more[i][0], &more[i][1]);
	check(&f, 2, 3, "@i[2]: 2\n@i[3]: 33\n");
	done(&f);
}

/* BEGIN { @s[-1] = "a"; @s[5] = "b"; @s[2] = "c"; exit(); }
 * (sorted by key, integers compared unsigned: -1 comes last) */
static void test_string_values(void)
{
	struct fixture f = map("string values", "@s", type_int(8, true), type_str(STR));
	int64_t keys[] = { -1, 5, 2 };
	const char *vals[] = { "a", "b", "c" };
	for (int i = 0; i < 3; i++)
		put(&f, &keys[i], str(vals[i]));
	check(&f, 0, 1, "@s[2]: c\n@s[5]: b\n@s[-1]: a\n");
	done(&f);
}

/* BEGIN { @x = 42; exit(); }
 * BEGIN { @str = "hello"; exit(); } */
static void test_keyless(void)
{
	int64_t zero = 0, v = 42;
	struct fixture f = map("keyless int", "@x", NULL, type_int(8, true));
	put(&f, &zero, &v);
	check(&f, 0, 1, "@x: 42\n");
	done(&f);

	f = map("keyless string", "@str", NULL, type_str(STR));
	put(&f, &zero, str("hello"));
	check(&f, 0, 1, "@str: hello\n");
	done(&f);
}

/* BEGIN { @u[2, "b"] = 5; @u[1, "z"] = 7; @u[2, "a"] = 6; @u[-1, "a"] = 1; exit(); }
 * BEGIN { @u[2, "b"] = (1, "x"); @u[1, "z"] = (2, "y"); @u[2, "a"] = (3, "z");
 *         @u[-1, "a"] = (4, "w"); exit(); } */
static void test_multi_key(void)
{
	struct fixture f = map("multi-key, int values", "@u", int_str_tuple(), type_int(8, true));
	int64_t v[] = { 5, 7, 6, 1 };
	put(&f, pair(2, "b"), &v[0]);
	put(&f, pair(1, "z"), &v[1]);
	put(&f, pair(2, "a"), &v[2]);
	put(&f, pair(-1, "a"), &v[3]);
	check(&f, 0, 1, "@u[-1, a]: 1\n@u[2, b]: 5\n@u[2, a]: 6\n@u[1, z]: 7\n");
	done(&f);

	f = map("multi-key, tuple values", "@u", int_str_tuple(), int_str_tuple());
	put(&f, pair(2, "b"), pair(1, "x"));
	put(&f, pair(1, "z"), pair(2, "y"));
	put(&f, pair(2, "a"), pair(3, "z"));
	put(&f, pair(-1, "a"), pair(4, "w"));
	check(&f, 0, 1, "@u[1, z]: (2, y)\n@u[2, a]: (3, z)\n@u[2, b]: (1, x)\n@u[-1, a]: (4, w)\n");
	done(&f);
}

/* BEGIN { @mn[1] = min(10); @mn[2] = min(2); @mn[3] = min(7); @mn[1] = min(15); exit(); }
 * BEGIN { @n = min(-5); @n = min(3); exit(); }
 * (CPUs that saw no value hold 0, which must not count as a minimum) */
static void test_min(void)
{
	struct fixture f = map("min", "@mn", type_int(8, true), type_agg(AGG_MIN));
	int64_t data[][2] = { { 1, 10 }, { 2, 2 }, { 3, 7 }, { 1, 15 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 0, 1, "@mn[2]: 2\n@mn[3]: 7\n@mn[1]: 10\n");
	done(&f);

	f = map("min, keyless and negative", "@n", NULL, type_agg(AGG_MIN));
	aggregate(&f, NULL, -5);
	aggregate(&f, NULL, 3);
	check(&f, 0, 1, "@n: -5\n");
	done(&f);
}

/* BEGIN { @mx[1] = max(10); @mx[2] = max(50); @mx[3] = max(30); @mx[3] = max(4); exit(); }
 * BEGIN { @m[1] = max(10); @m[2] = max(50); @m[3] = max(30); print(@m, 2, 4); clear(@m); exit(); }
 * (the second on the first's data renamed: max(4) changes nothing) */
static void test_max(void)
{
	struct fixture f = map("max", "@mx", type_int(8, true), type_agg(AGG_MAX));
	int64_t data[][2] = { { 1, 10 }, { 2, 50 }, { 3, 30 }, { 3, 4 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 0, 1, "@mx[1]: 10\n@mx[3]: 30\n@mx[2]: 50\n");
	f.m.name = "@m";
	check(&f, 2, 4, "@m[3]: 7\n@m[2]: 12\n");
	done(&f);
}

/* BEGIN { @a[1] = avg(10); @a[2] = avg(40); @a[2] = avg(45); @a[3] = avg(20); exit(); }
 * BEGIN { @a[1] = avg(10); @a[2] = avg(40); @a[3] = avg(20); print(@a, 2, 3); clear(@a); exit(); } */
static void test_avg(void)
{
	struct fixture f = map("avg", "@a", type_int(8, true), type_agg(AGG_AVG));
	int64_t data[][2] = { { 1, 10 }, { 2, 40 }, { 2, 45 }, { 3, 20 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 0, 1, "@a[1]: 10\n@a[3]: 20\n@a[2]: 42\n\n");
	done(&f);

	f = map("avg, top and div", "@a", type_int(8, true), type_agg(AGG_AVG));
	for (int i = 0; i < 4; i++)
		if (i != 2)
			aggregate(&f, &data[i][0], data[i][1]);
	check(&f, 2, 3, "@a[3]: 6\n@a[2]: 13\n\n");
	done(&f);
}

/* BEGIN { @s[1] = stats(10); @s[2] = stats(40); @s[3] = stats(20); @s[3] = stats(21); exit(); }
 * print(@s, 2, 3) on the same map prints the same: bpftrace ignores top and
 * div for stats() ("WARNING: print()'s top and div arguments are ignored").
 * BEGIN { @s = stats(10); @s = stats(4); exit(); } */
static void test_stats(void)
{
	const char *want = "@s[1]: count 1, average 10, total 10\n"
			   "@s[3]: count 2, average 20, total 41\n"
			   "@s[2]: count 1, average 40, total 40\n\n";
	struct fixture f = map("stats", "@s", type_int(8, true), type_agg(AGG_STATS));
	int64_t data[][2] = { { 1, 10 }, { 2, 40 }, { 3, 20 }, { 3, 21 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 0, 1, want);
	check(&f, 2, 3, want);
	done(&f);

	f = map("stats, keyless", "@s", NULL, type_agg(AGG_STATS));
	aggregate(&f, NULL, 10);
	aggregate(&f, NULL, 4);
	check(&f, 0, 1, "@s: count 2, average 7, total 14\n\n");
	done(&f);
}

/* BEGIN { @c["a"] = count(); @c["b"] = count(); @c["b"] = count(); @c["c"] = count();
 *         @c["c"] = count(); @c["c"] = count(); print(@c, 2); print(@c, 2, 2);
 *         print(@c, 0, 2); clear(@c); exit(); } */
static void test_top_div(void)
{
	struct fixture f = map("count, top and div", "@c", type_str(STR), type_agg(AGG_COUNT));
	const char *keys[] = { "a", "b", "b", "c", "c", "c" };
	for (int i = 0; i < 6; i++)
		aggregate(&f, str(keys[i]), 0);
	check(&f, 2, 1, "@c[b]: 2\n@c[c]: 3\n");
	check(&f, 2, 2, "@c[b]: 1\n@c[c]: 1\n");
	check(&f, 0, 2, "@c[a]: 0\n@c[b]: 1\n@c[c]: 1\n");
	done(&f);
}

/* BEGIN { @n[1] = ntop(0x0100007f); @n[2] = ntop(0x0200007f); exit(); }
 * (bpftrace puts no newline between address, symbol and stack values) */
static void test_inet(void)
{
	struct fixture f = map("inet values", "@n", type_int(8, true), type_special(T_INET, 24, NULL));
	for (int64_t i = 1; i <= 2; i++) {
		char v[24] = { 0 };
		uint64_t family = AF_INET;
		uint32_t addr = htonl(0x7f000000 | (uint32_t)i);
		memcpy(v, &family, 8);
		memcpy(v + 8, &addr, 4);
		put(&f, &i, v);
	}
	check(&f, 0, 1, "@n[1]: 127.0.0.1@n[2]: 127.0.0.2\n");
	done(&f);
}

/* ---- histograms ---- */

#define BAR_FULL  "|@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
#define BAR_EMPTY "|                                                    |\n"

/* BEGIN { @h = hist(0); @h = hist(1); @h = hist(5); @h = hist(-3); @h = hist(1500); exit(); } */
static void test_hist(void)
{
	struct fixture f = map("hist", "@h", NULL, type_agg(AGG_HIST));
	int64_t vals[] = { 0, 1, 5, -3, 1500 };
	for (int i = 0; i < 5; i++)
		aggregate(&f, NULL, vals[i]);
	check(&f, 0, 1,
	      "@h: \n"
	      "(..., 0)               1 " BAR_FULL
	      "[0]                    1 " BAR_FULL
	      "[1]                    1 " BAR_FULL
	      "[2, 4)                 0 " BAR_EMPTY
	      "[4, 8)                 1 " BAR_FULL
	      "[8, 16)                0 " BAR_EMPTY
	      "[16, 32)               0 " BAR_EMPTY
	      "[32, 64)               0 " BAR_EMPTY
	      "[64, 128)              0 " BAR_EMPTY
	      "[128, 256)             0 " BAR_EMPTY
	      "[256, 512)             0 " BAR_EMPTY
	      "[512, 1K)              0 " BAR_EMPTY
	      "[1K, 2K)               1 " BAR_FULL
	      "\n");
	done(&f);
}

/* BEGIN { $i = 0; while ($i < 100) { @h = hist(10); $i++; } $i = 0;
 *         while ($i < 37) { @h = hist(20); $i++; } @h = hist(40); @h = hist(3000000); exit(); } */
static void test_hist_scale(void)
{
	struct fixture f = map("hist, bar scale, K and M labels", "@h", NULL, type_agg(AGG_HIST));
	for (int i = 0; i < 100; i++)
		aggregate(&f, NULL, 10);
	for (int i = 0; i < 37; i++)
		aggregate(&f, NULL, 20);
	aggregate(&f, NULL, 40);
	aggregate(&f, NULL, 3000000);
	check(&f, 0, 1,
	      "@h: \n"
	      "[8, 16)              100 " BAR_FULL
	      "[16, 32)              37 |@@@@@@@@@@@@@@@@@@@                                 |\n"
	      "[32, 64)               1 " BAR_EMPTY
	      "[64, 128)              0 " BAR_EMPTY
	      "[128, 256)             0 " BAR_EMPTY
	      "[256, 512)             0 " BAR_EMPTY
	      "[512, 1K)              0 " BAR_EMPTY
	      "[1K, 2K)               0 " BAR_EMPTY
	      "[2K, 4K)               0 " BAR_EMPTY
	      "[4K, 8K)               0 " BAR_EMPTY
	      "[8K, 16K)              0 " BAR_EMPTY
	      "[16K, 32K)             0 " BAR_EMPTY
	      "[32K, 64K)             0 " BAR_EMPTY
	      "[64K, 128K)            0 " BAR_EMPTY
	      "[128K, 256K)           0 " BAR_EMPTY
	      "[256K, 512K)           0 " BAR_EMPTY
	      "[512K, 1M)             0 " BAR_EMPTY
	      "[1M, 2M)               0 " BAR_EMPTY
	      "[2M, 4M)               1 " BAR_EMPTY
	      "\n");
	done(&f);
}

/* BEGIN { @h["x"] = hist(3); @h["x"] = hist(3); @h["x"] = hist(3); @h["y"] = hist(1048576);
 *         @h["y"] = hist(3000000000); @h["z"] = hist(100); @h["z"] = hist(100); exit(); }
 * (ordered by total count; y and z tie and keep the order of their key bytes) */
static void test_hist_keys(void)
{
	struct fixture f = map("hist, several keys", "@h", type_str(STR), type_agg(AGG_HIST));
	for (int i = 0; i < 3; i++)
		aggregate(&f, str("x"), 3);
	aggregate(&f, str("y"), 1048576);
	aggregate(&f, str("y"), 3000000000);
	aggregate(&f, str("z"), 100);
	aggregate(&f, str("z"), 100);
	check(&f, 0, 1,
	      "@h[y]: \n"
	      "[1M, 2M)               1 " BAR_FULL
	      "[2M, 4M)               0 " BAR_EMPTY
	      "[4M, 8M)               0 " BAR_EMPTY
	      "[8M, 16M)              0 " BAR_EMPTY
	      "[16M, 32M)             0 " BAR_EMPTY
	      "[32M, 64M)             0 " BAR_EMPTY
	      "[64M, 128M)            0 " BAR_EMPTY
	      "[128M, 256M)           0 " BAR_EMPTY
	      "[256M, 512M)           0 " BAR_EMPTY
	      "[512M, 1G)             0 " BAR_EMPTY
	      "[1G, 2G)               0 " BAR_EMPTY
	      "[2G, 4G)               1 " BAR_FULL
	      "\n"
	      "@h[z]: \n"
	      "[64, 128)              2 " BAR_FULL
	      "\n"
	      "@h[x]: \n"
	      "[2, 4)                 3 " BAR_FULL
	      "\n");
	done(&f);
}

/* BEGIN { @h[1] = hist(1); @h[1] = hist(1); @h[1] = hist(1); @h[1] = hist(4); @h[2] = hist(1);
 *         @h[3] = hist(8); @h[3] = hist(8); print(@h, 2, 2); clear(@h); exit(); }
 * (counts are divided, bars are not) */
static void test_hist_top_div(void)
{
	struct fixture f = map("hist, top and div", "@h", type_int(8, true), type_agg(AGG_HIST));
	int64_t data[][2] = { { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 4 }, { 2, 1 }, { 3, 8 }, { 3, 8 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 2, 2,
	      "@h[3]: \n"
	      "[8, 16)                1 " BAR_FULL
	      "\n"
	      "@h[1]: \n"
	      "[1]                    1 " BAR_FULL
	      "[2, 4)                 0 " BAR_EMPTY
	      "[4, 8)                 0 |@@@@@@@@@@@@@@@@@                                   |\n"
	      "\n");
	done(&f);
}

/* BEGIN { @l = lhist(7, 0, 100, 10); @l = lhist(250, 0, 100, 10); exit(); } */
static void test_lhist(void)
{
	struct fixture f = lhist_map("lhist", "@l", NULL, 0, 100, 10);
	aggregate(&f, NULL, 7);
	aggregate(&f, NULL, 250);
	check(&f, 0, 1,
	      "@l: \n"
	      "[0, 10)                1 " BAR_FULL
	      "[10, 20)               0 " BAR_EMPTY
	      "[20, 30)               0 " BAR_EMPTY
	      "[30, 40)               0 " BAR_EMPTY
	      "[40, 50)               0 " BAR_EMPTY
	      "[50, 60)               0 " BAR_EMPTY
	      "[60, 70)               0 " BAR_EMPTY
	      "[70, 80)               0 " BAR_EMPTY
	      "[80, 90)               0 " BAR_EMPTY
	      "[90, 100)              0 " BAR_EMPTY
	      "[100, ...)             1 " BAR_FULL
	      "\n");
	done(&f);
}

/* BEGIN { @l[1] = lhist(-5, 10, 100, 10); @l[1] = lhist(15, 10, 100, 10); @l[1] = lhist(15, 10, 100, 10);
 *         @l[1] = lhist(55, 10, 100, 10); @l[2] = lhist(99, 10, 100, 10); @l[2] = lhist(100, 10, 100, 10);
 *         @l[2] = lhist(1000, 10, 100, 10); @l[2] = lhist(1000, 10, 100, 10);
 *         @l[2] = lhist(1000, 10, 100, 10); exit(); } */
static void test_lhist_keys(void)
{
	struct fixture f = lhist_map("lhist, below min, gaps, above max, keys", "@l", type_int(8, true), 10, 100, 10);
	int64_t data[][2] = { { 1, -5 }, { 1, 15 }, { 1, 15 }, { 1, 55 }, { 2, 99 },
			      { 2, 100 }, { 2, 1000 }, { 2, 1000 }, { 2, 1000 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 0, 1,
	      "@l[1]: \n"
	      "(..., 10)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	      "[10, 20)               2 " BAR_FULL
	      "[20, 30)               0 " BAR_EMPTY
	      "[30, 40)               0 " BAR_EMPTY
	      "[40, 50)               0 " BAR_EMPTY
	      "[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	      "\n"
	      "@l[2]: \n"
	      "[90, 100)              1 |@@@@@@@@@@@@@                                       |\n"
	      "[100, ...)             4 " BAR_FULL
	      "\n");
	done(&f);
}

/* BEGIN { @k = lhist(3000, 0, 4096, 1024); @k = lhist(1, 0, 4096, 1024); @k = lhist(5000, 0, 4096, 1024); exit(); }
 * BEGIN { @g = lhist(2097152, 0, 4194304, 1048576); @g = lhist(0, 0, 4194304, 1048576); exit(); } */
static void test_lhist_labels(void)
{
	struct fixture f = lhist_map("lhist, K labels", "@k", NULL, 0, 4096, 1024);
	aggregate(&f, NULL, 3000);
	aggregate(&f, NULL, 1);
	aggregate(&f, NULL, 5000);
	check(&f, 0, 1,
	      "@k: \n"
	      "[0, 1K)                1 " BAR_FULL
	      "[1K, 2K)               0 " BAR_EMPTY
	      "[2K, 3K)               1 " BAR_FULL
	      "[3K, 4K)               0 " BAR_EMPTY
	      "[4K, ...)              1 " BAR_FULL
	      "\n");
	done(&f);

	f = lhist_map("lhist, M labels", "@g", NULL, 0, 4194304, 1048576);
	aggregate(&f, NULL, 2097152);
	aggregate(&f, NULL, 0);
	check(&f, 0, 1,
	      "@g: \n"
	      "[0, 1M)                1 " BAR_FULL
	      "[1M, 2M)               0 " BAR_EMPTY
	      "[2M, 3M)               1 " BAR_FULL
	      "\n");
	done(&f);
}

/* BEGIN { @l[1] = lhist(5, 0, 10, 1); @l[1] = lhist(5, 0, 10, 1); @l[1] = lhist(5, 0, 10, 1);
 *         @l[2] = lhist(7, 0, 10, 1); print(@l, 1, 3); clear(@l); exit(); }
 * (lhist counts are not divided) */
static void test_lhist_top_div(void)
{
	struct fixture f = lhist_map("lhist, top and div", "@l", type_int(8, true), 0, 10, 1);
	int64_t data[][2] = { { 1, 5 }, { 1, 5 }, { 1, 5 }, { 2, 7 } };
	aggregate_pairs(&f, data, COUNT(data));
	check(&f, 1, 3, "@l[1]: \n[5, 6)                 3 " BAR_FULL "\n");
	done(&f);
}

/* ---- empty maps ---- */

/* BEGIN { @c[1] = count(); clear(@c); exit(); }   -> "\n"
 * BEGIN { @a[1] = avg(3); clear(@a); exit(); }    -> "\n\n"
 * BEGIN { @h[1] = hist(3); clear(@h); exit(); }   -> "\n"
 * BEGIN { if (0) { @h = hist(5); } exit(); }      -> "\n"
 * BEGIN { @h = hist(5); zero(@h); exit(); }       -> "@h: \n\n" */
static void test_empty(void)
{
	struct fixture f = map("empty count", "@c", type_int(8, true), type_agg(AGG_COUNT));
	check(&f, 0, 1, "\n");
	done(&f);

	f = map("empty avg", "@a", type_int(8, true), type_agg(AGG_AVG));
	check(&f, 0, 1, "\n\n");
	done(&f);

	f = map("empty hist", "@h", type_int(8, true), type_agg(AGG_HIST));
	check(&f, 0, 1, "\n");
	done(&f);

	f = map("keyless hist never updated", "@h", NULL, type_agg(AGG_HIST));
	check(&f, 0, 1, "\n");
	done(&f);

	/* zero() of a keyless histogram that had values sets its array's slot past the buckets */
	f = map("zeroed hist", "@h", NULL, type_agg(AGG_HIST));
	uint32_t slot = (uint32_t)map_buckets(&f.m);
	int64_t *present = calloc(f.ncpus, 8);
	present[0] = 1;
	put(&f, &slot, present);
	free(present);
	check(&f, 0, 1, "@h: \n\n");
	done(&f);
}

int main(void)
{
	test_count();
	test_sum();
	test_int_values();
	test_string_values();
	test_keyless();
	test_multi_key();
	test_min();
	test_max();
	test_avg();
	test_stats();
	test_top_div();
	test_inet();
	test_hist();
	test_hist_scale();
	test_hist_keys();
	test_hist_top_div();
	test_lhist();
	test_lhist_keys();
	test_lhist_labels();
	test_lhist_top_div();
	test_empty();
	types_free_all();
	if (failures)
		fprintf(stderr, "%d output test(s) failed\n", failures);
	return failures != 0;
}
