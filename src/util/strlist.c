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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort_unique(struct strlist *l)
{
	if (!l->len)
		return;
	qsort(l->items, l->len, sizeof(*l->items), cmp_str);
	int n = 1;
	for (int i = 1; i < l->len; i++) {
		if (!strcmp(l->items[n - 1], l->items[i]))
			free(l->items[i]);
		else
			l->items[n++] = l->items[i];
	}
	l->len = n;
}
