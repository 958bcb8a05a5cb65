/* Printing kstack/ustack values: frames from the stack-trace map, kernel
 * addresses as symbols from kallsyms, user addresses from the files their
 * process maps while it runs (bpftrace prints a process that has exited as
 * addresses). */
#ifndef SCRY_STACKS_H
#define SCRY_STACKS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "codegen/types.h"
#include "output/value.h"

/* The stack-trace map (an fd, or -1 when the script has no stacks);
 * registers stack_print and stack_walk with the value printer. */
void stacks_init(int map_fd);
/* Print the frames of a stack value, each on its own line after `indent`
 * spaces, the whole starting with a newline, as bpftrace does. */
void stack_print(FILE *out, const struct type *t, uint64_t value, int indent);
/* Each frame's function (no offset), root first, to each(sym, ctx). */
void stack_walk(const struct type *t, uint64_t value, frame_fn each, void *ctx);
/* The same as stack_print for frames at hand: ips[0..n) up to the first 0
 * and at most t->len of them; pid is the process of a user stack. */
void stack_print_frames(FILE *out, const struct type *t, pid_t pid, const uint64_t *ips, int n, int indent);

#endif
