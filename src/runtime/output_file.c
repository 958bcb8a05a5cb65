/* -o FILE: where the script's output goes instead of stdout. */
#include "runtime/output_file.h"

#include <errno.h>
#include <string.h>

FILE *output_file_open(const char *path)
{
	FILE *f = fopen(path, "we"); /* not inherited by system()'s commands */
	if (!f)
		fprintf(stderr, "ERROR: Failed to open output file: \"%s\": %s\n", path, strerror(errno));
	return f;
}
