/* The C preprocessor bpftrace runs through clang, done by libtcc's: a
 * conforming one (function-like macros, #if expressions, GNU named variadic
 * macros that the kernel's uapi headers use) that reads glibc's and the
 * kernel's headers in a few milliseconds. Scripts without a directive skip
 * it. libtcc writes what it preprocesses to stdout: it is caught in a memfd. */
#include "parser/preprocess.h"

#include <errno.h>
#include <libtcc.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
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

/* Where the kernel's headers are, as bpftrace finds them:
 * BPFTRACE_KERNEL_SOURCE and BPFTRACE_KERNEL_BUILD, else
 * /lib/modules/$(uname -r)/{source,build}. Found once, in the parent: it
 * reports their absence, and the child uses them. */
struct kernel_dirs {
	char src[PATH_MAX], obj[PATH_MAX];
	bool found;
};

static void find_kernel_dirs(struct kernel_dirs *k)
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
	snprintf(k->obj, sizeof(k->obj), "%s", kobj);
	snprintf(k->src, sizeof(k->src), "%s", ksrc);
	k->found = is_dir(kobj) && is_dir(ksrc);
}

/* The kernel's include folders before the system's, with the defines
 * bpftrace gives clang */
static void add_kernel_headers(TCCState *s, const struct kernel_dirs *k)
{
	if (!k->found)
		return;
	static const char *const dirs[MAX_KERNEL_DIRS][2] = {
		{ "s", "arch/x86/include" }, { "o", "arch/x86/include/generated" },
		{ "s", "include" },          { "o", "include" },
		{ "s", "arch/x86/include/uapi" }, { "o", "arch/x86/include/generated/uapi" },
		{ "s", "include/uapi" },     { "o", "include/generated/uapi" },
	};
	char path[PATH_MAX + 40];
	for (int i = 0; i < MAX_KERNEL_DIRS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i][0][0] == 's' ? k->src : k->obj,
			 dirs[i][1]);
		if (is_dir(path))
			tcc_add_include_path(s, path);
	}
	snprintf(path, sizeof(path), "-include %s/include/linux/kconfig.h", k->src);
	if (access(path + 9, R_OK) == 0)
		tcc_set_options(s, path);
	for (size_t i = 0; i < sizeof(kernel_defines) / sizeof(kernel_defines[0]); i++)
		tcc_define_symbol(s, kernel_defines[i][0], kernel_defines[i][1]);
}

/* The child's exit statuses other than 0: libtcc reported an error, or a
 * message of it could not be passed on */
enum { PP_FAILED = 3, PP_MESSAGE_LOST = 4 };

struct messages {
	char *error;             /* the first error, as libtcc words it */
	struct strlist warnings; /* each with its include chain */
};

static void add_message(struct messages *m, const char *msg)
{
	if (strstr(msg, ": warning: "))
		strlist_add(&m->warnings, msg);
	else if (!m->error)
		m->error = strdup(msg);
}

/* In the child: each message to the memfd whose number opaque holds, NUL-ended */
static void on_message(void *opaque, const char *msg)
{
	int fd = (int)(intptr_t)opaque;
	if (write(fd, msg, strlen(msg) + 1) < 0)
		_exit(PP_MESSAGE_LOST);
}

static int new_memfd(void)
{
	int fd = memfd_create("scry-cpp", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

/* The whole content of a memfd, NUL-terminated; *len its size */
static char *memfd_text(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)n + 1);
	if (!text || pread(fd, text, (size_t)n, 0) != n)
		abort();
	close(fd);
	*len = (size_t)n;
	return text;
}

/* libtcc set up as bpftrace sets up clang's preprocessor */
static TCCState *configure(const struct source *src, const struct pp_opts *opts,
			   const struct kernel_dirs *k)
{
	TCCState *s = tcc_new();
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
	add_kernel_headers(s, k);

	for (int i = 0; i < opts->include_files.len; i++) {
		char opt[PATH_MAX + 16];
		snprintf(opt, sizeof(opt), "-include %s", opts->include_files.items[i]);
		tcc_set_options(s, opt);
	}

	return s;
}

/* libtcc's preprocessed text, or NULL after an error (in m). libtcc runs in
 * a child process: its #if evaluates any C expression with its compiler,
 * which is not set up to preprocess only (`#if "x"` dereferences NULL, found
 * by the fuzzer), so a crash of it must not take scry down. The child writes
 * the text to stdout and its messages to memfds that the parent reads, and
 * exits 0, PP_FAILED or PP_MESSAGE_LOST; anything else is a crash (a
 * sanitizer's report of it, on the child's stderr, is libtcc's business:
 * stderr is closed). */
static char *run(const struct source *src, const struct pp_opts *opts,
		 const struct kernel_dirs *k, const char *input, struct messages *m)
{
	int out = new_memfd(), msgs = new_memfd();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		/* a crash ends the child as the kernel ends it, whatever handlers
		 * the parent installed (a sanitizer's, libFuzzer's) */
		static const int deadly[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
		for (size_t i = 0; i < sizeof(deadly) / sizeof(deadly[0]); i++)
			signal(deadly[i], SIG_DFL);
		TCCState *s = configure(src, opts, k);
		tcc_set_error_func(s, (void *)(intptr_t)msgs, on_message);
		dup2(out, STDOUT_FILENO);
		close(STDERR_FILENO);
		int rc = tcc_compile_string(s, input);
		fflush(stdout);
		_exit(rc < 0 ? PP_FAILED : 0);
	}
	int status = 0, rc;
	while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	int code = rc == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	size_t len;
	char *all = memfd_text(msgs, &len);
	for (size_t i = 0; i < len; i += strlen(all + i) + 1)
		add_message(m, all + i);
	free(all);
	char *text = memfd_text(out, &len);
	if (code == 0)
		return text;
	if (!m->error)
		m->error = strdup(code == PP_FAILED || code == PP_MESSAGE_LOST
					  ? "the preprocessor failed"
					  : "the preprocessor (libtcc) crashed on this script");
	free(text);
	return NULL;
}

int pp_run(const struct source *src, const struct pp_opts *opts, struct pp_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!opts->include_files.len && !has_directive(src->text)) {
		out->script = strdup(src->text);
		return 0;
	}
	struct messages m = { 0 };
	struct kernel_dirs k;
	find_kernel_dirs(&k);
	if (!k.found)
		out->no_kernel_headers = strdup(k.obj);
	char *blanked = blank_comments(src->text);
	char *input = tcc_input(src->name, blanked);
	char *text = run(src, opts, &k, input, &m);

	for (int i = 0; i < m.warnings.len; i++)
		pp_report(m.warnings.items[i], "WARNING", src);
	int rc = text ? 0 : -1;
	if (text)
		pp_split(text, src->name, blanked, out);
	else {
		pp_report(m.error, "ERROR", src);
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
