/* printf format strings as bpftrace 0.17 reads them. A conversion is what
 * its regex %-?[0-9]*(\.[0-9]+)?(KEY) finds, KEY one of s, c, r, rx, rh or
 * a length (none, hh, h, l, ll, j, z, t) with d, u, o, x, X or p. Anything
 * else after a '%' is not a conversion at all: it takes no argument. */
#ifndef SCRY_FMTSPEC_H
#define SCRY_FMTSPEC_H

#include <stdbool.h>
#include <stddef.h>

enum fmt_want { FMT_INTEGER, FMT_STRING, FMT_BUFFER };

struct fmtspec {
	const char *start;   /* the '%' */
	const char *key;     /* the length and conversion: "lld", "s", "rx" */
	size_t key_len;
	const char *end;     /* just after the conversion */
	enum fmt_want want;  /* the kind of argument it takes */
	int int_bits;        /* integers: 64 with a 64-bit length, else 32 */
};

/* Find the next conversion at or after p; false when there is none. */
bool fmtspec_next(const char *p, struct fmtspec *s);
/* How many conversions, each taking one argument, fmt has. */
int fmtspec_count(const char *fmt);
/* "integer", "string", "buffer": as bpftrace names the wanted type. */
const char *fmtspec_want_name(enum fmt_want want);

#endif
