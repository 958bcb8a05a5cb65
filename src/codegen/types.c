#include "codegen/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct type type_none = { .kind = T_NONE };
const struct type type_ctx = { .kind = T_CTX, .size = 8 };
const struct type type_ksym = { .kind = T_KSYM, .size = 8 };
const struct type type_u8 = { .kind = T_INT, .size = 1 };
const struct type type_u16 = { .kind = T_INT, .size = 2 };
const struct type type_u32 = { .kind = T_INT, .size = 4 };
const struct type type_u64 = { .kind = T_INT, .size = 8 };
const struct type type_s8 = { .kind = T_INT, .size = 1, .is_signed = true };
const struct type type_s16 = { .kind = T_INT, .size = 2, .is_signed = true };
const struct type type_s32 = { .kind = T_INT, .size = 4, .is_signed = true };
const struct type type_s64 = { .kind = T_INT, .size = 8, .is_signed = true };

/* Every type built at run time, so they can all be freed at exit. */
struct type_block {
	struct type_block *next;
	struct type t;
};
static struct type_block *all_types;

static struct type *type_alloc(enum type_kind kind, int size)
{
	struct type_block *b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->next = all_types;
	all_types = b;
	b->t.kind = kind;
	b->t.size = size;
	return &b->t;
}

void types_free_all(void)
{
	while (all_types) {
		struct type_block *b = all_types;
		all_types = b->next;
		for (int i = 0; i < b->t.nfields; i++)
			free((char *)b->t.fields[i].name);
		free(b->t.fields);
		free((char *)b->t.name);
		free(b);
	}
}

const struct type *type_int(int size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? &type_s8 : &type_u8;
	case 2: return is_signed ? &type_s16 : &type_u16;
	case 4: return is_signed ? &type_s32 : &type_u32;
	default: return is_signed ? &type_s64 : &type_u64;
	}
}

const struct type *type_str(int size)
{
	for (struct type_block *b = all_types; b; b = b->next)
		if (b->t.kind == T_STR && b->t.size == size)
			return &b->t;
	return type_alloc(T_STR, size);
}

const struct type *type_ptr(const struct type *to, bool user)
{
	struct type *t = type_alloc(T_PTR, 8);
	t->to = to;
	t->user = user;
	return t;
}

const struct type *type_array(const struct type *elem, int len)
{
	struct type *t = type_alloc(T_ARRAY, elem->size * len);
	t->to = elem;
	t->len = len;
	return t;
}

const struct type *type_agg(enum agg_kind agg)
{
	for (struct type_block *b = all_types; b; b = b->next)
		if (b->t.kind == T_AGG && b->t.agg == agg)
			return &b->t;
	struct type *t = type_alloc(T_AGG, 8);
	t->agg = agg;
	t->is_signed = agg != AGG_COUNT;
	return t;
}

const struct type *type_stack(bool user, int limit, const char *mode)
{
	for (struct type_block *b = all_types; b; b = b->next)
		if (b->t.kind == T_STACK && b->t.user == user && b->t.len == limit && !b->t.name == !mode)
			return &b->t;
	struct type *t = type_alloc(T_STACK, 8);
	t->user = user;
	t->len = limit;
	t->name = mode ? strdup(mode) : NULL;
	return t;
}

const struct type *type_special(enum type_kind kind, int size, const char *name)
{
	for (struct type_block *b = all_types; b; b = b->next)
		if (b->t.kind == kind && b->t.size == size && (b->t.name == name || (name && b->t.name && !strcmp(b->t.name, name))))
			return &b->t;
	struct type *t = type_alloc(kind, size);
	t->name = name ? strdup(name) : NULL;
	return t;
}

const struct type *type_data_loc(bool relative)
{
	for (struct type_block *b = all_types; b; b = b->next)
		if (b->t.kind == T_DATALOC && b->t.len == relative)
			return &b->t;
	struct type *t = type_alloc(T_DATALOC, 4);
	t->len = relative;
	return t;
}

const struct type *type_buf(int len)
{
	const struct type *t = type_special(T_BUF, 8 + len, NULL);
	((struct type *)t)->len = len;
	return t;
}

bool type_is_scalar(const struct type *t)
{
	switch (t->kind) {
	case T_INT:
	case T_PTR:
	case T_KSYM:
	case T_STACK:
	case T_TIME:
	case T_CGROUP:
	case T_ERRNO:
	case T_USER:
		return true;
	default:
		return false;
	}
}

int type_align(const struct type *t)
{
	if (t->kind == T_RECORD && t->align)
		return t->align;
	if (t->kind == T_TUPLE || t->kind == T_RECORD) {
		int a = 1;
		for (int i = 0; i < t->nfields; i++) {
			int fa = type_align(t->fields[i].type);
			if (fa > a)
				a = fa;
		}
		return a;
	}
	if (t->kind == T_STR || t->kind == T_ARRAY)
		return t->kind == T_ARRAY ? type_align(t->to) : 1;
	return t->size ? t->size : 1;
}

struct type *type_record_new(const char *name, int size)
{
	struct type *t = type_alloc(T_RECORD, size);
	t->name = name ? strdup(name) : NULL;
	return t;
}

void type_record_add(struct type *rec, const char *name, const struct type *t, int offset)
{
	rec->fields = realloc(rec->fields, (rec->nfields + 1) * sizeof(*rec->fields));
	if (!rec->fields)
		abort();
	rec->fields[rec->nfields++] = (struct field){ .name = strdup(name), .type = t, .offset = offset };
}

const struct type *type_tuple(const struct type **elems, int n)
{
	struct type *t = type_alloc(T_TUPLE, 0);
	int off = 0;
	for (int i = 0; i < n; i++) {
		int a = type_align(elems[i]);
		off = (off + a - 1) / a * a;
		char name[16];
		snprintf(name, sizeof(name), "%d", i);
		type_record_add(t, name, elems[i], off);
		off += elems[i]->size;
	}
	int a = type_align(t);
	t->size = (off + a - 1) / a * a;
	return t;
}

const struct field *type_field(const struct type *t, const char *name)
{
	for (int i = 0; i < t->nfields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

bool type_is_int(const struct type *t)
{
	return t->kind == T_INT;
}

bool type_equal(const struct type *a, const struct type *b)
{
	if (a == b)
		return true;
	if (a->kind != b->kind || a->size != b->size)
		return false;
	switch (a->kind) {
	case T_INT: return a->is_signed == b->is_signed;
	case T_PTR:
	case T_ARRAY: return type_equal(a->to, b->to);
	case T_AGG: return a->agg == b->agg;
	case T_STACK: return a->user == b->user && a->len == b->len;
	case T_TIME: return !strcmp(a->name, b->name);
	case T_TUPLE:
		if (a->nfields != b->nfields)
			return false;
		for (int i = 0; i < a->nfields; i++)
			if (!type_equal(a->fields[i].type, b->fields[i].type))
				return false;
		return true;
	case T_RECORD: return a->name && b->name && !strcmp(a->name, b->name);
	default: return true;
	}
}

const struct type *type_unify(const struct type *a, const struct type *b)
{
	if (a->kind == T_STR && b->kind == T_STR)
		return a->size >= b->size ? a : b;
	if (a->kind == T_INT && b->kind == T_INT && a->size == b->size)
		return a; /* bpftrace mixes signs in map keys and values: the first one stays */
	if (a->kind == T_TUPLE && b->kind == T_TUPLE && a->nfields == b->nfields && a->nfields <= 32) {
		const struct type *elems[32];
		bool same = true;
		for (int i = 0; i < a->nfields; i++) {
			elems[i] = type_unify(a->fields[i].type, b->fields[i].type);
			if (!elems[i])
				return NULL;
			same &= elems[i] == a->fields[i].type;
		}
		return same ? a : type_tuple(elems, a->nfields);
	}
	return type_equal(a, b) ? a : NULL;
}

const char *type_kind_name(const struct type *t)
{
	static const char *const kinds[] = {
		[T_NONE] = "none", [T_INT] = "integer", [T_STR] = "string", [T_PTR] = "pointer",
		[T_RECORD] = "record", [T_TUPLE] = "tuple", [T_ARRAY] = "array", [T_CTX] = "ctx",
		[T_KSYM] = "ksym", [T_USYM] = "usym", [T_TIME] = "timestamp", [T_INET] = "inet", [T_BUF] = "buffer",
		[T_MAC] = "mac_address", [T_CGROUP] = "cgroup_path", [T_DATALOC] = "integer",
		[T_ERRNO] = "strerror", [T_USER] = "username",
	};
	static const char *const aggs[] = {
		[AGG_COUNT] = "count", [AGG_SUM] = "sum", [AGG_MIN] = "min", [AGG_MAX] = "max",
		[AGG_AVG] = "avg", [AGG_STATS] = "stats", [AGG_HIST] = "hist", [AGG_LHIST] = "lhist",
	};
	if (t->kind == T_STACK)
		return t->user ? "ustack" : "kstack";
	return t->kind == T_AGG ? aggs[t->agg] : kinds[t->kind];
}

void type_name(const struct type *t, char *buf, size_t len)
{
	switch (t->kind) {
	case T_INT: snprintf(buf, len, "%sint%d", t->is_signed ? "" : "unsigned ", t->size * 8); break;
	case T_STR: snprintf(buf, len, "string[%d]", t->size); break;
	case T_PTR: {
		char inner[128];
		type_name(t->to, inner, sizeof(inner));
		snprintf(buf, len, t->to->kind == T_PTR ? "%s*" : "%s *", inner); /* "int8 **" */
		break;
	}
	case T_RECORD: snprintf(buf, len, "%s", t->name ? t->name : "record"); break;
	case T_TUPLE: {
		size_t o = snprintf(buf, len, "(");
		for (int i = 0; i < t->nfields && o < len; i++) {
			char inner[128];
			type_name(t->fields[i].type, inner, sizeof(inner));
			o += snprintf(buf + o, len - o, "%s%s", i ? "," : "", inner);
		}
		if (o < len)
			snprintf(buf + o, len - o, ")");
		break;
	}
	case T_ARRAY: {
		char inner[128];
		type_name(t->to, inner, sizeof(inner));
		snprintf(buf, len, "%s[%d]", inner, t->len);
		break;
	}
	case T_BUF: snprintf(buf, len, "buffer[%d]", t->len); break;
	default: snprintf(buf, len, "%s", type_kind_name(t)); break;
	}
}

/* C spellings of integer types, as bpftrace accepts them in casts and as
 * tracepoint format files write them. */
static const struct {
	const char *name;
	int size;
	bool is_signed;
} c_ints[] = {
	{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false }, { "uint64", 8, false },
	{ "int8", 1, true }, { "int16", 2, true }, { "int32", 4, true }, { "int64", 8, true },
	{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
	{ "__u8", 1, false }, { "__u16", 2, false }, { "__u32", 4, false }, { "__u64", 8, false },
	{ "__s8", 1, true }, { "__s16", 2, true }, { "__s32", 4, true }, { "__s64", 8, true },
	{ "uint8_t", 1, false }, { "uint16_t", 2, false }, { "uint32_t", 4, false }, { "uint64_t", 8, false },
	{ "int8_t", 1, true }, { "int16_t", 2, true }, { "int32_t", 4, true }, { "int64_t", 8, true },
	{ "char", 1, true }, { "signed char", 1, true }, { "unsigned char", 1, false },
	{ "short", 2, true }, { "unsigned short", 2, false }, { "short int", 2, true },
	{ "int", 4, true }, { "signed int", 4, true }, { "unsigned int", 4, false }, { "unsigned", 4, false },
	{ "long", 8, true }, { "long int", 8, true }, { "unsigned long", 8, false },
	{ "long long", 8, true }, { "unsigned long long", 8, false },
	{ "bool", 1, false }, { "_Bool", 1, false },
	{ "pid_t", 4, true }, { "uid_t", 4, false }, { "gid_t", 4, false }, { "size_t", 8, false },
	{ "ssize_t", 8, true }, { "loff_t", 8, true }, { "umode_t", 2, false }, { "dev_t", 4, false },
	{ "gfp_t", 4, false }, { "off_t", 8, true }, { "key_serial_t", 4, true }, { "clockid_t", 4, true },
	{ "qid_t", 4, false }, { "timer_t", 4, true }, { "mqd_t", 4, true }, { "aio_context_t", 8, false },
	{ "cap_user_header_t", 8, false }, { "cap_user_data_t", 8, false }, { "rwf_t", 4, true },
};

const struct type *type_from_c_name(const char *name)
{
	while (!strncmp(name, "const ", 6) || !strncmp(name, "volatile ", 9))
		name = strchr(name, ' ') + 1;
	for (size_t i = 0; i < sizeof(c_ints) / sizeof(c_ints[0]); i++)
		if (!strcmp(c_ints[i].name, name))
			return type_int(c_ints[i].size, c_ints[i].is_signed);
	return NULL;
}
