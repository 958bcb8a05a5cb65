/* Arguments and return values in struct pt_regs, per architecture. The
 * offsets are the kernel's layout as BPF programs see it (asm/ptrace.h of
 * each architecture); the machine's own row is checked against its header. */
#include "probes/regs.h"

#include <asm/ptrace.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* arm64's user_pt_regs: regs[31], sp, pc, pstate; x0..x7 carry arguments, x0 the result */
#define ARM64_X(i) (8 * (i))

static const struct regs_layout layouts[] = {
	/* pt_regs: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi ...; arguments in
	 * rdi, rsi, rdx, rcx, r8, r9; the result in rax */
	{ "x86_64", 6, { 112, 104, 96, 88, 72, 64 }, 80 },
	{ "arm64", 8, { ARM64_X(0), ARM64_X(1), ARM64_X(2), ARM64_X(3), ARM64_X(4), ARM64_X(5), ARM64_X(6),
			ARM64_X(7) }, ARM64_X(0) },
};

#if defined(__x86_64__)
#define NATIVE 0
_Static_assert(offsetof(struct pt_regs, rdi) == 112 && offsetof(struct pt_regs, rsi) == 104 &&
		       offsetof(struct pt_regs, rdx) == 96 && offsetof(struct pt_regs, rcx) == 88 &&
		       offsetof(struct pt_regs, r8) == 72 && offsetof(struct pt_regs, r9) == 64 &&
		       offsetof(struct pt_regs, rax) == 80,
	       "x86_64 pt_regs layout");
#elif defined(__aarch64__)
#define NATIVE 1
_Static_assert(offsetof(struct user_pt_regs, regs) == 0, "arm64 user_pt_regs layout");
#else
#error "scry knows the registers of x86_64 and arm64 only"
#endif

static const struct regs_layout *selected = &layouts[NATIVE];

const struct regs_layout *regs_arch(void)
{
	return selected;
}

const struct regs_layout *regs_native(void)
{
	return &layouts[NATIVE];
}

int regs_select(const char *name)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (!strcmp(layouts[i].name, name)) {
			selected = &layouts[i];
			return 0;
		}
	}
	return -1;
}

void regs_names(char *buf, size_t len)
{
	size_t used = 0;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", layouts[i].name);
}

static int load_u64(struct ir *ir, int ctx, int off)
{
	int v = ir_vreg(ir);
	ir_load(ir, 8, v, ctx, (int16_t)off);
	return v;
}

int regs_emit_arg(const struct probe_emit *e, int i)
{
	return load_u64(e->ir, e->ctx, selected->arg_offsets[i]);
}

/* bpftrace's words for an argument past the registers */
const char *regs_arg_error(const struct probe_site *site, int i, char *buf, size_t len)
{
	(void)site;
	if (i < selected->nargs)
		return NULL;
	snprintf(buf, len, "%s doesn't support arg%d", selected->name, i);
	return buf;
}

int regs_emit_retval(const struct probe_emit *e)
{
	return load_u64(e->ir, e->ctx, selected->ret_offset);
}
