/* Running compiled programs against the kernel. */
#ifndef SCRY_RUN_H
#define SCRY_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "codegen/compile.h"
#include "output/output.h"
#include "probes/probe.h"
#include "runtime/target.h"

struct run_opts {
	bool dry_run; /* load through the verifier, attach nothing */
	bool verbose; /* the verifier's log on rejection */
	bool quiet;   /* -q: no "Attaching N probes..." */
	uint64_t cat_bytes_max; /* BPFTRACE_CAT_BYTES_MAX: bytes cat() prints */
	uint64_t log_size;      /* BPFTRACE_LOG_SIZE: bytes of the verifier's log */
	FILE *out;    /* -o: the script's output; NULL: stdout */
	const struct output_backend *format; /* -f; NULL: text */
	struct attach_env env; /* what every attach gets from the command line */
	struct target *target; /* -c or -p: run() forks -c's child and ends when it
	                          exits; the caller closes it. NULL: none */
};

/* Returns the process exit status. */
int run(const struct compiled *c, const struct run_opts *opts);

#endif
