#include "runtime/output_file.h"

#include <errno.h>
#include <string.h>

FILE *output_file_open(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "ERROR: Failed to open output file: \"%s\": %s\n", path, strerror(errno));
	return f;
}

void output_command(FILE *out, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	if (!p) {
		fprintf(stderr, "ERROR: system(\"%s\") failed\n", cmd);
		return;
	}
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, out);
	pclose(p);
}
