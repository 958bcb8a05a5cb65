/* Maps as stacks, read the same way by -f folded and -f flamegraph: the key
 * of an entry as frames, root first. Each field of the key is one or more
 * frames in key order: a kstack or ustack its functions root first (no
 * offsets, so a function's frames merge), any other field its text
 * (@[comm, kstack] puts the command at the root). */
#ifndef SCRY_OUTPUT_FOLD_H
#define SCRY_OUTPUT_FOLD_H

#include <stdbool.h>

#include "output/output.h"
#include "output/value.h"

/* Whether m folds: keyed by a stack, with numbers as values. Else a warning
 * on stderr says that backend b leaves it out (hist, stats, strings). */
bool fold_map_or_warn(const struct output_backend *b, const struct map_res *m);
/* Each frame of the key of an entry of m, root first. */
void fold_key_frames(const struct map_res *m, const char *key, frame_fn each, void *ctx);

#endif
