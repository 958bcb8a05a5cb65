/* Grammar of the bpftrace language (0.17 syntax plus a few harmless
 * extensions). Pure parser; locations are struct loc (util/diag.h). */

%require "3.0"
%define api.pure full
%define parse.error verbose
%locations
%expect 0

%param {void *scanner}
%parse-param {struct node **result}

%code requires {
#include <stdbool.h>
#include <stdint.h>
#include "parser/ast.h"

struct node_list {
	struct node *head, *tail;
};

#define YYLTYPE struct loc
#define YYLTYPE_IS_DECLARED 1
#define YYLTYPE_IS_TRIVIAL 1
}

%code {
#include <stdlib.h>
#include <string.h>

#include "parser/cdecl.h"

int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);

/* The parser's stack grows with constructs open within each other (a
 * parenthesis, a block, an else-if): bison's default of 10,000 entries is
 * kept, and running out of it said "memory exhausted". */
#define YYMAXDEPTH 10000

static void yyerror(YYLTYPE *loc, void *scanner, struct node **result, const char *msg)
{
	(void)scanner;
	(void)result;
	if (!strcmp(msg, "memory exhausted"))
		diag_error(loc, "Nesting too deep to parse (more than %d tokens open)", YYMAXDEPTH);
	else
		diag_error(loc, "%s", msg);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* "a" + " " + "b", freeing both. */
static char *join_words(char *a, char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *r = malloc(la + lb + 2);
	if (!r)
		abort();
	memcpy(r, a, la);
	r[la] = ' ';
	memcpy(r + la + 1, b, lb + 1);
	free(a);
	free(b);
	return r;
}

/* A sibling list built by left-recursive rules: appending at the tail keeps
 * long lists linear and the parser's stack flat. items may be a chain of
 * nodes (a C definition's), or none. */
static struct node_list list_add(struct node_list l, struct node *items)
{
	if (!items)
		return l;
	if (!l.head)
		l.head = items;
	else
		l.tail->next = items;
	for (l.tail = items; l.tail->next; l.tail = l.tail->next)
		;
	return l;
}

static struct node *mk(enum node_kind k, const YYLTYPE *l)
{
	return node_new(k, l);
}

static struct node *mk_binop(enum op op, struct node *a, struct node *b, const YYLTYPE *l, const YYLTYPE *op_l)
{
	struct node *n = mk(N_BINOP, l);
	n->binop.op_loc = *op_l;
	n->binop.op = op;
	n->binop.left = a;
	n->binop.right = b;
	return n;
}

static struct node *mk_unop(enum op op, struct node *a, bool postfix, const YYLTYPE *l)
{
	struct node *n = mk(N_UNOP, l);
	n->unop.op = op;
	n->unop.operand = a;
	n->unop.postfix = postfix;
	return n;
}

static struct node *mk_tspec(char *name, int ptrs, int array_len, const YYLTYPE *l)
{
	struct node *n = mk(N_TYPESPEC, l);
	n->tspec.name = name;
	n->tspec.ptr_depth = ptrs;
	if (array_len)
		n->tspec.dims[n->tspec.ndims++] = array_len;
	return n;
}

static struct node *mk_assign(struct node *target, enum op op, struct node *value, const YYLTYPE *l,
			       const YYLTYPE *op_l)
{
	struct node *n = mk(N_ASSIGN, l);
	n->assign.op_loc = *op_l;
	n->assign.target = target;
	n->assign.op = op;
	n->assign.value = value;
	return n;
}

static struct node *mk_loop(enum node_kind k, struct node *cond, struct node *body, const YYLTYPE *l)
{
	struct node *n = mk(k, l);
	n->loop.cond = cond;
	n->loop.body = body;
	return n;
}

static struct node *mk_block(struct node *stmts, const YYLTYPE *l)
{
	struct node *n = mk(N_BLOCK, l);
	n->block.stmts = stmts;
	return n;
}

/* "struct foo", "union foo", "enum foo": a type with no member name after it. */
static bool is_bare_tag(const char *words)
{
	static const char *const tags[] = { "struct ", "union ", "enum " };
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(tags[i]);
		if (!strncmp(words, tags[i], n) && !strchr(words + n, ' '))
			return true;
	}
	return false;
}

/* A cast. bpftrace's errors about its type point from the "(" to the ")",
 * or to the first "*" (a pointer type's node is at its "*"s till here); one
 * column further after a struct, union or enum name, whose end bpftrace's
 * lexer reads twice. */
static struct node *mk_cast(struct node *tspec, struct node *operand, const YYLTYPE *l, const YYLTYPE *lparen,
			    const YYLTYPE *rparen)
{
	struct loc span = *lparen;
	if (tspec->tspec.ptr_depth) {
		span.last_line = tspec->loc.first_line;
		span.last_column = tspec->loc.first_column + 1;
	} else {
		span.last_line = rparen->last_line;
		span.last_column = rparen->last_column;
	}
	struct loc head = span;
	span.last_column += is_bare_tag(tspec->tspec.name);
	tspec->loc = span;
	struct node *n = mk(N_CAST, l);
	n->cast.tspec = tspec;
	n->cast.operand = operand;
	n->cast.head = head;
	return n;
}

/* A member's array lengths from a `dims` node, which is freed. */
static void set_dims(struct typespec *ts, struct node *dims)
{
	ts->ndims = dims->tspec.ndims;
	memcpy(ts->dims, dims->tspec.dims, sizeof(ts->dims));
	node_free(dims);
}

/* An array length in a type: a small positive integer. */
static int array_len(uint64_t v, const YYLTYPE *l)
{
	if (v == 0 || v > 0x7fffffff) {
		diag_error(l, "Invalid array length: %llu", (unsigned long long)v);
		return 1;
	}
	return (int)v;
}
}

%union {
	char *str;
	struct {
		uint64_t value;
	} num;
	struct {
		char *data;
		int len;
	} bytes;
	struct node *node;
	struct node_list list;
	int ival;
	enum op op;
}

%token END 0 "end of file"
%token <str> ATTACH "attach point"
%token <str> IDENT "identifier"
%token <str> BUILTIN "builtin"
%token <str> C_DEFN "C definition"
%token <str> INT_TYPE "integer type"
%token <str> MAP "map"
%token <str> VAR "variable"
%token <num> INT "integer"
%token <num> CHAR "character"
%token <num> PARAM "positional parameter"
%token <bytes> STRING "string"
%token PARAMCOUNT "$#"
%token ENDPRED "end predicate"
%token COLON ":" SEMI ";" LBRACE "{" RBRACE "}" LBRACKET "[" RBRACKET "]"
%token LPAREN "(" RPAREN ")" COMMA "," QUES "?" ASSIGN "="
%token EQ "==" NE "!=" LE "<=" GE ">=" LT "<" GT ">" LEFT "<<" RIGHT ">>"
%token LAND "&&" LOR "||" PLUS "+" MINUS "-" MUL "*" DIV "/" MOD "%"
%token BAND "&" BOR "|" BXOR "^" LNOT "!" BNOT "~" DOT "." PTR "->"
%token INCREMENT "++" DECREMENT "--"
%token PLUSASSIGN "+=" MINUSASSIGN "-=" MULASSIGN "*=" DIVASSIGN "/=" MODASSIGN "%="
%token BANDASSIGN "&=" BORASSIGN "|=" BXORASSIGN "^=" LEFTASSIGN "<<=" RIGHTASSIGN ">>="
%token IF "if" ELSE "else" WHILE "while" FOR "for" UNROLL "unroll"
%token RETURN "return" BREAK "break" CONTINUE "continue"
%token SIZEOF "sizeof" OFFSETOF "offsetof" STRUCT "struct" UNION "union" ENUM "enum"

%type <node> program struct_def field_def probe
%type <node> pred_opt block simple_stmt compound_stmt if_stmt
%type <node> expr map cast_type dims
%type <list> struct_defs field_list probes attach_list stmt_seq stmts expr_list
%type <str> type_words type_word name tag
%type <ival> ptrs
%type <op> compound_op

%destructor { free($$); } <str>
%destructor { free($$.data); } <bytes>
%destructor { node_free($$); } <node>
%destructor { node_free($$.head); } <list>

/* "(x)" and "(x *" begin a cast of a type named x, as in bpftrace 0.17:
 * x as an expression (an enumerator) gives way to ")" and "*" */
%precedence IDENT_EXPR
%precedence ")"
%right "?" ":"
%left "||"
%left "&&"
%left "|"
%left "^"
%left "&"
%left "==" "!="
%left "<" ">" "<=" ">="
%left "<<" ">>"
%left "+" "-"
%left "*" "/" "%"
%precedence UNARY
%precedence MAP_NOKEY
%precedence "++" "--" "." "->" "["

%start start

%%

start:
	program { *result = $1; }
	;

program:
	struct_defs probes {
		$$ = mk(N_PROGRAM, &@$);
		$$->prog.structs = $1.head;
		$$->prog.probes = $2.head;
	}
	;

struct_defs:
	%empty { $$ = (struct node_list){ 0 }; }
	| struct_defs struct_def { $$ = list_add($1, $2); }
	| struct_defs C_DEFN {
		/* a typedef or an enum, read as a header's C declarations are */
		$$ = list_add($1, cdecl_read($2, &@2));
		free($2);
	}
	;

semi_opt:
	%empty
	| ";"
	;

struct_def:
	"struct" name "{" field_list "}" semi_opt {
		$$ = mk(N_STRUCT_DEF, &@$);
		$$->sdef.name = join_words(xstrdup("struct"), $2);
		$$->sdef.fields = $4.head;
	}
	| "union" name "{" field_list "}" semi_opt {
		$$ = mk(N_STRUCT_DEF, &@$);
		$$->sdef.name = join_words(xstrdup("union"), $2);
		$$->sdef.is_union = true;
		$$->sdef.fields = $4.head;
	}
	;

field_list:
	%empty { $$ = (struct node_list){ 0 }; }
	| field_list field_def { $$ = list_add($1, $2); }
	;

field_def:
	type_words ptrs name ";" {
		$$ = mk(N_FIELD_DEF, &@$);
		$$->fdef.tspec.name = $1;
		$$->fdef.tspec.ptr_depth = $2;
		$$->fdef.name = $3;
	}
	| type_words ptrs name dims ";" {
		$$ = mk(N_FIELD_DEF, &@$);
		$$->fdef.tspec.name = $1;
		$$->fdef.tspec.ptr_depth = $2;
		set_dims(&$$->fdef.tspec, $4);
		$$->fdef.name = $3;
	}
	| type_words ";" {
		/* the last word is the member name */
		$$ = mk(N_FIELD_DEF, &@$);
		char *sp = strrchr($1, ' ');
		if (!sp || is_bare_tag($1)) {
			diag_error(&@$, "%s", "struct member has no name");
			$$->fdef.tspec.name = $1;
			$$->fdef.name = xstrdup("");
		} else {
			*sp = 0;
			$$->fdef.name = xstrdup(sp + 1);
			$$->fdef.tspec.name = $1;
		}
	}
	| type_words dims ";" {
		$$ = mk(N_FIELD_DEF, &@$);
		char *sp = strrchr($1, ' ');
		if (!sp) {
			diag_error(&@$, "%s", "struct member has no name");
			$$->fdef.tspec.name = $1;
			$$->fdef.name = xstrdup("");
		} else {
			*sp = 0;
			$$->fdef.name = xstrdup(sp + 1);
			$$->fdef.tspec.name = $1;
		}
		set_dims(&$$->fdef.tspec, $2);
	}
	;

/* array lengths of a member, collected in a typespec node */
dims:
	"[" INT "]" { $$ = mk_tspec(NULL, 0, array_len($2.value, &@2), &@$); }
	| dims "[" INT "]" {
		$$ = $1;
		if ($$->tspec.ndims == TSPEC_MAX_DIMS)
			diag_error(&@$, "arrays of more than %d dimensions are not supported", TSPEC_MAX_DIMS);
		else
			$$->tspec.dims[$$->tspec.ndims++] = array_len($3.value, &@3);
	}
	;

type_words:
	type_word { $$ = $1; }
	| type_words type_word { $$ = join_words($1, $2); }
	;

type_word:
	name { $$ = $1; }
	| INT_TYPE { $$ = $1; }
	| "struct" name { $$ = join_words(xstrdup("struct"), $2); }
	| "union" name { $$ = join_words(xstrdup("union"), $2); }
	| "enum" name { $$ = join_words(xstrdup("enum"), $2); }
	;

ptrs:
	"*" { $$ = 1; }
	| ptrs "*" { $$ = $1 + 1; }
	;

/* a member's or a function's name may be a builtin's */
name:
	IDENT { $$ = $1; }
	| BUILTIN { $$ = $1; }
	;

probes:
	%empty { $$ = (struct node_list){ 0 }; }
	| probes probe { $$ = list_add($1, $2); }
	;

probe:
	attach_list pred_opt block {
		$$ = mk(N_PROBE, &@$);
		$$->probe.attach = $1.head;
		$$->probe.pred = $2;
		$$->probe.body = $3;
	}
	| pred_opt block {
		diag_error(&@2, "%s", "No attach points for probe");
		$$ = mk(N_PROBE, &@$);
		$$->probe.pred = $1;
		$$->probe.body = $2;
	}
	;

attach_list:
	ATTACH {
		struct node *a = mk(N_ATTACH, &@$);
		a->attach.text = $1;
		$$ = list_add((struct node_list){ 0 }, a);
	}
	| attach_list "," ATTACH {
		struct node *a = mk(N_ATTACH, &@3);
		a->attach.text = $3;
		$$ = list_add($1, a);
	}
	;

pred_opt:
	%empty { $$ = NULL; }
	| "/" expr ENDPRED { $$ = $2; }
	;

block:
	"{" stmt_seq "}" { $$ = $2.head; }
	;

/* Statements: a simple one ends with ';' unless it is the last, a compound
 * one may. Left-recursive, so 100,000 statements need no parser stack. */
stmt_seq:
	stmts { $$ = $1; }
	| stmts simple_stmt { $$ = list_add($1, $2); }
	;

stmts:
	%empty { $$ = (struct node_list){ 0 }; }
	| stmts simple_stmt ";" { $$ = list_add($1, $2); }
	| stmts compound_stmt { $$ = list_add($1, $2); }
	| stmts compound_stmt ";" { $$ = list_add($1, $2); }
	;

simple_stmt:
	expr {
		$$ = mk(N_EXPR_STMT, &@$);
		$$->stmt.expr = $1;
	}
	| map "=" expr { $$ = mk_assign($1, OP_NONE, $3, &@$, &@2); }
	| VAR "=" expr {
		struct node *v = mk(N_VAR, &@1);
		v->ident.name = $1;
		$$ = mk_assign(v, OP_NONE, $3, &@$, &@2);
	}
	| map compound_op expr { $$ = mk_assign($1, $2, $3, &@$, &@2); }
	| VAR compound_op expr {
		struct node *v = mk(N_VAR, &@1);
		v->ident.name = $1;
		$$ = mk_assign(v, $2, $3, &@$, &@2);
	}
	| "return" { $$ = mk(N_RETURN, &@$); }
	| "return" expr {
		$$ = mk(N_RETURN, &@$);
		$$->stmt.expr = $2;
	}
	| "break" { $$ = mk(N_BREAK, &@$); }
	| "continue" { $$ = mk(N_CONTINUE, &@$); }
	;

compound_op:
	"+=" { $$ = OP_ADD; }
	| "-=" { $$ = OP_SUB; }
	| "*=" { $$ = OP_MUL; }
	| "/=" { $$ = OP_DIV; }
	| "%=" { $$ = OP_MOD; }
	| "&=" { $$ = OP_BAND; }
	| "|=" { $$ = OP_BOR; }
	| "^=" { $$ = OP_BXOR; }
	| "<<=" { $$ = OP_SHL; }
	| ">>=" { $$ = OP_SHR; }
	;

compound_stmt:
	if_stmt { $$ = $1; }
	| "while" "(" expr ")" block { $$ = mk_loop(N_WHILE, $3, $5, &@$); }
	| "unroll" "(" expr ")" block { $$ = mk_loop(N_UNROLL, $3, $5, &@$); }
	| "for" "(" VAR ":" map ")" block {
		$$ = mk(N_FOR, &@$);
		$$->foreach.var = mk(N_VAR, &@3);
		$$->foreach.var->ident.name = $3;
		$$->foreach.map = $5;
		$$->foreach.body = $7;
	}
	| block { $$ = mk_block($1, &@$); }
	;

if_stmt:
	"if" "(" expr ")" block {
		$$ = mk(N_IF, &@$);
		$$->cond.cond = $3;
		$$->cond.then = mk_block($5, &@5);
	}
	| "if" "(" expr ")" block "else" block {
		$$ = mk(N_IF, &@$);
		$$->cond.cond = $3;
		$$->cond.then = mk_block($5, &@5);
		$$->cond.els = mk_block($7, &@7);
	}
	| "if" "(" expr ")" block "else" if_stmt {
		$$ = mk(N_IF, &@$);
		$$->cond.cond = $3;
		$$->cond.then = mk_block($5, &@5);
		$$->cond.els = $7;
	}
	;

map:
	MAP %prec MAP_NOKEY {
		$$ = mk(N_MAP, &@$);
		$$->map.name = $1;
	}
	| MAP "[" expr_list "]" {
		$$ = mk(N_MAP, &@$);
		$$->map.name = $1;
		if ($3.head->next) {
			struct node *t = mk(N_TUPLE, &@3);
			t->tuple.elems = $3.head;
			$$->map.key = t;
			$$->map.multi_key = true;
		} else {
			$$->map.key = $3.head;
		}
	}
	;

expr_list:
	expr { $$ = list_add((struct node_list){ 0 }, $1); }
	| expr_list "," expr { $$ = list_add($1, $3); }
	;

cast_type:
	INT_TYPE { $$ = mk_tspec($1, 0, 0, &@$); }
	| INT_TYPE ptrs { $$ = mk_tspec($1, $2, 0, &@2); }
	| INT_TYPE "[" INT "]" { $$ = mk_tspec($1, 0, array_len($3.value, &@3), &@$); }
	| tag name { $$ = mk_tspec(join_words($1, $2), 0, 0, &@$); }
	| tag name ptrs { $$ = mk_tspec(join_words($1, $2), $3, 0, &@3); }
	;

tag:
	"struct" { $$ = xstrdup("struct"); }
	| "union" { $$ = xstrdup("union"); }
	| "enum" { $$ = xstrdup("enum"); }
	;

expr:
	INT {
		$$ = mk(N_INT, &@$);
		$$->integer.value = $1.value;
	}
	| CHAR {
		$$ = mk(N_INT, &@$);
		$$->integer.value = $1.value;
	}
	| STRING {
		$$ = mk(N_STR, &@$);
		$$->str.bytes = $1.data;
		$$->str.len = $1.len;
	}
	| PARAM {
		$$ = mk(N_POSITIONAL, &@$);
		$$->positional.index = (int)$1.value;
	}
	| PARAMCOUNT { $$ = mk(N_POSITIONAL, &@$); }
	| IDENT %prec IDENT_EXPR {
		$$ = mk(N_IDENT, &@$);
		$$->ident.name = $1;
	}
	| BUILTIN {
		$$ = mk(N_BUILTIN, &@$);
		$$->ident.name = $1;
	}
	| VAR {
		$$ = mk(N_VAR, &@$);
		$$->ident.name = $1;
	}
	| map { $$ = $1; }
	| name "(" ")" {
		$$ = mk(N_CALL, &@$);
		$$->call.name = $1;
	}
	| name "(" expr_list ")" {
		$$ = mk(N_CALL, &@$);
		$$->call.name = $1;
		$$->call.args = $3.head;
	}
	| "(" expr ")" { $$ = $2; }
	| "(" expr "," expr_list ")" {
		$$ = mk(N_TUPLE, &@$);
		$2->next = $4.head;
		$$->tuple.elems = $2;
	}
	| "(" cast_type ")" expr %prec UNARY { $$ = mk_cast($2, $4, &@$, &@1, &@3); }
	| "(" IDENT ")" expr %prec UNARY { $$ = mk_cast(mk_tspec($2, 0, 0, &@2), $4, &@$, &@1, &@3); }
	| "(" IDENT ptrs ")" expr %prec UNARY {
		$$ = mk_cast(mk_tspec($2, $3, 0, &@3), $5, &@$, &@1, &@4);
	}
	| "sizeof" "(" cast_type ")" {
		$$ = mk(N_SIZEOF, &@$);
		$$->size.tspec = $3;
	}
	| "sizeof" "(" expr ")" {
		$$ = mk(N_SIZEOF, &@$);
		$$->size.operand = $3;
	}
	| "offsetof" "(" cast_type "," name ")" {
		$$ = mk(N_OFFSETOF, &@$);
		$$->offsetof.tspec = $3;
		$$->offsetof.field = $5;
	}
	| expr "?" expr ":" expr {
		$$ = mk(N_TERNARY, &@$);
		$$->ternary.cond = $1;
		$$->ternary.then = $3;
		$$->ternary.els = $5;
	}
	| expr "||" expr { $$ = mk_binop(OP_LOR, $1, $3, &@$, &@2); }
	| expr "&&" expr { $$ = mk_binop(OP_LAND, $1, $3, &@$, &@2); }
	| expr "|" expr { $$ = mk_binop(OP_BOR, $1, $3, &@$, &@2); }
	| expr "^" expr { $$ = mk_binop(OP_BXOR, $1, $3, &@$, &@2); }
	| expr "&" expr { $$ = mk_binop(OP_BAND, $1, $3, &@$, &@2); }
	| expr "==" expr { $$ = mk_binop(OP_EQ, $1, $3, &@$, &@2); }
	| expr "!=" expr { $$ = mk_binop(OP_NE, $1, $3, &@$, &@2); }
	| expr "<" expr { $$ = mk_binop(OP_LT, $1, $3, &@$, &@2); }
	| expr ">" expr { $$ = mk_binop(OP_GT, $1, $3, &@$, &@2); }
	| expr "<=" expr { $$ = mk_binop(OP_LE, $1, $3, &@$, &@2); }
	| expr ">=" expr { $$ = mk_binop(OP_GE, $1, $3, &@$, &@2); }
	| expr "<<" expr { $$ = mk_binop(OP_SHL, $1, $3, &@$, &@2); }
	| expr ">>" expr { $$ = mk_binop(OP_SHR, $1, $3, &@$, &@2); }
	| expr "+" expr { $$ = mk_binop(OP_ADD, $1, $3, &@$, &@2); }
	| expr "-" expr { $$ = mk_binop(OP_SUB, $1, $3, &@$, &@2); }
	| expr "*" expr { $$ = mk_binop(OP_MUL, $1, $3, &@$, &@2); }
	| expr "/" expr { $$ = mk_binop(OP_DIV, $1, $3, &@$, &@2); }
	| expr "%" expr { $$ = mk_binop(OP_MOD, $1, $3, &@$, &@2); }
	| "-" expr %prec UNARY { $$ = mk_unop(OP_NEG, $2, false, &@$); }
	| "!" expr %prec UNARY { $$ = mk_unop(OP_LNOT, $2, false, &@$); }
	| "~" expr %prec UNARY { $$ = mk_unop(OP_BNOT, $2, false, &@$); }
	| "*" expr %prec UNARY { $$ = mk_unop(OP_DEREF, $2, false, &@$); }
	| "&" expr %prec UNARY { $$ = mk_unop(OP_ADDR, $2, false, &@$); }
	| "++" expr %prec UNARY { $$ = mk_unop(OP_INC, $2, false, &@$); }
	| "--" expr %prec UNARY { $$ = mk_unop(OP_DEC, $2, false, &@$); }
	| expr "++" { $$ = mk_unop(OP_INC, $1, true, &@$); }
	| expr "--" { $$ = mk_unop(OP_DEC, $1, true, &@$); }
	| expr "." name {
		$$ = mk(N_FIELD, &@$);
		$$->field.base = $1;
		$$->field.name = $3;
	}
	| expr "." INT {
		$$ = mk(N_FIELD, &@$);
		$$->field.base = $1;
		char buf[32];
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)$3.value);
		$$->field.name = xstrdup(buf);
	}
	| expr "->" name {
		$$ = mk(N_FIELD, &@$);
		$$->field.base = $1;
		$$->field.name = $3;
		$$->field.arrow = true;
	}
	| expr "[" expr "]" {
		$$ = mk(N_INDEX, &@$);
		$$->index.base = $1;
		$$->index.index = $3;
	}
	;

%%
