/* Decoding ring-buffer records (see struct event_hdr in resources.h). */
#ifndef SCRY_EVENTS_H
#define SCRY_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "codegen/resources.h"

struct events {
	const struct resources *res;
	const int *map_fds; /* the kernel maps of res->maps */
	FILE *out;
	bool exiting; /* an exit record arrived: drop the records after it */
};

/* ring_buffer_sample_fn: ctx is a struct events. */
int events_handle(void *ctx, void *data, size_t size);
/* Print a printf record's arguments (laid out as f->args) with format f->fmt. */
void events_printf(FILE *out, const struct fmt_res *f, const char *args);

#endif
