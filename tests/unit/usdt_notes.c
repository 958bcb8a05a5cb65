/* USDT notes: the probes of the fixture programs built next to this test
 * (usdt_target, libscry_test.so, uprobe_target in build/tests/), checked
 * against their symbols and bytes, and argument specs of every form, good
 * and malformed. Needs no privileges. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/usdt_notes.h"
#include "check.h"


static char dir[PATH_MAX];

/* build/tests/NAME: the fixtures are built in this test's directory. */
static const char *fixture(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* ---- Argument specs ---- */

enum { C = USDT_ARG_CONST, R = USDT_ARG_REG, D = USDT_ARG_REG_DEREF, S = USDT_ARG_SIB };

static const struct spec_case {
	const char *spec;
	int kind, size;
	long long val;
	const char *reg, *idx;
	int scale;
	const char *sym;
} spec_cases[] = {
#define CONST(spec, size, val) { spec, C, size, val, NULL, NULL, 0, NULL }
#define REG(spec, size, reg) { spec, R, size, 0, reg, NULL, 0, NULL }
#define DEREF(spec, size, val, reg) { spec, D, size, val, reg, NULL, 0, NULL }
#define SYM(spec, size, val, sym) { spec, D, size, val, "rip", NULL, 0, sym }
#define SIB(spec, size, val, reg, idx, scale) { spec, S, size, val, reg, idx, scale, NULL }
	/* constants; a negative size is a signed argument */
	CONST("-4@$5", -4, 5),
	CONST("4@$-9", 4, -9),
	CONST("1@$-56", 1, -56),
	CONST("-8@$-1", -8, -1),
	CONST("8@$0x10", 8, 16),
	CONST("2@$+7", 2, 7),
	/* registers, every width naming the 64-bit slot */
	REG("8@%rax", 8, "rax"),
	REG("-4@%eax", -4, "rax"),
	REG("2@%ax", 2, "rax"),
	REG("1@%al", 1, "rax"),
	REG("-8@%rbx", -8, "rbx"),
	REG("4@%ecx", 4, "rcx"),
	REG("2@%dx", 2, "rdx"),
	REG("1@%sil", 1, "rsi"),
	REG("-1@%dil", -1, "rdi"),
	REG("-2@%bp", -2, "rbp"),
	REG("1@%bpl", 1, "rbp"),
	REG("8@%rsp", 8, "rsp"),
	REG("1@%spl", 1, "rsp"),
	REG("8@%r8", 8, "r8"),
	REG("-4@%r8d", -4, "r8"),
	REG("2@%r9w", 2, "r9"),
	REG("1@%r10b", 1, "r10"),
	REG("8@%r15", 8, "r15"),
	REG("8@%rip", 8, "rip"),
	/* memory through a register */
	DEREF("-8@-8(%rbp)", -8, -8, "rbp"),
	DEREF("-4@-1204(%rbp)", -4, -1204, "rbp"),
	DEREF("8@(%rsp)", 8, 0, "rsp"),
	DEREF("4@16(%r12)", 4, 16, "r12"),
	DEREF("8@16(%rip)", 8, 16, "rip"),
	/* globals relative to %rip: the symbol is kept, the offset in val */
	SYM("-4@scry_global(%rip)", -4, 0, "scry_global"),
	SYM("-8@8+scry_pair(%rip)", -8, 8, "scry_pair"),
	SYM("8@scry_pair+16(%rip)", 8, 16, "scry_pair"),
	SYM("8@scry_pair-4(%rip)", 8, -4, "scry_pair"),
	SYM("4@counter.0(%rip)", 4, 0, "counter.0"),
	/* base + index * scale */
	SIB("1@-96(%rbp,%rax,8)", 1, -96, "rbp", "rax", 8),
	SIB("1@(%rbp,%rax,8)", 1, 0, "rbp", "rax", 8),
	SIB("-4@-96(%rbp,%rax)", -4, -96, "rbp", "rax", 1),
	SIB("-4@(%rdx,%eax,4)", -4, 0, "rdx", "rax", 4),
	SIB("2@12(%r8,%r9,2)", 2, 12, "r8", "r9", 2),
	/* blanks around one argument are read with it */
	CONST("  -4@$5  ", -4, 5),
#undef CONST
#undef REG
#undef DEREF
#undef SYM
#undef SIB
};

static const struct bad_case {
	const char *spec, *msg;
} bad_cases[] = {
	{ "", "argument '': empty" },
	{ "4", "argument '4': expected SIZE@ (1, 2, 4 or 8, negative when signed)" },
	{ "@%rax", "argument '@%rax': expected SIZE@ (1, 2, 4 or 8, negative when signed)" },
	{ "x@%rax", "argument 'x@%rax': expected SIZE@ (1, 2, 4 or 8, negative when signed)" },
	{ "3@%rax", "argument '3@%rax': size must be 1, 2, 4 or 8, negative when signed" },
	{ "-16@%rax", "argument '-16@%rax': size must be 1, 2, 4 or 8, negative when signed" },
	{ "0@$1", "argument '0@$1': size must be 1, 2, 4 or 8, negative when signed" },
	{ "4@", "argument '4@': expected '$', '%' or a memory operand" },
	{ "4@$", "argument '4@$': expected an integer after '$'" },
	{ "4@$x", "argument '4@$x': expected an integer after '$'" },
	{ "4@$5x", "argument '4@$5x': unexpected characters after the operand" },
	{ "4@%foo", "argument '4@%foo': unknown register '%foo'" },
	{ "1@%ah", "argument '1@%ah': unknown register '%ah'" },
	{ "4@%", "argument '4@%': unknown register '%'" },
	{ "4@%rax)", "argument '4@%rax)': unexpected characters after the operand" },
	{ "4@-8(%rbp", "argument '4@-8(%rbp': expected ')'" },
	{ "4@-8%rbp", "argument '4@-8%rbp': expected '$', '%' or a memory operand" },
	{ "4@-8(rbp)", "argument '4@-8(rbp)': expected a register" },
	{ "4@(%rbp,%rax,3)", "argument '4@(%rbp,%rax,3)': the scale must be 1, 2, 4 or 8" },
	{ "4@(%rbp,%rax,)", "argument '4@(%rbp,%rax,)': the scale must be 1, 2, 4 or 8" },
	{ "4@(,%rax,4)", "argument '4@(,%rax,4)': a memory operand without a base register is not supported" },
	{ "4@sym(%rbx)", "argument '4@sym(%rbx)': a symbol is supported only relative to %rip" },
	{ "4@8(%rip,%rax,1)", "argument '4@8(%rip,%rax,1)': %rip takes no index register" },
	{ "4@8+(%rip)", "argument '4@8+(%rip)': expected a symbol after '+'" },
	{ "4@sym+(%rip)", "argument '4@sym+(%rip)': expected an integer after the symbol" },
	{ "4@$99999999999999999999", "argument '4@$99999999999999999999': expected an integer after '$'" },
};

static void check_arg(const char *what, const struct usdt_arg *a, const struct spec_case *w)
{
	CHECK(a->kind == (enum usdt_arg_kind)w->kind, "%s: kind %d", what, a->kind);
	CHECK(a->size == abs(w->size) && a->is_signed == (w->size < 0),
	      "%s: size %d signed %d", what, a->size, a->is_signed);
	CHECK(a->val == w->val, "%s: val %lld", what, a->val);
	CHECK(w->reg ? a->reg_name && !strcmp(a->reg_name, w->reg) && a->reg_off >= 0
		     : !a->reg_name && a->reg_off == -1,
	      "%s: reg %s at %d", what, a->reg_name ? a->reg_name : "-", a->reg_off);
	CHECK(w->idx ? a->idx_reg_name && !strcmp(a->idx_reg_name, w->idx) && a->idx_reg_off >= 0
		     : !a->idx_reg_name && a->idx_reg_off == -1,
	      "%s: index %s", what, a->idx_reg_name ? a->idx_reg_name : "-");
	CHECK(a->scale == w->scale, "%s: scale %d", what, a->scale);
	CHECK(w->sym ? a->sym && !strcmp(a->sym, w->sym) : !a->sym, "%s: sym %s", what,
	      a->sym ? a->sym : "-");
}

static void test_spec_cases(void)
{
	for (size_t i = 0; i < sizeof(spec_cases) / sizeof(spec_cases[0]); i++) {
		const struct spec_case *w = &spec_cases[i];
		struct usdt_arg a;
		char err[256] = "";
		int len = usdt_arg_parse(w->spec, &a, err, sizeof(err));
		CHECK(len == (int)strlen(w->spec), "'%s': returned %d (%s)", w->spec, len, err);
		if (len > 0)
			check_arg(w->spec, &a, w);
		usdt_args_free(&a, len > 0);
	}
}

static void test_bad_cases(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct usdt_arg a;
		char err[256] = "";
		int ret = usdt_arg_parse(b->spec, &a, err, sizeof(err));
		CHECK(ret == -EINVAL, "'%s': returned %d", b->spec, ret);
		CHECK(!strcmp(err, b->msg), "'%s': message '%s', want '%s'", b->spec, err, b->msg);
		CHECK(ret >= 0 || !a.sym, "'%s': symbol left allocated", b->spec);
	}
}

/* Register slots against the kernel's struct pt_regs layout. */
static void test_reg_offsets(void)
{
	static const struct { const char *spec; int off; } regs[] = {
		{ "8@%r15", 0 }, { "8@%r14", 8 }, { "8@%r13", 16 }, { "8@%r12", 24 },
		{ "8@%rbp", 32 }, { "8@%rbx", 40 }, { "8@%r11", 48 }, { "8@%r10", 56 },
		{ "8@%r9", 64 }, { "8@%r8", 72 }, { "8@%rax", 80 }, { "8@%rcx", 88 },
		{ "8@%rdx", 96 }, { "8@%rsi", 104 }, { "8@%rdi", 112 }, { "8@%rip", 128 },
		{ "8@%rsp", 152 }, { "4@%r13d", 16 }, { "1@%cl", 88 }, { "2@%sp", 152 },
	};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		struct usdt_arg a;
		int len = usdt_arg_parse(regs[i].spec, &a, NULL, 0);
		CHECK(len > 0 && a.reg_off == regs[i].off, "%s: offset %d, want %d", regs[i].spec,
		      a.reg_off, regs[i].off);
	}
}

static void test_spec_strings(void)
{
	struct usdt_arg args[USDT_MAX_ARGS];
	char err[256] = "";
	int n = -1;

	CHECK(!usdt_args_parse("-4@$42 -4@$-7 -8@$-1 1@$-56", args, &n, err, sizeof(err)) && n == 4,
	      "4 constants: n %d (%s)", n, err);
	CHECK(n == 4 && args[3].val == -56 && args[3].size == 1 && !args[3].is_signed, "1@$-56");
	CHECK(!usdt_args_parse("", args, &n, err, sizeof(err)) && n == 0, "empty: n %d", n);
	CHECK(!usdt_args_parse("  ", args, &n, err, sizeof(err)) && n == 0, "blank: n %d", n);
	CHECK(!usdt_args_parse("-4@%esi  -4@-24(%rbp) 8@x+8(%rip) 2@%ax", args, &n, err, sizeof(err)) &&
		      n == 4 && args[2].sym && args[3].kind == USDT_ARG_REG,
	      "mixed: n %d (%s)", n, err);
	usdt_args_free(args, n);

	CHECK(usdt_args_parse("8@y(%rip) -4@%eax bogus", args, &n, err, sizeof(err)) == -EINVAL && n == 0,
	      "bad third: n %d", n);
	CHECK(!strcmp(err, "argument 'bogus': expected SIZE@ (1, 2, 4 or 8, negative when signed)"),
	      "bad third: %s", err);

	char many[256] = "";
	for (int i = 0; i <= USDT_MAX_ARGS; i++)
		strcat(many, "8@z(%rip) ");
	CHECK(usdt_args_parse(many, args, &n, err, sizeof(err)) == -E2BIG && n == 0, "13 args: n %d", n);
	CHECK(!strcmp(err, "more than 12 arguments"), "13 args: %s", err);
	many[strlen(many) - 10] = '\0';
	CHECK(!usdt_args_parse(many, args, &n, err, sizeof(err)) && n == USDT_MAX_ARGS, "12 args: n %d", n);
	usdt_args_free(args, n);
}

/* ---- The fixtures ---- */

/* A symbol of the file at path, read independently of the code under test. */
static bool elf_symbol(const char *path, const char *name, uint64_t *value, uint64_t *size)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	bool found = false;

	while (elf && !found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Sym s;
		for (size_t i = 0; !found && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *n = gelf_getsym(d, (int)i, &s) ? elf_strptr(elf, sh.sh_link, s.st_name) : NULL;
			if (n && !strcmp(n, name) && s.st_shndx != SHN_UNDEF) {
				*value = s.st_value;
				*size = s.st_size;
				found = true;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* The file offset of vaddr through the section headers (the code under test
 * goes through the program headers). */
static bool section_offset(const char *path, uint64_t vaddr, uint64_t *off)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	bool found = false;

	while (elf && !found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_addr && sh.sh_type == SHT_PROGBITS &&
		    vaddr >= sh.sh_addr && vaddr < sh.sh_addr + sh.sh_size) {
			*off = sh.sh_offset + (vaddr - sh.sh_addr);
			found = true;
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

static int byte_at(const char *path, uint64_t off)
{
	unsigned char b = 0;
	int fd = open(path, O_RDONLY);
	ssize_t r = pread(fd, &b, 1, (off_t)off);

	close(fd);
	return r == 1 ? b : -1;
}

/* One expected probe site. args: one word per argument, its kind letter
 * (C const, R register, D deref, S base+index*scale) and signed size. */
struct want {
	const char *provider, *name, *func;
	const char *args;
	bool sem;
};

static void arg_words(const struct usdt_probe *p, char *buf, size_t len)
{
	static const char letters[] = "CRDS";

	buf[0] = '\0';
	for (int i = 0; i < p->nargs; i++) {
		const struct usdt_arg *a = &p->args[i];
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%c%d", i ? " " : "", letters[a->kind],
			 a->is_signed ? -a->size : a->size);
	}
}

static const struct usdt_probe *find_probe(const struct usdt_probe *ps, int n, const struct want *w,
					   int nth)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(ps[i].provider, w->provider) && !strcmp(ps[i].name, w->name) && nth-- == 0)
			return &ps[i];
	return NULL;
}

/* The site: inside its function, a nop at its file offset, its semaphore. */
static void check_site(const char *path, const struct usdt_probe *p, const struct want *w)
{
	char words[128];
	uint64_t fn, fnsize, sem, semsize, off;

	CHECK(!p->error, "%s:%s: %s", w->provider, w->name, p->error);
	arg_words(p, words, sizeof(words));
	CHECK(!strcmp(words, w->args), "%s:%s: args '%s', want '%s' (spec '%s')", w->provider, w->name,
	      words, w->args, p->spec);
	CHECK(elf_symbol(path, w->func, &fn, &fnsize) && p->pc >= fn && p->pc < fn + fnsize,
	      "%s:%s: pc 0x%llx not in %s", w->provider, w->name, (unsigned long long)p->pc, w->func);
	CHECK(byte_at(path, p->file_offset) == 0x90, "%s:%s: no nop at offset 0x%llx", w->provider,
	      w->name, (unsigned long long)p->file_offset);
	if (!w->sem) {
		CHECK(!p->sem_vaddr && !p->sem_offset, "%s:%s: semaphore", w->provider, w->name);
		return;
	}
	char semname[128];
	snprintf(semname, sizeof(semname), "%s_%s_semaphore", w->provider, w->name);
	CHECK(elf_symbol(path, semname, &sem, &semsize) && p->sem_vaddr == sem && semsize == 2,
	      "%s:%s: semaphore at 0x%llx", w->provider, w->name, (unsigned long long)p->sem_vaddr);
	CHECK(section_offset(path, sem, &off) && p->sem_offset == off, "%s:%s: semaphore offset 0x%llx",
	      w->provider, w->name, (unsigned long long)p->sem_offset);
}

static void check_fixture(const char *file, const struct want *want, int nwant)
{
	const char *path = fixture(file);
	struct usdt_probe *ps;
	int n;
	char err[512] = "";

	int ret = usdt_notes_read(path, &ps, &n, err, sizeof(err));
	CHECK(ret == 0, "%s: %d %s", file, ret, err);
	CHECK(n == nwant, "%s: %d probe sites, want %d", file, n, nwant);
	for (int i = 0; i < nwant; i++) {
		int nth = 0;
		for (int j = 0; j < i; j++)
			nth += !strcmp(want[j].provider, want[i].provider) && !strcmp(want[j].name, want[i].name);
		const struct usdt_probe *p = find_probe(ps, n, &want[i], nth);
		CHECK(p, "%s: no site %d of %s:%s", file, nth, want[i].provider, want[i].name);
		if (p)
			check_site(path, p, &want[i]);
	}
	usdt_notes_free(ps, n);
}

static const struct want usdt_target_probes[] = {
	{ "scry", "constant", "probe_constant", "C-4 C-4 C-8 C1", false },
	{ "scry", "reg", "probe_reg", "R-4 R-4", false },
	{ "scry", "sizes_signed", "probe_sizes_signed", "R-1 R-2 R-4 R-8", false },
	{ "scry", "sizes_unsigned", "probe_sizes_unsigned", "R1 R2 R4 R8", false },
	{ "scry", "memory", "probe_memory", "D-4 D-8 D-8", false },
	{ "scry", "sib", "probe_sib", "S-4 S-4", false },
	{ "scry", "two", "probe_two", "R-4 R8", false },
	{ "scry", "twice", "probe_twice_a", "C-4 R-4", false },
	{ "scry", "twice", "probe_twice_b", "C-4 R-4", false },
	{ "scry", "withsem", "scry_withsem", "R-4", true },
};

static const struct want lib_probes[] = {
	{ "scrylib", "mul", "scry_lib_mul", "R-4 R-4", false },
	{ "scrylib", "sum", "scry_lib_sum", "R-4 R-8", false },
};

static const struct usdt_probe *read_one(const char *file, const char *name, struct usdt_probe **ps, int *n)
{
	*ps = NULL;
	*n = 0;
	if (usdt_notes_read(fixture(file), ps, n, NULL, 0))
		return NULL;
	for (int i = 0; i < *n; i++)
		if (!strcmp((*ps)[i].name, name))
			return &(*ps)[i];
	return NULL;
}

/* Values the fixture's source fixes: constants, and %rip-relative globals
 * resolved to symbol + offset - pc. */
static void test_values(void)
{
	struct usdt_probe *ps;
	int n;
	uint64_t g, pair, size;
	const struct usdt_probe *p = read_one("usdt_target", "constant", &ps, &n);

	CHECK(p && p->args[0].val == 42 && p->args[1].val == -7 && p->args[2].val == -1 &&
		      p->args[3].val == -56,
	      "constant values");
	p = p ? find_probe(ps, n, &(struct want){ "scry", "memory", NULL, NULL, false }, 0) : NULL;
	CHECK(p && !p->error, "memory probe");
	CHECK(elf_symbol(fixture("usdt_target"), "scry_global", &g, &size) &&
		      elf_symbol(fixture("usdt_target"), "scry_pair", &pair, &size),
	      "fixture symbols");
	if (p && !p->error) {
		CHECK(p->args[0].sym && !strcmp(p->args[0].sym, "scry_global") &&
			      !strcmp(p->args[0].reg_name, "rip") && p->args[0].val == (long long)(g - p->pc),
		      "scry_global: val %lld spec %s", p->args[0].val, p->spec);
		CHECK(p->args[1].sym && !strcmp(p->args[1].sym, "scry_pair") &&
			      p->args[1].val == (long long)(pair + 8 - p->pc),
		      "scry_pair.b: val %lld spec %s", p->args[1].val, p->spec);
		CHECK(!p->args[2].sym && p->args[2].kind == USDT_ARG_REG_DEREF && p->args[2].val < 0,
		      "stack local: spec %s", p->spec);
	}
	usdt_notes_free(ps, n);
}

static void test_files(void)
{
	struct usdt_probe *ps = (void *)1;
	int n = -1;
	char err[512] = "";

	check_fixture("usdt_target", usdt_target_probes,
		      sizeof(usdt_target_probes) / sizeof(usdt_target_probes[0]));
	check_fixture("libscry_test.so", lib_probes, sizeof(lib_probes) / sizeof(lib_probes[0]));
	check_fixture("uprobe_target", NULL, 0);

	CHECK(usdt_notes_read(fixture("no-such-file"), &ps, &n, err, sizeof(err)) == -ENOENT &&
		      !ps && n == 0,
	      "missing file");
	CHECK(strstr(err, "no-such-file: No such file or directory"), "missing file: %s", err);

	char tmp[] = "/tmp/scry-usdt-XXXXXX";
	int fd = mkstemp(tmp);
	CHECK(fd >= 0 && write(fd, "not an ELF file\n", 16) == 16, "temporary file");
	close(fd);
	CHECK(usdt_notes_read(tmp, &ps, &n, err, sizeof(err)) == -ENOEXEC && !ps && n == 0, "text file");
	CHECK(strstr(err, ": not an ELF file"), "text file: %s", err);
	unlink(tmp);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		perror("/proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(self));
	elf_version(EV_CURRENT);

	test_spec_cases();
	test_bad_cases();
	test_reg_offsets();
	test_spec_strings();
	test_files();
	test_values();
	if (failures) {
		fprintf(stderr, "unit-usdt_notes: %d failures\n", failures);
		return 1;
	}
	printf("unit-usdt_notes: ok\n");
	return 0;
}
