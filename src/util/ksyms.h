/* Kernel symbols from /proc/kallsyms: by name (kaddr) and by address
 * (ksym, kstack). Loaded once, on first use. */
#ifndef SCRY_KSYMS_H
#define SCRY_KSYMS_H

#include <stdbool.h>
#include <stdint.h>

/* The address of a kernel symbol; false when there is none. */
bool ksym_addr(const char *name, uint64_t *addr);
/* The symbol containing addr, and the offset into it; NULL when unknown. */
const char *ksym_name(uint64_t addr, uint64_t *offset);
void ksyms_free(void);

#endif
