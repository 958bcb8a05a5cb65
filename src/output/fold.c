/* A map's keys as stacks of frames (see fold.h). */
#include "output/fold.h"

#include <stdlib.h>

static bool foldable(const struct map_res *m)
{
	bool stack = false;
	for (int i = 0, off; i < map_key_fields(m); i++)
		stack |= map_key_field(m, i, &off)->kind == T_STACK;
	return stack && map_value_is_number(m);
}

bool fold_map_or_warn(const struct output_backend *b, const struct map_res *m)
{
	if (foldable(m))
		return true;
	fprintf(stderr, "WARNING: -f %s: %s is not printed: only maps keyed by kstack or ustack with "
			"numbers as values fold\n", b->name, m->name);
	return false;
}

void fold_key_frames(const struct map_res *m, const char *key, frame_fn each, void *ctx)
{
	for (int f = 0, off; f < map_key_fields(m); f++) {
		const struct type *t = map_key_field(m, f, &off);
		if (t->kind == T_STACK) {
			value_stack_frames(t, key + off, each, ctx);
			continue;
		}
		size_t len;
		char *text = value_text(value_print_key, t, key + off, &len);
		each(text, ctx);
		free(text);
	}
}
