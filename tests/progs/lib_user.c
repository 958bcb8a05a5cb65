/* Calls libscry_test.so (found through rpath $ORIGIN) a known number of times.
 * Prints nothing.
 *   lib_user mul N [MS]   scry_lib_mul(i, 3) for i = 0..N-1    (fires scrylib:mul N times)
 *   lib_user sum N [MS]   scry_lib_sum({1, 2, 3, 4}, 4) N times, returns 10
 *                         (fires scrylib:sum N times)
 * MS, when given, is a sleep in milliseconds before the first call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int scry_lib_mul(int a, int b);
long scry_lib_sum(const long *v, int n);

int main(int argc, char **argv)
{
	static const long v[] = { 1, 2, 3, 4 };

	if (argc < 3 || argc > 4 || (strcmp(argv[1], "mul") && strcmp(argv[1], "sum"))) {
		fprintf(stderr, "usage: lib_user mul|sum N [MS]\n");
		return 2;
	}
	long n = atol(argv[2]), ms = argc == 4 ? atol(argv[3]) : 0;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	if (ms > 0)
		nanosleep(&ts, NULL);
	for (long i = 0; i < n; i++) {
		if (argv[1][0] == 'm')
			scry_lib_mul((int)i, 3);
		else
			scry_lib_sum(v, 4);
	}
	return 0;
}
