/* Valid UTF-8, for the formats that must carry it (JSON, SVG). */
#ifndef SCRY_UTIL_UTF8_H
#define SCRY_UTIL_UTF8_H

#include <stddef.h>
#include <stdio.h>

/* The length of the UTF-8 sequence at p (n bytes left), 0 when invalid:
 * no overlong forms, surrogates or code points above U+10FFFF. */
size_t utf8_len(const unsigned char *p, size_t n);

/* Write s (len bytes) to out: valid multi-byte UTF-8 sequences as they are,
 * every other byte (ASCII, or a byte of no valid sequence) through byte(),
 * which escapes it as the format needs. */
void utf8_write(FILE *out, const char *s, size_t len, void (*byte)(FILE *out, unsigned char c));

#endif
