/* The abstract syntax tree of a bpftrace-language script.
 *
 * One node type for everything; `kind` says which union member is live.
 * Sibling lists (probes, attach points, statements, arguments, fields) are
 * linked through `next`. Every node carries its source span and an id.
 * The tree is read-only after parsing: the types semantic analysis gives
 * expressions are a table per program, indexed by node id, because one
 * probe's body types differently for each target of a wildcard. */
#ifndef SCRY_AST_H
#define SCRY_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/diag.h"

struct attach_spec; /* probes/attach.h */

enum node_kind {
	/* top level */
	N_PROGRAM,    /* prog: structs, probes */
	N_PROBE,      /* probe: attach list, pred, body */
	N_ATTACH,     /* attach: raw text of one attach point */
	N_STRUCT_DEF, /* sdef: a C struct/union definition in the script */
	N_FIELD_DEF,  /* fdef: one member of a struct definition */
	N_TYPEDEF,    /* fdef: a C typedef from a header: name, tspec (dims: dim_exprs) */
	N_ENUM_DEF,   /* sdef: a C enum from a header: name ("enum x", or NULL), fields: N_ENUM_CONST */
	N_ENUM_CONST, /* fdef: name, value (NULL: the previous one's plus one) */

	/* statements */
	N_EXPR_STMT, /* stmt.expr */
	N_ASSIGN,    /* assign: target (N_MAP, N_VAR), op (0 or binop), value */
	N_IF,        /* cond: cond, then (N_BLOCK), els (N_BLOCK, N_IF for else-if, or NULL) */
	N_WHILE,     /* loop: cond, body (N_BLOCK) */
	N_UNROLL,    /* loop: cond = count expression, body */
	N_FOR,       /* foreach: var (N_VAR), map (N_MAP), body */
	N_RETURN,    /* stmt.expr (may be NULL) */
	N_BREAK,
	N_CONTINUE,
	N_BLOCK, /* block.stmts: a nested { } statement list */

	/* expressions */
	N_INT,        /* integer: value; is_unsigned: sizeof/offsetof (literals are int64) */
	N_STR,        /* str: bytes (escapes decoded), len (without the NUL) */
	N_BUILTIN,    /* ident.name: pid, comm, arg0, args, retval, ... */
	N_IDENT,      /* ident.name: a bare identifier that is not a builtin (e.g. enum) */
	N_POSITIONAL, /* positional.index: $1 .. $N; index 0 means $# */
	N_VAR,        /* ident.name: scratch variable, name without '$' */
	N_MAP,        /* map: name without '@' ("" for @), key (NULL, or expr, or N_TUPLE for k1,k2) */
	N_CALL,       /* call: name, args */
	N_BINOP,      /* binop: op, left, right */
	N_UNOP,       /* unop: op, operand, postfix (for ++/--) */
	N_TERNARY,    /* ternary: cond, then, els */
	N_FIELD,      /* field: base, name, arrow ('->' vs '.'); $t.0 gives name "0" */
	N_INDEX,      /* index: base, index */
	N_CAST,       /* cast: tspec, operand */
	N_TUPLE,      /* tuple.elems */
	N_SIZEOF,     /* size: tspec or operand */
	N_OFFSETOF,   /* offsetof: tspec, field name */
	N_TYPESPEC,   /* tspec: a C type name as written in a cast or definition */
};

enum op {
	OP_NONE = 0,
	/* binary */
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR,
	OP_LAND, OP_LOR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	/* unary */
	OP_NEG, OP_LNOT, OP_BNOT, OP_DEREF, OP_ADDR, OP_INC, OP_DEC,
};

const char *op_spelling(enum op op); /* "+", "==", "!", "++", ... */

/* A C type as written: "uint8", "int", "unsigned long", "struct task_struct";
 * with pointer depth and array lengths, outermost first (int a[2][3]: 2, 3). */
#define TSPEC_MAX_DIMS 4
struct typespec {
	char *name;
	int ptr_depth;
	int ndims; /* 0 when not an array */
	int dims[TSPEC_MAX_DIMS];
};

struct node {
	enum node_kind kind;
	struct loc loc;
	struct node *next;  /* sibling in a list */
	int id;             /* index of the node's type in a program's table (codegen) */

	union {
		struct {
			struct node *structs; /* N_STRUCT_DEF list */
			struct node *probes;  /* N_PROBE list */
			/* what the script's #includes declare: N_STRUCT_DEF, N_TYPEDEF, N_ENUM_DEF */
			struct node *cdecls;
			/* #include without the kernel's headers: the headers read and where
			 * the kernel's were looked for, for errors (else NULL) */
			char *no_kernel_headers;
		} prog;
		struct {
			struct node *attach; /* N_ATTACH list */
			struct node *pred;   /* expression or NULL */
			struct node *body;   /* statement list (may be NULL when empty) */
		} probe;
		struct {
			char *text; /* as written, quotes kept, e.g. "tracepoint:syscalls:sys_enter_*" */
			struct attach_spec *spec; /* its parts, set by parse_script */
		} attach;
		struct {
			char *name;          /* "struct foo" or "union foo" */
			bool is_union;
			struct node *fields; /* N_FIELD_DEF list */
			/* __attribute__((packed)), ((aligned(N))): N a C constant expression */
			bool packed;
			struct node *aligned;
		} sdef;
		struct {
			struct typespec tspec;
			char *name;
			/* from headers: array lengths as C constant expressions (then
			 * tspec.ndims is 0), bitfield width (0: none), enumerator value */
			struct node *dim_exprs;
			int bits;
			struct node *value;
			bool packed; /* a member's attributes, as a struct's */
			struct node *aligned;
		} fdef;

		struct {
			struct node *expr;
		} stmt;
		struct {
			struct node *target;
			enum op op; /* OP_NONE for '=', else the op of '+=' etc. */
			struct node *value;
			struct loc op_loc; /* the '=' or '+=': where warnings point */
		} assign;
		struct {
			struct node *cond, *then, *els;
		} cond;
		struct {
			struct node *cond, *body;
		} loop;
		struct {
			struct node *var, *map, *body;
		} foreach;
		struct {
			struct node *stmts;
		} block;

		struct {
			uint64_t value;
			bool is_unsigned;
		} integer;
		struct {
			char *bytes;
			int len;
		} str;
		struct {
			char *name;
		} ident;
		struct {
			int index;
		} positional;
		struct {
			char *name;
			struct node *key; /* with multi_key, the N_TUPLE of @m[a, b]'s keys */
			bool multi_key;
		} map;
		struct {
			char *name;
			struct node *args;
		} call;
		struct {
			enum op op;
			struct node *left, *right;
			struct loc op_loc; /* the operator: where warnings point */
		} binop;
		struct {
			enum op op;
			struct node *operand;
			bool postfix;
			int size; /* set by semantic analysis: OP_DEREF's bytes read, the width - and ~ keep */
		} unop;
		struct {
			struct node *cond, *then, *els;
		} ternary;
		struct {
			struct node *base;
			char *name;
			bool arrow;
		} field;
		struct {
			struct node *base, *index;
		} index;
		struct {
			struct node *tspec; /* N_TYPESPEC */
			struct node *operand;
			struct loc head; /* "(type)", to its first '*': where bpftrace's errors point */
		} cast;
		struct {
			struct node *elems;
		} tuple;
		struct {
			struct node *tspec;   /* N_TYPESPEC, or NULL */
			struct node *operand; /* or an expression */
		} size;
		struct {
			struct node *tspec;
			char *field;
		} offsetof;
		struct typespec tspec;
	};
};

struct node *node_new(enum node_kind kind, const struct loc *loc);
/* Number the nodes of a new script from 0 again (tables indexed by id stay
 * the size of one script): only once every node made before is freed. */
void node_ids_restart(void);
void node_free(struct node *n); /* frees n, its children and its siblings */
int node_list_len(const struct node *n);
struct node *node_list_append(struct node *list, struct node *item);
/* The child lists of n (each may be a sibling list); returns how many slots
 * of kids were filled (entries may be NULL). One walker for every pass. */
int node_children(const struct node *n, struct node *kids[3]);
/* Widen [*lo, *hi] to hold the ids of n and of every node below it. */
void node_id_range(const struct node *n, int *lo, int *hi);
/* The passes after the parser walk the tree recursively: deeper trees are
 * refused, which keeps their C stack use below ~2 MB (measured: ~1.3 KB a
 * level in the deepest walker). */
#define AST_MAX_DEPTH 1000
/* A node of the list more than `levels` levels down (the list's own nodes
 * are level 1), or NULL. Recurses at most `levels` deep. */
const struct node *node_deeper_than(const struct node *list, int levels);
/* Whether builtin `name`, or a call of function `name`, appears anywhere in
 * the list of nodes. */
bool node_uses_builtin(const struct node *list, const char *name);

/* Whether name is a builtin variable (pid, comm, arg0, ...), which the lexer
 * tells from other identifiers. */
bool ast_is_builtin(const char *name);

/* Parse a script. Returns the N_PROGRAM, or NULL after reporting errors
 * through diag. `src` must stay alive while the AST is used. */
struct pp_opts;
struct node *parse_script(const struct source *src, const struct pp_opts *opts);

/* Print the AST in an indented, stable text form (used by `-d ast` and tests). */
void ast_print(const struct node *prog, FILE *out);

#endif
