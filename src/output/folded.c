/* -f folded: maps keyed by stacks as folded stacks, the input of flame graph
 * tools: one line per entry, "root;...;leaf count". Each field of the key is
 * one or more frames in key order: a kstack or ustack its functions root
 * first (no offsets, so a function's frames merge), any other field its text
 * (@[comm, kstack] puts the command at the root). Maps of other keys or of
 * values that are not numbers (hist, stats, strings) cannot be folded: a
 * warning says so. What the script prints itself (printf, system, ...) is
 * written as text; the "Attaching" line and the empty lines are not. */
#include "output/output.h"

#include <stdlib.h>
#include <string.h>

#include "output/value.h"

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
static void put_frame(struct line *l, const char *sym, size_t len)
{
	if (!l->first)
		fputc(';', l->out);
	l->first = false;
	for (size_t i = 0; i < len; i++)
		fputc(sym[i] == ';' ? ':' : sym[i] == '\n' ? ' ' : sym[i], l->out);
}

static void put_function(const char *sym, void *ctx)
{
	put_frame(ctx, sym, strlen(sym));
}

static void put_field(struct line *l, const struct type *t, const void *data)
{
	if (t->kind == T_STACK) {
		value_stack_frames(t, data, put_function, l);
		return;
	}
	size_t len;
	char *text = value_text(value_print_key, t, data, &len);
	put_frame(l, text, len);
	free(text);
}

static bool foldable(const struct map_res *m)
{
	bool stack = false;
	for (int i = 0, off; i < map_key_fields(m); i++)
		stack |= map_key_field(m, i, &off)->kind == T_STACK;
	return stack && map_value_is_number(m);
}

static void folded_map(struct output *o, const struct map_data *d)
{
	const struct map_res *m = d->m;
	if (!foldable(m)) {
		fprintf(stderr, "WARNING: -f folded: %s is not printed: only maps keyed by kstack or ustack with "
				"numbers as values fold\n", m->name);
		return;
	}
	for (int i = 0; i < d->n; i++) {
		struct line l = { o->out, true };
		char num[32];
		for (int f = 0, off; f < map_key_fields(m); f++) {
			const struct type *t = map_key_field(m, f, &off);
			put_field(&l, t, d->e[i].key + off);
		}
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
