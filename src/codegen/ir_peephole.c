/* Peephole passes over the IR, after pruning and before lowering: each
 * rewrites a local shape the emitters produce into shorter code, for every
 * emitter at once.
 * - a conditional jump over a goto becomes the inverted jump, and a jump
 *   to the next instruction goes;
 * - a constant moved into a register for one store, comparison or ALU
 *   operation is that instruction's immediate;
 * - constants stored side by side are stored together;
 * - a copy read once before either register changes is not made;
 * - a value computed only to be copied is computed into the copy;
 * - a helper's result or an argument copied out of r0-r5 and used before
 *   that register changes is used from it. */
#include <stdbool.h>
#include <stdlib.h>

#include "codegen/cg.h"

static bool is_vreg(int r) { return r >= VREG_BASE; }

static bool is_code(const struct ir_insn *in)
{
	return in->kind != IR_LABEL && in->kind != IR_NOTE;
}

/* Remove the instructions marked gone. */
static void drop(struct ir *ir, const bool *gone)
{
	int out = 0;
	for (int pos = 0; pos < ir->len; pos++)
		if (!gone[pos])
			ir->insns[out++] = ir->insns[pos];
	ir->len = out;
}

/* ---- if (c) goto L1; goto L2; L1:  ->  if (!c) goto L2; L1:
 * ---- goto L; L:  ->  L: ---- */

/* The condition that holds exactly when op's does not, or 0 (JSET has none). */
static uint8_t inverse(uint8_t op)
{
	static const uint8_t pairs[][2] = {
		{ BPF_JEQ, BPF_JNE }, { BPF_JGT, BPF_JLE }, { BPF_JGE, BPF_JLT },
		{ BPF_JSGT, BPF_JSLE }, { BPF_JSGE, BPF_JSLT },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (pairs[i][0] == op)
			return pairs[i][1];
		if (pairs[i][1] == op)
			return pairs[i][0];
	}
	return 0;
}

static bool is_goto(const struct ir_insn *in)
{
	return in->kind == IR_JUMP && BPF_OP(in->bi.code) == BPF_JA;
}

/* The next position at or after pos holding code, or ir->len. */
static int next_code(const struct ir *ir, int pos)
{
	while (pos < ir->len && !is_code(&ir->insns[pos]))
		pos++;
	return pos;
}

/* Whether label is defined between pos and the next code (there, it names
 * the instruction that follows). */
static bool label_here(const struct ir *ir, int pos, int label)
{
	for (; pos < ir->len && !is_code(&ir->insns[pos]); pos++)
		if (ir->insns[pos].kind == IR_LABEL && ir->insns[pos].label == label)
			return true;
	return false;
}

static void simplify_jumps(struct ir *ir, bool *gone)
{
	for (int pos = 0; pos < ir->len; pos++) {
		struct ir_insn *in = &ir->insns[pos];
		/* a jump only reads registers: one to where it falls through does nothing */
		if (in->kind == IR_JUMP && label_here(ir, pos + 1, in->label)) {
			gone[pos] = true;
			continue;
		}
		uint8_t inv = in->kind == IR_JUMP ? inverse(BPF_OP(in->bi.code)) : 0;
		int g = next_code(ir, pos + 1);
		if (!inv || g == ir->len || !is_goto(&ir->insns[g]) || !label_here(ir, g + 1, in->label))
			continue;
		/* class (JMP, JMP32) and source (imm, reg) stay */
		in->bi.code = (uint8_t)((in->bi.code & ~0xf0) | inv);
		in->label = ir->insns[g].label;
		gone[g] = true;
	}
}

/* ---- where each virtual register appears ---- */

struct uses {
	int *count; /* operands naming the vreg, read or written */
	int *first; /* position of its first appearance */
};

static void uses_of(const struct ir *ir, struct uses *u)
{
	int n = ir->nvregs + 1;
	u->count = calloc(n, sizeof(int));
	u->first = malloc(n * sizeof(int));
	for (int pos = ir->len - 1; pos >= 0; pos--) {
		const struct ir_insn *in = &ir->insns[pos];
		int regs[2] = { in->dst, in->src };
		for (int k = 0; k < 2; k++) {
			if (is_vreg(regs[k])) {
				u->count[regs[k] - VREG_BASE]++;
				u->first[regs[k] - VREG_BASE] = pos;
			}
		}
	}
}

static void uses_free(struct uses *u)
{
	free(u->count);
	free(u->first);
}

static int appearances(const struct ir_insn *in, int v)
{
	return (in->dst == v) + (in->src == v);
}

/* in names to where it named from */
static void rename_operand(struct ir_insn *in, int from, int to)
{
	if (in->dst == from)
		in->dst = to;
	if (in->src == from)
		in->src = to;
}

/* ---- r = imm; ... op r ...  ->  ... op imm ---- */

static bool is_movi64(const struct ir_insn *in)
{
	return in->kind == IR_INSN && in->bi.code == (BPF_ALU64 | BPF_MOV | BPF_K) && is_vreg(in->dst);
}

/* Whether in, reading v only as its source, can take v's constant imm
 * instead: a store (ST sign-extends imm as the 64-bit mov did: the same
 * bytes at every size), a comparison or an ALU operation (imm sign-extended
 * to 64 bits, or cut to 32 as the register's value would be), but not
 * where the verifier refuses an immediate it takes in a register: a
 * division by 0, a shift past the width. */
static bool takes_imm(const struct ir_insn *in, int v, int32_t imm)
{
	uint8_t code = in->bi.code, class = BPF_CLASS(code), op = BPF_OP(code);
	if (in->src != v || in->dst == v)
		return false;
	if (in->kind == IR_INSN && class == BPF_STX)
		return BPF_MODE(code) == BPF_MEM; /* not an atomic */
	if (BPF_SRC(code) != BPF_X)
		return false;
	if (in->kind == IR_JUMP)
		return true;
	if (in->kind != IR_INSN || (class != BPF_ALU && class != BPF_ALU64) || op == BPF_END)
		return false;
	if (op == BPF_DIV || op == BPF_MOD)
		return imm != 0;
	if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
		return imm >= 0 && imm < (class == BPF_ALU64 ? 64 : 32);
	return true;
}

static void fold_constants(struct ir *ir, bool *gone)
{
	struct uses u;
	uses_of(ir, &u);
	for (int pos = 0; pos < ir->len; pos++) {
		const struct ir_insn *mov = &ir->insns[pos];
		int v = mov->dst;
		if (!is_movi64(mov) || u.count[v - VREG_BASE] != 2 || u.first[v - VREG_BASE] != pos)
			continue;
		/* its one use, in the same block */
		int k = pos + 1;
		while (k < ir->len && ir->insns[k].kind != IR_LABEL && !appearances(&ir->insns[k], v))
			k++;
		struct ir_insn *in = &ir->insns[k];
		int32_t imm = mov->bi.imm;
		if (k == ir->len || !takes_imm(in, v, imm))
			continue;
		if (BPF_CLASS(in->bi.code) == BPF_STX)
			in->bi = ST_MEM(BPF_SIZE(in->bi.code), 0, in->bi.off, imm);
		else
			in->bi = insn((uint8_t)((in->bi.code & ~BPF_X) | BPF_K), 0, 0, in->bi.off, imm);
		in->src = 0;
		gone[pos] = true;
	}
	uses_free(&u);
}

/* ---- a = b; ... op a ...  ->  ... op b ... ---- */

static bool is_copy(const struct ir_insn *in)
{
	return in->kind == IR_INSN && in->bi.code == (BPF_ALU64 | BPF_MOV | BPF_X) && !in->bi.off &&
	       is_vreg(in->dst) && is_vreg(in->src) && in->dst != in->src;
}

static bool writes(const struct ir_insn *in, int v)
{
	bool dst_read, dst_written, src_read;
	ir_operand_use(in, &dst_read, &dst_written, &src_read);
	return dst_written && in->dst == v;
}

/* A copy read once, in the same block, before either register changes:
 * the reader takes the original (emitters copy values they hand out, as
 * the caller may change them: most callers only read them). */
static void forward_copies(struct ir *ir, bool *gone)
{
	struct uses u;
	uses_of(ir, &u);
	for (int pos = 0; pos < ir->len; pos++) {
		const struct ir_insn *mov = &ir->insns[pos];
		int a = mov->dst, b = mov->src;
		if (!is_copy(mov) || u.count[a - VREG_BASE] != 2 || u.first[a - VREG_BASE] != pos)
			continue;
		int k = pos + 1;
		while (k < ir->len && ir->insns[k].kind != IR_LABEL && !appearances(&ir->insns[k], a) &&
		       !writes(&ir->insns[k], b))
			k++;
		if (k == ir->len || !appearances(&ir->insns[k], a) || writes(&ir->insns[k], a))
			continue;
		rename_operand(&ir->insns[k], a, b);
		gone[pos] = true;
	}
	uses_free(&u);
}

/* ---- b = ...; ... a = b  ->  a = ...; ... ---- */

/* Whether the code goes on from in to the next instruction, and only it
 * leads there: no label, jump or exit (a call returns). */
static bool straight(const struct ir_insn *in)
{
	uint8_t cls = BPF_CLASS(in->bi.code);
	if (in->kind == IR_LABEL || in->kind == IR_JUMP)
		return false;
	return in->kind != IR_INSN || (cls != BPF_JMP && cls != BPF_JMP32) || BPF_OP(in->bi.code) == BPF_CALL;
}

/* A value computed only to be copied: computed in the copy's register.
 * It is first written without being read, and from there to the copy, its
 * last appearance, the code runs straight (no jump away or in, where the
 * copy's register would change early) and never names the copy's register. */
static void backward_copies(struct ir *ir, bool *gone)
{
	struct uses u;
	uses_of(ir, &u);
	for (int pos = 0; pos < ir->len; pos++) {
		struct ir_insn *def = &ir->insns[pos];
		int b = def->dst;
		if (gone[pos] || !is_vreg(b) || u.first[b - VREG_BASE] != pos)
			continue;
		bool dst_read, dst_written, src_read;
		ir_operand_use(def, &dst_read, &dst_written, &src_read);
		if (!dst_written || dst_read || def->src == b)
			continue;
		int left = u.count[b - VREG_BASE] - 1, k = pos + 1;
		for (; k < ir->len && straight(&ir->insns[k]); k++)
			if (!(left -= appearances(&ir->insns[k], b)))
				break;
		if (left || !is_copy(&ir->insns[k]) || ir->insns[k].src != b)
			continue;
		int a = ir->insns[k].dst, j = pos + 1;
		while (j < k && !appearances(&ir->insns[j], a))
			j++;
		if (j < k)
			continue;
		for (j = pos; j < k; j++)
			rename_operand(&ir->insns[j], b, a);
		gone[k] = true; /* a's first appearance: it is no candidate of this pass */
	}
	uses_free(&u);
}

/* ---- r = rP; ... r ...  ->  ... rP ...  (P in 0-5) ---- */

/* The register of r0-r5 (a helper's result, a function's argument) that
 * in copies into a virtual register, or -1. */
static int arg_reg_copied(const struct ir_insn *in)
{
	bool mov = in->kind == IR_INSN && in->bi.code == (BPF_ALU64 | BPF_MOV | BPF_X);
	return mov && is_vreg(in->dst) && in->src >= R0 && in->src <= R5 ? in->src : -1;
}

/* Whether in may change register p while v lives there: a call (helper or
 * function), a write of p, or, for r0, a compare-and-exchange and, for
 * lowering, the fill of a spilled source operand, which goes through r0
 * (lower.c's SCRATCH_SRC) unless the destination is r0 itself (then r9) or
 * the instruction is a move (the slot is loaded into the destination). */
static bool clobbers(const struct ir_insn *in, int v, int p)
{
	bool dst_read, dst_written, src_read;
	ir_operand_use(in, &dst_read, &dst_written, &src_read);
	uint8_t code = in->bi.code;
	bool call = in->kind == IR_INSN && code == (BPF_JMP | BPF_CALL);
	if (call || (dst_written && in->dst == p))
		return true;
	if (p != R0)
		return false;
	bool cmpxchg = in->kind == IR_INSN && code == (BPF_STX | BPF_DW | BPF_ATOMIC) && in->bi.imm == BPF_CMPXCHG;
	bool is_mov = in->kind == IR_INSN && code == (BPF_ALU64 | BPF_MOV | BPF_X);
	bool fill = src_read && is_vreg(in->src) && in->src != v && in->dst != v && in->dst != R0 && !is_mov;
	return cmpxchg || fill;
}

/* The last position of v's live range starting with the copy from p at
 * pos, when every appearance of v lies in it, no label does (no other way
 * in) and nothing in it changes p; else -1. An argument (r1-r5) is only
 * read there: the code may copy it again later, which a helper's result
 * (r0) is not, as each call makes a new one. */
static int arg_reg_window(const struct ir *ir, const struct uses *u, int pos, int p)
{
	int v = ir->insns[pos].dst, left = u->count[v - VREG_BASE] - 1;
	if (u->first[v - VREG_BASE] != pos)
		return -1;
	for (int k = pos + 1; k < ir->len && ir->insns[k].kind != IR_LABEL; k++) {
		const struct ir_insn *in = &ir->insns[k];
		left -= appearances(in, v);
		if (p != R0 && writes(in, v))
			return -1;
		/* an instruction reading v reads it before it writes anything */
		if (!left)
			return k;
		if (clobbers(in, v, p))
			return -1;
	}
	return -1;
}

static void forward_arg_regs(struct ir *ir, bool *gone)
{
	struct uses u;
	uses_of(ir, &u);
	for (int pos = 0; pos < ir->len; pos++) {
		int p = arg_reg_copied(&ir->insns[pos]);
		if (p < 0)
			continue;
		int v = ir->insns[pos].dst, end = arg_reg_window(ir, &u, pos, p);
		if (end < 0)
			continue;
		for (int k = pos + 1; k <= end; k++)
			rename_operand(&ir->insns[k], v, p);
		gone[pos] = true;
		pos = end; /* windows do not overlap: a later one would see v's writes as other registers' */
	}
	uses_free(&u);
}

/* ---- *(u32 *)(p + 0) = a; *(u32 *)(p + 4) = b  ->  *(u64 *)(p + 0) = b:a ---- */

static int store_imm_size(const struct ir_insn *in)
{
	if (in->kind != IR_INSN || BPF_CLASS(in->bi.code) != BPF_ST || BPF_MODE(in->bi.code) != BPF_MEM)
		return 0;
	return bpf_size_bytes(in->bi.code);
}

/* Two constants stored side by side, the first aligned for both, become
 * one store of twice the size (a stack access must be aligned), when the
 * pair is an immediate: ST's imm is 32 bits, sign-extended for a u64. */
static bool merge_pair(struct ir_insn *a, const struct ir_insn *b)
{
	int n = store_imm_size(a);
	if (!n || n == 8 || store_imm_size(b) != n || a->dst != b->dst || b->bi.off != a->bi.off + n ||
	    a->bi.off % (2 * n))
		return false;
	uint64_t mask = n == 4 ? UINT32_MAX : (1ull << (8 * n)) - 1;
	uint64_t pair = ((uint64_t)b->bi.imm & mask) << (8 * n) | ((uint64_t)a->bi.imm & mask);
	if (n == 4 && (uint64_t)(int64_t)(int32_t)pair != pair)
		return false;
	a->bi = ST_MEM(bpf_size(2 * n), 0, a->bi.off, (int32_t)pair);
	return true;
}

static void merge_stores(struct ir *ir, bool *gone)
{
	/* bytes to halves, to words, to double words: a round each; a label
	 * between two stores keeps them apart */
	for (int round = 0; round < 3; round++) {
		int last = -1;
		for (int pos = 0; pos < ir->len; pos++) {
			if (gone[pos])
				continue;
			if (last >= 0 && merge_pair(&ir->insns[last], &ir->insns[pos]))
				gone[pos] = true;
			else
				last = pos;
		}
	}
}

typedef void (*pass_fn)(struct ir *ir, bool *gone);

void ir_peephole(struct ir *ir)
{
	/* constants first: an instruction they free of a register source no
	 * longer needs r0 for a fill when lowering */
	static const pass_fn passes[] = { simplify_jumps, fold_constants, merge_stores, forward_copies,
					  forward_arg_regs, backward_copies };
	for (size_t i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		bool *gone = calloc(ir->len + 1, sizeof(bool));
		passes[i](ir, gone);
		drop(ir, gone);
		free(gone);
	}
}
