/* The output backends without the kernel: map data, values and messages
 * built by hand, formatted by the text and JSON backends and compared with
 * what bpftrace 0.17 prints for the same script (quoted above each case),
 * or with the valid JSON scry writes where bpftrace's is not; the folded
 * and flamegraph backends with a stack walker of the test's own. Needs no
 * root. */
#include <stdlib.h>
#include <string.h>

#include "codegen/resources.h"
#include "codegen/types.h"
#include "output/output.h"
#include "output/value.h"
#include "check.h"

#define STR 16

/* What a backend writes for one call: fn(o, arg) into a string. */
static char *capture(const struct output_backend *b, void (*fn)(struct output *, const void *), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	struct output o = { .backend = b, .out = open_memstream(&text, &len) };
	fn(&o, arg);
	fclose(o.out);
	return text;
}

static void expect(const struct output_backend *b, void (*fn)(struct output *, const void *), const void *arg,
		   const char *want, const char *what)
{
	char *got = capture(b, fn, arg);
	CHECK(!strcmp(got, want), "%s, %s backend:\n--- want\n%s--- got\n%s---", what, b->name, want, got);
	free(got);
}

/* Whether text holds want; else what it holds */
static void expect_in(const char *text, const char *want, const char *what)
{
	CHECK(strstr(text, want), "%s: no\n%s\nin\n%s", what, want, text);
}

/* ---- messages ---- */

struct message {
	enum message_kind kind;
	const char *text;
	size_t len;
};

static void call_message(struct output *o, const void *arg)
{
	const struct message *m = arg;
	o->backend->message(o, m->kind, m->text, m->len);
}

static void check_message_of(const struct output_backend *b, enum message_kind kind, const char *text,
			     const char *want)
{
	struct message m = { kind, text, strlen(text) };
	expect(b, call_message, &m, want, text);
}

static void check_message(enum message_kind kind, const char *text, size_t len, const char *want_text,
			  const char *want_json)
{
	struct message m = { kind, text, len };
	expect(&output_text, call_message, &m, want_text, text);
	expect(&output_json, call_message, &m, want_json, text);
}

static void test_messages(void)
{
	/* printf("hi \"%s\"\n", "q"); time("%H\n"); join(...); cat; system */
	check_message(MSG_PRINTF, "hi \"q\"\n", 7, "hi \"q\"\n", "{\"type\": \"printf\", \"data\": \"hi \\\"q\\\"\\n\"}\n");
	check_message(MSG_TIME, "22\n", 3, "22\n", "{\"type\": \"time\", \"data\": \"22\\n\"}\n");
	check_message(MSG_JOIN, "a b", 3, "a b\n", "{\"type\": \"join\", \"data\": \"a b\"}\n");
	check_message(MSG_CAT, "Linux\n", 6, "Linux\n", "{\"type\": \"cat\", \"data\": \"Linux\\n\"}\n");
	check_message(MSG_SYSCALL, "", 0, "", "{\"type\": \"syscall\", \"data\": \"\"}\n");
	/* bpftrace's escapes for ASCII: \" \\ \n \r \t, \u00XX for the other controls */
	check_message(MSG_PRINTF, "\\\r\t\x01\x1f\x7f", 6, "\\\r\t\x01\x1f\x7f",
		      "{\"type\": \"printf\", \"data\": \"\\\\\\r\\t\\u0001\\u001f\x7f\"}\n");
	/* a NUL inside the text is kept */
	check_message(MSG_PRINTF, "a\0b", 3, "a\0b" + 0, "{\"type\": \"printf\", \"data\": \"a\\u0000b\"}\n");
	/* UTF-8 as it is (bpftrace: \uffffffc3\uffffffa9), other bytes as \u00XX: a lone
	 * lead byte, a stray continuation, an overlong form, a surrogate, a truncated end */
	check_message(MSG_PRINTF, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		      "{\"type\": \"printf\", \"data\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}\n");
	check_message(MSG_PRINTF, "\xc3(\x80\xc0\xaf\xed\xa0\x80\xe2\x82", 10, "\xc3(\x80\xc0\xaf\xed\xa0\x80\xe2\x82",
		      "{\"type\": \"printf\", \"data\": "
		      "\"\\u00c3(\\u0080\\u00c0\\u00af\\u00ed\\u00a0\\u0080\\u00e2\\u0082\"}\n");
}

static void call_attached(struct output *o, const void *arg)
{
	o->backend->attached(o, *(const int *)arg);
}

static void call_lost(struct output *o, const void *arg)
{
	o->backend->lost(o, *(const uint64_t *)arg);
}

static void call_maps_start(struct output *o, const void *arg)
{
	(void)arg;
	o->backend->maps_start(o);
}

static void test_lines(void)
{
	int one = 1, two = 2;
	uint64_t lost = 12;
	expect(&output_text, call_attached, &one, "Attaching 1 probe...\n", "attached");
	expect(&output_text, call_attached, &two, "Attaching 2 probes...\n", "attached");
	expect(&output_json, call_attached, &two, "{\"type\": \"attached_probes\", \"data\": {\"probes\": 2}}\n",
	       "attached");
	expect(&output_text, call_lost, &lost, "Lost 12 events\n", "lost");
	expect(&output_json, call_lost, &lost, "{\"type\": \"lost_events\", \"data\": {\"events\": 12}}\n", "lost");
	expect(&output_text, call_maps_start, NULL, "\n\n", "maps_start");
	expect(&output_json, call_maps_start, NULL, "\n\n", "maps_start");
}

/* ---- values ---- */

struct value {
	const struct type *t;
	const void *data;
};

static void call_value(struct output *o, const void *arg)
{
	const struct value *v = arg;
	o->backend->value(o, v->t, v->data);
}

static const struct type *int_str_tuple(void)
{
	const struct type *elems[] = { type_int(8, true), type_str(STR) };
	return type_tuple(elems, 2);
}

/* A value of int_str_tuple(), also the key of @m[i, s] */
static const char *pair(int64_t i, const char *s)
{
	static char buf[8][32];
	static int next;
	char *b = buf[next++ % 8];
	memset(b, 0, sizeof(buf[0]));
	memcpy(b, &i, 8);
	strncpy(b + 8, s, STR - 1);
	return b;
}

static void test_values(void)
{
	/* print((1, "x")); print(5); print("str"); print(-3) */
	struct value tuple = { int_str_tuple(), pair(1, "x") };
	expect(&output_text, call_value, &tuple, "(1, x)\n", "print((1, \"x\"))");
	expect(&output_json, call_value, &tuple, "{\"type\": \"value\", \"data\": [1,\"x\"]}\n", "print((1, \"x\"))");
	int64_t five = 5, minus = -3;
	struct value n = { type_int(8, true), &five }, neg = { type_int(8, true), &minus };
	expect(&output_json, call_value, &n, "{\"type\": \"value\", \"data\": 5}\n", "print(5)");
	expect(&output_json, call_value, &neg, "{\"type\": \"value\", \"data\": -3}\n", "print(-3)");
	char s[STR] = "q\"\n";
	struct value str = { type_str(STR), s };
	expect(&output_text, call_value, &str, "q\"\n\n", "print(\"q\\\"\\n\")");
	expect(&output_json, call_value, &str, "{\"type\": \"value\", \"data\": \"q\\\"\\n\"}\n", "print(\"q\\\"\\n\")");
	/* a struct: bpftrace's "{ ... }" with JSON fields; an array */
	struct type *rec = type_record_new("struct point", 16);
	type_record_add(rec, "x", type_int(8, true), 0);
	type_record_add(rec, "y", type_int(8, true), 8);
	int64_t xy[2] = { 1, -2 };
	struct value point = { rec, xy };
	expect(&output_text, call_value, &point, "{ .x = 1, .y = -2 }\n", "print(struct)");
	expect(&output_json, call_value, &point, "{\"type\": \"value\", \"data\": { \"x\": 1, \"y\": -2 }}\n",
	       "print(struct)");
	int32_t arr[3] = { 1, 2, 3 };
	struct value array = { type_array(type_int(4, true), 3), arr };
	expect(&output_json, call_value, &array, "{\"type\": \"value\", \"data\": [1,2,3]}\n", "print(array)");
	/* strerror() as a string (bpftrace 0.17: unquoted) */
	uint64_t enoent = 2;
	struct value err = { type_special(T_ERRNO, 8, NULL), &enoent };
	expect(&output_json, call_value, &err, "{\"type\": \"value\", \"data\": \"No such file or directory\"}\n",
	       "print(strerror(2))");
}

/* ---- maps ---- */

static struct map_res map(const char *name, const struct type *key, const struct type *value)
{
	return (struct map_res){ .name = (char *)name, .key = key, .multi_key = key && key->kind == T_TUPLE,
				 .value = value };
}

static void call_map(struct output *o, const void *arg)
{
	o->backend->map(o, arg);
}

static void check_map(const struct map_data *d, const char *want_text, const char *want_json)
{
	expect(&output_text, call_map, d, want_text, d->m->name);
	expect(&output_json, call_map, d, want_json, d->m->name);
}

static void test_plain_maps(void)
{
	/* @a[1, "x"] = count(); @a[2, "y"] = count(); @a[2, "y"] = count() */
	struct map_res a = map("@a", int_str_tuple(), type_agg(AGG_COUNT));
	struct map_entry ae[] = { { .key = pair(1, "x"), .value = 1 }, { .key = pair(2, "y"), .value = 2 } };
	check_map(&(struct map_data){ &a, ae, 2, 1 }, "@a[1, x]: 1\n@a[2, y]: 2\n",
		  "{\"type\": \"map\", \"data\": {\"@a\": {\"1,x\": 1, \"2,y\": 2}}}\n");
	/* print(@a, 0, 2) */
	check_map(&(struct map_data){ &a, ae, 2, 2 }, "@a[1, x]: 0\n@a[2, y]: 1\n",
		  "{\"type\": \"map\", \"data\": {\"@a\": {\"1,x\": 0, \"2,y\": 1}}}\n");
	/* @c = count() */
	struct map_res c = map("@c", NULL, type_agg(AGG_COUNT));
	struct map_entry ce = { .value = 1 };
	check_map(&(struct map_data){ &c, &ce, 1, 1 }, "@c: 1\n", "{\"type\": \"map\", \"data\": {\"@c\": 1}}\n");
	/* @e[1] = 2; delete(@e[1]): bpftrace's JSON prints nothing */
	struct map_res e = map("@e", type_int(8, true), type_int(8, true));
	check_map(&(struct map_data){ &e, NULL, 0, 1 }, "\n", "");
	/* @m["k\"\x1b"] = "v\t" */
	struct map_res m = map("@m", type_str(STR), type_str(STR));
	char k[STR] = "k\"\x1b", v[STR] = "v\t";
	struct map_entry me = { .key = k, .raw = v };
	check_map(&(struct map_data){ &m, &me, 1, 1 }, "@m[k\"\x1b]: v\t\n",
		  "{\"type\": \"map\", \"data\": {\"@m\": {\"k\\\"\\u001b\": \"v\\t\"}}}\n");
	/* @ms[1, 2] = (3, "b") */
	const struct type *ints[] = { type_int(8, true), type_int(8, true) };
	struct map_res ms = map("@ms", type_tuple(ints, 2), int_str_tuple());
	int64_t key12[2] = { 1, 2 };
	struct map_entry mse = { .key = (const char *)key12, .raw = pair(3, "b") };
	check_map(&(struct map_data){ &ms, &mse, 1, 1 }, "@ms[1, 2]: (3, b)\n",
		  "{\"type\": \"map\", \"data\": {\"@ms\": {\"1,2\": [3,\"b\"]}}}\n");
}

static void test_stats(void)
{
	/* @s = stats(4); @avg = avg(5); avg(8) */
	struct map_res s = map("@s", NULL, type_agg(AGG_STATS));
	struct map_entry se = { .value = 4, .count = 1 };
	check_map(&(struct map_data){ &s, &se, 1, 1 }, "@s: count 1, average 4, total 4\n\n",
		  "{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 1, \"average\": 4, \"total\": 4}}}\n");
	struct map_res avg = map("@avg", type_int(8, true), type_agg(AGG_AVG));
	int64_t k1 = 1;
	struct map_entry ae = { .key = (const char *)&k1, .value = 13, .count = 2 };
	check_map(&(struct map_data){ &avg, &ae, 1, 1 }, "@avg[1]: 6\n\n",
		  "{\"type\": \"stats\", \"data\": {\"@avg\": {\"1\": 6}}}\n");
}

static void test_hists(void)
{
	/* @h = hist(-1); hist(0); hist(1); hist(1000) twice */
	struct map_res h = map("@h", NULL, type_agg(AGG_HIST));
	uint64_t hb[HIST_BUCKETS] = { [0] = 1, [1] = 1, [2] = 1, [11] = 2 };
	struct map_entry he = { .buckets = hb, .value = 5 };
	check_map(&(struct map_data){ &h, &he, 1, 1 },
		  "@h: \n"
		  "(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		  "[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		  "[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		  "[2, 4)                 0 |                                                    |\n"
		  "[4, 8)                 0 |                                                    |\n"
		  "[8, 16)                0 |                                                    |\n"
		  "[16, 32)               0 |                                                    |\n"
		  "[32, 64)               0 |                                                    |\n"
		  "[64, 128)              0 |                                                    |\n"
		  "[128, 256)             0 |                                                    |\n"
		  "[256, 512)             0 |                                                    |\n"
		  "[512, 1K)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		  "\n",
		  "{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, \"max\": 0, \"count\": 1}, "
		  "{\"min\": 1, \"max\": 1, \"count\": 1}, {\"min\": 2, \"max\": 3, \"count\": 0}, "
		  "{\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}, "
		  "{\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 0}, "
		  "{\"min\": 64, \"max\": 127, \"count\": 0}, {\"min\": 128, \"max\": 255, \"count\": 0}, "
		  "{\"min\": 256, \"max\": 511, \"count\": 0}, {\"min\": 512, \"max\": 1023, \"count\": 2}]}}\n");
	/* @big[1] = hist(1 << 40), print(@big, 0, 2) after two (bpftrace's JSON
	 * overflows: "min": -2147483648, "max": 0); the top bucket 2^62..2^63-1 */
	struct map_res big = map("@big", type_int(8, true), type_agg(AGG_HIST));
	uint64_t bb[HIST_BUCKETS] = { [42] = 2 }, top[HIST_BUCKETS] = { [64] = 1 };
	int64_t k1 = 1, k2 = 2;
	struct map_entry be[] = { { .key = (const char *)&k1, .buckets = bb }, { .key = (const char *)&k2, .buckets = top } };
	check_map(&(struct map_data){ &big, be, 2, 2 },
		  "@big[1]: \n"
		  "[1T, 2T)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		  "\n"
		  "@big[2]: \n"
		  "[4194304T, 8388608T)       0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		  "\n",
		  "{\"type\": \"hist\", \"data\": {\"@big\": {\"1\": [{\"min\": 1099511627776, \"max\": 2199023255551, "
		  "\"count\": 1}], \"2\": [{\"min\": 4611686018427387904, \"max\": 9223372036854775807, \"count\": 0}]}}}\n");
	/* @l = lhist(-5, 0, 100, 10); lhist(200, ...); lhist(15, ...) */
	struct map_res l = map("@l", NULL, type_agg(AGG_LHIST));
	l.lhist_min = 0, l.lhist_max = 100, l.lhist_step = 10;
	uint64_t lb[12] = { [0] = 1, [2] = 1, [11] = 1 };
	struct map_entry le = { .buckets = lb, .value = 3 };
	check_map(&(struct map_data){ &l, &le, 1, 2 },
		  "@l: \n"
		  "(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		  "[0, 10)                0 |                                                    |\n"
		  "[10, 20)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		  "[20, 30)               0 |                                                    |\n"
		  "[30, 40)               0 |                                                    |\n"
		  "[40, 50)               0 |                                                    |\n"
		  "[50, 60)               0 |                                                    |\n"
		  "[60, 70)               0 |                                                    |\n"
		  "[70, 80)               0 |                                                    |\n"
		  "[80, 90)               0 |                                                    |\n"
		  "[90, 100)              0 |                                                    |\n"
		  "[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		  "\n",
		  "{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, \"max\": 9, \"count\": 0}, "
		  "{\"min\": 10, \"max\": 19, \"count\": 1}, {\"min\": 20, \"max\": 29, \"count\": 0}, "
		  "{\"min\": 30, \"max\": 39, \"count\": 0}, {\"min\": 40, \"max\": 49, \"count\": 0}, "
		  "{\"min\": 50, \"max\": 59, \"count\": 0}, {\"min\": 60, \"max\": 69, \"count\": 0}, "
		  "{\"min\": 70, \"max\": 79, \"count\": 0}, {\"min\": 80, \"max\": 89, \"count\": 0}, "
		  "{\"min\": 90, \"max\": 99, \"count\": 0}, {\"min\": 100, \"count\": 1}]}}\n");
	/* zero(@l): the entry stays, its buckets empty */
	uint64_t none[12] = { 0 };
	struct map_entry ze = { .buckets = none };
	check_map(&(struct map_data){ &l, &ze, 1, 1 }, "@l: \n\n", "{\"type\": \"hist\", \"data\": {\"@l\": []}}\n");
}

/* Stack values 7, 8 and 9 have these frames; the runtime's walker gives them root first. */
static void fake_walk(const struct type *t, uint64_t value, frame_fn each, void *ctx)
{
	static const char *const stacks[][3] = {
		{ "root", "mid;dle", "leaf" },
		{ "root", "a_function_whose_name_is_too_long_for_its_box_of_295px" },
		{ "<&>\"", "\xff\x01" },
	};
	(void)t;
	for (int i = 0; value >= 7 && value <= 9 && i < 3 && stacks[value - 7][i]; i++)
		each(stacks[value - 7][i], ctx);
}

static void test_folded(void)
{
	value_set_stacks(NULL, fake_walk);
	/* @[kstack] = count() x3; @c[comm, kstack] = sum(2): folded root first, ';' in a frame made ':' */
	const struct type *stack = type_stack(false, 127, NULL);
	struct map_res k = map("@", stack, type_agg(AGG_COUNT));
	uint64_t id = 7;
	struct map_entry ke = { .key = (const char *)&id, .value = 3 };
	expect(&output_folded, call_map, &(struct map_data){ &k, &ke, 1, 1 }, "root;mid:dle;leaf 3\n", "@[kstack]");
	const struct type *elems[] = { type_str(STR), stack };
	struct map_res c = map("@c", type_tuple(elems, 2), type_agg(AGG_SUM));
	char key[STR + 8] = "bash";
	memcpy(key + c.key->fields[1].offset, &id, 8);
	struct map_entry ce = { .key = key, .value = 6 };
	expect(&output_folded, call_map, &(struct map_data){ &c, &ce, 1, 1 }, "bash;root;mid:dle;leaf 6\n",
	       "@c[comm, kstack]");
	/* a map not keyed by a stack, or of histograms, is left out (a warning on stderr) */
	struct map_res h = map("@h", stack, type_agg(AGG_HIST));
	uint64_t hb[HIST_BUCKETS] = { [3] = 1 };
	struct map_entry he = { .key = (const char *)&id, .buckets = hb };
	expect(&output_folded, call_map, &(struct map_data){ &h, &he, 1, 1 }, "", "@h[kstack] = hist()");
	/* printf's text as it is; no "Attaching", no empty lines */
	check_message_of(&output_folded, MSG_PRINTF, "x\n", "x\n");
	int one = 1;
	expect(&output_folded, call_attached, &one, "", "attached");
	expect(&output_folded, call_maps_start, NULL, "", "maps_start");
}

/* The maps, each passed to the backend, and its end: the SVG */
struct maps {
	const struct map_data *d;
	int n;
};

static void call_maps_end(struct output *o, const void *arg)
{
	const struct maps *ms = arg;
	for (int i = 0; i < ms->n; i++)
		o->backend->map(o, &ms->d[i]);
	o->backend->end(o);
}

static char *flame_svg(const struct map_data *d, int n)
{
	struct maps ms = { d, n };
	return capture(&output_flamegraph, call_maps_end, &ms);
}

static void test_flamegraph_layout(void)
{
	value_set_stacks(NULL, fake_walk);
	const struct type *stack = type_stack(false, 127, NULL);
	uint64_t ids[] = { 7, 8, 9 };
	/* @[kstack] = count(): 3 x root;mid:dle;leaf, 1 x root;a_function..., 9 none.
	 * 1180 px for 4 samples, the root "all" at the bottom, depth 3 at the top:
	 * 4 levels of 16 px between 36 px above and 34 below; siblings in name order */
	struct map_res k = map("@", stack, type_agg(AGG_COUNT));
	struct map_entry ke[] = { { .key = (const char *)&ids[0], .value = 3 },
				  { .key = (const char *)&ids[1], .value = 1 },
				  { .key = (const char *)&ids[2], .value = 0 } };
	char *svg = flame_svg(&(struct map_data){ &k, ke, 3, 1 }, 1);
	expect_in(svg, "<svg version=\"1.1\" width=\"1200\" height=\"134\"", "height");
	expect_in(svg, "<g class=\"f\" data-s=\"0\"><title>all (4 samples, 100.00%)</title>"
		       "<rect x=\"10.00\" y=\"84\" width=\"1180.00\" height=\"15\" fill=\"rgb(", "all");
	expect_in(svg, "<g class=\"f\" data-s=\"0\"><title>root (4 samples, 100.00%)</title>"
		       "<rect x=\"10.00\" y=\"68\" width=\"1180.00\"", "root");
	expect_in(svg, "<g class=\"f\" data-s=\"0\"><title>a_function_whose_name_is_too_long_for_its_box_of_295px "
		       "(1 samples, 25.00%)</title><rect x=\"10.00\" y=\"52\" width=\"295.00\"", "a_function...");
	/* its label: 295 px hold 41 characters of 7.08 px, so 39 and ".." */
	expect_in(svg, "<text x=\"13.00\" y=\"63.2\">a_function_whose_name_is_too_long_for_i..</text>", "label cut");
	expect_in(svg, "<g class=\"f\" data-s=\"1\"><title>mid;dle (3 samples, 75.00%)</title>"
		       "<rect x=\"305.00\" y=\"52\" width=\"885.00\"", "mid;dle");
	expect_in(svg, "<g class=\"f\" data-s=\"1\"><title>leaf (3 samples, 75.00%)</title>"
		       "<rect x=\"305.00\" y=\"36\" width=\"885.00\"", "leaf");
	CHECK(!strstr(svg, "<&>"), "the entry of value 0 is drawn:\n%s", svg);
	free(svg);
	/* a second map, sum(): a frame per map above "all" (a level more); markup and bytes that are
	 * not UTF-8 escaped */
	struct map_res b = map("@b", stack, type_agg(AGG_SUM));
	struct map_entry be = { .key = (const char *)&ids[2], .value = 4 };
	struct map_data both[] = { { &k, ke, 2, 1 }, { &b, &be, 1, 1 } };
	svg = flame_svg(both, 2);
	expect_in(svg, "<title>all (8 samples, 100.00%)</title><rect x=\"10.00\" y=\"100\" width=\"1180.00\"", "all");
	expect_in(svg, "<title>@ (4 samples, 50.00%)</title><rect x=\"10.00\" y=\"84\" width=\"590.00\"", "@");
	expect_in(svg, "<title>@b (4 samples, 50.00%)</title><rect x=\"600.00\" y=\"84\" width=\"590.00\"", "@b");
	expect_in(svg, "<title>&lt;&amp;&gt;&quot; (4 samples, 50.00%)</title>", "escaped");
	expect_in(svg, "<title>&#xff;&#xfffd; (4 samples, 50.00%)</title>", "not UTF-8");
	free(svg);
	/* nothing to draw: still an SVG, saying so */
	svg = flame_svg(NULL, 0);
	expect_in(svg, "No stacks: no map keyed by kstack or ustack has counts</text>\n</svg>\n", "empty");
	free(svg);
}

static void test_flamegraph_text_elsewhere(void)
{
	/* what is not a map goes to stderr: nothing on the SVG's output */
	check_message_of(&output_flamegraph, MSG_PRINTF, "x\n", "");
	int one = 1;
	uint64_t lost = 2;
	expect(&output_flamegraph, call_attached, &one, "", "attached");
	expect(&output_flamegraph, call_lost, &lost, "", "lost");
	expect(&output_flamegraph, call_maps_start, NULL, "", "maps_start");
	/* a map that does not fold is left out */
	struct map_res h = map("@h", type_int(8, true), type_agg(AGG_COUNT));
	int64_t k1 = 1;
	struct map_entry he = { .key = (const char *)&k1, .value = 1 };
	char *svg = flame_svg(&(struct map_data){ &h, &he, 1, 1 }, 1);
	expect_in(svg, "No stacks", "@h[1] = count()");
	free(svg);
}

/* Every backend -f lists serves every call but `end` (optional): a hook
 * added for one backend and missed in another is a NULL call at run time
 * (-k with -f flamegraph once crashed that way). */
static void test_backends_complete(void)
{
	char *names = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&names, &len);
	output_list_formats(f);
	fclose(f);
	int n = 0;
	for (char *save, *q = strtok_r(names, "', ", &save); q; q = strtok_r(NULL, "', ", &save), n++) {
		const struct output_backend *b = output_backend(q);
		CHECK(b, "-f %s is listed but not found", q);
		if (!b)
			continue;
		CHECK(b->attached && b->message && b->value && b->map && b->lost && b->helper_error &&
			      b->helper_errors && b->maps_start,
		      "-f %s leaves a hook NULL", q);
	}
	CHECK(n == 4, "%d backends listed", n);
	free(names);
}

int main(void)
{
	test_backends_complete();
	test_messages();
	test_lines();
	test_values();
	test_plain_maps();
	test_stats();
	test_hists();
	test_folded();
	test_flamegraph_layout();
	test_flamegraph_text_elsewhere();
	types_free_all();
	return failures ? 1 : 0;
}
