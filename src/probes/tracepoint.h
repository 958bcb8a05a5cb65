/* What tracepoint.c shares with its variants (syscall.c, tracepoint_raw.c). */
#ifndef SCRY_TRACEPOINT_H
#define SCRY_TRACEPOINT_H

#include "probes/probe.h"

/* The record of a site's event, typed from its format file. NULL after
 * reporting an error. */
const struct type *tracepoint_record(const struct probe_site *site);

/* The syscall variant for targets that are all syscall tracepoints
 * ("syscalls:sys_enter_NAME", "syscalls:sys_exit_NAME"), when there are
 * enough of them to pay for it; else NULL. */
const struct probe_type *syscall_variant(const struct attach_spec *spec, const struct strlist *targets);

/* The raw tracepoint variant for targets that all have a raw tracepoint of
 * their name, else NULL. */
const struct probe_type *tracepoint_raw_variant(const struct strlist *targets);

#endif
