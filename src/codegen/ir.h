/* A linear IR between the AST and BPF: BPF instructions whose register
 * operands may be virtual (>= VREG_BASE), plus labels, jumps to labels and
 * map loads by map index. One struct ir is one BPF function: a program is
 * its main function followed by subprograms (map iteration callbacks),
 * each lowered on its own (own registers, own frame), then linked.
 * lower.c turns it into struct bpf_insn[]: register allocation (with
 * spilling), label resolution, map and function references.
 *
 * Physical registers appear in the IR only for what the BPF calling
 * convention fixes: r0 (helper result, program return), r1-r5 (helper
 * arguments) and r10 (frame pointer). Codegen moves values into r1-r5 right
 * before a call and takes r0 right after it; everything else is virtual. */
#ifndef SCRY_IR_H
#define SCRY_IR_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

#include "codegen/frame.h"
#include "codegen/insn.h"
#include "util/diag.h"

#define VREG_BASE 16

enum ir_kind {
	IR_INSN,   /* a BPF instruction (dst/src may be virtual) */
	IR_LABEL,  /* a jump target: label */
	IR_JUMP,   /* a conditional or unconditional jump to label */
	IR_IMM64,  /* dst = imm64 (two-slot ld_imm64) */
	IR_MAP,    /* dst = address of map number imm64 (ld_imm64 pseudo map fd) */
	IR_MAP_VALUE, /* dst = address of byte bi.imm of the one value of array map number imm64 */
	IR_FUNC,   /* dst = address of function number imm64 (ld_imm64 pseudo func), for callbacks */
	IR_NOTE,   /* no code: a comment naming the source construct that follows */
};

struct ir_insn {
	enum ir_kind kind;
	struct bpf_insn bi; /* opcode, off and imm; register fields unused */
	int dst, src;
	int label;
	uint64_t imm64;
	const char *note; /* IR_NOTE text (owned by the IR) */
	struct loc loc;   /* the script's construct it was emitted for */
};

struct ir {
	struct ir_insn *insns;
	int len, cap;
	int nvregs;
	int nlabels;
	/* per label, the index of the first jump to it, or -1 (during
	 * emission: see ir_dominates) */
	int *label_first_jump;
	/* given to every instruction appended: emission sets it to the node it
	 * emits, so a verifier error can point at the script */
	struct loc loc;
};

void ir_init(struct ir *ir);
void ir_free(struct ir *ir);
int ir_vreg(struct ir *ir);
int ir_label_new(struct ir *ir);

/* Append a BPF instruction built with insn.h; dst/src give the real operands. */
void ir_emit(struct ir *ir, struct bpf_insn bi, int dst, int src);
void ir_label(struct ir *ir, int label);
/* r = a on the path falling in here, b on the jumps to label other: a
 * test's two outcomes joined into one value. */
void ir_join_values(struct ir *ir, int r, int32_t a, int other, int32_t b);
/* Jump to label: op is BPF_JA for unconditional, else compares dst with src (or imm when src < 0). */
void ir_jump(struct ir *ir, uint8_t op, int dst, int src, int32_t imm, int label);
/* The same on the low 32 bits (BPF_JMP32): for a helper whose kernel side
 * returns int, as map updates did before 6.4 (the upper half is not a sign) */
void ir_jump32(struct ir *ir, uint8_t op, int dst, int src, int32_t imm, int label);
void ir_imm64(struct ir *ir, int dst, uint64_t value);
void ir_map(struct ir *ir, int dst, int map_index);
/* dst = &value[offset] of a one-entry array map: no lookup. */
void ir_map_value(struct ir *ir, int dst, int map_index, int32_t offset);
void ir_func(struct ir *ir, int dst, int func_index);
/* Whether every path to the IR's end so far runs through instruction index
 * pos: no label placed after pos is the target of a jump from before it.
 * A loop's back edge is not seen (its label is placed before the jump).
 * *checked: how far an earlier answer for pos looked (start it at pos), so
 * that asking again as the IR grows looks only at what is new. */
bool ir_dominates(const struct ir *ir, int pos, int *checked);
/* Which operands an instruction reads and writes. */
void ir_operand_use(const struct ir_insn *in, bool *dst_read, bool *dst_written, bool *src_read);
void ir_note(struct ir *ir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Instructions appended from now on come from loc; returns the location
 * they came from before, for the caller to put back. */
struct loc ir_set_loc(struct ir *ir, const struct loc *loc);

/* Shorthands for the common cases. */
void ir_mov(struct ir *ir, int dst, int src);
void ir_movi(struct ir *ir, int dst, int32_t imm);
void ir_alu(struct ir *ir, uint8_t op, int dst, int src);
void ir_alui(struct ir *ir, uint8_t op, int dst, int32_t imm);
void ir_load(struct ir *ir, int size, int dst, int base, int16_t off);   /* dst = *(base + off) */
void ir_store(struct ir *ir, int size, int base, int16_t off, int src);  /* *(base + off) = src */
void ir_storei(struct ir *ir, int size, int base, int16_t off, int32_t imm);
void ir_call(struct ir *ir, int helper);
/* Keep the low size bytes of v, sign- or zero-extended to 64 bits. */
void ir_extend(struct ir *ir, int v, int size, bool is_signed);
/* BPF size code (BPF_B/H/W/DW) for a byte size 1/2/4/8 */
uint8_t bpf_size(int bytes);
/* Byte size 1/2/4/8 of a load or store's size code */
int bpf_size_bytes(uint8_t code);

/* One BPF function being built: its code and its stack frame. */
struct ir_func {
	struct ir ir;
	struct frame frame;
};

/* The result of lowering: instructions plus where maps are referenced. */
struct map_ref {
	int insn; /* index of the ld_imm64 instruction */
	int map;  /* map index in the resources */
};

/* Where a function's address is loaded (resolved by prog_code_link). */
struct func_ref {
	int insn; /* index of the ld_imm64 instruction */
	int func; /* function number: the order in which functions were lowered */
};

struct prog_code {
	struct bpf_insn *insns;
	int len;
	struct map_ref *refs;
	int nrefs;
	struct func_ref *func_refs;
	int nfunc_refs;
	int *funcs; /* where each function starts; funcs[0] is the entry, 0 */
	int nfuncs;
	/* For listings: for each instruction index, a note to print before it (or NULL). */
	const char **notes;
	/* For errors: for each instruction index, where in the script it comes
	 * from (all zero: from no construct, e.g. the program's prologue) */
	struct loc *locs;
};

/* Where in the script instruction insn comes from, or fallback when the
 * code map does not say. */
const struct loc *prog_code_loc(const struct prog_code *code, int insn, const struct loc *fallback);

/* Lower ir, one function, to BPF appended to out (zeroed before the first
 * function). Spill slots come from frame. Returns 0, or -1 when the frame
 * exceeds the BPF stack or a jump spans more than a BPF jump's 16-bit
 * offset reaches (the caller reports which). */
int ir_lower(const struct ir *ir, struct frame *frame, struct prog_code *out);
/* Once every function is lowered: point each IR_FUNC load at its function. */
void prog_code_link(struct prog_code *code);
void prog_code_free(struct prog_code *code);

#endif
