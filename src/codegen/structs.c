/* C types named in a script: the script's own struct and union definitions
 * (laid out as C does), what its headers define (typedefs, structs, unions,
 * enums: laid out on first use, as a header declares far more than a
 * script reaches), integer names, then the kernel's own from BTF. A type
 * the script or a header defines wins over the kernel's, as in bpftrace. */
#include <stdlib.h>
#include <string.h>

#include "codegen/btf_types.h"
#include "codegen/cg.h"

/* A name the script or its headers define: a type, or an enumerator. */
struct entry {
	const char *name;
	const struct node *def;   /* N_STRUCT_DEF, N_TYPEDEF, N_ENUM_DEF; NULL: an enumerator */
	const struct type *type;  /* once built */
	bool building;            /* a typedef naming itself stops here */
	bool from_header;
	int64_t value;            /* an enumerator's */
};

static struct entry *table; /* open addressing; cap a power of two */
static size_t cap, used;
static const char *no_kernel_headers;

static size_t hash(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The entry of name; a new empty one if add, else NULL when absent. */
static struct entry *lookup(const char *name, bool add)
{
	if (add && (used + 1) * 2 > cap) {
		struct entry *old = table;
		size_t ocap = cap;
		cap = cap ? cap * 2 : 256;
		table = calloc(cap, sizeof(*table));
		if (!table)
			abort();
		for (size_t i = 0; i < ocap; i++)
			if (old[i].name)
				*lookup(old[i].name, true) = old[i];
		free(old);
	}
	for (size_t i = cap ? hash(name) & (cap - 1) : 0; cap; i = (i + 1) & (cap - 1)) {
		if (!table[i].name) {
			if (!add)
				return NULL;
			table[i].name = name;
			used++;
			return &table[i];
		}
		if (!strcmp(table[i].name, name))
			return &table[i];
	}
	return NULL;
}

static const struct type *build(struct entry *e);

static const struct type *base_type(const char *name)
{
	struct entry *e = lookup(name, false);
	if (e && e->def)
		return build(e);
	const struct type *t = type_from_c_name(name);
	return t ? t : btf_named_type(name);
}

/* A C constant expression of a header: array lengths, enumerators. */
static bool fold(const struct node *n, int64_t *v)
{
	int64_t a, b;
	if (!n)
		return false;
	switch (n->kind) {
	case N_INT: *v = (int64_t)n->integer.value; return true;
	case N_IDENT: {
		const struct entry *e = lookup(n->ident.name, false);
		if (!e || e->def)
			return false;
		*v = e->value;
		return true;
	}
	case N_SIZEOF: {
		const struct type *t = n->size.tspec ? type_from_spec(&n->size.tspec->tspec) : NULL;
		*v = t ? t->size : 0;
		return t != NULL;
	}
	case N_TERNARY:
		return fold(n->ternary.cond, &a) && fold(a ? n->ternary.then : n->ternary.els, v);
	case N_UNOP:
		if (!fold(n->unop.operand, &a))
			return false;
		*v = n->unop.op == OP_NEG ? -a : n->unop.op == OP_BNOT ? ~a : !a;
		return true;
	case N_BINOP:
		if (!fold(n->binop.left, &a) || !fold(n->binop.right, &b))
			return false;
		switch (n->binop.op) {
		case OP_ADD: *v = a + b; return true;
		case OP_SUB: *v = a - b; return true;
		case OP_MUL: *v = a * b; return true;
		case OP_DIV: *v = b ? a / b : 0; return b != 0;
		case OP_MOD: *v = b ? a % b : 0; return b != 0;
		case OP_BAND: *v = a & b; return true;
		case OP_BOR: *v = a | b; return true;
		case OP_BXOR: *v = a ^ b; return true;
		case OP_SHL: *v = (int64_t)((uint64_t)a << (b & 63)); return true;
		case OP_SHR: *v = a >> (b & 63); return true;
		case OP_LAND: *v = a && b; return true;
		case OP_LOR: *v = a || b; return true;
		case OP_EQ: *v = a == b; return true;
		case OP_NE: *v = a != b; return true;
		case OP_LT: *v = a < b; return true;
		case OP_LE: *v = a <= b; return true;
		case OP_GT: *v = a > b; return true;
		case OP_GE: *v = a >= b; return true;
		default: return false;
		}
	default:
		return false;
	}
}

const struct type *type_from_spec(const struct typespec *ts)
{
	const struct type *t = base_type(ts->name);
	if (!t)
		return NULL;
	/* from the innermost dimension out: char[N] is a string */
	for (int i = ts->ndims - 1; i >= 0; i--)
		t = i == ts->ndims - 1 && t->kind == T_INT && t->size == 1 && ts->dims[i]
			    ? type_str(ts->dims[i])
			    : type_array(t, ts->dims[i]);
	for (int i = 0; i < ts->ptr_depth; i++)
		t = type_ptr(t, false);
	return t;
}

/* The type of a member or typedef: a header's array lengths folded. */
static const struct type *decl_type(const struct node *d)
{
	struct typespec ts = d->fdef.tspec;
	for (const struct node *len = d->fdef.dim_exprs; len; len = len->next) {
		int64_t v;
		if (!fold(len, &v) || v < 0 || ts.ndims == TSPEC_MAX_DIMS)
			return NULL;
		ts.dims[ts.ndims++] = (int)v;
	}
	return type_from_spec(&ts);
}

/* An alignment raised to an aligned(N) attribute's N, as gcc does. */
static int aligned_to(int align, const struct node *attr)
{
	int64_t n;
	return attr && fold(attr, &n) && n > align ? (int)n : align;
}

/* One struct or union definition, laid out as gcc does on x86-64: bitfields
 * packed in units of their type (across units when packed), an anonymous
 * struct or union lending its fields to the enclosing one, packed members
 * aligned to a byte, aligned(N) raising a member's or the record's
 * alignment. Bitfields take space but are no fields (scry reads whole
 * bytes), as with the kernel's BTF. */
static void define(struct entry *e)
{
	const struct node *sdef = e->def;
	struct type *rec = type_record_new(sdef->sdef.name, 0);
	e->type = rec; /* a member may point to its own struct */
	int bit = 0, size = 0, align = 1;
	for (const struct node *f = sdef->sdef.fields; f; f = f->next) {
		const struct type *t = decl_type(f);
		if (!t) {
			if (e->from_header)
				diag_error(&f->loc, "Cannot resolve unknown type \"%s\" of %s.%s", f->fdef.tspec.name,
					   sdef->sdef.name, f->fdef.name);
			else
				diag_error(&f->loc, "Cannot resolve unknown type \"%s\"", f->fdef.tspec.name);
			continue;
		}
		bool packed = sdef->sdef.packed || f->fdef.packed;
		int a = aligned_to(packed ? 1 : type_align(t), f->fdef.aligned), unit = t->size * 8;
		if (sdef->sdef.is_union)
			bit = 0;
		if (f->fdef.bits) {
			int w = f->fdef.bits < 0 ? 0 : f->fdef.bits;
			if (!w || (!packed && unit && bit / unit != (bit + w - 1) / unit))
				bit = unit ? (bit + unit - 1) / unit * unit : bit;
			if (w && a > align)
				align = a;
			bit += w;
		} else {
			int off = (bit + 7) / 8;
			off = (off + a - 1) / a * a;
			if (a > align)
				align = a;
			if (!*f->fdef.name && t->kind == T_RECORD)
				for (int i = 0; i < t->nfields; i++)
					type_record_add(rec, t->fields[i].name, t->fields[i].type, off + t->fields[i].offset);
			else
				type_record_add(rec, f->fdef.name, t, off);
			bit = (off + t->size) * 8;
		}
		if ((bit + 7) / 8 > size)
			size = (bit + 7) / 8;
	}
	align = aligned_to(align, sdef->sdef.aligned);
	rec->size = (size + align - 1) / align * align;
	rec->align = align;
}

static const struct type *build(struct entry *e)
{
	if (e->type || e->building)
		return e->type;
	e->building = true;
	if (e->def->kind == N_STRUCT_DEF)
		define(e);
	else if (e->def->kind == N_TYPEDEF)
		e->type = decl_type(e->def);
	else
		e->type = &type_s32; /* an enum */
	e->building = false;
	return e->type;
}

/* The enumerators of an enum: each the one before plus one, unless set.
 * The first definition of a name wins, unless the script's own (wins). */
static void enumerators(const struct node *edef, bool wins)
{
	int64_t next = 0;
	for (const struct node *c = edef->sdef.fields; c; c = c->next) {
		int64_t v = next;
		if (c->fdef.value && !fold(c->fdef.value, &v))
			continue;
		struct entry *e = lookup(c->fdef.name, true);
		if (wins)
			*e = (struct entry){ .name = e->name };
		if (!e->def)
			e->value = v;
		next = v + 1;
	}
}

static const char *def_name(const struct node *d)
{
	return d->kind == N_TYPEDEF ? d->fdef.name : d->sdef.name;
}

/* A definition's entry: a header's when the name's first, the script's always. */
static void add(const struct node *d, bool from_header)
{
	if (d->kind == N_ENUM_DEF)
		enumerators(d, !from_header);
	struct entry *e = lookup(def_name(d), true);
	if (!from_header)
		*e = (struct entry){ .name = e->name };
	if (!e->def)
		*e = (struct entry){ .name = e->name, .def = d, .from_header = from_header };
}

void structs_define(const struct node *prog)
{
	no_kernel_headers = prog->prog.no_kernel_headers;
	for (const struct node *d = prog->prog.cdecls; d; d = d->next)
		add(d, true);
	/* the script's own win, in their order: each may use the ones before */
	for (const struct node *s = prog->prog.structs; s; s = s->next) {
		add(s, false);
		build(lookup(def_name(s), false));
	}
}

bool structs_enum_value(const char *name, int64_t *value)
{
	const struct entry *e = lookup(name, false);
	if (e && !e->def) {
		*value = e->value;
		return true;
	}
	return btf_enum_value(name, value);
}

const char *structs_no_kernel_headers(void)
{
	return no_kernel_headers;
}

void structs_free(void)
{
	btf_types_free();
	free(table);
	table = NULL;
	cap = used = 0;
	no_kernel_headers = NULL;
}
