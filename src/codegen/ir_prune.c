/* Removing IR that can never run (the code after exit() or return jumps
 * away): the verifier rejects unreachable instructions. */
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
