/* Names to the numbers they were added under, by hash, so that looking up
 * thousands of variables or maps stays linear. Numbers are added in order
 * (0, 1, ...); a name may be added under several. */
#ifndef SCRY_NAME_INDEX_H
#define SCRY_NAME_INDEX_H

struct name_index {
	const char **names; /* by number: borrowed, alive while indexed */
	int *older;         /* by number: the next older number in its hash chain, or -1 */
	int *newest;        /* by hash: the newest number, or -1 */
	int n, cap;         /* numbers added; room (and hash chains) for cap */
};

/* Add name under number x->n. */
void name_index_add(struct name_index *x, const char *name);
/* The newest number name was added under, or -1; then the next older one. */
int name_index_newest(const struct name_index *x, const char *name);
int name_index_older(const struct name_index *x, int number);
void name_index_free(struct name_index *x);

#endif
