/* A disassembler for BPF instructions in the verifier's readable syntax,
 * used by `scry -d insns` and by the golden tests of the emitter. */
#ifndef SCRY_DISASM_H
#define SCRY_DISASM_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>

#include "codegen/ir.h"

/* One instruction into buf; returns how many slots it used (2 for ld_imm64). */
int disasm_insn(const struct bpf_insn *insn, char *buf, size_t len);
/* Print a program as "  INDEX: TEXT" lines; notes[i] (when notes and it
 * are not NULL) is printed as "; NOTE" before instruction i, and a line
 * "func#N:" before the first instruction of each subprogram. */
void disasm_print(FILE *out, const struct prog_code *code);

#endif
