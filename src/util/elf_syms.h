/* User-space ELF symbols, for uprobes and for usym/ustack: which file a
 * uprobe target names, the function symbols of a file with the file offsets
 * the kernel's uprobes attach to, and the symbol at an address of a process.
 *
 * Tables and process maps are cached (the only state of this module) and
 * live until elf_syms_free_all(). Not thread-safe. */
#ifndef SCRY_ELF_SYMS_H
#define SCRY_ELF_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct strlist;

/* ---- which file ---- */

/* The file a uprobe target names, malloc'd; NULL when none (errno ENOENT).
 * A name with a '/' is that file (made absolute when relative). A bare name
 * is looked up, first match wins:
 *   1. /etc/ld.so.cache: a library named exactly so ("libc.so.6"), then one
 *      whose name starts with NAME.so ("libc" -> libc.so.6; bpftrace 0.17);
 *   2. /lib, /usr/lib, /lib64, /usr/lib64 and the multiarch directories:
 *      NAME, then NAME.so*;
 *   3. $PATH ("bash" -> /usr/bin/bash; bpftrace 0.17);
 *   4. libNAME.so* in the cache and in those directories ("c" -> libc.so.6).
 * Executables come before libNAME so that "python3" is not libpython3.so.
 * A match must be an ELF shared object, or an executable one may run. */
char *elf_resolve_binary(const char *name);

/* Every file a target with wildcards names (glob(3): a path, or a bare name
 * in each $PATH directory), appended to out without duplicates; a target
 * without wildcards gives elf_resolve_binary's one file. The number added. */
int elf_resolve_binaries(const char *pattern, struct strlist *out);

/* ---- the function symbols of a file ---- */

struct elf_sym {
	const char *name;
	uint64_t vaddr;  /* st_value */
	uint64_t size;   /* 0 when unknown: then it covers only vaddr */
	uint64_t offset; /* in the file, through the PT_LOAD holding vaddr: a uprobe's offset */
	unsigned char bind; /* STB_GLOBAL, STB_WEAK, STB_LOCAL */
};

/* A PT_LOAD program header: maps file offsets to addresses */
struct elf_segment {
	uint64_t vaddr, offset, filesz;
};

struct elf_syms {
	const char *path; /* the path it was first loaded through */
	bool dyn;         /* ET_DYN (PIE or shared library): loaded at a bias */
	/* STT_FUNC and STT_GNU_IFUNC symbols of .symtab, .dynsym and the debug file,
	 * defined, by address; aliases of one address together, the preferred
	 * name first (fewest leading '_', then GLOBAL, WEAK, LOCAL, then name) */
	const struct elf_sym *syms;
	int nsyms;
	const struct elf_segment *segs; /* in program header order: segs[0] is the first PT_LOAD */
	int nsegs;
};

/* The table of path and of its separate debug file when there is one (found
 * by build id or .gnu_debuglink, as bpftrace finds it), loaded on first use
 * and cached by the file's identity (device, inode, size, mtime: a rebuilt
 * file is read again, a file reached by two paths is read once). NULL with errno set on failure: ENOENT, EACCES,
 * ENOEXEC (not an ELF file; see elf_strerror)... A file without symbols has
 * an empty table. The table lives until elf_syms_free_all(). */
const struct elf_syms *elf_syms_get(const char *path);

/* The message for an errno of elf_syms_get: "not an ELF file" for ENOEXEC */
const char *elf_strerror(int err);

/* The symbol named name; of several (local functions of several files), the
 * one at the lowest address. NULL when none. */
const struct elf_sym *elf_syms_find(const struct elf_syms *s, const char *name);

/* The names matching the fnmatch(3) pattern, sorted and unique, appended to
 * out (uprobe wildcards, -l); as in bpftrace, without GCC's "NAME.part.N"
 * fragments. The number added. */
int elf_syms_match(const struct elf_syms *s, const char *pattern, struct strlist *out);

/* The symbol containing vaddr and the offset into it; NULL when none */
const struct elf_sym *elf_syms_lookup(const struct elf_syms *s, uint64_t vaddr, uint64_t *off);

/* Between file offsets and addresses through the PT_LOAD segments (a uprobe
 * on an address needs its offset; an address in a mapping gives an offset) */
bool elf_syms_vaddr_to_off(const struct elf_syms *s, uint64_t vaddr, uint64_t *off);
bool elf_syms_off_to_vaddr(const struct elf_syms *s, uint64_t off, uint64_t *vaddr);

/* The data symbol (STT_OBJECT) named name in path's .dynsym or .symtab, the
 * first in section order, as bpftrace's uaddr() finds it: its address
 * (st_value) and size. 0, -ENOENT when there is none, or another -errno. */
int elf_data_symbol(const char *path, const char *name, uint64_t *vaddr, uint64_t *size);

/* ---- addresses of a process ---- */

enum usym_flags {
	USYM_OFFSET = 1, /* "sym+off", as ustack prints; usym prints "sym" */
	USYM_MODULE = 2, /* then " (/path/of/file)", as ustack(perf) prints */
};

/* Writes into buf what bpftrace prints for the address addr of process pid:
 * the symbol, or the address in hex ("0x7f..") when none is known (nor the
 * process). Files are read through /proc/PID/root, so a process in another
 * mount namespace is symbolized from its own files. /proc/PID/maps is read
 * once per process and again for an address outside all its mappings; a
 * process that has exited is symbolized from what was read before, unless
 * usym_refresh found it gone. True when a symbol was found. */
bool usym_resolve(pid_t pid, uint64_t addr, int flags, char *buf, size_t len);

/* The files process pid maps executable ("r-xp"), each as
 * /proc/PID/root/PATH (its own mount namespace's file), in the order of
 * the maps, appended to out without duplicates. The number added, or
 * -errno when the process cannot be read. */
int elf_process_files(pid_t pid, struct strlist *out);

/* The executable of process pid as /proc/PID/root/PATH, malloc'd; NULL
 * with errno set when it cannot be read. */
char *elf_process_exe(pid_t pid);

/* BPFTRACE_NO_USER_SYMBOLS: off, usym_resolve prints every address in hex. */
void usym_set_enabled(bool on);

/* Forgets what was read of pid (it exited or exec'd) */
void usym_forget(pid_t pid);

/* Before printing what pid's addresses are: whether it still runs. bpftrace
 * reads a process afresh for each address, so what it prints of a process
 * that has exited (or is a zombie) is addresses. When pid has gone, what was
 * read of it is dropped and usym_resolve prints addresses without looking
 * for the process again, until usym_refresh finds it running (pid reused);
 * when it runs another executable than when its maps were read (exec), its
 * maps are read again. One stat(2) of /proc/PID/exe: call it once per value
 * printed (a stack), not per address. */
bool usym_refresh(pid_t pid);

/* Frees every table and every process's maps */
void elf_syms_free_all(void);

#endif
