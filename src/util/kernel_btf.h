/* The kernel's BTF for its types (struct task_struct, enum constants, raw
 * tracepoint names): /sys/kernel/btf/vmlinux, or the file BPFTRACE_BTF
 * names, as bpftrace reads it. Attaching by BTF id (fentry) always uses the
 * running kernel's. */
#ifndef SCRY_KERNEL_BTF_H
#define SCRY_KERNEL_BTF_H

#include <bpf/btf.h>
#include <stdbool.h>

/* BPFTRACE_BTF: read types from path instead (NULL: the running kernel's). */
void kernel_btf_set_file(const char *path);
/* The BTF (the caller frees it), or NULL with errno set. */
struct btf *kernel_btf_load(void);
/* Whether there is one to read. */
bool kernel_btf_available(void);

#endif
