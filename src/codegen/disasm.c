/* Disassembly in the syntax of the kernel verifier's log (kernel/bpf/disasm.c),
 * so a listing from `scry -d` reads like the verifier's complaints about it. */
#include "codegen/disasm.h"

#include <stdint.h>

#include "util/helper_names.h"

#define BPF_LD_IMM64 (BPF_LD | BPF_DW | BPF_IMM)

/* Operator spellings, indexed by BPF_OP(code) >> 4. */
static const char *const alu_ops[16] = {
	[BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=", [BPF_DIV >> 4] = "/=",
	[BPF_OR >> 4] = "|=", [BPF_AND >> 4] = "&=", [BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=",
	[BPF_MOD >> 4] = "%=", [BPF_XOR >> 4] = "^=", [BPF_MOV >> 4] = "=", [BPF_ARSH >> 4] = "s>>=",
};

static const char *const jmp_ops[16] = {
	[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">", [BPF_JGE >> 4] = ">=", [BPF_JSET >> 4] = "&",
	[BPF_JNE >> 4] = "!=", [BPF_JSGT >> 4] = "s>", [BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<",
	[BPF_JLE >> 4] = "<=", [BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};

/* Names of the fetching atomics, indexed by BPF_OP(imm) >> 4. */
static const char *const atomic_fetch_ops[16] = {
	[BPF_ADD >> 4] = "fetch_add", [BPF_AND >> 4] = "fetch_and", [BPF_OR >> 4] = "fetch_or",
	[BPF_XOR >> 4] = "fetch_xor", [BPF_XCHG >> 4] = "xchg",
};

/* Indexed by BPF_SIZE(code) >> 3. */
static const char *const sizes[4] = {
	[BPF_W >> 3] = "u32", [BPF_H >> 3] = "u16", [BPF_B >> 3] = "u8", [BPF_DW >> 3] = "u64",
};

static int alu(const struct bpf_insn *in, char *buf, size_t len)
{
	char r = BPF_CLASS(in->code) == BPF_ALU64 ? 'r' : 'w';
	uint8_t op = BPF_OP(in->code);
	const char *sym = alu_ops[op >> 4];
	if (op == BPF_NEG)
		return snprintf(buf, len, "%c%d = -%c%d", r, in->dst_reg, r, in->dst_reg);
	if (op == BPF_END && r == 'r') /* the 64-bit class form is an unconditional swap */
		return snprintf(buf, len, "r%d = bswap%d r%d", in->dst_reg, in->imm, in->dst_reg);
	if (op == BPF_END)
		return snprintf(buf, len, "r%d = %s%d r%d", in->dst_reg, BPF_SRC(in->code) == BPF_TO_BE ? "be" : "le",
				in->imm, in->dst_reg);
	if (!sym)
		return -1;
	if (BPF_SRC(in->code) == BPF_X)
		return snprintf(buf, len, "%c%d %s %c%d", r, in->dst_reg, sym, r, in->src_reg);
	return snprintf(buf, len, "%c%d %s %d", r, in->dst_reg, sym, in->imm);
}

static int call(const struct bpf_insn *in, char *buf, size_t len)
{
	if (in->src_reg == BPF_PSEUDO_CALL)
		return snprintf(buf, len, "call pc%+d", in->imm);
	if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
		return snprintf(buf, len, "call kernel-function");
	const char *name = helper_name(in->imm);
	if (!name)
		return snprintf(buf, len, "call unknown#%d", in->imm);
	return snprintf(buf, len, "call bpf_%s#%d", name, in->imm);
}

static int jmp(const struct bpf_insn *in, char *buf, size_t len)
{
	uint8_t op = BPF_OP(in->code);
	char r = BPF_CLASS(in->code) == BPF_JMP32 ? 'w' : 'r';
	const char *sym = jmp_ops[op >> 4];
	switch (op) {
	case BPF_CALL:
		return call(in, buf, len);
	case BPF_EXIT:
		return snprintf(buf, len, "exit");
	case BPF_JA: /* the 32-bit class form carries its offset in imm */
		return r == 'w' ? snprintf(buf, len, "gotol pc%+d", in->imm) : snprintf(buf, len, "goto pc%+d", in->off);
	}
	if (!sym)
		return -1;
	if (BPF_SRC(in->code) == BPF_X)
		return snprintf(buf, len, "if %c%d %s %c%d goto pc%+d", r, in->dst_reg, sym, r, in->src_reg, in->off);
	return snprintf(buf, len, "if %c%d %s 0x%x goto pc%+d", r, in->dst_reg, sym, (uint32_t)in->imm, in->off);
}

static int atomic(const struct bpf_insn *in, char *buf, size_t len)
{
	const char *size = sizes[BPF_SIZE(in->code) >> 3];
	const char *bits = BPF_SIZE(in->code) == BPF_DW ? "64" : "";
	int op = in->imm & ~BPF_FETCH;
	const char *plain = op == BPF_XCHG || op == BPF_CMPXCHG ? NULL : alu_ops[op >> 4];
	const char *fetch = atomic_fetch_ops[op >> 4];
	if (in->imm == BPF_CMPXCHG)
		return snprintf(buf, len, "r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", bits, size, in->dst_reg,
				in->off, in->src_reg);
	if (!(in->imm & BPF_FETCH) && plain)
		return snprintf(buf, len, "lock *(%s *)(r%d %+d) %s r%d", size, in->dst_reg, in->off, plain,
				in->src_reg);
	if ((in->imm & BPF_FETCH) && fetch)
		return snprintf(buf, len, "r%d = atomic%s_%s((%s *)(r%d %+d), r%d)", in->src_reg, bits, fetch, size,
				in->dst_reg, in->off, in->src_reg);
	return -1;
}

/* dst = imm64 over two slots; map loads name the map index the IR put in imm,
 * function loads their target relative to the next instruction, as calls do. */
static int ld_imm64(const struct bpf_insn *in, char *buf, size_t len)
{
	uint64_t imm = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
	switch (in->src_reg) {
	case BPF_PSEUDO_MAP_FD:
		return snprintf(buf, len, "r%d = map[%d] ll", in->dst_reg, in->imm);
	case BPF_PSEUDO_MAP_VALUE:
		return snprintf(buf, len, "r%d = map[%d][0]+%d ll", in->dst_reg, in->imm, in[1].imm);
	case BPF_PSEUDO_FUNC:
		return snprintf(buf, len, "r%d = func pc%+d ll", in->dst_reg, in->imm);
	case 0:
		return snprintf(buf, len, "r%d = 0x%llx ll", in->dst_reg, (unsigned long long)imm);
	}
	return -1;
}

static int text(const struct bpf_insn *in, char *buf, size_t len)
{
	const char *size = sizes[BPF_SIZE(in->code) >> 3];
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return alu(in, buf, len);
	case BPF_JMP:
	case BPF_JMP32:
		return jmp(in, buf, len);
	case BPF_LDX:
		if (BPF_MODE(in->code) != BPF_MEM)
			return -1;
		return snprintf(buf, len, "r%d = *(%s *)(r%d %+d)", in->dst_reg, size, in->src_reg, in->off);
	case BPF_ST:
		if (BPF_MODE(in->code) != BPF_MEM)
			return -1;
		return snprintf(buf, len, "*(%s *)(r%d %+d) = %d", size, in->dst_reg, in->off, in->imm);
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC)
			return atomic(in, buf, len);
		if (BPF_MODE(in->code) != BPF_MEM)
			return -1;
		return snprintf(buf, len, "*(%s *)(r%d %+d) = r%d", size, in->dst_reg, in->off, in->src_reg);
	case BPF_LD:
		if (in->code == BPF_LD_IMM64)
			return ld_imm64(in, buf, len);
		break;
	}
	return -1;
}

int disasm_insn(const struct bpf_insn *in, char *buf, size_t len)
{
	if (text(in, buf, len) < 0)
		snprintf(buf, len, "(%02x) unknown instruction", in->code);
	return in->code == BPF_LD_IMM64 ? 2 : 1;
}

void disasm_print(FILE *out, const struct prog_code *code)
{
	const struct bpf_insn *insns = code->insns;
	const char *const *notes = code->notes;
	int n = code->len, func = 1;
	char line[128];
	for (int i = 0; i < n;) {
		/* the verifier's name for a subprogram, as in its log */
		if (func < code->nfuncs && code->funcs[func] == i)
			fprintf(out, "func#%d:\n", func++);
		if (notes && notes[i])
			fprintf(out, "; %s\n", notes[i]);
		/* a truncated program must not make us read past its end */
		if (insns[i].code == BPF_LD_IMM64 && i + 1 == n) {
			fprintf(out, "%4d: (18) ld_imm64 without its second half\n", i);
			break;
		}
		int used = disasm_insn(&insns[i], line, sizeof(line));
		fprintf(out, "%4d: %s\n", i, line);
		i += used;
	}
}
