/* Kernel objects from the compiler's output: maps from the resources,
 * programs through the verifier. */
#ifndef SCRY_LOAD_H
#define SCRY_LOAD_H

#include <stdbool.h>

#include "codegen/compile.h"

/* Create every map of res; fds[i] for res->maps[i]. Returns 0 or -errno
 * (after reporting; nothing stays open). */
int load_maps(const struct resources *res, int *fds);
/* The verifier log's size by default (BPFTRACE_LOG_SIZE sets another). */
#define LOAD_LOG_SIZE (1u << 24)
/* Load program p (the index names it) with its map references resolved.
 * Returns the fd, or -errno after reporting the verifier's reason (the full
 * log when verbose) read from a log of log_size bytes (0: LOAD_LOG_SIZE). */
int load_prog(const struct prog *p, int index, const int *map_fds, bool verbose, size_t log_size);
/* Close the non-negative fds and set them to -1. */
void close_fds(int *fds, int n);

#endif
