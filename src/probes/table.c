/* The table of probe types, BEGIN/END, attachments and `scry -l`. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <errno.h>

#include "codegen/insn.h"
#include "parser/ast.h"
#include "probes/probe.h"

void attachment_add(struct attachment *a, int fd)
{
	a->fds = realloc(a->fds, (a->nfds + 1) * sizeof(*a->fds));
	if (!a->fds)
		abort();
	a->fds[a->nfds++] = fd;
}

void attachment_close(struct attachment *a)
{
	/* Links before the perf events they hold: reverse order of opening. */
	for (int i = a->nfds - 1; i >= 0; i--)
		close(a->fds[i]);
	free(a->fds);
	a->fds = NULL;
	a->nfds = 0;
}

void names_add_matching(struct strlist *names, const char *pattern, const char *prefix,
			const struct strlist *items)
{
	for (int i = 0; i < items->len; i++) {
		char *full;
		if (asprintf(&full, "%s:%s", prefix, items->items[i]) < 0)
			abort();
		if (!pattern || !fnmatch(pattern, full, 0))
			strlist_add(names, full);
		free(full);
	}
}

/* BEGIN and END: one program each, run by the runtime with BPF_PROG_TEST_RUN. */
static int once_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	(void)env;
	(void)spec;
	strlist_add(targets, "");
	return 0;
}

const struct probe_type probe_begin = {
	.kind = PROV_BEGIN, .name = "BEGIN", .shape = SHAPE_NONE,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .once = true, .expand = once_expand,
};
const struct probe_type probe_end = {
	.kind = PROV_END, .name = "END", .shape = SHAPE_NONE,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .once = true, .expand = once_expand,
};

static const struct probe_type *const types[PROV__COUNT] = {
	[PROV_BEGIN] = &probe_begin,
	[PROV_END] = &probe_end,
	[PROV_TRACEPOINT] = &probe_tracepoint,
	[PROV_RAWTRACEPOINT] = &probe_rawtracepoint,
	[PROV_KPROBE] = &probe_kprobe,
	[PROV_KRETPROBE] = &probe_kretprobe,
	[PROV_UPROBE] = &probe_uprobe,
	[PROV_URETPROBE] = &probe_uretprobe,
	[PROV_USDT] = &probe_usdt,
	[PROV_FENTRY] = &probe_fentry,
	[PROV_FEXIT] = &probe_fexit,
	[PROV_PROFILE] = &probe_profile,
	[PROV_INTERVAL] = &probe_interval,
	[PROV_SOFTWARE] = &probe_software,
	[PROV_HARDWARE] = &probe_hardware,
};

const struct probe_type *probe_type_for(enum provider_kind kind)
{
	return kind < PROV__COUNT ? types[kind] : NULL;
}

const struct probe_type *probe_type_named(const char *name)
{
	for (int k = 0; k < PROV__COUNT; k++) {
		const struct probe_type *pt = types[k];
		if (!strcmp(pt->name, name))
			return pt;
		for (int a = 0; a < 3 && pt->aliases[a]; a++)
			if (!strcmp(pt->aliases[a], name))
				return pt;
	}
	return NULL;
}

bool probe_needs_per_target(const struct probe_type *pt, const struct node *probe)
{
	if (pt->prog_per_target)
		return true;
	const struct node *parts[] = { probe->probe.pred, probe->probe.body };
	for (int i = 0; i < 2; i++) {
		if (node_uses_builtin(parts[i], "probe"))
			return true;
		for (const char *const *b = pt->per_target; b && *b; b++)
			if (node_uses_builtin(parts[i], *b))
				return true;
	}
	return false;
}

static int list(const char *pattern, const struct attach_env *env, bool verbose, FILE *out)
{
	struct strlist names = { 0 };
	for (int k = 0; k < PROV__COUNT; k++)
		if (types[k]->list && (!env->pid || types[k]->binary))
			types[k]->list(pattern, env, &names);
	strlist_sort_unique(&names);
	for (int i = 0; i < names.len; i++) {
		fprintf(out, "%s\n", names.items[i]);
		char provider[64];
		snprintf(provider, sizeof(provider), "%.*s", (int)strcspn(names.items[i], ":"), names.items[i]);
		const struct probe_type *pt = probe_type_named(provider);
		if (verbose && pt && pt->describe)
			pt->describe(names.items[i], out);
	}
	int n = names.len;
	strlist_free(&names);
	return n;
}

int probe_list(const char *pattern, const struct attach_env *env, FILE *out)
{
	return list(pattern, env, false, out);
}

int probe_list_verbose(const char *pattern, const struct attach_env *env, FILE *out)
{
	return list(pattern, env, true, out);
}

int feature_prog_load(enum bpf_prog_type type, enum bpf_attach_type attach, unsigned btf_id)
{
	struct bpf_insn insns[] = { MOV64_IMM(R0, 0), EXIT_INSN() };
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach, .attach_btf_id = btf_id);
	int fd = bpf_prog_load(type, "scry_feature", "GPL", insns, 2, &opts);
	return fd < 0 ? -errno : fd;
}
