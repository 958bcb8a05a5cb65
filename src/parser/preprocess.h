/* The C preprocessor run before the lexer (libtcc's), and what comes out of
 * it: the script's own lines, on their own line numbers, and the text its
 * #includes brought in, for the C declaration reader. */
#ifndef SCRY_PREPROCESS_H
#define SCRY_PREPROCESS_H

#include "util/diag.h"
#include "util/strlist.h"

/* -I DIR and --include FILE */
struct pp_opts {
	struct strlist include_dirs, include_files;
};

/* The text one #include of the script brought in (headers it includes too). */
struct pp_header {
	int line;   /* the script's #include line; 0 for --include */
	char *path; /* the header as found, e.g. /usr/include/linux/sched.h */
	char *text; /* its preprocessed lines */
};

struct pp_out {
	char *script; /* for the lexer: line N is the script's line N */
	struct pp_header *headers;
	int nheaders;
	/* the kernel's headers were not found: where scry looked (else NULL) */
	char *no_kernel_headers;
};

/* Preprocess src; 0, or -1 after reporting the error (out then holds
 * nothing). Columns of lines a macro changed are mapped back for diagnostics
 * (diag_map_line). */
int pp_run(const struct source *src, const struct pp_opts *opts, struct pp_out *out);
void pp_out_free(struct pp_out *out);

/* internal: libtcc's output split into the script and its headers (pp_split.c);
 * its messages reported (pp_report.c, kind "ERROR" or "WARNING") */
void pp_split(const char *cpp_out, const char *script_name, const char *script_text, struct pp_out *out);
void pp_report(const char *msg, const char *kind, const struct source *src);

/* The script's line `line`, from its first non-blank to its end. */
struct loc pp_line_span(const struct source *src, int line);

#endif
