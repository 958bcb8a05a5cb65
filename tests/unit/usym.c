/* User symbols as bpftrace 0.17 prints them, without root: usym() values
 * through the type printer, ustack frames through stack_print_frames (the
 * part of stack_print after the stack-trace map), of this process, of a
 * child while it runs and after it exits; uaddr()'s data symbols; and the
 * time 10,000 stacks take. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/types.h"
#include "output/value.h"
#include "runtime/stacks.h"
#include "util/elf_syms.h"
#include "check.h"


/* A call chain of this executable: a "stack" of return addresses into it */
__attribute__((noinline, used)) int usym_test_leaf(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

__attribute__((noinline, used)) int usym_test_caller(int x)
{
	__asm__ volatile("" ::: "memory");
	return usym_test_leaf(x) * 2;
}

/* A data symbol for uaddr() */
long usym_test_data[4];

static uint64_t addr_of(int (*fn)(int))
{
	return (uint64_t)(uintptr_t)fn;
}

/* What fn prints through a memory stream */
static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fn(f, arg);
	fclose(f);
	return text;
}

struct usym_value {
	uint64_t addr, pid;
};

static void print_usym(FILE *f, const void *arg)
{
	value_print(f, type_special(T_USYM, 16, NULL), arg);
}

static void check_usym(pid_t pid, uint64_t addr, const char *want)
{
	struct usym_value v = { addr, (uint64_t)pid };
	char *got = capture(print_usym, &v);
	CHECK(!strcmp(got, want), "usym(0x%llx) of %d: got \"%s\", want \"%s\"", (unsigned long long)addr, (int)pid,
	      got, want);
	free(got);
}

struct frames {
	const struct type *t;
	pid_t pid;
	const uint64_t *ips;
	int n, indent;
};

static void print_frames(FILE *f, const void *arg)
{
	const struct frames *s = arg;
	stack_print_frames(f, s->t, s->pid, s->ips, s->n, s->indent);
}

static void check_stack(const struct type *t, pid_t pid, const uint64_t *ips, int n, int indent, const char *want)
{
	struct frames s = { t, pid, ips, n, indent };
	char *got = capture(print_frames, &s);
	CHECK(!strcmp(got, want), "stack: got\n%s\nwant\n%s", got, want);
	free(got);
}

static void test_usym_values(void)
{
	pid_t pid = getpid();
	check_usym(pid, addr_of(usym_test_leaf), "usym_test_leaf");
	check_usym(pid, addr_of(usym_test_leaf) + 1, "usym_test_leaf"); /* usym() shows no offset */
	check_usym(pid, 0, "0");
	int on_stack;
	char want[64];
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)(uintptr_t)&on_stack);
	check_usym(pid, (uintptr_t)&on_stack, want);
	CHECK(!strcmp(type_kind_name(type_special(T_USYM, 16, NULL)), "usym"), "the kind's name");
}

static void test_stack_frames(void)
{
	pid_t pid = getpid();
	uint64_t ips[] = { addr_of(usym_test_leaf), addr_of(usym_test_caller) + 5, 0x10, 0, addr_of(usym_test_leaf) };
	check_stack(type_stack(true, 127, NULL), pid, ips, 5, 4,
		    "\n    usym_test_leaf+0\n    usym_test_caller+5\n    0x10\n");
	check_stack(type_stack(true, 127, NULL), pid, ips, 5, 8,
		    "\n        usym_test_leaf+0\n        usym_test_caller+5\n        0x10\n");
	check_stack(type_stack(true, 1, NULL), pid, ips, 5, 8, "\n        usym_test_leaf+0\n");
	char *self = realpath("/proc/self/exe", NULL), want[3 * PATH_MAX];
	snprintf(want, sizeof(want), "\n\t%llx usym_test_leaf+0 (%s)\n\t%llx usym_test_caller+5 (%s)\n\t10 0x10 ([unknown])\n",
		 (unsigned long long)ips[0], self, (unsigned long long)ips[1], self);
	check_stack(type_stack(true, 127, "perf"), pid, ips, 5, 4, want);
	free(self);
	/* no frames: the leading newline alone */
	check_stack(type_stack(true, 127, NULL), pid, ips + 3, 1, 4, "\n");
}

/* A child: symbolized while it runs; once it has exited, addresses, as
 * bpftrace prints them (it reads the process afresh for every address) */
static void test_exited_process(void)
{
	int pipefd[2];
	CHECK(!pipe(pipefd), "pipe");
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) < 0);
	}
	close(pipefd[0]);
	uint64_t ips[] = { addr_of(usym_test_leaf) + 2, addr_of(usym_test_caller) }; /* same after fork */
	const struct type *perf = type_stack(true, 127, "perf");
	check_usym(child, ips[0], "usym_test_leaf");
	check_stack(type_stack(true, 127, NULL), child, ips, 2, 4, "\n    usym_test_leaf+2\n    usym_test_caller+0\n");
	CHECK(usym_refresh(child), "child %d runs", (int)child);
	close(pipefd[1]);
	waitpid(child, NULL, 0);
	CHECK(!usym_refresh(child), "child %d has exited", (int)child);
	char want[256];
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)ips[0]);
	check_usym(child, ips[0], want);
	snprintf(want, sizeof(want), "\n    0x%llx\n    0x%llx\n", (unsigned long long)ips[0], (unsigned long long)ips[1]);
	check_stack(type_stack(true, 127, NULL), child, ips, 2, 4, want);
	snprintf(want, sizeof(want), "\n\t%llx 0x%llx ([unknown])\n", (unsigned long long)ips[0],
		 (unsigned long long)ips[0]);
	check_stack(perf, child, ips, 1, 4, want);
	/* a process never seen, already gone */
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(want, sizeof(want), "\n    0x%llx\n    0x%llx\n", (unsigned long long)ips[0], (unsigned long long)ips[1]);
	check_stack(type_stack(true, 127, NULL), gone, ips, 2, 4, want);
}

static void test_data_symbol(void)
{
	Dl_info info;
	uint64_t vaddr = 0, size = 0;
	char *self = realpath("/proc/self/exe", NULL);
	CHECK(dladdr(usym_test_data, &info) && info.dli_fbase, "dladdr");
	CHECK(elf_data_symbol(self, "usym_test_data", &vaddr, &size) == 0, "usym_test_data not found");
	CHECK(size == sizeof(usym_test_data), "size %llu", (unsigned long long)size);
	/* st_value: relative to the load address in a PIE, absolute otherwise */
	uint64_t bias = vaddr < (uintptr_t)info.dli_fbase ? (uintptr_t)info.dli_fbase : 0;
	CHECK(vaddr + bias == (uintptr_t)usym_test_data, "0x%llx + 0x%llx != %p", (unsigned long long)vaddr,
	      (unsigned long long)bias, (void *)usym_test_data);
	CHECK(elf_data_symbol(self, "usym_test_leaf", &vaddr, &size) == -ENOENT, "a function is no data symbol");
	CHECK(elf_data_symbol(self, "no_such_symbol", &vaddr, &size) == -ENOENT, "no_such_symbol");
	CHECK(elf_data_symbol("/nonexistent", "x", &vaddr, &size) == -ENOENT, "no file");
	CHECK(elf_data_symbol("/proc/self/status", "x", &vaddr, &size) == -ENOEXEC, "not ELF");
	free(self);
}

/* 10,000 stacks of 20 frames, as a map of stacks prints them at exit: the
 * process is read once, each binary once */
static void test_many_stacks(void)
{
	enum { STACKS = 10000, FRAMES = 20 };
	uint64_t ips[FRAMES];
	for (int i = 0; i < FRAMES; i++)
		ips[i] = addr_of(i % 2 ? usym_test_leaf : usym_test_caller) + (uint64_t)i;
	FILE *null = fopen("/dev/null", "w");
	const struct type *t = type_stack(true, 127, NULL);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < STACKS; i++)
		stack_print_frames(null, t, getpid(), ips, FRAMES, 4);
	clock_gettime(CLOCK_MONOTONIC, &b);
	fclose(null);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	CHECK(secs < 2.0, "%d stacks took %.2f s", STACKS, secs);
	if (getenv("SCRY_UNIT_VERBOSE"))
		fprintf(stderr, "%d stacks of %d frames: %.3f s\n", STACKS, FRAMES, secs);
}

int main(void)
{
	test_usym_values();
	test_stack_frames();
	test_exited_process();
	test_data_symbol();
	test_many_stacks();
	elf_syms_free_all();
	types_free_all();
	if (failures)
		fprintf(stderr, "%d usym test(s) failed\n", failures);
	return failures != 0;
}
