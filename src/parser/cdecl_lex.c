/* Tokens of preprocessed C header text for the declaration reader:
 * identifiers, numbers (character constants too), punctuators. */
#include "parser/cdecl.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const puncts[] = {
	"<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
	"*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##",
};

static void push(struct ctoks *ts, struct ctok t)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 1024;
		ts->t = realloc(ts->t, ts->cap * sizeof(*ts->t));
		if (!ts->t)
			abort();
	}
	ts->t[ts->n++] = t;
}

/* A number's value; its suffix (u, l, ...) only says it is unsigned */
static const char *number(const char *p, struct ctok *t)
{
	char *end;
	t->kind = CT_NUM;
	t->value = strtoull(p, &end, 0);
	while (isalnum((unsigned char)*end) || *end == '.')
		end++;
	return end;
}

static const char *char_const(const char *p, struct ctok *t)
{
	t->kind = CT_NUM;
	p++;
	if (*p == '\\') {
		p++;
		static const char esc[] = "n\nt\tr\r0\0\\\\''\"\"";
		const char *e = strchr(esc, *p);
		t->value = e && (e - esc) % 2 == 0 ? (unsigned char)e[1] : (unsigned char)*p;
	} else {
		t->value = (unsigned char)*p;
	}
	while (*p && *p != '\'' && *p != '\n')
		p++;
	return *p == '\'' ? p + 1 : p;
}

void ctok_scan(const char *text, struct ctoks *ts)
{
	const char *p = text;
	bool bol = true;
	while (*p) {
		struct ctok t = { .start = p };
		if (*p == '\n') {
			bol = true;
			p++;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (bol && *p == '#') { /* #pragma and the like */
			p += strcspn(p, "\n");
			continue;
		}
		bol = false;
		if (isalpha((unsigned char)*p) || *p == '_' || *p == '$') {
			t.kind = CT_IDENT;
			while (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
				p++;
		} else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
			p = number(p, &t);
		} else if (*p == '\'') {
			p = char_const(p, &t);
		} else if (*p == '"') {
			t.kind = CT_STR;
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			p += *p == '"';
		} else {
			t.kind = CT_PUNCT;
			size_t len = 1;
			for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++)
				if (*p == puncts[i][0] && !strncmp(p, puncts[i], strlen(puncts[i]))) {
					len = strlen(puncts[i]);
					break;
				}
			p += len;
		}
		t.len = (int)(p - t.start);
		push(ts, t);
	}
	push(ts, (struct ctok){ .kind = CT_EOF, .start = p });
}
