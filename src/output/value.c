/* Values as bpftrace 0.17 prints them (see value.h). */
#include "output/value.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <ftw.h>
#include <inttypes.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/elf_syms.h"
#include "util/load_int.h"
#include "util/ksyms.h"

static stack_printer print_stack;
static stack_walker walk_stack;

void value_set_stacks(stack_printer print, stack_walker walk)
{
	print_stack = print;
	walk_stack = walk;
}

void value_stack_frames(const struct type *t, const void *data, frame_fn each, void *ctx)
{
	if (walk_stack)
		walk_stack(t, load_int(data, 8, false), each, ctx);
}

/* strftime() of a bpf_ktime_get_ns() value: boot-relative, made wall-clock time. */
static void print_time(FILE *out, const char *fmt, uint64_t ns)
{
	struct timespec real, mono;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	int64_t wall_ns = (int64_t)ns + (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
	time_t secs = (time_t)(wall_ns / 1000000000);
	struct tm tm;
	char buf[256];
	localtime_r(&secs, &tm);
	if (strftime(buf, sizeof(buf), fmt, &tm))
		fputs(buf, out);
}

static void print_inet(FILE *out, const void *data)
{
	uint64_t family;
	char text[INET6_ADDRSTRLEN];
	memcpy(&family, data, 8);
	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, (const char *)data + 8, text, sizeof(text)))
		fputs(text, out);
}

/* buf(): printable bytes as they are, the others as \xNN, like bpftrace's %r */
static void print_buf(FILE *out, const void *data)
{
	uint64_t len;
	memcpy(&len, data, 8);
	const unsigned char *p = (const unsigned char *)data + 8;
	for (uint64_t i = 0; i < len; i++)
		fprintf(out, isprint(p[i]) ? "%c" : "\\x%02x", p[i]);
}

/* cgroup_path(): like bpftrace, "name:path" in every cgroup hierarchy (v2 as
 * "unified" first, then v1 by mount directory name) holding a directory whose
 * inode is the id; the filter is a glob over the names. */
static uint64_t wanted_cgroup;
static size_t mount_len;
static char found_cgroup[4096];

static int match_cgroup(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && (uint64_t)st->st_ino == wanted_cgroup) {
		snprintf(found_cgroup, sizeof(found_cgroup), "%s", path[mount_len] ? path + mount_len : "/");
		return 1;
	}
	return 0;
}

struct hierarchy {
	char name[64];
	char dir[256];
};

static int by_name(const void *a, const void *b)
{
	const struct hierarchy *x = a, *y = b;
	if (!strcmp(x->name, "unified") || !strcmp(y->name, "unified"))
		return strcmp(x->name, "unified") ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* cgroup mounts from /proc/self/mountinfo into h (room for max); returns how many */
static int cgroup_hierarchies(struct hierarchy *h, int max)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], dir[256], fstype[32];
	int n = 0;
	while (f && n < max && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", dir) != 1 || sscanf(sep + 3, "%31s", fstype) != 1)
			continue;
		bool v2 = !strcmp(fstype, "cgroup2");
		if (!v2 && strcmp(fstype, "cgroup"))
			continue;
		const char *base = strrchr(dir, '/');
		snprintf(h[n].name, sizeof(h[n].name), "%.63s", v2 ? "unified" : base ? base + 1 : dir);
		snprintf(h[n].dir, sizeof(h[n].dir), "%s", dir);
		n++;
	}
	if (f)
		fclose(f);
	qsort(h, n, sizeof(*h), by_name);
	return n;
}

static void print_cgroup(FILE *out, uint64_t id, const char *filter)
{
	struct hierarchy h[32];
	int n = cgroup_hierarchies(h, 32);
	bool first = true;
	wanted_cgroup = id;
	for (int i = 0; i < n; i++) {
		if (filter && fnmatch(filter, h[i].name, 0))
			continue;
		mount_len = strlen(h[i].dir);
		if (nftw(h[i].dir, match_cgroup, 16, FTW_PHYS) == 1) {
			fprintf(out, "%s%s:%s", first ? "" : ",", h[i].name, found_cgroup);
			first = false;
		}
	}
}

static void print_stack_indented(FILE *out, const struct type *t, const void *data, int indent)
{
	if (print_stack)
		print_stack(out, t, load_int(data, 8, false), indent);
}

/* "[e0,e1,...]": values and keys print arrays alike, each element as they print it. */
static void print_array(FILE *out, const struct type *t, const void *data,
			void (*print_elem)(FILE *, const struct type *, const void *))
{
	fputc('[', out);
	for (int i = 0; i < t->len; i++) {
		if (i)
			fputc(',', out);
		print_elem(out, t->to, (const char *)data + i * t->to->size);
	}
	fputc(']', out);
}

void value_print(FILE *out, const struct type *t, const void *data)
{
	switch (t->kind) {
	case T_INT:
		if (t->is_signed)
			fprintf(out, "%" PRId64, (int64_t)load_int(data, t->size, true));
		else
			fprintf(out, "%" PRIu64, load_int(data, t->size, false));
		break;
	case T_STR:
		fprintf(out, "%.*s", (int)strnlen(data, t->size), (const char *)data);
		break;
	case T_PTR: /* bpftrace prints a pointer value as a number, in a key as hex */
		fprintf(out, "%" PRId64, (int64_t)load_int(data, 8, true));
		break;
	case T_KSYM: {
		uint64_t off, addr = load_int(data, 8, false);
		const char *name = ksym_name(addr, &off);
		if (name)
			fputs(name, out);
		else if (addr)
			fprintf(out, "0x%" PRIx64, addr);
		else
			fputc('0', out); /* bpftrace streams a null pointer as "0" */
		break;
	}
	case T_USYM: {
		char sym[1024];
		pid_t pid = (pid_t)load_int((const char *)data + 8, 8, false);
		usym_refresh(pid);
		usym_resolve(pid, load_int(data, 8, false), 0, sym, sizeof(sym));
		fputs(sym, out);
		break;
	}
	case T_TIME:
		print_time(out, t->name, load_int(data, 8, false));
		break;
	case T_INET:
		print_inet(out, data);
		break;
	case T_BUF:
		print_buf(out, data);
		break;
	case T_MAC: {
		const unsigned char *m = data;
		fprintf(out, "%02X:%02X:%02X:%02X:%02X:%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
		break;
	}
	case T_CGROUP:
		print_cgroup(out, load_int(data, 8, false), t->name);
		break;
	case T_ERRNO:
		fputs(strerror((int)load_int(data, 8, false)), out);
		break;
	case T_USER: {
		struct passwd *pw = getpwuid((uid_t)load_int(data, 8, false));
		if (pw)
			fputs(pw->pw_name, out);
		else
			fprintf(out, "%" PRIu64, load_int(data, 8, false));
		break;
	}
	case T_STACK:
		print_stack_indented(out, t, data, 8);
		break;
	case T_ARRAY:
		print_array(out, t, data, value_print);
		break;
	case T_RECORD:
		fputs("{ ", out);
		for (int i = 0; i < t->nfields; i++) {
			fprintf(out, "%s.%s = ", i ? ", " : "", t->fields[i].name);
			value_print(out, t->fields[i].type, (const char *)data + t->fields[i].offset);
		}
		fputs(" }", out);
		break;
	case T_TUPLE:
		fputc('(', out);
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				fputs(", ", out);
			value_print(out, t->fields[i].type, (const char *)data + t->fields[i].offset);
		}
		fputc(')', out);
		break;
	default:
		fprintf(out, "%" PRIu64, load_int(data, t->size, false));
		break;
	}
}

char *value_text(void (*print)(FILE *, const struct type *, const void *), const struct type *t, const void *data,
		 size_t *len)
{
	char *text = NULL;
	FILE *mem = open_memstream(&text, len);
	print(mem, t, data);
	fclose(mem);
	return text;
}

/* Keys as bpftrace 0.17's MapKey prints them: integers signed whatever
 * their type, structs without spaces, a buffer's whole capacity (not its
 * length); the rest as values. */
void value_print_key(FILE *out, const struct type *t, const void *data)
{
	const char *p = data;
	switch (t->kind) {
	case T_INT:
		fprintf(out, "%" PRId64, (int64_t)load_int(data, t->size, true));
		break;
	case T_PTR:
		fprintf(out, "0x%" PRIx64, load_int(data, 8, false));
		break;
	case T_STACK:
		print_stack_indented(out, t, data, 4);
		break;
	case T_ARRAY:
		print_array(out, t, data, value_print_key);
		break;
	case T_RECORD:
		fputc('{', out);
		for (int i = 0; i < t->nfields; i++) {
			fprintf(out, "%s.%s=", i ? "," : "", t->fields[i].name);
			value_print_key(out, t->fields[i].type, p + t->fields[i].offset);
		}
		fputc('}', out);
		break;
	case T_BUF: {
		uint64_t len = (uint64_t)t->len;
		char whole[8 + 1024];
		if (t->len > 1024)
			len = 1024;
		memcpy(whole, &len, 8);
		memcpy(whole + 8, p + 8, len);
		print_buf(out, whole);
		break;
	}
	default:
		value_print(out, t, data);
		break;
	}
}
