/* Types of the running kernel, from its BTF. */
#ifndef SCRY_BTF_TYPES_H
#define SCRY_BTF_TYPES_H

#include "codegen/types.h"

/* "struct task_struct" or "union x" as the kernel defines it, or NULL. */
const struct type *btf_named_type(const char *name);
/* Read the fields of a record from BTF if they are not yet (others: nothing). */
void btf_complete(const struct type *rec);
void btf_types_free(void);

#endif
