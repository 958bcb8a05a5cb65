/* Positional parameters: $1..$N and $# become literals before type checking.
 * $N is an integer (one that does not read as one is an error, as in
 * bpftrace); str($N) is always the parameter's text; a missing parameter is
 * 0 (or "" in str()). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/compile.h"
#include "util/diag.h"

static const char *param(const struct params *p, int index)
{
	return index >= 1 && index <= p->n ? p->values[index - 1] : NULL;
}

static void make_string(struct node *n, const char *text)
{
	n->kind = N_STR;
	n->str.bytes = strdup(text);
	n->str.len = (int)strlen(text);
}

static void make_int(struct node *n, uint64_t value)
{
	n->kind = N_INT;
	n->integer.value = value;
	n->integer.is_unsigned = false;
}

/* Replace node n (a positional parameter or str() of one) in place. */
static void substitute(struct node *n, const struct params *p)
{
	if (n->kind == N_CALL && !strcmp(n->call.name, "str") && n->call.args &&
	    n->call.args->kind == N_POSITIONAL && !n->call.args->next) {
		if (n->call.args->positional.index == 0)
			diag_error(&n->call.args->loc, "%s", "use $#, not str($#)");
		const char *v = param(p, n->call.args->positional.index);
		node_free(n->call.args);
		free(n->call.name);
		make_string(n, v ? v : "");
		return;
	}
	if (n->kind != N_POSITIONAL)
		return;
	if (n->positional.index == 0) {
		make_int(n, (uint64_t)p->n);
		return;
	}
	int index = n->positional.index;
	const char *v = param(p, index);
	char *end;
	errno = 0;
	long long x = v ? strtoll(v, &end, 0) : 0;
	if (v && (!*v || *end || errno)) {
		diag_error(&n->loc, "$%d used numerically but given \"%s\". Try using str($%d).", index, v, index);
		x = 0;
	}
	make_int(n, (uint64_t)x);
}

void positional_substitute(struct node *list, const struct params *p)
{
	for (struct node *n = list; n; n = n->next) {
		substitute(n, p);
		struct node *kids[3];
		int nk = node_children(n, kids);
		for (int i = 0; i < nk; i++)
			positional_substitute(kids[i], p);
	}
}
