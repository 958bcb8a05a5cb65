/* Values as text, as bpftrace 0.17 prints them: every type prints itself, so
 * map dumps, print() and printf share one rendering (and the JSON backend
 * quotes the same text). */
#ifndef SCRY_OUTPUT_VALUE_H
#define SCRY_OUTPUT_VALUE_H

#include <stdint.h>
#include <stdio.h>

#include "codegen/types.h"

/* A value of type t stored at data, as in a map key or inside a tuple
 * ("12", "bash", "(1, abc)"); a stack's frames are indented 4 spaces. */
void value_print(FILE *out, const struct type *t, const void *data);
/* A value on its own: a map's value, print(value), printf's %s. The same,
 * but a stack's frames are indented 8 spaces, as bpftrace does. */
void value_print_alone(FILE *out, const struct type *t, const void *data);
/* One field of a map key, as bpftrace 0.17's MapKey prints it. */
void value_print_key(FILE *out, const struct type *t, const void *data);

/* Stacks are printed by the runtime, which holds the stack map: it
 * registers how (indent: spaces before each frame). */
typedef void (*stack_printer)(FILE *out, const struct type *t, uint64_t value, int indent);
void value_set_stack_printer(stack_printer fn);

#endif
