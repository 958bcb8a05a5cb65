#include "codegen/resources.h"

#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

static const struct map_res internal_maps[MAP__INTERNAL] = {
	[MAP_EVENTS] = { .name = "events", .bpf_type = BPF_MAP_TYPE_RINGBUF, .max_entries = EVENTS_RINGBUF_SIZE },
	[MAP_CONTROL] = { .name = "control", .bpf_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct control), .max_entries = 1 },
	[MAP_LOST] = { .name = "lost", .bpf_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8 * LOST__COUNT, .max_entries = 1 },
	[MAP_FULL] = { .name = "full", .bpf_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1 },
};

void resources_init(struct resources *res)
{
	memset(res, 0, sizeof(*res));
	res->stack_map = -1;
	res->helper_error_map = -1;
	for (int i = 0; i < MAP__INTERNAL; i++)
		resources_add_map(res, &internal_maps[i]);
}

void resources_free(struct resources *res)
{
	for (int i = 0; i < res->nmaps; i++)
		free(res->maps[i].name);
	for (int i = 0; i < res->nfmts; i++)
		free(res->fmts[i].fmt);
	for (int i = 0; i < res->nhelper_errors; i++)
		free(res->helper_errors[i].probe);
	free(res->maps);
	name_index_free(&res->map_names);
	free(res->fmts);
	free(res->helper_errors);
	memset(res, 0, sizeof(*res));
}

int resources_find_map(const struct resources *res, const char *name)
{
	int i = name_index_newest(&res->map_names, name);
	return i >= MAP__INTERNAL ? i : -1;
}

int resources_add_map(struct resources *res, const struct map_res *m)
{
	if (!(res->nmaps & (res->nmaps - 1))) /* 0, 1, 2, 4...: double the room */
		res->maps = realloc(res->maps, (res->nmaps ? 2 * res->nmaps : 1) * sizeof(*res->maps));
	if (!res->maps)
		abort();
	res->maps[res->nmaps] = *m;
	res->maps[res->nmaps].name = strdup(m->name);
	name_index_add(&res->map_names, res->maps[res->nmaps].name);
	if (res->nmaps > MAP_FULL) /* one counter per map */
		res->maps[MAP_FULL].value_size = 8 * ((uint32_t)res->nmaps + 1);
	return res->nmaps++;
}

int resources_add_fmt(struct resources *res, const char *fmt, const struct type *args)
{
	res->fmts = realloc(res->fmts, (res->nfmts + 1) * sizeof(*res->fmts));
	if (!res->fmts)
		abort();
	res->fmts[res->nfmts] = (struct fmt_res){ .fmt = strdup(fmt), .args = args };
	return res->nfmts++;
}

int resources_stack_map(struct resources *res)
{
	if (res->stack_map < 0) {
		struct map_res m = {
			.name = "stacks", .bpf_type = BPF_MAP_TYPE_STACK_TRACE, .key_size = 4,
			.value_size = STACK_MAX_DEPTH * 8, .max_entries = MAP_DEFAULT_ENTRIES,
		};
		res->stack_map = resources_add_map(res, &m);
	}
	return res->stack_map;
}

int resources_add_helper_error(struct resources *res, const struct helper_error_res *h)
{
	if (res->helper_error_map < 0) {
		struct map_res m = {
			.name = "helper_errors", .bpf_type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4,
			.value_size = 8, .max_entries = 1,
		};
		res->helper_error_map = resources_add_map(res, &m);
	}
	res->helper_errors = realloc(res->helper_errors, (res->nhelper_errors + 1) * sizeof(*res->helper_errors));
	if (!res->helper_errors)
		abort();
	res->helper_errors[res->nhelper_errors] = *h;
	res->helper_errors[res->nhelper_errors].probe = strdup(h->probe);
	res->maps[res->helper_error_map].max_entries = (uint32_t)res->nhelper_errors + 1;
	return res->nhelper_errors++;
}

int agg_value_size(enum agg_kind agg)
{
	switch (agg) {
	case AGG_MIN:
	case AGG_MAX:
	case AGG_AVG:
	case AGG_STATS:
		return 16; /* {value or sum, count} */
	default:
		return 8;
	}
}

static bool is_hist(const struct map_res *m)
{
	return m->value->kind == T_AGG && (m->value->agg == AGG_HIST || m->value->agg == AGG_LHIST);
}

int map_buckets(const struct map_res *m)
{
	if (m->value->agg == AGG_HIST)
		return HIST_BUCKETS;
	return (m->lhist_max - m->lhist_min) / m->lhist_step + 2;
}

bool map_bucket_array(const struct map_res *m)
{
	return is_hist(m) && m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

uint32_t map_bucket_size(const struct map_res *m)
{
	return map_bucket_array(m) ? 4 : 8;
}
