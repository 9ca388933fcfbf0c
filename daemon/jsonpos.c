/*
 * jsonpos: a structural scanner over JSON text that finds the offset (and
 * line) of a key in an object, of an element of an array and of a key
 * repeated within one object. The text has usually been read by jansson
 * already; on text that is not JSON it stays in bounds and ends, though
 * its answers then mean little. It does not decode strings or numbers.
 */
#include <string.h>

#include "jsonpos.h"

#define JSONPOS_DEPTH_MAX 256 /* nesting jsonpos_repeated() follows */

/* Prepares to search text, len bytes (borrowed). */
void
jsonpos_init(struct jsonpos *jp, const char *text, size_t len)
{
	jp->text = text;
	jp->len = len;
	jp->memo_off = 0;
	jp->memo_line = 1;
}

/* Returns 1 if c is JSON white space. */
static int
jsonpos_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Returns the offset of the first non-space byte at or after off. */
static size_t
jsonpos_skipws(const struct jsonpos *jp, size_t off)
{
	while (off < jp->len && jsonpos_space(jp->text[off]))
		off++;
	return off;
}

/* Returns the byte at off, or 0 past the end. */
static char
jsonpos_at(const struct jsonpos *jp, size_t off)
{
	return off < jp->len ? jp->text[off] : '\0';
}

/* Returns the offset of the top-level value. */
size_t
jsonpos_root(const struct jsonpos *jp)
{
	size_t off = jsonpos_skipws(jp, 0);

	return off < jp->len ? off : JSONPOS_NONE;
}

/* Returns the offset just past the string that starts at off. */
static size_t
jsonpos_string_end(const struct jsonpos *jp, size_t off)
{
	for (off++; off < jp->len && jp->text[off] != '"'; off++)
		if (jp->text[off] == '\\')
			off++;
	return off < jp->len ? off + 1 : jp->len;
}

/* Returns the offset just past the object or array that starts at off. */
static size_t
jsonpos_nest_end(const struct jsonpos *jp, size_t off)
{
	size_t depth = 0;

	while (off < jp->len) {
		switch (jp->text[off]) {
		case '"': off = jsonpos_string_end(jp, off); continue;
		case '{':
		case '[': depth++; break;
		case '}':
		case ']':
			if (--depth == 0)
				return off + 1;
			break;
		}
		off++;
	}
	return jp->len;
}

/* Returns the offset just past the value (or key) that starts at off. */
size_t
jsonpos_end(const struct jsonpos *jp, size_t off)
{
	char c = jsonpos_at(jp, off);

	if (off >= jp->len)
		return jp->len;
	if (c == '"')
		return jsonpos_string_end(jp, off);
	if (c == '{' || c == '[')
		return jsonpos_nest_end(jp, off);
	/* A number, true, false or null: up to a delimiter. */
	while (off < jp->len && !jsonpos_space(c = jp->text[off]) && c != ',' &&
	    c != ']' && c != '}' && c != ':')
		off++;
	return off;
}

/* Returns off if an element or key starts there, else JSONPOS_NONE. */
static size_t
jsonpos_item(const struct jsonpos *jp, size_t off)
{
	char c = jsonpos_at(jp, off);

	return c == '\0' || c == '}' || c == ']' || c == ',' ? JSONPOS_NONE
							     : off;
}

/*
 * Returns the offset of the first element of the array, or the first key
 * of the object, that starts at off; JSONPOS_NONE if it is empty or not
 * an array or object.
 */
size_t
jsonpos_first(const struct jsonpos *jp, size_t off)
{
	char c = jsonpos_at(jp, off); /* JSONPOS_NONE is past the end */

	if (c != '{' && c != '[')
		return JSONPOS_NONE;
	return jsonpos_item(jp, jsonpos_skipws(jp, off + 1));
}

/*
 * Returns the offset of the element or key after the one at off (a key
 * is followed by its value first), or JSONPOS_NONE after the last.
 */
size_t
jsonpos_next(const struct jsonpos *jp, size_t off)
{
	if (off == JSONPOS_NONE)
		return JSONPOS_NONE;
	off = jsonpos_skipws(jp, jsonpos_end(jp, off));
	if (jsonpos_at(jp, off) == ':')
		off = jsonpos_skipws(
		    jp, jsonpos_end(jp, jsonpos_skipws(jp, off + 1)));
	if (jsonpos_at(jp, off) != ',')
		return JSONPOS_NONE;
	return jsonpos_item(jp, jsonpos_skipws(jp, off + 1));
}

/* Returns 1 if the key at off is spelled, between its quotes, as key. */
static int
jsonpos_is_key(const struct jsonpos *jp, size_t off, const char *key)
{
	size_t len = strlen(key);

	return jsonpos_at(jp, off) == '"' &&
	    jsonpos_string_end(jp, off) == off + len + 2 &&
	    memcmp(jp->text + off + 1, key, len) == 0;
}

/*
 * Returns the offset of the key "key" of the object that starts at obj
 * (nested objects are not searched), or JSONPOS_NONE. Keys are compared
 * as written: a key spelled with escapes is not found.
 */
size_t
jsonpos_key(const struct jsonpos *jp, size_t obj, const char *key)
{
	size_t k;

	if (obj == JSONPOS_NONE || jsonpos_at(jp, obj) != '{')
		return JSONPOS_NONE;
	for (k = jsonpos_first(jp, obj); k != JSONPOS_NONE;
	     k = jsonpos_next(jp, k))
		if (jsonpos_is_key(jp, k, key))
			return k;
	return JSONPOS_NONE;
}

/* Returns the offset of the value of the key at off, or JSONPOS_NONE. */
size_t
jsonpos_value(const struct jsonpos *jp, size_t off)
{
	if (off == JSONPOS_NONE || jsonpos_at(jp, off) != '"')
		return JSONPOS_NONE;
	off = jsonpos_skipws(jp, jsonpos_string_end(jp, off));
	if (jsonpos_at(jp, off) != ':')
		return JSONPOS_NONE;
	return jsonpos_item(jp, jsonpos_skipws(jp, off + 1));
}

/* Returns the offset of element i of the array at arr, or JSONPOS_NONE. */
size_t
jsonpos_elem(const struct jsonpos *jp, size_t arr, size_t i)
{
	size_t e;

	if (arr == JSONPOS_NONE || jsonpos_at(jp, arr) != '[')
		return JSONPOS_NONE;
	for (e = jsonpos_first(jp, arr); e != JSONPOS_NONE && i > 0; i--)
		e = jsonpos_next(jp, e);
	return e;
}

/* Returns 1 if the keys at a and b are spelled the same. */
static int
jsonpos_same_key(const struct jsonpos *jp, size_t a, size_t b)
{
	size_t n = jsonpos_string_end(jp, a) - a;

	return jsonpos_string_end(jp, b) - b == n &&
	    memcmp(jp->text + a, jp->text + b, n) == 0;
}

static size_t
jsonpos_repeated_in(const struct jsonpos *, size_t, size_t *, int);

/* jsonpos_repeated() for the object at obj. */
static size_t
jsonpos_repeated_obj(
    const struct jsonpos *jp, size_t obj, size_t *first, int depth)
{
	size_t k, p, r;

	for (k = jsonpos_first(jp, obj); k != JSONPOS_NONE;
	     k = jsonpos_next(jp, k)) {
		for (p = jsonpos_first(jp, obj); p != k;
		     p = jsonpos_next(jp, p))
			if (jsonpos_same_key(jp, p, k)) {
				*first = p;
				return k;
			}
		r = jsonpos_repeated_in(jp, jsonpos_value(jp, k), first, depth);
		if (r != JSONPOS_NONE)
			return r;
	}
	return JSONPOS_NONE;
}

/* jsonpos_repeated() below a given depth. */
static size_t
jsonpos_repeated_in(
    const struct jsonpos *jp, size_t off, size_t *first, int depth)
{
	size_t e, r;

	if (off == JSONPOS_NONE || depth >= JSONPOS_DEPTH_MAX)
		return JSONPOS_NONE;
	if (jsonpos_at(jp, off) == '{')
		return jsonpos_repeated_obj(jp, off, first, depth + 1);
	if (jsonpos_at(jp, off) != '[')
		return JSONPOS_NONE;
	for (e = jsonpos_first(jp, off); e != JSONPOS_NONE;
	     e = jsonpos_next(jp, e))
		if ((r = jsonpos_repeated_in(jp, e, first, depth + 1)) !=
		    JSONPOS_NONE)
			return r;
	return JSONPOS_NONE;
}

/*
 * Returns the offset of the first key, in text order, that repeats an
 * earlier key of its own object, anywhere in the value at off; *first is
 * then the earlier one. JSONPOS_NONE if no object repeats a key.
 */
size_t
jsonpos_repeated(const struct jsonpos *jp, size_t off, size_t *first)
{
	return jsonpos_repeated_in(jp, off, first, 0);
}

/*
 * Returns the 1-based line of offset off (JSONPOS_NONE: line 1). Asking in
 * increasing order costs one pass over the text in all.
 */
int
jsonpos_line(struct jsonpos *jp, size_t off)
{
	size_t i;

	if (off == JSONPOS_NONE)
		return 1;
	if (off > jp->len)
		off = jp->len;
	if (off < jp->memo_off) {
		jp->memo_off = 0;
		jp->memo_line = 1;
	}
	for (i = jp->memo_off; i < off; i++)
		jp->memo_line += jp->text[i] == '\n';
	jp->memo_off = off;
	return jp->memo_line;
}
