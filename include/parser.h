/*
 * parser: the table of log formats and per-source format detection. Each
 * format is a `const struct parser` with a pure parse function (line in,
 * record out, no state), so formats are tested alone with golden files.
 * Detection tries the format that read the previous line first, then all.
 */
#ifndef PARSER_H
#define PARSER_H

#include <stddef.h>

struct record;

struct parser {
	const char *name;
	/* Reads a line into r; 1 if the line is in this format, else 0. */
	int (*parse)(const char *, size_t, struct record *);
};

/* Per-source detection state. */
struct parser_state {
	const struct parser *last;
};

const struct parser *parser_find(const char *);
const struct parser *parser_detect(struct parser_state *, struct record *);
const struct parser *const *parser_all(void);

#endif /* PARSER_H */
