#include "util/strlist.h"

#include <stdlib.h>
#include <string.h>

void strlist_add(struct strlist *l, const char *s)
{
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->items = realloc(l->items, l->cap * sizeof(*l->items));
		if (!l->items)
			abort();
	}
	l->items[l->len++] = strdup(s);
}

void strlist_free(struct strlist *l)
{
	for (int i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->len = l->cap = 0;
}

int strlist_find(const struct strlist *l, const char *s)
{
	for (int i = 0; i < l->len; i++)
		if (!strcmp(l->items[i], s))
			return i;
	return -1;
}
