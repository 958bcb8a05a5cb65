/* Raw tracepoints, through BPF_RAW_TRACEPOINT_OPEN (they vanish with their
 * file descriptor). The context is the tracepoint's arguments, u64 each:
 * arg0..argN. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "probes/probe.h"
#include "util/diag.h"
#include "util/kernel_btf.h"
#include "util/tracefs.h"

/* Raw tracepoints are the kernel's btf_trace_<name> typedefs; without BTF,
 * fall back to the tracepoint event names (a superset: syscalls:* are not
 * raw tracepoints). */
static void rawtracepoint_names(struct strlist *out)
{
	static const char prefix[] = "btf_trace_";
	struct btf *btf = kernel_btf_load();
	if (btf) {
		for (unsigned id = 1; id < btf__type_cnt(btf); id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			const char *name = btf__name_by_offset(btf, t->name_off);
			if (btf_is_typedef(t) && name && !strncmp(name, prefix, sizeof(prefix) - 1))
				strlist_add(out, name + sizeof(prefix) - 1);
		}
		btf__free(btf);
	} else {
		struct strlist tps = { 0 };
		tracefs_events(&tps);
		for (int i = 0; i < tps.len; i++)
			strlist_add(out, strchr(tps.items[i], ':') + 1);
		strlist_free(&tps);
	}
	strlist_sort_unique(out);
}

static int raw_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	(void)env;
	struct strlist all = { 0 };
	rawtracepoint_names(&all);
	for (int i = 0; i < all.len; i++)
		if (!fnmatch(spec->func, all.items[i], 0))
			strlist_add(targets, all.items[i]);
	strlist_free(&all);
	if (targets->len)
		return 0;
	diag_error(&spec->loc, "rawtracepoint%s not found: %s", spec->has_wildcard ? "s" : "", spec->func);
	return -1;
}

static int raw_attach(const struct attach_spec *spec, const char *target, int prog_fd,
		      const struct attach_env *env, struct attachment *out)
{
	(void)spec;
	(void)env;
	int fd = bpf_raw_tracepoint_open(target, prog_fd);
	if (fd < 0)
		return fd;
	attachment_add(out, fd);
	return 0;
}

static void raw_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	(void)env;
	struct strlist raws = { 0 };
	rawtracepoint_names(&raws);
	names_add_matching(names, pattern, "rawtracepoint", &raws);
	strlist_free(&raws);
}

/* arg i: a u64 at ctx + 8 * i */
static int raw_emit_arg(const struct probe_emit *e, int i)
{
	int v = ir_vreg(e->ir);
	ir_load(e->ir, 8, v, e->ctx, (int16_t)(8 * i));
	return v;
}

const struct probe_type probe_rawtracepoint = {
	.kind = PROV_RAWTRACEPOINT, .name = "rawtracepoint", .aliases = { "rt" },
	.shape = SHAPE_FUNC, .min_parts = 1, .max_parts = 1, .wildcards = true,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.expand = raw_expand,
	.list = raw_list,
	.emit_arg = raw_emit_arg,
	.attach = raw_attach,
};
