/* Shared state of semantic analysis and IR emission for one probe instance
 * (one BPF program). Internal to src/codegen. */
#ifndef SCRY_CG_H
#define SCRY_CG_H

#include <stdbool.h>

#include "codegen/compile.h"
#include "codegen/frame.h"
#include "codegen/ir.h"
#include "codegen/resources.h"
#include "codegen/types.h"
#include "parser/ast.h"
#include "probes/attach.h"
#include "probes/probe.h"
#include "util/name_index.h"

struct var {
	char *name;
	const struct type *type;
	int int_size; /* integers are kept in 64 bits; sizeof() tells the width first assigned */
	const struct node *scope; /* the for loop whose body declares it, or NULL */
	int vreg;  /* scalar values */
	/* memory values live at base + slot: base is FP, or in a callback the
	 * vreg pointing at the frame of the main function that owns them */
	int base, slot;
	/* declared in a branch or loop body, so possibly read before assigned:
	 * zeroed on entry (the others are assigned before any read) */
	bool needs_zero;
};

/* A value computed once and used again (cse.c) */
struct cse_value {
	const struct node *expr; /* a map read or a builtin */
	int map;                 /* the map read, or -1 */
	const struct ir *ir;     /* the function it was computed in */
	int pos, checked;        /* where in it (ir_dominates) */
	int vreg;                /* a copy of the value, which nothing changes */
};
#define CSE_MAX 16
#define CSE_ALL (-2)

struct cg {
	struct resources *res;
	const struct probe_type *probe; /* the contract of the program's probe type */
	struct probe_site site;     /* its spec, and its target when it has one */
	const char *probe_name;     /* "tracepoint:syscalls:sys_enter_openat" */
	const struct type *args;    /* record behind `args`, or NULL */
	bool quiet;                 /* first sema pass: learn map types, report nothing */
	bool unsafe;                /* --unsafe: system(), signal() allowed */
	int strlen;                 /* str()'s default size (BPFTRACE_STRLEN) */
	bool child;                 /* -c: `cpid` allowed */
	int helper_checks;          /* -k: 1, -kk: 2, else 0 */
	const char *stack_mode;     /* of kstack/ustack without one (BPFTRACE_STACK_MODE) */
	int loop_depth;             /* sema: while loops around the current statement */
	int cond_depth;             /* sema: branches and loop bodies around it, in its scope */
	const struct node *in_for;  /* the for loop whose body is being analysed or emitted */

	struct var *vars;
	int nvars;
	struct name_index var_names; /* numbered as vars */
	/* the types of this program's expressions, by node id less first_id:
	 * the program's own (prog->types), as one probe types differently per
	 * target */
	const struct type **types;
	int first_id;

	/* emission: the state of the function being emitted */
	struct ir *ir;
	struct frame frame;
	int ctx;                    /* vreg holding the context pointer */
	int exit_label;             /* jump here to return 0 */
	int loop_break, loop_continue; /* labels of the innermost loop, or -1 */
	struct ir_func *subprogs;   /* callbacks emitted so far: function 1, 2, ... */
	int nsubprogs;
	struct cse_value cse[CSE_MAX];
	int ncse;
};

/* The type semantic analysis gave expression n in this program. */
static inline const struct type *ty(const struct cg *cg, const struct node *n)
{
	return cg->types[n->id - cg->first_id];
}

static inline const struct type *ty_set(struct cg *cg, const struct node *n, const struct type *t)
{
	return cg->types[n->id - cg->first_id] = t;
}

/* ---- structs.c ---- */
/* Register the script's struct definitions (errors through diag). */
void structs_define(const struct node *prog);
/* An enumerator of the script's headers, else of the kernel's BTF. */
bool structs_enum_value(const char *name, int64_t *value);
/* The script includes headers but the kernel's were not found: which
 * headers were read and where the kernel's were looked for (else NULL). */
const char *structs_no_kernel_headers(void);
void structs_free(void);
/* The type a C type name denotes, or NULL when it is unknown. */
const struct type *type_from_spec(const struct typespec *ts);

/* ---- ir_prune.c ---- */
/* Drop IR that no path reaches (the verifier rejects unreachable code). */
void ir_prune_unreachable(struct ir *ir);
/* Remove the side-effect-free definitions of virtual registers never read. */
void ir_prune_dead(struct ir *ir);

/* ---- ir_peephole.c ---- */
/* Shorter forms of local shapes: inverted jumps over gotos, stores of
 * constants, helper results used from r0. Runs after pruning. */
void ir_peephole(struct ir *ir);

/* ---- sema.c ---- */
void sema_error(struct cg *cg, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const struct type *sema_expr(struct cg *cg, struct node *n);
void sema_stmts(struct cg *cg, struct node *stmts);
struct var *var_find(struct cg *cg, const char *name);
/* The width of an integer: a variable's is that of its first value. */
int int_width(struct cg *cg, const struct node *n);
/* An integer literal, negated or not ($1 is one once substituted): its value. */
bool int_literal(const struct node *n, int64_t *v);
/* A new variable, in the scope of the for loop being analysed (if any). */
struct var *var_define(struct cg *cg, const char *name, const struct type *t);
const struct type *sema_update_target(struct cg *cg, struct node *target, const char *op, const struct loc *loc);
/* The aggregation (count, sum, ...) a read of map n yields, or NULL: bpftrace
 * types such a read as the aggregation, which no operator takes. */
const struct type *sema_agg_read(struct cg *cg, const struct node *n);

/* ---- builtins.c: identifiers like pid, comm, args ---- */
struct builtin {
	const char *name;
	const struct type *type;   /* fixed type, or NULL when type_of decides */
	const struct type *(*type_of)(struct cg *cg, struct node *n);
	int (*emit)(struct cg *cg, struct node *n);                       /* scalar: returns a vreg */
	void (*emit_to)(struct cg *cg, struct node *n, int base, int off); /* memory: writes at base+off */
	bool fills; /* emit_to writes every byte of the type (no zeroing needed first) */
	bool per_run; /* the same value throughout a run of the program: computed once (cse.c) */
};
const struct builtin *builtin_find(const char *name);
/* Builtins holding a kernel address (curtask): a pointer cast of one points
 * into the kernel, even in a probe whose plain integers are user addresses. */
bool builtin_kernel_address(const char *name);
/* kstack/ustack: the stack id (ustack: with the pid in the upper half). */
int emit_stack(struct cg *cg, bool user);

/* ---- funcs.c: calls like printf(), str(), count() ---- */
struct func {
	const char *name;
	int min_args, max_args;
	/* checks arguments, returns the result type (NULL after an error) */
	const struct type *(*check)(struct cg *cg, struct node *call);
	int (*emit)(struct cg *cg, struct node *call);                       /* scalar result */
	void (*emit_to)(struct cg *cg, struct node *call, int base, int off); /* memory result */
	void (*emit_stmt)(struct cg *cg, struct node *call);                 /* no result */
	bool is_agg; /* only valid as @map = f(...) */
};
const struct func *func_find(const char *name);
/* ksym(), uptr(), strerror(), ...: the value is the first argument, only its type differs */
int emit_first_arg(struct cg *cg, struct node *call);
/* funcs_values.c: strftime, ntop, buf, ...; ends with a NULL name */
extern const struct func value_funcs[];
/* funcs_misc.c: bswap, strcontains, debugf; ends with a NULL name */
extern const struct func misc_funcs[];
/* The kind of value printf reports an argument as in its errors: "integer", "string", ... */
const char *printf_kind(struct cg *cg, const struct node *arg);
/* Whether plain integers used as addresses point into user space here. */
bool user_space_probe(const struct cg *cg);

/* ---- helper_check.c: -k and -kk ---- */
/* Call helper (its arguments already in r1-r5) for the construct being
 * emitted (the IR's location), acting on script map map_idx (or -1); returns a vreg holding
 * its result. Under -k (-kk also for reads and map lookups, as bpftrace
 * checks) a failure is counted and its first occurrences reported. */
int emit_helper_call(struct cg *cg, int helper, int map_idx);
/* The same, for a call whose result the caller does not use. */
void emit_helper_stmt(struct cg *cg, int helper, int map_idx);

/* ---- cse.c: values computed once per run ---- */
/* A new vreg holding the value expr had where it was computed before, when
 * that is on every path here; else -1. */
int cse_reuse(struct cg *cg, const struct node *expr);
/* Keep a copy of vreg, the value of expr (a read of map, or a per-run
 * builtin with map -1), when expr has the same value wherever it is evaluated. */
void cse_keep(struct cg *cg, const struct node *expr, int map, int vreg);
/* Forget the values read from map, which is being written (CSE_ALL: every
 * value, at a loop: what a later trip sees is not known yet). */
void cse_forget(struct cg *cg, int map);

/* ---- foreach.c: for ($kv : @map) { ... } ---- */
void sema_for(struct cg *cg, struct node *n);
void emit_for(struct cg *cg, struct node *n);

/* ---- emit.c ---- */
/* A value of a scalar type (int, pointer) in a fresh vreg. */
int emit_expr(struct cg *cg, struct node *n);
/* Jump to label when n is true (when) or false (!when), else fall through:
 * &&, ||, ! and comparisons of scalars are jumps, not a 0 or 1 tested. */
void emit_branch(struct cg *cg, struct node *n, bool when, int label);
/* A value of any type written to memory at base + off (base: a vreg or FP). */
void emit_expr_to(struct cg *cg, struct node *n, int base, int off);
/* Whether emit_expr_to(n) writes every one of the first size bytes itself,
 * so that they need no zeroing first (keys must not carry stale bytes). */
bool emit_writes_all(struct cg *cg, struct node *n, int size);
/* A value stored into a field of type t (integers widened to its size). */
void emit_value_to(struct cg *cg, struct node *n, const struct type *t, int base, int off);
/* reg = base + off */
void emit_addr(struct cg *cg, int reg, int base, int off);
/* Read size bytes (a string: up to NUL) from the address in ptr to base+off. */
void emit_probe_read(struct cg *cg, int base, int off, int size, int ptr, bool user, bool string);
/* Like emit_probe_read, of as many bytes as the vreg size holds (bounded by the caller). */
void emit_probe_read_n(struct cg *cg, int base, int off, int size, int ptr, bool user);
/* 1 when strings l and r are equal (!equal: differ) in their first limit bytes, else 0. */
int emit_string_equal(struct cg *cg, struct node *l, struct node *r, int limit, bool equal);
/* a = a OP b on 64-bit integers (comparisons give 0/1 in a new vreg); returns the result's vreg. */
int emit_arith(struct cg *cg, enum op op, int a, int b, bool is_signed);
/* target OP= x for an integer variable or map; returns a vreg with the new value. */
int emit_update(struct cg *cg, struct node *target, enum op op, int x);
/* Store literal bytes (zero padded to size) at base+off, four at a time
 * where aligned. */
void emit_store_bytes(struct cg *cg, int base, int off, const char *bytes, int len, int size);
/* Zero size bytes at base + off. */
void emit_zero(struct cg *cg, int base, int off, int size);
/* Copy size bytes from src_base+src_off to dst_base+dst_off (both readable BPF memory). */
void emit_copy(struct cg *cg, int dst_base, int dst_off, int src_base, int src_off, int size);
void emit_stmts(struct cg *cg, struct node *stmts);
/* Give the variables declared in scope (NULL: the probe) a register or a
 * frame slot, holding zero, as bpftrace starts them. */
void emit_vars_init(struct cg *cg, const struct node *scope);
/* dst = value loaded from ptr with the given integer type (sign-extended) */
void emit_load_int(struct cg *cg, int dst, int ptr, int off, const struct type *t);
/* The value of entry i of one of scry's array maps (NULL only in theory). */
int emit_array_entry(struct cg *cg, int map, int32_t i);
/* A pointer to the struct control (NULL only in theory: check it). */
int emit_control(struct cg *cg);
/* Increment the per-CPU count of lost event (or control) records. */
void emit_count_lost(struct cg *cg, bool control);
/* Increment the per-CPU count of updates of map map_idx dropped as it was full. */
void emit_count_full(struct cg *cg, int map_idx);
/* A reserved ring-buffer record: the vreg of its address, and the vreg of
 * the flags to submit it with (-1: a control record, which wakes the reader). */
struct record {
	int ptr, flags;
};
/* Reserve a ring-buffer record of size bytes with the given header (jumps
 * to `skip` when there is no room). Event records leave the end of the ring
 * to control records, and wake the reader only once much data waits. */
struct record emit_record_reserve(struct cg *cg, int size, uint32_t kind, uint32_t id, int skip);
void emit_record_submit(struct cg *cg, struct record r);

/* ---- maps.c ---- */
/* The index in the resources of the script map a map node names, or -1. */
int map_index(struct cg *cg, const struct node *map);
/* Type check a map access, registering the map; value_type NULL for a read. */
int map_declare(struct cg *cg, struct node *map, const struct type *value, const struct node *call);
/* Write the key of map access n into a new frame slot; returns its offset. */
int emit_map_key(struct cg *cg, struct node *map);
/* Statements on maps: @m[k] = v, aggregations, @m++ etc. */
void emit_map_assign(struct cg *cg, struct node *assign);
/* @m[k] OP= x on an integer map; returns a vreg with the new value. */
int emit_map_update(struct cg *cg, struct node *map, enum op op, int x);
/* delete(@m[k]) */
void emit_map_delete(struct cg *cg, struct node *map);
/* An aggregation's value for the key at FP+key_off, every CPU's share
 * folded (min/max over CPUs that saw a value, avg of all values). */
int emit_agg_read(struct cg *cg, int map_idx, int key_off);
/* Read @m[k]: scalar value (0 when absent) in a vreg. */
int emit_map_read(struct cg *cg, struct node *map);
/* Read @m[k] of a memory type into base+off (zeros when absent). */
void emit_map_read_to(struct cg *cg, struct node *map, int base, int off);

#endif
