/* scry's command line: read the script, compile it, run it. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/compile.h"
#include "codegen/types.h"
#include "parser/ast.h"
#include "probes/probe.h"
#include "runtime/run.h"
#include "runtime/target.h"
#include "util/elf_syms.h"

static void usage(FILE *out)
{
	fputs("USAGE:\n"
	      "    scry [options] filename\n"
	      "    scry [options] -e 'program' [arguments]\n"
	      "    scry -l [pattern]\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -e 'program'   execute this program\n"
	      "    -c 'CMD'       run CMD (words split at spaces) once the probes are attached;\n"
	      "                   exit when it exits (`cpid` is its pid)\n"
	      "    -p PID         follow the process PID: exit when it exits\n"
	      "    -l [pattern]   list the attach points that match the pattern\n"
	      "    -d ast         print the syntax tree and exit\n"
	      "    -d insns       print the emitted BPF instructions and exit\n"
	      "    -v             verbose: the verifier's log when it rejects a program\n"
	      "    --dry-run      compile and load through the verifier, attach nothing\n"
	      "    --unsafe       allow unsafe functions: system(), signal()\n"
	      "    -h, --help     show this help message\n",
	      out);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0, n;
	char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

enum { OPT_DRY_RUN = 256, OPT_UNSAFE };

struct cmdline {
	const char *prog, *dump, *cmd, *pid; /* -e, -d, -c, -p */
	bool list;
	struct compile_opts compile;
	struct run_opts run;
};

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct cmdline *cl)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "unsafe", no_argument, NULL, OPT_UNSAFE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+e:d:c:p:lvh", longopts, NULL)) != -1) {
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
		case 'd':
			cl->dump = optarg;
			if (strcmp(cl->dump, "ast") && strcmp(cl->dump, "insns")) {
				fprintf(stderr, "ERROR: unknown -d mode '%s' (expected: ast, insns)\n", cl->dump);
				return 1;
			}
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
		default:
			usage(stderr);
			return 1;
		}
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

int main(int argc, char **argv)
{
	struct cmdline cl = { 0 };
	struct target target = TARGET_NONE;
	int rc = parse_options(argc, argv, &cl);
	if (rc < 0)
		rc = set_target(&cl, &target);
	if (rc < 0)
		rc = run_script(argc, argv, &cl);
	target_close(&target);
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
		if (!src.text) {
			fprintf(stderr, "ERROR: failed to open file '%s'\n", src.name);
			return 1;
		}
	} else {
		usage(stderr);
		return 1;
	}

	diag_set_source(&src);
	int rc = 1;
	struct node *ast = parse_script(&src);
	if (ast && dump && !strcmp(dump, "ast")) {
		ast_print(ast, stdout);
		rc = 0;
	} else if (ast) {
		struct params params = { .values = argv + optind, .n = argc - optind };
		positional_substitute(ast, &params);
		struct compiled compiled;
		if (compile(ast, &cl->compile, &compiled) == 0) {
			if (dump) {
				compiled_print(&compiled, stdout);
				rc = 0;
			} else {
				rc = run(&compiled, &cl->run);
			}
		}
		compiled_free(&compiled);
	}
	node_free(ast);
	types_free_all();
	elf_syms_free_all();
	free((char *)src.text);
	return rc;
}
