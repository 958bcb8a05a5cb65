/* The table of providers, BEGIN/END, the ones not written yet, attachments
 * and `scry -l`. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/provider.h"

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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void names_sort_unique(struct strlist *l)
{
	if (!l->len)
		return;
	qsort(l->items, l->len, sizeof(*l->items), cmp_str);
	int n = 1;
	for (int i = 1; i < l->len; i++) {
		if (!strcmp(l->items[n - 1], l->items[i]))
			free(l->items[i]);
		else
			l->items[n++] = l->items[i];
	}
	l->len = n;
}

/* BEGIN and END: one program each, run by the runtime with BPF_PROG_TEST_RUN. */
static int once_expand(const struct attach_spec *spec, struct strlist *targets)
{
	(void)spec;
	strlist_add(targets, "");
	return 0;
}

static const struct provider prov_begin = {
	.kind = PROV_BEGIN, .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .expand = once_expand,
};
static const struct provider prov_end = {
	.kind = PROV_END, .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .expand = once_expand,
};

/* Providers still to write: they only say so. */
#define NOT_YET(k, what)                                                          \
	static const char *k##_not_yet(void)                                      \
	{                                                                         \
		return what " probes are not supported yet by scry";              \
	}                                                                         \
	static const struct provider prov_##k = { .kind = PROV_##k, .unsupported = k##_not_yet };

NOT_YET(KPROBE, "kprobe")
NOT_YET(KRETPROBE, "kretprobe")
NOT_YET(UPROBE, "uprobe")
NOT_YET(URETPROBE, "uretprobe")
NOT_YET(USDT, "usdt")
NOT_YET(FENTRY, "fentry")
NOT_YET(FEXIT, "fexit")

static const struct provider *const providers[PROV__COUNT] = {
	[PROV_BEGIN] = &prov_begin,
	[PROV_END] = &prov_end,
	[PROV_TRACEPOINT] = &prov_tracepoint,
	[PROV_RAWTRACEPOINT] = &prov_rawtracepoint,
	[PROV_KPROBE] = &prov_KPROBE,
	[PROV_KRETPROBE] = &prov_KRETPROBE,
	[PROV_UPROBE] = &prov_UPROBE,
	[PROV_URETPROBE] = &prov_URETPROBE,
	[PROV_USDT] = &prov_USDT,
	[PROV_FENTRY] = &prov_FENTRY,
	[PROV_FEXIT] = &prov_FEXIT,
	[PROV_PROFILE] = &prov_profile,
	[PROV_INTERVAL] = &prov_interval,
	[PROV_SOFTWARE] = &prov_software,
	[PROV_HARDWARE] = &prov_hardware,
};

const struct provider *provider_for(enum provider_kind kind)
{
	return kind < PROV__COUNT ? providers[kind] : NULL;
}

int provider_list(const char *pattern, FILE *out)
{
	struct strlist names = { 0 };
	for (int k = 0; k < PROV__COUNT; k++)
		if (providers[k]->list)
			providers[k]->list(&names);
	names_sort_unique(&names);
	int n = 0;
	for (int i = 0; i < names.len; i++) {
		if (pattern && fnmatch(pattern, names.items[i], 0))
			continue;
		fprintf(out, "%s\n", names.items[i]);
		n++;
	}
	strlist_free(&names);
	return n;
}
