/* What every unit test shares: CHECK(cond, fmt, ...) reports a failed
 * condition with its place and a message, and counts it; main returns
 * `failures ? 1 : 0`. */
#ifndef SCRY_UNIT_CHECK_H
#define SCRY_UNIT_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                   \
			fputc('\n', stderr);                                            \
			failures++;                                                     \
		}                                                                       \
	} while (0)

#endif
