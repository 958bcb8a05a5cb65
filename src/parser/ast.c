/* AST nodes: allocation, freeing, lists. */
#include "parser/ast.h"

#include <stdlib.h>

#include "parser/attach.h"

struct node *node_new(enum node_kind kind, const struct loc *loc)
{
	struct node *n = calloc(1, sizeof *n);
	if (!n)
		abort();
	n->kind = kind;
	if (loc)
		n->loc = *loc;
	return n;
}

static void node_free_one(struct node *n)
{
	switch (n->kind) {
	case N_PROGRAM:
		node_free(n->prog.structs);
		node_free(n->prog.probes);
		break;
	case N_PROBE:
		node_free(n->probe.attach);
		node_free(n->probe.pred);
		node_free(n->probe.body);
		break;
	case N_ATTACH:
		free(n->attach.text);
		if (n->attach.spec)
			attach_spec_free(n->attach.spec);
		free(n->attach.spec);
		break;
	case N_STRUCT_DEF:
		free(n->sdef.name);
		node_free(n->sdef.fields);
		break;
	case N_FIELD_DEF:
		free(n->fdef.tspec.name);
		free(n->fdef.name);
		break;
	case N_EXPR_STMT:
	case N_RETURN:
		node_free(n->stmt.expr);
		break;
	case N_ASSIGN:
		node_free(n->assign.target);
		node_free(n->assign.value);
		break;
	case N_IF:
		node_free(n->cond.cond);
		node_free(n->cond.then);
		node_free(n->cond.els);
		break;
	case N_WHILE:
	case N_UNROLL:
		node_free(n->loop.cond);
		node_free(n->loop.body);
		break;
	case N_FOR:
		node_free(n->foreach.var);
		node_free(n->foreach.map);
		node_free(n->foreach.body);
		break;
	case N_BREAK:
	case N_CONTINUE:
	case N_INT:
	case N_POSITIONAL:
		break;
	case N_BLOCK:
		node_free(n->block.stmts);
		break;
	case N_STR:
		free(n->str.bytes);
		break;
	case N_BUILTIN:
	case N_IDENT:
	case N_VAR:
		free(n->ident.name);
		break;
	case N_MAP:
		free(n->map.name);
		node_free(n->map.key);
		break;
	case N_CALL:
		free(n->call.name);
		node_free(n->call.args);
		break;
	case N_BINOP:
		node_free(n->binop.left);
		node_free(n->binop.right);
		break;
	case N_UNOP:
		node_free(n->unop.operand);
		break;
	case N_TERNARY:
		node_free(n->ternary.cond);
		node_free(n->ternary.then);
		node_free(n->ternary.els);
		break;
	case N_FIELD:
		node_free(n->field.base);
		free(n->field.name);
		break;
	case N_INDEX:
		node_free(n->index.base);
		node_free(n->index.index);
		break;
	case N_CAST:
		node_free(n->cast.tspec);
		node_free(n->cast.operand);
		break;
	case N_TUPLE:
		node_free(n->tuple.elems);
		break;
	case N_SIZEOF:
		node_free(n->size.tspec);
		node_free(n->size.operand);
		break;
	case N_OFFSETOF:
		node_free(n->offsetof.tspec);
		free(n->offsetof.field);
		break;
	case N_TYPESPEC:
		free(n->tspec.name);
		break;
	}
	free(n);
}

void node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;
		node_free_one(n);
		n = next;
	}
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
