/* Semantic analysis: give every expression a type, check what the language
 * forbids, and register maps and formats in the resources. Errors carry the
 * span of the offending construct and do not stop the analysis. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/btf_types.h"
#include "codegen/cg.h"

/* Errors and warnings come from the pass that reports, not the quiet one. */
static void sema_report(struct cg *cg, void (*report)(const struct loc *, const char *, ...),
			const struct loc *loc, const char *fmt, va_list ap)
{
	if (cg->quiet)
		return;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	report(loc, "%s", msg);
}

void sema_error(struct cg *cg, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sema_report(cg, diag_error, loc, fmt, ap);
	va_end(ap);
}

static void sema_warning(struct cg *cg, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sema_warning(struct cg *cg, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sema_report(cg, diag_warning, loc, fmt, ap);
	va_end(ap);
}

/* Variables of the probe are visible everywhere after their declaration,
 * those declared in a for loop's body only inside it; of two visible, the
 * first declared. */
struct var *var_find(struct cg *cg, const char *name)
{
	struct var *found = NULL;
	for (int i = name_index_newest(&cg->var_names, name); i >= 0; i = name_index_older(&cg->var_names, i)) {
		struct var *v = &cg->vars[i];
		if (!v->scope || v->scope == cg->in_for)
			found = v;
	}
	return found;
}

int int_width(struct cg *cg, const struct node *n)
{
	if (n->kind == N_VAR) {
		const struct var *v = var_find(cg, n->ident.name);
		if (v && v->int_size)
			return v->int_size;
	}
	return ty(cg, n)->size;
}

struct var *var_define(struct cg *cg, const char *name, const struct type *t)
{
	if (!(cg->nvars & (cg->nvars - 1))) /* 0, 1, 2, 4...: double the room */
		cg->vars = realloc(cg->vars, (cg->nvars ? 2 * cg->nvars : 1) * sizeof(*cg->vars));
	if (!cg->vars)
		abort();
	struct var *v = &cg->vars[cg->nvars++];
	*v = (struct var){ .name = strdup(name), .type = t, .scope = cg->in_for, .vreg = -1, .base = FP,
			   .needs_zero = cg->cond_depth > 0 };
	name_index_add(&cg->var_names, v->name);
	return v;
}

static const char *tname(const struct type *t, char *buf)
{
	type_name(t, buf, 128);
	return buf;
}

/* Integers in expressions are 64-bit, as in bpftrace: signed only when
 * both operands are (C's conversions for two 64-bit operands). */
static const struct type *arith_result(const struct type *l, const struct type *r)
{
	return type_int(8, l->is_signed && r->is_signed);
}

static bool is_comparison(enum op op)
{
	return op >= OP_EQ && op <= OP_GE;
}

const struct type *sema_agg_read(struct cg *cg, const struct node *n)
{
	if (n->kind != N_MAP)
		return NULL;
	int m = map_index(cg, n);
	return m >= 0 && cg->res->maps[m].value->kind == T_AGG ? cg->res->maps[m].value : NULL;
}

/* The condition of if() or ?: must be an integer, and not an aggregation. */
static bool sema_condition(struct cg *cg, struct node *c, const char *where, const struct loc *loc)
{
	const struct type *t = sema_expr(cg, c);
	if (!t)
		return false;
	const struct type *agg = sema_agg_read(cg, c);
	if (t->kind == T_INT && !agg)
		return true;
	sema_error(cg, loc, "Invalid condition in %s: %s", where, type_kind_name(agg ? agg : t));
	return false;
}

/* Signed as bpftrace 0.17 sees it: a literal that is not negative counts as
 * unsigned next to an unsigned operand, and in division. */
static bool signed_operand(const struct node *n, const struct type *t)
{
	return t->is_signed && !(n->kind == N_INT && (int64_t)n->integer.value >= 0);
}

/* bpftrace's warnings on operands of different signs, and on signed
 * operands of '/' and '%', which BPF divides unsigned. */
static void warn_signs(struct cg *cg, enum op op, const struct node *ln, const struct type *l,
		       const struct node *rn, const struct type *r, const struct loc *op_loc)
{
	if (l->kind != T_INT || r->kind != T_INT)
		return;
	/* signs differ, and the signed side is not a literal that converts */
	bool mixed = l->is_signed != r->is_signed && signed_operand(ln, l) != signed_operand(rn, r);
	if (mixed && (is_comparison(op) || op <= OP_MOD)) {
		char a[128], b[128];
		sema_warning(cg, op_loc, "%s integers of different signs: '%s' and '%s' can lead to undefined behavior",
			     is_comparison(op) ? "comparison of" : "arithmetic on", tname(l, a), tname(r, b));
	}
	if ((op == OP_DIV || op == OP_MOD) && (signed_operand(ln, l) || signed_operand(rn, r)))
		sema_warning(cg, op_loc, "signed operands for '%s' can lead to undefined behavior "
			     "(cast to unsigned to silence warning)", op_spelling(op));
}

/* A binary operator with a pointer operand, as C and bpftrace 0.17 allow:
 * p + i, i + p, p - i (scaled by the pointee's size) and comparisons. */
static const struct type *sema_ptr_binop(struct cg *cg, enum op op, const struct type *l, const struct type *r,
					 const struct loc *loc, const struct loc *op_loc)
{
	char a[128], b[128];
	bool left_ptr = l->kind == T_PTR;
	const struct type *ptr = left_ptr ? l : r, *other = left_ptr ? r : l;
	if (other->kind == T_PTR && is_comparison(op)) {
		if (!type_equal(l->to, r->to))
			sema_warning(cg, loc, "comparison of distinct pointer types ('%s, '%s')", tname(l->to, a),
				     tname(r->to, b));
		return &type_u64;
	}
	if (other->kind == T_INT && (op == OP_ADD || (op == OP_SUB && left_ptr)))
		return ptr;
	if (other->kind == T_INT && is_comparison(op))
		return &type_s64;
	sema_error(cg, op_loc, "The %s operator can not be used on expressions of types %s, %s", op_spelling(op),
		   tname(l, a), tname(r, b));
	return NULL;
}

/* Arrays compare with == and != only, element by element. */
static const struct type *sema_array_binop(struct cg *cg, struct node *n, const struct type *l, const struct type *r)
{
	bool ok = true;
	enum op op = n->binop.op;
	if (op != OP_EQ && op != OP_NE) {
		sema_error(cg, &n->binop.op_loc, "The %s operator cannot be used on arrays.", op_spelling(op));
		ok = false;
	}
	if (l->len != r->len) {
		sema_error(cg, &n->binop.op_loc, "%s", "Only arrays of same size support comparison operators.");
		ok = false;
	}
	if (l->to->kind != T_INT || !type_equal(l, r)) {
		sema_error(cg, &n->binop.op_loc, "%s", "Only arrays of same sized integer support comparison operators.");
		ok = false;
	}
	return ok ? &type_u64 : NULL;
}

/* bpftrace's warning for `str == "literal"` with a literal longer than
 * the string's size (its terminating NUL included, as bpftrace counts) */
static void warn_literal_longer(struct cg *cg, struct node *n, const struct type *l, const struct type *r)
{
	bool left_lit = n->binop.left->kind == N_STR, right_lit = n->binop.right->kind == N_STR;
	if (left_lit == right_lit)
		return;
	const struct node *lit = left_lit ? n->binop.left : n->binop.right;
	int size = left_lit ? r->size : l->size;
	if (lit->str.len > size)
		sema_warning(cg, &n->loc, "The literal is longer than the variable string (size=%d), condition will always be false",
			     size);
}

static const struct type *sema_binop(struct cg *cg, struct node *n)
{
	const struct type *l = sema_expr(cg, n->binop.left);
	const struct type *r = sema_expr(cg, n->binop.right);
	if (!l || !r)
		return NULL;
	enum op op = n->binop.op;
	char a[128], b[128];
	const struct type *la = sema_agg_read(cg, n->binop.left), *ra = sema_agg_read(cg, n->binop.right);
	if (la && ra) {
		sema_error(cg, &n->binop.op_loc, "The %s operator can not be used on expressions of types %s, %s",
			   op_spelling(op), tname(la, a), tname(ra, b));
		return NULL;
	}
	if (la || ra) {
		sema_error(cg, &n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_spelling(op),
			   tname(la ? la : l, a), tname(ra ? ra : r, b));
		return NULL;
	}
	if (l->kind == T_PTR || r->kind == T_PTR)
		return sema_ptr_binop(cg, op, l, r, &n->loc, &n->binop.op_loc);
	if (l->kind == T_ARRAY && r->kind == T_ARRAY)
		return sema_array_binop(cg, n, l, r);
	if (l->kind == T_STR || r->kind == T_STR) {
		if (l->kind == r->kind && op == OP_EQ)
			warn_literal_longer(cg, n, l, r);
		if (l->kind == r->kind && (op == OP_EQ || op == OP_NE))
			return &type_u64;
		sema_error(cg, &n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_spelling(op),
			   tname(l, a), tname(r, b));
		return NULL;
	}
	if (l->kind != T_INT || r->kind != T_INT) {
		sema_error(cg, &n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op_spelling(op),
			   tname(l, a), tname(r, b));
		return NULL;
	}
	warn_signs(cg, op, n->binop.left, l, n->binop.right, r, &n->binop.op_loc);
	/* a comparison's 0 or 1 is typed as arithmetic is, as bpftrace types
	 * it: (1 == 1) < -1 compares signed */
	return arith_result(l, r);
}

/* Whether member n (a field or an element) is read from user memory: a
 * pointer read there points there too, as bpftrace carries the address space. */
static bool in_user_memory(const struct cg *cg, const struct node *n)
{
	const struct node *b = n->kind == N_FIELD ? n->field.base : n->kind == N_INDEX ? n->index.base : NULL;
	if (!b || !ty(cg, b))
		return false;
	if (ty(cg, b)->kind == T_PTR)
		return ty(cg, b)->user;
	if (b->kind == N_UNOP && b->unop.op == OP_DEREF)
		return ty(cg, b->unop.operand) && ty(cg, b->unop.operand)->user;
	return in_user_memory(cg, b);
}

/* t, as a user-space pointer when it is a pointer */
static const struct type *user_pointer(const struct type *t)
{
	return t->kind == T_PTR && !t->user ? type_ptr(t->to, true) : t;
}

static const struct type *sema_field(struct cg *cg, struct node *n)
{
	const struct type *base = sema_expr(cg, n->field.base);
	if (!base)
		return NULL;
	const struct type *rec = base;
	if (rec->kind == T_PTR && rec->to && (rec->to->kind == T_RECORD || rec->to->kind == T_TUPLE))
		rec = rec->to;
	btf_complete(rec);
	if (rec->kind != T_RECORD && rec->kind != T_TUPLE) {
		char a[128];
		sema_error(cg, &n->loc, "Can not access field '%s' on expression of type '%s'", n->field.name,
			   tname(base, a));
		return NULL;
	}
	const struct field *f = type_field(rec, n->field.name);
	if (!f) {
		if (rec->kind == T_TUPLE)
			sema_error(cg, &n->loc, "Invalid tuple index: %s. Found %d elements in tuple.", n->field.name,
				   rec->nfields);
		else
			sema_error(cg, &n->loc, "Struct/union of type '%s' does not contain a field named '%s'",
				   rec->name ? rec->name : "args", n->field.name);
		return NULL;
	}
	if (f->type->kind == T_DATALOC)
		return &type_s64; /* the data's address */
	return in_user_memory(cg, n) ? user_pointer(f->type) : f->type;
}

/* The number of arguments of a call, with bpftrace's wording when wrong. */
static bool check_arg_count(struct cg *cg, const struct func *f, struct node *call)
{
	static const char *const counts[] = { "no arguments", "one argument" };
	int nargs = node_list_len(call->call.args);
	if (nargs >= f->min_args && nargs <= f->max_args)
		return true;
	if (f->min_args == f->max_args && f->min_args < 2)
		sema_error(cg, &call->loc, "%s() requires %s (%d provided)", f->name, counts[f->min_args], nargs);
	else if (f->min_args == f->max_args)
		sema_error(cg, &call->loc, "%s() requires %d arguments (%d provided)", f->name, f->min_args, nargs);
	else if (nargs < f->min_args)
		sema_error(cg, &call->loc, "%s() requires at least %s (%d provided)", f->name,
			   f->min_args < 2 ? counts[f->min_args] : "2 arguments", nargs);
	else
		sema_error(cg, &call->loc, "%s() takes up to %d arguments (%d provided)", f->name, f->max_args, nargs);
	return false;
}

static const struct type *sema_call(struct cg *cg, struct node *n)
{
	const struct func *f = func_find(n->call.name);
	if (!f) {
		sema_error(cg, &n->loc, "Unknown function: %s", n->call.name);
		return NULL;
	}
	if (!check_arg_count(cg, f, n))
		return NULL;
	if (f->is_agg) {
		sema_error(cg, &n->loc, "%s() should be directly assigned to a map", f->name);
		return NULL;
	}
	return f->check(cg, n);
}

/* sizeof() and offsetof() become integer literals. */
static const struct type *sema_constant(struct cg *cg, struct node *n)
{
	struct node *tspec = n->kind == N_SIZEOF ? n->size.tspec : n->offsetof.tspec;
	const struct type *t = NULL;
	if (tspec) {
		t = type_from_spec(&tspec->tspec);
		if (!t) {
			sema_error(cg, &n->loc, "Cannot resolve unknown type \"%s\"", tspec->tspec.name);
			return NULL;
		}
	} else if (n->size.operand->kind == N_IDENT &&
		   (t = type_from_spec(&(struct typespec){ .name = n->size.operand->ident.name }))) {
		/* sizeof(a_typedef) parses as an identifier */
	} else {
		t = sema_expr(cg, n->size.operand);
		if (!t)
			return NULL;
	}
	uint64_t value = (uint64_t)t->size;
	if (!tspec && n->size.operand->kind == N_VAR && t->kind == T_INT) {
		const struct var *v = var_find(cg, n->size.operand->ident.name);
		value = v && v->int_size ? (uint64_t)v->int_size : value;
	}
	if (n->kind == N_OFFSETOF) {
		const struct field *f = t->kind == T_RECORD ? type_field(t, n->offsetof.field) : NULL;
		if (!f) {
			sema_error(cg, &n->loc, "'%s' has no field named '%s'", tspec->tspec.name, n->offsetof.field);
			return NULL;
		}
		value = (uint64_t)f->offset;
		free(n->offsetof.field);
	}
	node_free(tspec);
	if (n->kind == N_SIZEOF)
		node_free(n->size.operand);
	n->kind = N_INT;
	n->integer.value = value;
	n->integer.is_unsigned = true;
	return &type_u64;
}

/* Whether a member access reads through a pointer (not the probe context). */
static bool through_pointer(const struct cg *cg, const struct node *n)
{
	const struct node *b = n->kind == N_FIELD ? n->field.base : n->index.base;
	if (ty(cg, b) && ty(cg, b)->kind == T_PTR)
		return !(b->kind == N_BUILTIN && !strcmp(b->ident.name, "args") && !cg->probe->emit_args);
	if (b->kind == N_UNOP && b->unop.op == OP_DEREF)
		return true; /* (*p).arr[i] */
	return (b->kind == N_FIELD || b->kind == N_INDEX) && through_pointer(cg, b);
}

/* p[i] and s->array[i]: elements of memory read through a pointer. */
static const struct type *sema_index(struct cg *cg, struct node *n)
{
	const struct type *b = sema_expr(cg, n->index.base), *i = sema_expr(cg, n->index.index);
	char a[128];
	if (!b || !i)
		return NULL;
	if (i->kind != T_INT) {
		sema_error(cg, &n->index.index->loc, "The array index must be an integer, not '%s'", tname(i, a));
		return NULL;
	}
	if (!through_pointer(cg, n)) {
		/* in BPF memory (context, stack) only constant offsets are allowed */
		struct node *idx = n->index.index;
		if (b->kind != T_ARRAY || idx->kind != N_INT) {
			sema_error(cg, &n->loc, "%s", "Indexing needs a pointer, or an array and a constant index");
			return NULL;
		}
		if (idx->integer.value >= (uint64_t)b->len) {
			sema_error(cg, &n->loc, "the index %llu is out of bounds for array of size %d",
				   (unsigned long long)idx->integer.value, b->len);
			return NULL;
		}
	}
	const struct type *to = b->kind == T_PTR ? b->to : NULL;
	if (to && (to->kind == T_INT || to->kind == T_PTR || to->kind == T_RECORD || to->kind == T_ARRAY))
		return in_user_memory(cg, n) ? user_pointer(to) : to;
	if (b->kind == T_PTR)
		return &type_u8;
	if (b->kind == T_STR)
		return &type_s8;
	if (b->kind == T_ARRAY)
		return in_user_memory(cg, n) ? user_pointer(b->to) : b->to;
	sema_error(cg, &n->loc, "The [] operator can not be used on expressions of type '%s'", tname(b, a));
	return NULL;
}

/* *p reads what p points at: an integer (an integer address reads 64 bits),
 * a pointer, or a whole struct or array; as bpftrace 0.17 words the errors. */
static const struct type *sema_deref(struct cg *cg, struct node *n, const struct type *o)
{
	char a[128];
	const struct type *to = o->kind == T_PTR ? o->to : NULL;
	if (to)
		btf_complete(to);
	if (o->kind == T_INT) {
		n->unop.size = 8;
		return &type_u64;
	}
	if (to && to->kind == T_INT) {
		n->unop.size = to->size;
		return type_int(8, to->is_signed);
	}
	if (to && to->kind == T_PTR) {
		n->unop.size = 8;
		return to->user == o->user ? to : type_ptr(to->to, o->user);
	}
	if (to && (to->kind == T_RECORD || to->kind == T_ARRAY || to->kind == T_STR)) {
		n->unop.size = to->size;
		return to;
	}
	/* bpftrace points at the '*' */
	struct loc op_loc = n->loc;
	op_loc.last_line = op_loc.first_line;
	op_loc.last_column = op_loc.first_column + 1;
	if (o->kind == T_RECORD)
		sema_error(cg, &op_loc, "Can not dereference struct/union of type '%s'. It is not a pointer.",
			   tname(o, a));
	else
		sema_error(cg, &op_loc, "The dereference operator can not be used on expressions of type '%s'",
			   tname(o, a));
	return NULL;
}

const struct type *sema_expr(struct cg *cg, struct node *n)
{
	const struct type *t = NULL;
	char a[128];
	switch (n->kind) {
	case N_INT:
		/* bpftrace types every literal int64; sizeof/offsetof are uint64 */
		t = n->integer.is_unsigned ? &type_u64 : &type_s64;
		break;
	case N_STR:
		t = type_str(n->str.len + 1);
		break;
	case N_BUILTIN: {
		const struct builtin *b = builtin_find(n->ident.name);
		if (!b)
			sema_error(cg, &n->loc, "builtin '%s' is not supported yet", n->ident.name);
		else
			t = b->type ? b->type : b->type_of(cg, n);
		break;
	}
	case N_IDENT: {
		int64_t value;
		if (!structs_enum_value(n->ident.name, &value)) {
			const char *note = structs_no_kernel_headers();
			if (note)
				sema_error(cg, &n->loc, "Unknown identifier: '%s' (%s)", n->ident.name, note);
			else
				sema_error(cg, &n->loc, "Unknown identifier: '%s'", n->ident.name);
			break;
		}
		/* an enumerator: its value */
		free(n->ident.name);
		n->kind = N_INT;
		n->integer.value = (uint64_t)value;
		n->integer.is_unsigned = false;
		t = &type_s64;
		break;
	}
	case N_VAR: {
		struct var *v = var_find(cg, n->ident.name);
		if (!v)
			sema_error(cg, &n->loc, "Undefined or undeclared variable: $%s", n->ident.name);
		else
			t = v->type;
		break;
	}
	case N_MAP: {
		int m = map_declare(cg, n, NULL, NULL);
		if (m >= 0) {
			const struct type *v = cg->res->maps[m].value;
			t = v->kind == T_AGG ? &type_s64 : v;
		} else if (cg->quiet) {
			/* read before its first assignment, as in @x = @x + 1 (bpftrace reads 0):
			 * guess an integer so the assignment defines the map for the next pass */
			t = &type_s64;
		}
		break;
	}
	case N_CALL:
		t = sema_call(cg, n);
		break;
	case N_BINOP:
		t = sema_binop(cg, n);
		break;
	case N_UNOP: {
		if (n->unop.op == OP_INC || n->unop.op == OP_DEC) {
			t = sema_update_target(cg, n->unop.operand, op_spelling(n->unop.op), &n->loc);
			break;
		}
		const struct type *o = sema_expr(cg, n->unop.operand);
		if (!o)
			break;
		if (n->unop.op == OP_DEREF) {
			t = sema_deref(cg, n, o);
			break;
		}
		if (n->unop.op == OP_ADDR) {
			sema_error(cg, &n->loc, "operator '%s' is not supported yet", op_spelling(n->unop.op));
			break;
		}
		const struct type *agg = sema_agg_read(cg, n->unop.operand);
		if (agg || o->kind != T_INT) {
			/* bpftrace points at the operator only */
			struct loc op_loc = n->loc;
			op_loc.last_line = op_loc.first_line;
			op_loc.last_column = op_loc.first_column + (int)strlen(op_spelling(n->unop.op));
			sema_error(cg, &op_loc, "The %s operator can not be used on expressions of type '%s'",
				   op_spelling(n->unop.op), tname(agg ? agg : o, a));
			break;
		}
		t = n->unop.op == OP_LNOT ? &type_u64 : type_int(8, o->is_signed);
		/* - and ~ of a narrower unsigned value keep its width, as bpftrace
		 * computes them: ~(uint32)0 is 4294967295 */
		if ((n->unop.op == OP_NEG || n->unop.op == OP_BNOT) && !o->is_signed)
			n->unop.size = int_width(cg, n->unop.operand);
		break;
	}
	case N_TERNARY: {
		bool c = sema_condition(cg, n->ternary.cond, "ternary", &n->loc);
		const struct type *l = sema_expr(cg, n->ternary.then);
		const struct type *r = sema_expr(cg, n->ternary.els);
		if (!c || !l || !r)
			break;
		if (l->kind != r->kind || (l->kind != T_INT && l->kind != T_STR)) {
			char b[128];
			sema_error(cg, &n->loc, "Ternary operator must return the same type: have '%s' and '%s'",
				   tname(l, a), tname(r, b));
			break;
		}
		/* an integer is signed as the first branch is, as bpftrace has it */
		t = l->kind == T_INT ? type_int(8, l->is_signed) : (l->size >= r->size ? l : r);
		break;
	}
	case N_FIELD:
		t = sema_field(cg, n);
		break;
	case N_TUPLE: {
		const struct type *elems[32];
		int k = 0;
		bool ok = true;
		for (struct node *e = n->tuple.elems; e; e = e->next) {
			const struct type *et = sema_expr(cg, e);
			if (!et || et->kind == T_NONE || et->kind == T_AGG || k == 32) {
				if (et)
					sema_error(cg, &e->loc, "%s", "Invalid value in a tuple");
				ok = false;
				continue;
			}
			elems[k++] = et->kind == T_INT ? type_int(8, et->is_signed) : et;
		}
		if (ok)
			t = type_tuple(elems, k);
		break;
	}
	case N_CAST: {
		const struct type *o = sema_expr(cg, n->cast.operand);
		const struct typespec *ts = &n->cast.tspec->tspec;
		const struct type *to = type_from_spec(ts);
		if (!o)
			break;
		if (!to) {
			/* bpftrace 0.17's words for any type it does not know */
			sema_error(cg, &n->cast.tspec->loc, "Unknown struct/union: '%s'", ts->name);
			break;
		}
		const struct type *agg = sema_agg_read(cg, n->cast.operand);
		if (agg) {
			sema_error(cg, &n->cast.head, "Casts are not supported for type: \"%s\"", tname(agg, a));
			break;
		}
		if ((o->kind != T_INT && o->kind != T_PTR) || (to->kind != T_INT && to->kind != T_PTR)) {
			/* bpftrace 0.17's wording; it points at the "(type)" */
			const struct loc l = n->cast.head;
			if (o->kind == T_RECORD)
				sema_error(cg, &l, "Cannot cast from struct type \"%s\"", tname(o, a));
			else if (o->kind == T_NONE)
				sema_error(cg, &l, "%s", "Cannot cast from \"none\" type");
			if (to->kind == T_RECORD)
				sema_error(cg, &n->loc, "Cannot cast to struct type \"%s\"", tname(to, a));
			else if (o->kind != T_RECORD && o->kind != T_NONE)
				sema_error(cg, &l, "Casts are not supported for type: \"%s\"", tname(o, a));
			break;
		}
		/* a pointer cast keeps the address space of what it casts */
		const struct node *op = n->cast.operand;
		bool kernel = op->kind == N_BUILTIN && builtin_kernel_address(op->ident.name);
		if (to->kind == T_PTR && (o->kind == T_PTR ? o->user : !kernel && user_space_probe(cg)))
			to = type_ptr(to->to, true);
		t = to;
		break;
	}
	case N_SIZEOF:
	case N_OFFSETOF:
		t = sema_constant(cg, n);
		break;
	case N_INDEX:
		t = sema_index(cg, n);
		break;
	default:
		sema_error(cg, &n->loc, "this expression is not supported yet");
		break;
	}
	ty_set(cg, n, t);
	return t;
}

/* The target of ++, -- or a compound assignment: an integer variable or map
 * (a new map becomes an int64 map). */
const struct type *sema_update_target(struct cg *cg, struct node *target, const char *op, const struct loc *loc)
{
	const struct type *t;
	char a[128];
	if (target->kind == N_MAP) {
		int m = map_index(cg, target);
		if (m < 0) {
			if (map_declare(cg, target, &type_s64, NULL) < 0)
				return NULL;
			return ty_set(cg, target, &type_s64);
		}
		const struct type *v = cg->res->maps[m].value;
		if (v->kind == T_AGG) {
			sema_error(cg, loc, "The %s operator can not be used on expressions of type '%s'", op, tname(v, a));
			return NULL;
		}
		t = sema_expr(cg, target);
	} else if (target->kind == N_VAR) {
		t = sema_expr(cg, target);
	} else {
		sema_error(cg, loc, "The %s operator can only be used on variables and maps", op);
		return NULL;
	}
	bool steps = !strcmp(op, "++") || !strcmp(op, "--") || !strcmp(op, "+=") || !strcmp(op, "-=");
	if (t && t->kind != T_INT && !(t->kind == T_PTR && steps)) {
		sema_error(cg, loc, "The %s operator can not be used on expressions of type '%s'", op, tname(t, a));
		return NULL;
	}
	return t;
}

static void sema_assign(struct cg *cg, struct node *n)
{
	struct node *target = n->assign.target, *value = n->assign.value;
	if (n->assign.op != OP_NONE) {
		const struct type *t = sema_expr(cg, value);
		const struct var *v = target->kind == N_VAR ? var_find(cg, target->ident.name) : NULL;
		const struct type *tt = v ? v->type : target->kind == N_MAP && map_index(cg, target) >= 0
			? cg->res->maps[map_index(cg, target)].value : NULL;
		if (t && tt && tt->kind == T_PTR) {
			/* p += i is p = p + i: when that fails, bpftrace also reports
			 * the assignment of its result, of no type */
			char b[128];
			if (sema_expr(cg, target) && !sema_ptr_binop(cg, n->assign.op, tt, t, &n->loc, &n->assign.op_loc)
			    && v)
				sema_error(cg, &n->loc, "Type mismatch for $%s: trying to assign value of type 'none' when "
					   "variable already contains a value of type '%s'", v->name, tname(tt, b));
			return;
		}
		if (t && t->kind != T_INT) {
			char a[128];
			sema_error(cg, &value->loc, "Type mismatch for '%s=': the value must be an integer, not '%s'",
				   op_spelling(n->assign.op), tname(t, a));
			return;
		}
		if (t) {
			char op[8];
			snprintf(op, sizeof(op), "%s=", op_spelling(n->assign.op));
			const struct type *tt = sema_update_target(cg, target, op, &n->loc);
			if (tt)
				warn_signs(cg, n->assign.op, target, tt, value, t, &n->assign.op_loc);
		}
		return;
	}
	if (target->kind == N_MAP) {
		const struct func *f = value->kind == N_CALL ? func_find(value->call.name) : NULL;
		if (f && f->is_agg) {
			if (!check_arg_count(cg, f, value))
				return;
			const struct type *agg = f->check(cg, value);
			if (agg)
				map_declare(cg, target, agg, value);
			return;
		}
		const struct type *t = sema_expr(cg, value);
		if (!t)
			return;
		if (t->kind == T_NONE) {
			sema_error(cg, &value->loc, "%s() does not return a value", value->call.name);
			return;
		}
		map_declare(cg, target, t->kind == T_INT ? type_int(8, t->is_signed) : t, NULL);
		return;
	}
	if (target->kind != N_VAR) {
		sema_error(cg, &target->loc, "assignment to this expression is not supported");
		return;
	}
	const struct type *t = sema_expr(cg, value);
	if (!t) {
		/* known but untyped: its uses report nothing more */
		if (!var_find(cg, target->ident.name))
			var_define(cg, target->ident.name, NULL);
		return;
	}
	if (t->kind == T_NONE || t->kind == T_AGG) {
		sema_error(cg, &value->loc, "Value of type '%s' can not be assigned to a variable",
			   value->kind == N_CALL ? value->call.name : "none");
		return;
	}
	int int_size = t->kind == T_INT ? t->size : 0;
	if (t->kind == T_INT)
		t = type_int(8, t->is_signed);
	struct var *v = var_find(cg, target->ident.name);
	if (!v) {
		v = var_define(cg, target->ident.name, t);
		v->int_size = int_size;
	} else if (!v->type) {
		v->type = t;
		v->int_size = int_size;
	} else if (v->type->kind != t->kind || (t->kind != T_INT && !type_unify(v->type, t))) {
		char a[128], b[128];
		sema_error(cg, &n->loc,
			   "Type mismatch for $%s: trying to assign value of type '%s' when variable already contains a value of type '%s'",
			   target->ident.name, tname(t, a), tname(v->type, b));
		return;
	} else if (t->kind != T_INT) {
		v->type = type_unify(v->type, t);
	}
	ty_set(cg, target, v->type);
}

static void sema_stmt(struct cg *cg, struct node *n)
{
	switch (n->kind) {
	case N_EXPR_STMT:
		if (n->stmt.expr->kind == N_CALL) {
			const struct func *f = func_find(n->stmt.expr->call.name);
			if (f && f->is_agg) {
				sema_error(cg, &n->stmt.expr->loc, "%s() should be directly assigned to a map", f->name);
				return;
			}
		}
		sema_expr(cg, n->stmt.expr);
		break;
	case N_ASSIGN:
		sema_assign(cg, n);
		break;
	case N_IF:
		sema_condition(cg, n->cond.cond, "if()", &n->cond.cond->loc);
		cg->cond_depth++;
		sema_stmts(cg, n->cond.then);
		if (n->cond.els)
			sema_stmts(cg, n->cond.els);
		cg->cond_depth--;
		break;
	case N_BLOCK:
		sema_stmts(cg, n->block.stmts);
		break;
	case N_WHILE:
		if (sema_expr(cg, n->loop.cond) && ty(cg, n->loop.cond)->kind != T_INT)
			sema_error(cg, &n->loop.cond->loc, "%s", "Invalid condition in while(): must be an integer");
		cg->loop_depth++;
		cg->cond_depth++;
		sema_stmts(cg, n->loop.body);
		cg->cond_depth--;
		cg->loop_depth--;
		break;
	case N_UNROLL: {
		struct node *c = n->loop.cond;
		if (c->kind != N_INT || c->integer.value < 1 || c->integer.value > 100)
			sema_error(cg, &c->loc, "%s", c->kind != N_INT ? "unroll() expects an integer literal"
					: c->integer.value < 1 ? "unroll minimum value is 1" : "unroll maximum value is 100");
		cg->cond_depth++;
		sema_stmts(cg, n->loop.body);
		cg->cond_depth--;
		break;
	}
	case N_FOR:
		sema_for(cg, n);
		break;
	case N_RETURN:
		if (cg->in_for)
			sema_error(cg, &n->loc, "%s", "'return' statement is not allowed in a for-loop");
		else if (n->stmt.expr)
			sema_error(cg, &n->stmt.expr->loc, "%s", "return with a value is only allowed in subprograms");
		break;
	case N_BREAK:
	case N_CONTINUE:
		if (!cg->loop_depth)
			sema_error(cg, &n->loc, "%s used outside of a loop", n->kind == N_BREAK ? "break" : "continue");
		break;
	default:
		sema_error(cg, &n->loc, "this statement is not supported yet");
		break;
	}
}

void sema_stmts(struct cg *cg, struct node *stmts)
{
	for (struct node *s = stmts; s; s = s->next)
		sema_stmt(cg, s);
}
