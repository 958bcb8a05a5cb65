/* Tracepoints, through perf events (they vanish with their file
 * descriptors). The program's context is the event's record, typed from its
 * format file: that record is `args`. Variants serve many syscall
 * tracepoints (syscall.c) and probes that do not read the record
 * (tracepoint_raw.c). */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/btf_types.h"
#include "probes/probe.h"
#include "probes/tracepoint.h"
#include "util/tracefs.h"
#include "util/diag.h"

/* "category:event" matched against the spec's two patterns. */
static bool tp_matches(const struct attach_spec *spec, const char *name)
{
	const char *colon = strchr(name, ':');
	char cat[256];
	int n = snprintf(cat, sizeof(cat), "%.*s", (int)(colon - name), name);
	return n < (int)sizeof(cat) && !fnmatch(spec->target, cat, 0) && !fnmatch(spec->func, colon + 1, 0);
}

static int tp_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	(void)env;
	struct strlist all = { 0 };
	int err = tracefs_events(&all);
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

const struct type *tracepoint_record(const struct probe_site *site)
{
	const struct attach_spec *spec = site->spec;
	const char *target = site->target;
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
		     const struct attach_env *env, struct attachment *out)
{
	(void)spec;
	(void)env;
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
	int err = perf_event_attach(&attr, 0, -1, prog_fd, out);
	if (err)
		attachment_close(out);
	return err;
}

/* --- listing --- */

static void tp_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	(void)env;
	struct strlist tps = { 0 };
	tracefs_events(&tps);
	names_add_matching(names, pattern, "tracepoint", &tps);
	strlist_free(&tps);
}

/* Syscall arguments point into the calling process. */
static bool tp_user_memory(const struct attach_spec *spec)
{
	return spec->target && !strcmp(spec->target, "syscalls");
}

static const char *const tp_per_target[] = { "args", NULL };

/* Perf events cost most to close (a grace period each under a kernel-wide
 * mutex, 35-40 ms, one after another), so: many syscalls through the
 * dispatcher, and the events whose record the probe does not read through
 * their raw tracepoint. */
static const struct probe_type *tp_variant(const struct attach_spec *spec, const struct strlist *targets,
					   bool reads_context)
{
	const struct probe_type *v = syscall_variant(spec, targets);
	return v ? v : reads_context ? NULL : tracepoint_raw_variant(targets);
}

const struct probe_type probe_tracepoint = {
	.kind = PROV_TRACEPOINT, .name = "tracepoint", .aliases = { "t" },
	.shape = SHAPE_TP, .min_parts = 2, .max_parts = 2, .wildcards = true,
	.prog_type = BPF_PROG_TYPE_TRACEPOINT,
	.per_target = tp_per_target,
	.variant = tp_variant,
	.expand = tp_expand,
	.list = tp_list,
	.args_type = tracepoint_record,
	.user_memory = tp_user_memory,
	.attach = tp_attach,
};
