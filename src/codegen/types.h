/* Types of the language. A type knows its size in BPF memory; how a value of
 * it prints is src/output/value.c, so map dumps, print() and printf share one
 * rendering. Types are immutable once built and live until exit. */
#ifndef SCRY_TYPES_H
#define SCRY_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum type_kind {
	T_NONE,   /* statements, void calls */
	T_INT,    /* size 1/2/4/8, signed or not */
	T_STR,    /* NUL-terminated, at most size bytes */
	T_PTR,    /* pointer into kernel or user memory; `to` is the pointee */
	T_RECORD, /* C struct or tracepoint args record: fields */
	T_TUPLE,  /* (a, b, ...): fields named "0", "1", ... */
	T_ARRAY,  /* elem[len] */
	T_CTX,    /* the probe context pointer */
	T_KSYM,   /* kernel address printed as a symbol */
	T_USYM,   /* usym(): u64 user address, then u64 pid of its process; printed as the symbol */
	T_STACK,  /* kstack/ustack: a stack id (ustack: pid in the upper half); len: frames to print; name: mode */
	T_TIME,   /* strftime(): u64 nanoseconds since boot; name: the format */
	T_INET,   /* ntop(): u64 address family, then 16 bytes of address */
	T_BUF,    /* buf(): u64 length, then len bytes */
	T_MAC,    /* macaddr(): 6 bytes (size 8) */
	T_CGROUP, /* cgroup_path(): u64 cgroup id, printed as the path */
	T_ERRNO,  /* strerror(): u64 error number, printed as its message */
	T_USER,   /* username: u64 uid, printed as the user's name */
	T_AGG,    /* map value of an aggregation: count(), sum(), hist(), ... */
	T_DATALOC,/* tracepoint __data_loc (len 0) or __rel_loc (len 1) field: u32 (size << 16 | offset) */
};

enum agg_kind {
	AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG, AGG_STATS, AGG_HIST, AGG_LHIST,
};

struct field {
	const char *name;
	const struct type *type;
	int offset;
};

struct type {
	enum type_kind kind;
	int size; /* bytes in BPF memory */
	bool is_signed;
	const char *name;          /* T_RECORD: "struct foo"; else NULL */
	const struct type *to;     /* T_PTR pointee, T_ARRAY element */
	int len;                   /* T_ARRAY length */
	struct field *fields;      /* T_RECORD, T_TUPLE */
	int nfields;
	enum agg_kind agg;         /* T_AGG */
	bool user;                 /* T_PTR: user-space address */
	int btf_id;                /* T_RECORD of the kernel's BTF whose fields are not read yet, else 0 */
	int align;                 /* T_RECORD laid out from C: its alignment (its bitfields are no fields) */
};

extern const struct type type_none, type_ctx, type_ksym;
extern const struct type type_u8, type_u16, type_u32, type_u64;
extern const struct type type_s8, type_s16, type_s32, type_s64;

const struct type *type_int(int size, bool is_signed);
const struct type *type_str(int size);
const struct type *type_ptr(const struct type *to, bool user);
const struct type *type_array(const struct type *elem, int len);
const struct type *type_agg(enum agg_kind agg);
/* mode: NULL (bpftrace's) or "perf" */
const struct type *type_stack(bool user, int limit, const char *mode);
/* A type printed its own way, of a fixed size (T_TIME, T_INET, T_MAC, T_CGROUP). */
const struct type *type_special(enum type_kind kind, int size, const char *name);
const struct type *type_buf(int len);
const struct type *type_data_loc(bool relative);
/* Values that live in a register: integers, pointers, symbols, stack ids. */
bool type_is_scalar(const struct type *t);
/* Build a tuple of the given element types, laid out with natural alignment. */
const struct type *type_tuple(const struct type **elems, int n);
/* A record being built: add fields, then the record is complete. */
struct type *type_record_new(const char *name, int size);
void type_record_add(struct type *rec, const char *name, const struct type *t, int offset);

const struct field *type_field(const struct type *t, const char *name);
/* Natural alignment of a type in C layout. */
int type_align(const struct type *t);
bool type_equal(const struct type *a, const struct type *b);
/* A type holding values of both: strings widen to the longer, tuples element
 * by element; NULL when they do not mix. */
const struct type *type_unify(const struct type *a, const struct type *b);
bool type_is_int(const struct type *t);
/* The kind as bpftrace names it in some errors: "integer", "pointer", "string", ... */
const char *type_kind_name(const struct type *t);
/* Name as bpftrace prints it in errors: "int64", "unsigned int8", "string[16]", ... */
void type_name(const struct type *t, char *buf, size_t len);
/* C names of integer types: "uint8", "int", "unsigned long", "u32", "pid_t" ... */
const struct type *type_from_c_name(const char *name);

/* Release every type built since start (they share one lifetime). */
void types_free_all(void);

#endif
