/*
 * scan: the scanning kit the line parsers share. Byte-level readers over
 * [p, end) that never read past end (blanks, digits, tokens, brackets),
 * level words, a zone token after a stamp, and the few record helpers
 * every header parser ends with. It knows no format; tstamp.c reads the
 * dates and clocks themselves.
 */
#ifndef SCAN_H
#define SCAN_H

#include <ctype.h>
#include <stddef.h>
#include <string.h>

struct record;
struct tstamp;

#define SCAN_TOKEN_MAX 256 /* longest header token worth reading */

/*
 * The byte readers every parser calls on every line are inline, so that
 * they cost what they cost when each parser file had its own copy.
 */

/* Skips spaces and tabs. */
static inline const char *
scan_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Number of consecutive digits at p. */
static inline size_t
scan_digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && isdigit((unsigned char)*q))
		q++;
	return (size_t)(q - p);
}

/* Length of the token at p, which ends at a space or a tab. */
static inline size_t
scan_token(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != ' ' && *q != '\t')
		q++;
	return (size_t)(q - p);
}

/* 1 if the text at p starts with the string s. */
static inline int
scan_prefix(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return p <= end && (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* The first c in [p, end), or NULL. */
static inline const char *
scan_char(const char *p, const char *end, int c)
{
	if (p >= end)
		return NULL;
	return memchr(p, c, (size_t)(end - p));
}

/* 1 if c is one of the bytes of set (never for NUL). */
static inline int
scan_in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

const char *scan_end(const char *, size_t);
int         scan_upper_word(const char *, size_t);
const char *scan_bracket(const char *, const char *, const char **, size_t *);
int         scan_iso_comma(const char *, size_t);

int         scan_level(const char *, size_t);
int         scan_letter_sev(int);
const char *scan_level_take(const char *, const char *, int *);

size_t scan_zone(const char *, const char *, struct tstamp *, int);
size_t scan_zone_after(const char *, const char *, struct tstamp *, int);
size_t scan_offset_after(const char *, const char *, struct tstamp *);
size_t scan_ctime(const char *, const char *, struct tstamp *);

void scan_field(struct record *, const char *, const char *, size_t);
void scan_field_opt(struct record *, const char *, const char *, size_t);
int
scan_done(struct record *, const struct tstamp *, const char *, const char *);

#endif /* SCAN_H */
