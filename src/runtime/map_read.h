/* Reading a script's map from the kernel for output (see map_read.c). */
#ifndef SCRY_MAP_READ_H
#define SCRY_MAP_READ_H

#include "codegen/resources.h"
#include "output/output.h"

/* Read map m, whose kernel map is fd, and hand it to o's backend, as the
 * exit dump and print(@m, top, div) do: top 0 shows every entry, else only
 * the `top` last in print order; div 0 or 1 leaves values undivided.
 * Returns 0 or a negative errno. */
int map_output(struct output *o, const struct map_res *m, int fd, int top, int div);

#endif
