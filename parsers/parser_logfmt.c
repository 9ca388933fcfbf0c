/*
 * parser_logfmt: key=value lines (Go kit, logrus text, Grafana, Loki,
 * Heroku). Every pair becomes a field, quoted values unescaped; the time,
 * message, level, host and program come from well-known keys. A line needs
 * two pairs and a readable time key to count, so prose with an "a=b" in it
 * stays with the generic format.
 */
#include <ctype.h>
#include <string.h>

#include "parser.h"
#include "record.h"
#include "scan.h"
#include "tstamp.h"

/* Which well-known role a key may play. */
enum logfmt_role {
	LOGFMT_TIME,
	LOGFMT_MSG,
	LOGFMT_LEVEL,
	LOGFMT_HOST,
	LOGFMT_PROG,
	LOGFMT_NROLES
};

/* A well-known key name and its length. */
struct logfmt_name {
	const char *s;
	size_t      n;
};
#define LOGFMT_NAME(s)                                                         \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}

/* Key names by role, most trusted first. */
static const struct logfmt_name logfmt_time_keys[] = {LOGFMT_NAME("ts"),
    LOGFMT_NAME("time"), LOGFMT_NAME("t"), LOGFMT_NAME("timestamp"),
    LOGFMT_NAME("at"), {NULL, 0}};
static const struct logfmt_name logfmt_msg_keys[] = {
    LOGFMT_NAME("msg"), LOGFMT_NAME("message"), LOGFMT_NAME("m"), {NULL, 0}};
static const struct logfmt_name logfmt_level_keys[] = {LOGFMT_NAME("level"),
    LOGFMT_NAME("lvl"), LOGFMT_NAME("severity"), {NULL, 0}};
static const struct logfmt_name logfmt_host_keys[] = {
    LOGFMT_NAME("host"), LOGFMT_NAME("hostname"), {NULL, 0}};
static const struct logfmt_name logfmt_prog_keys[] = {LOGFMT_NAME("logger"),
    LOGFMT_NAME("component"), LOGFMT_NAME("service"), LOGFMT_NAME("app"),
    LOGFMT_NAME("svc"), {NULL, 0}};
static const struct logfmt_name *const logfmt_keys[LOGFMT_NROLES] = {
    logfmt_time_keys, logfmt_msg_keys, logfmt_level_keys, logfmt_host_keys,
    logfmt_prog_keys};

#define LOGFMT_RANKS 8 /* more than the longest list above */

/* A value seen under a well-known key. */
struct logfmt_val {
	const char *p;
	size_t      n;
};

/*
 * Unescapes a quoted value's body [p, end) into d (\" \\ \n \t \r; other
 * backslashes kept), or only measures it when d is NULL.
 */
static size_t
logfmt_unescape(const char *p, const char *end, char *d)
{
	static const char from[] = "\"\\ntr", to[] = "\"\\\n\t\r";
	const char       *e;
	size_t            n = 0;

	for (; p < end; p++, n++) {
		if (*p == '\\' && end - p >= 2 && p[1] != '\0' &&
		    (e = strchr(from, p[1])) != NULL) {
			if (d != NULL)
				d[n] = to[e - from];
			p++;
			continue;
		}
		if (d != NULL)
			d[n] = *p;
	}
	return n;
}

/*
 * Reads a quoted value whose opening quote is at p into *v (unescaped in
 * scratch when it has escapes and scratch has room). Returns what follows
 * the closing quote; a line cut inside the quotes (over-long lines are
 * truncated) gives the rest of the line.
 */
static const char *
logfmt_quoted(
    struct record *r, const char *p, const char *end, struct logfmt_val *v)
{
	const char *q, *b;
	size_t      n;
	char       *d;

	for (q = p + 1;; q++) {
		if ((q = memchr(q, '"', (size_t)(end - q))) == NULL) {
			q = end;
			break;
		}
		for (b = q; b > p + 1 && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			break;
	}
	v->p = p + 1;
	v->n = (size_t)(q - p - 1);
	if (memchr(v->p, '\\', v->n) != NULL) {
		n = logfmt_unescape(p + 1, q, NULL);
		if ((d = record_scratch(r, n)) != NULL) {
			logfmt_unescape(p + 1, q, d);
			v->p = d;
			v->n = n;
		}
	}
	return q < end ? q + 1 : end;
}

/* The rank of key k in a role's list, or -1 when it is not there. */
static int
logfmt_rank(const struct logfmt_name *list, const char *k, size_t n)
{
	int i;

	for (i = 0; list[i].s != NULL; i++)
		if (list[i].n == n && memcmp(list[i].s, k, n) == 0)
			return i;
	return -1;
}

/*
 * Reads a time value: ISO 8601, with Go's "2024-03-15 09:00:01.5 +0000
 * UTC" zone after a space, or an epoch in s, ms, us or ns. 1 if read.
 */
static int
logfmt_time(const struct logfmt_val *v, struct tstamp *t)
{
	const char *p = v->p, *end = v->p + v->n;

	memset(t, 0, sizeof(*t));
	if (tstamp_iso_zone(p, end, t) != 0)
		return 1;
	memset(t, 0, sizeof(*t));
	return v->n > 0 && tstamp_epoch(p, end, t) == v->n;
}

/* Maps a level word ("info", "warning", "DEBUG2") to syslog severity. */
static int
logfmt_level(const struct logfmt_val *v)
{
	size_t n = v->n;

	while (n > 1 && isdigit((unsigned char)v->p[n - 1]))
		n--;
	return record_severity(v->p, n);
}

/*
 * Sets the record's time from the first time key that reads as a real
 * date; 1 if one did. A time key whose value is not one ("ts=xxx",
 * "time=2024-02-30T...") still makes the line a logfmt record, flagged
 * ts_bad; 0 when there is no time key at all.
 */
static int
logfmt_header_time(struct logfmt_val pick[][LOGFMT_RANKS], struct record *r)
{
	const char *why = NULL;
	int         i;

	for (i = 0; i < LOGFMT_RANKS; i++) {
		if (pick[LOGFMT_TIME][i].p == NULL)
			continue;
		if (logfmt_time(&pick[LOGFMT_TIME][i], &r->tm) &&
		    tstamp_valid(&r->tm))
			return r->has_ts = 1;
		/* "at=info" (Heroku) is a level, not a broken time */
		if (why == NULL && pick[LOGFMT_TIME][i].n > 0 &&
		    isdigit((unsigned char)pick[LOGFMT_TIME][i].p[0]))
			why = logfmt_time(&pick[LOGFMT_TIME][i], &r->tm)
			    ? tstamp_problem(&r->tm)
			    : "unreadable time";
	}
	memset(&r->tm, 0, sizeof(r->tm));
	if (why == NULL)
		return 0;
	record_ts_bad(r, why);
	return 1;
}

/* Fills the record's header from the values kept by role; 0 without time. */
static int
logfmt_header(struct logfmt_val pick[][LOGFMT_RANKS], struct record *r)
{
	int i;

	if (!logfmt_header_time(pick, r))
		return 0;
	for (i = 0; i < LOGFMT_RANKS; i++)
		if (pick[LOGFMT_MSG][i].p != NULL) {
			r->msg = pick[LOGFMT_MSG][i].p;
			r->msg_len = pick[LOGFMT_MSG][i].n;
			break;
		}
	for (i = 0; i < LOGFMT_RANKS && r->severity < 0; i++)
		if (pick[LOGFMT_LEVEL][i].p != NULL)
			r->severity = logfmt_level(&pick[LOGFMT_LEVEL][i]);
	for (i = 0; i < LOGFMT_RANKS; i++)
		if (pick[LOGFMT_HOST][i].n > 0) {
			record_set_host(
			    r, pick[LOGFMT_HOST][i].p, pick[LOGFMT_HOST][i].n);
			break;
		}
	for (i = 0; i < LOGFMT_RANKS; i++)
		if (pick[LOGFMT_PROG][i].n > 0) {
			record_set_program(
			    r, pick[LOGFMT_PROG][i].p, pick[LOGFMT_PROG][i].n);
			break;
		}
	return 1;
}

/*
 * Keeps a pair as a field and as a candidate for the roles it may play;
 * a pair of a nested line (inner) is no field when the outer line has
 * that key already.
 */
static void
logfmt_take(struct logfmt_val pick[][LOGFMT_RANKS], struct record *r,
    const char *k, size_t klen, const struct logfmt_val *v, int inner)
{
	int i, role, rank;

	for (role = 0; role < LOGFMT_NROLES; role++)
		if ((rank = logfmt_rank(logfmt_keys[role], k, klen)) >= 0 &&
		    pick[role][rank].p == NULL)
			pick[role][rank] = *v;
	for (i = 0; inner && i < r->nfields; i++)
		if (r->fields[i].key_len == klen &&
		    memcmp(r->fields[i].key, k, klen) == 0)
			return;
	record_add_field(r, k, klen, v->p, v->n);
}

/*
 * Reads the pairs of [p, end): the first one a real key=value, later bare
 * keys ("flag") kept with an empty value. The number of key=value pairs,
 * or -1 when the text is not logfmt.
 */
static int
logfmt_pairs(struct logfmt_val pick[][LOGFMT_RANKS], struct record *r,
    const char *p, const char *end, int inner)
{
	struct logfmt_val v;
	const char       *k;
	size_t            klen;
	int               pairs = 0;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		for (k = p; p < end && *p != '=' && *p != ' ' && *p != '"'; p++)
			;
		if (p == k || (p < end && *p == '"'))
			return -1;
		if (p >= end || *p == ' ') {
			if (pairs == 0)
				return -1;
			v.p = p;
			v.n = 0;
			logfmt_take(pick, r, k, (size_t)(p - k), &v, inner);
			continue;
		}
		klen = (size_t)(p - k);
		if (p + 1 < end && p[1] == '"') {
			if ((p = logfmt_quoted(r, p + 1, end, &v)) < end &&
			    *p != ' ')
				return -1;
		} else {
			for (v.p = ++p; p < end && *p != ' '; p++)
				;
			v.n = (size_t)(p - v.p);
		}
		logfmt_take(pick, r, k, klen, &v, inner);
		pairs++;
	}
	return pairs;
}

/*
 * A logfmt line quoted whole inside the message of another (a relay or
 * agent logging what it received: msg="level=error msg=\"dial tcp ...\""):
 * when the message is itself logfmt with a level or a message key, its
 * message and level are the record's, its other keys fields.
 */
static void
logfmt_nested(struct record *r)
{
	struct logfmt_val inner[LOGFMT_NROLES][LOGFMT_RANKS];
	const char       *p = r->msg, *end = r->msg + r->msg_len;
	size_t            scratch = r->scratch_len;
	int               i, nfields = r->nfields;

	if (r->msg_len < 5 || memchr(p, '=', r->msg_len) == NULL)
		return;
	memset(inner, 0, sizeof(inner));
	if (logfmt_pairs(inner, r, p, end, 1) < 2 ||
	    (inner[LOGFMT_MSG][0].p == NULL &&
		inner[LOGFMT_LEVEL][0].p == NULL)) {
		r->nfields = nfields;
		r->scratch_len = scratch;
		return;
	}
	for (i = 0; i < LOGFMT_RANKS; i++)
		if (inner[LOGFMT_MSG][i].p != NULL) {
			r->msg = inner[LOGFMT_MSG][i].p;
			r->msg_len = inner[LOGFMT_MSG][i].n;
			break;
		}
	for (i = 0; i < LOGFMT_RANKS; i++)
		if (inner[LOGFMT_LEVEL][i].p != NULL &&
		    logfmt_level(&inner[LOGFMT_LEVEL][i]) >= 0) {
			r->severity = logfmt_level(&inner[LOGFMT_LEVEL][i]);
			break;
		}
}

/* Reads a logfmt line: two key=value pairs at least, and a time key. */
static int
logfmt_parse(const char *line, size_t len, struct record *r)
{
	struct logfmt_val pick[LOGFMT_NROLES][LOGFMT_RANKS];
	const char       *end = scan_end(line, len);

	memset(pick, 0, sizeof(pick));
	if (logfmt_pairs(pick, r, line, end, 0) < 2)
		return 0;
	r->msg = line;
	r->msg_len = (size_t)(end - line);
	if (!logfmt_header(pick, r))
		return 0;
	if (r->msg != line)
		logfmt_nested(r);
	return 1;
}

const struct parser parser_logfmt = {"logfmt", logfmt_parse, NULL};
