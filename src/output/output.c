/* The backends -f chooses from. */
#include "output/output.h"

#include <string.h>

static const struct output_backend *const backends[] = { &output_text, &output_json, &output_folded,
							     &output_flamegraph };

const struct output_backend *output_backend(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

void output_list_formats(FILE *out)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		fprintf(out, "%s'%s'", i ? ", " : "", backends[i]->name);
}
