/* AST printer: one node per line, indented by one space per level, in the
 * spirit of `bpftrace -d`. Under each attach point the parsed attach_spec is
 * shown in brackets. */
#include <inttypes.h>
#include <stdio.h>

#include "parser/ast.h"
#include "probes/attach.h"

static void print_node(const struct node *n, int depth, FILE *out);

static void indent(int depth, FILE *out)
{
	for (int i = 0; i < depth; i++)
		fputc(' ', out);
}

static void print_list(const struct node *n, int depth, FILE *out)
{
	for (; n; n = n->next)
		print_node(n, depth, out);
}

static void label(const char *s, int depth, FILE *out)
{
	indent(depth, out);
	fprintf(out, "%s\n", s);
}

/* A labelled statement list ("then", "else", "body"). */
static void print_body(const char *name, const struct node *stmts, int depth, FILE *out)
{
	label(name, depth, out);
	print_list(stmts, depth + 1, out);
}

static void print_escaped(const char *s, int len, FILE *out)
{
	for (int i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		case '\\': fputs("\\\\", out); break;
		case '"': fputs("\\\"", out); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(out, "\\x%02x", c);
			else
				fputc(c, out);
		}
	}
}

static void print_tspec(const struct typespec *t, FILE *out)
{
	fputs(t->name, out);
	if (t->ptr_depth) {
		fputc(' ', out);
		for (int i = 0; i < t->ptr_depth; i++)
			fputc('*', out);
	}
	for (int i = 0; i < t->ndims; i++)
		fprintf(out, "[%d]", t->dims[i]);
}

static void print_attach(const struct node *n, int depth, FILE *out)
{
	indent(depth, out);
	fprintf(out, "attach: %s", n->attach.text);
	const struct attach_spec *spec = n->attach.spec;
	if (spec) {
		fprintf(out, " [%s", spec->provider_name);
		if (spec->target)
			fprintf(out, " target=%s", spec->target);
		if (spec->ns)
			fprintf(out, " ns=%s", spec->ns);
		if (spec->func)
			fprintf(out, " func=%s", spec->func);
		if (spec->offset)
			fprintf(out, " offset=%" PRIu64, spec->offset);
		if (spec->freq)
			fprintf(out, " freq=%" PRIu64, spec->freq);
		if (spec->has_wildcard)
			fputs(" wildcard", out);
		fputc(']', out);
	}
	fputc('\n', out);
}

static void print_node(const struct node *n, int depth, FILE *out)
{
	indent(depth, out);
	switch (n->kind) {
	case N_PROGRAM:
		fputs("Program\n", out);
		print_list(n->prog.cdecls, depth + 1, out);
		print_list(n->prog.structs, depth + 1, out);
		print_list(n->prog.probes, depth + 1, out);
		break;
	case N_PROBE:
		fputs("probe\n", out);
		for (const struct node *a = n->probe.attach; a; a = a->next)
			print_attach(a, depth + 1, out);
		if (n->probe.pred) {
			label("pred", depth + 1, out);
			print_node(n->probe.pred, depth + 2, out);
		}
		print_list(n->probe.body, depth + 1, out);
		break;
	case N_ATTACH:
		fprintf(out, "attach: %s\n", n->attach.text);
		break;
	case N_STRUCT_DEF:
	case N_ENUM_DEF:
		fprintf(out, "%s\n", n->sdef.name);
		print_list(n->sdef.fields, depth + 1, out);
		break;
	case N_FIELD_DEF:
	case N_TYPEDEF:
		fputs(n->kind == N_TYPEDEF ? "typedef: " : "field: ", out);
		print_tspec(&n->fdef.tspec, out);
		fprintf(out, " %s", n->fdef.name);
		if (n->fdef.bits)
			fprintf(out, " : %d", n->fdef.bits < 0 ? 0 : n->fdef.bits);
		fputc('\n', out);
		/* header array lengths, as expressions */
		print_list(n->fdef.dim_exprs, depth + 1, out);
		break;
	case N_ENUM_CONST:
		fprintf(out, "enumerator: %s\n", n->fdef.name);
		if (n->fdef.value)
			print_node(n->fdef.value, depth + 1, out);
		break;
	case N_EXPR_STMT:
		/* an expression statement prints as its expression */
		fputs("expr\n", out);
		print_node(n->stmt.expr, depth + 1, out);
		break;
	case N_ASSIGN:
		fprintf(out, "%s=\n", op_spelling(n->assign.op));
		print_node(n->assign.target, depth + 1, out);
		print_node(n->assign.value, depth + 1, out);
		break;
	case N_IF:
		fputs("if\n", out);
		print_node(n->cond.cond, depth + 1, out);
		print_body("then", n->cond.then ? n->cond.then->block.stmts : NULL, depth + 1, out);
		if (n->cond.els) {
			if (n->cond.els->kind == N_BLOCK) {
				print_body("else", n->cond.els->block.stmts, depth + 1, out);
			} else {
				label("else", depth + 1, out);
				print_node(n->cond.els, depth + 2, out);
			}
		}
		break;
	case N_WHILE:
	case N_UNROLL:
		fputs(n->kind == N_WHILE ? "while\n" : "unroll\n", out);
		print_node(n->loop.cond, depth + 1, out);
		print_body("body", n->loop.body, depth + 1, out);
		break;
	case N_FOR:
		fputs("for\n", out);
		print_node(n->foreach.var, depth + 1, out);
		print_node(n->foreach.map, depth + 1, out);
		print_body("body", n->foreach.body, depth + 1, out);
		break;
	case N_RETURN:
		fputs("return\n", out);
		if (n->stmt.expr)
			print_node(n->stmt.expr, depth + 1, out);
		break;
	case N_BREAK:
		fputs("break\n", out);
		break;
	case N_CONTINUE:
		fputs("continue\n", out);
		break;
	case N_BLOCK:
		fputs("block\n", out);
		print_list(n->block.stmts, depth + 1, out);
		break;
	case N_INT:
		fprintf(out, "int: %" PRIu64 "%s\n", n->integer.value, n->integer.is_unsigned ? " (unsigned)" : "");
		break;
	case N_STR:
		fputs("string: ", out);
		print_escaped(n->str.bytes, n->str.len, out);
		fputc('\n', out);
		break;
	case N_BUILTIN:
		fprintf(out, "builtin: %s\n", n->ident.name);
		break;
	case N_IDENT:
		fprintf(out, "identifier: %s\n", n->ident.name);
		break;
	case N_POSITIONAL:
		if (n->positional.index)
			fprintf(out, "param: $%d\n", n->positional.index);
		else
			fputs("param: $#\n", out);
		break;
	case N_VAR:
		fprintf(out, "variable: $%s\n", n->ident.name);
		break;
	case N_MAP:
		fprintf(out, "map: @%s\n", n->map.name);
		if (n->map.key)
			print_node(n->map.key, depth + 1, out);
		break;
	case N_CALL:
		fprintf(out, "call: %s\n", n->call.name);
		print_list(n->call.args, depth + 1, out);
		break;
	case N_BINOP:
		fprintf(out, "binop: %s\n", op_spelling(n->binop.op));
		print_node(n->binop.left, depth + 1, out);
		print_node(n->binop.right, depth + 1, out);
		break;
	case N_UNOP:
		fprintf(out, "unop: %s%s\n", op_spelling(n->unop.op), n->unop.postfix ? " (postfix)" : "");
		print_node(n->unop.operand, depth + 1, out);
		break;
	case N_TERNARY:
		fputs("?:\n", out);
		print_node(n->ternary.cond, depth + 1, out);
		print_node(n->ternary.then, depth + 1, out);
		print_node(n->ternary.els, depth + 1, out);
		break;
	case N_FIELD:
		fprintf(out, "field: %s%s\n", n->field.arrow ? "->" : ".", n->field.name);
		print_node(n->field.base, depth + 1, out);
		break;
	case N_INDEX:
		fputs("index: []\n", out);
		print_node(n->index.base, depth + 1, out);
		print_node(n->index.index, depth + 1, out);
		break;
	case N_CAST:
		fputs("cast: (", out);
		print_tspec(&n->cast.tspec->tspec, out);
		fputs(")\n", out);
		print_node(n->cast.operand, depth + 1, out);
		break;
	case N_TUPLE:
		fputs("tuple:\n", out);
		print_list(n->tuple.elems, depth + 1, out);
		break;
	case N_SIZEOF:
		fputs("sizeof\n", out);
		if (n->size.tspec)
			print_node(n->size.tspec, depth + 1, out);
		else
			print_node(n->size.operand, depth + 1, out);
		break;
	case N_OFFSETOF:
		fputs("offsetof: ", out);
		print_tspec(&n->offsetof.tspec->tspec, out);
		fprintf(out, ", %s\n", n->offsetof.field);
		break;
	case N_TYPESPEC:
		fputs("type: ", out);
		print_tspec(&n->tspec, out);
		fputc('\n', out);
		break;
	}
}

void ast_print(const struct node *prog, FILE *out)
{
	if (prog)
		print_node(prog, 0, out);
}
