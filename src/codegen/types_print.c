#include "codegen/types.h"

#include <inttypes.h>
#include <string.h>

static int64_t load_signed(const void *p, int size)
{
	switch (size) {
	case 1: return *(const int8_t *)p;
	case 2: return *(const int16_t *)p;
	case 4: return *(const int32_t *)p;
	default: return *(const int64_t *)p;
	}
}

static uint64_t load_unsigned(const void *p, int size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

void type_print_value(FILE *out, const struct type *t, const void *data)
{
	switch (t->kind) {
	case T_INT:
		if (t->is_signed)
			fprintf(out, "%" PRId64, load_signed(data, t->size));
		else
			fprintf(out, "%" PRIu64, load_unsigned(data, t->size));
		break;
	case T_STR:
		fprintf(out, "%.*s", (int)strnlen(data, t->size), (const char *)data);
		break;
	case T_PTR:
	case T_KSYM:
		fprintf(out, "0x%" PRIx64, load_unsigned(data, 8));
		break;
	case T_TUPLE:
		fputc('(', out);
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				fputs(", ", out);
			type_print_value(out, t->fields[i].type, (const char *)data + t->fields[i].offset);
		}
		fputc(')', out);
		break;
	default:
		fprintf(out, "%" PRIu64, load_unsigned(data, t->size));
		break;
	}
}
