/* Resources: every map, format string and event kind a script uses, in
 * tables built by semantic analysis. The runtime creates maps and decodes
 * ring-buffer records from these tables alone; it never sees the AST. */
#ifndef SCRY_RESOURCES_H
#define SCRY_RESOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/types.h"
#include "util/diag.h"
#include "util/name_index.h"

/* Maps scry itself needs, at fixed indices before the script's maps. */
enum {
	MAP_EVENTS,  /* ring buffer: printf and control records */
	MAP_CONTROL, /* array[1] of struct control: shared by the programs and the runtime */
	MAP_LOST,    /* array[1] of u64[LOST__COUNT]: counts of records the ring buffer had no room for */
	MAP_FULL,    /* array[1] of u64[nmaps]: [i] counts the updates of map i dropped as it was full */
	MAP__INTERNAL,
};

#define EVENTS_RINGBUF_SIZE (1u << 20) /* the default; BPFTRACE_PERF_RB_PAGES sets another */
/* The end of a ring buffer of size bytes that only control records (exit,
 * print, clear, zero) may fill: events cannot crowd them out. */
#define EVENTS_CONTROL_ROOM(size) ((size) / 16)
/* Event records do not wake the reader (a wake-up costs microseconds,
 * several times the rest of a printf) until this much data waits; it polls
 * often enough anyway that output is prompt at low rates. Past it, one
 * record in each EVENTS_WAKEUP_STEP bytes wakes it: one per record costs as
 * much when the reader is the slower. Control records wake it at once. */
#define EVENTS_WAKEUP_DATA(size) ((size) / 16)
#define EVENTS_WAKEUP_STEP(size) ((size) / 32) /* a power of two, as size is */
/* The counters of MAP_LOST. */
enum { LOST_EVENTS, LOST_CONTROL, LOST__COUNT };
#define MAP_DEFAULT_ENTRIES 4096

/* The control map's one value. exit() raises the flag here, where it cannot
 * be lost as a ring-buffer record can. */
struct control {
	uint64_t exit;     /* set by exit() */
	uint64_t start_ns; /* ktime when the session started, for `elapsed` */
	uint64_t cpid;     /* the pid of -c's child, for `cpid` */
};

/* A ring-buffer record starts with this header. */
enum event_kind {
	EV_PRINTF = 1, /* id: format; then the arguments laid out as fmt_res.args */
	EV_EXIT,       /* no payload */
	EV_PRINT,      /* id: map; then struct print_args */
	EV_CLEAR,      /* id: map */
	EV_ZERO,       /* id: map */
	EV_TIME,       /* id: format (a strftime format) */
	EV_SYSTEM,     /* as EV_PRINTF; the text is a command to run */
	EV_CAT,        /* as EV_PRINTF; the text is a file to print */
	EV_JOIN,       /* id: format (the separator); then JOIN_MAX strings of JOIN_LEN bytes */
	EV_VALUE,      /* print(value): as EV_PRINTF, the format empty, one argument */
	EV_HELPER_ERROR, /* id: helper error (-k); then the helper's int64_t return value */
};
#define JOIN_MAX 16
#define JOIN_LEN 64
struct event_hdr {
	uint32_t kind;
	uint32_t id;
};
struct print_args {
	int64_t top, div;
};

struct map_res {
	char *name;                /* "@", "@count", ... as printed */
	const struct type *key;    /* NULL for a map without keys */
	bool multi_key;            /* key is a tuple written @m[a, b] */
	const struct type *value;  /* T_AGG for aggregations, else the stored type */
	int lhist_min, lhist_max, lhist_step;
	/* what the kernel gets */
	uint32_t bpf_type, key_size, value_size, max_entries;
	struct loc loc;            /* first use, for errors */
};

struct fmt_res {
	char *fmt;                 /* the format string as written (escapes decoded) */
	const struct type *args;   /* tuple of argument types, laid out after the header */
};

/* A helper call that -k/-kk checks: which helper, where in the script. */
struct helper_error_res {
	int32_t helper;   /* BPF_FUNC_* */
	int map;          /* the script map it acts on, or -1 */
	char *probe;      /* the program's probe, as `probe` prints it */
	struct loc loc;
};
/* A checked call reports its first failures as they happen, this many per
 * CPU; the rest are only counted, and said at exit. */
#define HELPER_ERROR_BURST 8

#define STACK_MAX_DEPTH 127 /* PERF_MAX_STACK_DEPTH */

struct resources {
	struct map_res *maps;
	int nmaps;
	struct name_index map_names; /* numbered as maps */
	int stack_map; /* the stack-trace map of kstack/ustack, or -1 */
	/* -k: per-CPU array[nhelper_errors] of u64 failure counts, or -1 */
	int helper_error_map;
	struct helper_error_res *helper_errors;
	int nhelper_errors;
	struct fmt_res *fmts;
	int nfmts;
};

void resources_init(struct resources *res);
void resources_free(struct resources *res);
/* Index of map `name`, or -1 */
int resources_find_map(const struct resources *res, const char *name);
int resources_add_map(struct resources *res, const struct map_res *m);
int resources_add_fmt(struct resources *res, const char *fmt, const struct type *args);
/* The stack-trace map, created on first use; returns its index. */
int resources_stack_map(struct resources *res);
/* A checked helper call (its counter's map created on the first); returns its id. */
int resources_add_helper_error(struct resources *res, const struct helper_error_res *h);
/* Size of the value of an aggregation in the kernel map */
int agg_value_size(enum agg_kind agg);

#define HIST_BUCKETS 65 /* (..., 0), [0], [1], then a power of two each up to 2^63 */
/* Buckets of a hist() or lhist() map, its under- and overflow buckets included. */
int map_buckets(const struct map_res *m);
/* A histogram without script keys lives in a per-CPU array indexed by its
 * bucket (maps.c), whose zero entries are absent keys; the slot past the
 * buckets is set by zero() when the histogram had entries: present, empty. */
bool map_bucket_array(const struct map_res *m);
/* A histogram's bucket ends its kernel key: an array's u32 index, or a
 * hash key's last 8 bytes, after the script's key. */
uint32_t map_bucket_size(const struct map_res *m);

#endif
