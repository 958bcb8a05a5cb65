/* printf's text: a record's arguments formatted as bpftrace 0.17's printf
 * formats them. system(), cat() and print(value) records share it. */
#include "output/printf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output/value.h"
#include "util/fmtspec.h"

/* The text before a conversion goes through the C printf with it, as in
 * bpftrace: "%%" there prints '%', and so does a stray '%' we must not
 * pass on (it would read an argument that is not there). Returns true when
 * the text ends in a lone '%': with the conversion's '%' it makes "%%", and
 * the C printf then prints the conversion as text, its argument unused. */
static bool print_literal(FILE *out, const char *p, const char *end)
{
	while (p < end) {
		const char *pct = memchr(p, '%', (size_t)(end - p));
		if (!pct) {
			fwrite(p, 1, (size_t)(end - p), out);
			return false;
		}
		fwrite(p, 1, (size_t)(pct - p), out);
		if (pct + 1 == end)
			return true;
		fputc('%', out);
		p = pct + 1 + (pct[1] == '%');
	}
	return false;
}

/* %rx: every byte as \xNN; %rh: bytes as hex pairs separated by spaces. */
static void print_buf_hex(FILE *out, const char *data, bool escaped)
{
	uint64_t len;
	memcpy(&len, data, sizeof(len));
	const unsigned char *b = (const unsigned char *)data + 8;
	for (uint64_t i = 0; i < len; i++)
		fprintf(out, escaped ? "\\x%02x" : &" %02x"[i == 0], b[i]);
}

/* An integer as the C printf of bpftrace 0.17 reads its 64-bit argument:
 * without a 64-bit length only the low 32 bits (h and hh narrow further). */
static void print_int(FILE *out, const struct fmtspec *s, uint64_t v)
{
	char spec[48];
	int flags = (int)(s->key - s->start); /* "%-08.3" */
	char conv = s->key[s->key_len - 1];
	if (conv == 'p') {
		snprintf(spec, sizeof(spec), "%.*sp", flags, s->start);
		fprintf(out, spec, (void *)(uintptr_t)v);
	} else if (s->int_bits == 64) {
		snprintf(spec, sizeof(spec), "%.*sll%c", flags, s->start, conv);
		fprintf(out, spec, (unsigned long long)v);
	} else {
		/* keep h/hh: the C printf narrows the int itself */
		snprintf(spec, sizeof(spec), "%.*s", (int)(s->end - s->start), s->start);
		fprintf(out, spec, (unsigned)v);
	}
}

/* A value printed as text by %s (and by %r, which has no width). */
static void print_text(FILE *out, const struct fmtspec *s, const struct type *t, const char *data)
{
	char spec[48];
	size_t len;
	if (s->key == s->start + 1) { /* no flags, width or precision: the text as it is */
		value_print(out, t, data);
		return;
	}
	char *text = value_text(value_print, t, data, &len);
	snprintf(spec, sizeof(spec), "%.*ss", (int)(s->key - s->start), s->start);
	fprintf(out, spec, text);
	free(text);
}

static void print_arg(FILE *out, const struct fmtspec *s, const struct type *t, const char *data)
{
	if (s->want == FMT_INTEGER) {
		print_int(out, s, *(const uint64_t *)data);
	} else if (s->want == FMT_STRING) {
		print_text(out, s, t, data);
	} else if (s->key - s->start > 1) {
		/* bpftrace hands "%10r" to the C printf, which prints it as it is */
		fwrite(s->start, 1, (size_t)(s->end - s->start), out);
	} else if (s->key_len == 1) {
		print_text(out, s, t, data);
	} else {
		print_buf_hex(out, data, s->key[1] == 'x');
	}
}

void printf_format(FILE *out, const struct fmt_res *f, const char *args)
{
	const char *p = f->fmt;
	struct fmtspec s;
	for (int i = 0; i < f->args->nfields && fmtspec_next(p, &s); i++, p = s.end) {
		const struct field *fld = &f->args->fields[i];
		if (print_literal(out, p, s.start)) {
			fputc('%', out);
			fwrite(s.start + 1, 1, (size_t)(s.end - s.start - 1), out);
		} else {
			print_arg(out, &s, fld->type, args + fld->offset);
		}
	}
	/* bpftrace prints the text after the last conversion untouched: "%%" stays */
	fputs(p, out);
}
