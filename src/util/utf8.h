/* Valid UTF-8, for the formats that must carry it (JSON, SVG). */
#ifndef SCRY_UTIL_UTF8_H
#define SCRY_UTIL_UTF8_H

#include <stddef.h>

/* The length of the UTF-8 sequence at p (n bytes left), 0 when invalid:
 * no overlong forms, surrogates or code points above U+10FFFF. */
size_t utf8_len(const unsigned char *p, size_t n);

#endif
