/* What uprobe.c shares with the probe types built on uprobes (usdt) and
 * with its tests: a target's parts, and the two ways of attaching. */
#ifndef SCRY_UPROBE_H
#define SCRY_UPROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/probe.h"

/* "PATH:FUNC", "PATH:FUNC+OFF" or "PATH:0xADDR", split. */
struct uprobe_target {
	char path[4096];
	char func[256];     /* empty for an address */
	uint64_t offset;    /* into func, or the address */
	bool is_address;
};

/* Returns 0 or -EINVAL. */
int uprobe_target_split(const char *target, struct uprobe_target *out);
/* The offset in the file the kernel's uprobe takes. 0 or -errno. */
int uprobe_file_offset(const struct uprobe_target *t, uint64_t *offset);

/* One uprobe_multi link for cnt offsets of path (ref_ctr_offsets: the
 * semaphores, or NULL). Returns the link fd or -errno. */
int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets, const uint64_t *ref_ctr_offsets,
			int cnt, bool ret, pid_t pid);
/* Whether a spec's programs attach through uprobe_multi links: a wildcard,
 * where the kernel has them. */
bool uprobe_use_multi(const struct attach_spec *spec);
/* The targets of one file of spec (cnt offsets, ref_ctr_offsets or NULL) in
 * one uprobe_multi link when uprobe_use_multi(spec), else a perf-event
 * uprobe each; the fds go into out. 0 or -errno (what was opened stays in
 * out for the caller to close). */
int uprobe_attach_file(const struct attach_spec *spec, int prog_fd, const char *path, const uint64_t *offsets,
		       const uint64_t *ref_ctr_offsets, int cnt, bool ret, pid_t pid, struct attachment *out);
/* The expected attach type of a spec's programs: uprobe_multi's when
 * uprobe_use_multi(spec), else 0 (perf-event uprobes). */
enum bpf_attach_type uprobe_attach_type(const struct attach_spec *spec);
/* One perf-event uprobe; its fds go into out. 0 or -errno (what was opened
 * stays in out for the caller to close). */
int uprobe_perf_attach(int prog_fd, const char *path, uint64_t offset, uint64_t ref_ctr_offset, bool ret,
		       pid_t pid, struct attachment *out);

#endif
