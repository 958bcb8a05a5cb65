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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "unsafe", no_argument, NULL, OPT_UNSAFE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *prog = NULL, *dump = NULL;
	struct run_opts opts = { 0 };
	struct compile_opts copts = { 0 };
	bool list = false;
	int c;
	while ((c = getopt_long(argc, argv, "+e:d:lvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			list = true;
			break;
		case 'e':
			prog = optarg;
			break;
		case 'd':
			dump = optarg;
			if (strcmp(dump, "ast") && strcmp(dump, "insns")) {
				fprintf(stderr, "ERROR: unknown -d mode '%s' (expected: ast, insns)\n", dump);
				return 1;
			}
			break;
		case OPT_DRY_RUN:
			opts.dry_run = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case OPT_UNSAFE:
			copts.unsafe = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}

	if (list) {
		/* bpftrace lists everything when there is no pattern */
		probe_list(optind < argc ? argv[optind] : NULL, stdout);
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
		if (compile(ast, &copts, &compiled) == 0) {
			if (dump) {
				compiled_print(&compiled, stdout);
				rc = 0;
			} else {
				rc = run(&compiled, &opts);
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
