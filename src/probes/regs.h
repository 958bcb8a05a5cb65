/* Probes whose context is the traced CPU's registers (struct pt_regs:
 * kprobe, uprobe, usdt): where the calling convention keeps argument i and
 * the return value. One table row per architecture; the machine's own is
 * the default, and listings (-d) may pick another (SCRY_ARCH). */
#ifndef SCRY_REGS_H
#define SCRY_REGS_H

#include <stdbool.h>

#include "probes/probe.h"

#define REGS_MAX_ARGS 8

struct regs_layout {
	const char *name;                 /* as bpftrace names it: "x86_64", "arm64" */
	int nargs;                        /* arguments passed in registers */
	int arg_offsets[REGS_MAX_ARGS];   /* offset in pt_regs of argument i < nargs */
	int ret_offset;                   /* of the return value */
};

/* The layout code is emitted for. */
const struct regs_layout *regs_arch(void);
/* The layout of the machine scry was built for. */
const struct regs_layout *regs_native(void);
/* Emit for the architecture named; -1 when scry knows no such one. */
int regs_select(const char *name);
/* The names scry knows, separated by ", ", into buf. */
void regs_names(char *buf, size_t len);

/* The contract's emit_arg, arg_error and emit_retval for pt_regs contexts. */
int regs_emit_arg(const struct probe_emit *e, int i);
const char *regs_arg_error(const struct probe_site *site, int i, char *buf, size_t len);
int regs_emit_retval(const struct probe_emit *e);

#endif
