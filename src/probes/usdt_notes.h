/* USDT probes of an ELF file: the notes <sys/sdt.h> leaves in section
 * .note.stapsdt (owner "stapsdt", type 3), read with libelf, and their
 * argument specs ("-4@$5 8@%rax -8@-8(%rbp)") parsed for x86-64 as libbpf's
 * src/usdt.c parses them, plus %rip-relative symbols (below).
 *
 * One struct usdt_probe per note, that is per probe site: a probe whose
 * macro appears at several places (or is inlined) has several entries with
 * the same provider and name, each with its own address and argument spec.
 *
 * Reading an argument (what the code generator emits), with regs the
 * uprobe's struct pt_regs:
 *   CONST        v = val
 *   REG          v = regs[reg_off]
 *   REG_DEREF    v = *(regs[reg_off] + val)
 *   SIB          v = *(regs[reg_off] + regs[idx_reg_off] * scale + val)
 * then keep the low `size` bytes of v, sign-extended if is_signed, else
 * zero-extended. That last step is not optional: "1@$-56" is the unsigned
 * byte 200, and "-4@%eax" is the low half of the 64-bit rax slot.
 *
 * %rip-relative operands. GCC writes a global as "4@scry_global(%rip)" or
 * "-8@8+scry_pair(%rip)". libbpf rejects those; bcc resolves the symbol to
 * an absolute address (executables only); bpftrace 0.17 logs "deref ident is
 * not handled yet" and reads garbage. scry resolves them: usdt_notes_read
 * looks the symbol up in the file's symbol table and stores the argument as
 * REG_DEREF of rip with val = symbol + offset - pc. At run time a uprobe's
 * regs->ip is the probe's address, so ip + val is the global's address in
 * PIE executables, non-PIE executables and shared libraries alike, with no
 * need for the load address. (An attacher that places the uprobe elsewhere
 * than pc, as libbpf does onto a nop10 at pc + 1, must subtract the same
 * distance from val.) A plain "N(%rip)", with no symbol, means ip + N, as in
 * libbpf. A symbol with any other base register is rejected. */
#ifndef SCRY_USDT_NOTES_H
#define SCRY_USDT_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* As libbpf (BPF_USDT_MAX_ARG_CNT). */
#define USDT_MAX_ARGS 12

enum usdt_arg_kind {
	USDT_ARG_CONST,
	USDT_ARG_REG,
	USDT_ARG_REG_DEREF,
	USDT_ARG_SIB,
};

struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;              /* 1, 2, 4 or 8 bytes */
	bool is_signed;        /* the spec's size was negative */
	long long val;         /* CONST: the value; otherwise the displacement */
	int reg_off;           /* offsetof(struct pt_regs, base); -1 for CONST */
	const char *reg_name;  /* the base's 64-bit name ("rax" for %eax); NULL for CONST */
	int idx_reg_off;       /* SIB: the index register's offset; else -1 */
	const char *idx_reg_name;
	int scale;             /* SIB: 1, 2, 4 or 8; else 0 */
	/* A %rip-relative operand's symbol ("scry_global"), owned; NULL if
	 * none. After usdt_notes_read, val already includes its address. */
	char *sym;
};

struct usdt_probe {
	char *provider, *name;
	char *spec;            /* the note's argument spec string, "" if none */
	/* The ELF virtual address of the probe's nop, corrected by the
	 * .stapsdt.base section as libbpf and systemtap do (prelink). */
	uint64_t pc;
	uint64_t file_offset;  /* pc as a file offset: where the uprobe goes */
	/* The semaphore: 0 and 0 when the probe has none. sem_offset is its
	 * file offset, the kernel's uprobe ref_ctr_offset, which increments
	 * the semaphore while the uprobe is attached. */
	uint64_t sem_vaddr, sem_offset;
	int nargs;
	struct usdt_arg args[USDT_MAX_ARGS];
	/* NULL, or why the arguments cannot be read (a malformed spec, an
	 * unknown register or symbol): the probe can be listed, not attached. */
	char *error;
};

/* Reads the USDT probes of the ELF file at path into *probes (malloc'd, in
 * note order) and *n. A file without .note.stapsdt has 0 probes. Returns 0,
 * or -errno with a message in err[errlen]: the file cannot be opened, is not
 * a 64-bit little-endian x86-64 executable or shared object, or has a note
 * that is malformed or points outside the loadable segments. A probe whose
 * argument spec alone is bad is kept, with its error set. */
int usdt_notes_read(const char *path, struct usdt_probe **probes, int *n,
		    char *err, size_t errlen);
void usdt_notes_free(struct usdt_probe *probes, int n);

/* Parses one argument spec ("-4@-8(%rbp)") at s, after any blanks, into
 * *arg. Returns the number of characters read (blanks after it included),
 * or -EINVAL with a message in err[errlen] (which may be NULL) and nothing
 * allocated. */
int usdt_arg_parse(const char *s, struct usdt_arg *arg, char *err, size_t errlen);
/* Parses a whole spec string into args[USDT_MAX_ARGS] and *nargs: 0, or
 * -EINVAL (-E2BIG past USDT_MAX_ARGS) with a message, *nargs 0 and nothing
 * left to free. After success, usdt_args_free releases the symbols. */
int usdt_args_parse(const char *spec, struct usdt_arg *args, int *nargs,
		    char *err, size_t errlen);
void usdt_args_free(struct usdt_arg *args, int nargs);

#endif
