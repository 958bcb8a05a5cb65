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

/* A frame: ';' separates frames and the last ' ' the count, newlines end lines. */
static void put_frame(FILE *out, const char *sym, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fputc(sym[i] == ';' ? ':' : sym[i] == '\n' ? ' ' : sym[i], out);
	fputc(';', out);
}

/* A stack's frames, gathered innermost first, then put root first. */
struct frames {
	char **sym;
	int n;
};

static void gather(const char *sym, void *ctx)
{
	struct frames *f = ctx;
	char **more = realloc(f->sym, (f->n + 1) * sizeof(*more));
	if (!more)
		return;
	f->sym = more;
	f->sym[f->n++] = strdup(sym);
}

static void put_field(FILE *out, const struct type *t, const void *data)
{
	if (t->kind == T_STACK) {
		struct frames f = { 0 };
		value_stack_frames(t, data, gather, &f);
		for (int i = f.n - 1; i >= 0; i--) {
			if (f.sym[i])
				put_frame(out, f.sym[i], strlen(f.sym[i]));
			free(f.sym[i]);
		}
		free(f.sym);
		return;
	}
	size_t len;
	char *text = value_text(value_print_key, t, data, &len);
	put_frame(out, text, len);
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
		char *line = NULL, num[32];
		size_t len = 0;
		FILE *mem = open_memstream(&line, &len);
		for (int f = 0, off; f < map_key_fields(m); f++) {
			const struct type *t = map_key_field(m, f, &off);
			put_field(mem, t, d->e[i].key + off);
		}
		fclose(mem);
		map_number(d, &d->e[i], num, sizeof(num));
		/* the last frame's ';' makes way for the count */
		fprintf(o->out, "%.*s %s\n", (int)(len ? len - 1 : 0), line, num);
		free(line);
	}
}

const struct output_backend output_folded = {
	.name = "folded",
	.attached = folded_attached,
	.message = folded_message,
	.value = folded_value,
	.map = folded_map,
	.lost = folded_lost,
	.maps_start = folded_nothing,
};
