/* -k and -kk: helper calls that check their result, as bpftrace 0.17's
 * CreateHelperErrorCond does. A failure adds one to its call site's per-CPU
 * counter in the helper-error map and, for the first HELPER_ERROR_BURST on
 * a CPU, sends an EV_HELPER_ERROR record that the runtime prints as
 * bpftrace's warning; the runtime says the counts of the rest at exit.
 * Without -k a call is the bare call. */
#include "codegen/cg.h"

/* When these fail bpftrace stores zero, which a script can test: -k leaves
 * them unchecked, -kk checks them too. */
static bool read_helper(int helper)
{
	switch (helper) {
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_kernel_str:
	case BPF_FUNC_probe_read_user:
	case BPF_FUNC_probe_read_user_str:
	case BPF_FUNC_map_lookup_elem:
		return true;
	default:
		return false;
	}
}

/*	n = ++helper_errors[id];	(this CPU's counter)
 *	if (n <= BURST) send { EV_HELPER_ERROR, id, ret };	*/
static void emit_report(struct cg *cg, int id, int ret, int done)
{
	struct ir *ir = cg->ir;
	int p = emit_array_entry(cg, cg->res->helper_error_map, id), n = ir_vreg(ir);
	ir_jump(ir, BPF_JEQ, p, -1, 0, done);
	ir_load(ir, 8, n, p, 0);
	ir_alui(ir, BPF_ADD, n, 1);
	ir_store(ir, 8, p, 0, n);
	ir_jump(ir, BPF_JGT, n, -1, HELPER_ERROR_BURST, done);
	struct record r = emit_record_reserve(cg, sizeof(struct event_hdr) + 8, EV_HELPER_ERROR, (uint32_t)id, done);
	ir_store(ir, 8, r.ptr, sizeof(struct event_hdr), ret);
	emit_record_submit(cg, r);
}

/* The call, and the check where -k/-kk asks for it; returns the vreg of
 * the result, or -1 when the caller wants none and nothing is checked. */
static int checked_call(struct cg *cg, int helper, int map_idx, bool result)
{
	struct ir *ir = cg->ir;
	ir_call(ir, helper);
	bool checked = cg->helper_checks == 2 || (cg->helper_checks == 1 && !read_helper(helper));
	if (!checked && !result)
		return -1;
	int ret = ir_vreg(ir);
	ir_mov(ir, ret, R0);
	if (!checked)
		return ret;
	struct helper_error_res h = { .helper = helper, .map = map_idx, .probe = (char *)cg->probe_name, .loc = cg->ir->loc };
	int id = resources_add_helper_error(cg->res, &h), done = ir_label_new(ir);
	/* a lookup fails with NULL; the others return a negative int (compared
	 * on 32 bits: before 6.4 a map update's -E2BIG arrives as 0xfffffff9) */
	if (helper == BPF_FUNC_map_lookup_elem)
		ir_jump(ir, BPF_JNE, ret, -1, 0, done);
	else
		ir_jump32(ir, BPF_JSGE, ret, -1, 0, done);
	/* the report's key slot is free again once it is sent: a statement
	 * with many checked calls (join's reads) must not add them up */
	int mark = frame_mark(&cg->frame);
	emit_report(cg, id, ret, done);
	frame_release(&cg->frame, mark);
	ir_label(ir, done);
	return ret;
}

int emit_helper_call(struct cg *cg, int helper, int map_idx)
{
	return checked_call(cg, helper, map_idx, true);
}

void emit_helper_stmt(struct cg *cg, int helper, int map_idx)
{
	checked_call(cg, helper, map_idx, false);
}
