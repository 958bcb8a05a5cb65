/* uprobe and uretprobe: a function (or an address) of an executable or a
 * shared library, in every process that maps it or in the one of -p.
 *
 * Targets are "PATH:FUNC", "PATH:FUNC+OFF" or "PATH:0xADDR", PATH resolved
 * as the dynamic linker would and FUNC checked against the file's symbols
 * (util/elf_syms: libbpf's own lookup needs a libbpf-loaded program, and
 * scry loads raw instructions). Attaching uses a uprobe_multi link where the
 * kernel has one (6.6+), a perf-event uprobe otherwise: both vanish with
 * their file descriptors, nothing is written to tracefs. */
#include <bpf/bpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/probe.h"
#include "probes/regs.h"
#include "probes/uprobe.h"
#include "util/diag.h"
#include "util/elf_syms.h"

/* ---- targets ---- */

static void add_target(struct strlist *targets, const char *path, const char *fmt, const char *func,
		       uint64_t n)
{
	char what[512], *full;
	snprintf(what, sizeof(what), fmt, func, (unsigned long long)n);
	if (asprintf(&full, "%s:%s", path, what) < 0)
		abort();
	strlist_add(targets, full);
	free(full);
}

/* The targets of one file. Returns 0, or -1 after reporting. */
static int expand_file(const struct attach_spec *spec, const char *path, struct strlist *targets)
{
	const struct elf_syms *syms = elf_syms_get(path);
	if (!syms) {
		diag_error(&spec->loc, "uprobe target file '%s' does not exist or is not executable (%s)", path,
			   elf_strerror(errno));
		return -1;
	}
	if (spec->is_address) {
		add_target(targets, path, "%s0x%llx", "", spec->offset);
		return 0;
	}
	if (spec->has_wildcard) {
		struct strlist names = { 0 };
		elf_syms_match(syms, spec->func, &names);
		for (int i = 0; i < names.len; i++)
			add_target(targets, path, "%s", names.items[i], 0);
		strlist_free(&names);
		return 0;
	}
	const struct elf_sym *sym = elf_syms_find(syms, spec->func);
	if (!sym) {
		diag_error(&spec->loc, "Could not resolve symbol: %s:%s", path, spec->func);
		return -1;
	}
	if (spec->offset && sym->size && spec->offset >= sym->size) {
		diag_error(&spec->loc, "Offset outside the function bounds ('%s' size is %llu)", spec->func,
			   (unsigned long long)sym->size);
		return -1;
	}
	add_target(targets, path, spec->offset ? "%s+%llu" : "%s", spec->func, spec->offset);
	return 0;
}

/* With -p, a bare library name ("libc") is the file of that name the
 * process maps, through its own mount namespace. */
static bool process_library(const char *name, pid_t pid, struct strlist *paths)
{
	struct strlist files = { 0 };
	size_t len = strlen(name);
	if (!pid || strchr(name, '/') || elf_process_files(pid, &files) <= 0)
		return false;
	for (int i = 0; i < files.len && !paths->len; i++) {
		const char *base = strrchr(files.items[i], '/') + 1;
		if (!strcmp(base, name) || (!strncmp(base, name, len) && !strncmp(base + len, ".so", 3)))
			strlist_add(paths, files.items[i]);
	}
	strlist_free(&files);
	return paths->len > 0;
}

static int uprobe_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	struct strlist paths = { 0 };
	if (!process_library(spec->target, env->pid, &paths) && elf_resolve_binaries(spec->target, &paths) == 0) {
		diag_error(&spec->loc, "uprobe target file '%s' does not exist or is not executable", spec->target);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < paths.len && !rc; i++)
		rc = expand_file(spec, paths.items[i], targets);
	strlist_free(&paths);
	if (!rc && !targets->len) {
		diag_error(&spec->loc, "No probes to attach: no function matches %s in %s", spec->func, spec->target);
		rc = -1;
	}
	return rc;
}

int uprobe_target_split(const char *target, struct uprobe_target *out)
{
	const char *colon = strrchr(target, ':');
	if (!colon || (size_t)(colon - target) >= sizeof(out->path))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(out->path, target, colon - target);
	const char *what = colon + 1;
	if (!strncmp(what, "0x", 2)) {
		out->is_address = true;
		out->offset = strtoull(what, NULL, 16);
		return 0;
	}
	size_t len = strcspn(what, "+");
	if (len >= sizeof(out->func))
		return -EINVAL;
	memcpy(out->func, what, len);
	if (what[len])
		out->offset = strtoull(what + len + 1, NULL, 10);
	return 0;
}

int uprobe_file_offset(const struct uprobe_target *t, uint64_t *offset)
{
	const struct elf_syms *syms = elf_syms_get(t->path);
	if (!syms)
		return -errno;
	if (t->is_address)
		return elf_syms_vaddr_to_off(syms, t->offset, offset) ? 0 : -ENOENT;
	const struct elf_sym *sym = elf_syms_find(syms, t->func);
	if (!sym)
		return -ENOENT;
	*offset = sym->offset + t->offset;
	return 0;
}

/* ---- attaching ---- */

/* uprobe_multi came with Linux 6.6, after the uapi headers of Debian 12:
 * its attach type and link_create layout, as the kernel defines them. */
#define SCRY_BPF_TRACE_UPROBE_MULTI 48
#define SCRY_BPF_F_UPROBE_MULTI_RETURN 1

struct link_create_uprobe_multi {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, multi_flags, pid;
	uint32_t pad;
};

int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets, const uint64_t *ref_ctr_offsets,
			int cnt, bool ret, pid_t pid)
{
	struct link_create_uprobe_multi attr = {
		.prog_fd = prog_fd,
		.attach_type = SCRY_BPF_TRACE_UPROBE_MULTI,
		.path = (uintptr_t)path,
		.offsets = (uintptr_t)offsets,
		.ref_ctr_offsets = (uintptr_t)ref_ctr_offsets,
		.cnt = cnt,
		.multi_flags = ret ? SCRY_BPF_F_UPROBE_MULTI_RETURN : 0,
		.pid = pid,
	};
	int fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* libbpf's test: a uprobe_multi link on "/" fails with EBADF where the
 * kernel has them, with EINVAL where it does not. */
bool uprobe_multi_available(void)
{
	static int known = -1;
	if (known >= 0)
		return known;
	int prog = feature_prog_load(BPF_PROG_TYPE_KPROBE, SCRY_BPF_TRACE_UPROBE_MULTI, 0);
	known = 0;
	if (prog >= 0) {
		uint64_t offset = 0;
		int link = uprobe_multi_attach(prog, "/", &offset, NULL, 1, false, 0);
		known = link == -EBADF;
		if (link >= 0)
			close(link);
		close(prog);
	}
	return known;
}

/* A wildcard attaches all its functions in one call (one uprobe_multi
 * link per file); one function takes a perf-event uprobe, whose program
 * costs about 100 ns less per event here (bench/run: 200-230 ns against
 * 315-325 ns through the multi link). */
bool uprobe_use_multi(const struct attach_spec *spec)
{
	return spec->has_wildcard && uprobe_multi_available();
}

enum bpf_attach_type uprobe_attach_type(const struct attach_spec *spec)
{
	return uprobe_use_multi(spec) ? SCRY_BPF_TRACE_UPROBE_MULTI : 0;
}

/* config bit 0 of the uprobe PMU asks for a return probe, and bits 32-63
 * hold a semaphore's offset (sysfs format: retprobe config:0,
 * ref_ctr_offset config:32-63). */
int uprobe_perf_attach(int prog_fd, const char *path, uint64_t offset, uint64_t ref_ctr_offset, bool ret,
		       pid_t pid, struct attachment *out)
{
	int type = perf_pmu_type("uprobe");
	if (type < 0)
		return -ENOTSUP;
	struct perf_event_attr attr = {
		.type = type,
		.config = (ret ? 1 : 0) | ref_ctr_offset << 32,
		.config1 = (uintptr_t)path, /* uprobe_path */
		.config2 = offset,          /* probe_offset */
		.sample_period = 1,
	};
	/* every process: on one CPU, as a uprobe fires whichever CPU runs it */
	return perf_event_attach(&attr, pid ? -1 : 0, pid ? pid : -1, prog_fd, out);
}

int uprobe_attach_file(const struct attach_spec *spec, int prog_fd, const char *path, const uint64_t *offsets,
		       const uint64_t *ref_ctr_offsets, int n, bool ret, pid_t pid, struct attachment *out)
{
	if (uprobe_use_multi(spec)) {
		int fd = uprobe_multi_attach(prog_fd, path, offsets, ref_ctr_offsets, n, ret, pid);
		if (fd < 0)
			return fd;
		attachment_add(out, fd);
		return 0;
	}
	int err = 0;
	for (int i = 0; i < n && !err; i++)
		err = uprobe_perf_attach(prog_fd, path, offsets[i], ref_ctr_offsets ? ref_ctr_offsets[i] : 0, ret,
					 pid, out);
	return err;
}

/* Targets come grouped by file (expand adds one file's at a time). */
static int uprobe_attach_all(const struct attach_spec *spec, const struct strlist *targets, int prog_fd,
			     const struct attach_env *env, struct attachment *out)
{
	bool ret = spec->provider == PROV_URETPROBE;
	uint64_t *offsets = calloc(targets->len, sizeof(*offsets));
	struct uprobe_target t, next;
	int err = offsets ? 0 : -ENOMEM, n = 0;
	for (int i = 0; i < targets->len && !err; i++) {
		err = uprobe_target_split(targets->items[i], &t);
		if (!err)
			err = uprobe_file_offset(&t, &offsets[n++]);
		bool last = i + 1 == targets->len || uprobe_target_split(targets->items[i + 1], &next) ||
			    strcmp(next.path, t.path);
		if (!err && last) {
			err = uprobe_attach_file(spec, prog_fd, t.path, offsets, NULL, n, ret, env->pid, out);
			n = 0;
		}
	}
	free(offsets);
	if (err)
		attachment_close(out);
	return err;
}

/* ---- listing ---- */

/* `-l 'uprobe:PATH:FUNC'`: the functions of the files PATH names, under
 * their resolved paths as bpftrace lists them. Every file cannot be
 * listed: without a pattern naming files, nothing is. */
static void list_file(const char *type, const char *file, const char *func_pattern, const char *pattern,
		      struct strlist *names)
{
	const struct elf_syms *syms = elf_syms_get(file);
	struct strlist funcs = { 0 };
	if (syms)
		elf_syms_match(syms, func_pattern, &funcs);
	char *prefix;
	if (asprintf(&prefix, "%s:%s", type, file) < 0)
		abort();
	names_add_matching(names, pattern, prefix, &funcs);
	free(prefix);
	strlist_free(&funcs);
}

/* With -p: the functions of the process's executable, as bpftrace lists
 * them (uprobe only), matching the whole pattern. */
static void list_process(const char *type, const char *pattern, pid_t pid, struct strlist *names)
{
	char *exe = elf_process_exe(pid);
	if (exe && !strcmp(type, "uprobe"))
		list_file(type, exe, "*", pattern, names);
	free(exe);
}

static void list_type(const char *type, const char *pattern, const struct attach_env *env, struct strlist *names)
{
	if (env->pid) {
		list_process(type, pattern, env->pid, names);
		return;
	}
	const char *colon = pattern ? strchr(pattern, ':') : NULL;
	const char *last = pattern ? strrchr(pattern, ':') : NULL;
	if (!colon || last == colon)
		return;
	char *provider = strndup(pattern, colon - pattern), *path = strndup(colon + 1, last - colon - 1);
	struct strlist files = { 0 };
	if (!fnmatch(provider, type, 0))
		elf_resolve_binaries(path, &files);
	for (int i = 0; i < files.len; i++)
		list_file(type, files.items[i], last + 1, NULL, names);
	strlist_free(&files);
	free(provider);
	free(path);
}

static void uprobe_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	list_type("uprobe", pattern, env, names);
}

static void uretprobe_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	list_type("uretprobe", pattern, env, names);
}

/* ---- context ---- */

static bool uprobe_func_name(const struct probe_site *site, char *buf, size_t len)
{
	struct uprobe_target t;
	if (!site->target || uprobe_target_split(site->target, &t))
		return false;
	if (!t.is_address) {
		snprintf(buf, len, "%s", t.func);
		return true;
	}
	const struct elf_syms *syms = elf_syms_get(t.path);
	uint64_t off;
	const struct elf_sym *sym = syms ? elf_syms_lookup(syms, t.offset, &off) : NULL;
	if (sym)
		snprintf(buf, len, "%s", sym->name);
	return sym != NULL;
}

/* The file of the spec as written when it is a path (as bpftrace names it in
 * uaddr()'s errors), else the file it resolved to */
static bool uprobe_binary(const struct probe_site *site, char *buf, size_t len)
{
	struct uprobe_target t;
	const char *written = site->spec->target;
	bool one_file = !strpbrk(written, "*?[");
	if (one_file && strchr(written, '/')) {
		snprintf(buf, len, "%s", written);
		return true;
	}
	if (site->target && !uprobe_target_split(site->target, &t)) {
		snprintf(buf, len, "%s", t.path);
		return true;
	}
	char *path = one_file ? elf_resolve_binary(written) : NULL;
	bool found = path != NULL;
	if (found)
		snprintf(buf, len, "%s", path);
	free(path);
	return found;
}

static bool user_memory(const struct attach_spec *spec)
{
	(void)spec;
	return true;
}

static const char *const per_target[] = { "func", "uaddr", NULL };

/* uprobe and uretprobe differ in their names, listing, and what they read:
 * arguments or the return value. */
#define UPROBE_TYPE(k, n, alias, list_fn, ...)                                                            \
	{ .kind = k, .name = n, .aliases = { alias }, .shape = SHAPE_UPROBE, .min_parts = 2, .max_parts = 2, \
	  .wildcards = true, .prog_type = BPF_PROG_TYPE_KPROBE, .attach_type = uprobe_attach_type,         \
	  .per_target = per_target, .expand = uprobe_expand, .list = list_fn,                              \
	  .func_name = uprobe_func_name, .user_memory = user_memory, .binary = uprobe_binary,              \
	  .attach_all = uprobe_attach_all, __VA_ARGS__ }

const struct probe_type probe_uprobe =
	UPROBE_TYPE(PROV_UPROBE, "uprobe", "u", uprobe_list, .emit_arg = regs_emit_arg,
		    .arg_error = regs_arg_error);
const struct probe_type probe_uretprobe =
	UPROBE_TYPE(PROV_URETPROBE, "uretprobe", "ur", uretprobe_list, .emit_retval = regs_emit_retval);
