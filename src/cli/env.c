#include "cli/env.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/regs.h"

/* BPFTRACE_NAME or SCRY_NAME into *val (left alone when neither is set).
 * Returns -1 after bpftrace's message when the value is not a positive
 * integer (strtoull's syntax, as bpftrace's: "-1" is 2^64-1). */
static int read_u64(const char *name, uint64_t *val)
{
	char bname[64], sname[64];
	snprintf(bname, sizeof(bname), "BPFTRACE_%s", name);
	snprintf(sname, sizeof(sname), "SCRY_%s", name);
	const char *which = getenv(sname) ? sname : bname, *text = getenv(which);
	if (!text)
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || *end || v == 0) {
		fprintf(stderr, "ERROR: Env var '%s' did not contain a valid uint64_t, or was zero-valued.\n", which);
		return -1;
	}
	*val = v;
	return 0;
}

int env_read(struct env_config *cfg)
{
	*cfg = (struct env_config){ .max_probes = 512 };
	if (read_u64("STRLEN", &cfg->strlen) || read_u64("MAP_KEYS_MAX", &cfg->map_keys_max) ||
	    read_u64("PERF_RB_PAGES", &cfg->rb_pages) || read_u64("MAX_PROBES", &cfg->max_probes))
		return 1;
	if (cfg->strlen > 200) {
		fprintf(stderr, "ERROR: 'BPFTRACE_STRLEN' %llu exceeds the current maximum of 200 bytes.\n"
				"This limitation is because strings are currently stored on the 512 byte BPF stack.\n"
				"Long strings will be pursued in: https://github.com/iovisor/bpftrace/issues/305\n",
			(unsigned long long)cfg->strlen);
		return 1;
	}
	if (cfg->map_keys_max > UINT32_MAX)
		cfg->map_keys_max = UINT32_MAX;
	return 0;
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
