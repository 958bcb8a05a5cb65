/* Printing kstack/ustack values: frames from the stack-trace map, kernel
 * addresses as symbols. */
#ifndef SCRY_STACKS_H
#define SCRY_STACKS_H

#include <stdint.h>
#include <stdio.h>

#include "codegen/types.h"

/* The stack-trace map (an fd, or -1 when the script has no stacks);
 * registers stack_print with the type printer. */
void stacks_init(int map_fd);
/* Print the frames of a stack value, each on its own line after `indent`
 * spaces, the whole starting with a newline, as bpftrace does. */
void stack_print(FILE *out, const struct type *t, uint64_t value, int indent);

#endif
