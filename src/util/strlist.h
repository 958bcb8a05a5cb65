/* A growable list of owned strings. */
#ifndef SCRY_STRLIST_H
#define SCRY_STRLIST_H

struct strlist {
	char **items;
	int len, cap;
};

void strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);
int strlist_find(const struct strlist *l, const char *s);
/* Sort the strings and drop duplicates. */
void strlist_sort_unique(struct strlist *l);

#endif
