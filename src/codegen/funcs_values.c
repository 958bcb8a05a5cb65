/* Functions that make values the runtime prints in their own way:
 * usym, strftime, ntop, pton, buf, macaddr, cgroup_path; and strncmp. The value
 * kinds and their printing are in types.c and src/output/value.c. */
#include <arpa/inet.h>
#include <string.h>

#include "codegen/cg.h"

#define BUF_MAX 64 /* bpftrace's default string size bounds buf() */

static bool is_bytes(const struct type *t, int size)
{
	return ((t->kind == T_ARRAY && t->to->size == 1) || t->kind == T_STR) && t->size == size;
}

static void type_error(struct cg *cg, const struct node *at, const char *fmt, const struct type *t)
{
	char name[128];
	type_name(t, name, sizeof(name));
	sema_error(cg, &at->loc, fmt, name);
}

/* ---- usym(addr): the address and the pid of the process it belongs to,
 * printed as the symbol (as bpftrace, which resolves it when printing) ---- */

static const struct type *check_usym(struct cg *cg, struct node *call)
{
	const struct type *t = sema_expr(cg, call->call.args);
	if (t && t->kind != T_INT && t->kind != T_PTR) {
		sema_error(cg, &call->loc, "%s", "usym() expects an integer or pointer argument");
		return NULL;
	}
	return t ? type_special(T_USYM, 16, NULL) : NULL;
}

static void emit_usym(struct cg *cg, struct node *call, int base, int off)
{
	ir_store(cg->ir, 8, base, off, emit_expr(cg, call->call.args));
	ir_store(cg->ir, 8, base, off + 8, builtin_find("pid")->emit(cg, NULL));
}

/* ---- strftime(fmt, nsecs) ---- */

static const struct type *check_strftime(struct cg *cg, struct node *call)
{
	struct node *fmt = call->call.args, *ns = fmt->next;
	if (fmt->kind != N_STR) {
		sema_error(cg, &call->loc, "%s", "strftime() expects a string literal as the format");
		return NULL;
	}
	const struct type *t = sema_expr(cg, ns);
	if (t && t->kind != T_INT) {
		type_error(cg, call, "strftime() expects an integer as the time (%s provided)", t);
		return NULL;
	}
	return t ? type_special(T_TIME, 8, fmt->str.bytes) : NULL;
}

static int emit_second_arg(struct cg *cg, struct node *call)
{
	return emit_expr(cg, call->call.args->next);
}

/* ---- ntop([af,] addr), pton(text) ---- */

static const struct type *check_ntop(struct cg *cg, struct node *call)
{
	struct node *addr = call->call.args;
	if (addr->next) {
		const struct type *af = sema_expr(cg, addr);
		if (af && af->kind != T_INT) {
			type_error(cg, call, "ntop() expects an integer address family (%s provided)", af);
			return NULL;
		}
		addr = addr->next;
	}
	const struct type *t = sema_expr(cg, addr);
	if (t && t->kind != T_INT && !is_bytes(t, 4) && !is_bytes(t, 16)) {
		type_error(cg, call, "ntop() expects an integer or array argument, got %s", t);
		return NULL;
	}
	return t ? type_special(T_INET, 24, NULL) : NULL;
}

/* u64 family, then the 16 bytes of the address (IPv4: the first 4) */
static void emit_ntop(struct cg *cg, struct node *call, int base, int off)
{
	struct node *addr = call->call.args, *af = addr->next ? addr : NULL;
	if (af)
		addr = addr->next;
	emit_zero(cg, base, off, 24);
	if (af)
		ir_store(cg->ir, 8, base, off, emit_expr(cg, af));
	else
		ir_storei(cg->ir, 8, base, off, ty(cg, addr)->size == 16 ? AF_INET6 : AF_INET);
	if (ty(cg, addr)->kind == T_INT)
		ir_store(cg->ir, 8, base, off + 8, emit_expr(cg, addr));
	else
		emit_expr_to(cg, addr, base, off + 8);
}

/* The address a pton() literal denotes; its size (4 or 16), or 0 when invalid. */
static int parse_address(const char *text, unsigned char out[16])
{
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	return inet_pton(AF_INET6, text, out) == 1 ? 16 : 0;
}

static const struct type *check_pton(struct cg *cg, struct node *call)
{
	struct node *text = call->call.args;
	unsigned char bytes[16];
	if (text->kind != N_STR) {
		sema_error(cg, &call->loc, "%s", "pton() expects a string literal argument");
		return NULL;
	}
	int size = parse_address(text->str.bytes, bytes);
	if (!size) {
		sema_error(cg, &call->loc, "pton() expects a valid IPv4/IPv6 address, got %s", text->str.bytes);
		return NULL;
	}
	return type_array(&type_u8, size);
}

static void emit_pton(struct cg *cg, struct node *call, int base, int off)
{
	unsigned char bytes[16];
	int size = parse_address(call->call.args->str.bytes, bytes);
	for (int i = 0; i < size; i++)
		ir_storei(cg->ir, 1, base, off + i, bytes[i]);
}

/* ---- buf(data[, len]) ---- */

/* The capacity of buf(data[, len]) as bpftrace 0.17 sizes it: a literal
 * length, an array's size, else the default string size; longer ones are
 * shortened with a warning. 0 after an error. */
static int buf_capacity(struct cg *cg, struct node *call, const struct type *t)
{
	struct node *len = call->call.args->next;
	int64_t size = BUF_MAX;
	if (!len) {
		if (t->kind != T_ARRAY) {
			sema_error(cg, &call->loc, "buf() expects a length argument for non-array type %s",
				   type_kind_name(t));
			return -1;
		}
		size = t->size;
	} else {
		const struct type *lt = sema_expr(cg, len);
		if (!lt)
			return -1;
		if (lt->kind != T_INT) {
			sema_error(cg, &call->loc, "buf() only supports integer arguments (%s provided)", type_kind_name(lt));
			return -1;
		}
		if (len->kind == N_UNOP && len->unop.op == OP_NEG && len->unop.operand->kind == N_INT) {
			/* a negative literal, as bpftrace reads -N */
			sema_error(cg, &call->loc, "buf cannot use negative length (-%llu)",
				   (unsigned long long)len->unop.operand->integer.value);
			return -1;
		}
		if (len->kind == N_INT)
			size = len->integer.value > INT32_MAX ? INT32_MAX : (int64_t)len->integer.value;
	}
	if (size > BUF_MAX) {
		if (!cg->quiet)
			diag_warning(&call->loc, "buf() length is too long and will be shortened to %d bytes "
				     "(see BPFTRACE_STRLEN)", BUF_MAX);
		size = BUF_MAX;
	}
	return (int)size;
}

static const struct type *check_buf(struct cg *cg, struct node *call)
{
	const struct type *t = sema_expr(cg, call->call.args);
	if (!t)
		return NULL;
	if (t->kind != T_INT && t->kind != T_STR && t->kind != T_PTR && t->kind != T_ARRAY) {
		sema_error(cg, &call->loc, "buf() expects an integer, string, or array argument but saw %s",
			   type_kind_name(t));
		return NULL;
	}
	int cap = buf_capacity(cg, call, t);
	return cap < 0 ? NULL : type_buf(cap);
}

/* min(len, BUF_MAX) of a run-time length, in a new vreg */
static int emit_buf_len(struct cg *cg, struct node *len)
{
	int n = emit_expr(cg, len), small = ir_label_new(cg->ir);
	ir_jump(cg->ir, BPF_JLE, n, -1, BUF_MAX, small);
	ir_movi(cg->ir, n, BUF_MAX);
	ir_label(cg->ir, small);
	return n;
}

/* Data in BPF memory (an array, a string): its first bytes copied, those
 * at and past a run-time length zeroed. */
static void emit_buf_memory(struct cg *cg, struct node *call, int base, int off)
{
	struct ir *ir = cg->ir;
	struct node *data = call->call.args, *len = data->next;
	int cap = ty(cg, call)->len, size = ty(cg, data)->size, n = cap < size ? cap : size;
	int mark = frame_mark(&cg->frame), tmp = frame_alloc(&cg->frame, size);
	emit_expr_to(cg, data, FP, tmp);
	emit_copy(cg, base, off + 8, FP, tmp, n);
	frame_release(&cg->frame, mark);
	if (!len || len->kind == N_INT) {
		ir_storei(ir, 8, base, off, cap);
		return;
	}
	int v = emit_buf_len(cg, len);
	ir_store(ir, 8, base, off, v);
	for (int i = 0; i < n; i++) {
		int keep = ir_label_new(ir);
		ir_jump(ir, BPF_JGT, v, -1, i, keep);
		ir_storei(ir, 1, base, off + 8 + i, 0);
		ir_label(ir, keep);
	}
}

/* u64 length, then the bytes; a run-time length is capped at the buffer's size */
static void emit_buf(struct cg *cg, struct node *call, int base, int off)
{
	struct ir *ir = cg->ir;
	struct node *data = call->call.args, *len = data->next;
	int size = ty(cg, call)->len;
	emit_zero(cg, base, off, 8 + size);
	if (ty(cg, data)->kind == T_ARRAY || ty(cg, data)->kind == T_STR) {
		emit_buf_memory(cg, call, base, off);
		return;
	}
	bool user = ty(cg, data)->kind == T_PTR ? ty(cg, data)->user : user_space_probe(cg);
	int ptr = emit_expr(cg, data);
	if (len->kind == N_INT) {
		ir_storei(ir, 8, base, off, size);
		if (size)
			emit_probe_read(cg, base, off + 8, size, ptr, user, false);
		return;
	}
	int n = emit_buf_len(cg, len);
	ir_store(ir, 8, base, off, n);
	emit_probe_read_n(cg, base, off + 8, n, ptr, user);
}

/* ---- macaddr(bytes) ---- */

static const struct type *check_macaddr(struct cg *cg, struct node *call)
{
	const struct type *t = sema_expr(cg, call->call.args);
	if (t && t->kind != T_PTR && t->size != 6) {
		sema_error(cg, &call->loc, "%s", "macaddr() argument must be 6 bytes in size");
		return NULL;
	}
	return t ? type_special(T_MAC, 8, NULL) : NULL;
}

static void emit_macaddr(struct cg *cg, struct node *call, int base, int off)
{
	struct node *a = call->call.args;
	emit_zero(cg, base, off, 8);
	if (ty(cg, a)->kind == T_PTR)
		emit_probe_read(cg, base, off, 6, emit_expr(cg, a), ty(cg, a)->user, false);
	else
		emit_expr_to(cg, a, base, off);
}

/* ---- cgroup_path(id[, filter]) ---- */

static const struct type *check_cgroup_path(struct cg *cg, struct node *call)
{
	struct node *id = call->call.args, *filter = id->next;
	const struct type *t = sema_expr(cg, id);
	if (t && t->kind != T_INT) {
		type_error(cg, call, "cgroup_path() expects an integer cgroup id (%s provided)", t);
		return NULL;
	}
	if (filter && filter->kind != N_STR) {
		sema_error(cg, &call->loc, "%s", "cgroup_path() expects a string literal as the filter");
		return NULL;
	}
	return t ? type_special(T_CGROUP, 8, filter ? filter->str.bytes : NULL) : NULL;
}

/* ---- strerror(errno) ---- */

static const struct type *check_strerror(struct cg *cg, struct node *call)
{
	const struct type *t = sema_expr(cg, call->call.args);
	if (t && t->kind != T_INT) {
		type_error(cg, call, "strerror() expects an integer argument (%s provided)", t);
		return NULL;
	}
	return t ? type_special(T_ERRNO, 8, NULL) : NULL;
}

/* ---- strncmp(a, b, n): 0 when the first n bytes are equal, else 1 ---- */

static const struct type *check_strncmp(struct cg *cg, struct node *call)
{
	struct node *a = call->call.args, *b = a->next, *n = b->next;
	for (struct node *s = a; s != n; s = s->next) {
		const struct type *t = sema_expr(cg, s);
		if (!t)
			return NULL;
		if (t->kind != T_STR) {
			type_error(cg, call, "strncmp() expects a string argument (%s provided)", t);
			return NULL;
		}
	}
	if (n->kind != N_INT) {
		sema_expr(cg, n);
		sema_error(cg, &call->loc, "%s", "strncmp() expects a integer literal (integer provided)");
		return NULL;
	}
	return &type_u64;
}

static int emit_strncmp(struct cg *cg, struct node *call)
{
	struct node *a = call->call.args, *b = a->next;
	uint64_t n = b->next->integer.value;
	return emit_string_equal(cg, a, b, n > INT32_MAX ? INT32_MAX : (int)n, false);
}

const struct func value_funcs[] = {
	{ .name = "strftime", .min_args = 2, .max_args = 2, .check = check_strftime, .emit = emit_second_arg },
	{ .name = "ntop", .min_args = 1, .max_args = 2, .check = check_ntop, .emit_to = emit_ntop },
	{ .name = "pton", .min_args = 1, .max_args = 1, .check = check_pton, .emit_to = emit_pton },
	{ .name = "buf", .min_args = 1, .max_args = 2, .check = check_buf, .emit_to = emit_buf },
	{ .name = "macaddr", .min_args = 1, .max_args = 1, .check = check_macaddr, .emit_to = emit_macaddr },
	{ .name = "cgroup_path", .min_args = 1, .max_args = 2, .check = check_cgroup_path, .emit = emit_first_arg },
	{ .name = "strerror", .min_args = 1, .max_args = 1, .check = check_strerror, .emit = emit_first_arg },
	{ .name = "usym", .min_args = 1, .max_args = 1, .check = check_usym, .emit_to = emit_usym },
	{ .name = "strncmp", .min_args = 3, .max_args = 3, .check = check_strncmp, .emit = emit_strncmp },
	{ .name = NULL },
};
