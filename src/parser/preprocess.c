/* The preprocessor bpftrace runs through clang, reduced to what scripts use:
 * #ifdef/#ifndef/#else/#endif, object-like #define, and #include, which
 * adds nothing when the kernel's BTF describes its types (BPFTRACE_HAVE_BTF
 * is defined then, as bpftrace does). As in bpftrace 0.17, conditionals
 * choose directives only: every line of the probes is parsed. Lines keep
 * their numbers: a directive becomes an empty line. */
#include "parser/preprocess.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MACROS 128
#define MAX_DEPTH 32

struct macro {
	char *name;
	char *value;
};

struct pp {
	struct macro macros[MAX_MACROS];
	int nmacros;
	bool active[MAX_DEPTH + 1]; /* active[d]: lines at depth d are kept */
	bool taken[MAX_DEPTH + 1];  /* a branch at depth d was kept: #else is not */
	int depth;
	char *out;
	size_t len, cap;
	int line;
};

static void put(struct pp *pp, const char *s, size_t n)
{
	if (pp->len + n + 1 > pp->cap) {
		pp->cap = (pp->len + n + 1) * 2;
		pp->out = realloc(pp->out, pp->cap);
		if (!pp->out)
			abort();
	}
	memcpy(pp->out + pp->len, s, n);
	pp->len += n;
	pp->out[pp->len] = 0;
}

static const struct macro *find(const struct pp *pp, const char *name, size_t n)
{
	for (int i = 0; i < pp->nmacros; i++)
		if (strlen(pp->macros[i].name) == n && !strncmp(pp->macros[i].name, name, n))
			return &pp->macros[i];
	return NULL;
}

static void define(struct pp *pp, const char *name, size_t n, const char *value, size_t vn)
{
	if (find(pp, name, n) || pp->nmacros == MAX_MACROS)
		return;
	pp->macros[pp->nmacros++] = (struct macro){ strndup(name, n), strndup(value, vn) };
}

static size_t ident_len(const char *p)
{
	size_t n = 0;
	if (isalpha((unsigned char)*p) || *p == '_')
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
	return n;
}

/* A line of script: macros replaced outside strings and comments. */
static void expand(struct pp *pp, const char *p, const char *end, bool *in_comment)
{
	while (p < end) {
		size_t n = 1;
		if (*in_comment) {
			if (!strncmp(p, "*/", 2)) {
				*in_comment = false;
				n = 2;
			}
		} else if (!strncmp(p, "/*", 2)) {
			*in_comment = true;
			n = 2;
		} else if (!strncmp(p, "//", 2)) {
			n = (size_t)(end - p);
		} else if (*p == '"') {
			while (p + n < end && p[n] != '"')
				n += p[n] == '\\' ? 2 : 1;
			n = p + n < end ? n + 1 : (size_t)(end - p);
		} else if ((n = ident_len(p)) > 0) {
			const struct macro *m = find(pp, p, n);
			if (m) {
				put(pp, m->value, strlen(m->value));
				p += n;
				continue;
			}
		} else {
			n = 1;
		}
		put(pp, p, n);
		p += n;
	}
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* One directive line (after the '#'); returns an error message or NULL. */
static const char *directive(struct pp *pp, const char *p, const char *end)
{
	p = skip_space(p, end);
	size_t n = ident_len(p);
	const char *word = p, *arg = skip_space(p + n, end);
	size_t an = ident_len(arg);
	bool on = pp->active[pp->depth];
	if ((n == 5 && !strncmp(word, "ifdef", 5)) || (n == 6 && !strncmp(word, "ifndef", 6))) {
		if (pp->depth == MAX_DEPTH)
			return "#if nesting too deep";
		bool defined = an && find(pp, arg, an);
		bool keep = on && (n == 5 ? defined : !defined);
		pp->depth++;
		pp->active[pp->depth] = keep;
		pp->taken[pp->depth] = keep;
	} else if (n == 4 && !strncmp(word, "else", 4)) {
		if (!pp->depth)
			return "#else without #if";
		pp->active[pp->depth] = pp->active[pp->depth - 1] && !pp->taken[pp->depth];
	} else if (n == 5 && !strncmp(word, "endif", 5)) {
		if (!pp->depth)
			return "#endif without #if";
		pp->depth--;
	} else if (!on) {
		return NULL; /* other directives in a branch left out */
	} else if (n == 6 && !strncmp(word, "define", 6)) {
		if (!an)
			return "#define expects a name";
		const char *v = skip_space(arg + an, end);
		define(pp, arg, an, v, (size_t)(end - v));
	} else if (n == 7 && !strncmp(word, "include", 7)) {
		if (!find(pp, "BPFTRACE_HAVE_BTF", 17))
			return "#include needs the kernel's BTF (/sys/kernel/btf/vmlinux): scry has no C compiler";
	} else {
		return "this preprocessor directive is not supported";
	}
	return NULL;
}

char *preprocess(const char *text, struct pp_error *err)
{
	struct pp pp = { .line = 1 };
	pp.active[0] = true;
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		define(&pp, "BPFTRACE_HAVE_BTF", 17, "1", 1);
	put(&pp, "", 0);
	bool in_comment = false;
	err->msg = NULL;
	for (const char *p = text; *p; pp.line++) {
		const char *end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		const char *s = skip_space(p, end);
		bool shebang = pp.line == 1 && !strncmp(p, "#!", 2);
		if (*s == '#' && !shebang && !in_comment) {
			const char *msg = directive(&pp, s + 1, end);
			if (msg && !err->msg) {
				err->msg = msg;
				err->line = pp.line;
				err->first_column = (int)(s - p) + 1;
				err->last_column = (int)(end - p) + 1;
			}
		} else {
			expand(&pp, p, end, &in_comment);
		}
		if (*end)
			put(&pp, "\n", 1);
		p = *end ? end + 1 : end;
	}
	if (pp.depth && !err->msg) {
		err->msg = "#if without #endif";
		err->line = pp.line - 1;
		err->first_column = err->last_column = 1;
	}
	for (int i = 0; i < pp.nmacros; i++) {
		free(pp.macros[i].name);
		free(pp.macros[i].value);
	}
	return pp.out;
}
