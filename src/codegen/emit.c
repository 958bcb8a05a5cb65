/* IR emission for expressions and statements. Scalars (integers, pointers)
 * live in virtual registers; strings, tuples and records are written to
 * memory (a stack slot or a ring-buffer record) by emit_expr_to. */
#include <limits.h>
#include <string.h>

#include "codegen/cg.h"

/* ---- memory helpers ---- */

void emit_zero(struct cg *cg, int base, int off, int size)
{
	int i = 0;
	for (; i + 8 <= size; i += 8)
		ir_storei(cg->ir, 8, base, off + i, 0);
	for (; i < size; i++)
		ir_storei(cg->ir, 1, base, off + i, 0);
}

/* The widest access (8, 4, 2, 1) of at most size bytes that both offsets are
 * aligned for: the verifier rejects misaligned stack access, and strings
 * inside tuples leave fields at odd offsets. Bases are 8-aligned. */
static int chunk_size(int size, int a, int b)
{
	int chunk = 8;
	while (chunk > size || a % chunk || b % chunk)
		chunk /= 2;
	return chunk;
}

void emit_copy(struct cg *cg, int dst_base, int dst_off, int src_base, int src_off, int size)
{
	int t = ir_vreg(cg->ir);
	for (int i = 0; i < size;) {
		int chunk = chunk_size(size - i, dst_off + i, src_off + i);
		ir_load(cg->ir, chunk, t, src_base, src_off + i);
		ir_store(cg->ir, chunk, dst_base, dst_off + i, t);
		i += chunk;
	}
}

void emit_store_bytes(struct cg *cg, int base, int off, const char *bytes, int len, int size)
{
	for (int i = 0; i < size;) {
		int n = size - i >= 4 && (off + i) % 4 == 0 ? 4 : 1;
		uint32_t w = 0;
		for (int k = 0; k < n; k++)
			if (i + k < len)
				w |= (uint32_t)(unsigned char)bytes[i + k] << (8 * k);
		ir_storei(cg->ir, n, base, off + i, (int32_t)w);
		i += n;
	}
}

/* reg = base + off, for passing memory to a helper */
void emit_addr(struct cg *cg, int reg, int base, int off)
{
	ir_mov(cg->ir, reg, base);
	if (off)
		ir_alui(cg->ir, BPF_ADD, reg, off);
}

void emit_load_int(struct cg *cg, int dst, int ptr, int off, const struct type *t)
{
	ir_load(cg->ir, t->size, dst, ptr, off);
	if (t->is_signed) /* the load zero-extends */
		ir_extend(cg->ir, dst, t->size, true);
}

/* Read size bytes of kernel or user memory at the address in ptr into base+off. */
static void probe_read_call(struct cg *cg, int base, int off, int ptr, bool user, bool string)
{
	static const int helpers[2][2] = {
		{ BPF_FUNC_probe_read_kernel, BPF_FUNC_probe_read_kernel_str },
		{ BPF_FUNC_probe_read_user, BPF_FUNC_probe_read_user_str },
	};
	ir_mov(cg->ir, R3, ptr);
	emit_addr(cg, R1, base, off);
	emit_helper_stmt(cg, helpers[user][string], -1);
}

void emit_probe_read(struct cg *cg, int base, int off, int size, int ptr, bool user, bool string)
{
	ir_movi(cg->ir, R2, size);
	probe_read_call(cg, base, off, ptr, user, string);
}

void emit_probe_read_n(struct cg *cg, int base, int off, int size, int ptr, bool user)
{
	ir_mov(cg->ir, R2, size);
	probe_read_call(cg, base, off, ptr, user, false);
}

/* ---- the control map and the ring buffer ---- */

int emit_array_entry(struct cg *cg, int map, int32_t i)
{
	struct ir *ir = cg->ir;
	int key = frame_alloc(&cg->frame, 8);
	ir_storei(ir, 4, FP, key, i);
	ir_map(ir, R1, map);
	emit_addr(cg, R2, FP, key);
	ir_call(ir, BPF_FUNC_map_lookup_elem);
	int p = ir_vreg(ir);
	ir_mov(ir, p, R0);
	return p;
}

int emit_control(struct cg *cg)
{
	return emit_array_entry(cg, MAP_CONTROL, 0);
}

/* ++counter[i] of one of scry's counter maps: an array of one value, an
 * array of u64, addressed directly (no lookup). */
static void emit_count(struct cg *cg, int map, int32_t i)
{
	struct ir *ir = cg->ir;
	int p = ir_vreg(ir), one = ir_vreg(ir);
	ir_map_value(ir, p, map, i * 8);
	ir_movi(ir, one, 1);
	ir_emit(ir, ATOMIC_ADD(BPF_DW, 0, 0, 0), p, one);
}

void emit_count_lost(struct cg *cg, bool control)
{
	emit_count(cg, MAP_LOST, control ? LOST_CONTROL : LOST_EVENTS);
}

void emit_count_full(struct cg *cg, int map_idx)
{
	emit_count(cg, MAP_FULL, map_idx);
}

static bool control_record(uint32_t kind)
{
	return kind == EV_EXIT || kind == EV_PRINT || kind == EV_CLEAR || kind == EV_ZERO;
}

/* An event record leaves the control room at the end of the ring buffer
 * to control records: with less room, it counts as lost. Returns the vreg
 * of the flags to submit it with: a wake-up once enough data waits.
 *	used = bpf_ringbuf_query(events, BPF_RB_AVAIL_DATA);
 *	if (used > ring - room - size) goto lost;
 *	flags = used > wakeup && used % STEP < this record's bytes in the ring
 *		? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
 * (While the reader sleeps, used grows by each record's bytes: one record
 * in each STEP sees it cross a multiple of STEP.) */
static int emit_control_room_check(struct cg *cg, int size, int lost)
{
	struct ir *ir = cg->ir;
	int32_t ring = (int32_t)cg->res->maps[MAP_EVENTS].max_entries;
	int32_t bytes = (size + BPF_RINGBUF_HDR_SZ + 7) / 8 * 8;
	ir_map(ir, R1, MAP_EVENTS);
	ir_movi(ir, R2, BPF_RB_AVAIL_DATA);
	ir_call(ir, BPF_FUNC_ringbuf_query);
	int used = ir_vreg(ir), flags = ir_vreg(ir), quiet = ir_label_new(ir);
	ir_mov(ir, used, R0);
	ir_jump(ir, BPF_JGT, used, -1, ring - (int32_t)EVENTS_CONTROL_ROOM(ring) - size, lost);
	ir_movi(ir, flags, BPF_RB_NO_WAKEUP);
	ir_jump(ir, BPF_JLE, used, -1, (int32_t)EVENTS_WAKEUP_DATA(ring), quiet);
	ir_alui(ir, BPF_AND, used, (int32_t)EVENTS_WAKEUP_STEP(ring) - 1);
	ir_jump(ir, BPF_JGE, used, -1, bytes, quiet);
	ir_movi(ir, flags, BPF_RB_FORCE_WAKEUP);
	ir_label(ir, quiet);
	return flags;
}

struct record emit_record_reserve(struct cg *cg, int size, uint32_t kind, uint32_t id, int skip)
{
	struct ir *ir = cg->ir;
	int have = ir_label_new(ir), lost = ir_label_new(ir);
	/* control records are rare and must be read at once */
	struct record r = { .flags = -1 };
	bool control = control_record(kind);
	if (!control)
		r.flags = emit_control_room_check(cg, size, lost);
	ir_map(ir, R1, MAP_EVENTS);
	ir_movi(ir, R2, size);
	ir_movi(ir, R3, 0);
	ir_call(ir, BPF_FUNC_ringbuf_reserve);
	r.ptr = ir_vreg(ir);
	ir_mov(ir, r.ptr, R0);
	ir_jump(ir, BPF_JNE, r.ptr, -1, 0, have);
	ir_label(ir, lost);
	emit_count_lost(cg, control);
	ir_jump(ir, BPF_JA, 0, -1, 0, skip);
	ir_label(ir, have);
	ir_storei(ir, 4, r.ptr, 0, (int32_t)kind);
	ir_storei(ir, 4, r.ptr, 4, (int32_t)id);
	return r;
}

void emit_record_submit(struct cg *cg, struct record r)
{
	ir_mov(cg->ir, R1, r.ptr);
	if (r.flags < 0)
		ir_movi(cg->ir, R2, BPF_RB_FORCE_WAKEUP);
	else
		ir_mov(cg->ir, R2, r.flags);
	ir_call(cg->ir, BPF_FUNC_ringbuf_submit);
}

/* ---- expressions ---- */

static int emit_int(struct cg *cg, uint64_t value)
{
	int v = ir_vreg(cg->ir);
	if ((int64_t)value == (int32_t)value)
		ir_movi(cg->ir, v, (int32_t)value);
	else
		ir_imm64(cg->ir, v, value);
	return v;
}

/* `args` when its record is the context, which is loaded directly. */
static bool is_ctx_args(const struct cg *cg, const struct node *n)
{
	return n->kind == N_BUILTIN && !strcmp(n->ident.name, "args") && !cg->probe->emit_args;
}

/* Compare the string at base+off (size bytes) with the literal lit, at most
 * limit bytes of it; result 1/0. */
static int emit_strcmp_literal(struct cg *cg, int base, int off, int size, const struct node *lit, int limit,
			       bool equal)
{
	struct ir *ir = cg->ir;
	int r = ir_vreg(ir), c = ir_vreg(ir), differ = ir_label_new(ir);
	int n = lit->str.len + 1;
	if (n > limit)
		n = limit;
	if (n > size + 1)
		n = size + 1; /* the literal is longer than the string can be */
	for (int i = 0; i < n; i++) {
		if (i == size) {
			/* a full buffer matched the literal's prefix: not equal, the literal goes on */
			ir_jump(ir, BPF_JA, 0, -1, 0, differ);
			break;
		}
		ir_load(ir, 1, c, base, off + i);
		ir_jump(ir, BPF_JNE, c, -1, i < lit->str.len ? (unsigned char)lit->str.bytes[i] : 0, differ);
	}
	ir_join_values(ir, r, equal, differ, !equal);
	return r;
}

/* Compare two strings in memory byte by byte up to the first NUL or limit. */
static int emit_strcmp(struct cg *cg, int a_off, int b_off, int size, int limit, bool equal)
{
	struct ir *ir = cg->ir;
	int r = ir_vreg(ir), a = ir_vreg(ir), b = ir_vreg(ir);
	int differ = ir_label_new(ir), same = ir_label_new(ir);
	for (int i = 0; i < size && i < limit; i++) {
		ir_load(ir, 1, a, FP, a_off + i);
		ir_load(ir, 1, b, FP, b_off + i);
		ir_jump(ir, BPF_JNE, a, b, 0, differ);
		ir_jump(ir, BPF_JEQ, a, -1, 0, same);
	}
	ir_label(ir, same);
	ir_join_values(ir, r, equal, differ, !equal);
	return r;
}

int emit_string_equal(struct cg *cg, struct node *l, struct node *r, int limit, bool equal)
{
	int mark = frame_mark(&cg->frame);
	int v;
	if (r->kind == N_STR || l->kind == N_STR) {
		struct node *other = r->kind == N_STR ? l : r, *lit = r->kind == N_STR ? r : l;
		int off = frame_alloc(&cg->frame, ty(cg, other)->size);
		emit_expr_to(cg, other, FP, off);
		v = emit_strcmp_literal(cg, FP, off, ty(cg, other)->size, lit, limit, equal);
	} else {
		int size = ty(cg, l)->size > ty(cg, r)->size ? ty(cg, l)->size : ty(cg, r)->size;
		int a = frame_alloc(&cg->frame, size), b = frame_alloc(&cg->frame, size);
		emit_zero(cg, FP, a, size);
		emit_zero(cg, FP, b, size);
		emit_expr_to(cg, l, FP, a);
		emit_expr_to(cg, r, FP, b);
		v = emit_strcmp(cg, a, b, size, limit, equal);
	}
	frame_release(&cg->frame, mark);
	return v;
}

/* Conditional jumps for comparisons: signed and unsigned variants, and the
 * comparison that holds where this one does not. */
static const struct compare_op {
	enum op op, negated;
	uint8_t jmp_signed, jmp_unsigned;
} compare_ops[] = {
	{ OP_EQ, OP_NE, BPF_JEQ, BPF_JEQ }, { OP_NE, OP_EQ, BPF_JNE, BPF_JNE },
	{ OP_LT, OP_GE, BPF_JSLT, BPF_JLT }, { OP_LE, OP_GT, BPF_JSLE, BPF_JLE },
	{ OP_GT, OP_LE, BPF_JSGT, BPF_JGT }, { OP_GE, OP_LT, BPF_JSGE, BPF_JGE },
};

static const struct compare_op *compare_op(enum op op)
{
	for (size_t i = 0; i < sizeof(compare_ops) / sizeof(compare_ops[0]); i++)
		if (compare_ops[i].op == op)
			return &compare_ops[i];
	return NULL;
}

/* Arithmetic and bitwise operators map one to one onto BPF ALU ops; as in
 * bpftrace 0.17, '/', '%' and '>>' are unsigned whatever the signs. */
static const struct {
	enum op op;
	uint8_t alu;
} alu_ops[] = {
	{ OP_ADD, BPF_ADD }, { OP_SUB, BPF_SUB }, { OP_MUL, BPF_MUL }, { OP_BAND, BPF_AND },
	{ OP_BOR, BPF_OR }, { OP_BXOR, BPF_XOR }, { OP_SHL, BPF_LSH }, { OP_SHR, BPF_RSH },
	{ OP_DIV, BPF_DIV }, { OP_MOD, BPF_MOD },
};

/* A comparison of two scalars (not of strings or arrays): one jump. */
static const struct compare_op *scalar_compare(struct cg *cg, const struct node *n)
{
	if (n->kind != N_BINOP)
		return NULL;
	enum type_kind k = ty(cg, n->binop.left)->kind;
	return k == T_STR || k == T_ARRAY ? NULL : compare_op(n->binop.op);
}

void emit_branch(struct cg *cg, struct node *n, bool when, int label)
{
	struct ir *ir = cg->ir;
	struct loc outer = ir_set_loc(ir, &n->loc);
	const struct compare_op *c = scalar_compare(cg, n);
	if (n->kind == N_BINOP && (n->binop.op == OP_LAND || n->binop.op == OP_LOR)) {
		/* a && b is true when both are, false when either is; a || b the reverse */
		if ((n->binop.op == OP_LAND) == when) {
			int skip = ir_label_new(ir);
			emit_branch(cg, n->binop.left, !when, skip);
			emit_branch(cg, n->binop.right, when, label);
			ir_label(ir, skip);
		} else {
			emit_branch(cg, n->binop.left, when, label);
			emit_branch(cg, n->binop.right, when, label);
		}
	} else if (n->kind == N_UNOP && n->unop.op == OP_LNOT) {
		emit_branch(cg, n->unop.operand, !when, label);
	} else if (c) {
		const struct type *lt = ty(cg, n->binop.left), *rt = ty(cg, n->binop.right);
		int a = emit_expr(cg, n->binop.left), b = emit_expr(cg, n->binop.right);
		if (!when)
			c = compare_op(c->negated);
		ir_jump(ir, lt->is_signed && rt->is_signed ? c->jmp_signed : c->jmp_unsigned, a, b, 0, label);
	} else {
		ir_jump(ir, when ? BPF_JNE : BPF_JEQ, emit_expr(cg, n), -1, 0, label);
	}
	ir->loc = outer;
}

/* 1 or 0: a && b, a || b, !a */
static int emit_logical(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	int r = ir_vreg(ir), no = ir_label_new(ir);
	emit_branch(cg, n, false, no);
	ir_join_values(ir, r, 1, no, 0);
	return r;
}

/* a OP b on integers; division by zero gives 0 and modulo by zero the
 * dividend (as BPF does, and bpftrace with a divisor known only at run time). */
int emit_arith(struct cg *cg, enum op op, int a, int b, bool is_signed)
{
	struct ir *ir = cg->ir;
	for (size_t i = 0; i < sizeof(alu_ops) / sizeof(alu_ops[0]); i++) {
		if (alu_ops[i].op == op) {
			ir_alu(ir, alu_ops[i].alu, a, b);
			return a;
		}
	}
	const struct compare_op *c = compare_op(op);
	if (!c)
		return a;
	int r = ir_vreg(ir), yes = ir_label_new(ir);
	ir_movi(ir, r, 1);
	ir_jump(ir, is_signed ? c->jmp_signed : c->jmp_unsigned, a, b, 0, yes);
	ir_movi(ir, r, 0);
	ir_label(ir, yes);
	return r;
}

/* The size of what pointer type t points at: the step of p + 1, p++. */
static int pointee_size(const struct type *t)
{
	return t->to ? t->to->size : 1;
}

/* i * the pointee's size, for p + i or p - i; i of a narrower type is
 * zero-extended first, as bpftrace does. */
static int emit_ptr_offset(struct cg *cg, int i, const struct type *it, const struct type *ptr)
{
	ir_extend(cg->ir, i, it->size, false);
	if (pointee_size(ptr) != 1)
		ir_alui(cg->ir, BPF_MUL, i, pointee_size(ptr));
	return i;
}

/* Arrays are equal when all their bytes are. */
static int emit_array_equal(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	int size = ty(cg, n->binop.left)->size, mark = frame_mark(&cg->frame);
	int a = frame_alloc(&cg->frame, size), b = frame_alloc(&cg->frame, size);
	int r = ir_vreg(ir), x = ir_vreg(ir), y = ir_vreg(ir), differ = ir_label_new(ir);
	bool equal = n->binop.op == OP_EQ;
	emit_expr_to(cg, n->binop.left, FP, a);
	emit_expr_to(cg, n->binop.right, FP, b);
	for (int i = 0; i < size;) {
		int chunk = chunk_size(size - i, a + i, b + i);
		ir_load(ir, chunk, x, FP, a + i);
		ir_load(ir, chunk, y, FP, b + i);
		ir_jump(ir, BPF_JNE, x, y, 0, differ);
		i += chunk;
	}
	ir_join_values(ir, r, equal, differ, !equal);
	frame_release(&cg->frame, mark);
	return r;
}

static int emit_binop(struct cg *cg, struct node *n)
{
	enum op op = n->binop.op;
	if (op == OP_LAND || op == OP_LOR)
		return emit_logical(cg, n);
	const struct type *lt = ty(cg, n->binop.left), *rt = ty(cg, n->binop.right);
	if (lt->kind == T_STR)
		return emit_string_equal(cg, n->binop.left, n->binop.right, INT_MAX, n->binop.op == OP_EQ);
	if (lt->kind == T_ARRAY)
		return emit_array_equal(cg, n);
	int a = emit_expr(cg, n->binop.left);
	/* a constant right operand fits the instruction: no register for it
	 * (but never a constant divisor of 0, which the verifier rejects) */
	const struct node *r = n->binop.right;
	int64_t k = r->kind == N_INT ? (int64_t)r->integer.value : 0;
	for (size_t i = 0; i < sizeof(alu_ops) / sizeof(alu_ops[0]) && r->kind == N_INT && lt->kind == T_INT && k == (int32_t)k; i++) {
		if (alu_ops[i].op == op && (k || (op != OP_DIV && op != OP_MOD))) {
			ir_alui(cg->ir, alu_ops[i].alu, a, (int32_t)k);
			return a;
		}
	}
	int b = emit_expr(cg, n->binop.right);
	if ((op == OP_ADD || op == OP_SUB) && lt->kind == T_PTR && rt->kind == T_INT)
		b = emit_ptr_offset(cg, b, rt, lt);
	else if (op == OP_ADD && rt->kind == T_PTR && lt->kind == T_INT)
		a = emit_ptr_offset(cg, a, lt, rt);
	bool is_signed = lt->is_signed && rt->is_signed;
	return emit_arith(cg, op, a, b, is_signed);
}

int emit_update(struct cg *cg, struct node *target, enum op op, int x)
{
	if (target->kind == N_MAP)
		return emit_map_update(cg, target, op, x);
	struct var *v = var_find(cg, target->ident.name);
	ir_mov(cg->ir, v->vreg, emit_arith(cg, op, v->vreg, x, v->type->is_signed));
	int r = ir_vreg(cg->ir);
	ir_mov(cg->ir, r, v->vreg);
	return r;
}

/* ++x, x++, --x, x--; a pointer steps by the size of what it points at */
static int emit_step(struct cg *cg, struct node *n)
{
	bool inc = n->unop.op == OP_INC;
	const struct type *t = ty(cg, n->unop.operand);
	int step = t->kind == T_PTR ? pointee_size(t) : 1;
	int v = emit_update(cg, n->unop.operand, inc ? OP_ADD : OP_SUB, emit_int(cg, (uint64_t)step));
	if (n->unop.postfix)
		ir_alui(cg->ir, BPF_ADD, v, inc ? -step : step);
	return v;
}

/* target OP= value; p += i and p -= i step by the pointee's size */
static void emit_compound_assign(struct cg *cg, struct node *n)
{
	struct node *target = n->assign.target, *value = n->assign.value;
	int x = emit_expr(cg, value);
	if (ty(cg, target)->kind == T_PTR)
		x = emit_ptr_offset(cg, x, ty(cg, value), ty(cg, target));
	emit_update(cg, target, n->assign.op, x);
}

static int emit_unop(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	if (n->unop.op == OP_INC || n->unop.op == OP_DEC)
		return emit_step(cg, n);
	if (n->unop.op == OP_LNOT)
		return emit_logical(cg, n);
	/* -LITERAL is one constant: 6.1's verifier forgets the value of a
	 * negated register, and a loop from $i = -3 was then unbounded to it */
	if (n->unop.op == OP_NEG && n->unop.operand->kind == N_INT)
		return emit_int(cg, -n->unop.operand->integer.value);
	int v = emit_expr(cg, n->unop.operand);
	if (n->unop.op == OP_DEREF) {
		const struct type *o = ty(cg, n->unop.operand);
		int slot = frame_alloc(&cg->frame, 8), r = ir_vreg(ir);
		ir_storei(ir, 8, FP, slot, 0);
		emit_probe_read(cg, FP, slot, n->unop.size, v, o->kind == T_PTR && o->user, false);
		emit_load_int(cg, r, FP, slot, type_int(n->unop.size, ty(cg, n)->is_signed));
		return r;
	}
	if (n->unop.op == OP_NEG)
		ir_alui(ir, BPF_NEG, v, 0);
	else if (n->unop.op == OP_BNOT)
		ir_alui(ir, BPF_XOR, v, -1);
	if (n->unop.size && n->unop.size < 8) /* sema: a narrower unsigned value's width */
		ir_extend(ir, v, n->unop.size, false);
	return v;
}

static int emit_ternary(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	int r = ir_vreg(ir), els = ir_label_new(ir), done = ir_label_new(ir);
	emit_branch(cg, n->ternary.cond, false, els);
	ir_mov(ir, r, emit_expr(cg, n->ternary.then));
	ir_jump(ir, BPF_JA, 0, -1, 0, done);
	ir_label(ir, els);
	ir_mov(ir, r, emit_expr(cg, n->ternary.els));
	ir_label(ir, done);
	return r;
}

/* Where a field's bytes are: in the probe context (args->f), or in the
 * memory of a scratch variable holding a tuple. Returns false otherwise. */
static struct node *member_base(const struct node *n)
{
	return n->kind == N_FIELD ? n->field.base : n->index.base;
}

/* Offset of member n (a field, or an element at a constant index) in its base's value. */
static int member_offset(const struct cg *cg, const struct node *n)
{
	if (n->kind == N_INDEX)
		return (int)n->index.index->integer.value * ty(cg, n)->size;
	const struct type *bt = ty(cg, n->field.base);
	return type_field(bt->kind == T_PTR ? bt->to : bt, n->field.name)->offset;
}

/* Where member n lies in BPF memory (the context or the stack) without a
 * pointer in between; false when it must be read through one. */
static bool field_place(struct cg *cg, struct node *n, int *base, int *off)
{
	struct node *b = member_base(n);
	if (n->kind == N_INDEX && (ty(cg, b)->kind == T_PTR || n->index.index->kind != N_INT))
		return false;
	if (is_ctx_args(cg, b)) {
		*base = cg->ctx;
		*off = member_offset(cg, n);
		return true;
	}
	if (b->kind == N_VAR && ty(cg, b)->kind != T_PTR) {
		const struct var *v = var_find(cg, b->ident.name);
		*base = v->base;
		*off = v->slot + member_offset(cg, n);
		return true;
	}
	if ((b->kind == N_FIELD || b->kind == N_INDEX) && ty(cg, b)->kind != T_PTR && field_place(cg, b, base, off)) {
		/* a member of a struct the context holds by value (fentry: an argument passed in
		 * two registers) is read from a copy: the verifier loads only whole 8-byte slots there */
		if (*base == cg->ctx && ty(cg, b)->kind == T_RECORD)
			return false;
		*off += member_offset(cg, n);
		return true;
	}
	return false;
}

static bool is_deref(const struct node *n)
{
	return n->kind == N_UNOP && n->unop.op == OP_DEREF;
}

/* The address of memory reached through a pointer: p->a.b, p->arr[i], p[i].
 * Returns false when n does not read through a pointer. */
static bool member_addr(struct cg *cg, struct node *n, int *addr, bool *user)
{
	struct node *b = n->kind == N_FIELD ? n->field.base : n->index.base;
	const struct type *bt = ty(cg, b);
	if (bt->kind == T_PTR && !is_ctx_args(cg, b)) {
		*addr = emit_expr(cg, b);
		*user = bt->user;
	} else if (is_deref(b) && bt->kind != T_PTR) {
		/* (*p).f: the struct is where p points */
		*addr = emit_expr(cg, b->unop.operand);
		*user = ty(cg, b->unop.operand)->user;
	} else if (bt->kind != T_PTR && (b->kind == N_FIELD || b->kind == N_INDEX)) {
		if (!member_addr(cg, b, addr, user))
			return false;
	} else {
		return false;
	}
	if (n->kind == N_FIELD) {
		const struct type *rec = bt->kind == T_PTR ? bt->to : bt;
		ir_alui(cg->ir, BPF_ADD, *addr, type_field(rec, n->field.name)->offset);
	} else {
		int i = emit_expr(cg, n->index.index);
		ir_alui(cg->ir, BPF_MUL, i, ty(cg, n)->size);
		ir_alu(cg->ir, BPF_ADD, *addr, i);
	}
	return true;
}

/* ctx + offset of the data a __data_loc field locates (__rel_loc: from the field's end) */
static int emit_data_loc(struct cg *cg, const struct field *f)
{
	int v = ir_vreg(cg->ir);
	ir_load(cg->ir, 4, v, cg->ctx, f->offset);
	ir_alui(cg->ir, BPF_AND, v, 0xffff);
	if (f->type->len)
		ir_alui(cg->ir, BPF_ADD, v, f->offset + 4);
	ir_alu(cg->ir, BPF_ADD, v, cg->ctx);
	return v;
}

static int emit_member(struct cg *cg, struct node *n)
{
	int base, off, v = ir_vreg(cg->ir), addr;
	bool user;
	if (n->kind == N_FIELD && is_ctx_args(cg, n->field.base)) {
		const struct field *f = type_field(ty(cg, n->field.base)->to, n->field.name);
		if (f->type->kind == T_DATALOC)
			return emit_data_loc(cg, f);
	}
	if (field_place(cg, n, &base, &off)) {
		emit_load_int(cg, v, base, off, ty(cg, n));
		return v;
	}
	if (member_addr(cg, n, &addr, &user)) {
		int slot = frame_alloc(&cg->frame, 8);
		ir_storei(cg->ir, 8, FP, slot, 0);
		emit_probe_read(cg, FP, slot, ty(cg, n)->size, addr, user, false);
		emit_load_int(cg, v, FP, slot, ty(cg, n));
		return v;
	}
	/* a tuple or array produced by an expression: materialise it, then load */
	int mark = frame_mark(&cg->frame);
	int slot = frame_alloc(&cg->frame, ty(cg, member_base(n))->size);
	emit_expr_to(cg, member_base(n), FP, slot);
	emit_load_int(cg, v, FP, slot + member_offset(cg, n), ty(cg, n));
	frame_release(&cg->frame, mark);
	return v;
}

static int emit_value(struct cg *cg, struct node *n)
{
	switch (n->kind) {
	case N_INT:
		return emit_int(cg, n->integer.value);
	case N_BUILTIN: {
		const struct builtin *b = builtin_find(n->ident.name);
		int v = b->per_run ? cse_reuse(cg, n) : -1;
		if (v < 0) {
			v = b->emit(cg, n);
			if (b->per_run)
				cse_keep(cg, n, -1, v);
		}
		return v;
	}
	case N_VAR: {
		int v = ir_vreg(cg->ir);
		ir_mov(cg->ir, v, var_find(cg, n->ident.name)->vreg);
		return v;
	}
	case N_MAP:
		return emit_map_read(cg, n);
	case N_CALL:
		return func_find(n->call.name)->emit(cg, n);
	case N_BINOP:
		return emit_binop(cg, n);
	case N_UNOP:
		return emit_unop(cg, n);
	case N_TERNARY:
		return emit_ternary(cg, n);
	case N_FIELD:
	case N_INDEX:
		return emit_member(cg, n);
	case N_CAST: {
		int v = emit_expr(cg, n->cast.operand);
		ir_extend(cg->ir, v, ty(cg, n)->size, ty(cg, n)->is_signed);
		return v;
	}
	default:
		return emit_int(cg, 0); /* sema rejected everything else */
	}
}

/* Each expression and statement stamps its instructions with its location
 * (the innermost wins): a verifier error then points at the script. */
int emit_expr(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	struct loc outer = ir_set_loc(ir, &n->loc);
	int v = emit_value(cg, n);
	ir->loc = outer;
	return v;
}

static void emit_expr_into(struct cg *cg, struct node *n, int base, int off)
{
	const struct type *t = ty(cg, n);
	if (type_is_scalar(t)) {
		int v = emit_expr(cg, n);
		ir_store(cg->ir, t->size, base, off, v);
		return;
	}
	switch (n->kind) {
	case N_STR:
		emit_store_bytes(cg, base, off, n->str.bytes, n->str.len, t->size);
		break;
	case N_BUILTIN:
		builtin_find(n->ident.name)->emit_to(cg, n, base, off);
		break;
	case N_CALL:
		func_find(n->call.name)->emit_to(cg, n, base, off);
		break;
	case N_VAR: {
		const struct var *v = var_find(cg, n->ident.name);
		emit_copy(cg, base, off, v->base, v->slot, t->size);
		break;
	}
	case N_TUPLE: {
		int i = 0;
		for (struct node *e = n->tuple.elems; e; e = e->next, i++)
			emit_value_to(cg, e, t->fields[i].type, base, off + t->fields[i].offset);
		break;
	}
	case N_FIELD:
	case N_INDEX: {
		int fbase, foff, addr;
		bool user;
		if (field_place(cg, n, &fbase, &foff) && fbase == cg->ctx) {
			/* context memory may only be loaded directly: read it like any kernel memory */
			int p = ir_vreg(cg->ir);
			ir_mov(cg->ir, p, cg->ctx);
			ir_alui(cg->ir, BPF_ADD, p, foff);
			emit_probe_read(cg, base, off, t->size, p, false, false);
		} else if (field_place(cg, n, &fbase, &foff)) {
			emit_copy(cg, base, off, fbase, foff, t->size);
		} else if (member_addr(cg, n, &addr, &user)) {
			emit_probe_read(cg, base, off, t->size, addr, user, false);
		} else {
			int mark = frame_mark(&cg->frame), slot = frame_alloc(&cg->frame, ty(cg, member_base(n))->size);
			emit_expr_to(cg, member_base(n), FP, slot);
			emit_copy(cg, base, off, FP, slot + member_offset(cg, n), t->size);
			frame_release(&cg->frame, mark);
		}
		break;
	}
	case N_MAP:
		emit_map_read_to(cg, n, base, off);
		break;
	case N_UNOP: { /* *p of a struct or an array: read it whole */
		int p = emit_expr(cg, n->unop.operand);
		emit_probe_read(cg, base, off, t->size, p, ty(cg, n->unop.operand)->user, false);
		break;
	}
	case N_TERNARY: {
		struct ir *ir = cg->ir;
		int els = ir_label_new(ir), done = ir_label_new(ir);
		emit_branch(cg, n->ternary.cond, false, els);
		emit_expr_to(cg, n->ternary.then, base, off);
		ir_jump(ir, BPF_JA, 0, -1, 0, done);
		ir_label(ir, els);
		emit_expr_to(cg, n->ternary.els, base, off);
		ir_label(ir, done);
		break;
	}
	default:
		break;
	}
}

bool emit_writes_all(struct cg *cg, struct node *n, int size)
{
	if (ty(cg, n)->size < size)
		return false;
	switch (n->kind) {
	case N_STR:
		return true; /* emit_store_bytes pads to the type's size */
	case N_BUILTIN:
		return builtin_find(n->ident.name)->fills;
	default:
		return false;
	}
}

void emit_value_to(struct cg *cg, struct node *n, const struct type *t, int base, int off)
{
	if (t->kind == T_INT)
		ir_store(cg->ir, t->size, base, off, emit_expr(cg, n));
	else
		emit_expr_to(cg, n, base, off);
}

/* ---- statements ---- */

static void emit_var_assign(struct cg *cg, struct node *n)
{
	struct var *v = var_find(cg, n->assign.target->ident.name);
	struct node *value = n->assign.value;
	if (v->vreg >= 0) {
		int x = emit_expr(cg, value);
		ir_mov(cg->ir, v->vreg, x);
		return;
	}
	if (ty(cg, value)->size < v->type->size)
		emit_zero(cg, v->base, v->slot, v->type->size);
	emit_expr_to(cg, value, v->base, v->slot);
}

static void emit_if(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	int els = ir_label_new(ir), done = ir_label_new(ir);
	emit_branch(cg, n->cond.cond, false, els);
	emit_stmts(cg, n->cond.then);
	ir_jump(ir, BPF_JA, 0, -1, 0, done);
	ir_label(ir, els);
	if (n->cond.els)
		emit_stmts(cg, n->cond.els);
	ir_label(ir, done);
}

/* The verifier proves the loop ends by walking it; no bound of our own. */
static void emit_while(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	int outer_break = cg->loop_break, outer_continue = cg->loop_continue;
	int top = ir_label_new(ir), done = ir_label_new(ir);
	cse_forget(cg, CSE_ALL);
	cg->loop_break = done;
	cg->loop_continue = top;
	ir_label(ir, top);
	emit_branch(cg, n->loop.cond, false, done);
	emit_stmts(cg, n->loop.body);
	/* the jump back is the condition's too: the verifier's "infinite
	 * loop" names whichever of the two it took last */
	struct loc outer = ir_set_loc(ir, &n->loop.cond->loc);
	ir_jump(ir, BPF_JA, 0, -1, 0, top);
	ir->loc = outer;
	ir_label(ir, done);
	cg->loop_break = outer_break;
	cg->loop_continue = outer_continue;
}

void emit_expr_to(struct cg *cg, struct node *n, int base, int off)
{
	struct ir *ir = cg->ir;
	struct loc outer = ir_set_loc(ir, &n->loc);
	emit_expr_into(cg, n, base, off);
	ir->loc = outer;
}

static void emit_statement(struct cg *cg, struct node *n)
{
	int mark = frame_mark(&cg->frame);
	switch (n->kind) {
	case N_EXPR_STMT: {
		struct node *e = n->stmt.expr;
		if (e->kind == N_CALL && func_find(e->call.name)->emit_stmt)
			func_find(e->call.name)->emit_stmt(cg, e);
		else if (ty(cg, e) && (ty(cg, e)->kind == T_INT || ty(cg, e)->kind == T_PTR))
			emit_expr(cg, e);
		break;
	}
	case N_ASSIGN:
		if (n->assign.op != OP_NONE)
			emit_compound_assign(cg, n);
		else if (n->assign.target->kind == N_MAP)
			emit_map_assign(cg, n);
		else
			emit_var_assign(cg, n);
		break;
	case N_IF:
		emit_if(cg, n);
		break;
	case N_BLOCK:
		emit_stmts(cg, n->block.stmts);
		break;
	case N_WHILE:
		emit_while(cg, n);
		break;
	case N_FOR:
		emit_for(cg, n);
		break;
	case N_UNROLL:
		for (uint64_t i = 0; i < n->loop.cond->integer.value; i++)
			emit_stmts(cg, n->loop.body);
		break;
	case N_RETURN:
		ir_jump(cg->ir, BPF_JA, 0, -1, 0, cg->exit_label);
		break;
	case N_BREAK:
		ir_jump(cg->ir, BPF_JA, 0, -1, 0, cg->loop_break);
		break;
	case N_CONTINUE:
		ir_jump(cg->ir, BPF_JA, 0, -1, 0, cg->loop_continue);
		break;
	default:
		break;
	}
	frame_release(&cg->frame, mark);
}

/* A statement's instructions are its own where no expression claims them:
 * an assignment's at its operator (where bpftrace places its helper errors). */
static void emit_stmt(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	const struct loc *at = n->kind == N_ASSIGN ? &n->assign.op_loc : n->kind == N_EXPR_STMT ? &n->stmt.expr->loc : &n->loc;
	struct loc outer = ir_set_loc(ir, at);
	emit_statement(cg, n);
	ir->loc = outer;
}

void emit_stmts(struct cg *cg, struct node *stmts)
{
	for (struct node *s = stmts; s; s = s->next)
		emit_stmt(cg, s);
}

void emit_vars_init(struct cg *cg, const struct node *scope)
{
	for (int i = 0; i < cg->nvars; i++) {
		struct var *v = &cg->vars[i];
		if (v->scope != scope)
			continue;
		if (type_is_scalar(v->type)) {
			v->vreg = ir_vreg(cg->ir);
			if (v->needs_zero)
				ir_movi(cg->ir, v->vreg, 0);
		} else {
			v->base = FP;
			v->slot = frame_alloc(&cg->frame, v->type->size);
			emit_zero(cg, FP, v->slot, v->type->size);
		}
	}
}
