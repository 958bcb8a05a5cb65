#include "runtime/stacks.h"

#include <bpf/bpf.h>
#include <inttypes.h>

#include "codegen/resources.h"
#include "util/ksyms.h"

static int stack_fd = -1;

void stacks_init(int map_fd)
{
	stack_fd = map_fd;
	type_print_set_stack_printer(stack_print);
}

void stack_print(FILE *out, const struct type *t, uint64_t value, int indent)
{
	uint32_t id = (uint32_t)value;
	uint64_t ips[STACK_MAX_DEPTH] = { 0 };
	fputc('\n', out);
	if (stack_fd < 0 || (int32_t)id < 0 || bpf_map_lookup_elem(stack_fd, &id, ips))
		return;
	bool perf = t->name != NULL; /* perf's form: tab, address, symbol */
	for (int i = 0; i < STACK_MAX_DEPTH && i < t->len && ips[i]; i++) {
		uint64_t off;
		const char *name = t->user ? NULL : ksym_name(ips[i], &off);
		if (perf)
			fprintf(out, "\t%" PRIx64 " ", ips[i]);
		else
			fprintf(out, "%*s", indent, "");
		if (name)
			fprintf(out, "%s+%" PRIu64 "\n", name, off);
		else
			fprintf(out, perf ? "[unknown]\n" : "0x%" PRIx64 "\n", ips[i]);
	}
}
