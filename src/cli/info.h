/* --info: the system and the kernel features scry detects, in the form of
 * bpftrace's --info (sections of "  name: yes|no"). */
#ifndef SCRY_CLI_INFO_H
#define SCRY_CLI_INFO_H

#include <stdio.h>

void info_print(FILE *out, const char *version);

#endif
