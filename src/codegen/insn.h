/* Builders for struct bpf_insn. Each takes every operand explicitly, so an
 * emitted sequence reads like the assembly it produces. */
#ifndef SCRY_INSN_H
#define SCRY_INSN_H

#include <linux/bpf.h>
#include <stdint.h>

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };
#define FP R10

static inline struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* dst = dst OP src / imm, 64-bit and 32-bit */
static inline struct bpf_insn ALU64_REG(uint8_t op, uint8_t dst, uint8_t src)
{ return insn(BPF_ALU64 | BPF_OP(op) | BPF_X, dst, src, 0, 0); }
static inline struct bpf_insn ALU64_IMM(uint8_t op, uint8_t dst, int32_t imm)
{ return insn(BPF_ALU64 | BPF_OP(op) | BPF_K, dst, 0, 0, imm); }
static inline struct bpf_insn ALU32_REG(uint8_t op, uint8_t dst, uint8_t src)
{ return insn(BPF_ALU | BPF_OP(op) | BPF_X, dst, src, 0, 0); }
static inline struct bpf_insn ALU32_IMM(uint8_t op, uint8_t dst, int32_t imm)
{ return insn(BPF_ALU | BPF_OP(op) | BPF_K, dst, 0, 0, imm); }

static inline struct bpf_insn MOV64_REG(uint8_t dst, uint8_t src) { return ALU64_REG(BPF_MOV, dst, src); }
static inline struct bpf_insn MOV64_IMM(uint8_t dst, int32_t imm) { return ALU64_IMM(BPF_MOV, dst, imm); }

/* dst = *(size *)(src + off) */
static inline struct bpf_insn LDX_MEM(uint8_t size, uint8_t dst, uint8_t src, int16_t off)
{ return insn(BPF_LDX | BPF_SIZE(size) | BPF_MEM, dst, src, off, 0); }
/* *(size *)(dst + off) = src */
static inline struct bpf_insn STX_MEM(uint8_t size, uint8_t dst, uint8_t src, int16_t off)
{ return insn(BPF_STX | BPF_SIZE(size) | BPF_MEM, dst, src, off, 0); }
/* *(size *)(dst + off) = imm */
static inline struct bpf_insn ST_MEM(uint8_t size, uint8_t dst, int16_t off, int32_t imm)
{ return insn(BPF_ST | BPF_SIZE(size) | BPF_MEM, dst, 0, off, imm); }
/* lock *(size *)(dst + off) += src */
static inline struct bpf_insn ATOMIC_ADD(uint8_t size, uint8_t dst, uint8_t src, int16_t off)
{ return insn(BPF_STX | BPF_SIZE(size) | BPF_ATOMIC, dst, src, off, BPF_ADD); }

/* if (dst OP src / imm) goto pc + off */
static inline struct bpf_insn JMP_REG(uint8_t op, uint8_t dst, uint8_t src, int16_t off)
{ return insn(BPF_JMP | BPF_OP(op) | BPF_X, dst, src, off, 0); }
static inline struct bpf_insn JMP_IMM(uint8_t op, uint8_t dst, int32_t imm, int16_t off)
{ return insn(BPF_JMP | BPF_OP(op) | BPF_K, dst, 0, off, imm); }
static inline struct bpf_insn JA(int16_t off) { return insn(BPF_JMP | BPF_JA, 0, 0, off, 0); }

static inline struct bpf_insn CALL_HELPER(int32_t helper) { return insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
static inline struct bpf_insn EXIT_INSN(void) { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

/* The two halves of a 64-bit immediate load: dst = imm64, or dst = map (by fd). */
static inline struct bpf_insn LD_IMM64_LO(uint8_t dst, uint8_t src, uint64_t imm)
{ return insn(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (int32_t)(uint32_t)imm); }
static inline struct bpf_insn LD_IMM64_HI(uint64_t imm)
{ return insn(0, 0, 0, 0, (int32_t)(uint32_t)(imm >> 32)); }

#endif
