/* The C preprocessor bpftrace runs through clang, done by libtcc's: a
 * conforming one (function-like macros, #if expressions, GNU named variadic
 * macros that the kernel's uapi headers use) that reads glibc's and the
 * kernel's headers in a few milliseconds. Scripts without a directive skip
 * it. libtcc writes what it preprocesses to stdout: it is caught in a memfd. */
#include "parser/preprocess.h"

#include <libtcc.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/kernel_btf.h"

#define MAX_KERNEL_DIRS 8

/* A directive on any line but a first-line "#!" */
static bool has_directive(const char *text)
{
	for (const char *p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		p += strspn(p, " \t");
		if (*p == '#' && !(p == text && p[1] == '!'))
			return true;
	}
	return false;
}

/* Comments become spaces and the "#!" line an empty one, so each byte
 * keeps its column (libtcc turns a comment into one space). */
static char *blank_comments(const char *text)
{
	char *s = strdup(text);
	if (!s)
		abort();
	char *p = s;
	if (!strncmp(p, "#!", 2))
		while (*p && *p != '\n')
			*p++ = ' ';
	while (*p) {
		if (*p == '"') {
			for (p++; *p && *p != '"' && *p != '\n'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p == '"')
				p++;
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				*p++ = ' ';
		} else if (p[0] == '/' && p[1] == '*') {
			char *end = strstr(p + 2, "*/");
			char *stop = end ? end + 2 : p + strlen(p);
			for (; p < stop; p++)
				if (*p != '\n')
					*p = ' ';
		} else {
			p++;
		}
	}
	return s;
}

/* What libtcc compiles: the script, comments blanked, under its own name */
static char *tcc_input(const char *name, const char *blanked)
{
	char *input;
	size_t len;
	FILE *f = open_memstream(&input, &len);
	if (!f)
		abort();
	fputs("#line 1 \"", f);
	for (; *name; name++) {
		if (*name == '"' || *name == '\\')
			fputc('\\', f);
		fputc(*name, f);
	}
	fprintf(f, "\"\n%s", blanked);
	/* a directive without its newline at the end of the text makes libtcc
	 * reopen the header forever (found by the fuzzer) */
	size_t n = strlen(blanked);
	if (n && blanked[n - 1] != '\n')
		fputc('\n', f);
	fclose(f);
	return input;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* What bpftrace defines for the kernel's headers, and what clang, its
 * compiler, defines that they test (the kernel's headers know no tcc):
 * clang's feature tests answer "no", which the headers have fallbacks for. */
static const char *const kernel_defines[][2] = {
	{ "__KERNEL__", NULL },
	{ "__BPF_TRACING__", NULL },
	{ "__HAVE_BUILTIN_BSWAP16__", "" },
	{ "__HAVE_BUILTIN_BSWAP32__", "" },
	{ "__HAVE_BUILTIN_BSWAP64__", "" },
	{ "KBUILD_MODNAME", "\"bpftrace\"" },
	{ "__clang__", "1" },
	{ "__has_attribute(x)", "0" },
	{ "__has_feature(x)", "0" },
};

/* The kernel's headers as bpftrace finds them: BPFTRACE_KERNEL_SOURCE and
 * BPFTRACE_KERNEL_BUILD, else /lib/modules/$(uname -r)/{source,build}.
 * Their include folders go before the system's, with the defines bpftrace
 * gives clang. Where they are absent, out->no_kernel_headers says where. */
static void kernel_headers(TCCState *s, struct pp_out *out)
{
	struct utsname u;
	char def_src[400], def_obj[400];
	uname(&u);
	snprintf(def_obj, sizeof(def_obj), "/lib/modules/%s/build", u.release);
	snprintf(def_src, sizeof(def_src), "/lib/modules/%s/source", u.release);
	const char *kobj = getenv("BPFTRACE_KERNEL_BUILD");
	const char *ksrc = getenv("BPFTRACE_KERNEL_SOURCE");
	if (!kobj)
		kobj = ksrc ? ksrc : def_obj;
	if (!ksrc)
		ksrc = is_dir(def_src) && !getenv("BPFTRACE_KERNEL_BUILD") ? def_src : kobj;
	if (!is_dir(kobj) || !is_dir(ksrc)) {
		out->no_kernel_headers = strdup(kobj);
		return;
	}
	static const char *const dirs[MAX_KERNEL_DIRS][2] = {
		{ "s", "arch/x86/include" }, { "o", "arch/x86/include/generated" },
		{ "s", "include" },          { "o", "include" },
		{ "s", "arch/x86/include/uapi" }, { "o", "arch/x86/include/generated/uapi" },
		{ "s", "include/uapi" },     { "o", "include/generated/uapi" },
	};
	char path[600];
	for (int i = 0; i < MAX_KERNEL_DIRS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i][0][0] == 's' ? ksrc : kobj, dirs[i][1]);
		if (is_dir(path))
			tcc_add_include_path(s, path);
	}
	snprintf(path, sizeof(path), "-include %s/include/linux/kconfig.h", ksrc);
	if (access(path + 9, R_OK) == 0)
		tcc_set_options(s, path);
	for (size_t i = 0; i < sizeof(kernel_defines) / sizeof(kernel_defines[0]); i++)
		tcc_define_symbol(s, kernel_defines[i][0], kernel_defines[i][1]);
}

struct messages {
	char *error;             /* the first error, as libtcc words it */
	struct strlist warnings; /* each with its include chain */
};

static void on_message(void *opaque, const char *msg)
{
	struct messages *m = opaque;
	if (strstr(msg, ": warning: "))
		strlist_add(&m->warnings, msg);
	else if (!m->error)
		m->error = strdup(msg);
}

/* libtcc's preprocessed text, written to stdout, caught in a memfd */
static char *run(TCCState *s, const char *input)
{
	int fd = memfd_create("scry-cpp", MFD_CLOEXEC);
	int saved = dup(STDOUT_FILENO);
	if (fd < 0 || saved < 0)
		abort();
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	int rc = tcc_compile_string(s, input);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	off_t len = lseek(fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)len + 1);
	if (!text || pread(fd, text, (size_t)len, 0) != len)
		abort();
	close(fd);
	if (rc < 0) {
		free(text);
		return NULL;
	}
	return text;
}

int pp_run(const struct source *src, const struct pp_opts *opts, struct pp_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!opts->include_files.len && !has_directive(src->text)) {
		out->script = strdup(src->text);
		return 0;
	}
	struct messages m = { 0 };
	TCCState *s = tcc_new();
	tcc_set_error_func(s, &m, on_message);
	tcc_set_output_type(s, TCC_OUTPUT_PREPROCESS);
	/* a path such as /lib/x86_64-linux-gnu/ must not become x86_64-1-gnu */
	tcc_undefine_symbol(s, "linux");
	tcc_undefine_symbol(s, "unix");
	if (kernel_btf_available())
		tcc_define_symbol(s, "BPFTRACE_HAVE_BTF", "1");
	/* "header.h" is found beside the script, as a C compiler finds it */
	if (strchr(src->name, '/')) {
		char *dir = strdup(src->name);
		*strrchr(dir, '/') = 0;
		tcc_add_include_path(s, *dir ? dir : "/");
		free(dir);
	}
	for (int i = 0; i < opts->include_dirs.len; i++)
		tcc_add_include_path(s, opts->include_dirs.items[i]);
	kernel_headers(s, out);

	for (int i = 0; i < opts->include_files.len; i++) {
		char opt[PATH_MAX + 16];
		snprintf(opt, sizeof(opt), "-include %s", opts->include_files.items[i]);
		tcc_set_options(s, opt);
	}

	char *blanked = blank_comments(src->text);
	char *input = tcc_input(src->name, blanked);
	char *text = run(s, input);
	tcc_delete(s);

	for (int i = 0; i < m.warnings.len; i++)
		pp_report(m.warnings.items[i], "WARNING", src);
	int rc = text ? 0 : -1;
	if (text)
		pp_split(text, src->name, blanked, out);
	else {
		pp_report(m.error ? m.error : "the preprocessor failed", "ERROR", src);
		pp_out_free(out); /* the caller frees nothing after an error */
	}
	free(m.error);
	strlist_free(&m.warnings);
	free(input);
	free(blanked);
	free(text);
	return rc;
}

void pp_out_free(struct pp_out *out)
{
	free(out->script);
	for (int i = 0; i < out->nheaders; i++) {
		free(out->headers[i].path);
		free(out->headers[i].text);
	}
	free(out->headers);
	free(out->no_kernel_headers);
	memset(out, 0, sizeof(*out));
}
