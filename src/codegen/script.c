/* The front end from text to instructions, in the order scry runs it. */
#include "codegen/script.h"

#include <string.h>

#include "codegen/types.h"
#include "util/elf_syms.h"

int script_parse(struct script *s, const struct source *src, const struct pp_opts *pp)
{
	memset(s, 0, sizeof(*s));
	diag_reset();
	node_ids_restart();
	diag_set_source(src);
	s->ast = parse_script(src, pp);
	return s->ast ? 0 : -1;
}

int script_compile(struct script *s, const struct params *params, const struct compile_opts *opts)
{
	positional_substitute(s->ast, params);
	return compile(s->ast, opts, &s->compiled);
}

void script_free(struct script *s)
{
	compiled_free(&s->compiled);
	node_free(s->ast);
	types_free_all();
	elf_syms_free_all();
	memset(s, 0, sizeof(*s));
}
