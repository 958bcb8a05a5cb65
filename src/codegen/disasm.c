/* Disassembly in the syntax of the kernel verifier's log. */
#include "codegen/disasm.h"

#include <stdint.h>

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

static const char *const sizes[4] = { [BPF_W >> 3] = "u32", [BPF_H >> 3] = "u16", [BPF_B >> 3] = "u8", [BPF_DW >> 3] = "u64" };

/* Helper names from the kernel's own list, indexed by number. */
#define HELPER_NAME(x) [BPF_FUNC_##x] = #x
static const char *const helpers[] = { __BPF_FUNC_MAPPER(HELPER_NAME) };
#undef HELPER_NAME

static const char *helper_name(int32_t id)
{
	if (id >= 0 && (size_t)id < sizeof(helpers) / sizeof(helpers[0]) && helpers[id])
		return helpers[id];
	return "unknown";
}

static int alu(const struct bpf_insn *in, char *buf, size_t len)
{
	char r = BPF_CLASS(in->code) == BPF_ALU64 ? 'r' : 'w';
	uint8_t op = BPF_OP(in->code);
	if (op == BPF_NEG)
		return snprintf(buf, len, "%c%d = -%c%d", r, in->dst_reg, r, in->dst_reg), 1;
	if (op == BPF_END)
		return snprintf(buf, len, "r%d = %s%d r%d", in->dst_reg, BPF_SRC(in->code) == BPF_TO_BE ? "be" : "le",
				in->imm, in->dst_reg), 1;
	const char *sym = alu_ops[op >> 4] ? alu_ops[op >> 4] : "?=";
	if (BPF_SRC(in->code) == BPF_X)
		snprintf(buf, len, "%c%d %s %c%d", r, in->dst_reg, sym, r, in->src_reg);
	else
		snprintf(buf, len, "%c%d %s %d", r, in->dst_reg, sym, in->imm);
	return 1;
}

static int jmp(const struct bpf_insn *in, char *buf, size_t len)
{
	uint8_t op = BPF_OP(in->code);
	char r = BPF_CLASS(in->code) == BPF_JMP32 ? 'w' : 'r';
	switch (op) {
	case BPF_CALL:
		snprintf(buf, len, "call %s#%d", helper_name(in->imm), in->imm);
		return 1;
	case BPF_EXIT:
		snprintf(buf, len, "exit");
		return 1;
	case BPF_JA:
		snprintf(buf, len, "goto pc%+d", in->off);
		return 1;
	}
	const char *sym = jmp_ops[op >> 4] ? jmp_ops[op >> 4] : "?";
	if (BPF_SRC(in->code) == BPF_X)
		snprintf(buf, len, "if %c%d %s %c%d goto pc%+d", r, in->dst_reg, sym, r, in->src_reg, in->off);
	else
		snprintf(buf, len, "if %c%d %s %#x goto pc%+d", r, in->dst_reg, sym, in->imm, in->off);
	return 1;
}

int disasm_insn(const struct bpf_insn *in, char *buf, size_t len)
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
		snprintf(buf, len, "r%d = *(%s *)(r%d %+d)", in->dst_reg, size, in->src_reg, in->off);
		return 1;
	case BPF_ST:
		snprintf(buf, len, "*(%s *)(r%d %+d) = %d", size, in->dst_reg, in->off, in->imm);
		return 1;
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC)
			snprintf(buf, len, "lock *(%s *)(r%d %+d) += r%d", size, in->dst_reg, in->off, in->src_reg);
		else
			snprintf(buf, len, "*(%s *)(r%d %+d) = r%d", size, in->dst_reg, in->off, in->src_reg);
		return 1;
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			uint64_t imm = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
			if (in->src_reg == BPF_PSEUDO_MAP_FD)
				snprintf(buf, len, "r%d = map[%d] ll", in->dst_reg, in->imm);
			else
				snprintf(buf, len, "r%d = %#llx ll", in->dst_reg, (unsigned long long)imm);
			return 2;
		}
		break;
	}
	snprintf(buf, len, "(%02x) unknown", in->code);
	return 1;
}

void disasm_print(FILE *out, const struct bpf_insn *insns, int n, const char *const *notes)
{
	char text[128];
	for (int i = 0; i < n;) {
		if (notes && notes[i])
			fprintf(out, "; %s\n", notes[i]);
		int used = disasm_insn(&insns[i], text, sizeof(text));
		fprintf(out, "%4d: %s\n", i, text);
		i += used;
	}
}
