/* Creating the maps of the resources and loading programs through the
 * verifier. Every object is named scry_* so leftovers are easy to find. */
#include "runtime/load.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/probe.h"
#include "util/diag.h"

int load_maps(const struct resources *res, int *fds)
{
	for (int i = 0; i < res->nmaps; i++)
		fds[i] = -1;
	for (int i = 0; i < res->nmaps; i++) {
		const struct map_res *m = &res->maps[i];
		char name[32]; /* libbpf keeps the first 15 characters */
		snprintf(name, sizeof(name), "scry_map%d", i);
		fds[i] = bpf_map_create(m->bpf_type, name, m->key_size, m->value_size, m->max_entries, NULL);
		if (fds[i] < 0) {
			int err = fds[i];
			diag_fatal("failed to create map %s: %s", m->name, strerror(-err));
			close_fds(fds, i);
			return err;
		}
	}
	return 0;
}

/* Lines of a verifier log that describe states, not why it gave up. */
static bool log_noise(const char *line, size_t len)
{
	static const char *const prefixes[] = {
		"processed ", "cur state:", "old state:", "verification time", "stack depth", "mark_precise",
		"last_idx", "parent ", "frame", "from ", ";",
	};
	if (len == 0 || (line[0] >= '0' && line[0] <= '9')) /* "12: (05) goto pc-10" */
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(line, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The reason of a rejection: the last line of the log that is not noise. */
static void log_reason(const char *log, char *out, size_t len)
{
	const char *end = log + strlen(log);
	*out = 0;
	while (end > log) {
		const char *start = end;
		while (start > log && start[-1] != '\n')
			start--;
		size_t n = (size_t)(end - start);
		while (n && (start[n - 1] == ' ' || start[n - 1] == '\n'))
			n--;
		if (!log_noise(start, n)) {
			snprintf(out, len, "%.*s", (int)n, start);
			return;
		}
		end = start > log ? start - 1 : log;
	}
}

/* The instruction the verifier stopped at: the last "N: (op) ..." line of
 * its log (it prints each instruction as it walks it), or -1. Parsed by hand:
 * sscanf measures the rest of the string on each call, hours for a log of
 * 16 MB. */
static int log_last_insn(const char *log)
{
	int last = -1;
	for (const char *line = log; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n')) {
		char *end;
		if (!isdigit((unsigned char)*line))
			continue;
		long insn = strtol(line, &end, 10);
		if (strncmp(end, ": (", 3) || !isxdigit((unsigned char)end[3]))
			continue;
		end += 3 + strspn(end + 3, "0123456789abcdef");
		if (*end == ')')
			last = (int)insn;
	}
	return last;
}

/* The verifier takes a callback (bpf_for_each_map_elem) only from a
 * program whose BTF func_info says its functions are static: a minimal BTF
 * with `static long NAME(void)` for each. Fills opts; returns the BTF, or
 * NULL after reporting. */
static struct btf *func_info(const struct prog *p, const char *name, struct bpf_prog_load_opts *opts)
{
	struct btf *btf = btf__new_empty();
	struct bpf_func_info *info = calloc(p->code.nfuncs, sizeof(*info));
	if (!btf || !info)
		abort();
	/* libbpf returns a type id, or -errno (a bad id makes the next call fail) */
	int proto = btf__add_func_proto(btf, btf__add_int(btf, "long", 8, BTF_INT_SIGNED));
	int err = proto < 0 ? proto : 0;
	for (int i = 0; i < p->code.nfuncs && !err; i++) {
		char fname[64];
		/* the first keeps the program's name: bpftool shows programs by it */
		snprintf(fname, sizeof(fname), i ? "%s_cb%d" : "%s", name, i);
		int id = btf__add_func(btf, fname, BTF_FUNC_STATIC, proto);
		err = id < 0 ? id : 0;
		info[i] = (struct bpf_func_info){ .insn_off = p->code.funcs[i], .type_id = id };
	}
	if (!err)
		err = btf__load_into_kernel(btf);
	if (err < 0) {
		diag_error(&p->spec->loc, "failed to load the BTF of the program for %s: %s", p->name, strerror(-err));
		btf__free(btf);
		free(info);
		return NULL;
	}
	opts->prog_btf_fd = btf__fd(btf);
	opts->func_info = info;
	opts->func_info_cnt = p->code.nfuncs;
	opts->func_info_rec_size = sizeof(*info);
	return btf;
}

int load_prog(const struct prog *p, int index, const int *map_fds, bool verbose, size_t log_size)
{
	struct bpf_insn *insns = malloc(p->code.len * sizeof(*insns));
	if (!insns)
		abort();
	memcpy(insns, p->code.insns, p->code.len * sizeof(*insns));
	for (int i = 0; i < p->code.nrefs; i++)
		insns[p->code.refs[i].insn].imm = map_fds[p->code.refs[i].map];

	char name[32];
	snprintf(name, sizeof(name), "scry_p%d", index);
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = p->attach_type);
	const struct probe_type *pt = p->type;
	if (pt->attach_btf && p->targets.len) {
		struct probe_site site = { p->spec, p->targets.items[0] };
		int obj_fd = 0, err = pt->attach_btf(&site, &opts.attach_btf_id, &obj_fd);
		if (err) {
			diag_error(&p->spec->loc, "cannot find the BTF of %s: %s", p->name, strerror(-err));
			free(insns);
			return err;
		}
		opts.attach_btf_obj_fd = obj_fd;
	}
	struct btf *btf = NULL;
	if (p->code.nfuncs > 1 && !(btf = func_info(p, name, &opts))) {
		free(insns);
		return -EINVAL;
	}
	/* quiet first: a log costs time; ask for one only to explain a rejection */
	int fd = bpf_prog_load(p->prog_type, name, "GPL", insns, p->code.len, &opts);
	if (fd < 0) {
		int err = fd;
		/* the kernel takes at most UINT32_MAX >> 2 bytes */
		log_size = !log_size ? LOAD_LOG_SIZE : log_size > UINT32_MAX >> 2 ? UINT32_MAX >> 2 : log_size;
		char *log = calloc(1, log_size);
		opts.log_buf = log;
		opts.log_size = log_size;
		opts.log_level = 1;
		int logged = bpf_prog_load(p->prog_type, name, "GPL", insns, p->code.len, &opts);
		if (logged >= 0)
			close(logged); /* loads with a log but not without: report the first error */
		fd = err;
		char reason[512] = "";
		/* before 6.4 a log that overflows fails the load with ENOSPC, cut short */
		if (err == -E2BIG)
			snprintf(reason, sizeof(reason), "%s", "BPF program is too large (the verifier stops after "
				 "1,000,000 instructions, counting each trip round a loop)");
		else if (logged == -ENOSPC)
			snprintf(reason, sizeof(reason), "%s (the verifier's log outgrew its %zu bytes: raise BPFTRACE_LOG_SIZE)",
				 strerror(-err), log_size);
		else
			log_reason(log, reason, sizeof(reason));
		if (verbose)
			fprintf(stderr, "%s\n", log);
		/* a kernel that loads no program of this type has no log to show */
		const char *why = !*reason && pt->unavailable ? pt->unavailable() : NULL;
		if (why)
			diag_error(&p->spec->loc, "%s", why);
		else
			diag_error(prog_code_loc(&p->code, log_last_insn(log), &p->spec->loc), "the kernel's verifier rejected the program for %s: %s%s", p->name,
			   *reason ? reason : strerror(-fd), verbose ? "" : " (use -v for the verifier log)");
		free(log);
	}
	if (btf) {
		free((void *)opts.func_info);
		btf__free(btf); /* the program holds its own reference */
	}
	free(insns);
	return fd;
}

void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
