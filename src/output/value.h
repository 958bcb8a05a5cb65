/* Values as text, as bpftrace 0.17 prints them: every type prints itself, so
 * map dumps, print() and printf share one rendering (and the JSON backend
 * quotes the same text). */
#ifndef SCRY_OUTPUT_VALUE_H
#define SCRY_OUTPUT_VALUE_H

#include <stdint.h>
#include <stdio.h>

#include "codegen/types.h"

/* A value of type t stored at data: a map's value, print(value), printf's
 * %s ("12", "bash", "(1, abc)"); a stack's frames are indented 8 spaces. */
void value_print(FILE *out, const struct type *t, const void *data);
/* One field of a map key, as bpftrace 0.17's MapKey prints it: a stack's
 * frames are indented 4 spaces. */
void value_print_key(FILE *out, const struct type *t, const void *data);

/* What print writes of a value, as a malloc'd string of *len bytes. */
char *value_text(void (*print)(FILE *, const struct type *, const void *), const struct type *t, const void *data,
		 size_t *len);

/* Stacks are read by the runtime, which holds the stack map: it registers
 * how to print one (indent: spaces before each frame) and how to walk its
 * frames' functions, root first. */
typedef void (*stack_printer)(FILE *out, const struct type *t, uint64_t value, int indent);
typedef void (*frame_fn)(const char *sym, void *ctx);
typedef void (*stack_walker)(const struct type *t, uint64_t value, frame_fn each, void *ctx);
void value_set_stacks(stack_printer print, stack_walker walk);
/* Each frame of the stack value at data, root first. */
void value_stack_frames(const struct type *t, const void *data, frame_fn each, void *ctx);

#endif
