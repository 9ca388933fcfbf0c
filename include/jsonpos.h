/*
 * jsonpos: where things are in a JSON text, for messages that name a line:
 * the key of an object, the i-th element of an array, a repeated key. It
 * walks the structure (a key is found in its own object only) and never
 * decodes values; jansson reads them. Offsets are bytes into the text.
 */
#ifndef JSONPOS_H
#define JSONPOS_H

#include <stddef.h>

#define JSONPOS_NONE ((size_t)-1)

/* A text being searched; the text is borrowed. */
struct jsonpos {
	const char *text;
	size_t      len;
	size_t      memo_off; /* jsonpos_line()'s last answer, to go on */
	int         memo_line;
};

void   jsonpos_init(struct jsonpos *, const char *, size_t);
size_t jsonpos_root(const struct jsonpos *);
size_t jsonpos_end(const struct jsonpos *, size_t);
size_t jsonpos_first(const struct jsonpos *, size_t);
size_t jsonpos_next(const struct jsonpos *, size_t);
size_t jsonpos_key(const struct jsonpos *, size_t, const char *);
size_t jsonpos_value(const struct jsonpos *, size_t);
size_t jsonpos_elem(const struct jsonpos *, size_t, size_t);
size_t jsonpos_repeated(const struct jsonpos *, size_t, size_t *);
int    jsonpos_line(struct jsonpos *, size_t);

#endif /* JSONPOS_H */
