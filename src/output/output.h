/* The output seam. The runtime hands every piece of a trace's output to one
 * backend as plain data (text already formatted by printf, a value and its
 * type, a map read and folded); the backend only formats it, one file per
 * format: text.c (bpftrace 0.17's text), json.c (its -f json), folded.c
 * (folded stacks for flame graphs), flamegraph.c (an SVG flame graph).
 * This header and map_data.h are the contract the runtime calls through;
 * nothing here reads the kernel. */
#ifndef SCRY_OUTPUT_H
#define SCRY_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codegen/types.h"
#include "output/map_data.h"
#include "util/diag.h"

/* Text the runtime made, named as bpftrace's JSON names it. */
enum message_kind {
	MSG_PRINTF,  /* printf() */
	MSG_TIME,    /* time() */
	MSG_CAT,     /* cat(): the file */
	MSG_JOIN,    /* join(): the strings and separators, no newline */
	MSG_SYSCALL, /* system(): what the command wrote on stdout */
};

/* A helper call that failed (-k, -kk): where, and what it returned or how
 * often it failed. */
struct helper_failure {
	const char *helper; /* "map_update_elem" */
	const char *map;    /* the script map it acted on ("@a"), or NULL */
	const char *probe;  /* the probe, as `probe` prints it */
	struct loc loc;
	int64_t ret;        /* helper_error: its return value */
	uint64_t count;     /* helper_errors: failures in all */
	uint64_t said;      /* helper_errors: how many of them helper_error reported */
};

struct output;

struct output_backend {
	const char *name; /* as -f names it */
	/* "Attaching N probes...": not called under -q */
	void (*attached)(struct output *o, int nprobes);
	void (*message)(struct output *o, enum message_kind kind, const char *text, size_t len);
	/* print(value) */
	void (*value)(struct output *o, const struct type *t, const void *data);
	/* print(@m) and the maps at exit */
	void (*map)(struct output *o, const struct map_data *d);
	/* ring-buffer records lost since the last call */
	void (*lost)(struct output *o, uint64_t n);
	/* a helper call failed, as it happens (the first few of each call site) */
	void (*helper_error)(struct output *o, const struct helper_failure *f);
	/* at exit, for a call site that failed more often than was reported */
	void (*helper_errors)(struct output *o, const struct helper_failure *f);
	/* after END, before the maps */
	void (*maps_start)(struct output *o);
	/* after the maps, once: a backend that writes its output as a whole
	 * writes it here; NULL: nothing to do */
	void (*end)(struct output *o);
};

struct output {
	const struct output_backend *backend;
	FILE *out;
	void *state; /* the backend's own, from its first call to its end; NULL before */
};

/* The backend -f names, or NULL. */
const struct output_backend *output_backend(const char *name);
/* Their names as bpftrace lists them: 'text', 'json', ... */
void output_list_formats(FILE *out);

extern const struct output_backend output_text, output_json, output_folded, output_flamegraph;

/* The text forms of helper errors, for text and folded output: bpftrace's
 * warning in the output, the count at exit on stderr. */
void text_helper_error(struct output *o, const struct helper_failure *f);
void text_helper_errors(struct output *o, const struct helper_failure *f);

#endif
