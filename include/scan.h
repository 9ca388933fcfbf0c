/*
 * scan: the scanning kit the line parsers share. Byte-level readers over
 * [p, end) that never read past end (blanks, digits, tokens, brackets),
 * level words, a zone token after a stamp, and the few record helpers
 * every header parser ends with. It knows no format; tstamp.c reads the
 * dates and clocks themselves.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>

struct record;
struct tstamp;

#define SCAN_TOKEN_MAX 256 /* longest header token worth reading */

const char *scan_end(const char *, size_t);
const char *scan_blank(const char *, const char *);
size_t      scan_digits(const char *, const char *);
size_t      scan_token(const char *, const char *);
int         scan_prefix(const char *, const char *, const char *);
const char *scan_char(const char *, const char *, int);
int         scan_in_set(int, const char *);
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
