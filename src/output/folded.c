/* -f folded: maps keyed by stacks as folded stacks, the input of flame graph
 * tools: one line per entry, "root;...;leaf count", its frames as fold.h
 * reads them. Maps of other keys or of values that are not numbers (hist,
 * stats, strings) cannot be folded: a warning says so. What the script
 * prints itself (printf, system, ...) is written as text; the "Attaching"
 * line and the empty lines are not. */
#include "output/output.h"

#include "output/fold.h"

static void folded_nothing(struct output *o)
{
	(void)o;
}

static void folded_attached(struct output *o, int nprobes)
{
	(void)o;
	(void)nprobes;
}

static void folded_lost(struct output *o, uint64_t n)
{
	(void)o;
	(void)n;
}

static void folded_message(struct output *o, enum message_kind kind, const char *text, size_t len)
{
	output_text.message(o, kind, text, len);
}

static void folded_value(struct output *o, const struct type *t, const void *data)
{
	output_text.value(o, t, data);
}

/* The line being written: its frames joined by ';' */
struct line {
	FILE *out;
	bool first; /* no frame written yet */
};

/* A frame, ';' in it made ':' and newlines ' ': ';' separates frames, ' '
 * the count, and newlines end lines. */
static void put_frame(const char *sym, void *ctx)
{
	struct line *l = ctx;
	if (!l->first)
		fputc(';', l->out);
	l->first = false;
	for (const char *c = sym; *c; c++)
		fputc(*c == ';' ? ':' : *c == '\n' ? ' ' : *c, l->out);
}

static void folded_map(struct output *o, const struct map_data *d)
{
	if (!fold_map_or_warn(&output_folded, d->m))
		return;
	for (int i = 0; i < d->n; i++) {
		struct line l = { o->out, true };
		char num[32];
		fold_key_frames(d->m, d->e[i].key, put_frame, &l);
		map_number(d, &d->e[i], num, sizeof(num));
		fprintf(o->out, " %s\n", num);
	}
}

const struct output_backend output_folded = {
	.name = "folded",
	.attached = folded_attached,
	.message = folded_message,
	.value = folded_value,
	.map = folded_map,
	.lost = folded_lost,
	.helper_error = text_helper_error,
	.helper_errors = text_helper_errors,
	.maps_start = folded_nothing,
};
