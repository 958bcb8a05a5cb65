/* -o FILE: the script's output in a file rather than on stdout. */
#ifndef SCRY_OUTPUT_FILE_H
#define SCRY_OUTPUT_FILE_H

#include <stdio.h>

/* Open (create or truncate) the file -o names; NULL after bpftrace's error. */
FILE *output_file_open(const char *path);

/* system() under -o: run cmd through the shell and copy what it writes to
 * its stdout into out, as bpftrace 0.17 does (its stderr stays ours). */
void output_command(FILE *out, const char *cmd);

#endif
