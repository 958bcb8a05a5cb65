/* libtcc's output, `# LINE "FILE" FLAGS` markers between runs of lines,
 * split in two: the script's own lines, each put back on its line number
 * for the lexer, and per #include of the script the text it brought in.
 * A line a macro changed gets a column map (diag_map_line): the part that
 * differs between the script's line and the output, found from both ends. */
#include "parser/preprocess.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct splitter {
	const char *const *src;  /* the script's lines (comments blanked) */
	int nsrc;
	FILE *script;            /* writes out->script */
	size_t script_len;
	int script_lines;        /* newlines in script */
	FILE *header;            /* writes the open #include's text; NULL: none open */
	size_t header_len;
	struct pp_out *out;
};

static FILE *memstream(char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	if (!f)
		abort();
	return f;
}

static void header_close(struct splitter *sp)
{
	if (sp->header)
		fclose(sp->header);
	sp->header = NULL;
}

static void header_open(struct splitter *sp, int line, const char *path, size_t plen)
{
	header_close(sp);
	struct pp_out *o = sp->out;
	o->headers = realloc(o->headers, (o->nheaders + 1) * sizeof(*o->headers));
	if (!o->headers)
		abort();
	struct pp_header *h = &o->headers[o->nheaders++];
	*h = (struct pp_header){ line, strndup(path, plen), NULL };
	sp->header = memstream(&h->text, &sp->header_len);
}

static void map_columns(int line, const char *out, size_t olen, const char *src, size_t slen)
{
	size_t pre = 0, suf = 0;
	while (pre < olen && pre < slen && out[pre] == src[pre])
		pre++;
	if (pre == olen && pre == slen)
		return;
	while (suf < olen - pre && suf < slen - pre && out[olen - 1 - suf] == src[slen - 1 - suf])
		suf++;
	diag_map_line(line, (int)pre, (int)(olen - pre - suf), (int)(slen - pre - suf));
}

static void script_line(struct splitter *sp, int line, const char *s, size_t n)
{
	for (; sp->script_lines < line - 1; sp->script_lines++)
		fputc('\n', sp->script);
	fwrite(s, 1, n, sp->script);
	if (line >= 1 && line <= sp->nsrc) {
		const char *src = sp->src[line - 1];
		map_columns(line, s, n, src, strcspn(src, "\n"));
	}
}

void pp_split(const char *cpp_out, const char *script_name, const char *script_text, struct pp_out *out)
{
	struct splitter sp = { .out = out };
	sp.script = memstream(&out->script, &sp.script_len);
	const char **lines = NULL;
	for (const char *p = script_text; *p;) {
		lines = realloc(lines, (sp.nsrc + 1) * sizeof(*lines));
		if (!lines)
			abort();
		lines[sp.nsrc++] = p;
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	sp.src = lines;

	bool in_script = false;
	int line = 1;
	for (const char *p = cpp_out; *p;) {
		size_t n = strcspn(p, "\n");
		if (p[0] == '#' && p[1] == ' ' && p[2] >= '0' && p[2] <= '9') {
			char *q;
			int next = (int)strtol(p + 2, &q, 10);
			const char *file = strchr(q, '"') + 1;
			size_t flen = strcspn(file, "\"");
			bool to_script = flen == strlen(script_name) && !strncmp(file, script_name, flen);
			const char *flags = file + flen + 1;
			bool entering = flags < p + n && !strncmp(flags, " 1", 2);
			/* a header entered from the script: at its #include line, or 0 (--include) */
			if (entering && !sp.header && !to_script && file[0] != '<')
				header_open(&sp, in_script ? line : 0, file, flen);
			else if (to_script)
				header_close(&sp);
			in_script = to_script;
			line = next;
		} else if (in_script) {
			script_line(&sp, line++, p, n);
		} else if (sp.header) {
			fprintf(sp.header, "%.*s\n", (int)n, p);
			line++;
		}
		p += n;
		p += *p == '\n';
	}
	header_close(&sp);
	/* as many lines as the script: end-of-file positions stay */
	int want = 0;
	for (const char *p = script_text; (p = strchr(p, '\n')); p++)
		want++;
	for (; sp.script_lines < want; sp.script_lines++)
		fputc('\n', sp.script);
	fclose(sp.script);
	free(lines);
}
