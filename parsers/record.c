/*
 * record: helpers for the record a parser fills: reset between lines, a
 * scratch area for unescaped text, the field list and severity names.
 * Records are reused line after line; nothing here allocates per line.
 */
#include <string.h>
#include <strings.h>

#include "record.h"

/* Clears r for a new line, keeping its scratch buffer. */
void
record_reset(struct record *r, const char *line, size_t len)
{
	char  *scratch = r->scratch;
	size_t cap = r->scratch_cap;

	memset(r, 0, offsetof(struct record, fields));
	r->nfields = 0;
	r->scratch = scratch;
	r->scratch_cap = cap;
	r->scratch_len = 0;
	r->line = line;
	r->len = len;
	r->severity = -1;
	r->ts_ns = 0;
	r->utc_offset = 0;
	r->zone_src = RECORD_ZONE_NONE;
	r->year_src = RECORD_YEAR_NONE;
	r->date_src = RECORD_YEAR_NONE;
	r->ambiguous = 0;
	r->abbr_unresolved = 0;
	r->msg = line;
	r->msg_len = len;
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

/* Maps a level word (ERROR, warn, E, FATAL...) to syslog 0..7, or -1. */
int
record_severity(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int         sev;
	} names[] = {
	    {"emerg", 0},
	    {"panic", 0},
	    {"alert", 1},
	    {"crit", 2},
	    {"critical", 2},
	    {"fatal", 2},
	    {"severe", 3},
	    {"err", 3},
	    {"error", 3},
	    {"eror", 3},
	    {"warn", 4},
	    {"warning", 4},
	    {"notice", 5},
	    {"info", 6},
	    {"information", 6},
	    {"log", 6},
	    {"debug", 7},
	    {"trace", 7},
	    {"dbg", 7},
	    {"fine", 7},
	    {"e", 3},
	    {"w", 4},
	    {"i", 6},
	    {"d", 7},
	    {"f", 2},
	    {"v", 7},
	    {"c", 2},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n &&
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
