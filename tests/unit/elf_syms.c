/* User-space ELF symbols against real files: libc as ldconfig knows it, this
 * test's own executable (built with a .symtab) and this very process, whose
 * functions must symbolize to their own names. File offsets are checked by
 * comparing the file's bytes with the code in memory. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/elf_syms.h"
#include "util/ldcache.h"
#include "util/strlist.h"
#include "check.h"


/* Functions of this executable: not inlined, kept, in .symtab */
__attribute__((noinline, used)) int elf_test_first(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

__attribute__((noinline, used)) int elf_test_second(int x)
{
	__asm__ volatile("" ::: "memory");
	return elf_test_first(x) ^ 0x55;
}

static char tmpdir[] = "/tmp/scry-elf-syms-XXXXXX";

static char *self_path(void)
{
	return realpath("/proc/self/exe", NULL);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

static bool same_file(const char *a, const char *b)
{
	struct stat x, y;
	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* What `ldconfig -p` says key resolves to on this ABI */
static char *ldconfig_path(const char *key)
{
	FILE *p = popen("ldconfig -p", "r");
	char line[1024], *found = NULL;
	size_t n = strlen(key);
	while (p && !found && fgets(line, sizeof(line), p)) {
		char *s = line + strspn(line, " \t"), *arrow = strstr(line, " => ");
#if defined(__x86_64__)
		if (!strstr(line, "x86-64"))
			continue;
#endif
		if (arrow && !strncmp(s, key, n) && s[n] == ' ') {
			arrow[strcspn(arrow, "\n")] = '\0';
			found = strdup(arrow + 4);
		}
	}
	if (p)
		pclose(p);
	return found;
}

static void check_resolve(const char *name, const char *want)
{
	char *got = elf_resolve_binary(name);
	CHECK(got && want && !strcmp(got, want), "resolve %s: got %s, want %s", name, got ? got : "NULL",
	      want ? want : "NULL");
	free(got);
}

static void test_resolve(void)
{
	char *libc = ldconfig_path("libc.so.6");
	CHECK(libc && ends_with(libc, "/libc.so.6") && access(libc, R_OK) == 0, "ldconfig -p: libc.so.6 is %s",
	      libc ? libc : "NULL");
	check_resolve("libc", libc);      /* NAME.so*, as bpftrace 0.17 */
	check_resolve("libc.so.6", libc); /* the exact name */
	check_resolve("c", libc);         /* libNAME.so* */
	char *libm = ldconfig_path("libm.so.6");
	check_resolve("libm", libm);
	free(libm);
	free(libc);

	char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent:/usr/bin:/bin", 1);
	check_resolve("bash", "/usr/bin/bash");
	check_resolve("/usr/bin/bash", "/usr/bin/bash");
	char cwd[PATH_MAX];
	CHECK(getcwd(cwd, sizeof(cwd)) && !chdir("/usr/bin"), "chdir");
	check_resolve("./bash", "/usr/bin/bash");
	CHECK(!chdir(cwd), "chdir back");

	errno = 0;
	char *none = elf_resolve_binary("scry_no_such_binary");
	CHECK(!none && errno == ENOENT, "unknown name: %s, errno %d", none, errno);
	free(none);
	none = elf_resolve_binary("/no/such/file");
	CHECK(!none, "missing path: %s", none);
	free(none);
	none = elf_resolve_binary("/etc/passwd");
	CHECK(!none, "text file: %s", none);
	free(none);
	none = elf_resolve_binary("");
	CHECK(!none, "empty name: %s", none);
	free(none);

	struct strlist l = { 0 };
	int n = elf_resolve_binaries("bas*", &l);
	CHECK(n >= 1 && strlist_find(&l, "/usr/bin/bash") >= 0, "bas* in PATH: %d files, no /usr/bin/bash", n);
	strlist_free(&l);
	n = elf_resolve_binaries("bash", &l);
	CHECK(n == 1 && !strcmp(l.items[0], "/usr/bin/bash"), "bash: %d files", n);
	CHECK(elf_resolve_binaries("bash", &l) == 0 && l.len == 1, "bash twice: %d files", l.len);
	strlist_free(&l);
	n = elf_resolve_binaries("/usr/bin/bas?", &l);
	CHECK(n == 1 && !strcmp(l.items[0], "/usr/bin/bash"), "/usr/bin/bas?: %d files", n);
	strlist_free(&l);
	if (old_path) {
		setenv("PATH", old_path, 1);
		free(old_path);
	}

	/* libc.so in the multiarch directory is a linker script: not a match */
	char pattern[PATH_MAX];
	libc = elf_resolve_binary("libc");
	if (libc) {
		snprintf(pattern, sizeof(pattern), "%.*s*", (int)(strlen(libc) - 2), libc); /* .../libc.so* */
		n = elf_resolve_binaries(pattern, &l);
		CHECK(strlist_find(&l, libc) >= 0, "%s: no %s", pattern, libc);
		for (int i = 0; i < l.len; i++)
			CHECK(!ends_with(l.items[i], "/libc.so"), "%s matched the linker script %s", pattern, l.items[i]);
		strlist_free(&l);
	}
	free(libc);
}

/* ---- ld.so.cache: a file written here in glibc's layout ---- */

#if defined(__x86_64__)
#define OURS 0x0303 /* libc6, x86-64 */
#elif defined(__aarch64__)
#define OURS 0x0a03
#endif

struct cache_lib {
	int32_t flags;
	const char *key, *value;
};

/* Writes the new format, after an old-format header when old_too */
static void write_cache(const char *path, const struct cache_lib *libs, int n, bool old_too)
{
	char buf[4096] = { 0 }, strings[2048];
	size_t at = 0, slen = 0, hdr = 48, ent = 24;
	if (old_too) {
		memcpy(buf, "ld.so-1.7.0", 11);
		at = 16; /* no old entries; the new format follows, 8-aligned */
	}
	char *h = buf + at;
	memcpy(h, "glibc-ld.so.cache1.1", 20);
	uint32_t nlibs = n, off;
	memcpy(h + 20, &nlibs, 4);
	size_t strings_at = hdr + n * ent;
	for (int i = 0; i < n; i++) {
		char *e = h + hdr + i * ent;
		memcpy(e, &libs[i].flags, 4);
		off = strings_at + slen;
		memcpy(e + 4, &off, 4);
		slen += sprintf(strings + slen, "%s", libs[i].key) + 1;
		off = strings_at + slen;
		memcpy(e + 8, &off, 4);
		slen += sprintf(strings + slen, "%s", libs[i].value) + 1;
	}
	memcpy(h + strings_at, strings, slen);
	FILE *f = fopen(path, "w");
	fwrite(buf, 1, at + strings_at + slen, f);
	fclose(f);
}

static void check_ldcache(const char *file, const char *key, bool prefix, const char *want)
{
	char *got = ldcache_find(file, key, prefix);
	CHECK(want ? got && !strcmp(got, want) : !got, "ldcache %s%s: got %s, want %s", key, prefix ? "*" : "",
	      got ? got : "NULL", want ? want : "NULL");
	free(got);
}

static void test_ldcache(void)
{
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%s/ld.so.cache", tmpdir);
#ifdef OURS
	const struct cache_lib libs[] = {
		{ OURS, "libfoo.so.2", "/x/libfoo.so.2" },
		{ OURS, "libfoo.so", "/x/libfoo.so" },
		{ 0x0003, "libbar.so.1", "/lib32/libbar.so.1" }, /* another ABI */
		{ OURS, "libbar.so.1", "/x/libbar.so.1" },
		{ OURS, "libfoobar.so.1", "/x/libfoobar.so.1" },
	};
	for (int old_too = 0; old_too < 2; old_too++) {
		write_cache(file, libs, 5, old_too);
		check_ldcache(file, "libfoo.so", false, "/x/libfoo.so");
		check_ldcache(file, "libfoo.so", true, "/x/libfoo.so.2"); /* the cache's order */
		check_ldcache(file, "libbar.so.1", false, "/x/libbar.so.1");
		check_ldcache(file, "libfoob", true, "/x/libfoobar.so.1");
		check_ldcache(file, "libbaz.so", true, NULL);
	}
	/* truncated: the strings are cut off */
	struct stat st;
	CHECK(!stat(file, &st) && !truncate(file, st.st_size - 30), "truncate");
	check_ldcache(file, "libfoobar.so.1", false, NULL);
#endif
	FILE *f = fopen(file, "w");
	fputs("not a cache", f);
	fclose(f);
	check_ldcache(file, "libc.so", true, NULL);
	check_ldcache("/nonexistent/ld.so.cache", "libc.so", true, NULL);
}

/* ---- symbol tables ---- */

/* The file's bytes at off equal the code at mem (x86 uprobes write an int3
 * over the first byte: that one is not compared) */
static bool bytes_match(const char *path, uint64_t off, const void *mem)
{
	unsigned char file[16];
	int fd = open(path, O_RDONLY);
	bool ok = fd >= 0 && pread(fd, file, sizeof(file), off) == sizeof(file) &&
		  !memcmp(file + 1, (const unsigned char *)mem + 1, sizeof(file) - 1);
	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_self_syms(void)
{
	char *self = self_path();
	const struct elf_syms *s = elf_syms_get(self);
	CHECK(s, "%s: %s", self, elf_strerror(errno));
	if (!s) {
		free(self);
		return;
	}
	CHECK(s->nsegs > 0, "no PT_LOAD");
	const struct elf_sym *f = elf_syms_find(s, "elf_test_first"), *g = elf_syms_find(s, "elf_test_second");
	CHECK(f && g, "own functions not found");
	if (f && g) {
		CHECK(f->size > 0 && f->bind == STB_GLOBAL, "elf_test_first: size %llu bind %d",
		      (unsigned long long)f->size, f->bind);
		CHECK(bytes_match(self, f->offset, (const void *)elf_test_first), "elf_test_first at offset 0x%llx",
		      (unsigned long long)f->offset);
		CHECK(bytes_match(self, g->offset, (const void *)elf_test_second), "elf_test_second at offset 0x%llx",
		      (unsigned long long)g->offset);
		uint64_t v = 0, o = 0;
		CHECK(elf_syms_off_to_vaddr(s, f->offset, &v) && v == f->vaddr, "offset 0x%llx -> vaddr 0x%llx",
		      (unsigned long long)f->offset, (unsigned long long)v);
		CHECK(elf_syms_vaddr_to_off(s, f->vaddr, &o) && o == f->offset, "vaddr -> offset 0x%llx",
		      (unsigned long long)o);
	}
	struct strlist l = { 0 };
	int n = elf_syms_match(s, "elf_test_*", &l);
	CHECK(n == 2 && l.len == 2 && !strcmp(l.items[0], "elf_test_first") && !strcmp(l.items[1], "elf_test_second"),
	      "elf_test_*: %d names", n);
	strlist_free(&l);
	CHECK(!elf_syms_find(s, "elf_test_"), "a prefix found a symbol");
	CHECK(!elf_syms_find(s, "zzzz_no_such_function"), "unknown name found");
	for (int i = 1; i < s->nsyms; i++) {
		if (s->syms[i].vaddr < s->syms[i - 1].vaddr) {
			CHECK(0, "not sorted at %d", i);
			break;
		}
	}
	free(self);
}

/* libc's own copy of a function, not a sanitizer's interposed one */
static void *libc_function(const char *name)
{
	void *h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	void *p = h ? dlsym(h, name) : NULL;
	if (h)
		dlclose(h);
	return p;
}

/* Whether the build id of path names a file in /usr/lib/debug/.build-id */
static bool debug_file_installed(const char *path)
{
	char cmd[PATH_MAX + 32], line[256], id[130] = "";
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		if (sscanf(line, " Build ID: %128[0-9a-f]", id) == 1)
			break;
	if (p)
		pclose(p);
	if (strlen(id) < 4)
		return false;
	snprintf(cmd, sizeof(cmd), "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
	return access(cmd, R_OK) == 0;
}

static void test_libc_syms(void)
{
	char *libc = elf_resolve_binary("libc");
	const struct elf_syms *s = libc ? elf_syms_get(libc) : NULL;
	CHECK(s, "libc: %s", libc ? elf_strerror(errno) : "not found");
	if (!s) {
		free(libc);
		return;
	}
	CHECK(s->dyn, "libc is not ET_DYN");
	const struct elf_sym *m = elf_syms_find(s, "malloc");
	CHECK(m && m->size > 0 && m->offset > 0, "malloc: %p", (void *)m);
	void *mem = libc_function("malloc");
	Dl_info info;
	if (m && mem && dladdr(mem, &info) && same_file(info.dli_fname, libc)) {
		CHECK(bytes_match(libc, m->offset, mem), "malloc at offset 0x%llx", (unsigned long long)m->offset);
		CHECK((uint64_t)mem - (uint64_t)info.dli_fbase == m->vaddr, "malloc's vaddr");
	} else {
		CHECK(0, "libc's malloc is not in %s", libc);
	}
	if (m) {
		uint64_t off = 0;
		const struct elf_sym *in = elf_syms_lookup(s, m->vaddr + 5, &off);
		CHECK(in && in->vaddr == m->vaddr && off == 5, "malloc+5: %s+%llu", in ? in->name : "NULL",
		      (unsigned long long)off);
		CHECK(in && !strcmp(in->name, "malloc"), "malloc+5 named %s, not malloc", in ? in->name : "NULL");
		in = elf_syms_lookup(s, m->vaddr + m->size, &off);
		CHECK(!in || in->vaddr != m->vaddr, "malloc's end is in malloc");
	}
	const struct elf_sym *ifunc = elf_syms_find(s, "memcpy");
	CHECK(ifunc, "memcpy (STT_GNU_IFUNC) not found");

	struct strlist l = { 0 };
	int n = elf_syms_match(s, "mallo*", &l);
	CHECK(n > 0 && strlist_find(&l, "malloc") >= 0, "mallo*: %d names, no malloc", n);
	for (int i = 1; i < l.len; i++)
		CHECK(strcmp(l.items[i - 1], l.items[i]) < 0, "mallo* not sorted unique: %s, %s", l.items[i - 1],
		      l.items[i]);
	for (int i = 0; i < l.len; i++)
		CHECK(!strncmp(l.items[i], "mallo", 5), "mallo* matched %s", l.items[i]);
	strlist_free(&l);

	/* libc6-dbg's debug file names the functions the stripped libc does not */
	if (debug_file_installed(libc)) {
		CHECK(elf_syms_find(s, "_IO_cookie_read"), "_IO_cookie_read: not read from the debug file");
		const char *part = NULL;
		for (int i = 0; i < s->nsyms && !part; i++)
			part = strstr(s->syms[i].name, ".part.") ? s->syms[i].name : NULL;
		CHECK(!part || elf_syms_find(s, part), "%s: not found", part);
		CHECK(elf_syms_match(s, "*.part.*", &l) == 0, "*.part.*: %d, but bpftrace lists none", l.len);
		strlist_free(&l);
	} else {
		fprintf(stderr, "note: no debug file for %s; install libc6-dbg to test them\n", libc);
	}

	/* the same file through another path is the same table */
	char *real = realpath(libc, NULL);
	CHECK(elf_syms_get(real) == s && elf_syms_get(libc) == s, "%s and %s: two tables", real, libc);
	free(real);
	free(libc);
}

static void test_errors(void)
{
	char path[PATH_MAX];
	errno = 0;
	CHECK(!elf_syms_get("/etc/passwd") && errno == ENOEXEC, "/etc/passwd: errno %d", errno);
	CHECK(!strcmp(elf_strerror(ENOEXEC), "not an ELF file"), "%s", elf_strerror(ENOEXEC));
	errno = 0;
	CHECK(!elf_syms_get("/no/such/file") && errno == ENOENT, "missing: errno %d", errno);
	errno = 0;
	CHECK(!elf_syms_get("/usr") && errno == EISDIR, "directory: errno %d", errno);
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	errno = 0;
	CHECK(!elf_syms_get(path) && errno == ENOEXEC, "empty file: errno %d", errno);
	/* an ELF header and nothing else */
	snprintf(path, sizeof(path), "%s/truncated", tmpdir);
	FILE *f = fopen(path, "w");
	fwrite("\177ELF\2\1\1", 1, 7, f);
	fclose(f);
	CHECK(!elf_syms_get(path), "a truncated ELF header loaded");
}

/* A rebuilt file (another mtime) is read again; the old table stays valid */
static void test_reload(void)
{
	char *self = self_path(), copy[PATH_MAX], cmd[2 * PATH_MAX];
	snprintf(copy, sizeof(copy), "%s/copy", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", self, copy);
	CHECK(!system(cmd), "%s", cmd);
	const struct elf_syms *a = elf_syms_get(copy);
	CHECK(a && elf_syms_get(copy) == a, "a second get read the file again");
	struct timespec times[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = 1000000000 } };
	CHECK(!utimensat(AT_FDCWD, copy, times, 0), "utimensat");
	const struct elf_syms *b = elf_syms_get(copy);
	CHECK(a && b && b != a && b->nsyms == a->nsyms, "the changed file was not read again");
	CHECK(a && elf_syms_find(a, "elf_test_first"), "the old table is gone");
	free(self);
}

/* A stripped copy of this executable with a .gnu_debuglink to its symbols,
 * made by objcopy as distributions make them */
static void test_debuglink(void)
{
	char *self = self_path(), cmd[4 * PATH_MAX], stripped[PATH_MAX], debug[PATH_MAX];
	snprintf(stripped, sizeof(stripped), "%s/stripped", tmpdir);
	snprintf(debug, sizeof(debug), "%s/stripped.debug", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && objcopy --only-keep-debug '%s' stripped.debug && "
		 "objcopy --strip-all --add-gnu-debuglink=stripped.debug '%s' stripped 2>/dev/null",
		 tmpdir, self, self);
	free(self);
	if (system(cmd)) {
		fprintf(stderr, "note: no objcopy; debug links are not tested\n");
		return;
	}
	const struct elf_syms *s = elf_syms_get(stripped);
	const struct elf_sym *f = s ? elf_syms_find(s, "elf_test_first") : NULL;
	CHECK(f, "elf_test_first: not read through the debug link");
	if (f)
		CHECK(bytes_match(stripped, f->offset, (const void *)elf_test_first), "offset 0x%llx in the stripped file",
		      (unsigned long long)f->offset);
	/* another debug file under that name: the CRC differs, it is not read */
	FILE *d = fopen(debug, "a");
	fputc(0, d);
	fclose(d);
	struct timespec times[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = 1000000000 } };
	CHECK(!utimensat(AT_FDCWD, stripped, times, 0), "utimensat"); /* read again */
	s = elf_syms_get(stripped);
	CHECK(s && !elf_syms_find(s, "elf_test_first"), "a debug file with another CRC was read");
}

/* ---- lookup rules on a hand-made table ---- */

static void check_lookup(const struct elf_syms *s, uint64_t vaddr, const char *want, uint64_t want_off)
{
	uint64_t off = 0;
	const struct elf_sym *sym = elf_syms_lookup(s, vaddr, &off);
	CHECK(want ? sym && !strcmp(sym->name, want) && off == want_off : !sym, "0x%llx: got %s+%llu, want %s+%llu",
	      (unsigned long long)vaddr, sym ? sym->name : "NULL", (unsigned long long)off, want ? want : "NULL",
	      (unsigned long long)want_off);
}

static void test_lookup_rules(void)
{
	const struct elf_sym syms[] = {
		{ "sized", 0x1000, 0x10, 0, STB_GLOBAL },
		{ "label", 0x1010, 0, 0, STB_GLOBAL }, /* size 0: only its own address */
		{ "outer", 0x1100, 0x100, 0, STB_GLOBAL },
		{ "inner", 0x1140, 0x10, 0, STB_LOCAL },
		{ "alias", 0x1300, 0x20, 0, STB_GLOBAL }, /* two names, the first preferred */
		{ "__alias", 0x1300, 0x20, 0, STB_GLOBAL },
	};
	struct elf_syms s = { .syms = syms, .nsyms = 6 };
	check_lookup(&s, 0xfff, NULL, 0);
	check_lookup(&s, 0x1000, "sized", 0);
	check_lookup(&s, 0x100f, "sized", 0xf);
	check_lookup(&s, 0x1010, "label", 0);
	check_lookup(&s, 0x1011, NULL, 0);
	check_lookup(&s, 0x1145, "inner", 5);
	check_lookup(&s, 0x1150, "outer", 0x50); /* past inner, still in outer */
	check_lookup(&s, 0x1200, NULL, 0);
	check_lookup(&s, 0x1301, "alias", 1);
	check_lookup(&s, 0x1320, NULL, 0);
	struct elf_syms empty = { 0 };
	check_lookup(&empty, 0x1000, NULL, 0);
}

/* Offsets and addresses through segments where they differ, as in a non-PIE
 * executable (the PIE files of this system load text at its own offset) */
static void test_segments(void)
{
	const struct elf_segment segs[] = {
		{ .vaddr = 0x400000, .offset = 0, .filesz = 0x1000 },
		{ .vaddr = 0x401000, .offset = 0x1000, .filesz = 0x500 },
		{ .vaddr = 0x603e10, .offset = 0x1e10, .filesz = 0x200 },
	};
	struct elf_syms s = { .segs = segs, .nsegs = 3 };
	uint64_t v = 0, o = 0;
	CHECK(elf_syms_vaddr_to_off(&s, 0x401234, &o) && o == 0x1234, "0x401234 -> 0x%llx", (unsigned long long)o);
	CHECK(elf_syms_vaddr_to_off(&s, 0x603e18, &o) && o == 0x1e18, "0x603e18 -> 0x%llx", (unsigned long long)o);
	CHECK(!elf_syms_vaddr_to_off(&s, 0x401500, &o), "0x401500 is past the segment's file data");
	CHECK(!elf_syms_vaddr_to_off(&s, 0x1234, &o), "0x1234 is in no segment");
	CHECK(elf_syms_off_to_vaddr(&s, 0x1234, &v) && v == 0x401234, "0x1234 -> 0x%llx", (unsigned long long)v);
	CHECK(elf_syms_off_to_vaddr(&s, 0x1e18, &v) && v == 0x603e18, "0x1e18 -> 0x%llx", (unsigned long long)v);
	CHECK(!elf_syms_off_to_vaddr(&s, 0x1600, &v), "0x1600 is in no segment");
}

/* ---- addresses of processes ---- */

static void check_usym(pid_t pid, uint64_t addr, int flags, const char *want, bool want_found)
{
	char buf[512];
	bool found = usym_resolve(pid, addr, flags, buf, sizeof(buf));
	CHECK(!strcmp(buf, want) && found == want_found, "usym(%d, 0x%llx, %d): got \"%s\" (%d), want \"%s\"",
	      (int)pid, (unsigned long long)addr, flags, buf, found, want);
}

static void test_usym_self(void)
{
	pid_t pid = getpid();
	uint64_t first = (uint64_t)(uintptr_t)elf_test_first;
	check_usym(pid, first, 0, "elf_test_first", true);
	check_usym(pid, first, USYM_OFFSET, "elf_test_first+0", true);
	check_usym(pid, first + 3, USYM_OFFSET, "elf_test_first+3", true);
	check_usym(pid, (uint64_t)(uintptr_t)elf_test_second + 1, 0, "elf_test_second", true);
	char *self = self_path(), want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "elf_test_first+3 (%s)", self);
	check_usym(pid, first + 3, USYM_OFFSET | USYM_MODULE, want, true);
	free(self);

	/* libc: getpid, or an alias at its address */
	void *getpid_mem = libc_function("getpid");
	char buf[256];
	CHECK(getpid_mem && usym_resolve(pid, (uint64_t)(uintptr_t)getpid_mem, 0, buf, sizeof(buf)),
	      "libc's getpid not symbolized");
	char *libc = elf_resolve_binary("libc");
	const struct elf_syms *s = libc ? elf_syms_get(libc) : NULL;
	const struct elf_sym *want_sym = s ? elf_syms_find(s, "getpid") : NULL, *got_sym = s ? elf_syms_find(s, buf) : NULL;
	CHECK(want_sym && got_sym && got_sym->vaddr == want_sym->vaddr, "getpid symbolized as %s", buf);
	free(libc);

	/* not code of a file: the address */
	int on_stack;
	uint64_t stack = (uint64_t)(uintptr_t)&on_stack;
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)stack);
	check_usym(pid, stack, USYM_OFFSET, want, false);
	snprintf(want, sizeof(want), "0x%llx ([unknown])", (unsigned long long)stack);
	check_usym(pid, stack, USYM_MODULE, want, false);
	check_usym(pid, 0, 0, "0", false);
	check_usym(pid, 0x10, 0, "0x10", false);
}

/* A library loaded after the maps were read: the maps are read again. (Not
 * an IFUNC such as cos: it resolves to an implementation stripped libraries
 * have no symbol for.) */
static void test_usym_dlopen(void)
{
	static const char *const libs[][2] = { { "libm.so.6", "cbrt" }, { "libresolv.so.2", "inet_net_pton" } };
	for (size_t i = 0; i < sizeof(libs) / sizeof(*libs); i++) {
		void *h = dlopen(libs[i][0], RTLD_LAZY | RTLD_NOLOAD);
		if (h) { /* already loaded: it would not test a new mapping */
			dlclose(h);
			continue;
		}
		h = dlopen(libs[i][0], RTLD_NOW);
		void *fn = h ? dlsym(h, libs[i][1]) : NULL;
		CHECK(fn, "%s: %s", libs[i][0], dlerror());
		if (fn)
			check_usym(getpid(), (uint64_t)(uintptr_t)fn, 0, libs[i][1], true);
		/* dlclose would unmap it while the test's maps still list it */
		return;
	}
	fprintf(stderr, "note: no unloaded library to dlopen; the reload of maps is not tested\n");
}

/* Another process: symbolized while it lives and, from what was read, after
 * it exits; once forgotten, only the address */
static void test_usym_child(void)
{
	int pipefd[2];
	CHECK(!pipe(pipefd), "pipe");
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) < 0);
	}
	close(pipefd[0]);
	uint64_t addr = (uint64_t)(uintptr_t)elf_test_second + 2; /* same addresses after fork */
	check_usym(child, addr, USYM_OFFSET, "elf_test_second+2", true);
	close(pipefd[1]);
	waitpid(child, NULL, 0);
	check_usym(child, addr, USYM_OFFSET, "elf_test_second+2", true);
	usym_forget(child);
	char want[64];
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)addr);
	check_usym(child, addr, USYM_OFFSET, want, false);
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_resolve();
	test_ldcache();
	test_self_syms();
	test_libc_syms();
	test_errors();
	test_reload();
	test_debuglink();
	test_lookup_rules();
	test_segments();
	test_usym_self();
	test_usym_dlopen();
	test_usym_child();
	elf_syms_free_all();
	cleanup();
	if (failures)
		fprintf(stderr, "%d elf_syms test(s) failed\n", failures);
	return failures != 0;
}
