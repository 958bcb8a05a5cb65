/* bswap(), strcontains() and debugf(), as bpftrace 0.17 has them. */
#include <string.h>

#include "codegen/cg.h"
#include "util/fmtspec.h"

#define PRINTK_MAX_ARGS 3 /* bpf_trace_printk takes at most three values */

static void type_error(struct cg *cg, const struct node *call, const char *what, const struct type *t)
{
	sema_error(cg, &call->loc, "%s() only supports %s arguments (%s provided)", call->call.name, what,
		   type_kind_name(t));
}

/* ---- bswap(n): the bytes of an integer reversed, unsigned of its width ---- */

static const struct type *check_bswap(struct cg *cg, struct node *call)
{
	const struct type *t = sema_expr(cg, call->call.args);
	if (!t)
		return NULL;
	if (t->kind != T_INT) {
		type_error(cg, call, "integer", t);
		return NULL;
	}
	return type_int(int_width(cg, call->call.args), false);
}

static int emit_bswap(struct cg *cg, struct node *call)
{
	int v = emit_expr(cg, call->call.args), size = ty(cg, call)->size;
	if (size == 1)
		ir_alui(cg->ir, BPF_AND, v, 0xff);
	else /* to big endian from the little endian of x86: a swap, zero-extended */
		ir_emit(cg->ir, insn(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, size * 8), v, 0);
	return v;
}

/* ---- strcontains(haystack, needle) ---- */

static const struct type *check_strcontains(struct cg *cg, struct node *call)
{
	bool ok = true;
	for (struct node *a = call->call.args; a; a = a->next) {
		const struct type *t = sema_expr(cg, a);
		if (!t) {
			ok = false;
		} else if (t->kind != T_STR) {
			type_error(cg, call, "string", t);
			ok = false;
		}
	}
	return ok ? &type_u64 : NULL;
}

/* One string operand: a literal's bytes are immediates, any other string
 * is written to a frame slot first. */
struct str_operand {
	const struct node *lit;
	int slot, size;
};

static struct str_operand str_operand(struct cg *cg, struct node *n)
{
	struct str_operand o = { .size = ty(cg, n)->size };
	if (n->kind == N_STR) {
		o.lit = n;
	} else {
		o.slot = frame_alloc(&cg->frame, o.size);
		emit_expr_to(cg, n, FP, o.slot);
	}
	return o;
}

/* Byte i of a string operand: its value when a literal (-1 if not), else
 * loaded into reg. */
static int str_byte(struct cg *cg, const struct str_operand *o, int i, int reg)
{
	if (o->lit)
		return i < o->lit->str.len ? (unsigned char)o->lit->str.bytes[i] : 0;
	ir_load(cg->ir, 1, reg, FP, o->slot + i);
	return -1;
}

/* Jump to label when byte a differs from byte b (each a constant or in its register). */
static void jump_if_differ(struct cg *cg, int a, int ra, int b, int rb, int label)
{
	if (a >= 0 && b >= 0) {
		if (a != b)
			ir_jump(cg->ir, BPF_JA, 0, -1, 0, label);
	} else if (a >= 0 || b >= 0) {
		ir_jump(cg->ir, BPF_JNE, a >= 0 ? rb : ra, -1, a >= 0 ? a : b, label);
	} else {
		ir_jump(cg->ir, BPF_JNE, ra, rb, 0, label);
	}
}

/* bpftrace's loop, unrolled: at each start j (while the needle's buffer
 * fits in what is left of the haystack's), compare the needle byte by byte;
 * its NUL means found; a whole needle without NUL ends the search at a
 * NUL of the haystack. */
static int emit_strcontains(struct cg *cg, struct node *call)
{
	struct ir *ir = cg->ir;
	struct node *hay_n = call->call.args, *needle_n = hay_n->next;
	int r = ir_vreg(ir);
	if (hay_n->kind == N_STR && needle_n->kind == N_STR) {
		ir_movi(ir, r, strstr(hay_n->str.bytes, needle_n->str.bytes) != NULL);
		return r;
	}
	int mark = frame_mark(&cg->frame);
	struct str_operand hay = str_operand(cg, hay_n), needle = str_operand(cg, needle_n);
	int found = ir_label_new(ir), not_found = ir_label_new(ir);
	int h = ir_vreg(ir), c = ir_vreg(ir), first = ir_vreg(ir);
	for (int j = 0; hay.size >= needle.size && j <= hay.size - needle.size; j++) {
		int next = ir_label_new(ir);
		bool ended = false;
		for (int i = 0; i < needle.size && !ended; i++) {
			int nb = str_byte(cg, &needle, i, c);
			if (nb == 0) {
				ir_jump(ir, BPF_JA, 0, -1, 0, found);
				ended = true;
				break;
			}
			if (nb < 0)
				ir_jump(ir, BPF_JEQ, c, -1, 0, found);
			jump_if_differ(cg, str_byte(cg, &hay, i + j, h), h, nb, c, next);
		}
		if (!ended) {
			int hb = str_byte(cg, &hay, j, first);
			if (hb == 0)
				ir_jump(ir, BPF_JA, 0, -1, 0, not_found);
			else if (hb < 0)
				ir_jump(ir, BPF_JEQ, first, -1, 0, not_found);
		}
		ir_label(ir, next);
	}
	ir_label(ir, not_found);
	ir_join_values(ir, r, 0, found, 1);
	frame_release(&cg->frame, mark);
	return r;
}

/* ---- debugf(fmt, ...): bpf_trace_printk, to the kernel's trace buffer ---- */

/* The conversions bpf_trace_printk takes (bcc's list, as bpftrace's). */
static const char *const printk_keys[] = { "d", "u", "x", "ld", "lu", "lx", "lld", "llu", "llx", "p", "s" };

static bool printk_key(const struct fmtspec *s)
{
	for (size_t i = 0; i < sizeof(printk_keys) / sizeof(printk_keys[0]); i++)
		if (strlen(printk_keys[i]) == s->key_len && !strncmp(printk_keys[i], s->key, s->key_len))
			return true;
	return false;
}

static bool check_debugf_args(struct cg *cg, struct node *call)
{
	struct node *fmt = call->call.args;
	int n = 0;
	bool ok = true;
	for (struct node *a = fmt->next; a; a = a->next, n++)
		ok &= sema_expr(cg, a) != NULL;
	if (!ok)
		return false;
	int want = fmtspec_count(fmt->str.bytes);
	if (n != want) {
		sema_error(cg, &call->loc, "debugf: %s arguments for format string (%d supplied, %d expected)",
			   n < want ? "Not enough" : "Too many", n, want);
		return false;
	}
	if (n > PRINTK_MAX_ARGS) {
		sema_error(cg, &call->loc, "debugf: Cannot use more than %d conversion specifiers", PRINTK_MAX_ARGS);
		return false;
	}
	struct fmtspec s;
	const char *p = fmt->str.bytes;
	for (struct node *a = fmt->next; a && fmtspec_next(p, &s); a = a->next, p = s.end) {
		if (!printk_key(&s)) {
			sema_error(cg, &call->loc, "debugf: Unknown format string token: %%%.*s", (int)s.key_len, s.key);
			return false;
		}
		const char *have = printf_kind(cg, a), *want_kind = *s.key == 's' ? "string" : "integer";
		if (strcmp(have, want_kind)) {
			sema_error(cg, &call->loc, "debugf: %%%.*s specifier expects a value of type %s (%s supplied)",
				   (int)s.key_len, s.key, want_kind, have);
			return false;
		}
	}
	return true;
}

static const struct type *check_debugf(struct cg *cg, struct node *call)
{
	struct node *fmt = call->call.args;
	if (fmt->kind != N_STR) {
		const struct type *t = sema_expr(cg, fmt);
		if (t)
			sema_error(cg, &call->loc, "debugf() expects a string literal (%s provided)", type_kind_name(t));
		return NULL;
	}
	/* bpftrace's final pass warns, then reports what is wrong with the arguments */
	if (!cg->quiet)
		diag_warning(&call->loc, "%s", "The debugf() builtin is not recommended for production use. "
			     "For more information see bpf_trace_printk in bpf-helpers(7).");
	return check_debugf_args(cg, call) ? &type_none : NULL;
}

/* The format on the stack, then strings by address and the rest by value. */
static void emit_debugf(struct cg *cg, struct node *call)
{
	struct ir *ir = cg->ir;
	struct node *fmt = call->call.args;
	int size = fmt->str.len + 1, vals[PRINTK_MAX_ARGS], n = 0;
	int slot = frame_alloc(&cg->frame, size);
	emit_store_bytes(cg, FP, slot, fmt->str.bytes, fmt->str.len, size);
	for (struct node *a = fmt->next; a && n < PRINTK_MAX_ARGS; a = a->next, n++) {
		vals[n] = ir_vreg(ir);
		if (type_is_scalar(ty(cg, a))) {
			ir_mov(ir, vals[n], emit_expr(cg, a));
		} else {
			int s = frame_alloc(&cg->frame, ty(cg, a)->size);
			emit_expr_to(cg, a, FP, s);
			emit_addr(cg, vals[n], FP, s);
		}
	}
	emit_addr(cg, R1, FP, slot);
	ir_movi(ir, R2, size);
	for (int i = 0; i < n; i++)
		ir_mov(ir, R3 + i, vals[i]);
	ir_call(ir, BPF_FUNC_trace_printk);
}

const struct func misc_funcs[] = {
	{ .name = "bswap", .min_args = 1, .max_args = 1, .check = check_bswap, .emit = emit_bswap },
	{ .name = "strcontains", .min_args = 2, .max_args = 2, .check = check_strcontains, .emit = emit_strcontains },
	{ .name = "debugf", .min_args = 1, .max_args = 129, .check = check_debugf, .emit_stmt = emit_debugf },
	{ .name = NULL },
};
