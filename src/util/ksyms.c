#include "util/ksyms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	char *name;
};

static struct ksym *syms;
static int nsyms;
static bool loaded;

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load(void)
{
	if (loaded)
		return;
	loaded = true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	char line[512], name[256], type;
	unsigned long long addr;
	int cap = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (nsyms == cap) {
			cap = cap ? cap * 2 : 4096;
			syms = realloc(syms, cap * sizeof(*syms));
			if (!syms)
				abort();
		}
		syms[nsyms++] = (struct ksym){ .addr = addr, .name = strdup(name) };
	}
	fclose(f);
	qsort(syms, nsyms, sizeof(*syms), by_addr);
}

bool ksym_addr(const char *name, uint64_t *addr)
{
	load();
	for (int i = 0; i < nsyms; i++) {
		if (!strcmp(syms[i].name, name)) {
			*addr = syms[i].addr;
			return true;
		}
	}
	return false;
}

const char *ksym_name(uint64_t addr, uint64_t *offset)
{
	load();
	int lo = 0, hi = nsyms - 1, found = -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (syms[mid].addr <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (found < 0 || syms[found].addr == 0)
		return NULL;
	*offset = addr - syms[found].addr;
	return syms[found].name;
}

void ksyms_free(void)
{
	for (int i = 0; i < nsyms; i++)
		free(syms[i].name);
	free(syms);
	syms = NULL;
	nsyms = 0;
	loaded = false;
}
