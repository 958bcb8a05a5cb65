/* Builtin identifiers (pid, comm, args, ...): one table row each, with the
 * type and the code that produces the value. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/btf_types.h"
#include "codegen/cg.h"

#define COMM_SIZE 16
static const struct type comm_type = { .kind = T_STR, .size = COMM_SIZE };

/* r0 of a helper without arguments, then an optional shift and mask. */
static int helper_value(struct cg *cg, int helper, int shift, bool low32)
{
	int v = ir_vreg(cg->ir);
	ir_call(cg->ir, helper);
	ir_mov(cg->ir, v, R0);
	if (shift)
		ir_alui(cg->ir, BPF_RSH, v, shift);
	if (low32)
		ir_extend(cg->ir, v, 4, false);
	return v;
}

static int emit_pid(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_current_pid_tgid, 32, false); }
static int emit_tid(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_current_pid_tgid, 0, true); }
static int emit_uid(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_current_uid_gid, 0, true); }
static int emit_gid(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_current_uid_gid, 32, false); }
static int emit_nsecs(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_ktime_get_ns, 0, false); }
static int emit_cpu(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_smp_processor_id, 0, false); }
static int emit_rand(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_prandom_u32, 0, false); }
static int emit_cgroup(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_current_cgroup_id, 0, false); }
static int emit_curtask(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_current_task, 0, false); }
static int emit_numaid(struct cg *cg, struct node *n) { (void)n; return helper_value(cg, BPF_FUNC_get_numa_node_id, 0, false); }

/* curtask: a struct task_struct * of the kernel, as bpftrace types it when
 * the kernel has BTF (curtask->parent->comm); else a plain u64. */
static const struct type *type_of_curtask(struct cg *cg, struct node *n)
{
	(void)cg;
	(void)n;
	const struct type *task = btf_named_type("struct task_struct");
	return task ? type_ptr(task, false) : &type_u64;
}

static const struct type *type_of_username(struct cg *cg, struct node *n)
{
	(void)cg;
	(void)n;
	return type_special(T_USER, 8, NULL);
}

/* elapsed: nanoseconds since the session started */
static int emit_elapsed(struct cg *cg, struct node *n)
{
	struct ir *ir = cg->ir;
	int now = emit_nsecs(cg, n), start = ir_vreg(ir), none = ir_label_new(ir);
	int p = emit_control(cg);
	ir_movi(ir, start, 0);
	ir_jump(ir, BPF_JEQ, p, -1, 0, none);
	ir_load(ir, 8, start, p, offsetof(struct control, start_ns));
	ir_label(ir, none);
	ir_alu(ir, BPF_SUB, now, start);
	return now;
}

/* cpid: the pid of -c's child, which the runtime writes into the control map
 * once it has forked (after compiling). */
static const struct type *type_of_cpid(struct cg *cg, struct node *n)
{
	if (!cg->child) {
		sema_error(cg, &n->loc, "cpid cannot be used without child command");
		return NULL;
	}
	return &type_u32; /* bpftrace 0.17's type */
}

static int emit_cpid(struct cg *cg, struct node *n)
{
	(void)n;
	struct ir *ir = cg->ir;
	int v = ir_vreg(ir), none = ir_label_new(ir);
	int p = emit_control(cg);
	ir_movi(ir, v, 0);
	ir_jump(ir, BPF_JEQ, p, -1, 0, none);
	ir_load(ir, 8, v, p, offsetof(struct control, cpid));
	ir_label(ir, none);
	return v;
}

static void emit_comm(struct cg *cg, struct node *n, int base, int off)
{
	(void)n;
	emit_addr(cg, R1, base, off);
	ir_movi(cg->ir, R2, COMM_SIZE);
	emit_helper_stmt(cg, BPF_FUNC_get_current_comm, -1);
}

/* kstack, ustack: an id in the stack-trace map; ustack keeps the pid beside
 * it, for symbols of the right process. */
int emit_stack(struct cg *cg, bool user)
{
	struct ir *ir = cg->ir;
	ir_mov(ir, R1, cg->ctx);
	ir_map(ir, R2, resources_stack_map(cg->res));
	ir_movi(ir, R3, user ? BPF_F_USER_STACK : 0);
	int id = emit_helper_call(cg, BPF_FUNC_get_stackid, -1);
	if (user) {
		int pid = emit_pid(cg, NULL);
		ir_alui(ir, BPF_LSH, pid, 32);
		ir_extend(ir, id, 4, false);
		ir_alu(ir, BPF_OR, id, pid);
	}
	return id;
}

static const struct type *type_of_stack(struct cg *cg, struct node *n)
{
	resources_stack_map(cg->res);
	return type_stack(!strcmp(n->ident.name, "ustack"), STACK_MAX_DEPTH, cg->stack_mode);
}

static int emit_stack_builtin(struct cg *cg, struct node *n)
{
	return emit_stack(cg, !strcmp(n->ident.name, "ustack"));
}

/* A string known when compiling (probe, func): a literal. */
static void emit_literal(struct cg *cg, const struct type *t, const char *text, int base, int off)
{
	emit_store_bytes(cg, base, off, text, (int)strlen(text), t->size);
}

/* `probe`: the name of the attach point this program serves. */
static const struct type *type_of_probe(struct cg *cg, struct node *n)
{
	(void)n;
	return type_str((int)strlen(cg->probe_name) + 1);
}

static void emit_probe(struct cg *cg, struct node *n, int base, int off)
{
	emit_literal(cg, ty(cg, n), cg->probe_name, base, off);
}

/* `func`: the traced function's name, which the probe type knows per target. */
static const struct type *type_of_func(struct cg *cg, struct node *n)
{
	char name[256];
	if (!cg->probe->func_name || !cg->probe->func_name(&cg->site, name, sizeof(name))) {
		sema_error(cg, &n->loc, "The func builtin can not be used with '%s' probes", cg->probe->name);
		return NULL;
	}
	return type_str((int)strlen(name) + 1);
}

static void emit_func(struct cg *cg, struct node *n, int base, int off)
{
	char name[256];
	cg->probe->func_name(&cg->site, name, sizeof(name));
	emit_literal(cg, ty(cg, n), name, base, off);
}

/* `args`: a pointer to the probe's argument record (the context itself,
 * unless the probe type says where it is). */
static const struct type *type_of_args(struct cg *cg, struct node *n)
{
	if (!cg->probe->args_type) {
		sema_error(cg, &n->loc, "The args builtin can only be used with tracepoint/fentry/uprobe probes (%s used here)",
			   cg->probe->name);
		return NULL;
	}
	return cg->args ? type_ptr(cg->args, false) : NULL;
}

static int emit_args(struct cg *cg, struct node *n)
{
	(void)n;
	if (cg->probe->emit_args) {
		struct probe_emit e = { cg->ir, &cg->frame, cg->ctx, &cg->site };
		return cg->probe->emit_args(&e);
	}
	int v = ir_vreg(cg->ir);
	ir_mov(cg->ir, v, cg->ctx);
	return v;
}

/* arg0..argN: read as the probe type says (registers, the raw tracepoint's
 * array, a USDT argument's location). */
#define MAX_ARGN 11

/* argN's N; past MAX_ARGN, MAX_ARGN + 1 (atoi made a huge N negative). */
static int arg_index(const char *name)
{
	long n = strtol(name + 3, NULL, 10);
	return n > MAX_ARGN ? MAX_ARGN + 1 : (int)n;
}

static const struct type *type_of_argN(struct cg *cg, struct node *n)
{
	int i = arg_index(n->ident.name);
	if (i > MAX_ARGN) {
		sema_error(cg, &n->loc, "Unknown identifier: '%s'", n->ident.name);
		return NULL;
	}
	if (!cg->probe->emit_arg) {
		sema_error(cg, &n->loc, "The %s builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes",
			   n->ident.name);
		return NULL;
	}
	char why[512];
	if (cg->probe->arg_error && cg->probe->arg_error(&cg->site, i, why, sizeof(why))) {
		sema_error(cg, &n->loc, "%s", why);
		return NULL;
	}
	return &type_u64;
}

static int emit_argN(struct cg *cg, struct node *n)
{
	struct probe_emit e = { cg->ir, &cg->frame, cg->ctx, &cg->site };
	return cg->probe->emit_arg(&e, arg_index(n->ident.name));
}

static const struct type *type_of_retval(struct cg *cg, struct node *n)
{
	if (!cg->probe->emit_retval) {
		sema_error(cg, &n->loc, "%s", "The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'kfunc' probes");
		return NULL;
	}
	return cg->probe->retval_type && cg->site.target ? cg->probe->retval_type(&cg->site) : &type_u64;
}

static int emit_retval(struct cg *cg, struct node *n)
{
	(void)n;
	struct probe_emit e = { cg->ir, &cg->frame, cg->ctx, &cg->site };
	return cg->probe->emit_retval(&e);
}

static const struct builtin builtins[] = {
	{ "pid", &type_u64, NULL, emit_pid, NULL, false, true },
	{ "tid", &type_u64, NULL, emit_tid, NULL, false, true },
	{ "uid", &type_u64, NULL, emit_uid, NULL, false, true },
	{ "gid", &type_u64, NULL, emit_gid, NULL, false, true },
	{ "nsecs", &type_u64, NULL, emit_nsecs, NULL, false, false },
	{ "elapsed", &type_u64, NULL, emit_elapsed, NULL, false, false },
	{ "cpu", &type_u64, NULL, emit_cpu, NULL, false, true },
	{ "rand", &type_u64, NULL, emit_rand, NULL, false, false },
	{ "cgroup", &type_u64, NULL, emit_cgroup, NULL, false, true },
	{ "curtask", NULL, type_of_curtask, emit_curtask, NULL, false, true },
	{ "numaid", &type_u32, NULL, emit_numaid, NULL, false, true },
	{ "username", NULL, type_of_username, emit_uid, NULL, false, true },
	{ "cpid", NULL, type_of_cpid, emit_cpid, NULL, false, true },
	/* comm: not padded by 6.1 (strscpy; later kernels pad), so a key holding it is zeroed first */
	{ "comm", &comm_type, NULL, NULL, emit_comm, false, true },
	{ "kstack", NULL, type_of_stack, emit_stack_builtin, NULL, false, false },
	{ "ustack", NULL, type_of_stack, emit_stack_builtin, NULL, false, false },
	{ "probe", NULL, type_of_probe, NULL, emit_probe, true, true }, /* literals, padded */
	{ "func", NULL, type_of_func, NULL, emit_func, true, true },
	{ "retval", NULL, type_of_retval, emit_retval, NULL, false, false },
	{ "args", NULL, type_of_args, emit_args, NULL, false, false },
	{ "arg", NULL, type_of_argN, emit_argN, NULL, false, false }, /* arg0..argN, matched by prefix */
};

const struct builtin *builtin_find(const char *name)
{
	if (!strncmp(name, "arg", 3) && name[3] >= '0' && name[3] <= '9')
		name = "arg";
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

bool builtin_kernel_address(const char *name)
{
	static const char *const kernel[] = { "curtask" };
	for (size_t i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
		if (!strcmp(kernel[i], name))
			return true;
	return false;
}
