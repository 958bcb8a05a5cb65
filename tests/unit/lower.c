/* Golden tests of the disassembler and of IR lowering (register allocation,
 * spilling, labels, map references). Every lowered program is also loaded
 * through the kernel verifier and run with BPF_PROG_TEST_RUN, so a listing
 * is proven to compute the right value, not only to look as expected.
 * Needs root. Prints each failure with expected and got; exits 1 on any. */
#include <bpf/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/cg.h"
#include "codegen/disasm.h"
#include "codegen/frame.h"
#include "codegen/ir.h"

static int failures;

static void fail(const char *name, const char *what, const char *expected, const char *got)
{
	fprintf(stderr, "FAIL %s: %s\n--- expected\n%s\n--- got\n%s\n", name, what, expected, got);
	failures++;
}

static void check_str(const char *name, const char *what, const char *expected, const char *got)
{
	if (strcmp(expected, got))
		fail(name, what, expected, got);
}

static void check_int(const char *name, const char *what, long expected, long got)
{
	char e[32], g[32];
	snprintf(e, sizeof(e), "%ld", expected);
	snprintf(g, sizeof(g), "%ld", got);
	check_str(name, what, e, g);
}

/* ---- the disassembler, one instruction at a time ---- */

static void test_disasm(void)
{
	/* automatic, not static: the builders are functions, not constants */
	const struct {
		struct bpf_insn insn[2];
		const char *text;
	} cases[] = {
		{ { MOV64_REG(R1, R10) }, "r1 = r10" },
		{ { ALU64_IMM(BPF_ADD, R1, -8) }, "r1 += -8" },
		{ { ALU32_IMM(BPF_MOV, R2, 5) }, "w2 = 5" },
		{ { ALU32_REG(BPF_XOR, R3, R4) }, "w3 ^= w4" },
		{ { ALU32_REG(BPF_MOV, R6, R0) }, "w6 = w0" }, /* a zero-extending copy */
		{ { ALU64_IMM(BPF_ARSH, R5, 3) }, "r5 s>>= 3" },
		{ { ALU64_IMM(BPF_NEG, R6, 0) }, "r6 = -r6" },
		{ { insn(BPF_ALU | BPF_END | BPF_TO_BE, R1, 0, 0, 16) }, "r1 = be16 r1" },
		{ { insn(BPF_ALU | BPF_END | BPF_TO_LE, R1, 0, 0, 64) }, "r1 = le64 r1" },
		{ { LDX_MEM(BPF_DW, R0, R1, 8) }, "r0 = *(u64 *)(r1 +8)" },
		{ { LDX_MEM(BPF_B, R2, R3, -1) }, "r2 = *(u8 *)(r3 -1)" },
		{ { STX_MEM(BPF_W, R10, R1, -4) }, "*(u32 *)(r10 -4) = r1" },
		{ { ST_MEM(BPF_DW, R10, -16, 0) }, "*(u64 *)(r10 -16) = 0" },
		{ { ATOMIC_ADD(BPF_DW, R1, R2, 0) }, "lock *(u64 *)(r1 +0) += r2" },
		{ { insn(BPF_STX | BPF_W | BPF_ATOMIC, R1, R2, 4, BPF_ADD | BPF_FETCH) },
		  "r2 = atomic_fetch_add((u32 *)(r1 +4), r2)" },
		{ { insn(BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_CMPXCHG) },
		  "r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)" },
		{ { JMP_IMM(BPF_JEQ, R1, 0, 3) }, "if r1 == 0x0 goto pc+3" },
		{ { JMP_IMM(BPF_JSGT, R1, -1, 1) }, "if r1 s> 0xffffffff goto pc+1" },
		{ { JMP_REG(BPF_JSLT, R2, R3, -2) }, "if r2 s< r3 goto pc-2" },
		{ { JMP_REG(BPF_JLE, R2, R3, 7) }, "if r2 <= r3 goto pc+7" },
		{ { insn(BPF_JMP32 | BPF_JGE | BPF_K, R4, 0, 2, 10) }, "if w4 >= 0xa goto pc+2" },
		{ { insn(BPF_JMP32 | BPF_JSET | BPF_X, R4, R5, 2, 0) }, "if w4 & w5 goto pc+2" },
		{ { JA(-5) }, "goto pc-5" },
		{ { CALL_HELPER(BPF_FUNC_map_lookup_elem) }, "call bpf_map_lookup_elem#1" },
		{ { CALL_HELPER(BPF_FUNC_get_current_pid_tgid) }, "call bpf_get_current_pid_tgid#14" },
		{ { CALL_HELPER(BPF_FUNC_ringbuf_output) }, "call bpf_ringbuf_output#130" },
		{ { CALL_HELPER(BPF_FUNC_probe_read_kernel_str) }, "call bpf_probe_read_kernel_str#115" },
		{ { CALL_HELPER(BPF_FUNC_find_vma) }, "call bpf_find_vma#180" },
		{ { CALL_HELPER(100000) }, "call unknown#100000" },
		{ { insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 12) }, "call pc+12" },
		{ { EXIT_INSN() }, "exit" },
		{ { LD_IMM64_LO(R1, BPF_PSEUDO_MAP_FD, 3), LD_IMM64_HI(0) }, "r1 = map[3] ll" },
		{ { LD_IMM64_LO(R1, 0, 0x123456789ULL), LD_IMM64_HI(0x123456789ULL) }, "r1 = 0x123456789 ll" },
		{ { LD_IMM64_LO(R2, 0, 0), LD_IMM64_HI(0) }, "r2 = 0x0 ll" },
		{ { LD_IMM64_LO(R2, BPF_PSEUDO_FUNC, 9), LD_IMM64_HI(0) }, "r2 = func pc+9 ll" },
		{ { insn(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0) }, "(20) unknown instruction" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[128], name[32];
		int used = disasm_insn(cases[i].insn, text, sizeof(text));
		snprintf(name, sizeof(name), "disasm[%zu]", i);
		check_str(name, "text", cases[i].text, text);
		check_int(name, "slots", cases[i].insn[0].code == (BPF_LD | BPF_DW | BPF_IMM) ? 2 : 1, used);
	}
}

/* ---- IR programs ---- */

/* Every program runs as a raw tracepoint whose context is these arguments. */
static uint64_t ctx_args[2];
#define CTX_PID 0 /* our tgid, to compare bpf_get_current_pid_tgid with */
#define CTX_SEVEN 1

static void ret_exit(struct ir *ir, int v)
{
	ir_mov(ir, R0, v);
	ir_emit(ir, EXIT_INSN(), 0, 0);
}

/* return ((5 * 7 - 3) << 2) | 5 = 133 */
static void build_arith(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int a = ir_vreg(ir), b = ir_vreg(ir);
	ir_note(ir, "a = 5; b = a * 7 - 3");
	ir_movi(ir, a, 5);
	ir_mov(ir, b, a);
	ir_alui(ir, BPF_MUL, b, 7);
	ir_alui(ir, BPF_SUB, b, 3);
	ir_note(ir, "return (b << 2) | a, in 32 bits");
	ir_alui(ir, BPF_LSH, b, 2);
	ir_emit(ir, ALU32_REG(BPF_OR, 0, 0), b, a);
	ret_exit(ir, b);
}

/* x = ctx[1] (7); return x s> 5 ? x * 2 : 1 */
static void build_if_else(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int ctx = ir_vreg(ir), x = ir_vreg(ir), y = ir_vreg(ir);
	int big = ir_label_new(ir), end = ir_label_new(ir);
	ir_mov(ir, ctx, R1);
	ir_load(ir, 8, x, ctx, CTX_SEVEN * 8);
	ir_jump(ir, BPF_JSGT, x, -1, 5, big);
	ir_movi(ir, y, 1);
	ir_jump(ir, BPF_JA, 0, -1, 0, end);
	ir_label(ir, big);
	ir_mov(ir, y, x);
	ir_alui(ir, BPF_MUL, y, 2);
	ir_label(ir, end);
	ret_exit(ir, y);
}

/* step = 3; for (i = 0; i < 5; i += 1) sum += i * step; return sum (30).
 * step's last use in linear order is early in the body, but it is needed on
 * every trip: u, defined after that use while t still holds a register,
 * must not take step's. */
static void build_loop(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int sum = ir_vreg(ir), i = ir_vreg(ir), step = ir_vreg(ir), t = ir_vreg(ir), u = ir_vreg(ir);
	int top = ir_label_new(ir);
	ir_movi(ir, sum, 0);
	ir_movi(ir, i, 0);
	ir_movi(ir, step, 3);
	ir_label(ir, top);
	ir_mov(ir, t, i);
	ir_alu(ir, BPF_MUL, t, step);
	ir_movi(ir, u, 1);
	ir_alu(ir, BPF_ADD, i, u);
	ir_alu(ir, BPF_ADD, sum, t);
	ir_jump(ir, BPF_JLT, i, -1, 5, top);
	ret_exit(ir, sum);
}

/* Five values live at once in three registers; the result is built in r0,
 * reading spilled values straight from their slots: 12345. */
static void build_spill(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int v[5];
	for (int k = 0; k < 5; k++) {
		v[k] = ir_vreg(ir);
		ir_movi(ir, v[k], k + 1);
	}
	ir_mov(ir, R0, v[0]);
	for (int k = 1; k < 5; k++) {
		ir_alui(ir, BPF_MUL, R0, 10);
		ir_alu(ir, BPF_ADD, R0, v[k]);
	}
	ir_emit(ir, EXIT_INSN(), 0, 0);
}

/* A spilled x's slot is freed when x ends; v, spilled later but live since
 * before x ended, must not get that slot (it would overwrite x): 6137. */
static void build_spill_slot_reuse(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int x = ir_vreg(ir), a = ir_vreg(ir), b = ir_vreg(ir), c = ir_vreg(ir);
	int v = ir_vreg(ir), d = ir_vreg(ir), e = ir_vreg(ir), f = ir_vreg(ir);
	ir_movi(ir, x, 7);
	ir_movi(ir, a, 1);
	ir_movi(ir, b, 2);
	ir_movi(ir, c, 3);      /* x, ending last, spills */
	ir_alu(ir, BPF_ADD, a, c);
	ir_alu(ir, BPF_ADD, b, a);
	ir_mov(ir, v, b);       /* v = 6, in the register c had */
	ir_movi(ir, d, 10);
	ir_movi(ir, e, 20);
	ir_alu(ir, BPF_ADD, d, x); /* x's last use: d = 17 */
	ir_movi(ir, f, 100);    /* v, ending last, spills */
	ir_alu(ir, BPF_ADD, d, f);
	ir_alu(ir, BPF_ADD, d, e);
	ir_alui(ir, BPF_MUL, v, 1000);
	ir_alu(ir, BPF_ADD, v, d);
	ret_exit(ir, v);
}

/* Four values live across two helper calls; returns their sum (1+2+3+40)
 * when bpf_get_current_pid_tgid names our process, else 0. */
static void build_helpers(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int ctx = ir_vreg(ir), pid = ir_vreg(ir), t = ir_vreg(ir), ret = ir_vreg(ir);
	int k[4], out = ir_label_new(ir);
	ir_mov(ir, ctx, R1);
	ir_load(ir, 8, pid, ctx, CTX_PID * 8);
	for (int j = 0; j < 4; j++) {
		k[j] = ir_vreg(ir);
		ir_movi(ir, k[j], j == 3 ? 40 : j + 1);
	}
	ir_note(ir, "t = pid()");
	ir_call(ir, BPF_FUNC_get_current_pid_tgid);
	ir_mov(ir, t, R0);
	ir_alui(ir, BPF_RSH, t, 32);
	ir_note(ir, "nsecs, thrown away: clobbers r0-r5 again");
	ir_call(ir, BPF_FUNC_ktime_get_ns);
	ir_movi(ir, ret, 0);
	ir_jump(ir, BPF_JNE, t, pid, 0, out);
	for (int j = 0; j < 4; j++)
		ir_alu(ir, BPF_ADD, ret, k[j]);
	ir_label(ir, out);
	ret_exit(ir, ret);
}

/* @m[0] = 77 through map 1, then read it back: 77. */
static void build_map(struct ir *ir, struct frame *frame)
{
	int key = frame_alloc(frame, 8), val = frame_alloc(frame, 8);
	int m = ir_vreg(ir), p = ir_vreg(ir), ret = ir_vreg(ir), out = ir_label_new(ir);
	ir_storei(ir, 4, FP, key, 0);
	ir_storei(ir, 8, FP, val, 77);
	ir_note(ir, "update(map 1, 0, 77)");
	ir_map(ir, m, 1);
	ir_mov(ir, R1, m);
	ir_mov(ir, R2, FP);
	ir_alui(ir, BPF_ADD, R2, key);
	ir_mov(ir, R3, FP);
	ir_alui(ir, BPF_ADD, R3, val);
	ir_movi(ir, R4, BPF_ANY);
	ir_call(ir, BPF_FUNC_map_update_elem);
	ir_note(ir, "lookup(map 1, 0)");
	ir_map(ir, R1, 1);
	ir_mov(ir, R2, FP);
	ir_alui(ir, BPF_ADD, R2, key);
	ir_call(ir, BPF_FUNC_map_lookup_elem);
	ir_mov(ir, p, R0);
	ir_movi(ir, ret, 0);
	ir_jump(ir, BPF_JEQ, p, -1, 0, out);
	ir_load(ir, 8, ret, p, 0);
	ir_label(ir, out);
	ret_exit(ir, ret);
}

/* After ir_peephole: t, pid()'s result, is read after instructions whose
 * spilled sources lowering fills through r0, so it must not be left in r0
 * (the pids would differ): 4 * 7 + 0 + 1 + 2 + 3 = 34. */
static void build_r0_across_fills(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int ctx = ir_vreg(ir), pid = ir_vreg(ir), t = ir_vreg(ir), ret = ir_vreg(ir);
	int k[4], out = ir_label_new(ir);
	ir_mov(ir, ctx, R1);
	ir_load(ir, 8, pid, ctx, CTX_PID * 8);
	for (int j = 0; j < 4; j++) {
		k[j] = ir_vreg(ir);
		ir_load(ir, 8, k[j], ctx, CTX_SEVEN * 8);
		ir_alui(ir, BPF_ADD, k[j], j);
	}
	ir_movi(ir, ret, 0);
	ir_call(ir, BPF_FUNC_get_current_pid_tgid);
	ir_mov(ir, t, R0);
	for (int j = 0; j < 4; j++)
		ir_alu(ir, BPF_ADD, ret, k[j]);
	ir_alui(ir, BPF_RSH, t, 32);
	ir_jump(ir, BPF_JEQ, t, pid, 0, out);
	ir_movi(ir, ret, 0);
	ir_label(ir, out);
	ret_exit(ir, ret);
	ir_peephole(ir);
}

/* After ir_peephole: the result copied out of r0 is used from r0 (no mov),
 * the constant stored and compared as immediates (its two u32 halves
 * stored as one u64), the jump over a goto inverted and the goto to the
 * next instruction gone: 1 when the pid is ours. */
static void build_peephole_shapes(struct ir *ir, struct frame *frame)
{
	int slot = frame_alloc(frame, 8);
	int ctx = ir_vreg(ir), pid = ir_vreg(ir), t = ir_vreg(ir), c = ir_vreg(ir), one = ir_vreg(ir);
	int ret = ir_vreg(ir), same = ir_label_new(ir), out = ir_label_new(ir), end = ir_label_new(ir);
	ir_mov(ir, ctx, R1);
	ir_load(ir, 8, pid, ctx, CTX_PID * 8);
	ir_movi(ir, c, 7);
	ir_store(ir, 4, FP, slot, c);
	ir_storei(ir, 4, FP, slot + 4, 0);
	ir_call(ir, BPF_FUNC_get_current_pid_tgid);
	ir_mov(ir, t, R0);
	ir_alui(ir, BPF_RSH, t, 32);
	ir_movi(ir, ret, 0);
	ir_jump(ir, BPF_JEQ, t, pid, 0, same);
	ir_jump(ir, BPF_JA, 0, -1, 0, out);
	ir_label(ir, same);
	ir_load(ir, 8, ret, FP, slot);
	ir_movi(ir, one, 7);
	ir_jump(ir, BPF_JNE, ret, one, 0, out);
	ir_movi(ir, ret, 1);
	ir_jump(ir, BPF_JA, 0, -1, 0, end);
	ir_label(ir, end);
	ir_label(ir, out);
	ret_exit(ir, ret);
	ir_peephole(ir);
}

/* forward_copies: a copy read once while both registers hold still is not
 * made; one whose original changes first stays. 100 - 7 + 7 + 8 = 108. */
static void build_copy_forward(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int a = ir_vreg(ir), b = ir_vreg(ir), c = ir_vreg(ir), r = ir_vreg(ir);
	ir_load(ir, 8, a, R1, CTX_SEVEN * 8);
	ir_mov(ir, b, a);
	ir_mov(ir, c, a);
	ir_movi(ir, r, 100);
	ir_alu(ir, BPF_SUB, r, b);
	ir_alui(ir, BPF_ADD, a, 1);
	ir_alu(ir, BPF_ADD, r, c);
	ir_alu(ir, BPF_ADD, r, a);
	ret_exit(ir, r);
	ir_peephole(ir);
}

/* backward_copies: a value computed only to be copied is computed in the
 * copy's register, but not where a jump leaves on the way (b must stay 5
 * there) nor where the copy's register is read on the way (c).
 * a = 7 * 3 + 1, b = 5, c = 1000 + 7: 22 + 5 + 1007 = 1034. */
static void build_copy_backward(struct ir *ir, struct frame *frame)
{
	(void)frame;
	int x = ir_vreg(ir), t = ir_vreg(ir), a = ir_vreg(ir), u = ir_vreg(ir), b = ir_vreg(ir);
	int w = ir_vreg(ir), c = ir_vreg(ir), out = ir_label_new(ir);
	ir_load(ir, 8, x, R1, CTX_SEVEN * 8);
	ir_mov(ir, t, x);
	ir_alui(ir, BPF_MUL, t, 3);
	ir_alui(ir, BPF_ADD, t, 1);
	ir_mov(ir, a, t);
	ir_movi(ir, b, 5);
	ir_mov(ir, u, x);
	ir_alui(ir, BPF_ADD, u, 100);
	ir_jump(ir, BPF_JEQ, x, -1, 7, out);
	ir_mov(ir, b, u);
	ir_label(ir, out);
	ir_movi(ir, c, 1000);
	ir_mov(ir, w, x);
	ir_alu(ir, BPF_ADD, w, c);
	ir_mov(ir, c, w);
	ir_alu(ir, BPF_ADD, a, b);
	ir_alu(ir, BPF_ADD, a, c);
	ret_exit(ir, a);
	ir_peephole(ir);
}

static const struct lower_case {
	const char *name;
	void (*build)(struct ir *ir, struct frame *frame);
	int frame_used; /* stack taken before the allocator's spill slots */
	int rc;         /* what ir_lower returns */
	int stack;      /* frame high-water mark after lowering */
	const char *listing;
	const char *refs; /* "insn:map ..." */
	uint32_t retval;
} lower_cases[] = {
	{ "arith", build_arith, 0, 0, 0,
	  "; a = 5; b = a * 7 - 3\n"
	  "   0: r6 = 5\n"
	  "   1: r7 = r6\n"
	  "   2: r7 *= 7\n"
	  "   3: r7 -= 3\n"
	  "; return (b << 2) | a, in 32 bits\n"
	  "   4: r7 <<= 2\n"
	  "   5: w7 |= w6\n"
	  "   6: r0 = r7\n"
	  "   7: exit\n",
	  "", 133 },
	{ "if_else", build_if_else, 0, 0, 0,
	  "   0: r6 = r1\n"
	  "   1: r7 = *(u64 *)(r6 +8)\n"
	  "   2: if r7 s> 0x5 goto pc+2\n"
	  "   3: r6 = 1\n"
	  "   4: goto pc+2\n"
	  "   5: r6 = r7\n"
	  "   6: r6 *= 2\n"
	  "   7: r0 = r6\n"
	  "   8: exit\n",
	  "", 14 },
	{ "loop", build_loop, 0, 0, 16,
	  "   0: *(u64 *)(r10 -16) = 0\n"
	  "   1: r7 = 0\n"
	  "   2: *(u64 *)(r10 -8) = 3\n"
	  "   3: r8 = r7\n"
	  "   4: r0 = *(u64 *)(r10 -8)\n"
	  "   5: r8 *= r0\n"
	  "   6: r6 = 1\n"
	  "   7: r7 += r6\n"
	  "   8: r9 = *(u64 *)(r10 -16)\n"
	  "   9: r9 += r8\n"
	  "  10: *(u64 *)(r10 -16) = r9\n"
	  "  11: if r7 < 0x5 goto pc-9\n"
	  "  12: r0 = *(u64 *)(r10 -16)\n"
	  "  13: exit\n",
	  "", 30 },
	{ "spill", build_spill, 0, 0, 16,
	  "   0: r6 = 1\n"
	  "   1: r7 = 2\n"
	  "   2: r8 = 3\n"
	  "   3: *(u64 *)(r10 -8) = 4\n"
	  "   4: *(u64 *)(r10 -16) = 5\n"
	  "   5: r0 = r6\n"
	  "   6: r0 *= 10\n"
	  "   7: r0 += r7\n"
	  "   8: r0 *= 10\n"
	  "   9: r0 += r8\n"
	  "  10: r0 *= 10\n"
	  "  11: r9 = *(u64 *)(r10 -8)\n"
	  "  12: r0 += r9\n"
	  "  13: r0 *= 10\n"
	  "  14: r9 = *(u64 *)(r10 -16)\n"
	  "  15: r0 += r9\n"
	  "  16: exit\n",
	  "", 12345 },
	{ "spill_slot_reuse", build_spill_slot_reuse, 0, 0, 16,
	  "   0: *(u64 *)(r10 -8) = 7\n"
	  "   1: r7 = 1\n"
	  "   2: r8 = 2\n"
	  "   3: r6 = 3\n"
	  "   4: r7 += r6\n"
	  "   5: r8 += r7\n"
	  "   6: *(u64 *)(r10 -16) = r8\n"
	  "   7: r7 = 10\n"
	  "   8: r8 = 20\n"
	  "   9: r0 = *(u64 *)(r10 -8)\n"
	  "  10: r7 += r0\n"
	  "  11: r6 = 100\n"
	  "  12: r7 += r6\n"
	  "  13: r7 += r8\n"
	  "  14: r9 = *(u64 *)(r10 -16)\n"
	  "  15: r9 *= 1000\n"
	  "  16: *(u64 *)(r10 -16) = r9\n"
	  "  17: r9 += r7\n"
	  "  18: *(u64 *)(r10 -16) = r9\n"
	  "  19: r0 = *(u64 *)(r10 -16)\n"
	  "  20: exit\n",
	  "", 6137 },
	{ "helpers", build_helpers, 0, 0, 32,
	  "   0: r6 = r1\n"
	  "   1: r7 = *(u64 *)(r6 +0)\n"
	  "   2: *(u64 *)(r10 -32) = 1\n"
	  "   3: *(u64 *)(r10 -24) = 2\n"
	  "   4: *(u64 *)(r10 -8) = 3\n"
	  "   5: *(u64 *)(r10 -16) = 40\n"
	  "; t = pid()\n"
	  "   6: call bpf_get_current_pid_tgid#14\n"
	  "   7: r8 = r0\n"
	  "   8: r8 >>= 32\n"
	  "; nsecs, thrown away: clobbers r0-r5 again\n"
	  "   9: call bpf_ktime_get_ns#5\n"
	  "  10: r6 = 0\n"
	  "  11: if r8 != r7 goto pc+8\n"
	  "  12: r0 = *(u64 *)(r10 -32)\n"
	  "  13: r6 += r0\n"
	  "  14: r0 = *(u64 *)(r10 -24)\n"
	  "  15: r6 += r0\n"
	  "  16: r0 = *(u64 *)(r10 -8)\n"
	  "  17: r6 += r0\n"
	  "  18: r0 = *(u64 *)(r10 -16)\n"
	  "  19: r6 += r0\n"
	  "  20: r0 = r6\n"
	  "  21: exit\n",
	  "", 46 },
	{ "map", build_map, 0, 0, 16,
	  "   0: *(u32 *)(r10 -8) = 0\n"
	  "   1: *(u64 *)(r10 -16) = 77\n"
	  "; update(map 1, 0, 77)\n"
	  "   2: r6 = map[1] ll\n"
	  "   4: r1 = r6\n"
	  "   5: r2 = r10\n"
	  "   6: r2 += -8\n"
	  "   7: r3 = r10\n"
	  "   8: r3 += -16\n"
	  "   9: r4 = 0\n"
	  "  10: call bpf_map_update_elem#2\n"
	  "; lookup(map 1, 0)\n"
	  "  11: r1 = map[1] ll\n"
	  "  13: r2 = r10\n"
	  "  14: r2 += -8\n"
	  "  15: call bpf_map_lookup_elem#1\n"
	  "  16: r6 = r0\n"
	  "  17: r7 = 0\n"
	  "  18: if r6 == 0x0 goto pc+1\n"
	  "  19: r7 = *(u64 *)(r6 +0)\n"
	  "  20: r0 = r7\n"
	  "  21: exit\n",
	  "2:1 11:1", 77 },
	{ "r0_across_fills", build_r0_across_fills, 0, 0, 32, NULL, "", 34 },
	{ "peephole_shapes", build_peephole_shapes, 0, 0, 8,
	  "   0: r6 = *(u64 *)(r1 +0)\n"
	  "   1: *(u64 *)(r10 -8) = 7\n"
	  "   2: call bpf_get_current_pid_tgid#14\n"
	  "   3: r0 >>= 32\n"
	  "   4: r7 = 0\n"
	  "   5: if r0 != r6 goto pc+3\n"
	  "   6: r7 = *(u64 *)(r10 -8)\n"
	  "   7: if r7 != 0x7 goto pc+1\n"
	  "   8: r7 = 1\n"
	  "   9: r0 = r7\n"
	  "  10: exit\n",
	  "", 1 },
	/* two spill slots on top of 496 bytes fill the stack exactly */
	{ "copy_forward", build_copy_forward, 0, 0, 0,
	  "   0: r6 = *(u64 *)(r1 +8)\n"
	  "   1: r7 = r6\n"
	  "   2: r8 = 100\n"
	  "   3: r8 -= r6\n"
	  "   4: r6 += 1\n"
	  "   5: r8 += r7\n"
	  "   6: r8 += r6\n"
	  "   7: r0 = r8\n"
	  "   8: exit\n",
	  "", 108 },
	{ "copy_backward", build_copy_backward, 0, 0, 16,
	  "   0: r6 = *(u64 *)(r1 +8)\n"
	  "   1: *(u64 *)(r10 -16) = r6\n"
	  "   2: r9 = *(u64 *)(r10 -16)\n"
	  "   3: r9 *= 3\n"
	  "   4: *(u64 *)(r10 -16) = r9\n"
	  "   5: r9 += 1\n"
	  "   6: *(u64 *)(r10 -16) = r9\n"
	  "   7: *(u64 *)(r10 -8) = 5\n"
	  "   8: r8 = r6\n"
	  "   9: r8 += 100\n"
	  "  10: if r6 == 0x7 goto pc+1\n"
	  "  11: *(u64 *)(r10 -8) = r8\n"
	  "  12: r8 = 1000\n"
	  "  13: r7 = r6\n"
	  "  14: r7 += r8\n"
	  "  15: r8 = r7\n"
	  "  16: r0 = *(u64 *)(r10 -8)\n"
	  "  17: r9 = *(u64 *)(r10 -16)\n"
	  "  18: r9 += r0\n"
	  "  19: *(u64 *)(r10 -16) = r9\n"
	  "  20: r9 += r8\n"
	  "  21: *(u64 *)(r10 -16) = r9\n"
	  "  22: r0 = *(u64 *)(r10 -16)\n"
	  "  23: exit\n",
	  "", 1034 },
	{ "stack_full", build_spill, 496, 0, 512, NULL, "", 12345 },
	{ "stack_overflow", build_spill, 504, -1, 520, NULL, "", 0 },
};

#define MAX_MAPS 8

/* Load code through the verifier with a map for each map index it names,
 * and run it once. Returns 0 and sets *retval, or -1 after reporting. */
static int load_and_run(const char *name, const struct prog_code *code, uint32_t *retval)
{
	int fds[MAX_MAPS], prog = -1, rc = -1;
	struct bpf_insn *insns = malloc(code->len * sizeof(*insns));
	memcpy(insns, code->insns, code->len * sizeof(*insns));
	for (int m = 0; m < MAX_MAPS; m++)
		fds[m] = -1;
	for (int r = 0; r < code->nrefs; r++) {
		int m = code->refs[r].map;
		if (m < 0 || m >= MAX_MAPS) {
			fail(name, "map index", "0..7", "out of range");
			goto out;
		}
		if (fds[m] < 0)
			fds[m] = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 1, NULL);
		if (fds[m] < 0) {
			fail(name, "bpf_map_create", "a map", strerror(-fds[m]));
			goto out;
		}
		insns[code->refs[r].insn].imm = fds[m];
	}

	prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, name, "GPL", insns, code->len, NULL);
	if (prog < 0) {
		/* again with a log, only now that there is something to read */
		static char log[1 << 16];
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
		prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, name, "GPL", insns, code->len, &opts);
		fail(name, "verifier", "accepted", log);
		goto out;
	}
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = ctx_args, .ctx_size_in = sizeof(ctx_args));
	int err = bpf_prog_test_run_opts(prog, &run);
	if (err) {
		fail(name, "test run", "0", strerror(-err));
		goto out;
	}
	*retval = run.retval;
	rc = 0;
out:
	if (prog >= 0)
		close(prog);
	for (int m = 0; m < MAX_MAPS; m++)
		if (fds[m] >= 0)
			close(fds[m]);
	free(insns);
	return rc;
}

static void print_refs(FILE *f, const struct prog_code *code)
{
	for (int r = 0; r < code->nrefs; r++)
		fprintf(f, "%s%d:%d", r ? " " : "", code->refs[r].insn, code->refs[r].map);
}

/* What a printer writes about code, as a string to compare. */
static char *text_of(void (*print)(FILE *, const struct prog_code *), const struct prog_code *code)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	print(f, code);
	fclose(f);
	return text;
}

static void test_lower(const struct lower_case *c)
{
	struct ir ir;
	struct frame frame = { .used = c->frame_used, .high = c->frame_used };
	struct prog_code code = { 0 };
	ir_init(&ir);
	c->build(&ir, &frame);
	int rc = ir_lower(&ir, &frame, &code);
	check_int(c->name, "ir_lower", c->rc, rc);
	check_int(c->name, "stack", c->stack, frame.high);
	if (rc == 0) {
		char *text = text_of(disasm_print, &code), *refs = text_of(print_refs, &code);
		if (c->listing)
			check_str(c->name, "listing", c->listing, text);
		check_str(c->name, "map refs", c->refs, refs);
		uint32_t retval;
		if (load_and_run(c->name, &code, &retval) == 0)
			check_int(c->name, "return value", c->retval, retval);
		free(text);
		free(refs);
	}
	prog_code_free(&code);
	ir_free(&ir);
}

/* Every condition, 64- and 32-bit, as a jump over a goto: ir_peephole
 * inverts all but JSET (no inverse), and the program, run, takes each
 * branch as C does: ret = ret * 3 + (7 op c) over every op and c. */
static const uint8_t jump_ops[] = { BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
				    BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET };
static const int32_t jump_consts[] = { 6, 7, 8, -1 };

static bool jump_taken(uint8_t op, bool wide, int64_t x, int32_t c)
{
	uint64_t ux = wide ? (uint64_t)x : (uint32_t)x, uc = wide ? (uint64_t)(int64_t)c : (uint32_t)c;
	int64_t sx = wide ? x : (int32_t)x, sc = c;
	switch (op) {
	case BPF_JEQ: return ux == uc;
	case BPF_JNE: return ux != uc;
	case BPF_JGT: return ux > uc;
	case BPF_JGE: return ux >= uc;
	case BPF_JLT: return ux < uc;
	case BPF_JLE: return ux <= uc;
	case BPF_JSGT: return sx > sc;
	case BPF_JSGE: return sx >= sc;
	case BPF_JSLT: return sx < sc;
	case BPF_JSLE: return sx <= sc;
	default: return (ux & uc) != 0; /* JSET */
	}
}

static void test_inverted_jumps(void)
{
	struct ir ir;
	struct frame frame = { 0 };
	struct prog_code code = { 0 };
	ir_init(&ir);
	int x = ir_vreg(&ir), ret = ir_vreg(&ir);
	uint32_t expected = 0;
	int jsets = 0;
	ir_load(&ir, 8, x, R1, CTX_SEVEN * 8);
	ir_movi(&ir, ret, 0);
	for (int wide = 0; wide < 2; wide++) {
		for (size_t o = 0; o < sizeof(jump_ops); o++) {
			for (size_t k = 0; k < sizeof(jump_consts) / sizeof(jump_consts[0]); k++) {
				int taken = ir_label_new(&ir), next = ir_label_new(&ir);
				ir_alui(&ir, BPF_MUL, ret, 3);
				(wide ? ir_jump : ir_jump32)(&ir, jump_ops[o], x, -1, jump_consts[k], taken);
				ir_jump(&ir, BPF_JA, 0, -1, 0, next);
				ir_label(&ir, taken);
				ir_alui(&ir, BPF_ADD, ret, 1);
				ir_label(&ir, next);
				expected = expected * 3 + jump_taken(jump_ops[o], wide, 7, jump_consts[k]);
				jsets += jump_ops[o] == BPF_JSET;
			}
		}
	}
	ret_exit(&ir, ret);
	ir_peephole(&ir);
	check_int("inverted_jumps", "ir_lower", 0, ir_lower(&ir, &frame, &code));
	int gotos = 0;
	for (int i = 0; i < code.len; i++)
		gotos += code.insns[i].code == (BPF_JMP | BPF_JA);
	check_int("inverted_jumps", "gotos left (JSET's)", jsets, gotos);
	uint32_t retval;
	if (load_and_run("inverted_jumps", &code, &retval) == 0)
		check_int("inverted_jumps", "return value", expected, retval);
	prog_code_free(&code);
	ir_free(&ir);
}

/* Two functions lowered into one program: each has its own registers and
 * frame, and the linked ld_imm64 points at the second one. (Loading needs
 * BTF func_info: the e2e tests of for loops do that.) */
static void test_link(void)
{
	struct ir main_ir, cb;
	struct frame main_frame = { 0 }, cb_frame = { 0 };
	struct prog_code code = { 0 };
	ir_init(&main_ir);
	ir_init(&cb);
	int v = ir_vreg(&main_ir);
	ir_movi(&main_ir, v, 3);
	ir_func(&main_ir, R2, 1);
	ret_exit(&main_ir, v);
	int w = ir_vreg(&cb);
	ir_movi(&cb, w, 1);
	ret_exit(&cb, w);
	check_int("link", "main", 0, ir_lower(&main_ir, &main_frame, &code));
	check_int("link", "callback", 0, ir_lower(&cb, &cb_frame, &code));
	prog_code_link(&code);
	char *text = text_of(disasm_print, &code);
	check_str("link", "listing",
		  "   0: r6 = 3\n"
		  "   1: r2 = func pc+3 ll\n"
		  "   3: r0 = r6\n"
		  "   4: exit\n"
		  "func#1:\n"
		  "   5: r6 = 1\n"
		  "   6: r0 = r6\n"
		  "   7: exit\n",
		  text);
	free(text);
	prog_code_free(&code);
	ir_free(&main_ir);
	ir_free(&cb);
}

/* ir_dominates: what a jump from before a position can skip. Positions
 * are IR indexes, as cse.c takes them (ir->len after the value's copy). */
static void test_dominates(void)
{
	struct ir ir;
	ir_init(&ir);
	int v = ir_vreg(&ir), skip = ir_label_new(&ir), els = ir_label_new(&ir), done = ir_label_new(&ir);
	ir_jump(&ir, BPF_JEQ, v, -1, 0, skip); /* before: jumps past what follows */
	ir_movi(&ir, v, 1);
	int pos = ir.len, checked = pos;
	/* a diamond after pos: both arms come through pos */
	ir_jump(&ir, BPF_JEQ, v, -1, 0, els);
	ir_movi(&ir, v, 2);
	ir_jump(&ir, BPF_JA, 0, -1, 0, done);
	ir_label(&ir, els);
	ir_movi(&ir, v, 3);
	ir_label(&ir, done);
	check_int("dominates", "after a diamond", 1, ir_dominates(&ir, pos, &checked));
	check_int("dominates", "scan resumes at the end", ir.len, checked);
	ir_label(&ir, skip); /* the jump from before pos lands here */
	ir_movi(&ir, v, 4);
	check_int("dominates", "past a jump from before", 0, ir_dominates(&ir, pos, &checked));
	ir_free(&ir);
}

int main(void)
{
	ctx_args[CTX_PID] = getpid();
	ctx_args[CTX_SEVEN] = 7;
	test_disasm();
	int n = sizeof(lower_cases) / sizeof(lower_cases[0]);
	for (int i = 0; i < n; i++)
		test_lower(&lower_cases[i]);
	test_link();
	test_dominates();
	test_inverted_jumps();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
