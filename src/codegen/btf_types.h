/* Types of the running kernel, from its BTF. */
#ifndef SCRY_BTF_TYPES_H
#define SCRY_BTF_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <bpf/btf.h>

#include "codegen/types.h"

/* "struct task_struct" or "union x" as the kernel defines it, or NULL. */
const struct type *btf_named_type(const char *name);
/* Read the fields of a record from BTF if they are not yet (others: nothing). */
void btf_complete(const struct type *rec);
/* The value of a kernel enumerator ("SKB_DROP_REASON_NOT_SPECIFIED"); false if unknown. */
bool btf_enum_value(const char *name, int64_t *value);

/* A kernel function's prototype from BTF: its arguments (by name, made scry
 * types) and return type (NULL: void). */
#define KFUNC_MAX_ARGS 12
struct kernel_func {
	const struct btf *btf;          /* the BTF holding it: vmlinux's or its module's */
	const struct btf_type *proto;
	int btf_id;                     /* its FUNC's id in that BTF */
	int nargs;
	const char *names[KFUNC_MAX_ARGS];
	uint32_t arg_ids[KFUNC_MAX_ARGS]; /* BTF type ids */
	const struct type *args[KFUNC_MAX_ARGS];
	const struct type *ret;
};
/* Function func of module (NULL or "vmlinux": the kernel's own); false when
 * that BTF has no such function. */
bool btf_kernel_func(const char *module, const char *func, struct kernel_func *out);
void btf_types_free(void);

#endif
