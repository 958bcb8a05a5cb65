/* libtcc's output, `# LINE "FILE" FLAGS` markers between runs of lines,
 * split in two: the script's own lines, each put back on its line number
 * for the lexer, and per #include of the script the text it brought in.
 * A line a macro changed gets a column map (diag_map_line): the part that
 * differs between the script's line and the output, found from both ends. */
#include "parser/preprocess.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *s;
	size_t len;
};

static void put(struct buf *b, const char *s, size_t n)
{
	b->s = realloc(b->s, b->len + n + 1);
	if (!b->s)
		abort();
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

struct splitter {
	const char *name;        /* the script's */
	const char *const *src;  /* the script's lines (comments blanked) */
	int nsrc;
	struct buf script;
	int script_lines;        /* newlines in script */
	struct buf header;       /* of the open #include, if any */
	struct pp_out *out;
};

static void header_close(struct splitter *sp)
{
	if (!sp->out->nheaders || sp->out->headers[sp->out->nheaders - 1].text)
		return;
	sp->out->headers[sp->out->nheaders - 1].text = sp->header.s ? sp->header.s : strdup("");
	sp->header = (struct buf){ 0 };
}

static void header_open(struct splitter *sp, int line, const char *path, size_t plen)
{
	header_close(sp);
	struct pp_out *o = sp->out;
	o->headers = realloc(o->headers, (o->nheaders + 1) * sizeof(*o->headers));
	if (!o->headers)
		abort();
	o->headers[o->nheaders++] = (struct pp_header){ line, strndup(path, plen), NULL };
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
	while (sp->script_lines < line - 1) {
		put(&sp->script, "\n", 1);
		sp->script_lines++;
	}
	put(&sp->script, s, n);
	if (line >= 1 && line <= sp->nsrc) {
		const char *src = sp->src[line - 1];
		map_columns(line, s, n, src, strcspn(src, "\n"));
	}
}

void pp_split(const char *cpp_out, const char *script_name, const char *script_text, struct pp_out *out)
{
	struct splitter sp = { .name = script_name, .out = out };
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

	bool in_script = false, in_header = false;
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
			if (entering && !in_header && !to_script && file[0] != '<') {
				/* the script's #include line, or 0: --include */
				header_open(&sp, in_script ? line : 0, file, flen);
				in_header = true;
			} else if (to_script) {
				header_close(&sp);
				in_header = false;
			}
			in_script = to_script;
			line = next;
		} else if (in_script) {
			script_line(&sp, line++, p, n);
		} else if (in_header) {
			put(&sp.header, p, n);
			put(&sp.header, "\n", 1);
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
	while (sp.script_lines < want) {
		put(&sp.script, "\n", 1);
		sp.script_lines++;
	}
	out->script = sp.script.s ? sp.script.s : strdup("");
	free(lines);
}
