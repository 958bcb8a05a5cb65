/* What every backend reads the same way from a map's data (see map_data.h). */
#include "output/map_data.h"

#include <inttypes.h>
#include <stdio.h>

#include "util/load_int.h"

bool map_is_agg(const struct map_res *m, enum agg_kind agg)
{
	return m->value->kind == T_AGG && m->value->agg == agg;
}

bool map_is_hist(const struct map_res *m)
{
	return map_is_agg(m, AGG_HIST) || map_is_agg(m, AGG_LHIST);
}

bool map_is_mean(const struct map_res *m)
{
	return map_is_agg(m, AGG_AVG) || map_is_agg(m, AGG_STATS);
}

int map_key_fields(const struct map_res *m)
{
	return !m->key ? 0 : m->multi_key ? m->key->nfields : 1;
}

const struct type *map_key_field(const struct map_res *m, int i, int *offset)
{
	*offset = m->multi_key ? m->key->fields[i].offset : 0;
	return m->multi_key ? m->key->fields[i].type : m->key;
}

/* hist(): bucket 0 holds the negatives, 1 the zeros, b >= 2 [2^(b-2), 2^(b-1)).
 * lhist(): bucket 0 is below min, the last from max on, b [min + (b-1) step, min + b step). */
void map_bucket_range(const struct map_res *m, int b, int64_t *lo, bool *has_lo, int64_t *hi, bool *has_hi)
{
	*has_lo = b > 0;
	*has_hi = true;
	if (map_is_agg(m, AGG_HIST)) {
		*lo = b < 2 ? 0 : (int64_t)((uint64_t)1 << (b - 2));
		*hi = b < 2 ? b - 1 : (int64_t)(((uint64_t)1 << (b - 1)) - 1);
		return;
	}
	*has_hi = b < map_buckets(m) - 1;
	*lo = b == 0 ? 0 : *has_hi ? m->lhist_min + (int64_t)(b - 1) * m->lhist_step : m->lhist_max;
	*hi = m->lhist_min + (int64_t)b * m->lhist_step - 1;
}

bool map_bucket_span(const struct map_res *m, const struct map_entry *e, int *first, int *last)
{
	*first = -1;
	for (int b = 0; b < map_buckets(m); b++) {
		if (!e->buckets[b])
			continue;
		*first = *first < 0 ? b : *first;
		*last = b;
	}
	return *first >= 0;
}

uint64_t map_bucket_count(const struct map_data *d, const struct map_entry *e, int b)
{
	return map_is_agg(d->m, AGG_HIST) ? e->buckets[b] / (uint64_t)d->div : e->buckets[b];
}

int64_t map_average(const struct map_entry *e)
{
	return e->count ? e->value / e->count : 0;
}

bool map_value_is_number(const struct map_res *m)
{
	return (m->value->kind == T_AGG && !map_is_hist(m) && !map_is_agg(m, AGG_STATS)) || m->value->kind == T_INT;
}

int64_t map_number_value(const struct map_data *d, const struct map_entry *e, bool *is_signed)
{
	const struct type *t = d->m->value;
	*is_signed = t->kind == T_INT ? t->is_signed : !map_is_agg(d->m, AGG_COUNT);
	if (t->kind == T_INT && t->is_signed)
		return (int64_t)load_int(e->raw, t->size, true) / d->div;
	if (t->kind == T_INT)
		return (int64_t)(load_int(e->raw, t->size, false) / (uint64_t)d->div);
	if (map_is_agg(d->m, AGG_COUNT))
		return (int64_t)((uint64_t)e->value / (uint64_t)d->div);
	return (map_is_agg(d->m, AGG_AVG) ? map_average(e) : e->value) / d->div; /* sum, min, max; avg: its average */
}

void map_number(const struct map_data *d, const struct map_entry *e, char *buf, size_t len)
{
	bool is_signed;
	int64_t v = map_number_value(d, e, &is_signed);
	if (is_signed)
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "%" PRIu64, (uint64_t)v);
}
