/* Tracepoints (through perf events) and raw tracepoints (through
 * BPF_RAW_TRACEPOINT_OPEN). Both vanish with their file descriptors. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/btf_types.h"
#include "runtime/provider.h"
#include "runtime/tracefs.h"
#include "util/diag.h"

/* Every tracepoint as "category:event", from tracefs's available_events. */
static int tracepoint_names(struct strlist *out)
{
	char *text = tracefs_read("available_events");
	if (!text)
		return -errno;
	for (char *save, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strchr(line, ':'))
			strlist_add(out, line);
	free(text);
	names_sort_unique(out);
	return 0;
}

/* "category:event" matched against the spec's two patterns. */
static bool tp_matches(const struct attach_spec *spec, const char *name)
{
	const char *colon = strchr(name, ':');
	char cat[256];
	int n = snprintf(cat, sizeof(cat), "%.*s", (int)(colon - name), name);
	return n < (int)sizeof(cat) && !fnmatch(spec->target, cat, 0) && !fnmatch(spec->func, colon + 1, 0);
}

static int tp_expand(const struct attach_spec *spec, struct strlist *targets)
{
	struct strlist all = { 0 };
	int err = tracepoint_names(&all);
	if (err) {
		diag_error(&spec->loc, "could not read tracepoints from tracefs: %s", strerror(-err));
		return -1;
	}
	for (int i = 0; i < all.len; i++)
		if (tp_matches(spec, all.items[i]))
			strlist_add(targets, all.items[i]);
	strlist_free(&all);
	if (targets->len)
		return 0;
	diag_error(&spec->loc, "tracepoint%s not found: %s:%s", spec->has_wildcard ? "s" : "",
		   spec->target, spec->func);
	return -1;
}

/* Raw tracepoints are the kernel's btf_trace_<name> typedefs; without BTF,
 * fall back to the tracepoint event names (a superset: syscalls:* are not
 * raw tracepoints). */
static void rawtracepoint_names(struct strlist *out)
{
	static const char prefix[] = "btf_trace_";
	struct btf *btf = btf__load_vmlinux_btf();
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
		tracepoint_names(&tps);
		for (int i = 0; i < tps.len; i++)
			strlist_add(out, strchr(tps.items[i], ':') + 1);
		strlist_free(&tps);
	}
	names_sort_unique(out);
}

static int raw_expand(const struct attach_spec *spec, struct strlist *targets)
{
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

/* tracefs path of a file of tracepoint "cat:event": events/cat/event/<file>. */
static void event_file(char *buf, size_t len, const char *target, const char *file)
{
	const char *colon = strchr(target, ':');
	snprintf(buf, len, "events/%.*s/%s/%s", (int)(colon - target), target, colon + 1, file);
}

/* --- args: the format file as a record --- */

static bool is_char(const char *ctype)
{
	if (!strncmp(ctype, "const ", 6))
		ctype += 6;
	return !strcmp(ctype, "char");
}

/* Pointer type "const char *": the pointee, one level of '*' removed. */
static const struct type *pointer_type(const char *ctype, bool user)
{
	char base[256];
	snprintf(base, sizeof(base), "%s", ctype);
	char *star = strrchr(base, '*');
	*star = 0;
	while (star > base && star[-1] == ' ')
		*--star = 0;
	const struct type *to;
	if (strchr(base, '*'))
		to = pointer_type(base, user);
	else if (is_char(base))
		to = type_int(1, true);
	else if (!(to = type_from_c_name(base)))
		to = btf_named_type(base); /* "struct __kernel_timespec" */
	return type_ptr(to ? to : &type_u8, user);
}

/* Arrays: char arrays are strings (bpftrace prints them so), others are
 * arrays of their element type, or bytes when the element is unknown. The
 * length comes from the size, as formats may spell it `[sizeof(...)]`. */
static const struct type *array_type(const char *ctype, int size)
{
	if (is_char(ctype))
		return type_str(size);
	const struct type *elem = type_from_c_name(ctype);
	if (!elem || size % elem->size)
		elem = &type_u8;
	return type_array(elem, size / elem->size);
}

/* Integers take their size from the format, which widens syscall arguments
 * to 8 bytes; signedness also from the declared C type, as the format says
 * signed:0 for `int dfd` and bpftrace prints it signed. */
static const struct type *field_type(const char *ctype, bool array, int size, bool is_signed, bool user)
{
	/* __data_loc/__rel_loc: a u32 holding (length << 16 | offset) of data
	 * stored after the record; scripts see the data's address, as in bpftrace. */
	if (!strncmp(ctype, "__data_loc", 10))
		return type_data_loc(false);
	if (!strncmp(ctype, "__rel_loc", 9))
		return type_data_loc(true);
	if (array)
		return array_type(ctype, size);
	if (strchr(ctype, '*'))
		return pointer_type(ctype, user);
	const struct type *named = type_from_c_name(ctype);
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return type_int(size, is_signed || (named && named->is_signed));
	return type_array(&type_u8, size);
}

/* Split a declaration in place: "char prev_comm[16]" → type "char", name
 * "prev_comm", array. Returns false when there is no name. */
static bool split_decl(char *decl, char **ctype, char **name, bool *array)
{
	char *end = decl + strlen(decl);
	*array = end > decl && end[-1] == ']';
	if (*array) {
		int depth = 0;
		do {
			end--;
			depth += (*end == ']') - (*end == '[');
		} while (end > decl && depth);
	}
	*end = 0;
	char *start = end;
	while (start > decl && (isalnum((unsigned char)start[-1]) || start[-1] == '_'))
		start--;
	if (start == end)
		return false;
	*name = start;
	while (start > decl && start[-1] == ' ')
		start--;
	*start = 0;
	*ctype = decl;
	return true;
}

/* One "\tfield:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" line. */
static void add_field(struct type *rec, char *line, bool user)
{
	char *decl = strstr(line, "field:") + 6;
	char *semi = strchr(decl, ';');
	int offset, size, is_signed;
	if (!semi)
		return;
	*semi = 0;
	const char *o = strstr(semi + 1, "offset:"), *s = strstr(semi + 1, "size:"),
		   *g = strstr(semi + 1, "signed:");
	char *ctype, *name;
	bool array;
	if (!o || !s || !g || sscanf(o, "offset:%d", &offset) != 1 || sscanf(s, "size:%d", &size) != 1 ||
	    sscanf(g, "signed:%d", &is_signed) != 1 || !split_decl(decl, &ctype, &name, &array))
		return;
	type_record_add(rec, name, field_type(ctype, array, size, is_signed, user), offset);
	if (offset + size > rec->size)
		rec->size = offset + size;
}

static const struct type *tp_args_type(const struct attach_spec *spec, const char *target)
{
	char rel[512];
	event_file(rel, sizeof(rel), target, "format");
	char *text = tracefs_read(rel);
	if (!text) {
		diag_error(&spec->loc, "could not read the format of tracepoint %s: %s", target, strerror(errno));
		return NULL;
	}
	char name[512];
	snprintf(name, sizeof(name), "struct _tracepoint_%s", target);
	*strchr(name, ':') = '_';
	struct type *rec = type_record_new(name, 0);
	/* Syscall arguments point into the calling process. */
	bool user = !strncmp(target, "syscalls:", 9);
	for (char *save, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "field:"))
			add_field(rec, line, user);
	free(text);
	return rec;
}

/* --- attaching --- */

static int tp_attach(const struct attach_spec *spec, const char *target, int prog_fd,
		     struct attachment *out)
{
	(void)spec;
	char rel[512];
	event_file(rel, sizeof(rel), target, "id");
	char *text = tracefs_read(rel);
	if (!text)
		return -errno;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.config = strtoull(text, NULL, 10),
		.sample_period = 1,
		.wakeup_events = 1,
	};
	free(text);
	/* A tracepoint's BPF program runs on every CPU whichever CPU the event is opened on. */
	int err = perf_event_attach(&attr, 0, prog_fd, out);
	if (err)
		attachment_close(out);
	return err;
}

static int raw_attach(const struct attach_spec *spec, const char *target, int prog_fd,
		      struct attachment *out)
{
	(void)spec;
	int fd = bpf_raw_tracepoint_open(target, prog_fd);
	if (fd < 0)
		return fd;
	attachment_add(out, fd);
	return 0;
}

/* --- listing --- */

static void add_prefixed(struct strlist *names, const char *prefix, const struct strlist *items)
{
	for (int i = 0; i < items->len; i++) {
		char *full;
		if (asprintf(&full, "%s:%s", prefix, items->items[i]) < 0)
			abort();
		strlist_add(names, full);
		free(full);
	}
}

static void tp_list(struct strlist *names)
{
	struct strlist tps = { 0 };
	tracepoint_names(&tps);
	add_prefixed(names, "tracepoint", &tps);
	strlist_free(&tps);
}

static void raw_list(struct strlist *names)
{
	struct strlist raws = { 0 };
	rawtracepoint_names(&raws);
	add_prefixed(names, "rawtracepoint", &raws);
	strlist_free(&raws);
}

const struct provider prov_tracepoint = {
	.kind = PROV_TRACEPOINT,
	.prog_type = BPF_PROG_TYPE_TRACEPOINT,
	.expand = tp_expand,
	.args_type = tp_args_type,
	.attach = tp_attach,
	.list = tp_list,
};

const struct provider prov_rawtracepoint = {
	.kind = PROV_RAWTRACEPOINT,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.expand = raw_expand,
	.attach = raw_attach,
	.list = raw_list,
};
