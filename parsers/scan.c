/*
 * scan: the scanning kit the line parsers share: byte readers over
 * [p, end) that never read past end, level words, a zone token after a
 * stamp (never a level word such as INFO), ctime stamps, and the record
 * helpers a header parser ends with. No format is known here.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "record.h"
#include "scan.h"
#include "tstamp.h"
#include "tz.h"

/* The end of the line without its trailing CR and LF. */
const char *
scan_end(const char *line, size_t len)
{
	const char *end = line + len;

	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	return end;
}

/* 1 if [p, p + n) is an upper-case word. */
int
scan_upper_word(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isupper((unsigned char)p[i]) &&
		    !isdigit((unsigned char)p[i]))
			return 0;
	return n > 0;
}

/*
 * Reads "[text]" at p, nested brackets included ("[Peer[myid=1]/0:2181]"),
 * into s and n with the padding trimmed; returns its end or NULL.
 */
const char *
scan_bracket(const char *p, const char *end, const char **s, size_t *n)
{
	const char *q;
	int         depth = 0;

	if (p >= end || *p != '[')
		return NULL;
	for (q = p; q < end && q - p <= SCAN_TOKEN_MAX; q++) {
		if (*q == '[')
			depth++;
		else if (*q == ']' && --depth == 0) {
			*s = scan_blank(p + 1, q);
			*n = (size_t)(q - *s);
			while (*n > 0 && (*s)[*n - 1] == ' ')
				(*n)--;
			return q + 1;
		}
	}
	return NULL;
}

/* 1 if the ISO stamp of n bytes at p wrote its fraction with a comma. */
int
scan_iso_comma(const char *p, size_t n)
{
	return n > 19 && p[19] == ',';
}

/* Syslog severity of a level word (ERROR, Warning, debug2); -1 if none. */
int
scan_level(const char *p, size_t n)
{
	static const struct {
		const char *word;
		int         sev;
	} extra[] = {
	    {"note", 6},
	    {"system", 5},
	    {"noise", 7},
	    {"verbose", 7},
	    {"finer", 7},
	    {"finest", 7},
	    {"config", 6},
	    {"informational", 6},
	};
	size_t i;

	if (n < 3 || n > 13 || (n == 3 && strncasecmp(p, "log", 3) == 0))
		return -1;
	for (i = 0; i < n; i++)
		if (!isalpha((unsigned char)p[i]) &&
		    !(i == n - 1 && n == 6 && isdigit((unsigned char)p[i])))
			return -1;
	if (n == 6 && isdigit((unsigned char)p[5]))
		return strncasecmp(p, "debug", 5) == 0 ||
			strncasecmp(p, "trace", 5) == 0
		    ? 7
		    : -1;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (strlen(extra[i].word) == n &&
		    strncasecmp(extra[i].word, p, n) == 0)
			return extra[i].sev;
	return record_severity(p, n);
}

/* Severity of a one-letter level (I, W, E, F, D, V; Android's A). */
int
scan_letter_sev(int c)
{
	char ch = (char)c;

	if (c == 'A')
		return 2;
	return record_severity(&ch, 1);
}

/*
 * Reads a level token where a message may start: "[INFO]", "ERROR:",
 * "WARN ", "local.ERROR:", "Info   ". Sets *sev. Returns where the message
 * starts: after the token when it is plainly a level field, at p when it
 * is an ordinary word that only hints at one ("error connecting").
 */
const char *
scan_level_take(const char *p, const char *end, int *sev)
{
	const char *q, *w, *close;
	size_t      n;
	int         s;

	if (p < end && *p == '[') {
		close = scan_char(p + 1, end, ']');
		if (close == NULL || close - p > 16)
			return p;
		w = scan_blank(p + 1, close);
		for (q = close; q > w && q[-1] == ' '; q--)
			;
		if ((s = scan_level(w, (size_t)(q - w))) == -1)
			return p;
		*sev = s;
		return scan_blank(close + 1, end);
	}
	for (q = p; q < end && *q != ' ' && *q != '\t' && *q != ':' &&
	     *q != '|' && *q != ']' && q - p < 24;
	     q++)
		;
	n = (size_t)(q - p);
	for (w = q; w > p && w[-1] != '.'; w--)
		;
	if ((s = scan_level(w, (size_t)(q - w))) == -1)
		return p;
	if (w != p && (q >= end || *q != ':'))
		return p;
	*sev = s;
	if (q < end && (*q == ':' || *q == '|' || *q == ']'))
		return scan_blank(q + 1, end);
	if (scan_upper_word(p, n) || (q < end && *q == '\t') ||
	    scan_prefix(q, end, "  "))
		return scan_blank(q, end);
	return p;
}

/*
 * Reads a zone at p into t: an offset, Z, UTC/GMT or an abbreviation that
 * is not a level word (INFO, LOG); strict also demands a well-known
 * abbreviation. t is untouched on failure. Bytes consumed or 0.
 */
size_t
scan_zone(const char *p, const char *end, struct tstamp *t, int strict)
{
	struct tstamp z = *t;
	size_t        n;

	if ((n = tstamp_zone(p, end, &z)) == 0)
		return 0;
	if (z.zone == TSTAMP_ZONE_ABBR &&
	    (scan_level(p, n) != -1 || (n == 3 && memcmp(p, "LOG", 3) == 0) ||
		(strict && !tz_abbr_known(z.abbr))))
		return 0;
	*t = z;
	return n;
}

/* Reads " ZONE" after a stamp that has none yet; bytes consumed or 0. */
size_t
scan_zone_after(const char *p, const char *end, struct tstamp *t, int strict)
{
	size_t n;

	if (t->zone != TSTAMP_ZONE_NONE || p >= end || *p != ' ' ||
	    (n = scan_zone(p + 1, end, t, strict)) == 0)
		return 0;
	return n + 1;
}

/* Reads a numeric " -0800" after a stamp; bytes consumed or 0. */
size_t
scan_offset_after(const char *p, const char *end, struct tstamp *t)
{
	if (p + 1 >= end || *p != ' ' || (p[1] != '+' && p[1] != '-'))
		return 0;
	return scan_zone_after(p, end, t, 1);
}

/* Reads "Wdy Mon dd HH:MM:SS[.frac] [ZONE] yyyy" (ctime); bytes or 0. */
size_t
scan_ctime(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p;
	size_t      n;

	if (end - q < 8 || tstamp_weekday(q, 3) == 0 || q[3] != ' ' ||
	    tstamp_mon_abbr(q + 4, end, &t->mon) == 0 || q[7] != ' ')
		return 0;
	q += 8;
	if (q < end && *q == ' ')
		q++;
	if ((n = tstamp_mday(q, end, &t->day)) == 0)
		return 0;
	q += n;
	if (q >= end || *q != ' ' || (n = tstamp_hms(q + 1, end, t, 0)) == 0)
		return 0;
	q += 1 + n;
	if (q < end && *q == ' ' && (n = scan_zone(q + 1, end, t, 0)) != 0)
		q += 1 + n;
	if (q >= end || *q != ' ' || !tstamp_digits(q + 1, end, 4, &t->year) ||
	    (q + 5 < end && isdigit((unsigned char)q[5])))
		return 0;
	return (size_t)(q + 5 - p);
}

/* Adds the field named by the literal k with the value [v, v + n). */
void
scan_field(struct record *r, const char *k, const char *v, size_t n)
{
	(void)record_add_field(r, k, strlen(k), v, n);
}

/* Adds the field k when the value is not empty. */
void
scan_field_opt(struct record *r, const char *k, const char *v, size_t n)
{
	if (v != NULL && n > 0)
		scan_field(r, k, v, n);
}

/* Stores the stamp and the message [p, end) less a trailing CR; returns 1. */
int
scan_done(
    struct record *r, const struct tstamp *t, const char *p, const char *end)
{
	if (p > end)
		p = end;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	r->has_ts = 1;
	r->tm = *t;
	r->msg = p;
	r->msg_len = (size_t)(end - p);
	return 1;
}
