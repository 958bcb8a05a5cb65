/* A map as the backends get it: read from the kernel, its per-CPU values
 * folded, its entries sorted and cut to print(@m, top) as bpftrace 0.17 does
 * (src/runtime/map_read.c). Plain data: a backend formats it without the
 * kernel, so formatting is unit-tested without root. */
#ifndef SCRY_OUTPUT_MAP_DATA_H
#define SCRY_OUTPUT_MAP_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/resources.h"

/* One entry: a script key and its value. */
struct map_entry {
	const char *key;         /* the script's key bytes (no histogram bucket); unused without keys */
	const char *raw;         /* a plain map's value bytes */
	int64_t value;           /* count, sum, min, max; avg and stats: the total */
	int64_t count;           /* avg and stats: how many values */
	const uint64_t *buckets; /* hist and lhist: the count of each bucket (map_buckets of them) */
};

struct map_data {
	const struct map_res *m;
	const struct map_entry *e; /* in print order */
	int n;
	int div; /* print(@m, top, div): 1 for none */
};

bool map_is_agg(const struct map_res *m, enum agg_kind agg);
/* hist() or lhist() */
bool map_is_hist(const struct map_res *m);
/* avg() and stats(): {total, count} */
bool map_is_mean(const struct map_res *m);
/* The fields of a map's key: those of @m[a, b], or the one key of @m[k]
 * (a tuple too); none without keys. */
int map_key_fields(const struct map_res *m);
/* Field i's type, and its offset in the key bytes. */
const struct type *map_key_field(const struct map_res *m, int i, int *offset);
/* The bounds of bucket b: [lo, hi] (an open end: has_lo/has_hi false). */
void map_bucket_range(const struct map_res *m, int b, int64_t *lo, bool *has_lo, int64_t *hi, bool *has_hi);
/* The first and last non-empty bucket of e; false when all are empty. */
bool map_bucket_span(const struct map_res *m, const struct map_entry *e, int *first, int *last);
/* The bucket count shown: bpftrace divides hist() counts by print()'s div, not lhist() ones. */
uint64_t map_bucket_count(const struct map_data *d, const struct map_entry *e, int b);
/* avg's and stats' average: the total over the count, 0 without values. */
int64_t map_average(const struct map_entry *e);
/* The value of an entry of an aggregation other than a histogram or stats(),
 * or of an integer map, as bpftrace prints it (divided by div): into buf. */
void map_number(const struct map_data *d, const struct map_entry *e, char *buf, size_t len);
/* That value as a number: unsigned (count, an unsigned map) unless *is_signed. */
int64_t map_number_value(const struct map_data *d, const struct map_entry *e, bool *is_signed);
/* Whether map_number prints the entry's value (else value_print does). */
bool map_value_is_number(const struct map_res *m);

#endif
