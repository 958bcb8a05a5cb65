/* Lowering IR to BPF in three steps: register allocation (linear scan over
 * live intervals; r6-r8 hold values, the rest spill to frame slots), then
 * emission with spill code, then label resolution. Map references are
 * recorded so the loader can patch in map fds. Functions are lowered one
 * after the other into the same code; prog_code_link then resolves the
 * references between them. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/frame.h"
#include "codegen/ir.h"

/* Scratch registers for spilled operands: r9 for dst, r0 for src (r9 when
 * the dst is r0 itself). r0 is otherwise free because codegen moves a
 * helper's result out of r0 right after the call; ir_peephole leaves a
 * result in r0 only where no instruction before its last use may have a
 * source filled through r0 (ir_peephole.c's clobbers). */
#define SCRATCH_DST R9
#define SCRATCH_SRC R0
static const int alloc_regs[] = { R6, R7, R8 };
#define NALLOC (int)(sizeof(alloc_regs) / sizeof(alloc_regs[0]))

struct interval {
	int start, end; /* IR positions, -1 when the vreg is unused */
	int uses;       /* appearances in the IR: what spilling it costs */
	int reg;        /* physical register, or -1 when spilled */
	int slot;       /* r10 offset when spilled */
};

static bool is_vreg(int r) { return r >= VREG_BASE; }

static void compute_intervals(const struct ir *ir, struct interval *iv)
{
	for (int v = 0; v < ir->nvregs; v++)
		iv[v] = (struct interval){ .start = -1, .end = -1, .reg = -1 };
	for (int pos = 0; pos < ir->len; pos++) {
		const struct ir_insn *in = &ir->insns[pos];
		int regs[2] = { in->dst, in->src };
		for (int k = 0; k < 2; k++) {
			if (!is_vreg(regs[k]))
				continue;
			struct interval *i = &iv[regs[k] - VREG_BASE];
			if (i->start < 0)
				i->start = pos;
			i->end = pos;
			i->uses++;
		}
	}

	/* A value live anywhere in a loop body may be needed on the next trip
	 * round it: stretch every interval touching a loop over the whole loop. */
	int *label_pos = malloc((ir->nlabels + 1) * sizeof(int));
	for (int pos = 0; pos < ir->len; pos++)
		if (ir->insns[pos].kind == IR_LABEL)
			label_pos[ir->insns[pos].label] = pos;
	bool changed = true;
	while (changed) {
		changed = false;
		for (int pos = 0; pos < ir->len; pos++) {
			const struct ir_insn *in = &ir->insns[pos];
			if (in->kind != IR_JUMP || label_pos[in->label] > pos)
				continue;
			int top = label_pos[in->label];
			for (int v = 0; v < ir->nvregs; v++) {
				struct interval *i = &iv[v];
				if (i->start < 0 || i->end < top || i->start > pos)
					continue;
				if (i->start > top || i->end < pos) {
					if (i->start > top)
						i->start = top;
					if (i->end < pos)
						i->end = pos;
					changed = true;
				}
			}
		}
	}
	free(label_pos);
}

static int by_start(const void *a, const void *b, void *arg)
{
	const struct interval *iv = arg;
	return iv[*(const int *)a].start - iv[*(const int *)b].start;
}

/* Spill slots are reused once the interval holding them ends, but only by
 * an interval starting after that end: a victim spilled late has been live
 * since its start, and a slot freed since then may still have been in use. */
struct free_slot {
	int slot;
	int end; /* last position of the interval that held it */
};

struct slots {
	struct free_slot *free;
	int nfree;
};

static void slot_put(struct slots *s, const struct interval *old)
{
	s->free[s->nfree++] = (struct free_slot){ .slot = old->slot, .end = old->end };
}

static int slot_get(struct slots *s, struct frame *frame, int start)
{
	for (int k = 0; k < s->nfree; k++) {
		if (s->free[k].end < start) {
			int slot = s->free[k].slot;
			s->free[k] = s->free[--s->nfree];
			return slot;
		}
	}
	return frame_alloc(frame, 8);
}

/* Whether spilling a costs less than spilling b: fewer uses for the
 * length of code it frees a register over */
static bool cheaper(const struct interval *a, const struct interval *b)
{
	long da = (long)a->uses * (b->end - b->start + 1), db = (long)b->uses * (a->end - a->start + 1);
	return da != db ? da < db : a->end > b->end;
}

static void allocate(const struct ir *ir, struct interval *iv, struct frame *frame)
{
	int n = ir->nvregs;
	int *order = malloc(n * sizeof(int));
	int *active = malloc(n * sizeof(int));
	int nactive = 0;
	struct slots slots = { .free = malloc(n * sizeof(*slots.free)) };
	bool reg_free[R10] = { 0 };
	for (int k = 0; k < NALLOC; k++)
		reg_free[alloc_regs[k]] = true;

	int m = 0;
	for (int v = 0; v < n; v++)
		if (iv[v].start >= 0)
			order[m++] = v;
	qsort_r(order, m, sizeof(int), by_start, iv);

	for (int k = 0; k < m; k++) {
		struct interval *cur = &iv[order[k]];
		/* expire intervals that ended before this one starts */
		for (int a = 0; a < nactive;) {
			struct interval *old = &iv[active[a]];
			if (old->end < cur->start) {
				if (old->reg >= 0)
					reg_free[old->reg] = true;
				else
					slot_put(&slots, old);
				active[a] = active[--nactive];
			} else {
				a++;
			}
		}
		int reg = -1;
		for (int r = 0; r < NALLOC && reg < 0; r++)
			if (reg_free[alloc_regs[r]])
				reg = alloc_regs[r];
		if (reg < 0) {
			/* spill whichever of cur and the active intervals is used
			 * least (each use of a spilled value is a fill or a spill),
			 * of those the one ending last */
			int victim = -1;
			for (int a = 0; a < nactive; a++)
				if (iv[active[a]].reg >= 0 && (victim < 0 || cheaper(&iv[active[a]], &iv[active[victim]])))
					victim = a;
			if (victim >= 0 && cheaper(&iv[active[victim]], cur)) {
				struct interval *v = &iv[active[victim]];
				reg = v->reg;
				v->reg = -1;
				v->slot = slot_get(&slots, frame, v->start);
			}
		}
		if (reg >= 0) {
			reg_free[reg] = false;
			cur->reg = reg;
		} else {
			cur->slot = slot_get(&slots, frame, cur->start);
		}
		active[nactive++] = order[k];
	}
	free(order);
	free(active);
	free(slots.free);
}

/* What the scratch registers hold along straight code: the value of a
 * spill slot (its offset), or NO_SLOT. A fill of a slot that its register
 * holds already is not made again. */
#define NO_SLOT 1
enum { HELD_R0, HELD_R9 };

struct out {
	struct prog_code *code;
	int cap;
	const char *pending_note;
	struct loc loc; /* of the IR instruction being lowered */
	int held[2];
};

static int *held_of(struct out *o, int reg)
{
	return reg == R0 ? &o->held[HELD_R0] : reg == R9 ? &o->held[HELD_R9] : NULL;
}

static void forget_held(struct out *o)
{
	o->held[HELD_R0] = o->held[HELD_R9] = NO_SLOT;
}

/* After bi: a register it writes no longer holds a slot's value, nor does
 * a register whose slot it writes; a spill leaves its register holding
 * the slot's value. */
static void track_held(struct out *o, struct bpf_insn bi)
{
	uint8_t cls = BPF_CLASS(bi.code);
	bool store = cls == BPF_ST || cls == BPF_STX;
	if (store && bi.dst_reg == FP) {
		for (int r = 0; r < 2; r++)
			if (o->held[r] != NO_SLOT && o->held[r] < bi.off + bpf_size_bytes(bi.code) && bi.off < o->held[r] + 8)
				o->held[r] = NO_SLOT;
	}
	if (cls == BPF_STX && BPF_MODE(bi.code) == BPF_ATOMIC) { /* a fetch writes src, cmpxchg r0 */
		int *h = held_of(o, bi.src_reg);
		if (h)
			*h = NO_SLOT;
		o->held[HELD_R0] = NO_SLOT;
	} else if (cls == BPF_JMP && BPF_OP(bi.code) == BPF_CALL) {
		o->held[HELD_R0] = NO_SLOT; /* r9 survives calls */
	} else if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX || cls == BPF_LD) {
		int *h = held_of(o, bi.dst_reg);
		if (h)
			*h = NO_SLOT;
	}
	int *h = held_of(o, bi.src_reg);
	if (h && bi.code == (BPF_STX | BPF_MEM | BPF_DW) && bi.dst_reg == FP)
		*h = bi.off;
}

static void put(struct out *o, struct bpf_insn bi)
{
	struct prog_code *c = o->code;
	if (c->len == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 128;
		c->insns = realloc(c->insns, o->cap * sizeof(*c->insns));
		c->notes = realloc(c->notes, o->cap * sizeof(*c->notes));
		c->locs = realloc(c->locs, o->cap * sizeof(*c->locs));
		if (!c->insns || !c->notes || !c->locs)
			abort();
	}
	c->notes[c->len] = o->pending_note;
	c->locs[c->len] = o->loc;
	o->pending_note = NULL;
	c->insns[c->len++] = bi;
	track_held(o, bi);
}

/* reg = the value of spill slot, unless reg holds it already */
static void fill(struct out *o, int reg, int slot)
{
	int *h = held_of(o, reg);
	if (h && *h == slot)
		return;
	put(o, LDX_MEM(BPF_DW, reg, FP, slot));
	if (h)
		*h = slot;
}

/* ld_imm64 of a map's, a map value's or a function's address, recorded for the loader or the linker. */
static void put_ref(struct out *o, const struct ir_insn *in, int dst)
{
	struct prog_code *c = o->code;
	if (in->kind == IR_MAP || in->kind == IR_MAP_VALUE) {
		c->refs = realloc(c->refs, (c->nrefs + 1) * sizeof(*c->refs));
		if (!c->refs)
			abort();
		c->refs[c->nrefs++] = (struct map_ref){ .insn = c->len, .map = (int)in->imm64 };
	} else {
		c->func_refs = realloc(c->func_refs, (c->nfunc_refs + 1) * sizeof(*c->func_refs));
		if (!c->func_refs)
			abort();
		c->func_refs[c->nfunc_refs++] = (struct func_ref){ .insn = c->len, .func = (int)in->imm64 };
	}
	uint8_t pseudo = in->kind == IR_MAP ? BPF_PSEUDO_MAP_FD : in->kind == IR_MAP_VALUE ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_FUNC;
	put(o, LD_IMM64_LO(dst, pseudo, in->imm64));
	put(o, insn(0, 0, 0, 0, in->bi.imm)); /* a map value's offset */
}

int ir_lower(const struct ir *ir, struct frame *frame, struct prog_code *code)
{
	code->funcs = realloc(code->funcs, (code->nfuncs + 1) * sizeof(*code->funcs));
	if (!code->funcs)
		abort();
	code->funcs[code->nfuncs++] = code->len;
	struct interval *iv = calloc(ir->nvregs + 1, sizeof(*iv));
	compute_intervals(ir, iv);
	allocate(ir, iv, frame);

	int *label_at = malloc((ir->nlabels + 1) * sizeof(int));
	int *jump_at = malloc((ir->len + 1) * sizeof(int)); /* output index of each IR jump */
	struct out o = { .code = code, .cap = code->len };
	forget_held(&o);

	for (int pos = 0; pos < ir->len; pos++) {
		const struct ir_insn *in = &ir->insns[pos];
		if (in->kind == IR_NOTE) {
			o.pending_note = in->note;
			continue;
		}
		if (in->kind == IR_LABEL) {
			label_at[in->label] = code->len;
			forget_held(&o); /* other paths join here */
			continue;
		}
		o.loc = in->loc; /* its spills and fills too */
		bool dst_read, dst_written, src_read;
		ir_operand_use(in, &dst_read, &dst_written, &src_read);
		int dst = in->dst, src = in->src;
		const struct interval *di = is_vreg(dst) ? &iv[dst - VREG_BASE] : NULL;
		const struct interval *si = is_vreg(src) ? &iv[src - VREG_BASE] : NULL;
		bool dst_spilled = di && di->reg < 0, src_spilled = si && si->reg < 0;
		if (di && !dst_spilled)
			dst = di->reg;
		if (si && !src_spilled)
			src = si->reg;

		bool is_mov = in->kind == IR_INSN && in->bi.code == (BPF_ALU64 | BPF_MOV | BPF_X);
		bool is_movi = in->kind == IR_INSN && in->bi.code == (BPF_ALU64 | BPF_MOV | BPF_K);
		/* moves to or from a slot need at most one scratch register (ST
		 * sign-extends imm as the 64-bit mov does) */
		if (is_movi && dst_spilled) {
			put(&o, ST_MEM(BPF_DW, FP, di->slot, in->bi.imm));
			continue;
		}
		if (is_mov && dst_spilled && !src_spilled) {
			put(&o, STX_MEM(BPF_DW, FP, src, di->slot));
			continue;
		}
		if (is_mov && src_spilled) {
			fill(&o, dst_spilled ? SCRATCH_DST : dst, si->slot);
			if (dst_spilled)
				put(&o, STX_MEM(BPF_DW, FP, SCRATCH_DST, di->slot));
			continue;
		}
		if (src_spilled) {
			/* r0 as a fixed dst (a return value being built) must not be
			 * overwritten by the src; r9 is free then, dst not being spilled */
			src = dst == R0 ? SCRATCH_DST : SCRATCH_SRC;
			fill(&o, src, si->slot);
		}
		if (dst_spilled) {
			if (dst_read)
				fill(&o, SCRATCH_DST, di->slot);
			dst = SCRATCH_DST;
		}

		struct bpf_insn bi = in->bi;
		bi.dst_reg = dst;
		bi.src_reg = src;
		switch (in->kind) {
		case IR_IMM64:
			put(&o, LD_IMM64_LO(dst, 0, in->imm64));
			put(&o, LD_IMM64_HI(in->imm64));
			break;
		case IR_MAP:
		case IR_MAP_VALUE:
		case IR_FUNC:
			put_ref(&o, in, dst);
			break;
		case IR_JUMP:
			jump_at[pos] = code->len;
			put(&o, bi);
			break;
		default:
			/* two vregs in one register: a 64-bit copy between them does
			 * nothing (a 32-bit one still clears the upper half) */
			if (!(is_mov && bi.dst_reg == bi.src_reg))
				put(&o, bi);
			break;
		}
		if (dst_spilled && dst_written)
			put(&o, STX_MEM(BPF_DW, FP, SCRATCH_DST, di->slot));
	}

	int rc = frame->high > BPF_STACK_LIMIT ? -1 : 0;
	for (int pos = 0; pos < ir->len && !rc; pos++) {
		const struct ir_insn *in = &ir->insns[pos];
		if (in->kind != IR_JUMP)
			continue;
		int off = label_at[in->label] - (jump_at[pos] + 1);
		if (off < INT16_MIN || off > INT16_MAX)
			rc = -1;
		code->insns[jump_at[pos]].off = off;
	}
	free(label_at);
	free(jump_at);
	free(iv);
	return rc;
}

/* A function is referenced as the verifier finds it: at load + imm + 1. */
void prog_code_link(struct prog_code *code)
{
	for (int i = 0; i < code->nfunc_refs; i++) {
		const struct func_ref *r = &code->func_refs[i];
		code->insns[r->insn].imm = code->funcs[r->func] - (r->insn + 1);
	}
}

const struct loc *prog_code_loc(const struct prog_code *code, int insn, const struct loc *fallback)
{
	if (insn >= 0 && insn < code->len && code->locs[insn].first_line)
		return &code->locs[insn];
	return fallback;
}

void prog_code_free(struct prog_code *code)
{
	free(code->insns);
	free(code->refs);
	free(code->func_refs);
	free(code->funcs);
	free(code->notes);
	free(code->locs);
	memset(code, 0, sizeof(*code));
}
