#include "util/helper_names.h"

#include <linux/bpf.h>
#include <stddef.h>

/* From the kernel's own list, indexed by BPF_FUNC_* number. */
#define HELPER_NAME(x) [BPF_FUNC_##x] = #x
static const char *const helpers[] = { __BPF_FUNC_MAPPER(HELPER_NAME) };
#undef HELPER_NAME

const char *helper_name(int32_t id)
{
	if (id >= 0 && (size_t)id < sizeof(helpers) / sizeof(helpers[0]) && helpers[id])
		return helpers[id];
	return NULL;
}
