/* A program the ustack and usym end-to-end tests trace: a known call chain,
 * built with frame pointers so that the kernel's unwinder walks it.
 *   ustack_target N [MS]   main -> scry_outer -> scry_middle -> scry_leaf(scry_callback, i),
 *                          N times, then a sleep of MS milliseconds (a tracer
 *                          symbolizes the stacks of a live process)
 * scry_leaf's first argument is the address of scry_callback: usym(arg0) is
 * "scry_callback". The global scry_calls counts the calls of scry_outer, so
 * *uaddr("scry_calls") is i + 1 in the i-th call of scry_leaf. A uprobe on scry_leaf's entry runs before it saves the
 * frame pointer, so the unwinder sees scry_leaf, scry_outer (scry_middle's
 * return address), main and then the C library's frames. Prints nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __clang__
#define SCRY_TARGET __attribute__((noinline, used))
#else
#define SCRY_TARGET __attribute__((noipa, used))
#endif

typedef int (*scry_fn)(int);

/* Calls of scry_outer so far, a data symbol for uaddr("scry_calls") */
long scry_calls;

SCRY_TARGET int scry_callback(int i)
{
	__asm__ volatile("");
	return i + 1;
}

SCRY_TARGET int scry_leaf(scry_fn fn, int i)
{
	return fn(i);
}

SCRY_TARGET int scry_middle(int i)
{
	return scry_leaf(scry_callback, i) + 1;
}

SCRY_TARGET int scry_outer(int i)
{
	return scry_middle(i) + 1;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ustack_target N [MS]\n");
		return 2;
	}
	long n = atol(argv[1]), ms = argc == 3 ? atol(argv[2]) : 0;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	int total = 0;

	for (long i = 0; i < n; i++) {
		scry_calls++;
		total += scry_outer((int)i);
	}
	if (ms > 0)
		nanosleep(&ts, NULL);
	return total < 0;
}
