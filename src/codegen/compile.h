/* The compiler's output: BPF programs (one per attach point, or per target
 * when the body depends on the target) plus the resource tables the runtime
 * needs. compile() runs semantic analysis, then emits IR and lowers it. */
#ifndef SCRY_COMPILE_H
#define SCRY_COMPILE_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>

#include "codegen/ir.h"
#include "codegen/resources.h"
#include "parser/ast.h"
#include "probes/attach.h"
#include "probes/probe.h"
#include "util/strlist.h"

#define STRLEN_DEFAULT 64

struct prog {
	char *name;                      /* as the `probe` builtin prints it */
	struct node *probe;              /* the probe in the AST */
	const struct attach_spec *spec;  /* owned by the AST */
	const struct probe_type *type;   /* its provider's, or the variant serving its targets */
	enum bpf_prog_type prog_type;
	enum bpf_attach_type attach_type; /* expected attach type to load with, or 0 */
	struct strlist targets;          /* where to attach this program */
	bool reports;                    /* the first program of its probe: reports errors */
	/* expression types (sema's result): types[i] is node first_id + i's; a
	 * table for the probe's own nodes, not the script's, keeps 10,000
	 * probes linear */
	const struct type **types;
	int first_id;
	struct ir_func *funcs;           /* main, then callbacks; kept for listings (-d) */
	int nfuncs;
	struct prog_code code;
	int stack_size;                  /* main's frame and the deepest callback's */
};

struct compiled {
	struct resources res;
	struct prog *progs;
	int nprogs;
};

/* Positional parameters: the command line after the script. */
struct params {
	char **values;
	int n;
};
/* Turn $1..$N, $# and str($N) into literals, in place. */
void positional_substitute(struct node *list, const struct params *p);

struct compile_opts {
	bool unsafe; /* allow system(), signal() and other functions with side effects */
	bool child;  /* -c runs a command: `cpid` has a value */
	int helper_checks; /* -k: 1 (helper errors but reads'), -kk: 2 (all) */
	const char *stack_mode; /* kstack/ustack without a mode: NULL (bpftrace's) or "perf" */
	int strlen;  /* str()'s default size, NUL included (BPFTRACE_STRLEN); 0: STRLEN_DEFAULT */
	uint32_t ringbuf_size; /* bytes of the events ring buffer (a power of two); 0: EVENTS_RINGBUF_SIZE */
	struct attach_env env; /* -p: the process user probes look into */
};

/* Returns 0, or -1 after reporting errors through diag. */
int compile(const struct node *ast, const struct compile_opts *opts, struct compiled *out);
void compiled_free(struct compiled *c);

/* Print an instruction listing of every program (scry -d insns). */
void compiled_print(const struct compiled *c, FILE *out);

#endif
