/* A program the uprobe end-to-end tests trace: functions of known signatures,
 * called a known number of times with known arguments. Prints nothing.
 *   uprobe_target add N [MS]      scry_add(i, 2*i) for i = 0..N-1        returns 3*i
 *   uprobe_target sum6 N [MS]     scry_sum6(i, i+1, ..., i+5)            returns 6*i+15
 *   uprobe_target greet N [MS]    scry_greet("scry")                     returns "hello scry"
 *   uprobe_target struct N [MS]   scry_struct(&p), p = { i, -i, {1,2,3,4}, "point" }
 *                                 returns x + y + arr[0..3] = 10
 *   uprobe_target loop N [MS]     scry_loop(i)
 *   uprobe_target all [MS]        each function once with the fixed values below
 * MS, when given, is a sleep in milliseconds before the first call, so that
 * a test can start the program and attach to its pid first.
 *
 * Fixed values of "all": scry_add(3, 4) = 7; scry_sum6(1, 2, 3, 4, 5, 6) = 21;
 * scry_greet("scry") = "hello scry"; scry_struct(&{ 10, 20, {1, 2, 3, 4},
 * "scry" }) = 40; scry_loop(7).
 *
 * The functions are global, never inlined, cloned or specialised (noipa), so
 * each is one symbol whose entry sees its arguments in the ABI registers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __clang__
#define SCRY_TARGET __attribute__((noinline, used))
#else
#define SCRY_TARGET __attribute__((noipa, used))
#endif

struct scry_point {
	int x;
	int y;
	int arr[4];
	char name[8];
};

SCRY_TARGET int scry_add(int a, int b)
{
	__asm__ volatile("");
	return a + b;
}

SCRY_TARGET long scry_sum6(long a, long b, long c, long d, long e, long f)
{
	__asm__ volatile("");
	return a + b + c + d + e + f;
}

SCRY_TARGET const char *scry_greet(const char *name)
{
	static char buf[64];

	__asm__ volatile("");
	snprintf(buf, sizeof(buf), "hello %s", name);
	return buf;
}

SCRY_TARGET int scry_struct(struct scry_point *p)
{
	__asm__ volatile("");
	return p->x + p->y + p->arr[0] + p->arr[1] + p->arr[2] + p->arr[3];
}

SCRY_TARGET void scry_loop(int i)
{
	__asm__ volatile("" : : "r"(i));
}

static void point(struct scry_point *p, int x, int y, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->x = x;
	p->y = y;
	for (int k = 0; k < 4; k++)
		p->arr[k] = k + 1;
	snprintf(p->name, sizeof(p->name), "%s", name);
}

static void run(const char *what, long n)
{
	struct scry_point p;

	for (long i = 0; i < n; i++) {
		int k = (int)i;
		if (!strcmp(what, "add")) {
			scry_add(k, 2 * k);
		} else if (!strcmp(what, "sum6")) {
			scry_sum6(i, i + 1, i + 2, i + 3, i + 4, i + 5);
		} else if (!strcmp(what, "greet")) {
			scry_greet("scry");
		} else if (!strcmp(what, "struct")) {
			point(&p, k, -k, "point");
			scry_struct(&p);
		} else {
			scry_loop(k);
		}
	}
}

static void all(void)
{
	struct scry_point p;

	scry_add(3, 4);
	scry_sum6(1, 2, 3, 4, 5, 6);
	scry_greet("scry");
	point(&p, 10, 20, "scry");
	scry_struct(&p);
	scry_loop(7);
}

static void delay(const char *ms_arg)
{
	long ms = ms_arg ? atol(ms_arg) : 0;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: uprobe_target add|sum6|greet|struct|loop N [MS] | all [MS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "add", "sum6", "greet", "struct", "loop" };

	if (argc >= 2 && !strcmp(argv[1], "all") && argc <= 3) {
		delay(argc == 3 ? argv[2] : NULL);
		all();
		return 0;
	}
	if (argc < 3 || argc > 4)
		return usage();
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (!strcmp(argv[1], modes[m])) {
			delay(argc == 4 ? argv[3] : NULL);
			run(argv[1], atol(argv[2]));
			return 0;
		}
	}
	return usage();
}
