/* fentry and fexit (bpftrace 0.17's kfunc and kretfunc): a kernel function's
 * entry and return through a BPF trampoline, with its arguments by name and
 * type from BTF.
 *
 * Targets are "FUNC" (vmlinux) or "MODULE:FUNC". Each is its own program:
 * the kernel binds a tracing program to one function's BTF id when it loads
 * it (attach_btf_id, and for a module's function attach_btf_obj_fd, the
 * module's BTF). The context is the function's arguments, u64 each, then in
 * fexit the return value: `args->NAME` reads argument i at 8 * i, typed from
 * the prototype; `retval` is at 8 * nargs. Wildcards are matched against the
 * functions of BTF that ftrace can trace (available_filter_functions). The
 * trampoline's link vanishes with its file descriptor. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/btf_types.h"
#include "probes/probe.h"
#include "util/diag.h"
#include "util/tracefs.h"

/* "[MODULE:]FUNC" split; the parts point into buf. */
struct ftarget {
	char buf[512];
	const char *module, *func; /* module NULL: vmlinux */
};

static void ftarget_split(const char *target, struct ftarget *t)
{
	snprintf(t->buf, sizeof(t->buf), "%s", target);
	char *colon = strchr(t->buf, ':');
	t->module = NULL;
	t->func = t->buf;
	if (colon) {
		*colon = 0;
		t->module = t->buf;
		t->func = colon + 1;
	}
}

static bool target_func(const char *target, struct kernel_func *kf)
{
	struct ftarget t;
	ftarget_split(target, &t);
	return btf_kernel_func(t.module, t.func, kf);
}

/* ---- the kernel's support ---- */

/* The BTF object fd of a module (0: vmlinux), found by name among the
 * kernel's BTF objects; cached. -errno when there is none. */
static int module_btf_fd(const char *module)
{
	static struct {
		char *name;
		int fd;
	} cache[32];
	static int ncache;
	if (!module)
		return 0;
	for (int i = 0; i < ncache; i++)
		if (!strcmp(cache[i].name, module))
			return cache[i].fd;
	int found = -ENOENT;
	for (__u32 id = 0; !bpf_btf_get_next_id(id, &id);) {
		int fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0)
			continue;
		char name[64] = "";
		struct bpf_btf_info info = { .name = (uintptr_t)name, .name_len = sizeof(name) };
		__u32 len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf && !strcmp(name, module)) {
			found = fd;
			break;
		}
		close(fd);
	}
	if (found >= 0 && ncache < 32)
		cache[ncache++].name = strdup(module), cache[ncache - 1].fd = found;
	return found;
}

static char why_buf[256];

static const char *why(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(why_buf, sizeof(why_buf), "%s", "fentry/fexit probes are not available on this kernel: ");
	vsnprintf(why_buf + n, sizeof(why_buf) - n, fmt, ap);
	va_end(ap);
	return why_buf;
}

/* Whether the kernel loads and attaches a tracing program: one that returns
 * 0 at bpf_fentry_test1 (a function that exists to be traced, run only by
 * BPF_PROG_TEST_RUN), attached and closed at once. Asked once. */
static const char *fentry_unavailable(void)
{
	static bool asked;
	static const char *reason;
	if (asked)
		return reason;
	asked = true;
	struct kernel_func kf;
	if (!btf_kernel_func(NULL, "bpf_fentry_test1", &kf) && !btf_kernel_func(NULL, "vfs_read", &kf))
		return reason = why("%s", "it has no BTF (/sys/kernel/btf/vmlinux)");
	int prog = feature_prog_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, (unsigned)kf.btf_id);
	if (prog < 0)
		return reason = why("it refuses to load BPF tracing programs (%s)", strerror(-prog));
	int link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		int err = errno;
		reason = why("it has no BPF trampolines (attaching one fails: %s)",
			     err == 524 /* the kernel's ENOTSUPP */ || err == EOPNOTSUPP ? "not supported" : strerror(err));
	} else {
		close(link);
	}
	close(prog);
	return reason;
}

/* ---- targets ---- */

/* available_filter_functions as a sorted list of "FUNC" and "MODULE:FUNC",
 * read once; empty when tracefs cannot be read. */
static const struct strlist *traceable(void)
{
	static struct strlist names;
	static bool read;
	if (read)
		return &names;
	read = true;
	char *text = tracefs_read("available_filter_functions");
	for (char *save, *line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *mod = strchr(line, ' ');
		char name[512];
		if (mod) {
			*mod++ = 0;
			mod += strspn(mod, " [");
			mod[strcspn(mod, "]")] = 0;
		}
		snprintf(name, sizeof(name), "%s%s%s", mod && *mod ? mod : "", mod && *mod ? ":" : "", line);
		strlist_add(&names, name);
	}
	free(text);
	strlist_sort_unique(&names);
	return &names;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_traceable(const char *name)
{
	const struct strlist *t = traceable();
	return !t->len || bsearch(&name, t->items, t->len, sizeof(*t->items), cmp_str);
}

/* The BTF objects of the kernel: "vmlinux" then the modules'. */
static void btf_objects(struct strlist *out)
{
	strlist_add(out, "vmlinux");
	struct strlist mods = { 0 };
	DIR *d = opendir("/sys/kernel/btf");
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "vmlinux"))
			strlist_add(&mods, e->d_name);
	if (d)
		closedir(d);
	strlist_sort_unique(&mods);
	for (int i = 0; i < mods.len; i++)
		strlist_add(out, mods.items[i]);
	strlist_free(&mods);
}

/* Every traceable function of one BTF object matching pattern, as
 * "MODULE:FUNC" (with_module, or a module's function) or "FUNC". */
static void add_matching(const char *object, const char *pattern, bool with_module, struct strlist *out)
{
	bool vmlinux = !strcmp(object, "vmlinux");
	struct btf *base = btf__load_vmlinux_btf();
	struct btf *b = vmlinux ? base : btf__load_module_btf(object, base);
	if (!b) {
		btf__free(base);
		return;
	}
	unsigned first = vmlinux ? 1 : btf__type_cnt(base);
	for (unsigned id = first; id < btf__type_cnt(b); id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		const char *name = btf__name_by_offset(b, t->name_off);
		if (!btf_is_func(t) || !name || fnmatch(pattern, name, 0))
			continue;
		char full[512];
		snprintf(full, sizeof(full), "%s%s%s", vmlinux ? "" : object, vmlinux ? "" : ":", name);
		if (!is_traceable(full))
			continue;
		if (with_module && vmlinux)
			snprintf(full, sizeof(full), "vmlinux:%s", name);
		strlist_add(out, full);
	}
	if (b != base)
		btf__free(b);
	btf__free(base);
}

static int expand_wildcard(const struct attach_spec *spec, struct strlist *targets)
{
	struct strlist objects = { 0 };
	btf_objects(&objects);
	for (int i = 0; i < objects.len; i++) {
		const char *o = objects.items[i];
		if (spec->target ? !fnmatch(spec->target, o, 0) : !strcmp(o, "vmlinux"))
			add_matching(o, spec->func, false, targets);
	}
	strlist_free(&objects);
	strlist_sort_unique(targets);
	if (!targets->len) {
		diag_error(&spec->loc, "No probes to attach: no kernel function with BTF matches %s%s%s",
			   spec->target ? spec->target : "", spec->target ? ":" : "", spec->func);
		return -1;
	}
	return 0;
}

/* The kernel's trampolines take a struct passed by value of at most 16
 * bytes (two registers) and refuse to load for a wider one: an error naming
 * it, else 0. */
static int check_wide_args(const struct attach_spec *spec, const struct kernel_func *kf)
{
	for (int i = 0; i < kf->nargs; i++) {
		if (kf->args[i]->size <= 16)
			continue;
		char type[256];
		type_name(kf->args[i], type, sizeof(type));
		diag_error(&spec->loc,
			   "%s:%s: argument '%s' (%s, %d bytes) is passed by value: the kernel's trampolines take at most 16 bytes",
			   spec->provider_name, spec->func, kf->names[i] ? kf->names[i] : "", type, kf->args[i]->size);
		return -1;
	}
	return 0;
}

/* A function named alone: vmlinux's, else the first module's that has it. */
static int fentry_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	(void)env;
	if (spec->has_wildcard)
		return expand_wildcard(spec, targets);
	struct kernel_func kf;
	const char *module = spec->target && strcmp(spec->target, "vmlinux") ? spec->target : NULL;
	if (btf_kernel_func(module, spec->func, &kf)) {
		char target[512];
		snprintf(target, sizeof(target), "%s%s%s", module ? module : "", module ? ":" : "", spec->func);
		strlist_add(targets, target);
		return check_wide_args(spec, &kf);
	}
	if (!spec->target) {
		struct strlist objects = { 0 };
		btf_objects(&objects);
		for (int i = 1; i < objects.len && !targets->len; i++)
			if (btf_kernel_func(objects.items[i], spec->func, &kf)) {
				char target[512];
				snprintf(target, sizeof(target), "%s:%s", objects.items[i], spec->func);
				strlist_add(targets, target);
			}
		strlist_free(&objects);
		if (targets->len)
			return check_wide_args(spec, &kf);
	}
	diag_error(&spec->loc, "No BTF found for %s%s%s", module ? module : "", module ? ":" : "", spec->func);
	return -1;
}

/* ---- program ---- */

static enum bpf_attach_type fentry_attach_type(const struct attach_spec *spec)
{
	return spec->provider == PROV_FEXIT ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
}

static int fentry_attach_btf(const struct probe_site *site, __u32 *btf_id, int *btf_obj_fd)
{
	struct kernel_func kf;
	struct ftarget t;
	ftarget_split(site->target, &t);
	if (!btf_kernel_func(t.module, t.func, &kf))
		return -ENOENT;
	int fd = module_btf_fd(t.module);
	if (fd < 0)
		return fd;
	*btf_id = (__u32)kf.btf_id;
	*btf_obj_fd = fd;
	return 0;
}

static int fentry_attach(const struct attach_spec *spec, const char *target, int prog_fd,
			 const struct attach_env *env, struct attachment *out)
{
	(void)spec;
	(void)target; /* the program was bound to its function when it loaded */
	(void)env;    /* a trampoline sees every process: -p does not narrow it */
	int fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (fd < 0)
		return -errno;
	attachment_add(out, fd);
	return 0;
}

/* ---- context ---- */

/* The 8-byte slots of the trampoline's context before argument i: a struct
 * passed by value takes one per 8 bytes (x86-64 passes up to 16 bytes in
 * two registers; the kernel refuses to attach to wider ones). */
static int arg_slot(const struct kernel_func *kf, int i)
{
	int slot = 0;
	for (int j = 0; j < i; j++)
		slot += kf->args[j]->size > 8 ? (kf->args[j]->size + 7) / 8 : 1;
	return slot;
}

static const struct type *fentry_args_type(const struct probe_site *site)
{
	struct kernel_func kf;
	if (!target_func(site->target, &kf)) {
		diag_error(&site->spec->loc, "No BTF found for %s", site->target);
		return NULL;
	}
	char name[600];
	snprintf(name, sizeof(name), "struct _%s_%s", site->spec->provider_name, site->target);
	struct type *rec = type_record_new(name, 8 * (arg_slot(&kf, kf.nargs) + 1));
	for (int i = 0; i < kf.nargs; i++)
		if (kf.names[i] && *kf.names[i])
			type_record_add(rec, kf.names[i], kf.args[i], 8 * arg_slot(&kf, i));
	return rec;
}

static const struct type *fentry_retval_type(const struct probe_site *site)
{
	struct kernel_func kf;
	if (!site->target || !target_func(site->target, &kf) || !kf.ret || kf.ret->size > 8)
		return &type_u64;
	return kf.ret->kind == T_INT || kf.ret->kind == T_PTR ? kf.ret : &type_u64;
}

/* retval: the u64 after the arguments, narrowed to the return type */
static int fentry_emit_retval(const struct probe_emit *e)
{
	struct kernel_func kf;
	int slots = e->site->target && target_func(e->site->target, &kf) ? arg_slot(&kf, kf.nargs) : 0;
	int v = ir_vreg(e->ir);
	ir_load(e->ir, 8, v, e->ctx, (int16_t)(8 * slots));
	const struct type *t = fentry_retval_type(e->site);
	if (t->kind == T_INT)
		ir_extend(e->ir, v, t->size, t->is_signed);
	return v;
}

static bool fentry_func_name(const struct probe_site *site, char *buf, size_t len)
{
	if (!site->target)
		return false;
	struct ftarget t;
	ftarget_split(site->target, &t);
	snprintf(buf, len, "%s", t.func);
	return true;
}

/* ---- listing: "PROVIDER:MODULE:FUNC", as bpftrace 0.17 lists kfuncs ---- */

/* The provider a pattern names ("kfunc" or "fentry", ...), and its
 * module and function patterns. */
static void fentry_list_type(const char *provider, const char *pattern, struct strlist *names)
{
	char mod[256] = "*", func[256] = "*";
	if (pattern) {
		const char *rest = strchr(pattern, ':');
		if (!rest)
			return;
		rest++;
		const char *colon = strchr(rest, ':');
		if (colon) {
			snprintf(mod, sizeof(mod), "%.*s", (int)(colon - rest), rest);
			snprintf(func, sizeof(func), "%s", colon + 1);
		} else {
			snprintf(func, sizeof(func), "%s", rest);
		}
	}
	struct strlist objects = { 0 }, items = { 0 };
	btf_objects(&objects);
	for (int i = 0; i < objects.len; i++)
		if (!fnmatch(mod, objects.items[i], 0))
			add_matching(objects.items[i], func, true, &items);
	strlist_free(&objects);
	for (int i = 0; i < items.len; i++) {
		char full[600];
		snprintf(full, sizeof(full), "%s:%s", provider, items.items[i]);
		strlist_add(names, full);
	}
	strlist_free(&items);
}

/* fentry's functions are listed when asked for by an fentry or fexit name
 * (as bpftrace lists kfuncs), under the name asked with. */
static void fentry_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	(void)env;
	if (!pattern || fentry_unavailable())
		return;
	char provider[32];
	snprintf(provider, sizeof(provider), "%.*s", (int)strcspn(pattern, ":"), pattern);
	const struct probe_type *pt = probe_type_named(provider);
	if (pt && (pt->kind == PROV_FENTRY || pt->kind == PROV_FEXIT) && !strchr(provider, '*'))
		fentry_list_type(provider, pattern, names);
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

/* -lv: the arguments, then the return type, as "    TYPE NAME". */
static void print_decl(const struct btf *b, uint32_t type, const char *name, FILE *out)
{
	struct btf_dump *d = btf_dump__new(b, dump_printf, out, NULL);
	fputs("    ", out);
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "");
	if (d)
		btf_dump__emit_type_decl(d, type, &opts);
	fprintf(out, " %s\n", name);
	btf_dump__free(d);
}

static void fentry_describe(const char *name, FILE *out)
{
	const char *target = strchr(name, ':');
	if (!target)
		return;
	struct ftarget t;
	ftarget_split(target + 1, &t);
	struct kernel_func kf;
	if (!btf_kernel_func(t.module, t.func, &kf))
		return;
	for (int i = 0; i < kf.nargs; i++)
		print_decl(kf.btf, kf.arg_ids[i], kf.names[i], out);
	if (kf.proto->type)
		print_decl(kf.btf, kf.proto->type, "retval", out);
}

static const char *const per_target[] = { "func", NULL };

/* fentry and fexit differ in their names and in fexit's return value. */
#define FENTRY_TYPE(k, n, a1, a2, ...)                                                                     \
	{ .kind = k, .name = n, .aliases = { a1, a2 }, .shape = SHAPE_MODFUNC, .min_parts = 1, .max_parts = 2, \
	  .wildcards = true, .prog_type = BPF_PROG_TYPE_TRACING, .attach_type = fentry_attach_type,           \
	  .prog_per_target = true, .attach_btf = fentry_attach_btf, .per_target = per_target,                 \
	  .expand = fentry_expand, .list = fentry_list, .describe = fentry_describe,                          \
	  .unavailable = fentry_unavailable, .args_type = fentry_args_type, .func_name = fentry_func_name,    \
	  .attach = fentry_attach, __VA_ARGS__ }

const struct probe_type probe_fentry = FENTRY_TYPE(PROV_FENTRY, "fentry", "kfunc", "f");
const struct probe_type probe_fexit = FENTRY_TYPE(PROV_FEXIT, "fexit", "kretfunc", "fr", .retval_type = fentry_retval_type,
						  .emit_retval = fentry_emit_retval);
