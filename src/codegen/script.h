/* The front end as scry runs it before loading anything: preprocess and
 * parse a script, then substitute its positional parameters, type check it,
 * emit and lower its programs. `scry -d ast`, `-d insns` and the run itself
 * start here, and so does the fuzzer (tests/fuzz), which calls it millions
 * of times in one process: everything it builds is freed by script_free. */
#ifndef SCRY_SCRIPT_H
#define SCRY_SCRIPT_H

#include "codegen/compile.h"
#include "parser/ast.h"
#include "parser/preprocess.h"
#include "util/diag.h"

struct script {
	struct node *ast;          /* NULL when parsing failed */
	struct compiled compiled;  /* filled by script_compile */
};

/* Parse src (which must outlive the script) and make it the source that
 * diagnostics show. Returns 0, or -1 after reporting errors through diag. */
int script_parse(struct script *s, const struct source *src, const struct pp_opts *pp);
/* Compile the parsed script. Returns 0, or -1 after reporting errors. */
int script_compile(struct script *s, const struct params *params, const struct compile_opts *opts);
/* Free the script, whatever stage it reached, and the types and symbol
 * tables its compilation built. */
void script_free(struct script *s);

#endif
