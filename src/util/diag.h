/* Diagnostics in bpftrace's form: "file:line:col-col: ERROR: msg", the source
 * line, then "~~~" under the span. Errors are collected, not fatal, so one run
 * reports as many as it can. */
#ifndef SCRY_DIAG_H
#define SCRY_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* A source span. Lines and columns are 1-based; last_column is exclusive,
 * as in bison's default location type (bpftrace prints the same numbers). */
struct loc {
	int first_line, first_column;
	int last_line, last_column;
};

/* The script being compiled: its name as printed ("stdin" for -e) and text. */
struct source {
	const char *name;
	const char *text;
};

void diag_set_source(const struct source *src);
const struct source *diag_source(void);
/* Where line `line` (1-based) of src's text starts; NULL past its end. */
const char *diag_source_line(const struct source *src, int line);

void diag_error(const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag_warning(const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A warning written to out: a helper error (-k), which bpftrace 0.17 writes
 * to its output, stdout or -o's file. */
void diag_warning_to(FILE *out, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error with no source position ("ERROR: msg"). */
void diag_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --no-warnings: diag_warning() prints nothing. */
void diag_set_no_warnings(bool off);

/* Line `line` of the script reached the lexer changed by a macro: bytes
 * [prefix, prefix + out_len) of it stand for [prefix, prefix + src_len) of
 * the script's line, and columns after them move by src_len - out_len.
 * Diagnostics print the script's own columns. */
void diag_map_line(int line, int prefix, int out_len, int src_len);

int diag_error_count(void);
/* Forget the errors counted and the column maps: a new script begins. */
void diag_reset(void);

#endif
