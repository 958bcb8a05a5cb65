/* The compiler driver: plan one BPF program per attach point (or per target
 * when the body needs to know which target fired), type check every program,
 * then emit IR and lower it to BPF instructions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"
#include "codegen/disasm.h"
#include "probes/probe.h"

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
	const struct probe_type *pt = probe_type_for(spec->provider);
	char shown[4096 + 512], *name;
	if (pt->target_name) {
		pt->target_name(spec, target, shown, sizeof(shown));
		target = shown;
	}
	if (asprintf(&name, "%s%s%s", spec->provider_name, *target ? ":" : "", target) < 0)
		abort();
	return name;
}

/* Programs for one probe: per attach point, per target when the body asks
 * for `args` or `probe` (their value depends on the target). */
static int plan_probe(struct compiled *c, struct node *probe, const struct compile_opts *opts)
{
	int rc = 0;
	for (struct node *a = probe->probe.attach; a; a = a->next) {
		const struct attach_spec *spec = a->attach.spec;
		const struct probe_type *prov = probe_type_for(spec->provider);
		if (!prov->expand) {
			diag_error(&spec->loc, "%s probes are not supported yet by scry", prov->name);
			rc = -1;
			continue;
		}
		struct strlist targets = { 0 };
		if (prov->expand(spec, &opts->env, &targets)) {
			strlist_free(&targets); /* what it found before the error */
			rc = -1;
			continue;
		}
		const struct node *body = probe->probe.body, *pred = probe->probe.pred;
		bool reads_context = node_uses_builtin(body, "args") || node_uses_builtin(pred, "args") ||
				     node_uses_builtin(body, "kstack") || node_uses_builtin(pred, "kstack");
		const struct probe_type *variant = prov->variant ? prov->variant(spec, &targets, reads_context) : NULL;
		if (variant)
			prov = variant;
		bool per_target = probe_needs_per_target(prov, probe);
		for (int t = 0; t < targets.len; t++) {
			struct prog *p;
			if (per_target || t == 0) {
				p = prog_new(c);
				p->probe = probe;
				p->spec = spec;
				p->type = prov;
				p->prog_type = prov->prog_type;
				p->attach_type = prov->attach_type ? prov->attach_type(spec) : 0;
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
	cg->types = p->types;
	cg->first_id = p->first_id;
	cg->unsafe = opts->unsafe;
	cg->strlen = opts->strlen ? opts->strlen : STRLEN_DEFAULT;
	cg->child = opts->child;
	cg->helper_checks = opts->helper_checks;
	cg->stack_mode = opts->stack_mode;
	cg->probe = p->type;
	cg->site = (struct probe_site){ .spec = p->spec, .target = p->targets.len == 1 ? p->targets.items[0] : NULL };
	cg->probe_name = p->name;
	if (cg->probe->args_type && cg->site.target &&
	    (node_uses_builtin(p->probe->probe.body, "args") || node_uses_builtin(p->probe->probe.pred, "args")))
		cg->args = cg->probe->args_type(&cg->site);
}

static void cg_free(struct cg *cg)
{
	for (int i = 0; i < cg->nvars; i++)
		free(cg->vars[i].name);
	free(cg->vars);
	name_index_free(&cg->var_names);
	cg->vars = NULL;
	cg->nvars = 0;
}

static void sema_prog(struct cg *cg, struct prog *p)
{
	struct node *pred = p->probe->probe.pred;
	/* bpftrace takes a pointer as a predicate (non-NULL), but not in if() */
	if (pred && sema_expr(cg, pred) && ty(cg, pred)->kind != T_INT && ty(cg, pred)->kind != T_PTR)
		sema_error(cg, &pred->loc, "Invalid type for predicate: %s", "must be an integer");
	sema_stmts(cg, p->probe->probe.body);
}

/* The verifier rounds every frame up to 32 bytes and adds a callback's
 * frame to its caller's. */
static int frame_size(const struct frame *f)
{
	return (f->high + 31) & ~31;
}

/* The reference to the map that takes the program past the kernel's limit
 * of maps, or NULL. References are in instruction order. */
static const struct map_ref *map_past_limit(const struct prog_code *code, int nmaps)
{
	bool *seen = calloc(nmaps + 1, sizeof(*seen));
	if (!seen)
		abort();
	const struct map_ref *past = NULL;
	for (int i = 0, used = 0; i < code->nrefs && !past; i++) {
		const struct map_ref *r = &code->refs[i];
		if (!seen[r->map] && ++used > BPF_MAPS_LIMIT)
			past = r;
		seen[r->map] = true;
	}
	free(seen);
	return past;
}

/* Lower main and the callbacks after it, in function number order. */
static int lower_prog(struct cg *cg, struct prog *p)
{
	p->nfuncs = 1 + cg->nsubprogs;
	p->funcs = calloc(p->nfuncs, sizeof(*p->funcs));
	if (!p->funcs)
		abort();
	p->funcs[0] = (struct ir_func){ .frame = cg->frame };
	p->funcs[0].ir = *cg->ir;
	for (int i = 0; i < cg->nsubprogs; i++)
		p->funcs[1 + i] = cg->subprogs[i];
	free(cg->subprogs);
	cg->subprogs = NULL;

	int rc = 0, deepest = 0;
	for (int i = 0; i < p->nfuncs; i++) {
		struct ir_func *f = &p->funcs[i];
		/* spill slots go below everything statements used */
		f->frame.used = f->frame.high;
		rc |= ir_lower(&f->ir, &f->frame, &p->code);
		if (i && frame_size(&f->frame) > deepest)
			deepest = frame_size(&f->frame);
	}
	prog_code_link(&p->code);
	p->stack_size = p->nfuncs > 1 ? frame_size(&p->funcs[0].frame) + deepest : p->funcs[0].frame.high;
	if (p->stack_size > BPF_STACK_LIMIT) {
		diag_error(&p->probe->loc, "The program for %s needs %d bytes of stack, more than the %d BPF allows",
			   p->name, p->stack_size, BPF_STACK_LIMIT);
		return -1;
	}
	if (p->code.len > BPF_INSNS_LIMIT) {
		diag_error(&p->probe->loc, "The program for %s has %d instructions, more than the %d BPF allows",
			   p->name, p->code.len, BPF_INSNS_LIMIT);
		return -1;
	}
	if (rc) {
		diag_error(&p->probe->loc, "The program for %s is too large: a jump spans more than the %d instructions BPF can",
			   p->name, INT16_MAX);
		return -1;
	}
	const struct map_ref *past = map_past_limit(&p->code, cg->res->nmaps);
	if (past) {
		diag_error(prog_code_loc(&p->code, past->insn, &p->probe->loc),
			   "The program for %s uses more than the %d maps BPF allows", p->name, BPF_MAPS_LIMIT);
		return -1;
	}
	return 0;
}

static int emit_prog(struct cg *cg, struct prog *p)
{
	struct ir main_ir;
	struct ir *ir = &main_ir;
	ir_init(ir);
	cg->ir = ir;
	cg->ctx = ir_vreg(ir);
	cg->exit_label = ir_label_new(ir);
	cg->loop_break = cg->loop_continue = -1;
	cg->ncse = 0;
	ir_set_loc(ir, &p->probe->loc);
	ir_mov(ir, cg->ctx, R1);
	if (cg->probe->emit_skip) {
		struct probe_emit e = { ir, &cg->frame, cg->ctx, &cg->site };
		ir_jump(ir, BPF_JNE, cg->probe->emit_skip(&e), -1, 0, cg->exit_label);
	}

	emit_vars_init(cg, NULL);
	struct node *pred = p->probe->probe.pred;
	if (pred) {
		ir_note(ir, "predicate");
		emit_branch(cg, pred, false, cg->exit_label);
	}
	emit_stmts(cg, p->probe->probe.body);
	ir_label(ir, cg->exit_label);
	ir_movi(ir, R0, 0);
	ir_emit(ir, EXIT_INSN(), 0, 0);

	ir_prune_unreachable(ir);
	ir_prune_dead(ir);
	ir_peephole(ir);
	return lower_prog(cg, p);
}

int compile(const struct node *ast, const struct compile_opts *opts, struct compiled *c)
{
	memset(c, 0, sizeof(*c));
	resources_init(&c->res);
	if (opts->ringbuf_size)
		c->res.maps[MAP_EVENTS].max_entries = opts->ringbuf_size;
	/* a positional parameter's error (reported already) leaves type checking
	 * to report its own, as bpftrace does; a struct's stops it */
	int errors = diag_error_count();
	structs_define(ast);
	int rc = diag_error_count() > errors ? -1 : 0;
	for (struct node *probe = ast->prog.probes; probe; probe = probe->next)
		rc |= plan_probe(c, probe, opts);
	if (rc)
		return -1;

	/* Pass one learns every map's type quietly (a map may be read in a
	 * probe before the one that assigns it). Pass two types each program
	 * once, reporting for the first program of each probe; its types and
	 * variables are what emission uses. */
	struct cg *cgs = calloc(c->nprogs, sizeof(*cgs));
	if (!cgs)
		abort();
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < c->nprogs; i++) {
			struct prog *p = &c->progs[i];
			free(p->types);
			int last_id = p->first_id = p->probe->id;
			node_id_range(p->probe, &p->first_id, &last_id);
			p->types = calloc(last_id - p->first_id + 1, sizeof(*p->types));
			if (!p->types)
				abort();
			cg_free(&cgs[i]);
			cg_init(&cgs[i], c, p, opts);
			cgs[i].quiet = pass == 0 || !p->reports;
			sema_prog(&cgs[i], p);
		}
	}
	if (diag_error_count())
		rc = -1;
	for (int i = 0; i < c->nprogs && !rc; i++)
		rc = emit_prog(&cgs[i], &c->progs[i]);
	for (int i = 0; i < c->nprogs; i++)
		cg_free(&cgs[i]);
	free(cgs);
	return rc;
}

void compiled_free(struct compiled *c)
{
	for (int i = 0; i < c->nprogs; i++) {
		struct prog *p = &c->progs[i];
		free(p->name);
		free(p->types);
		strlist_free(&p->targets);
		for (int f = 0; f < p->nfuncs; f++)
			ir_free(&p->funcs[f].ir);
		free(p->funcs);
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
		disasm_print(out, &p->code);
	}
}
