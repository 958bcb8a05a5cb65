/* tracefs: where it is, and reading files under it. Only read: scry never
 * writes tracefs, so nothing outlives the process. */
#ifndef SCRY_TRACEFS_H
#define SCRY_TRACEFS_H

#include <stddef.h>

#include "util/strlist.h"

/* The tracefs mount point, mounting it at /sys/kernel/tracing when no tracefs
 * is mounted. NULL (errno set) when it cannot be found or mounted. */
const char *tracefs_dir(void);
/* The whole of tracefs/<rel> as a NUL-terminated malloc'd string, or NULL
 * with errno set. */
char *tracefs_read(const char *rel);
/* Every tracepoint as "category:event", from available_events, sorted.
 * Returns 0 or -errno. */
int tracefs_events(struct strlist *out);

#endif
