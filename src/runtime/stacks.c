#include "runtime/stacks.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <inttypes.h>

#include "codegen/resources.h"
#include "output/value.h"
#include "util/elf_syms.h"
#include "util/ksyms.h"

static int stack_fd = -1;

void stacks_init(int map_fd)
{
	stack_fd = map_fd;
	value_set_stacks(stack_print, stack_walk);
}

/* How a frame is named: as bpftrace prints it, "sym+off"; of a user
 * address in perf mode with " (module)" (" ([unknown])"); for flame graphs,
 * where a function's frames merge, "sym". Unknown, the address. */
enum frame_form { FRAME_BPFTRACE, FRAME_PERF, FRAME_FUNCTION };

static void frame_symbol(char *buf, size_t len, const struct type *t, pid_t pid, uint64_t ip, enum frame_form form)
{
	static const int usym_flags[] = { [FRAME_BPFTRACE] = USYM_OFFSET, [FRAME_PERF] = USYM_OFFSET | USYM_MODULE,
					  [FRAME_FUNCTION] = 0 };
	uint64_t off;
	const char *name;
	if (t->user)
		usym_resolve(pid, ip, usym_flags[form], buf, len);
	else if ((name = ksym_name(ip, &off)) && form == FRAME_FUNCTION)
		snprintf(buf, len, "%s", name);
	else if (name)
		snprintf(buf, len, "%s+%" PRIu64, name, off);
	else
		snprintf(buf, len, "0x%" PRIx64, ip);
}

/* The frames of ips[0..n) shown: up to the first 0, at most t->len. */
static int frames_shown(const struct type *t, const uint64_t *ips, int n)
{
	int i = 0;
	while (i < n && i < t->len && ips[i])
		i++;
	return i;
}

void stack_print_frames(FILE *out, const struct type *t, pid_t pid, const uint64_t *ips, int n, int indent)
{
	bool perf = t->name != NULL; /* perf's form: tab, address, symbol */
	char sym[4200];
	if (t->user)
		usym_refresh(pid); /* once per stack: its process may have exited */
	int shown = frames_shown(t, ips, n);
	fputc('\n', out);
	for (int i = 0; i < shown; i++) {
		frame_symbol(sym, sizeof(sym), t, pid, ips[i], perf ? FRAME_PERF : FRAME_BPFTRACE);
		if (perf)
			fprintf(out, "\t%" PRIx64 " %s\n", ips[i], sym);
		else
			fprintf(out, "%*s%s\n", indent, "", sym);
	}
}

/* The frames of a stack value into ips (STACK_MAX_DEPTH), and its process.
 * As bpftrace: nothing at all when there is no stack, and an error unless
 * it is a stack the probe had not (-EFAULT: a kernel thread's user stack). */
static bool stack_lookup(uint64_t value, uint64_t *ips, pid_t *pid)
{
	int32_t id = (int32_t)(uint32_t)value;
	*pid = (pid_t)(value >> 32); /* ustack: the pid of the stack's process */
	if (stack_fd < 0 || bpf_map_lookup_elem(stack_fd, &id, ips)) {
		if (stack_fd >= 0 && id != -EFAULT)
			fprintf(stderr, "ERROR: failed to look up stack id %d (pid %d): -1\n", (int)id, (int)*pid);
		return false;
	}
	return true;
}

void stack_print(FILE *out, const struct type *t, uint64_t value, int indent)
{
	uint64_t ips[STACK_MAX_DEPTH] = { 0 };
	pid_t pid;
	if (stack_lookup(value, ips, &pid))
		stack_print_frames(out, t, pid, ips, STACK_MAX_DEPTH, indent);
}

void stack_walk(const struct type *t, uint64_t value, frame_fn each, void *ctx)
{
	uint64_t ips[STACK_MAX_DEPTH] = { 0 };
	char sym[4200];
	pid_t pid;
	if (!stack_lookup(value, ips, &pid))
		return;
	if (t->user)
		usym_refresh(pid);
	for (int i = frames_shown(t, ips, STACK_MAX_DEPTH) - 1; i >= 0; i--) {
		frame_symbol(sym, sizeof(sym), t, pid, ips[i], FRAME_FUNCTION);
		each(sym, ctx);
	}
}
