/* -o FILE: the script's output in a file rather than on stdout. */
#ifndef SCRY_OUTPUT_FILE_H
#define SCRY_OUTPUT_FILE_H

#include <stdio.h>

/* Open (create or truncate) the file -o names; NULL after bpftrace's error. */
FILE *output_file_open(const char *path);

#endif
