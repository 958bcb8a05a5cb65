/* The compiler driver: plan one BPF program per attach point (or per target
 * when the body needs to know which target fired), type check every program,
 * then emit IR and lower it to BPF instructions. */
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"
#include "codegen/disasm.h"
#include "runtime/provider.h"

static struct prog *prog_new(struct compiled *c)
{
	c->progs = realloc(c->progs, (c->nprogs + 1) * sizeof(*c->progs));
	if (!c->progs)
		abort();
	struct prog *p = &c->progs[c->nprogs++];
	memset(p, 0, sizeof(*p));
	return p;
}

static char *probe_name(const struct attach_spec *spec, const char *target)
{
	char *name;
	if (asprintf(&name, "%s%s%s", spec->provider_name, *target ? ":" : "", target) < 0)
		abort();
	return name;
}

/* Programs for one probe: per attach point, per target when the body asks
 * for `args` or `probe` (their value depends on the target). */
static int plan_probe(struct compiled *c, struct node *probe)
{
	bool per_target = node_uses_builtin(probe->probe.body, "args") ||
			  node_uses_builtin(probe->probe.pred, "args") ||
			  node_uses_builtin(probe->probe.body, "probe") ||
			  node_uses_builtin(probe->probe.pred, "probe");
	int rc = 0;
	for (struct node *a = probe->probe.attach; a; a = a->next) {
		const struct attach_spec *spec = a->attach.spec;
		const struct provider *prov = provider_for(spec->provider);
		const char *why = prov->unsupported ? prov->unsupported() : NULL;
		if (why) {
			diag_error(&spec->loc, "%s", why);
			rc = -1;
			continue;
		}
		struct strlist targets = { 0 };
		if (prov->expand(spec, &targets)) {
			rc = -1;
			continue;
		}
		for (int t = 0; t < targets.len; t++) {
			struct prog *p;
			if (per_target || t == 0) {
				p = prog_new(c);
				p->probe = probe;
				p->spec = spec;
				p->prog_type = prov->prog_type;
				p->name = per_target ? probe_name(spec, targets.items[t]) : strdup(a->attach.text);
				p->reports = t == 0;
			} else {
				p = &c->progs[c->nprogs - 1];
			}
			strlist_add(&p->targets, targets.items[t]);
		}
		strlist_free(&targets);
	}
	return rc;
}

static void cg_init(struct cg *cg, struct compiled *c, struct prog *p, const struct compile_opts *opts)
{
	memset(cg, 0, sizeof(*cg));
	cg->res = &c->res;
	cg->unsafe = opts->unsafe;
	cg->spec = p->spec;
	cg->probe_name = p->name;
	const struct provider *prov = provider_for(p->spec->provider);
	if (prov->args_type && p->targets.len == 1 && node_uses_builtin(p->probe->probe.body, "args"))
		cg->args = prov->args_type(p->spec, p->targets.items[0]);
	else if (prov->args_type && p->targets.len == 1 && node_uses_builtin(p->probe->probe.pred, "args"))
		cg->args = prov->args_type(p->spec, p->targets.items[0]);
}

static void cg_free(struct cg *cg)
{
	for (int i = 0; i < cg->nvars; i++)
		free(cg->vars[i].name);
	free(cg->vars);
}

static void sema_prog(struct cg *cg, struct prog *p)
{
	struct node *pred = p->probe->probe.pred;
	if (pred && sema_expr(cg, pred) && pred->type->kind != T_INT && pred->type->kind != T_PTR)
		sema_error(cg, &pred->loc, "Invalid type for predicate: %s", "must be an integer");
	sema_stmts(cg, p->probe->probe.body);
}

static int emit_prog(struct cg *cg, struct prog *p)
{
	struct ir *ir = &p->ir;
	ir_init(ir);
	cg->ir = ir;
	cg->ctx = ir_vreg(ir);
	cg->exit_label = ir_label_new(ir);
	cg->loop_break = cg->loop_continue = -1;
	ir_mov(ir, cg->ctx, R1);

	/* variables start as zero, as in bpftrace */
	for (int i = 0; i < cg->nvars; i++) {
		struct var *v = &cg->vars[i];
		if (type_is_scalar(v->type)) {
			v->vreg = ir_vreg(ir);
			ir_movi(ir, v->vreg, 0);
		} else {
			v->slot = frame_alloc(&cg->frame, v->type->size);
			emit_zero(cg, FP, v->slot, v->type->size);
		}
	}
	struct node *pred = p->probe->probe.pred;
	if (pred) {
		ir_note(ir, "predicate");
		ir_jump(ir, BPF_JEQ, emit_expr(cg, pred), -1, 0, cg->exit_label);
	}
	emit_stmts(cg, p->probe->probe.body);
	ir_label(ir, cg->exit_label);
	ir_movi(ir, R0, 0);
	ir_emit(ir, EXIT_INSN(), 0, 0);

	ir_prune_unreachable(ir);
	/* spill slots go below everything statements used */
	cg->frame.used = cg->frame.high;
	if (ir_lower(ir, &cg->frame, &p->code)) {
		diag_error(&p->probe->loc, "The program for %s needs %d bytes of stack, more than the %d BPF allows",
			   p->name, cg->frame.high, BPF_STACK_LIMIT);
		return -1;
	}
	p->stack_size = cg->frame.high;
	return 0;
}

int compile(const struct node *ast, const struct compile_opts *opts, struct compiled *c)
{
	memset(c, 0, sizeof(*c));
	resources_init(&c->res);
	structs_define(ast);
	int rc = diag_error_count() ? -1 : 0;
	for (struct node *probe = ast->prog.probes; probe; probe = probe->next)
		rc |= plan_probe(c, probe);
	if (rc)
		return -1;

	/* Pass one learns every map's type quietly (a map may be read in a
	 * probe before the one that assigns it); pass two reports, once per probe. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < c->nprogs; i++) {
			struct cg cg;
			cg_init(&cg, c, &c->progs[i], opts);
			cg.quiet = pass == 0 || !c->progs[i].reports;
			sema_prog(&cg, &c->progs[i]);
			cg_free(&cg);
		}
	}
	if (diag_error_count())
		return -1;

	for (int i = 0; i < c->nprogs && !rc; i++) {
		struct cg cg;
		cg_init(&cg, c, &c->progs[i], opts);
		cg.quiet = true;
		sema_prog(&cg, &c->progs[i]); /* rebuilds the variables */
		rc = emit_prog(&cg, &c->progs[i]);
		cg_free(&cg);
	}
	return rc;
}

void compiled_free(struct compiled *c)
{
	for (int i = 0; i < c->nprogs; i++) {
		struct prog *p = &c->progs[i];
		free(p->name);
		strlist_free(&p->targets);
		ir_free(&p->ir);
		prog_code_free(&p->code);
	}
	free(c->progs);
	resources_free(&c->res);
	structs_free();
	memset(c, 0, sizeof(*c));
}

void compiled_print(const struct compiled *c, FILE *out)
{
	for (int i = 0; i < c->nprogs; i++) {
		const struct prog *p = &c->progs[i];
		fprintf(out, "%s%s (%d instructions, %d bytes of stack)\n", i ? "\n" : "", p->name, p->code.len,
			p->stack_size);
		disasm_print(out, p->code.insns, p->code.len, p->code.notes);
	}
}
