/* Tracepoints whose probe does not read the event's record (`args`),
 * through the raw tracepoint of the same name (BPF_RAW_TRACEPOINT_OPEN).
 *
 * Why: closing a perf-event tracepoint waits for an RCU grace period under
 * the kernel's event_mutex, 35-40 ms each, one after another; a raw
 * tracepoint link closes at once. And the perf path fills the record before
 * the program runs, which a program that never reads it does not need.
 *
 * Which: every event the kernel defines with TRACE_EVENT has a tracepoint of
 * its name. The others are the syscall events (syscalls:*, raw_syscalls'
 * programs), ftrace's own, and the dynamic events (kprobe, uprobe, synthetic
 * events, eprobes), which tracefs lists in dynamic_events. */
#include <stdlib.h>
#include <string.h>

#include "probes/probe.h"
#include "probes/tracepoint.h"
#include "util/tracefs.h"

/* The dynamic events as "group:name", from tracefs's dynamic_events, whose
 * lines are like "p:kprobes/p_do_sys_open_0 do_sys_open" (cut in place).
 * False when it cannot be read. */
static bool dynamic_events(struct strlist *out)
{
	char *events = tracefs_read("dynamic_events"), *save;
	if (!events)
		return false;
	for (char *line = strtok_r(events, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name = strchr(line, ':');
		if (!name++)
			continue;
		name[strcspn(name, " ")] = '\0';
		char *slash = strchr(name, '/');
		if (slash)
			*slash = ':';
		strlist_add(out, name);
	}
	free(events);
	return true;
}

const struct probe_type *tracepoint_raw_variant(const struct strlist *targets)
{
	struct strlist dynamic = { 0 };
	bool raw = dynamic_events(&dynamic);
	for (int i = 0; i < targets->len && raw; i++) {
		const char *t = targets->items[i];
		raw = strncmp(t, "syscalls:", 9) && strncmp(t, "ftrace:", 7) && strlist_find(&dynamic, t) < 0;
	}
	strlist_free(&dynamic);
	return raw ? &probe_tracepoint_raw : NULL;
}

/* "category:event" attaches as the raw tracepoint "event" does */
static int tp_raw_attach(const struct attach_spec *spec, const char *target, int prog_fd,
			 const struct attach_env *env, struct attachment *out)
{
	return probe_rawtracepoint.attach(spec, strchr(target, ':') + 1, prog_fd, env, out);
}

const struct probe_type probe_tracepoint_raw = {
	.kind = PROV_TRACEPOINT, .name = "tracepoint", .shape = SHAPE_TP,
	.min_parts = 2, .max_parts = 2, .wildcards = true,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.attach = tp_raw_attach,
};
