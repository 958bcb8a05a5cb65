/* Types of the running kernel, from its BTF. */
#ifndef SCRY_BTF_TYPES_H
#define SCRY_BTF_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/types.h"

/* "struct task_struct" or "union x" as the kernel defines it, or NULL. */
const struct type *btf_named_type(const char *name);
/* Read the fields of a record from BTF if they are not yet (others: nothing). */
void btf_complete(const struct type *rec);
/* The value of a kernel enumerator ("SKB_DROP_REASON_NOT_SPECIFIED"); false if unknown. */
bool btf_enum_value(const char *name, int64_t *value);
void btf_types_free(void);

#endif
