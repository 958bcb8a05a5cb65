/* Reading an integer of a script's type from the bytes BPF code stored. */
#ifndef SCRY_UTIL_LOAD_INT_H
#define SCRY_UTIL_LOAD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* An integer of 1, 2, 4 or 8 bytes, sign-extended when signed. */
static inline uint64_t load_int(const void *p, int size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? (uint64_t)*(const int8_t *)p : *(const uint8_t *)p;
	case 2: return is_signed ? (uint64_t)*(const int16_t *)p : *(const uint16_t *)p;
	case 4: return is_signed ? (uint64_t)*(const int32_t *)p : *(const uint32_t *)p;
	default: {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	}
}

#endif
