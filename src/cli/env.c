#include "cli/env.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/regs.h"

/* How a variable's text is read, with bpftrace's message for a bad one. */
enum env_kind {
	ENV_COUNT, /* a positive integer (strtoull's syntax, as bpftrace's: "-1" is 2^64-1) */
	ENV_BYTES, /* the same, zero allowed (bpftrace reads CAT_BYTES_MAX so) */
	ENV_FLAG,  /* "0" or "1" */
	ENV_PATH,  /* any text */
	ENV_WORD,  /* one of the entry's words */
};

#define FIELD(f) offsetof(struct env_config, f)
#define VAR(name, kind, f) { name, kind, FIELD(f), NULL }
static const struct env_var {
	const char *name; /* after BPFTRACE_ or SCRY_ */
	enum env_kind kind;
	size_t field;
	const char *const *words; /* ENV_WORD: the values allowed, NULL-terminated */
} vars[] = {
	VAR("STRLEN", ENV_COUNT, strlen),
	VAR("NO_CPP_DEMANGLE", ENV_FLAG, no_cpp_demangle),
	VAR("MAP_KEYS_MAX", ENV_COUNT, map_keys_max),
	VAR("MAX_PROBES", ENV_COUNT, max_probes),
	VAR("MAX_BPF_PROGS", ENV_COUNT, max_bpf_progs),
	VAR("LOG_SIZE", ENV_COUNT, log_size),
	VAR("PERF_RB_PAGES", ENV_COUNT, rb_pages),
	VAR("CAT_BYTES_MAX", ENV_BYTES, cat_bytes_max),
	VAR("NO_USER_SYMBOLS", ENV_FLAG, no_user_symbols),
	VAR("CACHE_USER_SYMBOLS", ENV_FLAG, cache_user_symbols),
	VAR("VMLINUX", ENV_PATH, vmlinux),
	VAR("BTF", ENV_PATH, btf),
	{ "STACK_MODE", ENV_WORD, FIELD(stack_mode), (const char *const[]){ "bpftrace", "perf", NULL } },
};

static bool is_word(const char *const *words, const char *text)
{
	for (; *words; words++)
		if (!strcmp(*words, text))
			return true;
	return false;
}

/* BPFTRACE_NAME or SCRY_NAME into its field (left alone when neither is
 * set). Returns -1 after bpftrace's message when the value is bad. */
static int read_var(const struct env_var *v, struct env_config *cfg)
{
	char bname[64], sname[64];
	snprintf(bname, sizeof(bname), "BPFTRACE_%s", v->name);
	snprintf(sname, sizeof(sname), "SCRY_%s", v->name);
	const char *which = getenv(sname) ? sname : bname, *text = getenv(which);
	void *field = (char *)cfg + v->field;
	if (!text)
		return 0;
	if (v->kind == ENV_WORD && !is_word(v->words, text)) {
		fprintf(stderr, "ERROR: Env var '%s' did not contain a valid value (", which);
		for (const char *const *w = v->words; *w; w++)
			fprintf(stderr, "%s%s", *w, w[1] ? " or " : "");
		fprintf(stderr, ").\n");
		return -1;
	}
	if (v->kind == ENV_PATH || v->kind == ENV_WORD) {
		*(const char **)field = text;
		return 0;
	}
	if (v->kind == ENV_FLAG) {
		if (strcmp(text, "0") && strcmp(text, "1")) {
			fprintf(stderr, "ERROR: Env var '%s' did not contain a valid value (0 or 1).\n", which);
			return -1;
		}
		*(bool *)field = *text == '1';
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno || end == text || *end || (n == 0 && v->kind == ENV_COUNT)) {
		fprintf(stderr, "ERROR: Env var '%s' did not contain a valid uint64_t, or was zero-valued.\n", which);
		return -1;
	}
	*(uint64_t *)field = n;
	return 0;
}

int env_read(struct env_config *cfg)
{
	*cfg = (struct env_config){ .max_probes = 512, .max_bpf_progs = 512, .cat_bytes_max = 10240 };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (read_var(&vars[i], cfg))
			return 1;
	if (cfg->strlen > 200) {
		fprintf(stderr, "ERROR: 'BPFTRACE_STRLEN' %llu exceeds the current maximum of 200 bytes.\n"
				"This limitation is because strings are currently stored on the 512 byte BPF stack.\n"
				"Long strings will be pursued in: https://github.com/iovisor/bpftrace/issues/305\n",
			(unsigned long long)cfg->strlen);
		return 1;
	}
	if (cfg->btf && access(cfg->btf, R_OK)) { /* bpftrace 0.17 crashes */
		fprintf(stderr, "ERROR: BTF: failed to read BTF data from '%s': %s\n", cfg->btf, strerror(errno));
		return 1;
	}
	if (cfg->map_keys_max > UINT32_MAX)
		cfg->map_keys_max = UINT32_MAX;
	return 0;
}

/* The ring buffer is one for all CPUs: pages x page size x CPUs, rounded up
 * to the power of two the kernel requires. */
uint32_t env_ringbuf_size(const struct env_config *cfg)
{
	if (!cfg->rb_pages)
		return 0;
	uint64_t want = cfg->rb_pages * (uint64_t)sysconf(_SC_PAGESIZE) * (uint64_t)libbpf_num_possible_cpus();
	uint64_t size = (uint64_t)sysconf(_SC_PAGESIZE);
	while (size < want && size < (1ull << 31))
		size <<= 1;
	return (uint32_t)size;
}

void env_apply(const struct env_config *cfg, struct compiled *c)
{
	for (int i = MAP__INTERNAL; i < c->res.nmaps && cfg->map_keys_max; i++) {
		struct map_res *m = &c->res.maps[i];
		bool hash = m->bpf_type == BPF_MAP_TYPE_HASH || m->bpf_type == BPF_MAP_TYPE_PERCPU_HASH;
		if (m->name[0] == '@' && hash) /* the script's maps, not scry's own */
			m->max_entries = (uint32_t)cfg->map_keys_max;
	}
}

int env_check_probes(const struct env_config *cfg, const struct compiled *c)
{
	if ((uint64_t)c->nprogs > cfg->max_bpf_progs) {
		fprintf(stderr, "ERROR: Your program is trying to generate more than %d BPF programs, which exceeds the "
				"current limit of %llu\nYou can increase the limit through the BPFTRACE_MAX_BPF_PROGS "
				"environment variable.\n",
			c->nprogs, (unsigned long long)cfg->max_bpf_progs);
		return 1;
	}
	uint64_t n = 0;
	for (int i = 0; i < c->nprogs; i++)
		n += c->progs[i].targets.len;
	if (n <= cfg->max_probes)
		return 0;
	fprintf(stderr, "ERROR: Can't attach to %llu probes because it exceeds the current limit of %llu probes.\n"
			"You can increase the limit through the BPFTRACE_MAX_PROBES environment variable, but BE "
			"CAREFUL since a high number of probes attached can cause your system to crash.\n",
		(unsigned long long)n, (unsigned long long)cfg->max_probes);
	return 1;
}

int env_select_arch(bool listing)
{
	const char *name = getenv("SCRY_ARCH");
	if (!name || !*name) /* unset or empty: this machine's */
		return 0;
	if (regs_select(name)) {
		char known[64];
		regs_names(known, sizeof(known));
		fprintf(stderr, "ERROR: SCRY_ARCH: unknown architecture '%s' (expected: %s)\n", name, known);
		return 1;
	}
	if (!listing && regs_arch() != regs_native()) {
		fprintf(stderr, "ERROR: SCRY_ARCH=%s is not this machine's architecture (%s): only -d listings can use it\n",
			name, regs_native()->name);
		return 1;
	}
	return 0;
}
