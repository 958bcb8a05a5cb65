/* libtcc's errors and warnings in scry's form. libtcc words them
 *   In file included from x.bt:2:
 *   In file included from inc/b.h:1:
 *   inc/c.h:1: error: #error boom
 * An error of the script's own points at its line; one in a header points
 * at the script's #include line and names the header, its line and the
 * include chain. */
#include "parser/preprocess.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 16

struct place {
	const char *file; /* not NUL-terminated: flen bytes */
	int flen, line;
};

/* "FILE:LINE" at the start of s, up to the colon before `end` */
static struct place place_of(const char *s, const char *end)
{
	const char *colon = end;
	while (colon > s && *colon != ':')
		colon--;
	const char *p = colon;
	while (p > s && p[-1] != ':')
		p--;
	if (p > s)
		p--;
	return (struct place){ s, (int)(p - s), atoi(p + 1) };
}

struct loc pp_line_span(const struct source *src, int line)
{
	const char *p = diag_source_line(src, line);
	struct loc loc = { line, 1, line, 1 };
	if (p) {
		int len = (int)strcspn(p, "\n");
		loc.first_column = (int)strspn(p, " \t") + 1;
		loc.last_column = len + 1;
	}
	return loc;
}

static void emit(const char *kind, const struct loc *loc, const char *msg)
{
	if (!strcmp(kind, "ERROR"))
		diag_error(loc, "%s", msg);
	else
		diag_warning(loc, "%s", msg);
}

void pp_report(const char *msg, const char *kind, const struct source *src)
{
	struct place chain[MAX_CHAIN];
	int n = 0;
	const char *line = msg, *nl;
	static const char from[] = "In file included from ", string[] = "<string>:";
	while ((nl = strchr(line, '\n')) && !strncmp(line, from, sizeof(from) - 1)) {
		const char *file = line + sizeof(from) - 1;
		/* "<string>": the script's text before its #line, where --include files are read */
		if (n < MAX_CHAIN && strncmp(file, string, sizeof(string) - 1))
			chain[n++] = place_of(file, nl);
		line = nl + 1;
	}
	const char *k = strstr(line, !strcmp(kind, "ERROR") ? ": error: " : ": warning: ");
	if (!k) {
		emit(kind, NULL, line);
		return;
	}
	struct place at = place_of(line, k);
	if (at.file[0] == '<') { /* "<command line>": an --include FILE */
		char buf[1100];
		snprintf(buf, sizeof(buf), "--include: %s", strchr(k + 2, ':') + 2);
		emit(kind, NULL, buf);
		return;
	}
	/* libtcc names the failing #include line as the last includer too */
	if (n && chain[n - 1].line == at.line && chain[n - 1].flen == at.flen &&
	    !strncmp(chain[n - 1].file, at.file, at.flen))
		n--;
	/* libtcc quotes a newline token as it is: one line per message */
	char text[1024];
	snprintf(text, sizeof(text), "%s", strchr(k + 2, ':') + 2);
	for (char *c; (c = strchr(text, '\n'));)
		*c = ' ';
	struct place root = n ? chain[0] : at;
	bool in_script = (int)strlen(src->name) == root.flen && !strncmp(root.file, src->name, root.flen);

	/* a cycle: stop the chain where a file comes round again */
	bool cycle = false;
	for (int j = 1; j < n && !cycle; j++)
		for (int i = 0; i < j && !cycle; i++)
			if (chain[i].flen == chain[j].flen && !strncmp(chain[i].file, chain[j].file, chain[j].flen)) {
				at = chain[j];
				n = j;
				cycle = true;
			}
	char buf[4096];
	int len = n ? snprintf(buf, sizeof(buf), "%.*s:%d: %s%s; included", at.flen, at.file, at.line, text,
			       cycle ? " (an include cycle)" : "")
		    : snprintf(buf, sizeof(buf), "%s", text);
	for (int i = n - 1; i >= 0; i--) {
		if (chain[i].file[0] == '<') /* "<command line>" */
			len += snprintf(buf + len, sizeof(buf) - len, " from --include");
		else
			len += snprintf(buf + len, sizeof(buf) - len, " from %.*s:%d", chain[i].flen, chain[i].file,
					chain[i].line);
		if (i)
			len += snprintf(buf + len, sizeof(buf) - len, ",");
	}
	if (in_script) {
		struct loc loc = pp_line_span(src, root.line);
		emit(kind, &loc, buf);
	} else {
		emit(kind, NULL, buf);
	}
}
