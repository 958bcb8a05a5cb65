/* UTF-8 sequences (see utf8.h). */
#include "util/utf8.h"

size_t utf8_len(const unsigned char *p, size_t n)
{
	static const struct {
		unsigned char first_lo, first_hi, second_lo, second_hi, len;
	} forms[] = {
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 }, { 0xe0, 0xe0, 0xa0, 0xbf, 3 }, { 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 }, { 0xee, 0xef, 0x80, 0xbf, 3 }, { 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 }, { 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if (p[0] < forms[f].first_lo || p[0] > forms[f].first_hi)
			continue;
		size_t len = forms[f].len;
		if (n < len || p[1] < forms[f].second_lo || p[1] > forms[f].second_hi)
			return 0;
		for (size_t i = 2; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		return len;
	}
	return 0;
}

void utf8_write(FILE *out, const char *s, size_t len, void (*byte)(FILE *out, unsigned char c))
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t seq = p[i] >= 0x80 ? utf8_len(p + i, len - i) : 1;
		if (seq > 1)
			fwrite(p + i, 1, seq, out);
		else
			byte(out, p[i]);
		i += seq ? seq : 1;
	}
}
