/* libscry_test.so: a shared library for uprobe and USDT tests on a library
 * rather than an executable. Exported, never inlined or specialised, each
 * with a USDT probe (provider scrylib, no semaphore):
 *   int scry_lib_mul(int a, int b)           probe scrylib:mul(a, b), returns a * b
 *   long scry_lib_sum(const long *v, int n)  probe scrylib:sum(n, total), returns total */
#include <sys/sdt.h>

#ifdef __clang__
#define SCRY_EXPORT __attribute__((visibility("default"), noinline, used))
#else
#define SCRY_EXPORT __attribute__((visibility("default"), noipa, used))
#endif

SCRY_EXPORT int scry_lib_mul(int a, int b)
{
	DTRACE_PROBE2(scrylib, mul, a, b);
	return a * b;
}

SCRY_EXPORT long scry_lib_sum(const long *v, int n)
{
	long total = 0;

	for (int i = 0; i < n; i++)
		total += v[i];
	DTRACE_PROBE2(scrylib, sum, n, total);
	return total;
}
