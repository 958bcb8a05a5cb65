/* Probes whose context is the traced CPU's registers (struct pt_regs:
 * kprobe, uprobe, usdt): where the calling convention keeps argument i and
 * the return value, per architecture. */
#ifndef SCRY_REGS_H
#define SCRY_REGS_H

#include "probes/probe.h"

#if defined(__x86_64__)
#define ARCH_NAME "x86_64"
#define REGS_NARGS 6
#elif defined(__aarch64__)
#define ARCH_NAME "arm64"
#define REGS_NARGS 8
#else
#error "scry knows the registers of x86_64 and arm64 only"
#endif

/* Offset in struct pt_regs of argument i (< REGS_NARGS), of the return value. */
int regs_arg_offset(int i);
int regs_ret_offset(void);

/* The contract's emit_arg and emit_retval for pt_regs contexts. */
int regs_emit_arg(const struct probe_emit *e, int i);
int regs_emit_retval(const struct probe_emit *e);

#endif
