/* C types named in a script: integer names, the script's own struct and
 * union definitions (laid out as C does), pointers and arrays of them.
 * then the kernel's own from BTF. */
#include <stdlib.h>
#include <string.h>

#include "codegen/btf_types.h"
#include "codegen/cg.h"

static const struct type **defined;
static int ndefined;

static const struct type *struct_find(const char *name)
{
	for (int i = 0; i < ndefined; i++)
		if (!strcmp(defined[i]->name, name))
			return defined[i];
	return NULL;
}

static const struct type *base_type(const char *name)
{
	const struct type *t = type_from_c_name(name);
	if (!t)
		t = struct_find(name);
	return t ? t : btf_named_type(name);
}

const struct type *type_from_spec(const struct typespec *ts)
{
	const struct type *t = base_type(ts->name);
	if (!t)
		return NULL;
	/* from the innermost dimension out: char[N] is a string */
	for (int i = ts->ndims - 1; i >= 0; i--)
		t = i == ts->ndims - 1 && t->kind == T_INT && t->size == 1 ? type_str(ts->dims[i])
									 : type_array(t, ts->dims[i]);
	for (int i = 0; i < ts->ptr_depth; i++)
		t = type_ptr(t, false);
	return t;
}

/* One struct or union definition; its members' types must be known. */
static void define(const struct node *sdef)
{
	struct type *rec = type_record_new(sdef->sdef.name, 0);
	int off = 0, size = 0, align = 1;
	for (const struct node *f = sdef->sdef.fields; f; f = f->next) {
		const struct type *t = type_from_spec(&f->fdef.tspec);
		if (!t) {
			diag_error(&f->loc, "Cannot resolve unknown type \"%s\"", f->fdef.tspec.name);
			continue;
		}
		int a = type_align(t);
		if (a > align)
			align = a;
		off = sdef->sdef.is_union ? 0 : (off + a - 1) / a * a;
		type_record_add(rec, f->fdef.name, t, off);
		off += t->size;
		if (off > size)
			size = off;
	}
	rec->size = (size + align - 1) / align * align;
	defined = realloc(defined, (ndefined + 1) * sizeof(*defined));
	if (!defined)
		abort();
	defined[ndefined++] = rec;
}

void structs_define(const struct node *prog)
{
	for (const struct node *s = prog->prog.structs; s; s = s->next)
		define(s);
}

void structs_free(void)
{
	btf_types_free();
	free(defined);
	defined = NULL;
	ndefined = 0;
}
