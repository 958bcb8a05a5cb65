/* The probe contract: everything scry knows about one kind of attach point
 * (tracepoint, uprobe, interval, ...) is one `struct probe_type` in one file
 * of src/probes, found through probe_type_for(). The parser asks it for the
 * shape of an attach point, codegen for the program type and for the code
 * that reads each context value, the runtime for the targets and the
 * attach. Codegen never tests for a kind of probe: it asks the contract.
 *
 * Probe types speak codegen's vocabulary (types.h, ir.h) to describe their
 * context; they use none of its passes. */
#ifndef SCRY_PROBE_H
#define SCRY_PROBE_H

#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "codegen/ir.h"
#include "codegen/types.h"
#include "probes/attach.h"
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

/* What the command line adds to every attach: -p PID (0: every process). */
struct attach_env {
	pid_t pid;
};

/* One program's view of its probe: the spec and, when the program serves
 * one target only, that target (else NULL). */
struct probe_site {
	const struct attach_spec *spec;
	const char *target;
};

/* Where a probe type emits the code reading a context value: the IR of the
 * program, its frame (for scratch slots), the vreg holding the context
 * pointer, and the site. */
struct probe_emit {
	struct ir *ir;
	struct frame *frame;
	int ctx;
	const struct probe_site *site;
};

struct probe_type {
	/* ---- names and the shape of the attach point (parser) ---- */
	enum provider_kind kind;
	const char *name;        /* canonical: "tracepoint", "fentry", ... */
	const char *aliases[3];  /* short and historical spellings */
	enum attach_shape shape;
	int min_parts, max_parts; /* parts after the provider */
	bool wildcards;           /* '*' may stand in the target or function */

	/* ---- program (codegen, loader) ---- */
	enum bpf_prog_type prog_type;
	/* The expected attach type to load a spec's programs with (0: none);
	 * may ask the kernel. */
	enum bpf_attach_type (*attach_type)(const struct attach_spec *spec);
	/* Builtins and functions whose value depends on the target ("probe"
	 * always does): a body using one gets a program per target.
	 * NULL-terminated. */
	const char *const *per_target;
	/* Every target needs a program of its own (the kernel binds a
	 * tracing program to one function when it loads it). */
	bool prog_per_target;
	/* The BTF function a site's program is loaded for (the site has one
	 * target): its id, and the fd of the kernel BTF object holding it (0:
	 * vmlinux; owned by the probe type). Returns 0 or a negative errno.
	 * NULL: loaded without. */
	int (*attach_btf)(const struct probe_site *site, __u32 *btf_id, int *btf_obj_fd);
	/* Run once by scry through BPF_PROG_TEST_RUN (BEGIN, END), not attached. */
	bool once;
	/* The probe type serving a spec's targets when it is not this one
	 * (many syscall tracepoints: through the raw syscall tracepoints), or
	 * NULL. reads_context: the probe reads what its context gives (`args`,
	 * or kstack, whose frames start at it). Optional. */
	const struct probe_type *(*variant)(const struct attach_spec *spec, const struct strlist *targets,
					    bool reads_context);

	/* ---- targets (codegen plans programs, -l lists) ---- */
	/* Concrete targets for a spec, wildcards expanded, sorted:
	 * "syscalls:sys_enter_openat", "sched_switch", "ms:100", "" (BEGIN/END).
	 * env->pid (-p) names the process whose files user probes look in.
	 * Returns 0, or -1 after reporting an error at spec->loc. NULL: scry
	 * cannot compile this probe type yet. */
	int (*expand)(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets);
	/* Append the full names of the attach points matching an fnmatch
	 * pattern (NULL: all it can enumerate), for `scry -l`. A type may
	 * need the pattern to know where to look (uprobe: which files), and
	 * may rewrite it as it resolves it (libc -> /lib/.../libc.so.6).
	 * With env->pid (-p), the types that run in files (those with
	 * `binary`) list what the process's executable holds, and no others
	 * are asked, as in bpftrace. Optional. */
	void (*list)(const char *pattern, const struct attach_env *env, struct strlist *names);
	/* `scry -lv`: print what a listed attach point offers below its name
	 * ("    struct file * file"). Optional. */
	void (*describe)(const char *name, FILE *out);
	/* A target as `probe` prints it and as its program is named, after
	 * "PROVIDER:", into buf; when NULL, the target itself. Optional. */
	void (*target_name)(const struct attach_spec *spec, const char *target, char *buf, size_t len);
	/* Why this kernel or machine cannot attach it, or NULL. The runtime asks
	 * before it loads anything, and a run it would fail loads nothing;
	 * --dry-run, which attaches nothing, loads through the verifier all the
	 * same. Optional. */
	const char *(*unavailable)(void);

	/* ---- context (codegen): NULL members mean "not in this probe" ---- */
	/* arg0..argN: the code reading arg i into a new vreg; retval likewise. */
	int (*emit_arg)(const struct probe_emit *e, int i);
	int (*emit_retval)(const struct probe_emit *e);
	/* The type of retval at a site with one target. Optional: u64. */
	const struct type *(*retval_type)(const struct probe_site *site);
	/* Why arg i cannot be read at a site (its target NULL when it has
	 * several), into buf (returned); NULL when it can. Optional: every
	 * argN the language knows can. */
	const char *(*arg_error)(const struct probe_site *site, int i, char *buf, size_t len);
	/* The record `args` points at for a site with one target; the program's
	 * context is that record unless emit_args says where it is. NULL after
	 * reporting an error. */
	const struct type *(*args_type)(const struct probe_site *site);
	/* The address of the `args` record when it is kernel memory read like
	 * any other, not the context. Optional. */
	int (*emit_args)(const struct probe_emit *e);
	/* When the attach point passes events that are not this probe's: the
	 * code telling them apart, into a vreg that is nonzero for the events
	 * to skip. Runs first in each program. Optional. */
	int (*emit_skip)(const struct probe_emit *e);
	/* `func`: the traced function's name for a site into buf; false when
	 * it is not known. */
	bool (*func_name)(const struct probe_site *site, char *buf, size_t len);
	/* Whether plain integers used as addresses point into user space. */
	bool (*user_memory)(const struct attach_spec *spec);
	/* The file whose code a site runs (the traced executable or library),
	 * into buf: uaddr() resolves symbols there. False when it is not one
	 * file. NULL when the probe runs in no file of its own. */
	bool (*binary)(const struct probe_site *site, char *buf, size_t len);

	/* ---- attach (runtime) ---- */
	/* Attach prog_fd to one target. Returns 0 or a negative errno; on error
	 * nothing stays open. NULL when `once` or when attach_all is given. */
	int (*attach)(const struct attach_spec *spec, const char *target, int prog_fd,
		      const struct attach_env *env, struct attachment *out);
	/* Attach prog_fd to all its targets at once, for kernels that take
	 * many in one call (uprobe_multi): like attach, for a whole list. */
	int (*attach_all)(const struct attach_spec *spec, const struct strlist *targets, int prog_fd,
			  const struct attach_env *env, struct attachment *out);
};

const struct probe_type *probe_type_for(enum provider_kind kind);
/* The probe type a provider name or alias ("t", "kfunc") names, or NULL. */
const struct probe_type *probe_type_named(const char *name);
/* Whether the body of a probe of this type needs one program per target. */
bool probe_needs_per_target(const struct probe_type *pt, const struct node *probe);

/* `scry -l [pattern]`: every attach point whose full name matches the fnmatch
 * pattern (all when NULL), sorted, one a line. Returns how many were listed. */
int probe_list(const char *pattern, const struct attach_env *env, FILE *out);
/* The same, each name followed by what it offers (-lv). */
int probe_list_verbose(const char *pattern, const struct attach_env *env, FILE *out);

/* The perf event a profile/interval/software/hardware spec opens: type,
 * config and sample_period, or sample_freq with freq set. Returns 0, or -1
 * after reporting an unknown event name at spec->loc. */
int perf_attr_for(const struct attach_spec *spec, struct perf_event_attr *attr);

/* Open a perf event on one CPU and pid (-1: all), link prog_fd to it and
 * enable it; the perf and link fds go into out. Returns 0 or a negative
 * errno, leaving what was opened in out for the caller to close. */
int perf_event_attach(struct perf_event_attr *attr, int cpu, pid_t pid, int prog_fd, struct attachment *out);

/* ---- kernel features, asked by the probe types and by --info ---- */

/* A program that returns 0, of this type, expected attach type and attach
 * BTF id (0: none), loaded to learn what the kernel takes: its fd, or -errno. */
int feature_prog_load(enum bpf_prog_type type, enum bpf_attach_type attach, unsigned btf_id);
/* The perf PMU type of /sys/bus/event_source/devices/NAME ("kprobe",
 * "uprobe"), or -1 when the kernel has no such PMU. */
int perf_pmu_type(const char *name);
/* Links that attach many functions in one call (cached). */
bool uprobe_multi_available(void);
bool kprobe_multi_available(void);

/* "PREFIX:ITEM" for every item whose full name matches pattern (NULL: all),
 * appended to names. */
void names_add_matching(struct strlist *names, const char *pattern, const char *prefix,
			const struct strlist *items);

/* Probe types, one per file (perf.c holds the four perf-event ones). */
extern const struct probe_type probe_begin, probe_end;
extern const struct probe_type probe_tracepoint, probe_rawtracepoint;
extern const struct probe_type probe_interval, probe_profile, probe_software, probe_hardware;
extern const struct probe_type probe_kprobe, probe_kretprobe, probe_uprobe, probe_uretprobe;
extern const struct probe_type probe_usdt, probe_fentry, probe_fexit;
/* Variants of tracepoint: syscall tracepoints attached through raw_syscalls,
 * tracepoints whose record is not read through their raw tracepoint. */
extern const struct probe_type probe_syscall, probe_tracepoint_raw;

#endif
