/* The declaration reader: a recursive descent over header tokens that keeps
 * struct/union/enum definitions and typedefs and skips the rest (of the
 * attributes, it keeps packed and aligned of structs, unions and members). It never
 * fails: what it cannot read it skips to the next ';' (or past the '}' of a
 * body); a type it leaves out is an error only if a script names it.
 * Constant expressions (array lengths, enumerators) stay AST expressions:
 * codegen folds them, as their sizeof() needs laid-out types. */
#include "parser/cdecl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layout attributes read since they were last taken */
struct attrs {
	bool packed;
	struct node *aligned; /* N: a constant expression */
};

struct reader {
	const struct ctok *t; /* the current token */
	const struct loc *loc;
	struct node *out;     /* definitions read, in order */
	struct node **tail;   /* where the next one goes: a kernel header has thousands */
	struct attrs attrs;
};

struct spec {
	char *name; /* "int32", "struct foo", a typedef's name; NULL: none */
	bool is_typedef;
	bool anon_record; /* a struct/union without a tag defined here */
};

struct declarator {
	char *name;
	int ptrs;
	struct node *dims;
	bool is_func;
	int bits;
};

static bool is(const struct reader *r, const char *s)
{
	/* the first byte first: most tokens differ there */
	return r->t->kind != CT_EOF && r->t->start[0] == s[0] && r->t->len == (int)strlen(s) &&
	       !strncmp(r->t->start, s, r->t->len);
}

static bool accept(struct reader *r, const char *s)
{
	if (!is(r, s))
		return false;
	r->t++;
	return true;
}

static char *tok_text(const struct ctok *t)
{
	return strndup(t->start, t->len);
}

static bool word_in(const struct reader *r, const char *const *words)
{
	for (; *words; words++)
		if (is(r, *words))
			return true;
	return false;
}

/* Past a balanced (), [] or {} group starting at the current token. */
static void skip_group(struct reader *r)
{
	int depth = 0;
	do {
		if (is(r, "(") || is(r, "[") || is(r, "{"))
			depth++;
		else if (is(r, ")") || is(r, "]") || is(r, "}"))
			depth--;
		r->t++;
	} while (depth > 0 && r->t->kind != CT_EOF);
}

static struct node *expr(struct reader *r);
static struct node *mk(struct reader *r, enum node_kind k);

static struct attrs take_attrs(struct reader *r)
{
	struct attrs a = r->attrs;
	r->attrs = (struct attrs){ 0 };
	return a;
}

static void drop_attrs(struct reader *r)
{
	node_free(take_attrs(r).aligned);
}

static void emit(struct reader *r, struct node *def)
{
	*r->tail = def;
	r->tail = &def->next;
}

static bool at_attribute(const struct reader *r)
{
	return (is(r, "__attribute__") || is(r, "__attribute")) && r->t[1].len == 1 && r->t[1].start[0] == '(';
}

/* __attribute__((a, b(args), ...)) after the current token: packed and aligned
 * go into r->attrs (a bare aligned is x86-64's largest alignment, 16). */
static void attribute(struct reader *r)
{
	struct reader end = *r;
	skip_group(&end);
	r->t += 2; /* "((" */
	while (r->t < end.t && r->t->kind == CT_IDENT) {
		bool aligned = is(r, "aligned") || is(r, "__aligned__");
		r->attrs.packed |= is(r, "packed") || is(r, "__packed__");
		r->t++;
		if (aligned) {
			node_free(r->attrs.aligned);
			r->attrs.aligned = accept(r, "(") ? expr(r) : mk(r, N_INT);
			if (r->attrs.aligned && r->attrs.aligned->kind == N_INT && !r->attrs.aligned->integer.value)
				r->attrs.aligned->integer.value = 16;
		}
		while (r->t < end.t && !is(r, ","))
			is(r, "(") ? skip_group(r) : (void)r->t++;
		accept(r, ",");
	}
	r->t = end.t;
}

/* Qualifiers, storage classes, attributes, asm labels: nothing to keep but
 * the attributes of layout. */
static void skip_noise(struct reader *r)
{
	static const char *const words[] = {
		"const", "volatile", "__const", "__volatile", "__volatile__", "restrict", "__restrict",
		"__restrict__", "inline", "__inline", "__inline__", "static", "extern", "register", "auto",
		"_Noreturn", "__thread", "_Thread_local", "__extension__", NULL,
	};
	static const char *const with_args[] = {
		"__asm__", "__asm", "asm", "_Alignas", "__declspec", NULL,
	};
	for (;;) {
		if (word_in(r, words)) {
			r->t++;
		} else if (at_attribute(r)) {
			r->t++;
			attribute(r);
		} else if (word_in(r, with_args)) {
			r->t++;
			if (is(r, "("))
				skip_group(r);
		} else {
			return;
		}
	}
}

static void specifiers(struct reader *r, struct spec *s);
static void declarator(struct reader *r, struct declarator *d);

static struct node *mk(struct reader *r, enum node_kind k)
{
	return node_new(k, r->loc);
}

/* The integer type the words name, as scry's canonical names. */
static char *int_name(int chars, int shorts, int longs, bool is_unsigned)
{
	const char *base = chars ? "int8" : shorts ? "int16" : longs ? "int64" : "int32";
	char buf[16];
	snprintf(buf, sizeof(buf), "%s%s", is_unsigned ? "u" : "", base);
	return strdup(buf);
}

static struct node *members(struct reader *r);
static struct node *enumerators(struct reader *r);

/* The attributes after a body join those before it (the later aligned wins). */
static void merge_attrs(struct attrs *into, struct attrs more)
{
	into->packed |= more.packed;
	if (more.aligned) {
		node_free(into->aligned);
		into->aligned = more.aligned;
	}
}

/* struct/union/enum [tag] [{ ... }], with the layout attributes around its
 * tag and after its body; those before its keyword are the declaration's. */
static void tagged(struct reader *r, struct spec *s)
{
	struct attrs outer = take_attrs(r);
	char kw[8];
	snprintf(kw, sizeof(kw), "%.*s", r->t->len, r->t->start);
	r->t++;
	skip_noise(r);
	char name[300];
	if (r->t->kind == CT_IDENT) {
		snprintf(name, sizeof(name), "%s %.*s", kw, r->t->len, r->t->start);
		r->t++;
	} else {
		static int anon; /* unique over every header */
		snprintf(name, sizeof(name), "%s (anonymous %d)", kw, ++anon);
		s->anon_record = true;
	}
	skip_noise(r);
	if (is(r, "{")) {
		r->t++;
		struct attrs own = take_attrs(r);
		bool is_enum = !strcmp(kw, "enum");
		struct node *def = mk(r, is_enum ? N_ENUM_DEF : N_STRUCT_DEF);
		def->sdef.is_union = !strcmp(kw, "union");
		def->sdef.fields = is_enum ? enumerators(r) : members(r);
		def->sdef.name = strdup(name);
		emit(r, def);
		accept(r, "}");
		skip_noise(r);
		merge_attrs(&own, take_attrs(r));
		def->sdef.packed = own.packed;
		def->sdef.aligned = own.aligned;
	} else {
		s->anon_record = false;
		drop_attrs(r);
	}
	r->attrs = outer;
	/* an enum's values are int-sized here */
	s->name = strdup(!strcmp(kw, "enum") ? "int32" : name);
}

static void specifiers(struct reader *r, struct spec *s)
{
	int chars = 0, shorts = 0, longs = 0;
	bool is_unsigned = false, other = false, words = false;
	for (;;) {
		skip_noise(r);
		if (accept(r, "typedef")) {
			s->is_typedef = true;
		} else if (!s->name && !words && (is(r, "struct") || is(r, "union") || is(r, "enum"))) {
			tagged(r, s);
		} else if (accept(r, "char")) {
			chars++, words = true;
		} else if (accept(r, "short")) {
			shorts++, words = true;
		} else if (accept(r, "long")) {
			longs++, words = true;
		} else if (accept(r, "int") || accept(r, "signed") || accept(r, "__signed__")) {
			words = true;
		} else if (accept(r, "unsigned")) {
			is_unsigned = words = true;
		} else if (accept(r, "_Bool")) {
			chars++, is_unsigned = words = true;
		} else if (is(r, "void") || is(r, "float") || is(r, "double") || is(r, "__int128")) {
			/* void: pointers to it; floats: no scry type, an error if used */
			if (!s->name)
				s->name = tok_text(r->t);
			other = true;
			r->t++;
		} else if (r->t->kind == CT_IDENT && !s->name && !words) {
			s->name = tok_text(r->t++);
		} else {
			break;
		}
	}
	if (words && !other) { /* "foo unsigned int": the integer words win */
		free(s->name);
		s->name = int_name(chars, shorts, longs, is_unsigned);
	}
}

/* ( params ): skipped */
static void params(struct reader *r)
{
	skip_group(r);
}

static void declarator(struct reader *r, struct declarator *d)
{
	skip_noise(r);
	while (accept(r, "*")) {
		d->ptrs++;
		skip_noise(r);
	}
	if (is(r, "(") && (r->t[1].len == 1 && (r->t[1].start[0] == '*' || r->t[1].start[0] == '^'))) {
		/* (*name)(params): a pointer to a function, or to an array */
		r->t++;
		struct declarator inner = { 0 };
		declarator(r, &inner);
		accept(r, ")");
		d->name = inner.name;
		d->dims = inner.dims;
		d->ptrs = inner.ptrs;
		while (is(r, "(") || is(r, "["))
			skip_group(r);
		skip_noise(r);
		return;
	}
	if (r->t->kind == CT_IDENT)
		d->name = tok_text(r->t++);
	for (;;) {
		skip_noise(r);
		if (accept(r, "[")) {
			/* [] is a flexible array: no length */
			struct node *len = is(r, "]") ? mk(r, N_INT) : expr(r);
			d->dims = node_list_append(d->dims, len);
			accept(r, "]");
		} else if (is(r, "(")) {
			params(r);
			d->is_func = true;
		} else {
			break;
		}
	}
	if (accept(r, ":")) {
		struct node *w = expr(r);
		d->bits = w && w->kind == N_INT ? (int)w->integer.value : 0;
		d->bits = d->bits ? d->bits : -1; /* -1: a zero-width one */
		node_free(w);
	}
	skip_noise(r);
}

/* A member or typedef node of type s with declarator d */
static struct node *typed(struct reader *r, enum node_kind k, const struct spec *s, struct declarator *d)
{
	struct node *n = mk(r, k);
	n->fdef.name = d->name ? d->name : strdup("");
	n->fdef.tspec.name = strdup(d->ptrs && !strcmp(s->name, "void") ? "uint8" : s->name);
	n->fdef.tspec.ptr_depth = d->ptrs;
	n->fdef.dim_exprs = d->dims;
	n->fdef.bits = d->bits;
	return n;
}

/* Skip to the end of a declaration we do not read: past the next ';' at
 * this depth, or past a body's '}' (and a ';' right after it). */
static void recover(struct reader *r)
{
	while (r->t->kind != CT_EOF && !is(r, ";") && !is(r, "}")) {
		if (is(r, "{")) {
			skip_group(r);
			accept(r, ";");
			return;
		}
		if (is(r, "(") || is(r, "["))
			skip_group(r);
		else
			r->t++;
	}
	accept(r, ";");
}

/* A member of the declaration whose specifiers are [start, spec_end), with
 * declarator d: its layout attributes are those of the specifiers (read
 * again for each member) and its own, after its declarator. */
static struct node *member(struct reader *r, const struct spec *s, struct declarator *d, const struct ctok *start,
			   const struct ctok *spec_end)
{
	struct attrs own = take_attrs(r);
	struct reader lead = { .t = start, .loc = r->loc };
	while (lead.t < spec_end) {
		if (is(&lead, "{"))
			skip_group(&lead);
		else if (at_attribute(&lead))
			lead.t++, attribute(&lead);
		else
			lead.t++;
	}
	merge_attrs(&lead.attrs, own);
	struct node *n = typed(r, N_FIELD_DEF, s, d);
	n->fdef.packed = lead.attrs.packed;
	n->fdef.aligned = lead.attrs.aligned;
	return n;
}

static struct node *members(struct reader *r)
{
	struct node *list = NULL;
	while (r->t->kind != CT_EOF && !is(r, "}")) {
		drop_attrs(r);
		if (accept(r, ";"))
			continue;
		if (is(r, "_Static_assert")) {
			recover(r);
			continue;
		}
		struct spec s = { 0 };
		const struct ctok *start = r->t;
		specifiers(r, &s);
		const struct ctok *spec_end = r->t;
		drop_attrs(r);
		if (!s.name) {
			recover(r);
			continue;
		}
		if (is(r, ";") && s.anon_record) {
			/* an anonymous struct or union member: its fields are the parent's */
			struct declarator d = { 0 };
			list = node_list_append(list, member(r, &s, &d, start, spec_end));
		}
		while (!is(r, ";") && !is(r, "}") && r->t->kind != CT_EOF) {
			struct declarator d = { 0 };
			declarator(r, &d);
			list = node_list_append(list, member(r, &s, &d, start, spec_end));
			if (!accept(r, ",") && !is(r, ";")) {
				recover(r);
				break;
			}
		}
		accept(r, ";");
		free(s.name);
	}
	return list;
}

static struct node *enumerators(struct reader *r)
{
	struct node *list = NULL;
	while (r->t->kind == CT_IDENT) {
		struct node *c = mk(r, N_ENUM_CONST);
		c->fdef.name = tok_text(r->t++);
		skip_noise(r);
		if (accept(r, "="))
			c->fdef.value = expr(r);
		list = node_list_append(list, c);
		if (!accept(r, ","))
			break;
	}
	while (r->t->kind != CT_EOF && !is(r, "}"))
		r->t++;
	return list;
}

static void external(struct reader *r)
{
	struct spec s = { 0 };
	specifiers(r, &s);
	if (!s.name) {
		recover(r);
		return;
	}
	while (!accept(r, ";")) {
		struct declarator d = { 0 };
		declarator(r, &d);
		if (d.is_func && is(r, "{")) { /* a function's body */
			skip_group(r);
			node_free(d.dims);
			free(d.name);
			break;
		}
		if (s.is_typedef && d.name && !d.is_func) {
			emit(r, typed(r, N_TYPEDEF, &s, &d));
		} else {
			node_free(d.dims);
			free(d.name);
		}
		if (accept(r, "=")) /* an initializer */
			while (r->t->kind != CT_EOF && !is(r, ",") && !is(r, ";"))
				is(r, "(") || is(r, "{") || is(r, "[") ? skip_group(r) : (void)r->t++;
		if (!accept(r, ",") && !is(r, ";")) {
			recover(r);
			break;
		}
	}
	free(s.name);
}

struct node *cdecl_read(const char *text, const struct loc *loc)
{
	struct ctoks ts = { 0 };
	ctok_scan(text, &ts);
	struct reader r = { .t = ts.t, .loc = loc };
	r.tail = &r.out;
	while (r.t->kind != CT_EOF) {
		const struct ctok *before = r.t;
		if (!accept(&r, ";"))
			external(&r);
		drop_attrs(&r);
		if (r.t == before) /* a stray '}' or ')' */
			r.t++;
	}
	free(ts.t);
	return r.out;
}

/* Constant expressions: C's precedence, built as AST nodes. */

static struct node *binop(struct reader *r, enum op op, struct node *a, struct node *b)
{
	struct node *n = mk(r, N_BINOP);
	n->binop.op = op;
	n->binop.left = a;
	n->binop.right = b;
	return n;
}

static bool type_start(const struct ctok *t)
{
	static const char *const words[] = { "struct", "union", "enum", "char", "short", "int", "long",
					     "signed", "unsigned", "_Bool", "void", "const", "volatile",
					     NULL };
	struct reader at = { .t = t };
	return word_in(&at, words) || (t->kind == CT_IDENT && t[1].len == 1 && t[1].start[0] == ')' &&
				       (t[2].kind == CT_NUM || t[2].kind == CT_IDENT ||
					(t[2].len == 1 && strchr("(~-!", t[2].start[0]))));
}

/* a type name in sizeof() or a cast */
static struct node *type_name(struct reader *r)
{
	struct spec s = { 0 };
	specifiers(r, &s);
	struct declarator d = { 0 };
	declarator(r, &d);
	struct node *t = mk(r, N_TYPESPEC);
	t->tspec.name = s.name ? s.name : strdup("?");
	t->tspec.ptr_depth = d.ptrs;
	free(d.name);
	node_free(d.dims);
	return t;
}

static struct node *unary(struct reader *r)
{
	static const struct { const char *s; enum op op; } ops[] = {
		{ "-", OP_NEG }, { "~", OP_BNOT }, { "!", OP_LNOT },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (accept(r, ops[i].s)) {
			struct node *n = mk(r, N_UNOP);
			n->unop.op = ops[i].op;
			n->unop.operand = unary(r);
			return n;
		}
	if (accept(r, "+"))
		return unary(r);
	if (accept(r, "sizeof")) {
		struct node *n = mk(r, N_SIZEOF);
		if (is(r, "(") && type_start(r->t + 1)) {
			r->t++;
			n->size.tspec = type_name(r);
			accept(r, ")");
		} else {
			n->size.operand = unary(r);
		}
		return n;
	}
	if (is(r, "(") && type_start(r->t + 1)) { /* a cast: its value stays */
		r->t++;
		node_free(type_name(r));
		accept(r, ")");
		return unary(r);
	}
	if (accept(r, "(")) {
		struct node *n = expr(r);
		accept(r, ")");
		return n;
	}
	struct node *n = NULL;
	if (r->t->kind == CT_NUM) {
		n = mk(r, N_INT);
		n->integer.value = r->t->value;
		r->t++;
	} else if (r->t->kind == CT_IDENT) {
		n = mk(r, N_IDENT);
		n->ident.name = tok_text(r->t++);
	}
	return n;
}

static const struct {
	const char *s;
	enum op op;
	int prec;
} binops[] = {
	{ "||", OP_LOR, 1 }, { "&&", OP_LAND, 2 }, { "|", OP_BOR, 3 },  { "^", OP_BXOR, 4 },
	{ "&", OP_BAND, 5 }, { "==", OP_EQ, 6 },   { "!=", OP_NE, 6 },  { "<", OP_LT, 7 },
	{ ">", OP_GT, 7 },   { "<=", OP_LE, 7 },   { ">=", OP_GE, 7 },  { "<<", OP_SHL, 8 },
	{ ">>", OP_SHR, 8 }, { "+", OP_ADD, 9 },   { "-", OP_SUB, 9 },  { "*", OP_MUL, 10 },
	{ "/", OP_DIV, 10 }, { "%", OP_MOD, 10 },
};

static struct node *binary(struct reader *r, int min_prec)
{
	struct node *left = unary(r);
	for (;;) {
		size_t i = 0;
		while (i < sizeof(binops) / sizeof(binops[0]) && !is(r, binops[i].s))
			i++;
		if (i == sizeof(binops) / sizeof(binops[0]) || binops[i].prec < min_prec)
			return left;
		r->t++;
		left = binop(r, binops[i].op, left, binary(r, binops[i].prec + 1));
	}
}

static struct node *expr(struct reader *r)
{
	struct node *c = binary(r, 1);
	if (!accept(r, "?"))
		return c;
	struct node *n = mk(r, N_TERNARY);
	n->ternary.cond = c;
	n->ternary.then = expr(r);
	accept(r, ":");
	n->ternary.els = expr(r);
	return n;
}
