/* A small C preprocessor for scripts: conditionals, #define, #include. */
#ifndef SCRY_PREPROCESS_H
#define SCRY_PREPROCESS_H

struct pp_error {
	const char *msg; /* NULL when there is none */
	int line, first_column, last_column;
};

/* The script with directives applied (a malloc'ed string, same line
 * numbers); err->msg tells the first error. */
char *preprocess(const char *text, struct pp_error *err);

#endif
