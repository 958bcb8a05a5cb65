/* USDT probes (provider scry) whose argument specs cover every form scry
 * reads: constants, registers of each width, memory through a register
 * (stack), memory relative to %rip (globals, symbol+offset), base+index*scale,
 * signed and unsigned, sizes 1, 2, 4 and 8, negative values, one probe with
 * two sites, and (usdt_sem.c) one probe with a semaphore.
 *   usdt_target PROBE N [MS]   fire PROBE N times (i = 0..N-1); MS, when
 *                              given, is a sleep in milliseconds first
 *   usdt_target all N [MS]     every probe N times, in the order below
 * Arguments, per firing i:
 *   scry:constant  (42, -7, (long)-1, (unsigned char)200)
 *   scry:reg       (i, -i)                               ints in registers
 *   scry:sizes_signed    ((int8)-(i%100)-1, (int16)-1000-i, (int32)-100000-i,
 *                         (int64)-5000000000-i)
 *   scry:sizes_unsigned  ((uint8)200+i%50, (uint16)60000+i%1000,
 *                         (uint32)3000000000+i, (uint64)10000000000+i)
 *   scry:memory    (scry_global = 1000+i, scry_pair.b = 2000+i, stack local = -3000-i)
 *   scry:sib       (local array[i % 8] = 100 + i % 8, scry_table[i % 8] = 10 * (i % 8))
 *   scry:two       (i, "hello")
 *   scry:twice     (1, i) at one site, then (2, i) at another: 2N firings
 *   scry:withsem   (i), only while the semaphore is set; the program then
 *                  prints "withsem K/N": K firings of N calls
 * No probe has more than 4 arguments: bpftrace 0.17 reads at most arg0..arg5
 * on x86-64, and parity tests run it on the same probes.
 * Built with -O2 -fno-omit-frame-pointer so the compiler picks the operand
 * forms above; `readelf -n usdt_target` shows the resulting specs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>

#ifdef __clang__
#define SCRY_TARGET __attribute__((noinline, used))
#else
#define SCRY_TARGET __attribute__((noipa, used))
#endif

int scry_withsem(int i); /* usdt_sem.c */

int scry_global;
struct scry_pair {
	long a, b;
} scry_pair;
int scry_table[8];

/* Out of line, so the probes below must read the globals from memory. */
SCRY_TARGET void scry_set_globals(int i)
{
	scry_global = 1000 + i;
	scry_pair.b = 2000 + i;
	for (int k = 0; k < 8; k++)
		scry_table[k] = 10 * k;
}

SCRY_TARGET void scry_escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

SCRY_TARGET int scry_opaque(int i)
{
	__asm__ volatile("" : "+r"(i));
	return i;
}

SCRY_TARGET void probe_constant(void)
{
	DTRACE_PROBE4(scry, constant, 42, -7, (long)-1, (unsigned char)200);
}

SCRY_TARGET void probe_reg(int i)
{
	int v = scry_opaque(i);
	DTRACE_PROBE2(scry, reg, v, -v);
}

SCRY_TARGET void probe_sizes_signed(int i)
{
	int v = scry_opaque(i);
	signed char s8 = (signed char)(-(v % 100) - 1);
	short s16 = (short)(-1000 - v);
	int s32 = -100000 - v;
	long s64 = -5000000000l - v;
	DTRACE_PROBE4(scry, sizes_signed, s8, s16, s32, s64);
}

SCRY_TARGET void probe_sizes_unsigned(int i)
{
	int v = scry_opaque(i);
	unsigned char u8 = (unsigned char)(200 + v % 50);
	unsigned short u16 = (unsigned short)(60000 + v % 1000);
	unsigned int u32 = 3000000000u + (unsigned)v;
	unsigned long u64 = 10000000000ul + (unsigned long)v;
	DTRACE_PROBE4(scry, sizes_unsigned, u8, u16, u32, u64);
}

SCRY_TARGET void probe_memory(int i)
{
	long local = -3000 - i;

	scry_set_globals(i);
	scry_escape(&local);
	DTRACE_PROBE3(scry, memory, scry_global, scry_pair.b, local);
}

SCRY_TARGET void probe_sib(int i)
{
	int arr[8];
	int k = scry_opaque(i) % 8;

	for (int j = 0; j < 8; j++)
		arr[j] = 100 + j;
	scry_set_globals(i);
	scry_escape(arr);
	DTRACE_PROBE2(scry, sib, arr[k], scry_table[k]);
}

SCRY_TARGET void probe_two(int i)
{
	static const char hello[] = "hello";
	DTRACE_PROBE2(scry, two, scry_opaque(i), hello);
}

SCRY_TARGET void probe_twice_a(int i)
{
	DTRACE_PROBE2(scry, twice, 1, scry_opaque(i));
}

SCRY_TARGET void probe_twice_b(int i)
{
	DTRACE_PROBE2(scry, twice, 2, scry_opaque(i));
}

static void delay(const char *ms_arg)
{
	long ms = ms_arg ? atol(ms_arg) : 0;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

static const char *const probes[] = {
	"constant", "reg", "sizes_signed", "sizes_unsigned", "memory", "sib", "two", "twice", "withsem",
};
enum { NPROBES = sizeof(probes) / sizeof(probes[0]) };

static void fire(int p, long n)
{
	long seen = 0;

	for (long i = 0; i < n; i++) {
		int k = (int)i;
		switch (p) {
		case 0: probe_constant(); break;
		case 1: probe_reg(k); break;
		case 2: probe_sizes_signed(k); break;
		case 3: probe_sizes_unsigned(k); break;
		case 4: probe_memory(k); break;
		case 5: probe_sib(k); break;
		case 6: probe_two(k); break;
		case 7: probe_twice_a(k); probe_twice_b(k); break;
		default: seen += scry_withsem(k); break;
		}
	}
	if (p == NPROBES - 1)
		printf("withsem %ld/%ld\n", seen, n);
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: usdt_target all|constant|reg|sizes_signed|sizes_unsigned|memory|sib|two|twice|withsem N [MS]\n");
		return 2;
	}
	long n = atol(argv[2]);
	int all = !strcmp(argv[1], "all");
	int found = all;
	delay(argc == 4 ? argv[3] : NULL);
	for (int p = 0; p < NPROBES; p++) {
		if (all || !strcmp(argv[1], probes[p])) {
			fire(p, n);
			found = 1;
		}
	}
	if (!found) {
		fprintf(stderr, "usdt_target: unknown probe '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}
