/* A provider is one kind of attach point (tracepoint, kprobe, interval, ...).
 * Each lives in its own file behind this interface and is found through
 * provider_for(). Codegen asks a provider for the program type and the
 * context (`args`); the runtime asks it to expand wildcards and to attach. */
#ifndef SCRY_PROVIDER_H
#define SCRY_PROVIDER_H

#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>

#include "codegen/types.h"
#include "parser/attach.h"
#include "util/strlist.h"

/* What one attached target holds open: perf events, links, raw tracepoint
 * fds (one per CPU for profile, software and hardware). Closing the fds
 * detaches everything; nothing is written to tracefs. A zeroed attachment
 * is empty. */
struct attachment {
	int *fds;
	int nfds;
};

void attachment_add(struct attachment *a, int fd);
/* Close every fd and empty the attachment. */
void attachment_close(struct attachment *a);

struct provider {
	enum provider_kind kind;
	enum bpf_prog_type prog_type;
	/* Concrete targets for a spec, wildcards expanded, sorted:
	 * "syscalls:sys_enter_openat", "sched_switch", "ms:100", "" (BEGIN/END).
	 * Returns 0, or -1 after reporting an error at spec->loc. */
	int (*expand)(const struct attach_spec *spec, struct strlist *targets);
	/* The record `args` points at for a target; NULL when there is none. */
	const struct type *(*args_type)(const struct attach_spec *spec, const char *target);
	/* Attach prog_fd to one target. Returns 0 or a negative errno; on error
	 * nothing stays open. NULL for BEGIN/END, which run through
	 * BPF_PROG_TEST_RUN instead. */
	int (*attach)(const struct attach_spec *spec, const char *target, int prog_fd,
		      struct attachment *out);
	/* Why attaching cannot work on this kernel or machine, checked once before
	 * loading; or NULL. When it says why, no other member is used. */
	const char *(*unsupported)(void);
	/* Append the full names of every attach point for `scry -l`
	 * ("tracepoint:sched:sched_switch", "software:cpu-clock:"). Optional. */
	void (*list)(struct strlist *names);
};

const struct provider *provider_for(enum provider_kind kind);

/* `scry -l [pattern]`: every attach point whose full name matches the fnmatch
 * pattern (all when NULL), sorted, one a line. Returns how many were listed. */
int provider_list(const char *pattern, FILE *out);

/* The perf event a profile/interval/software/hardware spec opens: type,
 * config and sample_period, or sample_freq with freq set. Returns 0, or -1
 * after reporting an unknown event name at spec->loc. */
int perf_attr_for(const struct attach_spec *spec, struct perf_event_attr *attr);

/* Open a perf event on one CPU (pid -1), link prog_fd to it and enable it;
 * the perf and link fds go into out. Returns 0 or a negative errno, leaving
 * what was opened in out for the caller to close. */
int perf_event_attach(struct perf_event_attr *attr, int cpu, int prog_fd, struct attachment *out);

/* Sort a list of names and drop duplicates (belongs in strlist.c). */
void names_sort_unique(struct strlist *l);

/* Providers, one per file, gathered by providers.c. */
extern const struct provider prov_tracepoint, prov_rawtracepoint;
extern const struct provider prov_interval, prov_profile, prov_software, prov_hardware;

#endif
