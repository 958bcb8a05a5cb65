/* Removing IR that can never run (the code after exit() or return jumps
 * away: the verifier rejects unreachable instructions), and IR whose result
 * is never used (the context saved by a program that never reads it). */
#include <stdbool.h>
#include <stdlib.h>

#include "codegen/ir.h"

static bool is_exit(const struct ir_insn *in)
{
	return in->kind == IR_INSN && BPF_CLASS(in->bi.code) == BPF_JMP && BPF_OP(in->bi.code) == BPF_EXIT;
}

static bool is_goto(const struct ir_insn *in)
{
	return in->kind == IR_JUMP && BPF_OP(in->bi.code) == BPF_JA;
}

void ir_prune_unreachable(struct ir *ir)
{
	int *label_pos = malloc((ir->nlabels + 1) * sizeof(int));
	bool *reached = calloc(ir->len + 1, sizeof(bool));
	int *work = malloc((ir->len + 1) * sizeof(int));
	int nwork = 0;
	for (int pos = 0; pos < ir->len; pos++)
		if (ir->insns[pos].kind == IR_LABEL)
			label_pos[ir->insns[pos].label] = pos;

	/* each position enters the worklist at most once */
	if (ir->len) {
		reached[0] = true;
		work[nwork++] = 0;
	}
	while (nwork) {
		int pos = work[--nwork];
		const struct ir_insn *in = &ir->insns[pos];
		int next[2], n = 0;
		if (in->kind == IR_JUMP)
			next[n++] = label_pos[in->label];
		if (!is_goto(in) && !is_exit(in) && pos + 1 < ir->len)
			next[n++] = pos + 1;
		for (int k = 0; k < n; k++) {
			if (!reached[next[k]]) {
				reached[next[k]] = true;
				work[nwork++] = next[k];
			}
		}
	}

	int out = 0;
	for (int pos = 0; pos < ir->len; pos++) {
		if (reached[pos])
			ir->insns[out++] = ir->insns[pos];
		else
			free((char *)ir->insns[pos].note);
	}
	ir->len = out;
	free(label_pos);
	free(reached);
	free(work);
}

static bool is_vreg(int r)
{
	return r >= VREG_BASE;
}

/* The virtual register a side-effect-free instruction defines (an ALU
 * operation, a load, a 64-bit constant or address), or -1. */
static int pure_def(const struct ir_insn *in)
{
	uint8_t class = BPF_CLASS(in->bi.code);
	bool pure = in->kind == IR_IMM64 || in->kind == IR_MAP || in->kind == IR_MAP_VALUE || in->kind == IR_FUNC ||
		    (in->kind == IR_INSN && (class == BPF_ALU || class == BPF_ALU64 || class == BPF_LDX));
	return pure && is_vreg(in->dst) ? in->dst : -1;
}

/* Count the reads of virtual registers by one instruction (by -1 to uncount). */
static void count_reads(const struct ir_insn *in, int *reads, int by)
{
	bool dst_read, dst_written, src_read;
	ir_operand_use(in, &dst_read, &dst_written, &src_read);
	if (dst_read && is_vreg(in->dst))
		reads[in->dst] += by;
	if (src_read && is_vreg(in->src))
		reads[in->src] += by;
}

void ir_prune_dead(struct ir *ir)
{
	int *reads = calloc(ir->nvregs + VREG_BASE + 1, sizeof(int));
	bool *dead = calloc(ir->len + 1, sizeof(bool));
	for (int pos = 0; pos < ir->len; pos++)
		count_reads(&ir->insns[pos], reads, 1);
	/* removing a definition may leave the ones it read unread: repeat */
	for (bool changed = true; changed;) {
		changed = false;
		for (int pos = ir->len - 1; pos >= 0; pos--) {
			int def = pure_def(&ir->insns[pos]);
			if (dead[pos] || def < 0 || reads[def])
				continue;
			dead[pos] = changed = true;
			count_reads(&ir->insns[pos], reads, -1);
		}
	}
	int out = 0;
	for (int pos = 0; pos < ir->len; pos++)
		if (!dead[pos])
			ir->insns[out++] = ir->insns[pos];
	ir->len = out;
	free(reads);
	free(dead);
}
