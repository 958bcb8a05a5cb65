/* for ($kv : @map) { body }: the body becomes a callback function that
 * bpf_for_each_map_elem calls for every element; break returns 1 from it
 * (stop), continue and the end of the body return 0 (go on).
 *
 * $kv is a tuple (key, value) copied into the callback's frame. The
 * callback's context pointer is the main function's frame pointer, so the
 * probe's variables in memory stay where they are; scalar variables live
 * in registers, so they pass through frame slots stored before the call
 * and loaded back after it: the body may read and assign both. The probe
 * context pointer passes the same way (for args, kstack, ...).
 *
 * Aggregation maps are per-CPU and the callback sees this CPU's value
 * only: $kv.1 folds every CPU's value with bpf_map_lookup_percpu_elem, as
 * the map printer does, so it is the count, sum, min, max or average the
 * map prints. hist, lhist and stats hold several values and are rejected. */
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"

/* The type of $kv, or NULL after an error. */
static const struct type *element_type(struct cg *cg, struct node *map)
{
	if (map->map.key) {
		sema_error(cg, &map->loc, "%s", "Loop expression must be a map, not a map element");
		return NULL;
	}
	int idx = map_index(cg, map);
	if (idx < 0) {
		sema_error(cg, &map->loc, "Undefined map: @%s", map->map.name);
		return NULL;
	}
	const struct map_res *m = &cg->res->maps[idx];
	const struct type *value = m->value;
	if (value->kind == T_AGG) {
		char name[128];
		type_name(value, name, sizeof(name));
		if (value->agg == AGG_STATS || value->agg == AGG_HIST || value->agg == AGG_LHIST) {
			sema_error(cg, &map->loc, "Loop expression does not support type: %s", name);
			return NULL;
		}
		int ncpus = libbpf_num_possible_cpus();
		if (ncpus < 1) {
			sema_error(cg, &map->loc, "Can not count the possible CPUs to fold %s values: %s", name,
				   strerror(-ncpus));
			return NULL;
		}
		value = &type_s64;
	}
	ty_set(cg, map, m->value);
	const struct type *elems[2] = { m->key ? m->key : &type_s64, value };
	return type_tuple(elems, 2);
}

/* After an error $kv is known but untyped: the body is still analysed
 * (it may declare maps) without more errors about it. */
void sema_for(struct cg *cg, struct node *n)
{
	struct node *decl = n->foreach.var;
	if (cg->in_for) {
		sema_error(cg, &n->loc, "%s", "Nested for loops are not supported yet");
		return;
	}
	if (var_find(cg, decl->ident.name)) {
		sema_error(cg, &decl->loc, "Loop declaration shadows existing variable: $%s", decl->ident.name);
		return;
	}
	cg->in_for = n;
	ty_set(cg, decl, element_type(cg, n->foreach.map));
	/* the body is its own function, which runs its declarations in order */
	int cond_depth = cg->cond_depth;
	cg->cond_depth = 0;
	var_define(cg, decl->ident.name, ty(cg, decl));
	cg->loop_depth++;
	sema_stmts(cg, n->foreach.body);
	cg->loop_depth--;
	cg->cond_depth = cond_depth;
	cg->in_for = NULL;
}

/* What the body needs from the probe around it. */
struct body_uses {
	bool *vars;  /* per probe variable: read or assigned in the body */
	bool exit;   /* exit() ends the probe, not only the loop */
};

static void find_uses(struct cg *cg, const struct node *list, struct body_uses *u)
{
	for (const struct node *n = list; n; n = n->next) {
		struct var *v = n->kind == N_VAR ? var_find(cg, n->ident.name) : NULL;
		if (v)
			u->vars[v - cg->vars] = true;
		if (n->kind == N_CALL && !strcmp(n->call.name, "exit"))
			u->exit = true;
		struct node *kids[3];
		int nk = node_children(n, kids);
		for (int k = 0; k < nk; k++)
			find_uses(cg, kids[k], u);
	}
}

/* The frame slots the main function passes values through. */
struct for_slots {
	int ctx;     /* the probe context pointer */
	int *vars;   /* per scalar probe variable used in the body, else 0 */
	int exit;    /* set by exit() in the body, or 0 */
};

/* $kv = (key, value) from the callback's key and value pointers. */
static void emit_element(struct cg *cg, struct node *n, const struct var *kv, int key, int val)
{
	int idx = map_index(cg, n->foreach.map);
	const struct map_res *m = &cg->res->maps[idx];
	int val_off = kv->slot + kv->type->fields[1].offset;
	emit_copy(cg, FP, kv->slot, key, 0, m->key_size);
	if (m->value->kind == T_AGG)
		ir_store(cg->ir, 8, FP, val_off, emit_agg_read(cg, idx, kv->slot));
	else
		emit_copy(cg, FP, val_off, val, 0, m->value_size);
}

static struct var *loop_var(struct cg *cg, struct node *n)
{
	const struct node *outer = cg->in_for;
	cg->in_for = n;
	struct var *kv = var_find(cg, n->foreach.var->ident.name);
	cg->in_for = outer;
	return kv;
}

/* The callback: cb(map, key, value, ctx = main's r10). Emitted with its own
 * IR and frame in place of the main function's, which are restored after;
 * returns its function number. */
static int emit_callback(struct cg *cg, struct node *n, const struct body_uses *u, const struct for_slots *s)
{
	struct cg outer = *cg;
	struct var *vars = malloc(cg->nvars * sizeof(*vars));
	if (!vars)
		abort();
	memcpy(vars, cg->vars, cg->nvars * sizeof(*vars));
	struct ir_func cb = { 0 };
	ir_init(&cb.ir);
	struct ir *ir = cg->ir = &cb.ir;
	cg->frame = cb.frame;
	cg->in_for = n;

	int key = ir_vreg(ir), val = ir_vreg(ir), fp = ir_vreg(ir), ret = ir_vreg(ir);
	ir_mov(ir, key, R2);
	ir_mov(ir, val, R3);
	ir_mov(ir, fp, R4);
	cg->ctx = ir_vreg(ir);
	ir_load(ir, 8, cg->ctx, fp, s->ctx);
	for (int i = 0; i < cg->nvars; i++) {
		struct var *v = &cg->vars[i];
		if (s->vars[i]) {
			v->vreg = ir_vreg(ir);
			ir_load(ir, 8, v->vreg, fp, s->vars[i]);
		} else if (u->vars[i]) {
			v->base = fp;
		}
	}
	emit_vars_init(cg, n);
	emit_element(cg, n, loop_var(cg, n), key, val);

	int next = ir_label_new(ir), stop = ir_label_new(ir);
	cg->loop_continue = next;
	cg->loop_break = stop;
	cg->exit_label = s->exit ? ir_label_new(ir) : -1;
	emit_stmts(cg, n->foreach.body);
	ir_label(ir, next);
	ir_join_values(ir, ret, 0, stop, 1);
	for (int i = 0; i < cg->nvars; i++)
		if (s->vars[i])
			ir_store(ir, 8, fp, s->vars[i], cg->vars[i].vreg);
	ir_mov(ir, R0, ret);
	ir_emit(ir, EXIT_INSN(), 0, 0);
	if (s->exit) {
		ir_label(ir, cg->exit_label);
		ir_storei(ir, 8, fp, s->exit, 1);
		ir_movi(ir, R0, 1);
		ir_emit(ir, EXIT_INSN(), 0, 0);
	}
	ir_prune_unreachable(ir);
	ir_prune_dead(ir);
	ir_peephole(ir);
	cb.frame = cg->frame;

	memcpy(cg->vars, vars, cg->nvars * sizeof(*vars));
	free(vars);
	outer.subprogs = realloc(cg->subprogs, (cg->nsubprogs + 1) * sizeof(*cg->subprogs));
	if (!outer.subprogs)
		abort();
	outer.nsubprogs = cg->nsubprogs;
	outer.subprogs[outer.nsubprogs++] = cb;
	*cg = outer;
	return cg->nsubprogs; /* function 0 is main */
}

void emit_for(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	struct body_uses u = { .vars = calloc(cg->nvars + 1, sizeof(bool)) };
	struct for_slots s = { .vars = calloc(cg->nvars + 1, sizeof(int)) };
	if (!u.vars || !s.vars)
		abort();
	find_uses(cg, n->foreach.body, &u);

	ir_note(ir, "for ($%s : @%s)", n->foreach.var->ident.name, n->foreach.map->map.name);
	s.ctx = frame_alloc(&cg->frame, 8);
	ir_store(ir, 8, FP, s.ctx, cg->ctx);
	for (int i = 0; i < cg->nvars; i++) {
		if (u.vars[i] && type_is_scalar(cg->vars[i].type)) {
			s.vars[i] = frame_alloc(&cg->frame, 8);
			ir_store(ir, 8, FP, s.vars[i], cg->vars[i].vreg);
		}
	}
	if (u.exit) {
		s.exit = frame_alloc(&cg->frame, 8);
		ir_storei(ir, 8, FP, s.exit, 0);
	}
	int func = emit_callback(cg, n, &u, &s);
	cse_forget(cg, CSE_ALL); /* the body may write any map (emit_callback gave back the state before it) */

	ir_map(ir, R1, map_index(cg, n->foreach.map));
	ir_func(ir, R2, func);
	ir_mov(ir, R3, FP);
	ir_movi(ir, R4, 0);
	ir_call(ir, BPF_FUNC_for_each_map_elem);
	for (int i = 0; i < cg->nvars; i++)
		if (s.vars[i])
			ir_load(ir, 8, cg->vars[i].vreg, FP, s.vars[i]);
	if (u.exit) {
		int quit = ir_vreg(ir);
		ir_load(ir, 8, quit, FP, s.exit);
		ir_jump(ir, BPF_JNE, quit, -1, 0, cg->exit_label);
	}
	free(u.vars);
	free(s.vars);
}
