#include "diag.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct source *current;
static int errors;
static bool no_warnings;

struct line_map {
	int line, prefix, out_len, src_len;
};
static struct line_map *maps;
static int nmaps;

void diag_set_no_warnings(bool off) { no_warnings = off; }

void diag_map_line(int line, int prefix, int out_len, int src_len)
{
	maps = realloc(maps, (nmaps + 1) * sizeof(*maps));
	if (!maps)
		abort();
	maps[nmaps++] = (struct line_map){ line, prefix, out_len, src_len };
}

/* The script's column of column col (1-based) of line `line` as lexed; a
 * column inside a macro's expansion is the macro's start (or end: `last`). */
static int map_column(int line, int col, bool last)
{
	for (int i = 0; i < nmaps; i++) {
		const struct line_map *m = &maps[i];
		if (m->line != line || col - 1 < m->prefix)
			continue;
		if (col - 1 >= m->prefix + m->out_len)
			return col - m->out_len + m->src_len;
		return m->prefix + 1 + (last ? m->src_len : 0);
	}
	return col;
}

void diag_set_source(const struct source *src) { current = src; }

const char *diag_source_line(const struct source *src, int line)
{
	const char *p = src->text;
	for (int l = 1; l < line && p; l++)
		if ((p = strchr(p, '\n')))
			p++;
	return p;
}

const struct source *diag_source(void) { return current; }
int diag_error_count(void) { return errors; }
void diag_reset(void)
{
	errors = 0;
	free(maps);
	maps = NULL;
	nmaps = 0;
}

/* Print line `line` of the source and underline columns [first, last). */
static void show_span(FILE *out, const struct loc *loc)
{
	const char *p = diag_source_line(current, loc->first_line);
	if (!p || !*p)
		return; /* the end of the text, after its last line */
	int len = (int)strcspn(p, "\n");
	/* built in memory and written at once: stderr is unbuffered, and a
	 * generated script's line can be a megabyte long */
	char *text;
	size_t size;
	FILE *m = open_memstream(&text, &size);
	if (!m)
		abort();
	/* like bpftrace, tabs are shown as four spaces, the underline follows */
	for (int c = 0; c < len; c++)
		fputs(p[c] == '\t' ? "    " : (char[]){ p[c], 0 }, m);
	fputc('\n', m);

	int first = loc->first_column;
	int last = loc->last_column;
	for (int c = 1; c < last && c <= len + 1; c++)
		fputs(c < first ? (p[c - 1] == '\t' ? "    " : " ") : "~", m);
	fputc('\n', m);
	fclose(m);
	fwrite(text, 1, size, out);
	free(text);
}

static void report(FILE *out, const char *kind, const struct loc *in, const char *fmt, va_list ap)
{
	struct loc mapped, *loc = NULL;
	if (in) {
		mapped = *in;
		mapped.first_column = map_column(in->first_line, in->first_column, false);
		mapped.last_column = map_column(in->last_line, in->last_column, in->last_column > in->first_column);
		loc = &mapped;
	}
	if (loc && current && loc->last_line > loc->first_line) {
		/* bpftrace shows no source for a span over several lines */
		fprintf(out, "%s:%d-%d: %s: ", current->name, loc->first_line, loc->last_line, kind);
		vfprintf(out, fmt, ap);
		fputc('\n', out);
	} else if (loc && current) {
		fprintf(out, "%s:%d:%d-%d: %s: ", current->name, loc->first_line, loc->first_column,
			loc->last_column, kind);
		vfprintf(out, fmt, ap);
		fputc('\n', out);
		show_span(out, loc);
	} else {
		fprintf(out, "%s: ", kind);
		vfprintf(out, fmt, ap);
		fputc('\n', out);
	}
}

void diag_error(const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(stderr, "ERROR", loc, fmt, ap);
	va_end(ap);
	errors++;
}

void diag_warning(const struct loc *loc, const char *fmt, ...)
{
	if (no_warnings)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(stderr, "WARNING", loc, fmt, ap);
	va_end(ap);
}

void diag_warning_to(FILE *out, const struct loc *loc, const char *fmt, ...)
{
	if (no_warnings)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(out, "WARNING", loc, fmt, ap);
	va_end(ap);
}

void diag_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(stderr, "ERROR", NULL, fmt, ap);
	va_end(ap);
	errors++;
}
