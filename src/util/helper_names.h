/* Names of the kernel's BPF helpers, as bpftrace prints them in its helper
 * error messages ("map_update_elem"): shared by the disassembler and the
 * runtime's warnings. */
#ifndef SCRY_HELPER_NAMES_H
#define SCRY_HELPER_NAMES_H

#include <stdint.h>

/* The name of BPF_FUNC_<name> without a "bpf_" prefix, or NULL for a number
 * the kernel's list does not have. */
const char *helper_name(int32_t id);

#endif
