/* libFuzzer target over scry's front end: each input is a script, run
 * through script_parse and script_compile as `scry -d insns` runs it
 * (preprocessor, parser, type checker, emitter, lowering, disassembler),
 * loading nothing into the kernel. Built with -Dfuzz=true and CC=clang
 * (tests/fuzz/run). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Files that never end or block (an #include of /dev/zero, a uprobe on
 * /proc/kcore) hang any reader: the fuzzer leaves such inputs alone. */
static bool names_special_files(const char *text)
{
	return strstr(text, "/dev/") || strstr(text, "/proc/") || strstr(text, "/sys/");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *listing;
	if (!listing) {
		listing = fopen("/dev/null", "w");
		diag_set_no_warnings(true);
	}
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0; /* a NUL inside ends the script, as it ends -e's */
	if (names_special_files(text)) {
		free(text);
		return 0;
	}
	struct source src = { .name = "fuzz.bt", .text = text };
	struct pp_opts pp = { 0 };
	char *values[] = { "1", "two" };
	struct params params = { .values = values, .n = 2 };
	struct compile_opts opts = { .unsafe = true };
	struct script s;
	if (script_parse(&s, &src, &pp) == 0 && script_compile(&s, &params, &opts) == 0)
		compiled_print(&s.compiled, listing);
	script_free(&s);
	free(text);
	return 0;
}
