/* scry's command line: read the script, compile it, run it. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/env.h"
#include "cli/info.h"
#include "codegen/script.h"
#include "output/output.h"
#include "probes/probe.h"
#include "runtime/output_file.h"
#include "runtime/run.h"
#include "runtime/target.h"
#include "util/diag.h"
#include "util/elf_syms.h"
#include "util/kernel_btf.h"
#include "util/strlist.h"

static void usage(FILE *out)
{
	fputs("USAGE:\n"
	      "    scry [options] filename\n"
	      "    scry [options] - [arguments]    (the program on standard input)\n"
	      "    scry [options] -e 'program' [arguments]\n"
	      "    scry -l [pattern]\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -B MODE        output buffering mode ('line', 'full', 'none')\n"
	      "    -f FORMAT      output format ('text', 'json', 'folded': maps keyed by stacks as\n"
	      "                   folded stacks for flame graphs, 'flamegraph': those maps as an\n"
	      "                   SVG flame graph written at exit, the script's other output on stderr)\n"
	      "    -o file        redirect scry's output to file\n"
	      "    -e 'program'   execute this program\n"
	      "    -I DIR         add the directory to the include search path\n"
	      "    --include FILE add an #include file before preprocessing\n"
	      "    -c 'CMD'       run CMD (words split at spaces) once the probes are attached;\n"
	      "                   exit when it exits (`cpid` is its pid)\n"
	      "    -p PID         follow the process PID: exit when it exits\n"
	      "    --usdt-file-activation\n"
	      "                   accepted: usdt semaphores are always set in every process of the file\n"
	      "    -l [pattern]   list the attach points that match the pattern\n"
	      "    -d ast         print the syntax tree and exit\n"
	      "    -d insns       print the emitted BPF instructions and exit\n"
	      "    -dd            print both, then load through the verifier verbosely (-v) and exit\n"
	      "    -q             keep messages quiet: no \"Attaching N probes...\"\n"
	      "    --info         print the kernel features scry detects\n"
	      "    -k             emit a warning when a bpf helper returns an error (except read functions)\n"
	      "    -kk            check all bpf helper functions\n"
	      "    -V, --version  scry version\n"
	      "    --no-warnings  disable all warning messages\n"
	      "    -v             verbose: the verifier's log when it rejects a program\n"
	      "    --dry-run      compile and load through the verifier, attach nothing\n"
	      "    --unsafe       allow unsafe functions: system(), signal()\n"
	      "    -h, --help     show this help message\n"
	      "\n"
	      "ENVIRONMENT (also read as SCRY_NAME, which wins):\n"
	      "    BPFTRACE_STRLEN             [default: 64] bytes per str()\n"
	      "    BPFTRACE_NO_CPP_DEMANGLE    [default: 0] accepted (scry does not demangle C++ symbols)\n"
	      "    BPFTRACE_MAP_KEYS_MAX       [default: 4096] max keys in a map\n"
	      "    BPFTRACE_CAT_BYTES_MAX      [default: 10k] maximum bytes read by cat builtin\n"
	      "    BPFTRACE_MAX_PROBES         [default: 512] max number of probes\n"
	      "    BPFTRACE_MAX_BPF_PROGS      [default: 512] max number of generated BPF programs\n"
	      "    BPFTRACE_LOG_SIZE           [default: 16 MiB] verifier log size in bytes\n"
	      "    BPFTRACE_PERF_RB_PAGES      [default: 1 MiB in all] pages per CPU for the ring buffer\n"
	      "    BPFTRACE_NO_USER_SYMBOLS    [default: 0] disable user symbol resolution\n"
	      "    BPFTRACE_CACHE_USER_SYMBOLS [default: 1] accepted (symbols are cached per process)\n"
	      "    BPFTRACE_VMLINUX            [default: none] accepted (offsets are checked by the kernel)\n"
	      "    BPFTRACE_BTF                [default: none] BTF file for the kernel's types\n"
	      "    BPFTRACE_STACK_MODE         [default: bpftrace] mode of kstack and ustack ('perf')\n"
	      "    SCRY_ARCH                   [default: this machine's] registers that -d insns\n"
	      "                                listings read kprobe/uprobe arguments from (x86_64, arm64)\n",
	      out);
}

/* The whole of path, or of standard input for "-". */
static char *read_file(const char *path)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0, n;
	char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2)
			buf = realloc(buf, cap *= 2);
	}
	if (!in)
		fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

enum { OPT_DRY_RUN = 256, OPT_UNSAFE, OPT_INFO, OPT_NO_WARNINGS, OPT_INCLUDE, OPT_USDT_FILE_ACTIVATION };

struct cmdline {
	const char *prog, *dump, *cmd, *pid; /* -e, -d, -c, -p */
	bool list, info;
	const char *output; /* -o */
	const char *format; /* -f */
	struct pp_opts pp; /* -I and --include */
	struct env_config env;
	struct compile_opts compile;
	struct run_opts run;
};

/* -B: stdout's buffering, as bpftrace sets it. */
static int set_buffering(const char *mode)
{
	int m = !strcmp(mode, "line") ? _IOLBF : !strcmp(mode, "full") ? _IOFBF : !strcmp(mode, "none") ? _IONBF : -1;
	if (m < 0) {
		fprintf(stderr, "ERROR: USAGE: -B must be either 'line', 'full', or 'none'.\n");
		return 1;
	}
	setvbuf(stdout, NULL, m, BUFSIZ);
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct cmdline *cl)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "unsafe", no_argument, NULL, OPT_UNSAFE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "info", no_argument, NULL, OPT_INFO },
		{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
		{ "include", required_argument, NULL, OPT_INCLUDE },
		{ "usdt-file-activation", no_argument, NULL, OPT_USDT_FILE_ACTIVATION },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "e:d:c:p:lvhVqkB:o:f:I:", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			cl->list = true;
			break;
		case 'e':
			cl->prog = optarg;
			break;
		case 'c': /* bpftrace ignores an empty -c or -p */
			cl->cmd = *optarg ? optarg : NULL;
			break;
		case 'p':
			cl->pid = *optarg ? optarg : NULL;
			break;
		case 'd': /* -dd reads as -d with the argument "d" */
			cl->dump = optarg;
			if (strcmp(cl->dump, "ast") && strcmp(cl->dump, "insns") && strcmp(cl->dump, "d")) {
				fprintf(stderr, "ERROR: unknown -d mode '%s' (expected: ast, insns, or -dd)\n", cl->dump);
				return 1;
			}
			/* -dd, as bpftrace's: all the debug output, and verbose */
			if (!strcmp(cl->dump, "d"))
				cl->run.dry_run = cl->run.verbose = true;
			break;
		case OPT_DRY_RUN:
			cl->run.dry_run = true;
			break;
		case 'v':
			cl->run.verbose = true;
			break;
		case OPT_UNSAFE:
			cl->compile.unsafe = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("scry %s\n", SCRY_VERSION);
			return 0;
		case 'q':
			cl->run.quiet = true;
			break;
		case 'k':
			cl->compile.helper_checks++;
			break;
		case 'o':
			cl->output = optarg;
			break;
		case 'f':
			cl->format = optarg;
			break;
		case 'B':
			if (set_buffering(optarg))
				return 1;
			break;
		case 'I':
			strlist_add(&cl->pp.include_dirs, optarg);
			break;
		case OPT_INCLUDE:
			strlist_add(&cl->pp.include_files, optarg);
			break;
		case OPT_INFO:
			cl->info = true;
			break;
		case OPT_NO_WARNINGS:
			diag_set_no_warnings(true);
			break;
		case OPT_USDT_FILE_ACTIVATION:
			/* what scry always does: a semaphore is the uprobe's reference
			 * counter, which the kernel sets in every process of the file */
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (cl->compile.helper_checks > 2) { /* bpftrace: -k or -kk, no more */
		usage(stderr);
		return 1;
	}
	if (cl->cmd && cl->pid) {
		fprintf(stderr, "ERROR: USAGE: Cannot use both -c and -p.\n");
		usage(stderr);
		return 1;
	}
	return -1;
}

/* -p and -c, checked before the script is read, as bpftrace does (its
 * status for a bad -c is -1: 255). Returns -1 to go on, else the exit status. */
static int set_target(struct cmdline *cl, struct target *t)
{
	if (cl->pid && target_open_pid(t, cl->pid))
		return 1;
	if (cl->cmd && target_parse_cmd(t, cl->cmd))
		return 255;
	cl->run.env.pid = t->pid; /* -c's child is not forked yet: run() sets it */
	cl->run.target = cl->pid || cl->cmd ? t : NULL;
	cl->compile.child = cl->cmd != NULL;
	cl->compile.env.pid = cl->pid ? t->pid : 0; /* where usdt::NAME looks */
	return -1;
}

static int run_script(int argc, char **argv, const struct cmdline *cl);

/* What the environment sets, where the compiler, runtime and symbolisers take it. */
static void env_settings(struct cmdline *cl)
{
	if (cl->env.strlen)
		cl->compile.strlen = (int)cl->env.strlen;
	cl->run.cat_bytes_max = cl->env.cat_bytes_max;
	cl->run.log_size = cl->env.log_size;
	kernel_btf_set_file(cl->env.btf);
	if (cl->env.stack_mode && !strcmp(cl->env.stack_mode, "perf"))
		cl->compile.stack_mode = "perf";
	usym_set_enabled(!cl->env.no_user_symbols);
}

int main(int argc, char **argv)
{
	struct cmdline cl = { 0 };
	struct target target = TARGET_NONE;
	int rc = parse_options(argc, argv, &cl);
	if (rc < 0 && cl.info) {
		info_print(stdout, SCRY_VERSION);
		return 0;
	}
	if (rc < 0 && (env_read(&cl.env) || env_select_arch(cl.dump != NULL)))
		rc = 1;
	if (rc < 0)
		env_settings(&cl);
	if (rc < 0)
		cl.compile.ringbuf_size = env_ringbuf_size(&cl.env);
	if (rc < 0 && cl.output && !(cl.run.out = output_file_open(cl.output)))
		rc = 1;
	if (rc < 0 && cl.format && !(cl.run.format = output_backend(cl.format))) {
		fprintf(stderr, "ERROR: Invalid output format \"%s\"\nValid formats: ", cl.format);
		output_list_formats(stderr);
		fputc('\n', stderr);
		rc = 1;
	}
	if (rc < 0)
		rc = set_target(&cl, &target);
	if (rc < 0)
		rc = run_script(argc, argv, &cl);
	target_close(&target);
	if (cl.run.out)
		fclose(cl.run.out);
	strlist_free(&cl.pp.include_dirs);
	strlist_free(&cl.pp.include_files);
	return rc;
}

/* List attach points, or read, compile and run the script. */
static int run_script(int argc, char **argv, const struct cmdline *cl)
{
	const char *prog = cl->prog, *dump = cl->dump;
	if (cl->list) {
		/* bpftrace lists everything when there is no pattern */
		(cl->run.verbose ? probe_list_verbose : probe_list)(optind < argc ? argv[optind] : NULL, &cl->compile.env, stdout);
		return 0;
	}

	struct source src = { .name = "stdin" };
	if (prog && !*prog) {
		fprintf(stderr, "ERROR: USAGE: filename or -e 'program' required.\n");
		return 1;
	} else if (prog) {
		src.text = strdup(prog);
	} else if (optind < argc) {
		src.name = argv[optind++];
		src.text = read_file(src.name);
		if (!strcmp(src.name, "-"))
			src.name = "stdin"; /* as bpftrace names it */
		if (!src.text) {
			fprintf(stderr, "ERROR: failed to open file '%s'\n", src.name);
			return 1;
		}
	} else {
		usage(stderr);
		return 1;
	}

	struct script script;
	int rc = 1;
	struct params params = { .values = argv + optind, .n = argc - optind };
	bool all = dump && !strcmp(dump, "d"); /* -dd */
	if (script_parse(&script, &src, &cl->pp) == 0 && dump && (all || !strcmp(dump, "ast")))
		ast_print(script.ast, stdout);
	if (script.ast && dump && !strcmp(dump, "ast")) {
		rc = 0;
	} else if (script.ast && script_compile(&script, &params, &cl->compile) == 0) {
		if (dump)
			compiled_print(&script.compiled, stdout);
		if (dump && !all) {
			rc = 0;
		} else {
			env_apply(&cl->env, &script.compiled);
			if (cl->run.dry_run || !env_check_probes(&cl->env, &script.compiled))
				rc = run(&script.compiled, &cl->run);
		}
	}
	script_free(&script);
	free((char *)src.text);
	return rc;
}
