/* bpftrace 0.17's environment variables, each also read under a SCRY_ name
 * (SCRY_STRLEN for BPFTRACE_STRLEN, ...), which wins when both are set. */
#ifndef SCRY_CLI_ENV_H
#define SCRY_CLI_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/compile.h"

struct env_config {
	uint64_t strlen;        /* BPFTRACE_STRLEN: str()'s default size; 0: unset */
	uint64_t map_keys_max;  /* BPFTRACE_MAP_KEYS_MAX: entries of the script's hash maps */
	uint64_t rb_pages;      /* BPFTRACE_PERF_RB_PAGES: ring buffer pages per CPU */
	uint64_t max_probes;    /* BPFTRACE_MAX_PROBES (default 512) */
	uint64_t max_bpf_progs; /* BPFTRACE_MAX_BPF_PROGS (default 512) */
	uint64_t cat_bytes_max; /* BPFTRACE_CAT_BYTES_MAX: bytes cat() prints (default 10240) */
	uint64_t log_size;      /* BPFTRACE_LOG_SIZE: the verifier log's bytes; 0: unset (16 MiB) */
	bool no_user_symbols;   /* BPFTRACE_NO_USER_SYMBOLS: user addresses printed as addresses */
	bool no_cpp_demangle;   /* BPFTRACE_NO_CPP_DEMANGLE: accepted; scry does not demangle */
	bool cache_user_symbols; /* BPFTRACE_CACHE_USER_SYMBOLS: accepted; scry caches per process */
	const char *btf;        /* BPFTRACE_BTF: a BTF file for the kernel's types, or NULL */
	const char *vmlinux;    /* BPFTRACE_VMLINUX: accepted (kprobe offsets are checked by the kernel) */
	const char *stack_mode; /* BPFTRACE_STACK_MODE: kstack's and ustack's mode by default, or NULL */
};

/* Read the variables; returns 0, or 1 after bpftrace's error message. */
int env_read(struct env_config *cfg);

/* SCRY_ARCH: the architecture whose registers kprobe and uprobe code reads
 * (x86_64, arm64), for listings only (listing: -d) since no other program
 * could run here. Returns 0, or 1 after an error. */
int env_select_arch(bool listing);

/* The events ring buffer's size for the compiler (its code knows it); 0: the default. */
uint32_t env_ringbuf_size(const struct env_config *cfg);

/* Apply what the compiler's output holds (map sizes). */
void env_apply(const struct env_config *cfg, struct compiled *c);

/* bpftrace's checks of the numbers of probes and programs before
 * attaching: returns 0, or 1 after its error. */
int env_check_probes(const struct env_config *cfg, const struct compiled *c);

#endif
