/* Printing maps exactly as bpftrace 0.17 prints them. */
#ifndef SCRY_OUTPUT_H
#define SCRY_OUTPUT_H

#include <stdio.h>

#include "codegen/resources.h"

/* Print map m, whose kernel map is fd, as bpftrace 0.17 prints it at exit and
 * for print(@m, top, div): top 0 prints every entry, else only the `top`
 * largest; values are divided by div (1 or 0: unchanged). Returns 0 or a
 * negative errno. */
int output_map(FILE *out, const struct map_res *m, int fd, int top, int div);

#endif
