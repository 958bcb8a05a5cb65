/* scry's command line: read the script, compile it, run it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/ast.h"

static void usage(FILE *out)
{
	fputs("USAGE:\n"
	      "    scry [options] filename\n"
	      "    scry [options] -e 'program'\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -e 'program'   execute this program\n"
	      "    -d ast         print the syntax tree and exit\n"
	      "    --dry-run      compile and load through the verifier, attach nothing\n"
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

enum { OPT_DRY_RUN = 256 };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *prog = NULL, *dump = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+e:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			prog = optarg;
			break;
		case 'd':
			dump = optarg;
			if (strcmp(dump, "ast")) {
				fprintf(stderr, "ERROR: unknown -d mode '%s' (expected: ast)\n", dump);
				return 1;
			}
			break;
		case OPT_DRY_RUN:
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}

	struct source src = { .name = "stdin" };
	if (prog) {
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
	struct node *ast = parse_script(&src);
	int rc = ast ? 0 : 1;
	if (ast && dump)
		ast_print(ast, stdout);
	else if (ast) {
		fputs("ERROR: code generation is not implemented yet\n", stderr);
		rc = 1;
	}
	node_free(ast);
	free((char *)src.text);
	return rc;
}
