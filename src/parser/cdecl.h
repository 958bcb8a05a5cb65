/* A tolerant reader of the C declarations in preprocessed header text:
 * struct, union and enum definitions and typedefs become AST nodes, the
 * same that a script's own struct definitions make; prototypes, function
 * bodies, variables, attributes and asm labels are skipped. */
#ifndef SCRY_CDECL_H
#define SCRY_CDECL_H

#include <stdbool.h>
#include <stdint.h>

#include "parser/ast.h"

/* The definitions in text, as a node list (N_STRUCT_DEF, N_TYPEDEF,
 * N_ENUM_DEF), each at loc (the script's #include line). */
struct node *cdecl_read(const char *text, const struct loc *loc);

/* internal: tokens (cdecl_lex.c) */
enum ctok_kind { CT_EOF, CT_IDENT, CT_NUM, CT_STR, CT_PUNCT };
struct ctok {
	enum ctok_kind kind;
	const char *start;
	int len;
	uint64_t value; /* CT_NUM */
};
struct ctoks {
	struct ctok *t;
	int n, cap;
};
void ctok_scan(const char *text, struct ctoks *ts);

#endif
