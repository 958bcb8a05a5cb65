/* Decoding ring-buffer records (see struct event_hdr in resources.h). */
#ifndef SCRY_EVENTS_H
#define SCRY_EVENTS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "codegen/resources.h"
#include "output/output.h"

struct events {
	const struct resources *res;
	const int *map_fds; /* the kernel maps of res->maps */
	struct output *out;
	bool exiting; /* an exit record arrived: drop the records after it */
	/* A signal to end the trace (*stop nonzero) drops the system() records
	 * still queued. With bounded set, the work of one ring_buffer__poll or
	 * consume is bounded: when *stop becomes nonzero, an exit record arrives
	 * or EVENTS_BATCH_MS have passed since the first record of the call, the
	 * handler returns EVENTS_BREAK after the record, which ends the call. The
	 * caller zeroes batch_end_ns before each call. */
	const volatile sig_atomic_t *stop; /* NULL: none */
	bool bounded;
	uint64_t batch_end_ns;             /* CLOCK_MONOTONIC; 0: not started */
	uint64_t skipped_system; /* system() commands dropped on a signal */
	uint64_t cat_bytes_max;  /* cat() prints at most this much of a file */
	uint64_t *helper_errors_said; /* per helper error id: failures reported (res->nhelper_errors) */
	/* The text of the record at hand: one stream kept from record to
	 * record (opening one per record cost more than printf's formatting). */
	FILE *text;
	char *text_buf;
	size_t text_len;
};

/* What events_handle returns to end a poll early (libbpf passes it on). */
#define EVENTS_BREAK (-EAGAIN)
#define EVENTS_BATCH_MS 50

/* Helper error id's call site, for the output backend. */
struct helper_failure helper_failure_at(const struct resources *res, int id);

/* ring_buffer_sample_fn: ctx is a struct events. */
int events_handle(void *ctx, void *data, size_t size);
/* Free what handling the records kept. */
void events_close(struct events *ev);

#endif
