/* Maps in the language: declaration (key and value types, one kernel map
 * per script map) and the code for reading, assigning and aggregating. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "codegen/cg.h"

/* A key's type, a multi-key's the tuple of its keys; integers are 64-bit.
 * A tuple is no key: bpftrace refuses it and points to a multi-key. */
static const struct type *key_elem_type(struct cg *cg, struct node *map, struct node *e, bool *ok)
{
	const struct type *t = sema_expr(cg, e);
	if (!t) {
		*ok = false;
	} else if (t->kind == T_TUPLE) {
		sema_error(cg, &map->loc, "%s",
			   "tuple cannot be used as a map key. Try a multi-key associative array instead (eg `@map[$1, $2] = ...)`.");
		*ok = false;
	} else if (t->kind == T_INT) {
		t = type_int(8, t->is_signed);
	}
	return t;
}

static const struct type *key_type(struct cg *cg, struct node *map, bool *ok)
{
	struct node *key = map->map.key;
	*ok = true;
	if (!key)
		return NULL;
	if (!map->map.multi_key)
		return key_elem_type(cg, map, key, ok);
	const struct type *elems[32];
	int n = 0;
	for (struct node *e = key->tuple.elems; e && n < 32; e = e->next)
		elems[n++] = key_elem_type(cg, map, e, ok);
	return *ok ? type_tuple(elems, n) : NULL;
}

static void key_names(const struct type *key, bool multi, char *buf, size_t len)
{
	if (!key) {
		snprintf(buf, len, "[]");
		return;
	}
	/* bpftrace names an integer key unsigned, whatever its sign */
	char inner[256] = "";
	size_t o = 0;
	for (int i = 0; i < (multi ? key->nfields : 1); i++) {
		const struct type *k = multi ? key->fields[i].type : key;
		char t[128];
		type_name(k->kind == T_INT ? type_int(8, false) : k, t, sizeof(t));
		o += snprintf(inner + o, sizeof(inner) - o, "%s%s", i ? ", " : "", t);
	}
	snprintf(buf, len, "[%s]", inner);
}

static bool has_bucket(const struct type *value)
{
	return value->kind == T_AGG && (value->agg == AGG_HIST || value->agg == AGG_LHIST);
}

/* An aggregation whose only key is bounded lives in a per-CPU array of its
 * entries: count()'s one (as in bpftrace 0.17), a histogram's buckets. The
 * verifier inlines an array's lookup (no hashing, no helper call), and its
 * entries always exist: no insert path. */
static bool keyless_array(const struct type *key, const struct type *value)
{
	return !key && value->kind == T_AGG && (value->agg == AGG_COUNT || has_bucket(value));
}

/* hist/lhist hash keys end with the bucket, 8-byte aligned after the script's key;
 * other maps without a key have a u64 0 */
static uint32_t key_size(const struct type *key, const struct type *value)
{
	if (keyless_array(key, value))
		return 4; /* an array's index */
	if (has_bucket(value))
		return (uint32_t)((key ? key->size : 0) + 7) / 8 * 8 + 8;
	return key ? (uint32_t)key->size : 8;
}

/* Where a histogram's bucket sits in its kernel key at key_off: at its end. */
static int bucket_off(const struct map_res *m, int key_off)
{
	return key_off + (int)(m->key_size - map_bucket_size(m));
}

/* An array's entries: a histogram's buckets and the slot zero() sets
 * (resources.h: map_bucket_array), or count()'s one */
static uint32_t array_entries(const struct map_res *m)
{
	return has_bucket(m->value) ? (uint32_t)map_buckets(m) + 1 : 1;
}

int map_declare(struct cg *cg, struct node *map, const struct type *value, const struct node *call)
{
	bool ok;
	const struct type *key = key_type(cg, map, &ok);
	if (!ok)
		return -1;
	char name[256];
	snprintf(name, sizeof(name), "@%s", map->map.name);
	bool multi = map->map.multi_key;
	int idx = resources_find_map(cg->res, name);

	if (idx < 0) {
		if (!value) {
			sema_error(cg, &map->loc, "Undefined map: %s", name);
			return -1;
		}
		struct map_res m = {
			.name = name, .key = key, .multi_key = multi, .value = value, .loc = map->loc,
			.key_size = key_size(key, value), .max_entries = MAP_DEFAULT_ENTRIES, /* BPFTRACE_MAP_KEYS_MAX: cli/env.c */
		};
		if (value->kind == T_AGG) {
			bool array = keyless_array(key, value);
			m.bpf_type = array ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_PERCPU_HASH;
			m.value_size = agg_value_size(value->agg);
			if (value->agg == AGG_LHIST) { /* literals in range: funcs.c checked them */
				struct node *a = call->call.args->next;
				int64_t v[3] = { 0, 0, 1 };
				for (int i = 0; i < 3; i++, a = a->next)
					int_literal(a, &v[i]);
				m.lhist_min = (int)v[0];
				m.lhist_max = (int)v[1];
				m.lhist_step = (int)v[2];
			}
			m.max_entries = array ? array_entries(&m) : m.max_entries;
		} else {
			m.bpf_type = BPF_MAP_TYPE_HASH;
			m.value_size = value->size;
		}
		idx = resources_add_map(cg->res, &m);
		ty_set(cg, map, value);
		return idx;
	}

	struct map_res *m = &cg->res->maps[idx];
	const struct type *ukey = key && m->key ? type_unify(m->key, key) : NULL;
	if ((m->key == NULL) != (key == NULL) || (key && !ukey)) {
		char have[256], want[256];
		key_names(key, multi, have, sizeof(have));
		key_names(m->key, m->multi_key, want, sizeof(want));
		sema_error(cg, &map->loc, "Argument mismatch for %s: trying to access with arguments: %s when map expects arguments: %s",
			   name, have, want);
		return -1;
	}
	const struct type *uvalue = value && m->value->kind != T_AGG ? type_unify(m->value, value) : m->value;
	if (value && (!uvalue || (m->value->kind == T_AGG && !type_equal(m->value, value)))) {
		char have[128], want[128];
		type_name(value, have, sizeof(have));
		type_name(m->value, want, sizeof(want));
		sema_error(cg, &map->loc, "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'",
			   name, have, want);
		return -1;
	}
	/* strings (also inside tuples) grow to the longest ever stored */
	if (ukey && ukey != m->key) {
		m->key_size = key_size(ukey, m->value);
		m->key = ukey;
	}
	if (value && uvalue != m->value) {
		m->value = uvalue;
		m->value_size = uvalue->size;
	}
	ty_set(cg, map, m->value);
	return idx;
}

int map_index(struct cg *cg, const struct node *map)
{
	char name[256];
	snprintf(name, sizeof(name), "@%s", map->map.name);
	return resources_find_map(cg->res, name);
}

static struct map_res *map_of(struct cg *cg, struct node *map, int *idx)
{
	*idx = map_index(cg, map);
	return &cg->res->maps[*idx];
}

/* A tuple of scalars (integers, pointers, ...), laid end to end over all of
 * size: writing each writes every byte. */
static bool scalars_only(const struct type *t, int size)
{
	if (t->kind != T_TUPLE)
		return false;
	int end = 0;
	for (int i = 0; i < t->nfields; i++) {
		const struct field *f = &t->fields[i];
		if (!type_is_scalar(f->type) || f->offset != end)
			return false;
		end += f->type->size;
	}
	return end == size;
}

/* Whether writing key fills every byte of the map's key t: a scalar, a
 * tuple of scalars, or values that fill themselves (comm) laid end to end. */
static bool key_fills(struct cg *cg, struct node *key, const struct type *t, int size)
{
	if (scalars_only(t, size) || (type_is_scalar(t) && t->size == size))
		return true;
	if (key->kind != N_TUPLE)
		return emit_writes_all(cg, key, size);
	int i = 0, end = 0;
	for (struct node *e = key->tuple.elems; e; e = e->next, i++) {
		const struct field *f = &t->fields[i];
		if (f->offset != end || !(type_is_scalar(f->type) || emit_writes_all(cg, e, f->type->size)))
			return false;
		end = f->offset + f->type->size;
	}
	return end == size;
}

int emit_map_key(struct cg *cg, struct node *map)
{
	int idx;
	struct map_res *m = map_of(cg, map, &idx);
	int off = frame_alloc(&cg->frame, m->key_size);
	struct node *key = map->map.key;
	if (!key) {
		if (!has_bucket(m->value)) /* a histogram's caller stores the bucket */
			ir_storei(cg->ir, m->key_size == 4 ? 4 : 8, FP, off, 0);
		return off;
	}
	if (m->key->kind == T_INT) {
		int v = emit_expr(cg, key);
		ir_store(cg->ir, 8, FP, off, v);
		return off;
	}
	/* keys are compared bytewise: padding and string tails must be zero */
	if (!key_fills(cg, key, m->key, m->key_size))
		emit_zero(cg, FP, off, m->key_size);
	if (map->map.multi_key) {
		int i = 0;
		for (struct node *e = key->tuple.elems; e; e = e->next, i++) {
			const struct field *f = &m->key->fields[i];
			if (f->type->kind == T_INT)
				ir_store(cg->ir, 8, FP, off + f->offset, emit_expr(cg, e));
			else
				emit_expr_to(cg, e, FP, off + f->offset);
		}
	} else {
		emit_expr_to(cg, key, FP, off);
	}
	return off;
}

/* r1 = map, r2 = fp + key_off, call lookup; returns a vreg with the result.
 * A read of the script's value (checked) is one -kk reports when the key is
 * absent, as bpftrace does; an aggregation's first update is not. */
static int emit_lookup(struct cg *cg, int map_idx, int key_off, bool checked)
{
	ir_map(cg->ir, R1, map_idx);
	ir_mov(cg->ir, R2, FP);
	ir_alui(cg->ir, BPF_ADD, R2, key_off);
	if (checked)
		return emit_helper_call(cg, BPF_FUNC_map_lookup_elem, map_idx);
	ir_call(cg->ir, BPF_FUNC_map_lookup_elem);
	int p = ir_vreg(cg->ir);
	ir_mov(cg->ir, p, R0);
	return p;
}

static void emit_map_put(struct cg *cg, int map_idx, int key_off, int val_off, int flags)
{
	ir_map(cg->ir, R1, map_idx);
	ir_mov(cg->ir, R2, FP);
	ir_alui(cg->ir, BPF_ADD, R2, key_off);
	ir_mov(cg->ir, R3, FP);
	ir_alui(cg->ir, BPF_ADD, R3, val_off);
	ir_movi(cg->ir, R4, flags);
	int err = emit_helper_call(cg, BPF_FUNC_map_update_elem, map_idx);
	/* a full map drops the new key: count it, for the warning at exit.
	 * ir_peephole makes this one jump, if (err != -E2BIG) goto done; the
	 * verifier then explores the counting path first, and a while loop of
	 * updates verifies to the same trip count (4000, not 4100, on 6.18) */
	int full = ir_label_new(cg->ir), done = ir_label_new(cg->ir);
	/* before 6.4 the verifier calls the map's update, which returns int:
	 * -E2BIG arrives as 0xfffffff9, compared on 32 bits */
	ir_jump32(cg->ir, BPF_JEQ, err, -1, -E2BIG, full);
	ir_jump(cg->ir, BPF_JA, 0, -1, 0, done);
	ir_label(cg->ir, full);
	emit_count_full(cg, map_idx);
	ir_label(cg->ir, done);
}

/* The bucket of a power-of-two histogram, as bpftrace numbers them:
 * 0 for negative values, 1 for 0, then floor(log2(v)) + 2. Six fixed
 * compare-and-shift steps, no loop: the first tests the high half by
 * shifting (an immediate holds 32 bits), the others compare with 1 << shift. */
static int emit_log2_bucket(struct cg *cg, int v)
{
	struct ir *ir = cg->ir;
	int n = ir_vreg(ir), r = ir_vreg(ir), t = ir_vreg(ir);
	int done = ir_label_new(ir), low = ir_label_new(ir);
	ir_mov(ir, n, v);
	ir_movi(ir, r, 0);
	ir_jump(ir, BPF_JSLT, n, -1, 0, done);
	ir_movi(ir, r, 1);
	ir_jump(ir, BPF_JEQ, n, -1, 0, done);
	ir_movi(ir, r, 2);
	ir_mov(ir, t, n);
	ir_alui(ir, BPF_RSH, t, 32);
	ir_jump(ir, BPF_JEQ, t, -1, 0, low);
	ir_mov(ir, n, t);
	ir_alui(ir, BPF_ADD, r, 32);
	ir_label(ir, low);
	for (int shift = 16; shift > 0; shift /= 2) {
		int skip = ir_label_new(ir);
		ir_jump(ir, BPF_JLT, n, -1, 1 << shift, skip);
		ir_alui(ir, BPF_RSH, n, shift);
		ir_alui(ir, BPF_ADD, r, shift);
		ir_label(ir, skip);
	}
	ir_label(ir, done);
	return r;
}

/* The bucket of a linear histogram: 0 below min, 1 + (v - min) / step
 * inside, and one past the last for values >= max. */
static int emit_linear_bucket(struct cg *cg, int v, const struct map_res *m)
{
	struct ir *ir = cg->ir;
	int r = ir_vreg(ir), done = ir_label_new(ir);
	int nbuckets = (m->lhist_max - m->lhist_min) / m->lhist_step;
	ir_movi(ir, r, 0);
	ir_jump(ir, BPF_JSLT, v, -1, m->lhist_min, done);
	ir_movi(ir, r, nbuckets + 1);
	ir_jump(ir, BPF_JSGE, v, -1, m->lhist_max, done);
	ir_mov(ir, r, v);
	ir_alui(ir, BPF_SUB, r, m->lhist_min);
	ir_alui(ir, BPF_DIV, r, m->lhist_step);
	ir_alui(ir, BPF_ADD, r, 1);
	ir_label(ir, done);
	return r;
}

/* Update an aggregation in place. Maps are per-CPU, so plain loads and
 * stores are race-free. */
static void emit_aggregate(struct cg *cg, int idx, const struct map_res *m, int key_off, int x)
{
	struct ir *ir = cg->ir;
	enum agg_kind agg = m->value->agg;
	int init = ir_label_new(ir), done = ir_label_new(ir);
	int p = emit_lookup(cg, idx, key_off, false);
	int t = ir_vreg(ir);
	/* an array's entry always exists: the verifier wants the test, no insert follows */
	bool array = m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY || m->bpf_type == BPF_MAP_TYPE_ARRAY;
	ir_jump(ir, BPF_JEQ, p, -1, 0, array ? done : init);
	switch (agg) {
	case AGG_COUNT:
	case AGG_HIST:
	case AGG_LHIST:
	case AGG_SUM:
		ir_load(ir, 8, t, p, 0);
		if (agg == AGG_SUM)
			ir_alu(ir, BPF_ADD, t, x);
		else
			ir_alui(ir, BPF_ADD, t, 1);
		ir_store(ir, 8, p, 0, t);
		break;
	case AGG_MIN:
	case AGG_MAX: {
		/* this CPU's slot of a key another CPU made is zero and unseen:
		 * its first value is taken as it is, and marks it seen */
		int skip = ir_label_new(ir), take = ir_label_new(ir);
		ir_load(ir, 8, t, p, 8);
		ir_jump(ir, BPF_JEQ, t, -1, 0, take);
		ir_load(ir, 8, t, p, 0);
		ir_jump(ir, agg == AGG_MIN ? BPF_JSLE : BPF_JSGE, t, x, 0, skip);
		ir_label(ir, take);
		ir_store(ir, 8, p, 0, x);
		ir_storei(ir, 8, p, 8, 1);
		ir_label(ir, skip);
		break;
	}
	case AGG_AVG:
	case AGG_STATS:
		ir_load(ir, 8, t, p, 0);
		ir_alu(ir, BPF_ADD, t, x);
		ir_store(ir, 8, p, 0, t);
		ir_load(ir, 8, t, p, 8);
		ir_alui(ir, BPF_ADD, t, 1);
		ir_store(ir, 8, p, 8, t);
		break;
	}
	if (array) {
		ir_label(ir, done);
		return;
	}
	ir_jump(ir, BPF_JA, 0, -1, 0, done);

	ir_label(ir, init);
	int val = frame_alloc(&cg->frame, m->value_size);
	if (agg == AGG_SUM || agg == AGG_MIN || agg == AGG_MAX || agg == AGG_AVG || agg == AGG_STATS)
		ir_store(ir, 8, FP, val, x);
	else
		ir_storei(ir, 8, FP, val, 1);
	if (m->value_size == 16)
		ir_storei(ir, 8, FP, val + 8, 1);
	emit_map_put(cg, idx, key_off, val, BPF_ANY);
	ir_label(ir, done);
}

void emit_map_assign(struct cg *cg, struct node *assign)
{
	struct node *map = assign->assign.target, *value = assign->assign.value;
	int idx;
	const struct map_res *m = map_of(cg, map, &idx);
	struct ir *ir = cg->ir;

	if (m->value->kind != T_AGG) {
		int val = frame_alloc(&cg->frame, m->value_size);
		/* the value first: its code may call helpers that clobber r1-r5 */
		if (m->value->kind == T_INT) {
			ir_store(ir, 8, FP, val, emit_expr(cg, value));
		} else {
			if ((uint32_t)ty(cg, value)->size < m->value_size)
				emit_zero(cg, FP, val, m->value_size);
			emit_expr_to(cg, value, FP, val);
		}
		int key = emit_map_key(cg, map);
		emit_map_put(cg, idx, key, val, BPF_ANY);
		cse_forget(cg, idx);
		return;
	}

	enum agg_kind agg = m->value->agg;
	int x = -1;
	if (agg != AGG_COUNT)
		x = emit_expr(cg, value->call.args);
	int key = emit_map_key(cg, map);
	if (agg == AGG_HIST || agg == AGG_LHIST) {
		int bucket = agg == AGG_HIST ? emit_log2_bucket(cg, x) : emit_linear_bucket(cg, x, m);
		ir_store(ir, (int)map_bucket_size(m), FP, bucket_off(m, key), bucket);
	}
	emit_aggregate(cg, idx, m, key, x);
	cse_forget(cg, idx);
}

int emit_agg_read(struct cg *cg, int map_idx, int key_off)
{
	struct ir *ir = cg->ir;
	enum agg_kind agg = cg->res->maps[map_idx].value->agg;
	int total = ir_vreg(ir), seen = ir_vreg(ir), cpu = ir_vreg(ir), p = ir_vreg(ir), v = ir_vreg(ir);
	int top = ir_label_new(ir), take = ir_label_new(ir), next = ir_label_new(ir), done = ir_label_new(ir);
	ir_movi(ir, total, 0);
	ir_movi(ir, seen, 0);
	ir_movi(ir, cpu, 0);
	ir_label(ir, top);
	ir_jump(ir, BPF_JGE, cpu, -1, libbpf_num_possible_cpus(), done);
	ir_map(ir, R1, map_idx);
	emit_addr(cg, R2, FP, key_off);
	ir_mov(ir, R3, cpu);
	ir_call(ir, BPF_FUNC_map_lookup_percpu_elem);
	ir_mov(ir, p, R0);
	ir_jump(ir, BPF_JEQ, p, -1, 0, done);
	ir_load(ir, 8, v, p, 0);
	if (agg == AGG_MIN || agg == AGG_MAX) {
		int w = ir_vreg(ir);
		ir_load(ir, 8, w, p, 8);
		ir_jump(ir, BPF_JEQ, w, -1, 0, next);
		ir_jump(ir, BPF_JEQ, seen, -1, 0, take);
		ir_jump(ir, agg == AGG_MIN ? BPF_JSGE : BPF_JSLE, v, total, 0, next);
		ir_label(ir, take);
		ir_mov(ir, total, v);
		ir_movi(ir, seen, 1);
	} else {
		ir_alu(ir, BPF_ADD, total, v);
		if (agg == AGG_AVG) {
			ir_load(ir, 8, v, p, 8);
			ir_alu(ir, BPF_ADD, seen, v); /* the number of values */
		}
	}
	ir_label(ir, next);
	ir_alui(ir, BPF_ADD, cpu, 1);
	ir_jump(ir, BPF_JA, 0, -1, 0, top);
	ir_label(ir, done);
	if (agg == AGG_AVG)
		total = emit_arith(cg, OP_DIV, total, seen, true);
	return total;
}

int emit_map_read(struct cg *cg, struct node *map)
{
	int idx;
	const struct map_res *m = map_of(cg, map, &idx);
	struct ir *ir = cg->ir;
	int v = cse_reuse(cg, map);
	if (v >= 0)
		return v;
	int key = emit_map_key(cg, map);
	if (m->value->kind == T_AGG)
		return emit_agg_read(cg, idx, key);
	int p = emit_lookup(cg, idx, key, true), done = ir_label_new(ir);
	v = ir_vreg(ir);
	ir_movi(ir, v, 0);
	ir_jump(ir, BPF_JEQ, p, -1, 0, done);
	ir_load(ir, 8, v, p, 0);
	ir_label(ir, done);
	cse_keep(cg, map, idx, v);
	return v;
}

void emit_map_read_to(struct cg *cg, struct node *map, int base, int off)
{
	int idx;
	const struct map_res *m = map_of(cg, map, &idx);
	struct ir *ir = cg->ir;
	int key = emit_map_key(cg, map);
	int p = emit_lookup(cg, idx, key, true);
	int found = ir_label_new(ir), done = ir_label_new(ir);
	ir_jump(ir, BPF_JNE, p, -1, 0, found);
	emit_zero(cg, base, off, m->value_size);
	ir_jump(ir, BPF_JA, 0, -1, 0, done);
	ir_label(ir, found);
	emit_copy(cg, base, off, p, 0, m->value_size);
	ir_label(ir, done);
}

int emit_map_update(struct cg *cg, struct node *map, enum op op, int x)
{
	int idx;
	const struct map_res *m = map_of(cg, map, &idx);
	struct ir *ir = cg->ir;
	int key = emit_map_key(cg, map);
	int p = emit_lookup(cg, idx, key, true);
	int v = ir_vreg(ir), absent = ir_label_new(ir), done = ir_label_new(ir);
	ir_jump(ir, BPF_JEQ, p, -1, 0, absent);
	ir_load(ir, 8, v, p, 0);
	ir_mov(ir, v, emit_arith(cg, op, v, x, m->value->is_signed));
	ir_store(ir, 8, p, 0, v);
	ir_jump(ir, BPF_JA, 0, -1, 0, done);
	ir_label(ir, absent);
	ir_movi(ir, v, 0);
	ir_mov(ir, v, emit_arith(cg, op, v, x, m->value->is_signed));
	int val = frame_alloc(&cg->frame, 8);
	ir_store(ir, 8, FP, val, v);
	emit_map_put(cg, idx, key, val, BPF_ANY);
	ir_label(ir, done);
	cse_forget(cg, idx);
	return v;
}

/* A keyed histogram is one hash entry per bucket: delete them all, the
 * bucket ending the key counted from 0 (bpftrace 0.17 deletes the one
 * whose number its stack happens to hold; later bpftraces the histogram) */
static void emit_delete_buckets(struct cg *cg, int idx, const struct map_res *m, int key)
{
	struct ir *ir = cg->ir;
	int bucket = ir_vreg(ir), next = ir_label_new(ir);
	ir_movi(ir, bucket, 0);
	ir_label(ir, next);
	ir_store(ir, (int)map_bucket_size(m), FP, bucket_off(m, key), bucket);
	ir_map(ir, R1, idx);
	emit_addr(cg, R2, FP, key);
	ir_call(ir, BPF_FUNC_map_delete_elem); /* absent buckets: no -k warning */
	ir_alui(ir, BPF_ADD, bucket, 1);
	ir_jump(ir, BPF_JLT, bucket, -1, map_buckets(m), next);
}

void emit_map_delete(struct cg *cg, struct node *map)
{
	int idx;
	const struct map_res *m = map_of(cg, map, &idx);
	int key = emit_map_key(cg, map);
	if (map_bucket_array(m)) /* bpftrace's delete(@) of a histogram: its first bucket */
		ir_storei(cg->ir, (int)map_bucket_size(m), FP, key, 0);
	if (m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		/* an array's entry cannot go: zero this CPU's value */
		int p = emit_lookup(cg, idx, key, false), done = ir_label_new(cg->ir);
		ir_jump(cg->ir, BPF_JEQ, p, -1, 0, done);
		ir_storei(cg->ir, 8, p, 0, 0);
		ir_label(cg->ir, done);
	} else if (has_bucket(m->value)) {
		emit_delete_buckets(cg, idx, m, key);
	} else {
		ir_map(cg->ir, R1, idx);
		emit_addr(cg, R2, FP, key);
		emit_helper_stmt(cg, BPF_FUNC_map_delete_elem, idx);
	}
	cse_forget(cg, idx);
}
