/* Functions (printf, str, exit, count, hist, ...): one table row each with
 * the argument check, the result type and the code. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "codegen/cg.h"
#include "util/fmtspec.h"
#include "util/elf_syms.h"
#include "util/ksyms.h"

#define MAX_PRINTF_ARGS 64

static const struct type *arg_type(struct cg *cg, struct node *arg)
{
	return sema_expr(cg, arg);
}

bool user_space_probe(const struct cg *cg)
{
	return cg->probe && cg->probe->user_memory && cg->probe->user_memory(cg->site.spec);
}

/* ---- printf ---- */

/* Integers travel as 64-bit values; everything else as it is. */
static const struct type *widened(const struct type *t)
{
	return t->kind == T_INT ? type_int(8, t->is_signed) : t;
}

/* The kind of value bpftrace reports an argument as in printf errors:
 * symbols, stacks and other printed-as-text values are strings. */
const char *printf_kind(struct cg *cg, const struct node *arg)
{
	const struct type *agg = sema_agg_read(cg, arg), *t = agg ? agg : ty(cg, arg);
	static const char *const aggs[] = {
		[AGG_COUNT] = "count", [AGG_SUM] = "sum", [AGG_MIN] = "min", [AGG_MAX] = "max",
		[AGG_AVG] = "avg", [AGG_STATS] = "stats", [AGG_HIST] = "hist", [AGG_LHIST] = "lhist",
	};
	switch (t->kind) {
	case T_INT:
	case T_PTR:
	case T_CTX:
		return "integer";
	case T_BUF:
		return "buffer";
	case T_TUPLE:
		return "tuple";
	case T_RECORD:
		return "record";
	case T_ARRAY:
		return "array";
	case T_AGG:
		return aggs[t->agg];
	case T_NONE:
		return "none";
	default:
		return "string";
	}
}

/* Each argument against its conversion, as bpftrace checks them: the first
 * mismatch is the error. */
static bool check_printf_types(struct cg *cg, struct node *call)
{
	struct node *fmt = call->call.args;
	struct fmtspec s;
	const char *p = fmt->str.bytes;
	for (struct node *a = fmt->next; a && fmtspec_next(p, &s); a = a->next, p = s.end) {
		const char *have = printf_kind(cg, a), *want = fmtspec_want_name(s.want);
		if (strcmp(have, want)) {
			sema_error(cg, &call->loc, "%s: %%%.*s specifier expects a value of type %s (%s supplied)",
				   call->call.name, (int)s.key_len, s.key, want, have);
			return false;
		}
	}
	return true;
}

static const struct type *check_printf(struct cg *cg, struct node *call)
{
	struct node *fmt = call->call.args;
	if (fmt->kind != N_STR) {
		const struct type *t = arg_type(cg, fmt);
		char name[128] = "integer";
		if (t && t->kind != T_INT)
			type_name(t, name, sizeof(name));
		if (t)
			sema_error(cg, &call->loc, "%s() expects a string literal (%s provided)", call->call.name, name);
		return NULL;
	}
	int n = 0;
	bool ok = true;
	for (struct node *a = fmt->next; a; a = a->next, n++) {
		const struct type *t = arg_type(cg, a);
		if (!t) {
			ok = false;
		} else if (n == MAX_PRINTF_ARGS) {
			sema_error(cg, &a->loc, "%s() can not print more than %d values", call->call.name,
				   MAX_PRINTF_ARGS);
			ok = false;
		}
	}
	if (!ok)
		return NULL;
	int want = fmtspec_count(fmt->str.bytes);
	if (n > want) {
		sema_error(cg, &call->loc, "%s: Too many arguments for format string (%d supplied, %d expected)",
			   call->call.name, n, want);
		return NULL;
	}
	if (n < want) {
		sema_error(cg, &call->loc, "%s: Not enough arguments for format string (%d supplied, %d expected)",
			   call->call.name, n, want);
		return NULL;
	}
	return check_printf_types(cg, call) ? &type_none : NULL;
}

/* system() and signal() change the system: only with --unsafe. */
static bool allowed(struct cg *cg, struct node *call)
{
	if (!cg->unsafe)
		sema_error(cg, &call->loc, "%s() is an unsafe function being used in safe mode", call->call.name);
	return cg->unsafe;
}

static const struct type *check_system(struct cg *cg, struct node *call)
{
	return allowed(cg, call) ? check_printf(cg, call) : NULL;
}

/* The record of printf, system, cat and print(value): event header, then the arguments
 * laid out as a tuple; the runtime formats them. */
static void emit_format_record(struct cg *cg, const char *fmt, struct node *first, enum event_kind kind)
{
	struct ir *ir = cg->ir;
	const struct type *elems[MAX_PRINTF_ARGS];
	int n = 0;
	for (struct node *a = first; a; a = a->next)
		elems[n++] = widened(ty(cg, a));
	const struct type *args = type_tuple(elems, n);
	int id = resources_add_fmt(cg->res, fmt, args);
	int skip = ir_label_new(ir);
	struct record rec = emit_record_reserve(cg, (int)sizeof(struct event_hdr) + args->size, kind, id, skip);
	int i = 0;
	for (struct node *a = first; a; a = a->next, i++)
		emit_value_to(cg, a, args->fields[i].type, rec.ptr,
			      (int)sizeof(struct event_hdr) + args->fields[i].offset);
	emit_record_submit(cg, rec);
	ir_label(ir, skip);
}

static void emit_formatted(struct cg *cg, struct node *call, enum event_kind kind)
{
	emit_format_record(cg, call->call.args->str.bytes, call->call.args->next, kind);
}

static void emit_printf(struct cg *cg, struct node *call) { emit_formatted(cg, call, EV_PRINTF); }
static void emit_system(struct cg *cg, struct node *call) { emit_formatted(cg, call, EV_SYSTEM); }
static void emit_cat(struct cg *cg, struct node *call) { emit_formatted(cg, call, EV_CAT); }

/* ---- signal ---- */

static const struct {
	const char *name;
	int number;
} signals[] = {
	{ "SIGHUP", 1 }, { "SIGINT", 2 }, { "SIGQUIT", 3 }, { "SIGILL", 4 }, { "SIGTRAP", 5 }, { "SIGABRT", 6 },
	{ "SIGBUS", 7 }, { "SIGFPE", 8 }, { "SIGKILL", 9 }, { "SIGUSR1", 10 }, { "SIGSEGV", 11 },
	{ "SIGUSR2", 12 }, { "SIGPIPE", 13 }, { "SIGALRM", 14 }, { "SIGTERM", 15 }, { "SIGCHLD", 17 },
	{ "SIGCONT", 18 }, { "SIGSTOP", 19 }, { "SIGTSTP", 20 }, { "SIGTTIN", 21 }, { "SIGTTOU", 22 },
	{ "SIGURG", 23 }, { "SIGXCPU", 24 }, { "SIGXFSZ", 25 }, { "SIGVTALRM", 26 }, { "SIGPROF", 27 },
	{ "SIGWINCH", 28 }, { "SIGIO", 29 }, { "SIGPWR", 30 }, { "SIGSYS", 31 },
};

/* A signal by number or name ("KILL" or "SIGKILL"); 0 when unknown. */
static int signal_number(const struct node *arg)
{
	if (arg->kind == N_INT)
		return arg->integer.value >= 1 && arg->integer.value <= 64 ? (int)arg->integer.value : 0;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcmp(signals[i].name, arg->str.bytes) || !strcmp(signals[i].name + 3, arg->str.bytes))
			return signals[i].number;
	return 0;
}

static const struct type *check_signal(struct cg *cg, struct node *call)
{
	struct node *sig = call->call.args;
	if (!allowed(cg, call))
		return NULL;
	if (cg->probe && cg->probe->once) {
		sema_error(cg, &call->loc, "signal can not be used with \"%s\" probes", cg->probe->name);
		return NULL;
	}
	if (sig->kind == N_INT && !signal_number(sig)) {
		sema_error(cg, &call->loc, "%lld is not a valid signal, allowed range: [1,64]", (long long)sig->integer.value);
		return NULL;
	}
	if (sig->kind == N_STR && !signal_number(sig)) {
		sema_error(cg, &call->loc, "%s is not a valid signal", sig->str.bytes);
		return NULL;
	}
	if (sig->kind != N_INT && sig->kind != N_STR) {
		const struct type *t = arg_type(cg, sig);
		if (t && t->kind != T_INT) {
			sema_error(cg, &call->loc, "%s", "signal() only accepts a string literal or an integer");
			return NULL;
		}
	}
	return &type_none;
}

static void emit_signal(struct cg *cg, struct node *call)
{
	struct node *sig = call->call.args;
	if (sig->kind == N_INT || sig->kind == N_STR)
		ir_movi(cg->ir, R1, signal_number(sig));
	else
		ir_mov(cg->ir, R1, emit_expr(cg, sig));
	emit_helper_stmt(cg, BPF_FUNC_send_signal, -1);
}

/* ---- exit ---- */

static const struct type *check_none(struct cg *cg, struct node *call)
{
	(void)cg;
	(void)call;
	return &type_none;
}

/* exit(): raise the flag in the control map (it cannot be lost), wake the
 * runtime with a record if there is room, and end this probe. */
static void emit_exit(struct cg *cg, struct node *call)
{
	(void)call;
	struct ir *ir = cg->ir;
	int set = ir_label_new(ir), skip = ir_label_new(ir);
	int p = emit_control(cg);
	ir_jump(ir, BPF_JEQ, p, -1, 0, set);
	ir_storei(ir, 8, p, offsetof(struct control, exit), 1);
	ir_label(ir, set);
	emit_record_submit(cg, emit_record_reserve(cg, (int)sizeof(struct event_hdr), EV_EXIT, 0, skip));
	ir_label(ir, skip);
	ir_jump(ir, BPF_JA, 0, -1, 0, cg->exit_label);
}

/* ---- str ---- */

static const struct type *check_str(struct cg *cg, struct node *call)
{
	struct node *s = call->call.args, *len = s->next;
	const struct type *t = arg_type(cg, s);
	if (!t)
		return NULL;
	if (t->kind != T_PTR && t->kind != T_INT) {
		char name[128];
		type_name(t, name, sizeof(name));
		sema_error(cg, &call->loc, "str() expects an integer or a pointer type as first argument (%s provided)", name);
		return NULL;
	}
	int size = cg->strlen;
	if (len) {
		if (len->kind != N_INT || len->integer.value == 0 || len->integer.value > 1024) {
			sema_error(cg, &len->loc, "%s", "str() expects a positive integer literal (at most 1024) as the length");
			return NULL;
		}
		size = (int)len->integer.value + 1;
	}
	return type_str(size);
}

static void emit_str(struct cg *cg, struct node *call, int base, int off)
{
	struct node *s = call->call.args;
	bool user = ty(cg, s)->kind == T_PTR ? ty(cg, s)->user : user_space_probe(cg);
	int p = emit_expr(cg, s);
	emit_probe_read(cg, base, off, ty(cg, call)->size, p, user, true);
}

/* ---- print, clear, zero, delete: whole maps, done by the runtime ---- */

/* The map a map function names, or (element) the entry delete() names;
 * reports bpftrace's errors. */
static int map_arg(struct cg *cg, struct node *call, bool element)
{
	struct node *m = call->call.args;
	if (m->kind != N_MAP) {
		sema_error(cg, &call->loc, "%s() expects a map to be provided", call->call.name);
		return -1;
	}
	if (element)
		return sema_expr(cg, m) ? 0 : -1;
	int idx = map_index(cg, m);
	if (idx < 0)
		sema_error(cg, &call->loc, "Undefined map: @%s", m->map.name);
	else if (m->map.key)
		sema_error(cg, &call->loc, "The map passed to %s() should not be indexed by a key", call->call.name);
	return m->map.key ? -1 : idx;
}

/* print(@map[, top[, div]]), or print(value): the value on a line of its own */
static bool prints_value(const struct node *call)
{
	return call->call.args->kind != N_MAP;
}

/* print() of a uptr()/kptr() of an integer: bpftrace types it an integer */
static bool integer_address(struct cg *cg, const struct node *n)
{
	return n->kind == N_CALL && (!strcmp(n->call.name, "uptr") || !strcmp(n->call.name, "kptr")) &&
	       ty(cg, n->call.args) && ty(cg, n->call.args)->kind == T_INT;
}

static const struct type *check_print(struct cg *cg, struct node *call)
{
	if (cg->loop_depth && !cg->quiet)
		diag_warning(&call->loc, "%s", "Due to it's asynchronous nature using 'print()' in a loop can lead to "
			     "unexpected behavior. The map will likely be updated before the runtime can 'print' it.");
	if (prints_value(call)) {
		int n = 0;
		for (struct node *a = call->call.args; a; a = a->next)
			n++;
		if (n > 1) {
			sema_error(cg, &call->loc, "Non-map print() only takes 1 argument, %d found", n);
			return NULL;
		}
		const struct type *t = arg_type(cg, call->call.args);
		bool pointer = t && t->kind == T_PTR && !integer_address(cg, call->call.args);
		if (t && (t->kind == T_NONE || t->kind == T_AGG || pointer || t->kind == T_CTX)) {
			char name[128];
			type_name(t, name, sizeof(name));
			sema_error(cg, &call->loc, "%s type passed to print() is not printable", name);
			return NULL;
		}
		return t ? &type_none : NULL;
	}
	if (map_arg(cg, call, false) < 0)
		return NULL;
	for (struct node *a = call->call.args->next; a; a = a->next) {
		const struct type *t = arg_type(cg, a);
		if (t && t->kind != T_INT) {
			sema_error(cg, &a->loc, "%s", "print() expects integers for top and div");
			return NULL;
		}
	}
	return &type_none;
}

static const struct type *check_map_only(struct cg *cg, struct node *call)
{
	return map_arg(cg, call, false) < 0 ? NULL : &type_none;
}

static const struct type *check_delete(struct cg *cg, struct node *call)
{
	return map_arg(cg, call, true) < 0 ? NULL : &type_none;
}

static void emit_map_action(struct cg *cg, struct node *call, enum event_kind kind)
{
	struct ir *ir = cg->ir;
	int size = (int)sizeof(struct event_hdr) + (kind == EV_PRINT ? (int)sizeof(struct print_args) : 0);
	int skip = ir_label_new(ir);
	struct record rec = emit_record_reserve(cg, size, kind, (uint32_t)map_index(cg, call->call.args), skip);
	if (kind == EV_PRINT) {
		struct node *top = call->call.args->next, *div = top ? top->next : NULL;
		int off = (int)sizeof(struct event_hdr);
		if (top)
			ir_store(ir, 8, rec.ptr, off, emit_expr(cg, top));
		else
			ir_storei(ir, 8, rec.ptr, off, 0);
		if (div)
			ir_store(ir, 8, rec.ptr, off + 8, emit_expr(cg, div));
		else
			ir_storei(ir, 8, rec.ptr, off + 8, 1);
	}
	emit_record_submit(cg, rec);
	ir_label(ir, skip);
	if (kind != EV_PRINT) /* the runtime clears or zeroes it: reads from now on may differ */
		cse_forget(cg, map_index(cg, call->call.args));
}

static void emit_print(struct cg *cg, struct node *call)
{
	if (prints_value(call))
		emit_format_record(cg, "", call->call.args, EV_VALUE);
	else
		emit_map_action(cg, call, EV_PRINT);
}
static void emit_clear(struct cg *cg, struct node *call) { emit_map_action(cg, call, EV_CLEAR); }
static void emit_zero_map(struct cg *cg, struct node *call) { emit_map_action(cg, call, EV_ZERO); }

static void emit_delete(struct cg *cg, struct node *call)
{
	emit_map_delete(cg, call->call.args);
}

/* ---- time, join: formatted by the runtime ---- */

static const struct type *check_literal_args(struct cg *cg, struct node *call)
{
	for (struct node *a = call->call.args; a; a = a->next) {
		if (a != call->call.args || strcmp(call->call.name, "join")) {
			if (a->kind != N_STR) {
				sema_error(cg, &call->loc, "%s() expects a string literal", call->call.name);
				return NULL;
			}
		} else if (!arg_type(cg, a)) {
			return NULL;
		}
	}
	return &type_none;
}

static const struct type *empty_tuple(void)
{
	return type_tuple(NULL, 0);
}

static void emit_time(struct cg *cg, struct node *call)
{
	struct node *fmt = call->call.args;
	int id = resources_add_fmt(cg->res, fmt ? fmt->str.bytes : "%H:%M:%S\n", empty_tuple());
	int skip = ir_label_new(cg->ir);
	emit_record_submit(cg, emit_record_reserve(cg, (int)sizeof(struct event_hdr), EV_TIME, id, skip));
	ir_label(cg->ir, skip);
}

/* join(argv): up to JOIN_MAX strings of a NULL-terminated array of pointers */
static void emit_join(struct cg *cg, struct node *call)
{
	struct ir *ir = cg->ir;
	struct node *arr = call->call.args, *sep = arr->next;
	bool user = ty(cg, arr)->kind == T_PTR ? ty(cg, arr)->user : user_space_probe(cg);
	int id = resources_add_fmt(cg->res, sep ? sep->str.bytes : " ", empty_tuple());
	int skip = ir_label_new(ir), done = ir_label_new(ir);
	int hdr = (int)sizeof(struct event_hdr);
	struct record rec = emit_record_reserve(cg, hdr + JOIN_MAX * JOIN_LEN, EV_JOIN, id, skip);
	for (int i = 0; i < JOIN_MAX; i++)
		ir_storei(ir, 1, rec.ptr, hdr + i * JOIN_LEN, 0);
	int base = emit_expr(cg, arr), slot = frame_alloc(&cg->frame, 8), p = ir_vreg(ir);
	for (int i = 0; i < JOIN_MAX; i++) {
		ir_storei(ir, 8, FP, slot, 0);
		emit_probe_read(cg, FP, slot, 8, base, user, false);
		ir_load(ir, 8, p, FP, slot);
		ir_jump(ir, BPF_JEQ, p, -1, 0, done);
		emit_probe_read(cg, rec.ptr, hdr + i * JOIN_LEN, JOIN_LEN, p, user, true);
		ir_alui(ir, BPF_ADD, base, 8);
	}
	ir_label(ir, done);
	emit_record_submit(cg, rec);
	ir_label(ir, skip);
}

/* ---- kaddr: a kernel symbol's address, resolved while compiling ---- */

static const struct type *check_kaddr(struct cg *cg, struct node *call)
{
	struct node *name = call->call.args;
	uint64_t addr;
	if (name->kind != N_STR) {
		sema_error(cg, &call->loc, "%s", "kaddr() expects a string literal");
		return NULL;
	}
	if (!ksym_addr(name->str.bytes, &addr)) {
		sema_error(cg, &call->loc, "Failed to resolve kernel symbol: %s", name->str.bytes);
		return NULL;
	}
	return &type_u64;
}

static int emit_kaddr(struct cg *cg, struct node *call)
{
	uint64_t addr = 0;
	ksym_addr(call->call.args->str.bytes, &addr);
	int v = ir_vreg(cg->ir);
	ir_imm64(cg->ir, v, addr);
	return v;
}

/* ---- uaddr: a data symbol's address in the probe's binary, resolved while
 * compiling. As in bpftrace 0.17: the symbol's st_value, so in a PIE or a
 * library it is the address before relocation; a pointer to an integer of
 * the symbol's size (1, 2 or 4 bytes, else 8) ---- */

static bool valid_symbol(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("./_-", *s))
			return false;
	return true;
}

/* The symbol's address and size in the site's binary; false after an error */
static bool uaddr_symbol(struct cg *cg, struct node *call, uint64_t *addr, uint64_t *size)
{
	const char *name = call->call.args->str.bytes;
	char path[4096] = "";
	if (!cg->probe->binary || !cg->probe->binary(&cg->site, path, sizeof(path)))
		sema_error(cg, &call->loc, "uaddr can not be used with \"%s\" probes", cg->probe->name);
	if (!*path || elf_data_symbol(path, name, addr, size)) {
		sema_error(cg, &call->loc, "Could not resolve symbol: %s:%s", path, name);
		return false;
	}
	return true;
}

static const struct type *check_uaddr(struct cg *cg, struct node *call)
{
	struct node *name = call->call.args;
	uint64_t addr, size;
	if (name->kind != N_STR) {
		const struct type *t = arg_type(cg, name);
		if (t)
			sema_error(cg, &call->loc, "uaddr() expects a string literal (%s provided)", type_kind_name(t));
		return NULL;
	}
	if (!valid_symbol(name->str.bytes)) {
		sema_error(cg, &call->loc,
			   "uaddr() expects a string that is a valid symbol (^[a-zA-Z0-9./_-]+$) as input (\"%s\" provided)",
			   name->str.bytes);
		return NULL;
	}
	if (!uaddr_symbol(cg, call, &addr, &size))
		return NULL;
	return type_ptr(type_int(size == 1 || size == 2 || size == 4 ? (int)size : 8, true), true);
}

static int emit_uaddr(struct cg *cg, struct node *call)
{
	uint64_t addr = 0, size;
	uaddr_symbol(cg, call, &addr, &size);
	int v = ir_vreg(cg->ir);
	ir_imm64(cg->ir, v, addr);
	return v;
}

/* ---- uptr(p), kptr(p): the address space a pointer points into ---- */

static const struct type *check_address_space(struct cg *cg, struct node *call)
{
	const struct type *t = arg_type(cg, call->call.args);
	if (t && t->kind != T_PTR && t->kind != T_INT) {
		sema_error(cg, &call->loc, "%s() expects a pointer or integer argument", call->call.name);
		return NULL;
	}
	return t ? type_ptr(t->kind == T_PTR ? t->to : &type_u8, call->call.name[0] == 'u') : NULL;
}

/* ---- kstack(limit), ustack(limit), ksym(addr) ---- */

static const struct type *check_stack(struct cg *cg, struct node *call)
{
	struct node *a = call->call.args;
	int limit = STACK_MAX_DEPTH;
	const char *mode = cg->stack_mode;
	if (a && a->kind == N_IDENT) {
		if (strcmp(a->ident.name, "perf") && strcmp(a->ident.name, "bpftrace")) {
			sema_error(cg, &a->loc, "%s", "Invalid stack mode: expected perf or bpftrace");
			return NULL;
		}
		mode = !strcmp(a->ident.name, "perf") ? "perf" : NULL;
		a = a->next;
	}
	if (a) {
		if (a->kind != N_INT || a->integer.value < 1 || a->integer.value > STACK_MAX_DEPTH) {
			sema_error(cg, &call->loc, "%s() limit must be an integer literal from 1 to %d", call->call.name,
				   STACK_MAX_DEPTH);
			return NULL;
		}
		limit = (int)a->integer.value;
	}
	resources_stack_map(cg->res);
	return type_stack(!strcmp(call->call.name, "ustack"), limit, mode);
}

static int emit_stack_call(struct cg *cg, struct node *call)
{
	return emit_stack(cg, !strcmp(call->call.name, "ustack"));
}

static const struct type *check_ksym(struct cg *cg, struct node *call)
{
	const struct type *t = arg_type(cg, call->call.args);
	if (t && t->kind != T_INT && t->kind != T_PTR) {
		sema_error(cg, &call->loc, "%s", "ksym() expects an integer or pointer argument");
		return NULL;
	}
	return t ? &type_ksym : NULL;
}

int emit_first_arg(struct cg *cg, struct node *call)
{
	return emit_expr(cg, call->call.args);
}

/* ---- aggregations: only the check; maps.c emits the update ---- */

bool int_literal(const struct node *n, int64_t *v)
{
	bool neg = n->kind == N_UNOP && n->unop.op == OP_NEG;
	const struct node *i = neg ? n->unop.operand : n;
	if (i->kind != N_INT)
		return false;
	*v = neg ? -(int64_t)i->integer.value : (int64_t)i->integer.value;
	return true;
}

/* lhist()'s min, max and step: literals, in range; bpftrace 0.17's checks
 * and words, all of them said. */
static bool check_lhist_range(struct cg *cg, struct node *call)
{
	int64_t v[3];
	int i = 0;
	for (struct node *p = call->call.args->next; p; p = p->next, i++) {
		if (!int_literal(p, &v[i])) {
			const struct type *t = arg_type(cg, p); /* NULL: no type (its error is said) */
			sema_error(cg, &call->loc, "lhist() expects a integer literal (%s provided)",
				   t ? type_kind_name(t) : "none");
			return false;
		}
	}
	long long min = v[0], max = v[1], step = v[2];
	bool ok = true;
	if (step <= 0) {
		sema_error(cg, &call->loc, "lhist() step must be >= 1 (%lld provided)", step);
		ok = false;
	} else if ((max - min) / step > 1000) {
		sema_error(cg, &call->loc, "lhist() too many buckets, must be <= 1000 (would need %lld)", (max - min) / step);
		ok = false;
	}
	if (min < 0) {
		sema_error(cg, &call->loc, "lhist() min must be non-negative (provided min %lld)", min);
		ok = false;
	}
	if (min > max) {
		sema_error(cg, &call->loc, "lhist() min must be less than max (provided min %lld and max %lld)", min, max);
		ok = false;
	}
	if (max - min < step) {
		sema_error(cg, &call->loc, "lhist() step is too large for the given range (provided step %lld for range %lld)",
			   step, max - min);
		ok = false;
	}
	return ok;
}

static const struct type *check_agg(struct cg *cg, struct node *call, enum agg_kind agg)
{
	/* lhist's min, max and step are literals: check_lhist_range */
	for (struct node *a = call->call.args; a && (agg != AGG_LHIST || a == call->call.args); a = a->next) {
		const struct type *t = arg_type(cg, a);
		if (!t)
			return NULL;
		const struct type *agg = sema_agg_read(cg, a);
		if (agg)
			t = agg;
		if (t->kind != T_INT) {
			sema_error(cg, &call->loc, "%s() only supports integer arguments (%s provided)", call->call.name,
				   type_kind_name(t));
			return NULL;
		}
	}
	if (agg == AGG_LHIST && !check_lhist_range(cg, call))
		return NULL;
	return type_agg(agg);
}

#define AGG_CHECK(fn, kind) \
	static const struct type *fn(struct cg *cg, struct node *call) { return check_agg(cg, call, kind); }
AGG_CHECK(check_count, AGG_COUNT)
AGG_CHECK(check_sum, AGG_SUM)
AGG_CHECK(check_min, AGG_MIN)
AGG_CHECK(check_max, AGG_MAX)
AGG_CHECK(check_avg, AGG_AVG)
AGG_CHECK(check_stats, AGG_STATS)
AGG_CHECK(check_hist, AGG_HIST)
AGG_CHECK(check_lhist, AGG_LHIST)

static const struct func funcs[] = {
	{ .name = "printf", .min_args = 1, .max_args = 65, .check = check_printf, .emit_stmt = emit_printf },
	{ .name = "system", .min_args = 1, .max_args = 65, .check = check_system, .emit_stmt = emit_system },
	{ .name = "cat", .min_args = 1, .max_args = 65, .check = check_printf, .emit_stmt = emit_cat },
	{ .name = "signal", .min_args = 1, .max_args = 1, .check = check_signal, .emit_stmt = emit_signal },
	{ .name = "exit", .min_args = 0, .max_args = 0, .check = check_none, .emit_stmt = emit_exit },
	{ .name = "str", .min_args = 1, .max_args = 2, .check = check_str, .emit_to = emit_str },
	{ .name = "print", .min_args = 1, .max_args = 3, .check = check_print, .emit_stmt = emit_print },
	{ .name = "clear", .min_args = 1, .max_args = 1, .check = check_map_only, .emit_stmt = emit_clear },
	{ .name = "zero", .min_args = 1, .max_args = 1, .check = check_map_only, .emit_stmt = emit_zero_map },
	{ .name = "delete", .min_args = 1, .max_args = 1, .check = check_delete, .emit_stmt = emit_delete },
	{ .name = "time", .min_args = 0, .max_args = 1, .check = check_literal_args, .emit_stmt = emit_time },
	{ .name = "join", .min_args = 1, .max_args = 2, .check = check_literal_args, .emit_stmt = emit_join },
	{ .name = "kaddr", .min_args = 1, .max_args = 1, .check = check_kaddr, .emit = emit_kaddr },
	{ .name = "uaddr", .min_args = 1, .max_args = 1, .check = check_uaddr, .emit = emit_uaddr },
	{ .name = "kstack", .min_args = 0, .max_args = 2, .check = check_stack, .emit = emit_stack_call },
	{ .name = "ustack", .min_args = 0, .max_args = 2, .check = check_stack, .emit = emit_stack_call },
	{ .name = "ksym", .min_args = 1, .max_args = 1, .check = check_ksym, .emit = emit_first_arg },
	{ .name = "uptr", .min_args = 1, .max_args = 1, .check = check_address_space, .emit = emit_first_arg },
	{ .name = "kptr", .min_args = 1, .max_args = 1, .check = check_address_space, .emit = emit_first_arg },
	{ .name = "count", .min_args = 0, .max_args = 0, .check = check_count, .is_agg = true },
	{ .name = "sum", .min_args = 1, .max_args = 1, .check = check_sum, .is_agg = true },
	{ .name = "min", .min_args = 1, .max_args = 1, .check = check_min, .is_agg = true },
	{ .name = "max", .min_args = 1, .max_args = 1, .check = check_max, .is_agg = true },
	{ .name = "avg", .min_args = 1, .max_args = 1, .check = check_avg, .is_agg = true },
	{ .name = "stats", .min_args = 1, .max_args = 1, .check = check_stats, .is_agg = true },
	{ .name = "hist", .min_args = 1, .max_args = 1, .check = check_hist, .is_agg = true },
	{ .name = "lhist", .min_args = 4, .max_args = 4, .check = check_lhist, .is_agg = true },
};

const struct func *func_find(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!strcmp(funcs[i].name, name))
			return &funcs[i];
	for (const struct func *f = value_funcs; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	for (const struct func *f = misc_funcs; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}
