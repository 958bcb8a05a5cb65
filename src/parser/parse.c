/* The front end's entry point: run the scanner and parser over a script,
 * then split every attach point into its parts. */
#include <stdlib.h>
#include <string.h>

#include "parser/ast.h"
#include "probes/attach.h"
#include "parser/cdecl.h"
#include "parser/preprocess.h"
#include "parser.h"
#include "lexer.h"

static void parse_attach_points(struct node *prog)
{
	for (struct node *p = prog->prog.probes; p; p = p->next) {
		for (struct node *a = p->probe.attach; a; a = a->next) {
			struct attach_spec *spec = calloc(1, sizeof(*spec));
			if (!spec)
				abort();
			if (attach_parse(a, spec) == 0) {
				spec->one_of_many = p->probe.attach->next != NULL;
				a->attach.spec = spec;
			} else {
				free(spec);
			}
		}
	}
}

/* A script of comments, blanks or struct definitions only: bpftrace's
 * error spans from the end of the last token to the end of the text. */
static void no_probes(const struct node *prog, const struct lex_extra *end)
{
	struct loc l = { 1, 1, end->line, end->col };
	if (prog->prog.structs) {
		l.first_line = prog->loc.last_line;
		l.first_column = prog->loc.last_column;
	}
	diag_error(&l, "%s", "unexpected end of file, expected {");
}

/* The C declarations the script's #includes brought in, each at its
 * #include line (line 1 for --include). */
static void read_headers(struct node *prog, const struct pp_out *pp, const struct source *src)
{
	for (int i = 0; i < pp->nheaders; i++) {
		struct loc loc = pp_line_span(src, pp->headers[i].line ? pp->headers[i].line : 1);
		prog->prog.cdecls = node_list_append(prog->prog.cdecls, cdecl_read(pp->headers[i].text, &loc));
	}
	if (!pp->nheaders || !pp->no_kernel_headers)
		return;
	/* what an unknown identifier's error says: where scry looked */
	char note[1024];
	int len = snprintf(note, sizeof(note), "not defined by");
	for (int i = 0; i < pp->nheaders && len < (int)sizeof(note) - 300; i++)
		len += snprintf(note + len, sizeof(note) - len, "%s %s", i ? "," : "", pp->headers[i].path);
	snprintf(note + len, sizeof(note) - len, "; no kernel headers in %s", pp->no_kernel_headers);
	prog->prog.no_kernel_headers = strdup(note);
}

struct node *parse_script(const struct source *src, const struct pp_opts *opts)
{
	struct pp_out pp;
	if (pp_run(src, opts, &pp) < 0)
		return NULL;
	const char *text = pp.script;
	struct lex_extra extra = { .line = 1, .col = 1, .step_line = 1, .step_col = 1 };
	yyscan_t scanner;
	if (yylex_init_extra(&extra, &scanner))
		abort();
	YY_BUFFER_STATE buf = yy_scan_string(text, scanner);
	struct node *prog = NULL;
	int errors_before = diag_error_count();
	int rc = yyparse(scanner, &prog);
	if (rc == 0 && prog && !prog->prog.probes && diag_error_count() == errors_before)
		no_probes(prog, &extra);
	yy_delete_buffer(buf, scanner);
	yylex_destroy(scanner);
	free(extra.buf);

	const struct node *deep = prog ? node_deeper_than(prog->prog.probes, AST_MAX_DEPTH) : NULL;
	if (deep)
		diag_error(&deep->loc, "Nesting deeper than %d levels is not supported", AST_MAX_DEPTH);
	if (prog) {
		parse_attach_points(prog);
		read_headers(prog, &pp, src);
	}
	pp_out_free(&pp);
	if (rc || diag_error_count() > errors_before) {
		node_free(prog);
		return NULL;
	}
	return prog;
}
