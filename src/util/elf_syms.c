#include "util/elf_syms.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/ldcache.h"
#include "util/strlist.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* ==== which file ==== */

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#endif

static const char *const lib_dirs[] = {
	"/lib", "/usr/lib", "/lib64", "/usr/lib64",
#ifdef MULTIARCH
	"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH,
#endif
};

/* The ELF type of path (ET_EXEC, ET_DYN...), -1 when not an ELF file */
static int elf_type(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int type = -1;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (e && elf_kind(e) == ELF_K_ELF && gelf_getehdr(e, &eh))
		type = eh.e_type;
	elf_end(e);
	close(fd);
	return type;
}

/* What bpftrace accepts as a uprobe target: a shared object (PIE included),
 * or an executable its owner may run */
static bool usable(const char *path)
{
	struct stat st;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	int type = elf_type(path);
	return type == ET_DYN || (type == ET_EXEC && (st.st_mode & S_IXUSR));
}

static char *absolute(const char *path)
{
	return path[0] == '/' ? strdup(path) : realpath(path, NULL);
}

static char *usable_cache_entry(const char *key, bool prefix)
{
	char *path = ldcache_find(LDCACHE_PATH, key, prefix);
	if (path && !usable(path)) {
		free(path);
		path = NULL;
	}
	return path;
}

/* The first usable file of the glob pattern dir/name+suffix */
static char *glob_first(const char *dir, const char *name, const char *suffix)
{
	char pattern[PATH_MAX];
	if (snprintf(pattern, sizeof(pattern), "%s/%s%s", dir, name, suffix) >= (int)sizeof(pattern))
		return NULL;
	glob_t g;
	char *found = NULL;
	if (!glob(pattern, 0, NULL, &g))
		for (size_t i = 0; i < g.gl_pathc && !found; i++)
			if (usable(g.gl_pathv[i]))
				found = strdup(g.gl_pathv[i]);
	globfree(&g);
	return found;
}

static char *in_lib_dirs(const char *name, const char *suffix)
{
	char *found = NULL;
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(*lib_dirs) && !found; i++)
		found = glob_first(lib_dirs[i], name, suffix);
	return found;
}

static char *in_path(const char *name)
{
	const char *env = getenv("PATH");
	if (!env)
		return NULL;
	char *dirs = strdup(env), *save = NULL, *found = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", d, name) < (int)sizeof(path) && usable(path))
			found = absolute(path);
	}
	free(dirs);
	return found;
}

static char *resolve_bare(const char *name)
{
	char key[NAME_MAX + 8], *p;
	if ((p = usable_cache_entry(name, false)))
		return p;
	snprintf(key, sizeof(key), "%s.so", name);
	if ((p = usable_cache_entry(key, true)))
		return p;
	if ((p = in_lib_dirs(name, "")) || (p = in_lib_dirs(name, ".so*")))
		return p;
	if ((p = in_path(name)))
		return p;
	snprintf(key, sizeof(key), "lib%s.so", name);
	if ((p = usable_cache_entry(key, true)))
		return p;
	snprintf(key, sizeof(key), "lib%s", name);
	return in_lib_dirs(key, ".so*");
}

char *elf_resolve_binary(const char *name)
{
	char *p = NULL;
	if (strchr(name, '/'))
		p = usable(name) ? absolute(name) : NULL;
	else if (*name && strlen(name) <= NAME_MAX)
		p = resolve_bare(name);
	if (!p)
		errno = ENOENT;
	return p;
}

static int add_glob(const char *pattern, struct strlist *out)
{
	glob_t g;
	int added = 0;
	if (!glob(pattern, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char *p = usable(g.gl_pathv[i]) ? absolute(g.gl_pathv[i]) : NULL;
			if (p && strlist_find(out, p) < 0) {
				strlist_add(out, p);
				added++;
			}
			free(p);
		}
	}
	globfree(&g);
	return added;
}

int elf_resolve_binaries(const char *pattern, struct strlist *out)
{
	if (!strpbrk(pattern, "*?[")) {
		char *p = elf_resolve_binary(pattern);
		bool add = p && strlist_find(out, p) < 0;
		if (add)
			strlist_add(out, p);
		free(p);
		return add;
	}
	if (strchr(pattern, '/'))
		return add_glob(pattern, out);
	const char *env = getenv("PATH");
	char *dirs = strdup(env ? env : ""), *save = NULL;
	int added = 0;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", d, pattern) < (int)sizeof(path))
			added += add_glob(path, out);
	}
	free(dirs);
	return added;
}

/* ==== the function symbols of a file ==== */

struct table {
	struct elf_syms pub;
	dev_t dev; /* the file's identity: a rebuilt file is another table */
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct elf_sym *syms;
	struct elf_segment *segs;
	const struct elf_sym **by_name; /* by name, then address */
	char *names;                    /* every name, one after the other */
	char *path;
	struct table *next;
};

static struct table *tables;

bool elf_syms_vaddr_to_off(const struct elf_syms *s, uint64_t vaddr, uint64_t *off)
{
	for (int i = 0; i < s->nsegs; i++) {
		const struct elf_segment *g = &s->segs[i];
		if (vaddr >= g->vaddr && vaddr - g->vaddr < g->filesz) {
			*off = vaddr - g->vaddr + g->offset;
			return true;
		}
	}
	return false;
}

bool elf_syms_off_to_vaddr(const struct elf_syms *s, uint64_t off, uint64_t *vaddr)
{
	for (int i = 0; i < s->nsegs; i++) {
		const struct elf_segment *g = &s->segs[i];
		if (off >= g->offset && off - g->offset < g->filesz) {
			*vaddr = off - g->offset + g->vaddr;
			return true;
		}
	}
	return false;
}

static void read_segments(Elf *e, struct table *t)
{
	size_t n = 0;
	if (elf_getphdrnum(e, &n))
		return;
	t->segs = xrealloc(NULL, n * sizeof(*t->segs));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_LOAD)
			t->segs[t->pub.nsegs++] = (struct elf_segment){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	t->pub.segs = t->segs;
}

/* A symbol while loading: its name still points into libelf's data */
struct vec {
	struct elf_sym *v;
	int len, cap;
};

static void push(struct vec *v, struct elf_sym s)
{
	if (v->len == v->cap)
		v->v = xrealloc(v->v, (v->cap = v->cap ? v->cap * 2 : 256) * sizeof(*v->v));
	v->v[v->len++] = s;
}

static void read_symtab(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct table *t, struct vec *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || !sh->sh_entsize)
		return;
	for (size_t i = 0; i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, i, &sym))
			continue;
		int type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
		struct elf_sym s = { .name = name, .vaddr = sym.st_value, .size = sym.st_size,
				     .bind = GELF_ST_BIND(sym.st_info) };
		/* outside every PT_LOAD (a relocatable object): no uprobe can use it */
		if (name && *name && elf_syms_vaddr_to_off(&t->pub, s.vaddr, &s.offset))
			push(out, s);
	}
}

/* The STT_OBJECT symbol name of one symbol table section */
static bool find_object(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, const char *name, uint64_t *vaddr,
			uint64_t *size)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	for (size_t i = 0; d && sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym sym;
		const char *n;
		if (gelf_getsym(d, i, &sym) && GELF_ST_TYPE(sym.st_info) == STT_OBJECT &&
		    sym.st_shndx != SHN_UNDEF && sym.st_value && (n = elf_strptr(e, sh->sh_link, sym.st_name)) &&
		    !strcmp(n, name)) {
			*vaddr = sym.st_value;
			*size = sym.st_size;
			return true;
		}
	}
	return false;
}

int elf_data_symbol(const char *path, const char *name, uint64_t *vaddr, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	int rc = e && elf_kind(e) == ELF_K_ELF ? -ENOENT : -ENOEXEC;
	Elf_Scn *scn = NULL;
	while (rc == -ENOENT && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) &&
		    find_object(e, scn, &sh, name, vaddr, size))
			rc = 0;
	}
	elf_end(e);
	close(fd);
	return rc;
}

static int bind_rank(unsigned char bind)
{
	return bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
}

static int underscores(const char *s)
{
	int n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

/* By address, then the name usym should print first: "malloc" before
 * "__libc_malloc", "getpid" (weak) before "__getpid" */
static int by_addr(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	int d = underscores(x->name) - underscores(y->name);
	if (!d)
		d = bind_rank(x->bind) - bind_rank(y->bind);
	return d ? d : strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
	const struct elf_sym *x = *(const struct elf_sym *const *)a, *y = *(const struct elf_sym *const *)b;
	int d = strcmp(x->name, y->name);
	return d ? d : x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* .symtab and .dynsym both list most exported functions: keep one of each
 * name and address (the sort put the stronger binding first) */
static void dedup(struct vec *v)
{
	int n = 0;
	for (int i = 0; i < v->len; i++) {
		bool seen = false;
		for (int j = n - 1; j >= 0 && v->v[j].vaddr == v->v[i].vaddr && !seen; j--)
			seen = !strcmp(v->v[j].name, v->v[i].name);
		if (!seen)
			v->v[n++] = v->v[i];
	}
	v->len = n;
}

/* Copies the names out of libelf's data, which goes with the file */
static void own_names(struct table *t, struct vec *v)
{
	size_t total = 0;
	for (int i = 0; i < v->len; i++)
		total += strlen(v->v[i].name) + 1;
	char *p = t->names = xrealloc(NULL, total);
	for (int i = 0; i < v->len; i++) {
		size_t n = strlen(v->v[i].name) + 1;
		memcpy(p, v->v[i].name, n);
		v->v[i].name = p;
		p += n;
	}
}

/* ---- separate debug files ----
 * Distributions strip .symtab from their binaries into debug packages
 * (libc6-dbg): without them a library names only its exported functions.
 * Found as gdb, perf and bcc (so bpftrace) find them: by build id, then by
 * .gnu_debuglink with its CRC. A path under /proc/PID/root looks there. */

#define DEBUG_DIR "/usr/lib/debug"

static bool build_id(Elf *e, unsigned char *id, size_t *len)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(d = elf_getdata(scn, NULL)))
			continue;
		GElf_Nhdr nh;
		size_t off = 0, next, name_at, desc_at;
		while ((next = gelf_getnote(d, off, &nh, &name_at, &desc_at)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + name_at, "GNU", 4) && nh.n_descsz > 0 && nh.n_descsz <= 64) {
				memcpy(id, (char *)d->d_buf + desc_at, nh.n_descsz);
				*len = nh.n_descsz;
				return true;
			}
			off = next;
		}
	}
	return false;
}

/* "/proc/PID/root" when path is under it, else "" */
static size_t root_len(const char *path)
{
	int n = 0;
	if (sscanf(path, "/proc/%*d/root%n", &n) == 0 && n > 0 && path[n] == '/')
		return n;
	return 0;
}

static int open_by_build_id(Elf *e, const char *path)
{
	unsigned char id[64];
	size_t len;
	if (!build_id(e, id, &len))
		return -1;
	char name[PATH_MAX];
	int root = root_len(path);
	int n = snprintf(name, sizeof(name), "%.*s" DEBUG_DIR "/.build-id/%02x/", root, path, id[0]);
	if (n < 0 || (size_t)n + 2 * len + sizeof(".debug") > sizeof(name))
		return -1;
	char *p = name + n;
	for (size_t i = 1; i < len; i++)
		p += sprintf(p, "%02x", id[i]);
	strcpy(p, ".debug");
	return open(name, O_RDONLY | O_CLOEXEC);
}

static uint32_t file_crc(int fd)
{
	unsigned char buf[65536];
	uLong crc = crc32(0, Z_NULL, 0);
	ssize_t n;
	for (off_t off = 0; (n = pread(fd, buf, sizeof(buf), off)) > 0; off += n)
		crc = crc32(crc, buf, n);
	return crc;
}

static Elf_Data *section_named(Elf *e, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *n;
		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(e, shstrndx, sh.sh_name)) && !strcmp(n, name))
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* .gnu_debuglink: a file name, NUL, padding to 4, the file's CRC-32 */
static int open_by_debuglink(Elf *e, const char *path, const struct stat *self)
{
	Elf_Data *d = section_named(e, ".gnu_debuglink");
	const char *link = d ? d->d_buf : NULL;
	size_t n = link ? strnlen(link, d->d_size) : 0;
	size_t crc_at = (n + 4) & ~(size_t)3;
	if (!n || n >= NAME_MAX || crc_at + 4 > d->d_size)
		return -1;
	uint32_t crc;
	memcpy(&crc, link + crc_at, 4);
	const char *slash = strrchr(path, '/');
	int dir = slash ? slash - path : 0, root = root_len(path);
	char cand[3][PATH_MAX];
	snprintf(cand[0], PATH_MAX, "%.*s/%s", dir, path, link);
	snprintf(cand[1], PATH_MAX, "%.*s/.debug/%s", dir, path, link);
	snprintf(cand[2], PATH_MAX, "%.*s" DEBUG_DIR "%.*s/%s", root, path, dir - root, path + root, link);
	for (int i = 0; i < 3; i++) {
		struct stat st;
		int fd = open(cand[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && !(st.st_dev == self->st_dev && st.st_ino == self->st_ino) && file_crc(fd) == crc)
			return fd;
		close(fd);
	}
	return -1;
}

static int open_debug_file(Elf *e, const char *path, const struct stat *self)
{
	int fd = open_by_build_id(e, path);
	return fd >= 0 ? fd : open_by_debuglink(e, path, self);
}

static void read_sections(Elf *e, bool symtab_only, struct table *t, struct vec *v)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !symtab_only)))
			read_symtab(e, scn, &sh, t, v);
	}
}

/* The symbols of the file and of its debug file; the debug file's addresses
 * are the file's, so the file's segments give their offsets */
static void read_symbols(Elf *e, const char *path, const struct stat *st, struct table *t)
{
	struct vec v = { 0 };
	read_sections(e, false, t, &v);
	int dfd = open_debug_file(e, path, st);
	Elf *de = dfd >= 0 ? elf_begin(dfd, ELF_C_READ_MMAP, NULL) : NULL;
	if (de && elf_kind(de) == ELF_K_ELF)
		read_sections(de, true, t, &v);
	if (v.len) /* v.v is NULL without symbols, which qsort may not get */
		qsort(v.v, v.len, sizeof(*v.v), by_addr);
	dedup(&v);
	own_names(t, &v);
	elf_end(de);
	if (dfd >= 0)
		close(dfd);
	t->pub.syms = t->syms = v.v;
	t->pub.nsyms = v.len;
	t->by_name = xrealloc(NULL, v.len * sizeof(*t->by_name));
	for (int i = 0; i < v.len; i++)
		t->by_name[i] = &v.v[i];
	qsort(t->by_name, v.len, sizeof(*t->by_name), by_name);
}

static void table_free(struct table *t)
{
	free(t->syms);
	free(t->segs);
	free(t->by_name);
	free(t->names);
	free(t->path);
	free(t);
}

static struct table *table_load(int fd, const char *path, const struct stat *st)
{
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		elf_end(e);
		errno = ENOEXEC;
		return NULL;
	}
	struct table *t = xrealloc(NULL, sizeof(*t));
	*t = (struct table){ .path = strdup(path) };
	t->pub.path = t->path;
	t->pub.dyn = eh.e_type == ET_DYN;
	read_segments(e, t);
	read_symbols(e, path, st, t);
	elf_end(e);
	return t;
}

static bool same_file(const struct table *t, const struct stat *st)
{
	return t->dev == st->st_dev && t->ino == st->st_ino && t->size == st->st_size &&
	       t->mtime.tv_sec == st->st_mtim.tv_sec && t->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

const struct elf_syms *elf_syms_get(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	struct table *t = NULL;
	if (fstat(fd, &st)) {
		t = NULL;
	} else if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : ENOEXEC;
	} else {
		for (t = tables; t && !same_file(t, &st); t = t->next)
			;
		if (!t && (t = table_load(fd, path, &st))) {
			t->dev = st.st_dev;
			t->ino = st.st_ino;
			t->size = st.st_size;
			t->mtime = st.st_mtim;
			t->next = tables;
			tables = t;
		}
	}
	int err = errno;
	close(fd);
	errno = err;
	return t ? &t->pub : NULL;
}

const char *elf_strerror(int err)
{
	return err == ENOEXEC ? "not an ELF file" : strerror(err);
}

static const struct table *table_of(const struct elf_syms *s)
{
	return (const struct table *)((const char *)s - offsetof(struct table, pub));
}

const struct elf_sym *elf_syms_find(const struct elf_syms *s, const char *name)
{
	const struct elf_sym **by = table_of(s)->by_name;
	int lo = 0, hi = s->nsyms; /* the first whose name is >= name */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (strcmp(by[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nsyms && !strcmp(by[lo]->name, name) ? by[lo] : NULL;
}

int elf_syms_match(const struct elf_syms *s, const char *pattern, struct strlist *out)
{
	const struct elf_sym **by = table_of(s)->by_name;
	int added = 0;
	for (int i = 0; i < s->nsyms; i++) {
		if (i && !strcmp(by[i]->name, by[i - 1]->name))
			continue;
		/* GCC's split-off fragments, which bpftrace does not list: they
		 * are not functions one can trace */
		if (!fnmatch(pattern, by[i]->name, 0) && !strstr(by[i]->name, ".part.")) {
			strlist_add(out, by[i]->name);
			added++;
		}
	}
	return added;
}

static bool contains(const struct elf_sym *sym, uint64_t vaddr)
{
	return sym->size ? vaddr - sym->vaddr < sym->size : vaddr == sym->vaddr;
}

/* How far back lookup searches for a symbol around one that ends before the
 * address (a function with a nested symbol, such as a cold part) */
#define ENCLOSING_SEARCH 8

const struct elf_sym *elf_syms_lookup(const struct elf_syms *s, uint64_t vaddr, uint64_t *off)
{
	int lo = 0, hi = s->nsyms - 1, last = -1; /* the last symbol at or below vaddr */
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (s->syms[mid].vaddr <= vaddr) {
			last = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (last < 0)
		return NULL;
	int first = last; /* aliases at one address: the preferred one first */
	while (first > 0 && s->syms[first - 1].vaddr == s->syms[last].vaddr)
		first--;
	for (int i = first; i <= last; i++) {
		if (contains(&s->syms[i], vaddr)) {
			*off = vaddr - s->syms[i].vaddr;
			return &s->syms[i];
		}
	}
	for (int i = first - 1; i >= 0 && i >= first - ENCLOSING_SEARCH; i--) {
		if (s->syms[i].size && contains(&s->syms[i], vaddr)) {
			*off = vaddr - s->syms[i].vaddr;
			return &s->syms[i];
		}
	}
	return NULL;
}

/* ==== addresses of a process ==== */

struct mapping {
	uint64_t start, end, pgoff, ino;
	char *path; /* NULL when anonymous or a pseudo-file ([stack], [vdso]) */
	bool deleted;
	bool tried; /* syms was looked for */
	const struct elf_syms *syms;
};

struct proc {
	pid_t pid;
	struct mapping *maps; /* by address, as /proc/PID/maps lists them */
	int nmaps;
	dev_t exe_dev; /* the executable when the maps were read */
	ino_t exe_ino;
	bool gone;     /* usym_refresh found it exited: no maps, none read */
	struct proc *next;
};

static struct proc *procs;

static void maps_free(struct mapping *maps, int n)
{
	for (int i = 0; i < n; i++)
		free(maps[i].path);
	free(maps);
}

static bool parse_map_line(char *line, struct mapping *m)
{
	unsigned long long start, end, pgoff, ino;
	unsigned maj, min;
	char perms[8];
	int pos = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &pgoff, &maj, &min, &ino,
		   &pos) < 7 || !pos)
		return false;
	*m = (struct mapping){ .start = start, .end = end, .pgoff = pgoff, .ino = ino };
	char *path = line + pos;
	path[strcspn(path, "\n")] = '\0';
	if (path[0] != '/')
		return true;
	size_t n = strlen(path), del = strlen(" (deleted)");
	if (n > del && !strcmp(path + n - del, " (deleted)")) {
		path[n - del] = '\0';
		m->deleted = true;
	}
	m->path = strdup(path);
	return true;
}

static bool read_maps(pid_t pid, struct mapping **maps, int *n)
{
	char name[64];
	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(name, "re");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	int len = 0, mcap = 0;
	struct mapping *v = NULL, m;
	while (getline(&line, &cap, f) > 0) {
		if (!parse_map_line(line, &m))
			continue;
		if (len == mcap)
			v = xrealloc(v, (mcap = mcap ? mcap * 2 : 64) * sizeof(*v));
		v[len++] = m;
	}
	free(line);
	fclose(f);
	*maps = v;
	*n = len;
	return true;
}

/* The file /proc/PID/exe leads to; false when pid has exited or is a zombie */
static bool proc_exe(pid_t pid, struct stat *st)
{
	char name[64];
	snprintf(name, sizeof(name), "/proc/%d/exe", (int)pid);
	return !stat(name, st);
}

/* Reads pid's maps again; the old ones stay when it cannot (it exited) */
static bool proc_reload(struct proc *p)
{
	struct mapping *maps;
	struct stat exe = { 0 };
	int n;
	if (p->gone || !read_maps(p->pid, &maps, &n))
		return false;
	proc_exe(p->pid, &exe);
	maps_free(p->maps, p->nmaps);
	p->maps = maps;
	p->nmaps = n;
	p->exe_dev = exe.st_dev;
	p->exe_ino = exe.st_ino;
	return true;
}

/* The cached process pid, moved to the front (a stack's frames are all of
 * one process), or NULL */
static struct proc *proc_find(pid_t pid)
{
	for (struct proc **pp = &procs; *pp; pp = &(*pp)->next) {
		struct proc *p = *pp;
		if (p->pid == pid) {
			*pp = p->next;
			p->next = procs;
			procs = p;
			return p;
		}
	}
	return NULL;
}

static struct proc *proc_get(pid_t pid)
{
	struct proc *p = proc_find(pid);
	if (p)
		return p;
	p = xrealloc(NULL, sizeof(*p));
	*p = (struct proc){ .pid = pid };
	if (!proc_reload(p)) {
		free(p);
		return NULL;
	}
	p->next = procs;
	procs = p;
	return p;
}

static struct mapping *find_mapping(struct proc *p, uint64_t addr)
{
	int lo = 0, hi = p->nmaps - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (addr < p->maps[mid].start)
			hi = mid - 1;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

/* The mapped file as the process sees it: through its root (its mount
 * namespace), or, when that is not the mapped file (deleted, replaced),
 * through /proc/PID/map_files, which is the mapped file itself */
static const struct elf_syms *mapping_syms(pid_t pid, struct mapping *m)
{
	if (m->tried)
		return m->syms;
	m->tried = true;
	if (!m->path)
		return NULL;
	char root[PATH_MAX + 32], mapped[96];
	struct stat st;
	snprintf(root, sizeof(root), "/proc/%d/root%s", (int)pid, m->path);
	snprintf(mapped, sizeof(mapped), "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	bool same = !m->deleted && !stat(root, &st) && st.st_ino == m->ino;
	if (!same)
		m->syms = elf_syms_get(mapped);
	if (!m->syms && !m->deleted)
		m->syms = elf_syms_get(root);
	return m->syms;
}

static bool usym_enabled = true;

void usym_set_enabled(bool on)
{
	usym_enabled = on;
}

bool usym_resolve(pid_t pid, uint64_t addr, int flags, char *buf, size_t len)
{
	struct proc *p = usym_enabled ? proc_get(pid) : NULL;
	struct mapping *m = p ? find_mapping(p, addr) : NULL;
	if (p && !m && proc_reload(p)) /* mapped since we read the maps (dlopen) */
		m = find_mapping(p, addr);
	const struct elf_syms *syms = m ? mapping_syms(pid, m) : NULL;
	const struct elf_sym *sym = NULL;
	uint64_t vaddr, off = 0;
	if (syms && elf_syms_off_to_vaddr(syms, addr - m->start + m->pgoff, &vaddr))
		sym = elf_syms_lookup(syms, vaddr, &off);
	int n;
	if (sym)
		n = snprintf(buf, len, flags & USYM_OFFSET ? "%s+%llu" : "%s", sym->name, (unsigned long long)off);
	else /* as bpftrace prints (void *)addr: a null pointer is "0" */
		n = addr ? snprintf(buf, len, "0x%llx", (unsigned long long)addr) : snprintf(buf, len, "0");
	if ((flags & USYM_MODULE) && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (%s)", sym ? m->path : "[unknown]");
	return sym;
}

void usym_forget(pid_t pid)
{
	for (struct proc **pp = &procs; *pp; pp = &(*pp)->next) {
		if ((*pp)->pid == pid) {
			struct proc *p = *pp;
			*pp = p->next;
			maps_free(p->maps, p->nmaps);
			free(p);
			return;
		}
	}
}

bool usym_refresh(pid_t pid)
{
	struct stat exe;
	bool alive = proc_exe(pid, &exe);
	struct proc *p = proc_find(pid);
	if (!p && alive)
		return true; /* read when first resolved */
	if (!p) { /* remembered as gone: its addresses need no look at /proc */
		p = xrealloc(NULL, sizeof(*p));
		*p = (struct proc){ .pid = pid, .gone = true, .next = procs };
		procs = p;
	} else if (!alive) {
		maps_free(p->maps, p->nmaps);
		p->maps = NULL;
		p->nmaps = 0;
		p->gone = true;
	} else if (p->gone || exe.st_dev != p->exe_dev || exe.st_ino != p->exe_ino) {
		p->gone = false;
		proc_reload(p);
	}
	return alive;
}

void elf_syms_free_all(void)
{
	while (procs)
		usym_forget(procs->pid);
	while (tables) {
		struct table *t = tables;
		tables = t->next;
		table_free(t);
	}
}

int elf_process_files(pid_t pid, struct strlist *out)
{
	char name[64], line[4096 + 128];
	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(name, "re");
	if (!f)
		return -errno;
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		char perms[8], *path = strchr(line, '/');
		if (sscanf(line, "%*x-%*x %7s", perms) != 1 || strcmp(perms, "r-xp") || !path)
			continue;
		path[strcspn(path, "\n")] = 0;
		char *full;
		if (asprintf(&full, "/proc/%d/root%s", (int)pid, path) < 0)
			abort();
		if (strlist_find(out, full) < 0) {
			strlist_add(out, full);
			n++;
		}
		free(full);
	}
	fclose(f);
	return n;
}

char *elf_process_exe(pid_t pid)
{
	char link[64], path[4096], *full;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = 0;
	if (asprintf(&full, "/proc/%d/root%s", (int)pid, path) < 0)
		abort();
	return full;
}
