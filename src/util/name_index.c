#include "util/name_index.h"

#include <stdlib.h>
#include <string.h>

static unsigned hash(const char *name, int nchains)
{
	unsigned h = 5381;
	while (*name)
		h = h * 33 + (unsigned char)*name++;
	return h & (unsigned)(nchains - 1);
}

static void link_number(struct name_index *x, int i)
{
	unsigned h = hash(x->names[i], x->cap);
	x->older[i] = x->newest[h];
	x->newest[h] = i;
}

void name_index_add(struct name_index *x, const char *name)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->names = realloc(x->names, x->cap * sizeof(*x->names));
		x->older = realloc(x->older, x->cap * sizeof(*x->older));
		x->newest = realloc(x->newest, x->cap * sizeof(*x->newest));
		if (!x->names || !x->older || !x->newest)
			abort();
		for (int h = 0; h < x->cap; h++)
			x->newest[h] = -1;
		for (int i = 0; i < x->n; i++)
			link_number(x, i);
	}
	x->names[x->n] = name;
	link_number(x, x->n++);
}

static int matching(const struct name_index *x, int i, const char *name)
{
	while (i >= 0 && strcmp(x->names[i], name))
		i = x->older[i];
	return i;
}

int name_index_newest(const struct name_index *x, const char *name)
{
	return x->cap ? matching(x, x->newest[hash(name, x->cap)], name) : -1;
}

int name_index_older(const struct name_index *x, int number)
{
	return matching(x, x->older[number], x->names[number]);
}

void name_index_free(struct name_index *x)
{
	free(x->names);
	free(x->older);
	free(x->newest);
	*x = (struct name_index){ 0 };
}
