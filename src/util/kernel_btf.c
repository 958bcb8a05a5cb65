#include "util/kernel_btf.h"

#include <unistd.h>

static const char *file; /* BPFTRACE_BTF, or NULL */

void kernel_btf_set_file(const char *path)
{
	file = path;
}

struct btf *kernel_btf_load(void)
{
	return file ? btf__parse(file, NULL) : btf__load_vmlinux_btf();
}

bool kernel_btf_available(void)
{
	return access(file ? file : "/sys/kernel/btf/vmlinux", R_OK) == 0;
}
