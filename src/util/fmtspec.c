#include "util/fmtspec.h"

#include <ctype.h>
#include <string.h>

/* Conversions that take no length, longest first (bpftrace tries rx before r). */
static const struct {
	const char *key;
	enum fmt_want want;
} plain[] = {
	{ "rx", FMT_BUFFER }, { "rh", FMT_BUFFER }, { "r", FMT_BUFFER },
	{ "s", FMT_STRING },  { "c", FMT_INTEGER },
};

/* Lengths that integer conversions take, longest first, and their width in
 * bits: without one, or with h/hh, the C vararg is a 32-bit int. */
static const struct {
	const char *len;
	int bits;
} lengths[] = {
	{ "hh", 32 }, { "h", 32 }, { "ll", 64 }, { "l", 64 },
	{ "j", 64 },  { "z", 64 }, { "t", 64 },  { "", 32 },
};

static const char int_convs[] = "duoxXp";

/* Match the length and conversion at p; returns its length, 0 for none. */
static size_t match_key(const char *p, struct fmtspec *s)
{
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		size_t n = strlen(plain[i].key);
		if (!strncmp(p, plain[i].key, n)) {
			s->want = plain[i].want;
			s->int_bits = 32; /* %c: an int */
			return n;
		}
	}
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		size_t n = strlen(lengths[i].len);
		if (!strncmp(p, lengths[i].len, n) && p[n] && strchr(int_convs, p[n])) {
			s->want = FMT_INTEGER;
			s->int_bits = lengths[i].bits;
			return n + 1;
		}
	}
	return 0;
}

/* The regex anchored at the '%' p: flags '-', width, precision, key. */
static bool match_at(const char *p, struct fmtspec *s)
{
	const char *q = p + 1;
	if (*q == '-')
		q++;
	while (isdigit((unsigned char)*q))
		q++;
	if (q[0] == '.' && isdigit((unsigned char)q[1])) {
		q++;
		while (isdigit((unsigned char)*q))
			q++;
	}
	size_t n = match_key(q, s);
	if (!n)
		return false;
	s->start = p;
	s->key = q;
	s->key_len = n;
	s->end = q + n;
	return true;
}

/* Like a regex search: a '%' that starts no conversion is skipped by one
 * character only, so the second '%' of "%%d" starts one. */
bool fmtspec_next(const char *p, struct fmtspec *s)
{
	for (; (p = strchr(p, '%')); p++)
		if (match_at(p, s))
			return true;
	return false;
}

int fmtspec_count(const char *fmt)
{
	int n = 0;
	struct fmtspec s;
	for (const char *p = fmt; fmtspec_next(p, &s); p = s.end)
		n++;
	return n;
}

const char *fmtspec_want_name(enum fmt_want want)
{
	static const char *const names[] = {
		[FMT_INTEGER] = "integer", [FMT_STRING] = "string", [FMT_BUFFER] = "buffer"
	};
	return names[want];
}
