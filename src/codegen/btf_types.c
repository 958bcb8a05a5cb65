/* The kernel's own C types, from its BTF (/sys/kernel/btf/vmlinux), made
 * scry types on first use. A struct becomes a record whose fields are read
 * only when a script reaches into it: task_struct points at half the
 * kernel, and a script touches a few fields. */
#include "codegen/btf_types.h"

#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

static struct btf *btf;
static bool btf_tried;
static struct type **records; /* by BTF id: the record made for a struct or union */

static bool btf_open(void)
{
	if (!btf_tried) {
		btf_tried = true;
		btf = btf__load_vmlinux_btf();
		if (btf && !(records = calloc(btf__type_cnt(btf), sizeof(*records)))) {
			btf__free(btf);
			btf = NULL;
		}
	}
	return btf != NULL;
}

static const struct type *convert(uint32_t id);

/* A struct or union: its size and name now, its fields on demand. */
static const struct type *record(uint32_t id, const struct btf_type *t)
{
	if (!records[id]) {
		const char *name = btf__name_by_offset(btf, t->name_off);
		char full[256];
		snprintf(full, sizeof(full), "%s %s", btf_is_union(t) ? "union" : "struct", name ? name : "");
		records[id] = type_record_new(full, (int)t->size);
		records[id]->btf_id = (int)id;
	}
	return records[id];
}

static const struct type *convert(uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
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
		return type_ptr(convert(t->type), false);
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		const struct type *elem = convert(a->type);
		if (elem->kind == T_INT && elem->size == 1)
			return type_str((int)a->nelems);
		return type_array(elem, (int)a->nelems);
	}
	if (btf_is_composite(t) || btf_is_fwd(t))
		return record(id, t);
	return &type_u64; /* functions and the rest: an address */
}

/* The fields of a composite at base_off in rec; anonymous structs and
 * unions lend their fields to the enclosing one, as in C. Bitfields are
 * left out: they have no address of their own. */
static void add_fields(struct type *rec, const struct btf_type *t, int base_off)
{
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8)
			continue;
		int off = base_off + (int)(btf_member_bit_offset(t, i) / 8);
		const char *name = btf__name_by_offset(btf, m->name_off);
		if (name && *name) {
			type_record_add(rec, name, convert(m->type), off);
			continue;
		}
		const struct btf_type *inner = btf__type_by_id(btf, m->type);
		while (inner && (btf_is_typedef(inner) || btf_is_mod(inner)))
			inner = btf__type_by_id(btf, inner->type);
		if (inner && btf_is_composite(inner))
			add_fields(rec, inner, off);
	}
}

void btf_complete(const struct type *rec)
{
	if (rec->kind != T_RECORD || !rec->btf_id || !btf)
		return;
	struct type *r = (struct type *)rec;
	const struct btf_type *t = btf__type_by_id(btf, (uint32_t)r->btf_id);
	r->btf_id = 0;
	if (btf_is_composite(t))
		add_fields(r, t, 0);
}

const struct type *btf_named_type(const char *name)
{
	bool is_union = !strncmp(name, "union ", 6);
	if ((strncmp(name, "struct ", 7) && !is_union) || !btf_open())
		return NULL;
	int id = btf__find_by_name_kind(btf, strchr(name, ' ') + 1, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	return id > 0 ? convert((uint32_t)id) : NULL;
}

bool btf_enum_value(const char *name, int64_t *value)
{
	if (!btf_open())
		return false;
	for (uint32_t id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);
			for (int i = 0; i < btf_vlen(t); i++, e++)
				if (!strcmp(btf__name_by_offset(btf, e->name_off), name)) {
					*value = e->val;
					return true;
				}
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);
			for (int i = 0; i < btf_vlen(t); i++, e++)
				if (!strcmp(btf__name_by_offset(btf, e->name_off), name)) {
					*value = (int64_t)btf_enum64_value(e);
					return true;
				}
		}
	}
	return false;
}

void btf_types_free(void)
{
	btf__free(btf);
	free(records);
	btf = NULL;
	records = NULL;
	btf_tried = false;
}
