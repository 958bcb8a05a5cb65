/* kprobe and kretprobe: a kernel function, at its entry (or an offset into
 * it) or at its return.
 *
 * Targets are "FUNC", "FUNC+OFF", "MODULE:FUNC" or "MODULE:FUNC+OFF". A name
 * without wildcards is taken as it is, with bpftrace's warning when ftrace
 * does not list it (the kernel checks it when attaching); wildcards are matched against tracefs'
 * available_filter_functions, leaving out what cannot be probed, as bpftrace
 * 0.17 does (kallsyms' functions where that list cannot be read): ".part.N" clones, and here also the kernel's kprobe blacklist
 * and the kretprobes bpftrace bans. Attaching uses one kprobe_multi link for
 * a wildcard's functions where the kernel has them (CONFIG_FPROBE), a
 * perf-event kprobe per function otherwise: both vanish with their file
 * descriptors, nothing is written to kprobe_events. */
#include <bpf/bpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/probe.h"
#include "probes/regs.h"
#include "util/diag.h"
#include "util/tracefs.h"


/* bpftrace 0.17 refuses these kretprobes: they "might lock up your system". */
static const char *const banned_kretprobes[] = {
	"_raw_spin_lock", "_raw_spin_lock_irqsave", "_raw_spin_unlock_irqrestore", "queued_spin_lock_slowpath",
};

static bool is_banned(const struct attach_spec *spec, const char *func)
{
	if (spec->provider != PROV_KRETPROBE)
		return false;
	for (size_t i = 0; i < sizeof(banned_kretprobes) / sizeof(banned_kretprobes[0]); i++)
		if (!strcmp(func, banned_kretprobes[i]))
			return true;
	return false;
}

/* ---- the kernel's functions ---- */

/* One line of available_filter_functions: "func" or "func [module]". */
struct kfunc {
	char *name;
	char *module; /* NULL: vmlinux */
};

static struct kfuncs {
	struct kfunc *items;
	int len, cap;
	int err; /* -errno when the list could not be read */
	bool read;
	bool filter_list; /* from available_filter_functions, not kallsyms */
} funcs;

static void kfuncs_add(char *line)
{
	char *name = line, *mod = strchr(line, ' ');
	if (mod) {
		*mod++ = 0;
		mod += strspn(mod, " [");
		mod[strcspn(mod, "]")] = 0;
	}
	if (funcs.len == funcs.cap) {
		funcs.cap = funcs.cap ? 2 * funcs.cap : 1024;
		funcs.items = realloc(funcs.items, funcs.cap * sizeof(*funcs.items));
		if (!funcs.items)
			abort();
	}
	funcs.items[funcs.len++] = (struct kfunc){ .name = name, .module = mod && *mod ? mod : NULL };
}

/* The text functions of /proc/kallsyms ("ADDR t NAME\t[MODULE]"), for a
 * kernel whose available_filter_functions cannot be read (a kernel without
 * kprobes or ftrace may refuse it): --dry-run still expands wildcards. */
static char *kallsyms_functions(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f)
		return NULL;
	char *text = NULL, line[512];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	while (out && fgets(line, sizeof(line), f)) {
		char type, name[256], module[256] = "";
		if (sscanf(line, "%*x %c %255s [%255[^]]]", &type, name, module) >= 2 && (type == 't' || type == 'T'))
			fprintf(out, "%s%s%s%s\n", name, *module ? " [" : "", module, *module ? "]" : "");
	}
	fclose(f);
	if (out)
		fclose(out);
	return text;
}

/* available_filter_functions (else kallsyms' functions), read once; its
 * text stays for the names. */
static const struct kfuncs *kfuncs_get(void)
{
	if (funcs.read)
		return &funcs;
	funcs.read = true;
	char *text = tracefs_read("available_filter_functions");
	if (!text) {
		funcs.err = -errno;
		if (!(text = kallsyms_functions()))
			return &funcs;
		funcs.err = 0;
	} else {
		funcs.filter_list = true;
	}
	for (char *save, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		kfuncs_add(line);
	return &funcs;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in debugfs' kprobes/blacklist ("0xSTART-0xEND\tname"), sorted; empty
 * where debugfs is not mounted. */
static const struct strlist *blacklist_get(void)
{
	static struct strlist names;
	static bool read;
	if (read)
		return &names;
	read = true;
	FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		char *name = strchr(line, '\t');
		if (!name)
			continue;
		name[1 + strcspn(name + 1, " \t\n")] = 0;
		strlist_add(&names, name + 1);
	}
	if (f)
		fclose(f);
	strlist_sort_unique(&names);
	return &names;
}

static bool blacklisted(const char *func)
{
	const struct strlist *bl = blacklist_get();
	return bl->len && bsearch(&func, bl->items, bl->len, sizeof(*bl->items), cmp_str);
}

/* Whether ftrace lists func of module (NULL: any), bpftrace 0.17's test;
 * true when the list cannot be read (nothing to tell). The kprobe
 * blacklist is left to the kernel, which refuses the attach. */
static bool traceable(const char *module, const char *func)
{
	const struct kfuncs *kf = kfuncs_get();
	if (!kf->filter_list)
		return true;
	for (int i = 0; i < kf->len; i++) {
		const struct kfunc *f = &kf->items[i];
		if (!strcmp(f->name, func) && (!module || (f->module && !strcmp(f->module, module))))
			return true;
	}
	return false;
}

/* ---- targets ---- */

/* "[MODULE:]FUNC[+OFF]" */
static void add_target(struct strlist *targets, const char *module, const char *func, uint64_t offset)
{
	char target[512];
	char off[32] = "";
	if (offset)
		snprintf(off, sizeof(off), "+%llu", (unsigned long long)offset);
	snprintf(target, sizeof(target), "%s%s%s%s", module ? module : "", module ? ":" : "", func, off);
	strlist_add(targets, target);
}

/* Whether a function of module (NULL: vmlinux) matches the spec's patterns. */
static bool kfunc_matches(const struct attach_spec *spec, const struct kfunc *f)
{
	if (strstr(f->name, ".part.") || fnmatch(spec->func, f->name, 0))
		return false;
	if (!spec->target)
		return true;
	return !fnmatch(spec->target, f->module ? f->module : "vmlinux", 0);
}

static int expand_wildcard(const struct attach_spec *spec, struct strlist *targets)
{
	const struct kfuncs *kf = kfuncs_get();
	if (kf->err) {
		diag_error(&spec->loc, "cannot expand %s wildcards: the kernel's list of functions (%s/%s) cannot be read: %s",
			   spec->provider_name, tracefs_dir() ? tracefs_dir() : "tracefs", "available_filter_functions",
			   strerror(-kf->err));
		return -1;
	}
	for (int i = 0; i < kf->len; i++) {
		const struct kfunc *f = &kf->items[i];
		if (!kfunc_matches(spec, f) || is_banned(spec, f->name) || blacklisted(f->name))
			continue;
		/* a module's function is named with its module when the spec named one */
		add_target(targets, spec->target ? f->module : NULL, f->name, spec->offset);
	}
	/* no match adds no probe, as in bpftrace: dcsnoop.bt names
	 * lookup_fast.constprop.* for the kernels that have such a clone */
	strlist_sort_unique(targets);
	return 0;
}

static int kprobe_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	(void)env;
	if (spec->provider == PROV_KRETPROBE && spec->offset) {
		diag_error(&spec->loc, "%s", "Offset not allowed");
		return -1;
	}
	if (spec->has_wildcard)
		return expand_wildcard(spec, targets);
	if (is_banned(spec, spec->func)) {
		diag_error(&spec->loc, "kretprobe:%s can't be used as it might lock up your system.", spec->func);
		return -1;
	}
	bool vmlinux = spec->target && !strcmp(spec->target, "vmlinux");
	const char *module = vmlinux ? NULL : spec->target;
	/* bpftrace 0.17 warns, and attaches all the same (the kernel has the last word) */
	if (!traceable(module, spec->func))
		diag_warning(&spec->loc,
			     "%s is not traceable (either non-existing, inlined, or marked as \"notrace\"); attaching to it will likely fail",
			     spec->func);
	add_target(targets, module, spec->func, spec->offset);
	return 0;
}

/* "[MODULE:]FUNC[+OFF]" split; the parts point into buf. */
struct ktarget {
	char buf[512];
	const char *module, *func;
	uint64_t offset;
};

static void ktarget_split(const char *target, struct ktarget *t)
{
	snprintf(t->buf, sizeof(t->buf), "%s", target);
	char *colon = strchr(t->buf, ':'), *plus = strchr(t->buf, '+');
	t->module = NULL;
	t->func = t->buf;
	t->offset = 0;
	if (colon) {
		*colon = 0;
		t->module = t->buf;
		t->func = colon + 1;
	}
	if (plus) {
		*plus = 0;
		t->offset = strtoull(plus + 1, NULL, 10);
	}
}

/* ---- attaching ---- */

/* The kprobe PMU says the kernel has kprobes (bpftrace --info only checks
 * the BPF program type, which loads anyway). */
static const char *kprobe_unavailable(void)
{
	if (perf_pmu_type("kprobe") >= 0)
		return NULL;
	return "kprobes are not available on this kernel (CONFIG_KPROBES is off)";
}

/* One kprobe_multi link; syms or -errno. */
static int kprobe_multi_link(int prog_fd, const char **syms, int cnt, bool ret)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .kprobe_multi.syms = syms, .kprobe_multi.cnt = cnt,
		    .kprobe_multi.flags = ret ? BPF_F_KPROBE_MULTI_RETURN : 0);
	int fd = bpf_link_create(prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &opts);
	return fd < 0 ? -errno : fd;
}

/* Whether the kernel has kprobe_multi links (CONFIG_FPROBE): where it has
 * not, creating one fails with EOPNOTSUPP whatever the symbol; where it has,
 * a symbol that does not exist fails otherwise. Nothing is attached. */
bool kprobe_multi_available(void)
{
	static int known = -1;
	if (known >= 0)
		return known;
	known = 0;
	if (kprobe_unavailable())
		return false;
	int prog = feature_prog_load(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0);
	if (prog >= 0) {
		const char *sym = "scry_no_such_function";
		int link = kprobe_multi_link(prog, &sym, 1, false);
		known = link != -EOPNOTSUPP && link != -EINVAL;
		if (link >= 0)
			close(link);
		close(prog);
	}
	return known;
}

/* kprobe_multi takes function entries of vmlinux by name: a wildcard's
 * functions without module or offset. */
static bool uses_multi(const struct attach_spec *spec)
{
	return spec->has_wildcard && !spec->target && !spec->offset && kprobe_multi_available();
}

static enum bpf_attach_type kprobe_attach_type(const struct attach_spec *spec)
{
	return uses_multi(spec) ? BPF_TRACE_KPROBE_MULTI : 0;
}

/* config bit 0 of the kprobe PMU asks for a return probe (sysfs format:
 * retprobe config:0); config1 names the function ("MODULE:FUNC" for a
 * module's), config2 is the offset into it. */
static int perf_kprobe(int prog_fd, const char *target, bool ret, struct attachment *out)
{
	int type = perf_pmu_type("kprobe");
	if (type < 0)
		return -ENOTSUP;
	struct ktarget t;
	ktarget_split(target, &t);
	char name[512];
	snprintf(name, sizeof(name), "%s%s%s", t.module ? t.module : "", t.module ? ":" : "", t.func);
	struct perf_event_attr attr = {
		.type = type,
		.config = ret ? 1 : 0,
		.config1 = (uintptr_t)name, /* kprobe_func */
		.config2 = t.offset,        /* probe_offset */
		.sample_period = 1,
	};
	/* one event on CPU 0 for every process: the program runs whichever CPU hits it */
	return perf_event_attach(&attr, 0, -1, prog_fd, out);
}

/* A function the kernel refuses is skipped with a warning, as bpftrace
 * does, when a wildcard or one of several attach points names it (biolatency
 * names both blk_account_io_start and __blk_account_io_start: kernels have
 * one); a function named alone must attach. */
static int kprobe_attach_all(const struct attach_spec *spec, const struct strlist *targets, int prog_fd,
			     const struct attach_env *env, struct attachment *out)
{
	(void)env; /* kprobes see every process: -p does not narrow them */
	bool ret = spec->provider == PROV_KRETPROBE;
	if (uses_multi(spec)) {
		int fd = kprobe_multi_link(prog_fd, (const char **)targets->items, targets->len, ret);
		if (fd < 0)
			return fd;
		attachment_add(out, fd);
		return 0;
	}
	for (int i = 0; i < targets->len; i++) {
		struct attachment one = { 0 };
		int err = perf_kprobe(prog_fd, targets->items[i], ret, &one);
		if (!err) {
			for (int f = 0; f < one.nfds; f++)
				attachment_add(out, one.fds[f]);
			free(one.fds);
			continue;
		}
		attachment_close(&one);
		if (!spec->has_wildcard && !spec->one_of_many) {
			if (err == -EILSEQ)
				diag_fatal("%s", "Possible attachment attempt in the middle of an instruction, try a different offset.");
			attachment_close(out);
			return err;
		}
		fprintf(stderr, "WARNING: could not attach probe %s:%s, skipping.\n", spec->provider_name,
			targets->items[i]);
	}
	return 0;
}

/* ---- listing: the functions a kprobe can attach to, where it can ---- */

static void list_type(const char *type, const char *pattern, struct strlist *names)
{
	if (kprobe_unavailable())
		return;
	const struct kfuncs *kf = kfuncs_get();
	struct strlist items = { 0 };
	for (int i = 0; i < kf->len; i++)
		if (!strstr(kf->items[i].name, ".part."))
			strlist_add(&items, kf->items[i].name);
	strlist_sort_unique(&items);
	names_add_matching(names, pattern, type, &items);
	strlist_free(&items);
}

static void kprobe_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	(void)env;
	list_type("kprobe", pattern, names);
}

/* kretprobes are listed when asked for by name, as bpftrace lists them */
static void kretprobe_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	(void)env;
	if (pattern && !strncmp(pattern, "kretprobe:", 10))
		list_type("kretprobe", pattern, names);
}

/* ---- context ---- */

static bool kprobe_func_name(const struct probe_site *site, char *buf, size_t len)
{
	if (!site->target)
		return false;
	struct ktarget t;
	ktarget_split(site->target, &t);
	snprintf(buf, len, "%s", t.func);
	return true;
}

static const char *const per_target[] = { "func", NULL };

/* kprobe and kretprobe differ in their names, listing, and what they read:
 * arguments or the return value. */
#define KPROBE_TYPE(k, n, alias, list_fn, ...)                                                          \
	{ .kind = k, .name = n, .aliases = { alias }, .shape = SHAPE_FUNC, .min_parts = 1, .max_parts = 2, \
	  .wildcards = true, .prog_type = BPF_PROG_TYPE_KPROBE, .attach_type = kprobe_attach_type,       \
	  .per_target = per_target, .expand = kprobe_expand, .list = list_fn,                            \
	  .unavailable = kprobe_unavailable, .func_name = kprobe_func_name,                              \
	  .attach_all = kprobe_attach_all, __VA_ARGS__ }

const struct probe_type probe_kprobe =
	KPROBE_TYPE(PROV_KPROBE, "kprobe", "k", kprobe_list, .emit_arg = regs_emit_arg,
		    .arg_error = regs_arg_error);
const struct probe_type probe_kretprobe =
	KPROBE_TYPE(PROV_KRETPROBE, "kretprobe", "kr", kretprobe_list, .emit_retval = regs_emit_retval);
