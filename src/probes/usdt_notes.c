/* USDT notes and their argument specs: see usdt_notes.h. The forms and rules
 * follow libbpf's src/usdt.c (parse_usdt_note, collect_usdt_targets,
 * parse_usdt_arg for x86-64); the parser is written by hand rather than with
 * sscanf so that every malformed spec gets a precise message. */
#include "probes/usdt_notes.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <asm/ptrace.h>
#include <stddef.h>
#endif

#define NOTE_SECTION ".note.stapsdt"
#define BASE_SECTION ".stapsdt.base"
#define NOTE_OWNER "stapsdt"
#define NOTE_TYPE 3

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The slots of the kernel's x86-64 struct pt_regs (8 bytes each: r15 r14
 * r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss),
 * written out so that any host can parse x86-64 specs, and checked against
 * the user-visible struct of <asm/ptrace.h> when the host is x86-64. */
enum {
	R15_OFF = 0, R14_OFF = 8, R13_OFF = 16, R12_OFF = 24, RBP_OFF = 32, RBX_OFF = 40,
	R11_OFF = 48, R10_OFF = 56, R9_OFF = 64, R8_OFF = 72, RAX_OFF = 80, RCX_OFF = 88,
	RDX_OFF = 96, RSI_OFF = 104, RDI_OFF = 112, RIP_OFF = 128, RSP_OFF = 152,
};

#if defined(__x86_64__)
#define PT_REGS_SLOT(field, off) _Static_assert(offsetof(struct pt_regs, field) == off, #field)
PT_REGS_SLOT(r15, R15_OFF);
PT_REGS_SLOT(r14, R14_OFF);
PT_REGS_SLOT(r13, R13_OFF);
PT_REGS_SLOT(r12, R12_OFF);
PT_REGS_SLOT(rbp, RBP_OFF);
PT_REGS_SLOT(rbx, RBX_OFF);
PT_REGS_SLOT(r11, R11_OFF);
PT_REGS_SLOT(r10, R10_OFF);
PT_REGS_SLOT(r9, R9_OFF);
PT_REGS_SLOT(r8, R8_OFF);
PT_REGS_SLOT(rax, RAX_OFF);
PT_REGS_SLOT(rcx, RCX_OFF);
PT_REGS_SLOT(rdx, RDX_OFF);
PT_REGS_SLOT(rsi, RSI_OFF);
PT_REGS_SLOT(rdi, RDI_OFF);
PT_REGS_SLOT(rip, RIP_OFF);
PT_REGS_SLOT(rsp, RSP_OFF);
#undef PT_REGS_SLOT
#endif

/* Every name the assembler gives a register or its low parts. The high
 * bytes %ah..%dh are left out: they would need a shift, and compilers do not
 * allocate them for "r" operands. */
static const struct x86_reg {
	const char *names[4];
	int off;
} x86_regs[] = {
	{ { "rax", "eax", "ax", "al" }, RAX_OFF },
	{ { "rbx", "ebx", "bx", "bl" }, RBX_OFF },
	{ { "rcx", "ecx", "cx", "cl" }, RCX_OFF },
	{ { "rdx", "edx", "dx", "dl" }, RDX_OFF },
	{ { "rsi", "esi", "si", "sil" }, RSI_OFF },
	{ { "rdi", "edi", "di", "dil" }, RDI_OFF },
	{ { "rbp", "ebp", "bp", "bpl" }, RBP_OFF },
	{ { "rsp", "esp", "sp", "spl" }, RSP_OFF },
	{ { "rip", "eip", "", "" }, RIP_OFF },
	{ { "r8", "r8d", "r8w", "r8b" }, R8_OFF },
	{ { "r9", "r9d", "r9w", "r9b" }, R9_OFF },
	{ { "r10", "r10d", "r10w", "r10b" }, R10_OFF },
	{ { "r11", "r11d", "r11w", "r11b" }, R11_OFF },
	{ { "r12", "r12d", "r12w", "r12b" }, R12_OFF },
	{ { "r13", "r13d", "r13w", "r13b" }, R13_OFF },
	{ { "r14", "r14d", "r14w", "r14b" }, R14_OFF },
	{ { "r15", "r15d", "r15w", "r15b" }, R15_OFF },
};

static const struct x86_reg *reg_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(x86_regs) / sizeof(x86_regs[0]); i++)
		for (int j = 0; j < 4; j++)
			if (len && strlen(x86_regs[i].names[j]) == len &&
			    !strncmp(x86_regs[i].names[j], name, len))
				return &x86_regs[i];
	return NULL;
}

/* The state of parsing one argument: where we are, and the whole argument
 * (up to the next blank) for messages. */
struct cursor {
	const char *p;
	const char *arg;
	int arglen;
	char *err;
	size_t errlen;
};

static int fail(struct cursor *c, const char *what)
{
	seterr(c->err, c->errlen, "argument '%.*s': %s", c->arglen, c->arg, what);
	return -EINVAL;
}

static bool at_end(const struct cursor *c)
{
	return *c->p == '\0' || isspace((unsigned char)*c->p);
}

/* A decimal, hex (0x) or octal (0) integer with an optional sign, as gas
 * reads it; false if there is none. */
static bool take_int(struct cursor *c, long long *v)
{
	const char *s = c->p;

	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	*v = strtoll(c->p, &end, 0);
	if (errno)
		return false;
	c->p = end;
	return true;
}

static bool is_sym_char(char ch, bool first)
{
	return isalpha((unsigned char)ch) || ch == '_' || ch == '.' || ch == '$' ||
	       (!first && isdigit((unsigned char)ch));
}

/* "%name": the register's table row, or NULL with a message. */
static const struct x86_reg *take_reg(struct cursor *c, int *ret)
{
	if (*c->p != '%') {
		*ret = fail(c, "expected a register");
		return NULL;
	}
	const char *name = ++c->p;
	while (isalnum((unsigned char)*c->p))
		c->p++;
	const struct x86_reg *r = reg_find(name, c->p - name);
	if (!r) {
		char what[64];
		snprintf(what, sizeof(what), "unknown register '%%%.*s'", (int)(c->p - name), name);
		*ret = fail(c, what);
	}
	return r;
}

static void set_base(struct usdt_arg *arg, const struct x86_reg *r)
{
	arg->reg_off = r->off;
	arg->reg_name = r->names[0];
}

static int parse_size(struct cursor *c, struct usdt_arg *arg)
{
	long long size;

	if (!take_int(c, &size) || *c->p != '@')
		return fail(c, "expected SIZE@ (1, 2, 4 or 8, negative when signed)");
	c->p++;
	arg->is_signed = size < 0;
	arg->size = (int)(size < 0 ? -size : size);
	if (arg->size != 1 && arg->size != 2 && arg->size != 4 && arg->size != 8)
		return fail(c, "size must be 1, 2, 4 or 8, negative when signed");
	return 0;
}

/* "$N" */
static int parse_const(struct cursor *c, struct usdt_arg *arg)
{
	c->p++;
	if (!take_int(c, &arg->val))
		return fail(c, "expected an integer after '$'");
	arg->kind = USDT_ARG_CONST;
	arg->reg_off = -1;
	return 0;
}

/* "%reg" */
static int parse_reg(struct cursor *c, struct usdt_arg *arg)
{
	int ret = 0;
	const struct x86_reg *r = take_reg(c, &ret);

	if (!r)
		return ret;
	arg->kind = USDT_ARG_REG;
	set_base(arg, r);
	return 0;
}

/* The displacement before '(': "", "N", "sym", "N+sym", "sym+N", "sym-N". */
static int parse_disp(struct cursor *c, struct usdt_arg *arg)
{
	long long off = 0;
	bool have_int = take_int(c, &off);

	if (have_int && *c->p != '+')
		goto done;
	if (have_int)
		c->p++;
	const char *sym = c->p;
	while (is_sym_char(*c->p, c->p == sym))
		c->p++;
	if (c->p == sym)
		return have_int ? fail(c, "expected a symbol after '+'") : 0;
	arg->sym = strndup(sym, c->p - sym);
	if (!arg->sym)
		return -ENOMEM;
	if (!have_int && (*c->p == '+' || *c->p == '-') && !take_int(c, &off))
		return fail(c, "expected an integer after the symbol");
done:
	arg->val = off;
	return 0;
}

/* ",%idx[,scale]" after the base of a memory operand. */
static int parse_index(struct cursor *c, struct usdt_arg *arg)
{
	int ret = 0;
	const struct x86_reg *r = take_reg(c, &ret);

	if (!r)
		return ret;
	arg->kind = USDT_ARG_SIB;
	arg->idx_reg_off = r->off;
	arg->idx_reg_name = r->names[0];
	arg->scale = 1;
	if (*c->p != ',')
		return 0;
	c->p++;
	long long scale;
	if (!take_int(c, &scale) || (scale != 1 && scale != 2 && scale != 4 && scale != 8))
		return fail(c, "the scale must be 1, 2, 4 or 8");
	arg->scale = (int)scale;
	return 0;
}

/* "disp(%base[,%idx[,scale]])" */
static int parse_mem(struct cursor *c, struct usdt_arg *arg)
{
	int ret = parse_disp(c, arg);

	if (ret)
		return ret;
	if (*c->p != '(')
		return fail(c, "expected '$', '%' or a memory operand");
	c->p++;
	if (*c->p == ',')
		return fail(c, "a memory operand without a base register is not supported");
	const struct x86_reg *r = take_reg(c, &ret);
	if (!r)
		return ret;
	arg->kind = USDT_ARG_REG_DEREF;
	set_base(arg, r);
	if (*c->p == ',') {
		c->p++;
		if (r->off == RIP_OFF)
			return fail(c, "%rip takes no index register");
		if ((ret = parse_index(c, arg)))
			return ret;
	}
	if (*c->p != ')')
		return fail(c, "expected ')'");
	c->p++;
	if (arg->sym && r->off != RIP_OFF)
		return fail(c, "a symbol is supported only relative to %rip");
	return 0;
}

static int parse_operand(struct cursor *c, struct usdt_arg *arg)
{
	if (*c->p == '$')
		return parse_const(c, arg);
	if (*c->p == '%')
		return parse_reg(c, arg);
	return parse_mem(c, arg);
}

int usdt_arg_parse(const char *s, struct usdt_arg *arg, char *err, size_t errlen)
{
	const char *start = s;

	while (isspace((unsigned char)*s))
		s++;
	struct cursor c = { s, s, (int)strcspn(s, " \t\n"), err, errlen };
	*arg = (struct usdt_arg){ .reg_off = -1, .idx_reg_off = -1 };
	if (!*s)
		return fail(&c, "empty");
	int ret = parse_size(&c, arg);
	if (!ret)
		ret = parse_operand(&c, arg);
	if (!ret && !at_end(&c))
		ret = fail(&c, "unexpected characters after the operand");
	if (ret) {
		usdt_args_free(arg, 1);
		return ret;
	}
	while (isspace((unsigned char)*c.p))
		c.p++;
	return (int)(c.p - start);
}

int usdt_args_parse(const char *spec, struct usdt_arg *args, int *nargs,
		    char *err, size_t errlen)
{
	const char *s = spec;

	*nargs = 0;
	while (isspace((unsigned char)*s))
		s++;
	while (*s) {
		if (*nargs == USDT_MAX_ARGS) {
			seterr(err, errlen, "more than %d arguments", USDT_MAX_ARGS);
			usdt_args_free(args, *nargs);
			*nargs = 0;
			return -E2BIG;
		}
		int len = usdt_arg_parse(s, &args[*nargs], err, errlen);
		if (len < 0) {
			usdt_args_free(args, *nargs);
			*nargs = 0;
			return len;
		}
		s += len;
		++*nargs;
	}
	return 0;
}

void usdt_args_free(struct usdt_arg *args, int nargs)
{
	for (int i = 0; i < nargs; i++) {
		free(args[i].sym);
		args[i].sym = NULL;
	}
}

/* ---- The ELF file ---- */

struct segment {
	uint64_t vaddr, memsz, offset;
	bool exec;
};

struct elf_file {
	const char *path;
	Elf *elf;
	GElf_Ehdr ehdr;
	struct segment *segs;
	size_t nsegs;
	uint64_t base_addr; /* .stapsdt.base's address, 0 if none */
	char *err;
	size_t errlen;
};

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n = gelf_getshdr(scn, shdr) ? elf_strptr(elf, shstrndx, shdr->sh_name) : NULL;
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

static int check_header(struct elf_file *f)
{
	if (elf_kind(f->elf) != ELF_K_ELF || !gelf_getehdr(f->elf, &f->ehdr)) {
		seterr(f->err, f->errlen, "%s: not an ELF file", f->path);
		return -ENOEXEC;
	}
	if (f->ehdr.e_ident[EI_CLASS] != ELFCLASS64 || f->ehdr.e_ident[EI_DATA] != ELFDATA2LSB ||
	    f->ehdr.e_machine != EM_X86_64) {
		seterr(f->err, f->errlen, "%s: USDT probes are read only in 64-bit x86-64 ELF files", f->path);
		return -ENOTSUP;
	}
	if (f->ehdr.e_type != ET_EXEC && f->ehdr.e_type != ET_DYN) {
		seterr(f->err, f->errlen, "%s: not an executable or a shared object", f->path);
		return -ENOEXEC;
	}
	return 0;
}

static int load_segments(struct elf_file *f)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(f->elf, &n))
		n = 0;
	f->segs = calloc(n ? n : 1, sizeof(*f->segs));
	if (!f->segs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->segs[f->nsegs++] = (struct segment){ ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_flags & PF_X };
	}
	if (!f->nsegs) {
		seterr(f->err, f->errlen, "%s: no loadable segments", f->path);
		return -ENOEXEC;
	}
	return 0;
}

/* vaddr as a file offset, through the loadable segment holding it, which
 * must be executable for a probe and not for a semaphore (as in libbpf). */
static int vaddr_to_offset(struct elf_file *f, uint64_t vaddr, bool exec, const char *what,
			   const struct usdt_probe *p, uint64_t *off)
{
	for (size_t i = 0; i < f->nsegs; i++) {
		const struct segment *s = &f->segs[i];
		if (vaddr < s->vaddr || vaddr >= s->vaddr + s->memsz)
			continue;
		if (s->exec != exec)
			break;
		*off = vaddr - s->vaddr + s->offset;
		return 0;
	}
	seterr(f->err, f->errlen, "%s: %s of USDT probe %s:%s at 0x%llx is not in %s loadable segment",
	       f->path, what, p->provider, p->name, (unsigned long long)vaddr,
	       exec ? "an executable" : "a non-executable");
	return -ENOEXEC;
}

/* The value of the defined symbol name in .symtab, else .dynsym. -ENOENT if
 * there is none, -ENOTUNIQ if one table defines it twice with different
 * values (two static variables of the same name). */
static int symbol_value(Elf *elf, const char *name, uint64_t *value)
{
	static const Elf64_Word types[] = { SHT_SYMTAB, SHT_DYNSYM };

	for (int t = 0; t < 2; t++) {
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;
		int found = 0;
		while ((scn = elf_nextscn(elf, scn))) {
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != types[t] || !sh.sh_entsize)
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym sym;
				const char *n;
				if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
				    !(n = elf_strptr(elf, sh.sh_link, sym.st_name)) || strcmp(n, name))
					continue;
				if (found && *value != sym.st_value)
					return -ENOTUNIQ;
				*value = sym.st_value;
				found = 1;
			}
		}
		if (found)
			return 0;
	}
	return -ENOENT;
}

/* A note's fields, pointing into the section data. */
struct raw_note {
	uint64_t pc, base, sem;
	const char *provider, *name, *spec;
};

/* The note's description: three addresses, then provider, name and spec
 * strings, each NUL-terminated inside the description (parse_usdt_note in
 * libbpf). Returns 1 for a note, 0 for a note of another owner or type. */
static int decode_note(const GElf_Nhdr *nh, const char *data, size_t name_off, size_t desc_off,
		       struct raw_note *rn)
{
	if (nh->n_namesz != sizeof(NOTE_OWNER) || memcmp(data + name_off, NOTE_OWNER, sizeof(NOTE_OWNER)) ||
	    nh->n_type != NOTE_TYPE)
		return 0;
	const char *desc = data + desc_off, *end = desc + nh->n_descsz;
	if (nh->n_descsz < 3 * sizeof(uint64_t) + 3)
		return -EINVAL;
	memcpy(&rn->pc, desc, 8);
	memcpy(&rn->base, desc + 8, 8);
	memcpy(&rn->sem, desc + 16, 8);
	rn->provider = desc + 24;
	const char *z = memchr(rn->provider, '\0', end - rn->provider);
	rn->name = z ? z + 1 : end;
	z = rn->name < end ? memchr(rn->name, '\0', end - rn->name) : NULL;
	if (!z || !*rn->name)
		return -EINVAL;
	rn->spec = z + 1;
	if (rn->spec >= end || !memchr(rn->spec, '\0', end - rn->spec))
		return -EINVAL;
	return 1;
}

/* Resolves %rip-relative symbols as usdt_notes.h describes. */
static int resolve_symbols(struct elf_file *f, struct usdt_probe *p)
{
	for (int i = 0; i < p->nargs; i++) {
		struct usdt_arg *a = &p->args[i];
		uint64_t value;
		if (!a->sym)
			continue;
		int ret = symbol_value(f->elf, a->sym, &value);
		if (ret) {
			char msg[256];
			snprintf(msg, sizeof(msg), "argument %d (%s): symbol '%s' %s", i, p->spec, a->sym,
				 ret == -ENOENT ? "is not in the symbol table" : "is defined more than once");
			p->error = strdup(msg);
			return p->error ? 0 : -ENOMEM;
		}
		a->val += (long long)(value - p->pc);
	}
	return 0;
}

static int parse_probe_args(struct elf_file *f, struct usdt_probe *p)
{
	char msg[256];

	/* libbpf reads a spec starting with ':' as no arguments. */
	if (p->spec[0] == ':')
		return 0;
	int ret = usdt_args_parse(p->spec, p->args, &p->nargs, msg, sizeof(msg));
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		p->error = strdup(msg);
		return p->error ? 0 : -ENOMEM;
	}
	return resolve_symbols(f, p);
}

static int fill_probe(struct elf_file *f, const struct raw_note *rn, struct usdt_probe *p)
{
	p->provider = strdup(rn->provider);
	p->name = strdup(rn->name);
	p->spec = strdup(rn->spec);
	if (!p->provider || !p->name || !p->spec)
		return -ENOMEM;
	/* prelink moves sections but not notes: .stapsdt.base's address
	 * against the one the note recorded says by how much. */
	uint64_t delta = f->base_addr && rn->base ? f->base_addr - rn->base : 0;
	p->pc = rn->pc + delta;
	int ret = vaddr_to_offset(f, p->pc, true, "the address", p, &p->file_offset);
	if (!ret && rn->sem) {
		p->sem_vaddr = rn->sem + delta;
		ret = vaddr_to_offset(f, p->sem_vaddr, false, "the semaphore", p, &p->sem_offset);
	}
	return ret ? ret : parse_probe_args(f, p);
}

static int grow(struct usdt_probe **probes, int n, int *cap)
{
	if (n < *cap)
		return 0;
	int ncap = *cap ? 2 * *cap : 16;
	struct usdt_probe *np = realloc(*probes, ncap * sizeof(*np));
	if (!np)
		return -ENOMEM;
	*probes = np;
	*cap = ncap;
	return 0;
}

static int read_notes(struct elf_file *f, Elf_Scn *scn, struct usdt_probe **probes, int *n)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;
	int cap = 0, ret = 0;

	while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		struct raw_note rn;
		int kind = decode_note(&nh, data->d_buf, name_off, desc_off, &rn);
		if (kind < 0) {
			seterr(f->err, f->errlen, "%s: malformed USDT note in " NOTE_SECTION, f->path);
			return -EINVAL;
		}
		if (!kind)
			continue;
		if ((ret = grow(probes, *n, &cap)))
			return ret;
		memset(&(*probes)[*n], 0, sizeof(**probes));
		ret = fill_probe(f, &rn, &(*probes)[(*n)++]);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_elf(struct elf_file *f, struct usdt_probe **probes, int *n)
{
	GElf_Shdr sh;
	int ret = check_header(f);

	if (ret)
		return ret;
	Elf_Scn *notes = find_section(f->elf, NOTE_SECTION, &sh);
	if (!notes)
		return 0;
	if (sh.sh_type != SHT_NOTE) {
		seterr(f->err, f->errlen, "%s: " NOTE_SECTION " is not a note section", f->path);
		return -EINVAL;
	}
	if ((ret = load_segments(f)))
		return ret;
	if (find_section(f->elf, BASE_SECTION, &sh))
		f->base_addr = sh.sh_addr;
	return read_notes(f, notes, probes, n);
}

int usdt_notes_read(const char *path, struct usdt_probe **probes, int *n,
		    char *err, size_t errlen)
{
	struct elf_file f = { .path = path, .err = err, .errlen = errlen };
	int ret;

	*probes = NULL;
	*n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	elf_version(EV_CURRENT);
	f.elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!f.elf) {
		seterr(err, errlen, "%s: %s", path, elf_errmsg(-1));
		ret = -ENOEXEC;
	} else {
		ret = read_elf(&f, probes, n);
	}
	if (ret == -ENOMEM)
		seterr(err, errlen, "%s: out of memory", path);
	if (ret) {
		usdt_notes_free(*probes, *n);
		*probes = NULL;
		*n = 0;
	}
	free(f.segs);
	elf_end(f.elf);
	close(fd);
	return ret;
}

void usdt_notes_free(struct usdt_probe *probes, int n)
{
	for (int i = 0; probes && i < n; i++) {
		free(probes[i].provider);
		free(probes[i].name);
		free(probes[i].spec);
		free(probes[i].error);
		usdt_args_free(probes[i].args, probes[i].nargs);
	}
	free(probes);
}
