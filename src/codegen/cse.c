/* Values computed once per run of a program and used again where they are
 * the same: a map read with the same key (until the map is written), and a
 * builtin that does not change during a run (pid, tid, cpu, ...). The
 * read-latency pair's `/@s[tid]/ { ... nsecs - @s[tid] ... }` makes one
 * lookup instead of two, and asks for tid once.
 *
 * A value is used again only where its computation is on every path there
 * (ir_dominates: no jump from before it lands after it); a loop forgets
 * everything, as a later write in its body changes what an earlier read of
 * the next trip would see. Another CPU may write the map meanwhile: reading
 * it once or twice races with that writer either way. */
#include <string.h>

#include "codegen/cg.h"

/* Whether evaluating a and b anywhere in one run gives the same value:
 * literals, per-run builtins, and operators on them (not ++, --, * or &). */
static bool same_value(const struct node *a, const struct node *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case N_INT:
		return a->integer.value == b->integer.value;
	case N_STR:
		return a->str.len == b->str.len && !memcmp(a->str.bytes, b->str.bytes, (size_t)a->str.len);
	case N_BUILTIN: {
		const struct builtin *f = builtin_find(a->ident.name);
		return f && f->per_run && !strcmp(a->ident.name, b->ident.name);
	}
	case N_TUPLE: {
		const struct node *x = a->tuple.elems, *y = b->tuple.elems;
		for (; x && y; x = x->next, y = y->next)
			if (!same_value(x, y))
				return false;
		return !x && !y;
	}
	case N_BINOP:
		return a->binop.op == b->binop.op && same_value(a->binop.left, b->binop.left) &&
		       same_value(a->binop.right, b->binop.right);
	case N_UNOP:
		return a->unop.op == b->unop.op && (a->unop.op == OP_NEG || a->unop.op == OP_LNOT || a->unop.op == OP_BNOT) &&
		       same_value(a->unop.operand, b->unop.operand);
	default: /* a map read among them may differ: only its own map's writes are seen */
		return false;
	}
}

/* A map read (with a key that is the same everywhere) or a per-run builtin */
static bool same_read(const struct node *a, const struct node *b)
{
	if (a->kind == N_MAP)
		return b->kind == N_MAP && !strcmp(a->map.name, b->map.name) && same_value(a->map.key, b->map.key);
	return same_value(a, b);
}

int cse_reuse(struct cg *cg, const struct node *expr)
{
	for (int i = 0; i < cg->ncse; i++) {
		struct cse_value *c = &cg->cse[i];
		if (c->ir != cg->ir || !same_read(c->expr, expr))
			continue;
		if (!ir_dominates(cg->ir, c->pos, &c->checked)) {
			*c = cg->cse[--cg->ncse];
			return -1;
		}
		int v = ir_vreg(cg->ir);
		ir_mov(cg->ir, v, c->vreg);
		return v;
	}
	return -1;
}

void cse_keep(struct cg *cg, const struct node *expr, int map, int vreg)
{
	if (!same_read(expr, expr))
		return; /* a key that may differ where it is evaluated again */
	if (cg->ncse == CSE_MAX) /* the oldest goes */
		memmove(cg->cse, cg->cse + 1, (CSE_MAX - 1) * sizeof(cg->cse[0]));
	else
		cg->ncse++;
	struct cse_value *c = &cg->cse[cg->ncse - 1];
	*c = (struct cse_value){ .expr = expr, .map = map, .ir = cg->ir, .vreg = ir_vreg(cg->ir) };
	ir_mov(cg->ir, c->vreg, vreg);
	c->pos = c->checked = cg->ir->len; /* the copy is the computation's end */
}

void cse_forget(struct cg *cg, int map)
{
	int kept = 0;
	for (int i = 0; i < cg->ncse; i++)
		if (map != CSE_ALL && cg->cse[i].map != map)
			cg->cse[kept++] = cg->cse[i];
	cg->ncse = kept;
}
