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

/* Text the runtime made, named as bpftrace's JSON names it. */
enum message_kind {
	MSG_PRINTF,  /* printf() */
	MSG_TIME,    /* time() */
	MSG_CAT,     /* cat(): the file */
	MSG_JOIN,    /* join(): the strings and separators, no newline */
	MSG_SYSCALL, /* system(): what the command wrote on stdout */
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

#endif
