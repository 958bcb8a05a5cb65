/* AST nodes: allocation, freeing, lists. */
#include "parser/ast.h"

#include <stdlib.h>
#include <string.h>

#include "probes/attach.h"

static int nodes_made;

struct node *node_new(enum node_kind kind, const struct loc *loc)
{
	struct node *n = calloc(1, sizeof *n);
	if (!n)
		abort();
	n->kind = kind;
	n->id = nodes_made++;
	if (loc)
		n->loc = *loc;
	return n;
}

void node_ids_restart(void)
{
	nodes_made = 0;
}

int node_children(const struct node *n, struct node *kids[3])
{
#define KIDS(a, b, c) (kids[0] = (a), kids[1] = (b), kids[2] = (c), 3)
	switch (n->kind) {
	case N_PROGRAM: return KIDS(n->prog.structs, n->prog.probes, n->prog.cdecls);
	case N_PROBE: return KIDS(n->probe.attach, n->probe.pred, n->probe.body);
	case N_STRUCT_DEF:
	case N_ENUM_DEF: return KIDS(n->sdef.fields, n->sdef.aligned, NULL);
	case N_FIELD_DEF:
	case N_TYPEDEF:
	case N_ENUM_CONST: return KIDS(n->fdef.dim_exprs, n->fdef.value, n->fdef.aligned);
	case N_EXPR_STMT:
	case N_RETURN: return KIDS(n->stmt.expr, NULL, NULL);
	case N_ASSIGN: return KIDS(n->assign.target, n->assign.value, NULL);
	case N_IF: return KIDS(n->cond.cond, n->cond.then, n->cond.els);
	case N_WHILE:
	case N_UNROLL: return KIDS(n->loop.cond, n->loop.body, NULL);
	case N_FOR: return KIDS(n->foreach.var, n->foreach.map, n->foreach.body);
	case N_BLOCK: return KIDS(n->block.stmts, NULL, NULL);
	case N_MAP: return KIDS(n->map.key, NULL, NULL);
	case N_CALL: return KIDS(n->call.args, NULL, NULL);
	case N_BINOP: return KIDS(n->binop.left, n->binop.right, NULL);
	case N_UNOP: return KIDS(n->unop.operand, NULL, NULL);
	case N_TERNARY: return KIDS(n->ternary.cond, n->ternary.then, n->ternary.els);
	case N_FIELD: return KIDS(n->field.base, NULL, NULL);
	case N_INDEX: return KIDS(n->index.base, n->index.index, NULL);
	case N_CAST: return KIDS(n->cast.tspec, n->cast.operand, NULL);
	case N_TUPLE: return KIDS(n->tuple.elems, NULL, NULL);
	case N_SIZEOF: return KIDS(n->size.tspec, n->size.operand, NULL);
	case N_OFFSETOF: return KIDS(n->offsetof.tspec, NULL, NULL);
	default: return 0;
	}
#undef KIDS
}

bool node_uses_builtin(const struct node *list, const char *name)
{
	for (const struct node *n = list; n; n = n->next) {
		if ((n->kind == N_BUILTIN && !strcmp(n->ident.name, name)) ||
		    (n->kind == N_CALL && !strcmp(n->call.name, name)))
			return true;
		struct node *kids[3];
		int nk = node_children(n, kids);
		for (int i = 0; i < nk; i++)
			if (node_uses_builtin(kids[i], name))
				return true;
	}
	return false;
}

/* Strings a node owns besides its children. */
static void node_free_strings(struct node *n)
{
	switch (n->kind) {
	case N_ATTACH:
		free(n->attach.text);
		if (n->attach.spec)
			attach_spec_free(n->attach.spec);
		free(n->attach.spec);
		break;
	case N_PROGRAM: free(n->prog.no_kernel_headers); break;
	case N_STRUCT_DEF:
	case N_ENUM_DEF: free(n->sdef.name); break;
	case N_FIELD_DEF:
	case N_TYPEDEF:
	case N_ENUM_CONST:
		free(n->fdef.tspec.name);
		free(n->fdef.name);
		break;
	case N_STR: free(n->str.bytes); break;
	case N_BUILTIN:
	case N_IDENT:
	case N_VAR: free(n->ident.name); break;
	case N_MAP: free(n->map.name); break;
	case N_CALL: free(n->call.name); break;
	case N_FIELD: free(n->field.name); break;
	case N_OFFSETOF: free(n->offsetof.field); break;
	case N_TYPESPEC: free(n->tspec.name); break;
	default: break;
	}
}

/* Iterative: each child list is spliced in front of the nodes still to
 * free, so a tree as deep as a hostile script makes cannot overflow the C
 * stack. Each list's tail is walked once, which keeps it linear. */
void node_free(struct node *n)
{
	while (n) {
		struct node *rest = n->next, *kids[3];
		int nk = node_children(n, kids);
		for (int i = 0; i < nk; i++) {
			if (!kids[i])
				continue;
			struct node *tail = kids[i];
			while (tail->next)
				tail = tail->next;
			tail->next = rest;
			rest = kids[i];
		}
		node_free_strings(n);
		free(n);
		n = rest;
	}
}

void node_id_range(const struct node *n, int *lo, int *hi)
{
	if (n->id < *lo)
		*lo = n->id;
	if (n->id > *hi)
		*hi = n->id;
	struct node *kids[3];
	int nk = node_children(n, kids);
	for (int i = 0; i < nk; i++)
		for (const struct node *k = kids[i]; k; k = k->next)
			node_id_range(k, lo, hi);
}

const struct node *node_deeper_than(const struct node *list, int levels)
{
	for (const struct node *n = list; n; n = n->next) {
		if (levels == 0)
			return n;
		struct node *kids[3];
		int nk = node_children(n, kids);
		for (int i = 0; i < nk; i++) {
			const struct node *deep = node_deeper_than(kids[i], levels - 1);
			if (deep)
				return deep;
		}
	}
	return NULL;
}

int node_list_len(const struct node *n)
{
	int len = 0;
	for (; n; n = n->next)
		len++;
	return len;
}

struct node *node_list_append(struct node *list, struct node *item)
{
	if (!list)
		return item;
	struct node *p = list;
	while (p->next)
		p = p->next;
	p->next = item;
	return list;
}

const char *op_spelling(enum op op)
{
	switch (op) {
	case OP_NONE: return "";
	case OP_ADD: return "+";
	case OP_SUB: return "-";
	case OP_MUL: return "*";
	case OP_DIV: return "/";
	case OP_MOD: return "%";
	case OP_BAND: return "&";
	case OP_BOR: return "|";
	case OP_BXOR: return "^";
	case OP_SHL: return "<<";
	case OP_SHR: return ">>";
	case OP_LAND: return "&&";
	case OP_LOR: return "||";
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_LT: return "<";
	case OP_LE: return "<=";
	case OP_GT: return ">";
	case OP_GE: return ">=";
	case OP_NEG: return "-";
	case OP_LNOT: return "!";
	case OP_BNOT: return "~";
	case OP_DEREF: return "*";
	case OP_ADDR: return "&";
	case OP_INC: return "++";
	case OP_DEC: return "--";
	}
	return "?";
}

static const char *const builtins[] = {
	"pid", "tid", "uid", "gid", "nsecs", "elapsed", "cpu", "comm", "kstack",
	"ustack", "stack", "retval", "func", "probe", "curtask", "rand", "ctx",
	"username", "args", "cgroup", "cpid", "numaid", "jiffies", NULL,
};

bool ast_is_builtin(const char *name)
{
	for (int i = 0; builtins[i]; i++)
		if (!strcmp(name, builtins[i]))
			return true;
	/* arg0..argN, sarg0..sargN */
	const char *p = name;
	if (!strncmp(p, "sarg", 4))
		p += 4;
	else if (!strncmp(p, "arg", 3))
		p += 3;
	else
		return false;
	if (!*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}
