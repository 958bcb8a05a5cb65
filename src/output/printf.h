/* printf's text (see printf.c). */
#ifndef SCRY_OUTPUT_PRINTF_H
#define SCRY_OUTPUT_PRINTF_H

#include <stdio.h>

#include "codegen/resources.h"

/* Print a printf record's arguments (laid out as f->args) with format f->fmt. */
void printf_format(FILE *out, const struct fmt_res *f, const char *args);

#endif
