/* Arguments and return values in struct pt_regs. The offsets are the
 * kernel's layout as user space sees it (asm/ptrace.h). */
#include "probes/regs.h"

#include <asm/ptrace.h>
#include <stddef.h>

#if defined(__x86_64__)
static const int arg_offsets[REGS_NARGS] = {
	offsetof(struct pt_regs, rdi), offsetof(struct pt_regs, rsi), offsetof(struct pt_regs, rdx),
	offsetof(struct pt_regs, rcx), offsetof(struct pt_regs, r8),  offsetof(struct pt_regs, r9),
};
#define RET_OFFSET offsetof(struct pt_regs, rax)
#elif defined(__aarch64__)
/* user_pt_regs: regs[31], sp, pc, pstate; x0..x7 carry arguments, x0 the result */
#define REG(i) (offsetof(struct user_pt_regs, regs) + 8 * (i))
static const int arg_offsets[REGS_NARGS] = { REG(0), REG(1), REG(2), REG(3), REG(4), REG(5), REG(6), REG(7) };
#define RET_OFFSET REG(0)
#endif

int regs_arg_offset(int i)
{
	return arg_offsets[i];
}

int regs_ret_offset(void)
{
	return RET_OFFSET;
}

static int load_u64(struct ir *ir, int ctx, int off)
{
	int v = ir_vreg(ir);
	ir_load(ir, 8, v, ctx, (int16_t)off);
	return v;
}

int regs_emit_arg(const struct probe_emit *e, int i)
{
	return load_u64(e->ir, e->ctx, regs_arg_offset(i));
}

int regs_emit_retval(const struct probe_emit *e)
{
	return load_u64(e->ir, e->ctx, regs_ret_offset());
}
