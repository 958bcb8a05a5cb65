/* usdt: the statically defined probes of an executable or a shared library
 * (<sys/sdt.h>, notes read by usdt_notes.c), in every process that maps the
 * file or in the one of -p.
 *
 * A probe may sit at several places of a file (the macro used twice, or
 * inlined), each with its own argument spec; a target is one such site,
 * "PATH:PROVIDER:NAME:K" for the K-th site (in note order) of PROVIDER:NAME
 * in PATH, PATH resolved as for uprobes. As in bpftrace, each site is one
 * probe ("Attaching 2 probes..." for a probe with two sites), and `probe`
 * prints "usdt:PATH:PROVIDER:NAME" with PATH as the script wrote it when it
 * has no wildcard. arg0..arg11 are read per site (a program per site when
 * the body uses them); a body that reads no argument has one program for
 * all sites, attached with one uprobe_multi link per file. A probe with a
 * semaphore is attached with the semaphore as the uprobe's reference
 * counter, which the kernel increments while the probe is attached.
 *
 * Not done: `usdt::NAME` with -p PID alone (the binaries of the process):
 * expansion does not see the command line's pid. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/probe.h"
#include "probes/regs.h"
#include "probes/uprobe.h"
#include "probes/usdt_notes.h"
#include "util/diag.h"
#include "util/elf_syms.h"

/* ---- the notes of a file, read once ---- */

struct usdt_file {
	char *path;
	struct usdt_probe *probes;
	int n;
};

static struct usdt_file *files;
static int nfiles;

static void files_free(void)
{
	for (int i = 0; i < nfiles; i++) {
		free(files[i].path);
		usdt_notes_free(files[i].probes, files[i].n);
	}
	free(files);
	files = NULL;
	nfiles = 0;
}

/* The probes of path; NULL with the reason in err when it cannot be read. */
static const struct usdt_file *usdt_file_get(const char *path, char *err, size_t errlen)
{
	for (int i = 0; i < nfiles; i++)
		if (!strcmp(files[i].path, path))
			return &files[i];
	struct usdt_file f = { .path = strdup(path) };
	if (!f.path || usdt_notes_read(path, &f.probes, &f.n, err, errlen)) {
		free(f.path);
		return NULL;
	}
	if (!nfiles)
		atexit(files_free);
	files = realloc(files, (nfiles + 1) * sizeof(*files));
	if (!files)
		abort();
	files[nfiles] = f;
	return &files[nfiles++];
}

/* ---- targets ---- */

/* "PATH:PROVIDER:NAME:K", split from the right (a path may hold ':'). */
struct usdt_target {
	char path[4096];
	const char *provider, *name; /* into buf */
	int index;
	char buf[512];
};

static int usdt_target_split(const char *target, struct usdt_target *t)
{
	const char *c[3] = { NULL }, *end = target + strlen(target);
	for (int k = 0; k < 3; k++) {
		const char *p = end;
		while (p > target && p[-1] != ':')
			p--;
		if (p == target)
			return -EINVAL;
		c[k] = end = p - 1;
	}
	/* c[0]: before K, c[1]: before NAME, c[2]: before PROVIDER */
	size_t plen = c[2] - target, rest = c[0] - c[2] - 1;
	if (plen >= sizeof(t->path) || rest >= sizeof(t->buf))
		return -EINVAL;
	memcpy(t->path, target, plen);
	t->path[plen] = '\0';
	memcpy(t->buf, c[2] + 1, rest);
	t->buf[rest] = '\0';
	t->buf[c[1] - c[2] - 1] = '\0';
	t->provider = t->buf;
	t->name = t->buf + (c[1] - c[2]);
	t->index = atoi(c[0] + 1);
	return 0;
}

/* The site a target names, or NULL. */
static const struct usdt_probe *usdt_site(const char *target)
{
	struct usdt_target t;
	char err[256];
	const struct usdt_file *f;
	if (usdt_target_split(target, &t) || !(f = usdt_file_get(t.path, err, sizeof(err))))
		return NULL;
	int k = 0;
	for (int i = 0; i < f->n; i++) {
		const struct usdt_probe *p = &f->probes[i];
		if (!strcmp(p->provider, t.provider) && !strcmp(p->name, t.name) && k++ == t.index)
			return p;
	}
	return NULL;
}

static bool probe_matches(const struct attach_spec *spec, const struct usdt_probe *p)
{
	return (!spec->ns || !fnmatch(spec->ns, p->provider, 0)) && !fnmatch(spec->func, p->name, 0);
}

/* The sites of one file that match. */
static void expand_file(const struct attach_spec *spec, const struct usdt_file *f, struct strlist *targets)
{
	for (int i = 0; i < f->n; i++) {
		const struct usdt_probe *p = &f->probes[i];
		if (!probe_matches(spec, p))
			continue;
		int k = 0;
		for (int j = 0; j < i; j++)
			k += !strcmp(f->probes[j].provider, p->provider) && !strcmp(f->probes[j].name, p->name);
		char *target;
		if (asprintf(&target, "%s:%s:%s:%d", f->path, p->provider, p->name, k) < 0)
			abort();
		strlist_add(targets, target);
		free(target);
	}
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int usdt_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	bool by_pid = !spec->target || !*spec->target;
	if (by_pid && !env->pid) {
		diag_error(&spec->loc, "%s", "usdt probe must specify at least path or pid to probe");
		return -1;
	}
	struct strlist paths = { 0 };
	if (by_pid && elf_process_files(env->pid, &paths) <= 0) {
		diag_error(&spec->loc, "could not read the files of process %d", (int)env->pid);
		return -1;
	}
	if (!by_pid && elf_resolve_binaries(spec->target, &paths) == 0) {
		diag_error(&spec->loc, "usdt target file '%s' does not exist or is not executable", spec->target);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < paths.len && !rc; i++) {
		char err[512];
		const struct usdt_file *f = usdt_file_get(paths.items[i], err, sizeof(err));
		if (f)
			expand_file(spec, f, targets);
		else if (!by_pid && !has_wildcard(spec->target)) {
			diag_error(&spec->loc, "usdt target file '%s' cannot be read: %s", spec->target, err);
			rc = -1;
		}
	}
	strlist_free(&paths);
	if (!rc && !targets->len) {
		diag_error(&spec->loc, "No probes to attach: no USDT probe matches %s%s%s in %s", spec->ns ? spec->ns : "",
			   spec->ns ? ":" : "", spec->func, by_pid ? "the process's files" : spec->target);
		rc = -1;
	}
	strlist_sort_unique(targets);
	return rc;
}

/* A file as bpftrace shows it: a path as written, a bare name ("python3",
 * "libc") resolved, and with wildcards the glob's match, relative when the
 * pattern was (resolution made it absolute). */
static const char *shown_path(const char *written, const char *resolved)
{
	if (!strchr(written, '/'))
		return resolved;
	if (!has_wildcard(written))
		return written;
	char cwd[4096];
	size_t len;
	if (written[0] == '/' || !getcwd(cwd, sizeof(cwd)) || strncmp(resolved, cwd, len = strlen(cwd)) ||
	    resolved[len] != '/')
		return resolved;
	return resolved + len + 1;
}

/* "PATH:PROVIDER:NAME" with PATH as bpftrace shows it. */
static void usdt_target_name(const struct attach_spec *spec, const char *target, char *buf, size_t len)
{
	struct usdt_target t;
	if (usdt_target_split(target, &t)) {
		snprintf(buf, len, "%s", target);
		return;
	}
	snprintf(buf, len, "%s:%s:%s", spec->target ? shown_path(spec->target, t.path) : t.path, t.provider, t.name);
}

/* `-l usdt:PATH:[PROVIDER:]NAME`: the probes of the files PATH names that
 * match, as an attach point of the same text would (bpftrace matches the
 * pattern part by part, so "usdt:PATH:tw*" lists scry:twice), one line per
 * probe however many sites it has, PATH as written unless it had wildcards. */
/* With -p: the probes of the process's executable matching the whole pattern. */
static void list_process(const char *pattern, pid_t pid, struct strlist *names)
{
	char *exe = elf_process_exe(pid), err[256];
	const struct usdt_file *f = exe ? usdt_file_get(exe, err, sizeof(err)) : NULL;
	for (int j = 0; f && j < f->n; j++) {
		char *name;
		if (asprintf(&name, "usdt:%s:%s:%s", exe, f->probes[j].provider, f->probes[j].name) < 0)
			abort();
		if (!pattern || !fnmatch(pattern, name, 0))
			strlist_add(names, name);
		free(name);
	}
	free(exe);
}

static void usdt_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	static const char prefix[] = "usdt:";
	if (env->pid) {
		list_process(pattern, env->pid, names);
		return;
	}
	if (!pattern || strncmp(pattern, prefix, sizeof(prefix) - 1))
		return;
	char *parts[3] = { NULL };
	int n = 0;
	for (const char *s = pattern + sizeof(prefix) - 1; n < 3; s++) {
		size_t len = strcspn(s, ":");
		if (!(parts[n++] = strndup(s, len)))
			abort();
		s += len;
		if (!*s)
			break;
	}
	struct attach_spec spec = { .target = parts[0], .ns = n == 3 ? parts[1] : NULL, .func = parts[n - 1] };
	struct strlist paths = { 0 };
	if (n >= 2 && *spec.target)
		elf_resolve_binaries(spec.target, &paths);
	for (int i = 0; i < paths.len; i++) {
		char err[256];
		const struct usdt_file *f = usdt_file_get(paths.items[i], err, sizeof(err));
		const char *shown = shown_path(spec.target, paths.items[i]);
		for (int j = 0; f && j < f->n; j++) {
			char *name;
			if (!probe_matches(&spec, &f->probes[j]))
				continue;
			if (asprintf(&name, "usdt:%s:%s:%s", shown, f->probes[j].provider, f->probes[j].name) < 0)
				abort();
			strlist_add(names, name);
			free(name);
		}
	}
	strlist_free(&paths);
	for (int i = 0; i < n; i++)
		free(parts[i]);
}

/* ---- context: the arguments of a site ---- */

static const char *usdt_arg_error(const struct probe_site *site, int i, char *buf, size_t len)
{
	if (!site->target) /* unreachable for argN, which compiles a program per target */
		return NULL;
	if (regs_arch() != regs_native()) { /* the notes name this machine's registers */
		snprintf(buf, len, "usdt arguments can be listed for %s only, not SCRY_ARCH's %s", regs_native()->name,
			 regs_arch()->name);
		return buf;
	}
	const struct usdt_probe *p = usdt_site(site->target);
	char name[4096 + 512];
	usdt_target_name(site->spec, site->target, name, sizeof(name));
	if (!p || i >= p->nargs)
		snprintf(buf, len, "couldn't get argument %d for %s", i, name);
	else if (p->error)
		snprintf(buf, len, "couldn't get argument %d for %s: %s", i, name, p->error);
	else
		return NULL;
	return buf;
}

static void add_const(struct ir *ir, int v, long long c)
{
	if (c == (int32_t)c) {
		if (c)
			ir_alui(ir, BPF_ADD, v, (int32_t)c);
		return;
	}
	int k = ir_vreg(ir);
	ir_imm64(ir, k, (uint64_t)c);
	ir_alu(ir, BPF_ADD, v, k);
}

static int load_reg(const struct probe_emit *e, int off)
{
	int v = ir_vreg(e->ir);
	ir_load(e->ir, 8, v, e->ctx, (int16_t)off);
	return v;
}

static int emit_const(struct ir *ir, const struct usdt_arg *a)
{
	uint64_t c = (uint64_t)a->val;
	if (a->size < 8) {
		int shift = 64 - 8 * a->size;
		c = a->is_signed ? (uint64_t)((int64_t)(c << shift) >> shift) : c << shift >> shift;
	}
	int v = ir_vreg(ir);
	if ((int64_t)c == (int32_t)c)
		ir_movi(ir, v, (int32_t)c);
	else
		ir_imm64(ir, v, c);
	return v;
}

/* size bytes of user memory at base (+ index * scale) + val. */
static int emit_deref(const struct probe_emit *e, const struct usdt_arg *a)
{
	struct ir *ir = e->ir;
	int addr = load_reg(e, a->reg_off);
	if (a->kind == USDT_ARG_SIB) {
		int idx = load_reg(e, a->idx_reg_off);
		if (a->scale > 1)
			ir_alui(ir, BPF_LSH, idx, __builtin_ctz(a->scale));
		ir_alu(ir, BPF_ADD, addr, idx);
	}
	add_const(ir, addr, a->val);
	/* probe_read_user zeroes the slot when the read fails */
	int slot = frame_alloc(e->frame, 8);
	ir_mov(ir, R1, FP);
	ir_alui(ir, BPF_ADD, R1, slot);
	ir_movi(ir, R2, a->size);
	ir_mov(ir, R3, addr);
	ir_call(ir, BPF_FUNC_probe_read_user);
	int v = ir_vreg(ir);
	ir_load(ir, a->size, v, FP, (int16_t)slot);
	if (a->is_signed)
		ir_extend(ir, v, a->size, true);
	return v;
}

/* The i-th operand of the note's spec, for the listing. */
static void note_operand(struct ir *ir, const struct usdt_probe *p, int i)
{
	const char *s = p->spec;
	for (int k = 0;; k++) {
		s += strspn(s, " \t");
		int len = (int)strcspn(s, " \t");
		if (k == i || !*s) {
			ir_note(ir, "arg%d: %.*s", i, len, s);
			return;
		}
		s += len;
	}
}

static int usdt_emit_arg(const struct probe_emit *e, int i)
{
	const struct usdt_probe *p = e->site->target ? usdt_site(e->site->target) : NULL;
	if (!p || i >= p->nargs || p->error) { /* reported by arg_error */
		int v = ir_vreg(e->ir);
		ir_movi(e->ir, v, 0);
		return v;
	}
	const struct usdt_arg *a = &p->args[i];
	note_operand(e->ir, p, i);
	switch (a->kind) {
	case USDT_ARG_CONST:
		return emit_const(e->ir, a);
	case USDT_ARG_REG: {
		int v = load_reg(e, a->reg_off);
		ir_extend(e->ir, v, a->size, a->is_signed);
		return v;
	}
	case USDT_ARG_REG_DEREF:
	case USDT_ARG_SIB:
		break;
	}
	return emit_deref(e, a);
}

static bool user_memory(const struct attach_spec *spec)
{
	(void)spec;
	return true;
}

/* ---- attaching ---- */

/* Targets come grouped by file (sorted, and they start with the path): one
 * uprobe_multi link per file, the semaphores as reference counters. */
static int usdt_attach_all(const struct attach_spec *spec, const struct strlist *targets, int prog_fd,
			   const struct attach_env *env, struct attachment *out)
{
	(void)spec;
	uint64_t *offsets = calloc(targets->len, sizeof(*offsets));
	uint64_t *sems = calloc(targets->len, sizeof(*sems));
	struct usdt_target t, next;
	int err = offsets && sems ? 0 : -ENOMEM, n = 0;
	bool any_sem = false;
	for (int i = 0; i < targets->len && !err; i++) {
		const struct usdt_probe *p = usdt_site(targets->items[i]);
		err = p ? usdt_target_split(targets->items[i], &t) : -ENOENT;
		if (err)
			break;
		offsets[n] = p->file_offset;
		sems[n] = p->sem_offset;
		any_sem |= p->sem_offset != 0;
		n++;
		bool last = i + 1 == targets->len || usdt_target_split(targets->items[i + 1], &next) ||
			    strcmp(next.path, t.path);
		if (last) {
			err = uprobe_attach_file(spec, prog_fd, t.path, offsets, any_sem ? sems : NULL, n, false, env->pid,
						 out);
			n = 0;
			any_sem = false;
		}
	}
	free(offsets);
	free(sems);
	if (err)
		attachment_close(out);
	return err;
}

/* uaddr() resolves in the file of the site's probe. */
static bool usdt_binary(const struct probe_site *site, char *buf, size_t len)
{
	struct usdt_target t;
	if (!site->target || usdt_target_split(site->target, &t))
		return false;
	snprintf(buf, len, "%s", t.path);
	return true;
}

static const char *const per_target[] = {
	"arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7", "arg8", "arg9", "arg10", "arg11", "uaddr", NULL,
};

const struct probe_type probe_usdt = {
	.kind = PROV_USDT, .name = "usdt", .aliases = { "U" },
	.shape = SHAPE_USDT, .min_parts = 2, .max_parts = 3, .wildcards = true,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.attach_type = uprobe_attach_type,
	.per_target = per_target,
	.expand = usdt_expand,
	.list = usdt_list,
	.target_name = usdt_target_name,
	.emit_arg = usdt_emit_arg,
	.arg_error = usdt_arg_error,
	.user_memory = user_memory,
	.binary = usdt_binary,
	.attach_all = usdt_attach_all,
};
