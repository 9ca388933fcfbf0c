/*
 * record: helpers for the record a parser fills: reset between lines, a
 * scratch area for unescaped text, the field list and severity names.
 * Records are reused line after line; nothing here allocates per line.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "record.h"

/*
 * Clears r for a new line, keeping its scratch buffer. Only what a parser
 * reads or a reader trusts is cleared (host and program are strings: their
 * first byte), not the field array: parsers try a line many times.
 */
void
record_reset(struct record *r, const char *line, size_t len)
{
	r->line = line;
	r->len = len;
	r->has_ts = 0;
	memset(&r->tm, 0, sizeof(r->tm));
	r->ts_bad = 0;
	r->ts_error = NULL;
	r->msg = line;
	r->msg_len = len;
	r->host[0] = '\0';
	r->program[0] = '\0';
	r->severity = -1;
	r->nfields = 0;
	r->scratch_len = 0;
	r->ts_ns = 0;
	r->utc_offset = 0;
	r->zone_src = RECORD_ZONE_NONE;
	r->year_src = RECORD_YEAR_NONE;
	r->date_src = RECORD_YEAR_NONE;
	r->ambiguous = 0;
	r->abbr_unresolved = 0;
}

/* Copies n bytes of s into dst of size cap, truncated, NUL-terminated. */
static void
record_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Sets the record's host to [s, s + n), truncated to fit. */
void
record_set_host(struct record *r, const char *s, size_t n)
{
	record_copy(r->host, sizeof(r->host), s, n);
}

/* Sets the record's program to [s, s + n), truncated to fit. */
void
record_set_program(struct record *r, const char *s, size_t n)
{
	record_copy(r->program, sizeof(r->program), s, n);
}

/*
 * Marks r as a record of its own whose time was found but cannot be used
 * (why: a short static reason); it has no timestamp and is no
 * continuation of the line before.
 */
void
record_ts_bad(struct record *r, const char *why)
{
	r->has_ts = 0;
	r->ts_bad = 1;
	r->ts_error = why;
}

/* Reserves n bytes of scratch; NULL when it is full (caller degrades). */
char *
record_scratch(struct record *r, size_t n)
{
	char *p;

	if (r->scratch == NULL || r->scratch_cap - r->scratch_len < n)
		return NULL;
	p = r->scratch + r->scratch_len;
	r->scratch_len += n;
	return p;
}

/* Appends a field; 0, or -1 when the record has no room left. */
int
record_add_field(
    struct record *r, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct record_field *f;

	if (r->nfields >= RECORD_MAX_FIELDS)
		return -1;
	f = &r->fields[r->nfields++];
	f->key = k;
	f->key_len = klen;
	f->val = v;
	f->val_len = vlen;
	return 0;
}

/* Finds a field by name; NULL when the record has none of that name. */
const struct record_field *
record_field(const struct record *r, const char *name)
{
	size_t n = strlen(name);
	int    i;

	for (i = 0; i < r->nfields; i++)
		if (r->fields[i].key_len == n &&
		    memcmp(r->fields[i].key, name, n) == 0)
			return &r->fields[i];
	return NULL;
}

/* A level name, its length and its syslog severity. */
/* clang-format off */
#define RECORD_SEV(name, sev) { name, sizeof(name) - 1, sev }
/* clang-format on */

/*
 * Maps a level word (ERROR, warn, E, FATAL...) to syslog 0..7, or -1.
 * Names are compared only when length and first letter agree.
 */
int
record_severity(const char *s, size_t n)
{
	static const struct {
		const char *name;
		size_t      len;
		int         sev;
	} names[] = {
	    RECORD_SEV("emerg", 0),
	    RECORD_SEV("panic", 0),
	    RECORD_SEV("alert", 1),
	    RECORD_SEV("crit", 2),
	    RECORD_SEV("critical", 2),
	    RECORD_SEV("fatal", 2),
	    RECORD_SEV("severe", 3),
	    RECORD_SEV("err", 3),
	    RECORD_SEV("error", 3),
	    RECORD_SEV("eror", 3),
	    RECORD_SEV("warn", 4),
	    RECORD_SEV("warning", 4),
	    RECORD_SEV("notice", 5),
	    RECORD_SEV("info", 6),
	    RECORD_SEV("information", 6),
	    RECORD_SEV("log", 6),
	    RECORD_SEV("debug", 7),
	    RECORD_SEV("trace", 7),
	    RECORD_SEV("dbg", 7),
	    RECORD_SEV("fine", 7),
	    RECORD_SEV("e", 3),
	    RECORD_SEV("w", 4),
	    RECORD_SEV("i", 6),
	    RECORD_SEV("d", 7),
	    RECORD_SEV("f", 2),
	    RECORD_SEV("v", 7),
	    RECORD_SEV("c", 2),
	};
	size_t i;
	char   c;

	if (n == 0)
		return -1;
	c = (char)tolower((unsigned char)s[0]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].len == n && names[i].name[0] == c &&
		    strncasecmp(names[i].name, s, n) == 0)
			return names[i].sev;
	return -1;
}

/* The contract's word for a zone provenance. */
const char *
record_zone_src_name(enum record_zone_src z)
{
	static const char *names[] = {NULL, "explicit", "source", "default"};

	return names[z];
}

/* The contract's word for a year provenance. */
const char *
record_year_src_name(enum record_year_src y)
{
	static const char *names[] = {NULL, "explicit", "option", "gzip",
	    "mtime", "rollover", "clock", "aligned", "sources",
	    "clock_future_mtime", "clock_future_gzip"};

	return names[y];
}
