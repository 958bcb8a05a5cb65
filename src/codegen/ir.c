#include "codegen/ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ir_init(struct ir *ir)
{
	memset(ir, 0, sizeof(*ir));
}

void ir_free(struct ir *ir)
{
	for (int i = 0; i < ir->len; i++)
		free((char *)ir->insns[i].note);
	free(ir->insns);
	free(ir->label_first_jump);
	memset(ir, 0, sizeof(*ir));
}

int ir_vreg(struct ir *ir) { return VREG_BASE + ir->nvregs++; }
int ir_label_new(struct ir *ir)
{
	if ((ir->nlabels & (ir->nlabels - 1)) == 0) { /* 0, 1, 2, 4, ...: double */
		ir->label_first_jump = realloc(ir->label_first_jump, (size_t)(ir->nlabels ? 2 * ir->nlabels : 1) * sizeof(int));
		if (!ir->label_first_jump)
			abort();
	}
	ir->label_first_jump[ir->nlabels] = -1;
	return ir->nlabels++;
}

bool ir_dominates(const struct ir *ir, int pos, int *checked)
{
	for (; *checked < ir->len; ++*checked) {
		const struct ir_insn *in = &ir->insns[*checked];
		if (in->kind == IR_LABEL && ir->label_first_jump[in->label] >= 0 &&
		    ir->label_first_jump[in->label] < pos)
			return false;
	}
	return true;
}

static struct ir_insn *append(struct ir *ir, enum ir_kind kind)
{
	if (ir->len == ir->cap) {
		ir->cap = ir->cap ? ir->cap * 2 : 64;
		ir->insns = realloc(ir->insns, ir->cap * sizeof(*ir->insns));
		if (!ir->insns)
			abort();
	}
	struct ir_insn *i = &ir->insns[ir->len++];
	memset(i, 0, sizeof(*i));
	i->kind = kind;
	i->label = -1;
	i->loc = ir->loc;
	return i;
}

void ir_emit(struct ir *ir, struct bpf_insn bi, int dst, int src)
{
	struct ir_insn *i = append(ir, IR_INSN);
	i->bi = bi;
	i->dst = dst;
	i->src = src;
}

void ir_label(struct ir *ir, int label)
{
	append(ir, IR_LABEL)->label = label;
}

void ir_join_values(struct ir *ir, int r, int32_t a, int other, int32_t b)
{
	int done = ir_label_new(ir);
	ir_movi(ir, r, a);
	ir_jump(ir, BPF_JA, 0, -1, 0, done);
	ir_label(ir, other);
	ir_movi(ir, r, b);
	ir_label(ir, done);
}

void ir_jump(struct ir *ir, uint8_t op, int dst, int src, int32_t imm, int label)
{
	struct ir_insn *i = append(ir, IR_JUMP);
	if (op == BPF_JA)
		i->bi = JA(0);
	else if (src < 0)
		i->bi = JMP_IMM(op, 0, imm, 0);
	else
		i->bi = JMP_REG(op, 0, 0, 0);
	i->dst = dst;
	i->src = src < 0 ? 0 : src;
	i->label = label;
	if (ir->label_first_jump[label] < 0)
		ir->label_first_jump[label] = ir->len - 1;
}

void ir_jump32(struct ir *ir, uint8_t op, int dst, int src, int32_t imm, int label)
{
	ir_jump(ir, op, dst, src, imm, label);
	struct bpf_insn *bi = &ir->insns[ir->len - 1].bi;
	bi->code = (uint8_t)((bi->code & ~0x07) | BPF_JMP32);
}

void ir_imm64(struct ir *ir, int dst, uint64_t value)
{
	struct ir_insn *i = append(ir, IR_IMM64);
	i->dst = dst;
	i->imm64 = value;
}

void ir_map(struct ir *ir, int dst, int map_index)
{
	struct ir_insn *i = append(ir, IR_MAP);
	i->dst = dst;
	i->imm64 = map_index;
}

void ir_map_value(struct ir *ir, int dst, int map_index, int32_t offset)
{
	struct ir_insn *i = append(ir, IR_MAP_VALUE);
	i->dst = dst;
	i->imm64 = map_index;
	i->bi.imm = offset;
}

void ir_func(struct ir *ir, int dst, int func_index)
{
	struct ir_insn *i = append(ir, IR_FUNC);
	i->dst = dst;
	i->imm64 = func_index;
}

void ir_note(struct ir *ir, const char *fmt, ...)
{
	char *text;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	append(ir, IR_NOTE)->note = text;
}

struct loc ir_set_loc(struct ir *ir, const struct loc *loc)
{
	struct loc outer = ir->loc;
	ir->loc = *loc;
	return outer;
}

uint8_t bpf_size(int bytes)
{
	switch (bytes) {
	case 1: return BPF_B;
	case 2: return BPF_H;
	case 4: return BPF_W;
	default: return BPF_DW;
	}
}

int bpf_size_bytes(uint8_t code)
{
	static const int bytes[] = { [BPF_B >> 3] = 1, [BPF_H >> 3] = 2, [BPF_W >> 3] = 4, [BPF_DW >> 3] = 8 };
	return bytes[BPF_SIZE(code) >> 3];
}

void ir_mov(struct ir *ir, int dst, int src) { ir_emit(ir, MOV64_REG(0, 0), dst, src); }
void ir_movi(struct ir *ir, int dst, int32_t imm) { ir_emit(ir, MOV64_IMM(0, imm), dst, 0); }
void ir_alu(struct ir *ir, uint8_t op, int dst, int src) { ir_emit(ir, ALU64_REG(op, 0, 0), dst, src); }
void ir_alui(struct ir *ir, uint8_t op, int dst, int32_t imm) { ir_emit(ir, ALU64_IMM(op, 0, imm), dst, 0); }
void ir_load(struct ir *ir, int size, int dst, int base, int16_t off)
{
	ir_emit(ir, LDX_MEM(bpf_size(size), 0, 0, off), dst, base);
}
void ir_store(struct ir *ir, int size, int base, int16_t off, int src)
{
	ir_emit(ir, STX_MEM(bpf_size(size), 0, 0, off), base, src);
}
void ir_storei(struct ir *ir, int size, int base, int16_t off, int32_t imm)
{
	ir_emit(ir, ST_MEM(bpf_size(size), 0, off, imm), base, 0);
}
void ir_call(struct ir *ir, int helper) { ir_emit(ir, CALL_HELPER(helper), 0, 0); }

void ir_extend(struct ir *ir, int v, int size, bool is_signed)
{
	if (size >= 8)
		return;
	/* a 32-bit mov clears the upper half: one instruction, not two shifts */
	if (size == 4 && !is_signed) {
		ir_emit(ir, ALU32_REG(BPF_MOV, 0, 0), v, v);
		return;
	}
	int shift = 64 - 8 * size;
	ir_alui(ir, BPF_LSH, v, shift);
	ir_alui(ir, is_signed ? BPF_ARSH : BPF_RSH, v, shift);
}

/* Which operands an instruction reads and writes. */
void ir_operand_use(const struct ir_insn *in, bool *dst_read, bool *dst_written, bool *src_read)
{
	uint8_t code = in->bi.code, cls = BPF_CLASS(code);
	*dst_read = *dst_written = *src_read = false;
	switch (in->kind) {
	case IR_JUMP:
		*dst_read = BPF_OP(code) != BPF_JA;
		*src_read = *dst_read && BPF_SRC(code) == BPF_X;
		return;
	case IR_IMM64:
	case IR_MAP:
	case IR_MAP_VALUE:
	case IR_FUNC:
		*dst_written = true;
		return;
	case IR_INSN:
		break;
	default:
		return;
	}
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		*dst_written = true;
		*dst_read = BPF_OP(code) != BPF_MOV;
		*src_read = BPF_SRC(code) == BPF_X && BPF_OP(code) != BPF_END; /* END's bit is a byte order */
		break;
	case BPF_LDX:
		*dst_written = *src_read = true;
		break;
	case BPF_STX:
		*dst_read = *src_read = true;
		break;
	case BPF_ST:
		*dst_read = true;
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (BPF_OP(code) != BPF_CALL && BPF_OP(code) != BPF_EXIT) {
			*dst_read = true;
			*src_read = BPF_SRC(code) == BPF_X;
		}
		break;
	}
}
