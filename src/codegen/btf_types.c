/* The kernel's own C types, from its BTF (/sys/kernel/btf/vmlinux, and a
 * module's /sys/kernel/btf/MODULE split on it), made scry types on first
 * use. A struct becomes a record whose fields are read only when a script
 * reaches into it: task_struct points at half the kernel, and a script
 * touches a few fields. */
#include "codegen/btf_types.h"

#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/kernel_btf.h"

/* One BTF: vmlinux's (sources[0]) or a module's, whose own types start
 * after vmlinux's. A record not yet completed carries its source's index in
 * the bits of its btf_id above SRC_SHIFT. */
struct btf_src {
	char *module; /* NULL: vmlinux */
	struct btf *btf;
	struct type **records; /* by BTF id: the record made for a struct or union */
	uint32_t first;        /* the first id of this BTF's own */
};

#define SRC_SHIFT 24
#define MAX_SRCS 64
static struct btf_src sources[MAX_SRCS];
static int nsources;
static bool btf_tried;

static bool src_add(const char *module, struct btf *b)
{
	struct btf_src *s = &sources[nsources];
	if (!b || !(s->records = calloc(btf__type_cnt(b), sizeof(*s->records)))) {
		btf__free(b);
		return false;
	}
	s->btf = b;
	s->module = module ? strdup(module) : NULL;
	s->first = module ? btf__type_cnt(sources[0].btf) : 1;
	nsources++;
	return true;
}

static bool btf_open(void)
{
	if (!btf_tried) {
		btf_tried = true;
		src_add(NULL, kernel_btf_load());
	}
	return nsources > 0;
}

/* The source of a module's BTF (NULL: vmlinux), loaded on first use; -1 if none. */
static int src_for(const char *module)
{
	if (!btf_open())
		return -1;
	if (!module || !strcmp(module, "vmlinux"))
		return 0;
	for (int i = 1; i < nsources; i++)
		if (!strcmp(sources[i].module, module))
			return i;
	if (nsources == MAX_SRCS || !src_add(module, btf__load_module_btf(module, sources[0].btf)))
		return -1;
	return nsources - 1;
}

static const struct type *convert(int src, uint32_t id);

/* A struct or union: its size and name now, its fields on demand. */
static const struct type *record(int src, uint32_t id, const struct btf_type *t)
{
	struct btf_src *s = &sources[src];
	if (!s->records[id]) {
		const char *name = btf__name_by_offset(s->btf, t->name_off);
		char full[256];
		snprintf(full, sizeof(full), "%s %s", btf_is_union(t) ? "union" : "struct", name ? name : "");
		s->records[id] = type_record_new(full, (int)t->size);
		s->records[id]->btf_id = (int)(((uint32_t)src << SRC_SHIFT) | id);
	}
	return s->records[id];
}

static const struct type *convert(int src, uint32_t id)
{
	if (id < sources[src].first)
		src = 0; /* a module's BTF refers to vmlinux's types by their ids */
	const struct btf *b = sources[src].btf;
	const struct btf_type *t = btf__type_by_id(b, id);
	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		id = t->type;
		t = btf__type_by_id(b, id);
	}
	if (!t || btf_is_void(t))
		return &type_u8;
	if (btf_is_int(t)) {
		int size = (int)t->size;
		if (size != 1 && size != 2 && size != 4 && size != 8)
			return type_array(&type_u8, size);
		return type_int(size, (btf_int_encoding(t) & BTF_INT_SIGNED) != 0);
	}
	if (btf_is_enum(t) || btf_is_enum64(t))
		return type_int((int)t->size, false);
	if (btf_is_ptr(t))
		return type_ptr(convert(src, t->type), false);
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		const struct type *elem = convert(src, a->type);
		if (elem->kind == T_INT && elem->size == 1)
			return type_str((int)a->nelems);
		return type_array(elem, (int)a->nelems);
	}
	if (btf_is_composite(t) || btf_is_fwd(t))
		return record(src, id, t);
	return &type_u64; /* functions and the rest: an address */
}

/* The fields of a composite at base_off in rec; anonymous structs and
 * unions lend their fields to the enclosing one, as in C. Bitfields are
 * left out: they have no address of their own. */
static void add_fields(int src, struct type *rec, const struct btf_type *t, int base_off)
{
	const struct btf *b = sources[src].btf;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8)
			continue;
		int off = base_off + (int)(btf_member_bit_offset(t, i) / 8);
		const char *name = btf__name_by_offset(b, m->name_off);
		if (name && *name) {
			type_record_add(rec, name, convert(src, m->type), off);
			continue;
		}
		const struct btf_type *inner = btf__type_by_id(b, m->type);
		while (inner && (btf_is_typedef(inner) || btf_is_mod(inner)))
			inner = btf__type_by_id(b, inner->type);
		if (inner && btf_is_composite(inner))
			add_fields(src, rec, inner, off);
	}
}

void btf_complete(const struct type *rec)
{
	if (rec->kind != T_RECORD || !rec->btf_id || !nsources)
		return;
	struct type *r = (struct type *)rec;
	int src = (int)((uint32_t)r->btf_id >> SRC_SHIFT);
	uint32_t id = (uint32_t)r->btf_id & ((1u << SRC_SHIFT) - 1);
	const struct btf_type *t = btf__type_by_id(sources[src].btf, id);
	r->btf_id = 0;
	if (btf_is_composite(t))
		add_fields(src, r, t, 0);
}

const struct type *btf_named_type(const char *name)
{
	bool is_union = !strncmp(name, "union ", 6);
	if ((strncmp(name, "struct ", 7) && !is_union) || !btf_open())
		return NULL;
	int id = btf__find_by_name_kind(sources[0].btf, strchr(name, ' ') + 1, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	return id > 0 ? convert(0, (uint32_t)id) : NULL;
}

bool btf_enum_value(const char *name, int64_t *value)
{
	if (!btf_open())
		return false;
	for (uint32_t id = 1; id < btf__type_cnt(sources[0].btf); id++) {
		const struct btf_type *t = btf__type_by_id(sources[0].btf, id);
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);
			for (int i = 0; i < btf_vlen(t); i++, e++)
				if (!strcmp(btf__name_by_offset(sources[0].btf, e->name_off), name)) {
					*value = e->val;
					return true;
				}
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);
			for (int i = 0; i < btf_vlen(t); i++, e++)
				if (!strcmp(btf__name_by_offset(sources[0].btf, e->name_off), name)) {
					*value = (int64_t)btf_enum64_value(e);
					return true;
				}
		}
	}
	return false;
}

bool btf_kernel_func(const char *module, const char *func, struct kernel_func *out)
{
	int src = src_for(module);
	if (src < 0)
		return false;
	const struct btf *b = sources[src].btf;
	int id = btf__find_by_name_kind(b, func, BTF_KIND_FUNC);
	if (id <= 0 || (uint32_t)id < sources[src].first)
		return false;
	const struct btf_type *proto = btf__type_by_id(b, btf__type_by_id(b, (uint32_t)id)->type);
	if (!proto || !btf_is_func_proto(proto))
		return false;
	memset(out, 0, sizeof(*out));
	out->btf = b;
	out->btf_id = id;
	out->proto = proto;
	const struct btf_param *p = btf_params(proto);
	for (int i = 0; i < btf_vlen(proto) && out->nargs < KFUNC_MAX_ARGS; i++, p++) {
		if (!p->type) /* "..." */
			break;
		out->names[out->nargs] = btf__name_by_offset(b, p->name_off);
		out->arg_ids[out->nargs] = p->type;
		out->args[out->nargs++] = convert(src, p->type);
	}
	out->ret = proto->type ? convert(src, proto->type) : NULL;
	return true;
}

void btf_types_free(void)
{
	for (int i = nsources - 1; i >= 0; i--) {
		btf__free(sources[i].btf);
		free(sources[i].records);
		free(sources[i].module);
	}
	memset(sources, 0, sizeof(sources));
	nsources = 0;
	btf_tried = false;
}
