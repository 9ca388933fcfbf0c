/*
 * parser_json: one JSON object per line (bunyan, pino, zap, logrus, ECS,
 * MongoDB, journald export, Docker). A small bounds-checked scanner walks
 * the top-level keys and one level of nested objects ("t.$date"), turns
 * scalars into fields and picks the time, message, level, host and program
 * by well-known key names. It validates no more JSON than it must.
 */
#include <ctype.h>
#include <string.h>

#include "parser.h"
#include "record.h"
#include "scan.h"
#include "tstamp.h"

#define JSON_KEY_MAX 64 /* longest dotted key matched by name */

/* Which well-known role a key may play. */
enum json_role {
	JSON_TIME,
	JSON_MSG,
	JSON_LEVEL,
	JSON_HOST,
	JSON_PROG,
	JSON_NANO,
	JSON_STATUS,
	JSON_NROLES
};

/* A well-known key name and its length. */
struct json_name {
	const char *s;
	size_t      n;
};
#define JSON_NAME(s)                                                           \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}

/* Key names by role, most trusted first. */
static const struct json_name json_time_keys[] = {JSON_NAME("time"),
    JSON_NAME("ts"), JSON_NAME("timestamp"), JSON_NAME("@timestamp"),
    JSON_NAME("date"), JSON_NAME("datetime"), JSON_NAME("t.$date"),
    JSON_NAME("t"), JSON_NAME("asctime"), JSON_NAME("eventTime"),
    JSON_NAME("@t"), JSON_NAME("time_local"), JSON_NAME("__REALTIME_TIMESTAMP"),
    JSON_NAME("timeMillis"), JSON_NAME("instant.epochSecond"), {NULL, 0}};
#define JSON_RANK_INSTANT 14 /* log4j2: seconds, nanos apart */
static const struct json_name json_msg_keys[] = {JSON_NAME("msg"),
    JSON_NAME("message"), JSON_NAME("MESSAGE"), JSON_NAME("log"),
    JSON_NAME("text"), JSON_NAME("@m"), JSON_NAME("@mt"), JSON_NAME("event"),
    JSON_NAME("short_message"), {NULL, 0}};
static const struct json_name json_level_keys[] = {JSON_NAME("level"),
    JSON_NAME("lvl"), JSON_NAME("severity"), JSON_NAME("log.level"),
    JSON_NAME("levelname"), JSON_NAME("loglevel"), JSON_NAME("s"),
    JSON_NAME("PRIORITY"), {NULL, 0}};
/* Ranks of the level keys whose numbers are syslog severities. */
#define JSON_RANK_SEVERITY 2
#define JSON_RANK_PRIORITY 7
static const struct json_name json_host_keys[] = {JSON_NAME("host"),
    JSON_NAME("hostname"), JSON_NAME("_HOSTNAME"), JSON_NAME("host.name"),
    {NULL, 0}};
static const struct json_name json_prog_keys[] = {JSON_NAME("logger"),
    JSON_NAME("log.logger"), JSON_NAME("svc"), JSON_NAME("service"),
    JSON_NAME("service.name"), JSON_NAME("app"), JSON_NAME("name"),
    JSON_NAME("_COMM"), JSON_NAME("SYSLOG_IDENTIFIER"), JSON_NAME("loggerName"),
    {NULL, 0}};
static const struct json_name json_nano_keys[] = {
    JSON_NAME("instant.nanoOfSecond"), {NULL, 0}};
/*
 * Where access logs keep the HTTP status when not under "status": Envoy,
 * Traefik, Cloudflare, GCP, AWS, pino's "res", Node, ECS flattened.
 */
static const struct json_name        json_status_keys[] = {JSON_NAME("status"),
	   JSON_NAME("response_code"), JSON_NAME("DownstreamStatus"),
	   JSON_NAME("status_code"), JSON_NAME("statusCode"),
	   JSON_NAME("http.status_code"), JSON_NAME("http.status"),
	   JSON_NAME("http.response.status_code"), JSON_NAME("res.statusCode"),
	   JSON_NAME("response.status"), JSON_NAME("response.status_code"),
	   JSON_NAME("httpRequest.status"), JSON_NAME("EdgeResponseStatus"),
	   JSON_NAME("elb_status_code"), {NULL, 0}};
static const struct json_name *const json_keys[JSON_NROLES] = {json_time_keys,
    json_msg_keys, json_level_keys, json_host_keys, json_prog_keys,
    json_nano_keys, json_status_keys};

#define JSON_RANKS 16 /* more than the longest list above */

/* A value seen under a well-known key. */
struct json_val {
	const char *p;
	size_t      n;
	int         str; /* 1: a string (unescaped), 0: raw scalar */
};

/* The walk's state: the record and the values kept by role and rank. */
struct json_scan {
	const char     *end;
	struct record  *r;
	int             trunc; /* the line ended inside the object */
	int             pairs; /* key/value pairs read */
	struct json_val pick[JSON_NROLES][JSON_RANKS];
};

/* Skips JSON whitespace. */
static const char *
json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/*
 * The closing quote of the string whose opening quote is at p, or NULL;
 * *esc says whether the string holds a backslash. memchr does the
 * scanning: strings are most of a JSON line.
 */
static const char *
json_string_end(const char *p, const char *end, int *esc)
{
	const char *q = p + 1, *b;

	for (;;) {
		if ((q = memchr(q, '"', (size_t)(end - q))) == NULL)
			return NULL;
		for (b = q; b > p + 1 && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			break;
		q++; /* an escaped quote */
	}
	*esc = memchr(p + 1, '\\', (size_t)(q - p - 1)) != NULL;
	return q;
}

/* Reads 4 hex digits at p; -1 when they are not there. */
static long
json_hex4(const char *p, const char *end)
{
	long v = 0;
	int  i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return -1;
		v = v * 16 +
		    (isdigit((unsigned char)p[i])
			    ? p[i] - '0'
			    : (tolower((unsigned char)p[i]) - 'a' + 10));
	}
	return v;
}

/* Writes code point c as UTF-8 at d (when d is not NULL); its length. */
static size_t
json_utf8(long c, char *d)
{
	unsigned char b[4];
	size_t        n;

	if (c < 0x80) {
		b[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (unsigned char)(0xc0 | (c >> 6));
		b[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (c >> 12));
		b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (c >> 18));
		b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (d != NULL)
		memcpy(d, b, n);
	return n;
}

/*
 * Reads the "\uXXXX" (or surrogate pair) escape at p into *c; the bytes it
 * takes, or 0 when it is invalid or a lone surrogate.
 */
static size_t
json_uescape(const char *p, const char *end, long *c)
{
	long hi, lo;

	if ((hi = json_hex4(p + 2, end)) < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return 0;
	*c = hi;
	if (hi < 0xd800 || hi > 0xdbff)
		return 6;
	if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
	    (lo = json_hex4(p + 8, end)) < 0xdc00 || lo > 0xdfff)
		return 0;
	*c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return 12;
}

/*
 * Unescapes the body of a JSON string [p, end) into d, or only measures it
 * when d is NULL. Invalid escapes and lone surrogates are kept as written.
 * The result is never longer than the input.
 */
static size_t
json_unescape(const char *p, const char *end, char *d)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char       *e;
	size_t            n = 0, k;
	long              c;

	while (p < end) {
		if (*p == '\\' && end - p >= 2) {
			if (p[1] == 'u' &&
			    (k = json_uescape(p, end, &c)) != 0) {
				n += json_utf8(c, d != NULL ? d + n : NULL);
				p += k;
				continue;
			}
			if (p[1] != '\0' && (e = strchr(from, p[1])) != NULL) {
				if (d != NULL)
					d[n] = to[e - from];
				n++;
				p += 2;
				continue;
			}
		}
		if (d != NULL)
			d[n] = *p;
		n++;
		p++;
	}
	return n;
}

/*
 * The text of the string body [p, end): itself when it has no escapes,
 * else its unescaped copy in scratch, or itself again if scratch is full.
 */
static void
json_text(struct record *r, const char *p, const char *end, int esc,
    const char **out, size_t *out_len)
{
	size_t n;
	char  *d;

	*out = p;
	*out_len = (size_t)(end - p);
	if (!esc)
		return;
	n = json_unescape(p, end, NULL);
	if ((d = record_scratch(r, n)) == NULL)
		return;
	json_unescape(p, end, d);
	*out = d;
	*out_len = n;
}

/* Skips a nested object or array at p (strings respected); after, or NULL. */
static const char *
json_skip(struct json_scan *s, const char *p)
{
	const char *end = s->end;
	int         depth = 0, esc;

	for (; p < end; p++) {
		if (*p == '"') {
			if ((p = json_string_end(p, end, &esc)) == NULL)
				break;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	s->trunc = 1;
	return NULL;
}

/* Skips a number, true, false or null at p; after it, or NULL if not one. */
static const char *
json_scalar(struct json_scan *s, const char *p)
{
	const char *q = p;

	if (p >= s->end || *p == '\0' || strchr("-0123456789tfn", *p) == NULL)
		return NULL;
	while (q < s->end &&
	    (isalnum((unsigned char)*q) || *q == '.' || *q == '-' || *q == '+'))
		q++;
	if (q >= s->end)
		s->trunc = 1;
	return q;
}

/* 1 if the n bytes at k end with the string suffix. */
static int
json_ends(const char *k, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n > m && memcmp(k + n - m, suffix, m) == 0;
}

/*
 * The rank of key k in a role's list, or -1 when it is not there. A time
 * key no list names ("EdgeStartTimestamp", "event_time", "started_at") is
 * a last resort for the time role, so vendors' own schemas still get a
 * timestamp.
 */
static int
json_rank(const struct json_name *list, const char *k, size_t n)
{
	int i;

	for (i = 0; list[i].s != NULL; i++)
		if (list[i].n == n && memcmp(list[i].s, k, n) == 0)
			return i;
	/* the suffixes end in 'p', 'e' or 't': one byte rejects most keys */
	if (list == json_time_keys && n > 2 &&
	    (k[n - 1] == 'p' || k[n - 1] == 'e' || k[n - 1] == 't') &&
	    (json_ends(k, n, "Timestamp") || json_ends(k, n, "timestamp") ||
		json_ends(k, n, "_time") || json_ends(k, n, "Time") ||
		json_ends(k, n, "_at")))
		return JSON_RANKS - 1;
	return -1;
}

/*
 * 1 if a key may name an HTTP status: every name of json_status_keys ends
 * in "tatus", "_code" or "Code", so most keys are refused by a byte or
 * two before the list is scanned.
 */
static int
json_status_key(const char *k, size_t n)
{
	if (n < 4)
		return 0;
	if (k[n - 1] == 's')
		return json_ends(k, n, "tatus");
	return k[n - 1] == 'e' &&
	    (json_ends(k, n, "_code") || json_ends(k, n, "Code"));
}

/*
 * Records a scalar: a field named key (or "prefix.key" inside a nested
 * object), and a candidate for every role whose list names the key.
 */
static void
json_take(struct json_scan *s, const char *pre, size_t plen, const char *k,
    size_t klen, const struct json_val *v)
{
	char        buf[JSON_KEY_MAX], *d;
	const char *name = k;
	size_t      n = klen;
	int         role, rank;

	if (pre != NULL) {
		n = plen + 1 + klen;
		if (n <= sizeof(buf)) {
			memcpy(buf, pre, plen);
			buf[plen] = '.';
			memcpy(buf + plen + 1, k, klen);
			name = buf;
		} else
			name = NULL;
	}
	for (role = 0; name != NULL && role < JSON_NROLES; role++)
		if ((role != JSON_STATUS || json_status_key(name, n)) &&
		    (rank = json_rank(json_keys[role], name, n)) >= 0 &&
		    s->pick[role][rank].p == NULL)
			s->pick[role][rank] = *v;
	if (s->r->nfields >= RECORD_MAX_FIELDS)
		return;
	if (pre != NULL) {
		if (name == NULL || (d = record_scratch(s->r, n)) == NULL)
			return;
		memcpy(d, buf, n);
		name = d;
	}
	record_add_field(s->r, name, n, v->p, v->n);
}

static const char *
json_object(struct json_scan *, const char *, const char *, size_t);

/* Reads the value of one pair (key [k, k+klen)); after it, or NULL. */
static const char *
json_value(struct json_scan *s, const char *p, const char *pre, size_t plen,
    const char *k, size_t klen)
{
	struct json_val v;
	const char     *q;
	int             esc;

	if (p >= s->end) {
		s->trunc = 1;
		return NULL;
	}
	if (*p == '{' && pre == NULL)
		return json_object(s, p + 1, k, klen);
	if (*p == '{' || *p == '[')
		return json_skip(s, p);
	if (*p == '"') {
		if ((q = json_string_end(p, s->end, &esc)) == NULL) {
			s->trunc = 1;
			return NULL;
		}
		json_text(s->r, p + 1, q, esc, &v.p, &v.n);
		v.str = 1;
		q++;
	} else {
		if ((q = json_scalar(s, p)) == NULL)
			return NULL;
		v.p = p;
		v.n = (size_t)(q - p);
		v.str = 0;
	}
	json_take(s, pre, plen, k, klen, &v);
	s->pairs++;
	return q;
}

/*
 * Reads the pairs of an object whose '{' is just before p; pre names the
 * enclosing key inside a nested object (NULL at the top). After the '}',
 * or NULL on a syntax error or when the line ends first.
 */
static const char *
json_object(struct json_scan *s, const char *p, const char *pre, size_t plen)
{
	const char *end = s->end, *q, *k;
	size_t      klen;
	int         esc;

	for (;;) {
		p = json_ws(p, end);
		if (p < end && *p == '}')
			return p + 1;
		if (p < end && *p != '"')
			return NULL;
		if (p >= end || (q = json_string_end(p, end, &esc)) == NULL) {
			s->trunc = 1;
			return NULL;
		}
		json_text(s->r, p + 1, q, esc, &k, &klen);
		p = json_ws(q + 1, end);
		if (p >= end || *p != ':') {
			s->trunc = p >= end;
			return NULL;
		}
		p = json_ws(p + 1, end);
		if ((p = json_value(s, p, pre, plen, k, klen)) == NULL)
			return NULL;
		p = json_ws(p, end);
		if (p < end && *p == ',')
			p++;
		else if (p < end && *p == '}')
			return p + 1;
		else {
			s->trunc = p >= end;
			return NULL;
		}
	}
}

/*
 * Reads a time value: ISO 8601 (with "2024-03-15 09:00:01,123" and a zone
 * after a space: " +0000", " UTC"), nginx's local time, Java's
 * "Mar 15, 2024 11:30:00 AM", or an epoch number or numeric string in s,
 * ms, us or ns. 1 if read (its values may still be impossible), else 0.
 */
static int
json_time(const struct json_val *v, struct tstamp *t)
{
	const char *p = v->p, *end = v->p + v->n, *q;
	size_t      n;

	memset(t, 0, sizeof(*t));
	if (tstamp_iso_zone(p, end, t) != 0)
		return 1;
	memset(t, 0, sizeof(*t));
	if (tstamp_ncsa(p, end, t) != 0)
		return 1;
	memset(t, 0, sizeof(*t));
	if ((n = tstamp_mdy(p, end, t)) != 0) {
		if (end - p > (ptrdiff_t)n + 1 && p[n] == ' ')
			(void)tstamp_zone(p + n + 1, end, t);
		return 1;
	}
	memset(t, 0, sizeof(*t));
	if ((n = tstamp_epoch(p, end, t)) != 0) {
		/* "1490386367764.0": a fraction of a unit below seconds */
		for (q = p + n;
		     q < end && (isdigit((unsigned char)*q) || *q == '.'); q++)
			;
		return q == end;
	}
	return 0;
}

/*
 * Maps a level value to syslog severity: a word (record_severity, with
 * trailing digits dropped: "DEBUG5", MongoDB's "D1"), a bunyan/pino
 * number 10..60, or under "severity" and "PRIORITY" (journald) a syslog
 * number 0..7.
 */
static int
json_level(const struct json_val *v, int rank)
{
	static const int bunyan[] = {7, 7, 6, 4, 3, 2};
	size_t           n = v->n, i;
	int              x = 0;

	for (i = 0; i < n && i < 3 && isdigit((unsigned char)v->p[i]); i++)
		x = x * 10 + (v->p[i] - '0');
	if (i == n && n > 0) {
		if (x <= 7 &&
		    (rank == JSON_RANK_SEVERITY || rank == JSON_RANK_PRIORITY))
			return x;
		if (x % 10 == 0 && x >= 10 && x <= 60)
			return bunyan[x / 10 - 1];
		return -1;
	}
	if (!v->str)
		return -1;
	while (n > 1 && isdigit((unsigned char)v->p[n - 1]))
		n--;
	return record_severity(v->p, n);
}

/*
 * Adds log4j2's "instant": {"nanoOfSecond": 484000000} to an epoch read
 * from its "epochSecond", with as many fraction digits as it needs.
 */
static void
json_nanos(const struct json_val *v, struct tstamp *t)
{
	int32_t ns = 0;
	size_t  i;

	if (v->n == 0 || v->n > 9)
		return;
	for (i = 0; i < v->n; i++) {
		if (!isdigit((unsigned char)v->p[i]))
			return;
		ns = ns * 10 + (v->p[i] - '0');
	}
	t->epoch_ns += ns;
	t->frac_digits = ns % 1000000 == 0 ? 3 : ns % 1000 == 0 ? 6 : 9;
}

/* The first candidate of a role that is a non-empty string, or NULL. */
static const struct json_val *
json_first(const struct json_scan *s, int role, int strings)
{
	int i;

	for (i = 0; i < JSON_RANKS; i++)
		if (s->pick[role][i].p != NULL && s->pick[role][i].n > 0 &&
		    (!strings || s->pick[role][i].str))
			return &s->pick[role][i];
	return NULL;
}

/*
 * Sets the record's time from the first time candidate that reads as a
 * real date. When none does but a key named for the time held a string,
 * the object is a record whose time is unusable: flagged, and the reason
 * is that of the first such string.
 */
static int
json_header_time(const struct json_scan *s, struct record *r)
{
	const struct json_val *v;
	const char            *why = NULL;
	int                    i;

	for (i = 0; i < JSON_RANKS; i++) {
		v = &s->pick[JSON_TIME][i];
		if (v->p == NULL)
			continue;
		if (json_time(v, &r->tm) && tstamp_valid(&r->tm)) {
			r->has_ts = 1;
			return i;
		}
		if (why == NULL && v->str && i < JSON_RANKS - 1)
			why = json_time(v, &r->tm) ? tstamp_problem(&r->tm)
						   : "unreadable time";
	}
	memset(&r->tm, 0, sizeof(r->tm));
	if (why != NULL)
		record_ts_bad(r, why);
	return -1;
}

/* 1 if the value is an HTTP status: three digits from 100 to 599. */
static int
json_is_status(const struct json_val *v)
{
	return v->n == 3 && v->p[0] >= '1' && v->p[0] <= '5' &&
	    isdigit((unsigned char)v->p[1]) && isdigit((unsigned char)v->p[2]);
}

/*
 * Exposes the HTTP status as the field "status", where rules look for it,
 * when the line keeps it under another key ("response_code",
 * "DownstreamStatus", "http.status_code"...).
 */
static void
json_status(const struct json_scan *s, struct record *r)
{
	const struct json_val *v;
	int                    i;

	for (i = 1; i < JSON_RANKS; i++) {
		v = &s->pick[JSON_STATUS][i];
		if (v->p != NULL && json_is_status(v)) {
			if (s->pick[JSON_STATUS][0].p == NULL)
				(void)record_add_field(
				    r, "status", 6, v->p, v->n);
			return;
		}
	}
}

/*
 * Sets the message: the first message key's text; when a short "msg"
 * reason comes with the text under "message", both: "reason: text", or
 * the one of the two that holds the other.
 */
static void
json_message(const struct json_scan *s, struct record *r)
{
	const struct json_val *v = json_first(s, JSON_MSG, 1), *m, *t;
	char                  *d;

	if (v == NULL)
		return;
	r->msg = v->p;
	r->msg_len = v->n;
	m = &s->pick[JSON_MSG][0];
	t = &s->pick[JSON_MSG][1];
	if (v != m || t->p == NULL || !t->str || t->n == 0 ||
	    memmem(m->p, m->n, t->p, t->n) != NULL) {
		/* no "message", or "msg" holds it already */
	} else if (memmem(t->p, t->n, m->p, m->n) != NULL) {
		r->msg = t->p;
		r->msg_len = t->n;
	} else if ((d = record_scratch(r, m->n + 2 + t->n)) != NULL) {
		memcpy(d, m->p, m->n);
		memcpy(d + m->n, ": ", 2);
		memcpy(d + m->n + 2, t->p, t->n);
		r->msg = d;
		r->msg_len = m->n + 2 + t->n;
	}
	/* Docker's "log" keeps the line's newline */
	while (r->msg_len > 0 && isspace((unsigned char)r->msg[r->msg_len - 1]))
		r->msg_len--;
}

/* Fills the record's header from the values kept by role. */
static void
json_header(const struct json_scan *s, struct record *r)
{
	const struct json_val *v;
	int                    i;

	i = json_header_time(s, r);
	if (r->has_ts && i == JSON_RANK_INSTANT && r->tm.frac_digits == 0 &&
	    s->pick[JSON_NANO][0].p != NULL)
		json_nanos(&s->pick[JSON_NANO][0], &r->tm);
	json_message(s, r);
	json_status(s, r);
	for (i = 0; i < JSON_RANKS && r->severity < 0; i++)
		if (s->pick[JSON_LEVEL][i].p != NULL)
			r->severity = json_level(&s->pick[JSON_LEVEL][i], i);
	if ((v = json_first(s, JSON_HOST, 1)) != NULL)
		record_set_host(r, v->p, v->n);
	if ((v = json_first(s, JSON_PROG, 1)) != NULL)
		record_set_program(r, v->p, v->n);
}

/*
 * The string value that follows the literal key text k ("\"body\":{
 * \"stringValue\":\"") in [p, end), unescaped into scratch when needed;
 * 1 if found.
 */
static int
json_after(struct record *r, const char *p, const char *end, const char *k,
    struct json_val *v)
{
	const char *q, *e;
	size_t      n = strlen(k);
	int         esc;

	if ((q = memmem(p, (size_t)(end - p), k, n)) == NULL)
		return 0;
	q += n - 1; /* the opening quote of the value */
	if ((e = json_string_end(q, end, &esc)) == NULL)
		return 0;
	json_text(r, q + 1, e, esc, &v->p, &v->n);
	v->str = 1;
	return 1;
}

/*
 * An OpenTelemetry (OTLP/JSON) export: {"resourceLogs":[...]} holds its
 * records inside arrays. The first record's time ("timeUnixNano", else
 * "observedTimeUnixNano"), body, severity, service and host are read by
 * their key text, bounded by the line.
 */
static void
json_otlp(struct record *r, const char *line, const char *end)
{
	struct json_val v;
	struct tstamp   t;

	memset(&t, 0, sizeof(t));
	if ((json_after(r, line, end, "\"timeUnixNano\":\"", &v) &&
		tstamp_epoch(v.p, v.p + v.n, &t) == v.n && v.n > 0) ||
	    (json_after(r, line, end, "\"observedTimeUnixNano\":\"", &v) &&
		tstamp_epoch(v.p, v.p + v.n, &t) == v.n && v.n > 0)) {
		r->has_ts = 1;
		r->tm = t;
	}
	if (json_after(r, line, end, "\"body\":{\"stringValue\":\"", &v)) {
		r->msg = v.p;
		r->msg_len = v.n;
	}
	if (json_after(r, line, end, "\"severityText\":\"", &v))
		r->severity = record_severity(v.p, v.n);
	if (json_after(r, line, end,
		"\"service.name\",\"value\":{\"stringValue\":\"", &v))
		record_set_program(r, v.p, v.n);
	if (json_after(r, line, end,
		"\"host.name\",\"value\":{\"stringValue\":\"", &v))
		record_set_host(r, v.p, v.n);
}

/*
 * Reads a line holding one JSON object. A line cut inside the object
 * (over-long lines are truncated) still counts when a pair was read; text
 * after the object does not. A JSON line without a time key is still
 * JSON: 1 with has_ts 0.
 */
static int
json_parse(const char *line, size_t len, struct record *r)
{
	struct json_scan s;
	const char      *p, *end = line + len;

	p = json_ws(line, end);
	if (end - p < 2 || *p != '{' ||
	    (p[1] != '"' && p[1] != '}' && !isspace((unsigned char)p[1])))
		return 0;
	memset(&s, 0, sizeof(s));
	s.end = end;
	s.r = r;
	if ((p = json_object(&s, p + 1, NULL, 0)) == NULL) {
		if (!s.trunc || s.pairs == 0)
			return 0;
	} else if (json_ws(p, end) != end)
		return 0;
	r->msg = line;
	r->msg_len = len;
	while (r->msg_len > 0 &&
	    (line[r->msg_len - 1] == '\n' || line[r->msg_len - 1] == '\r'))
		r->msg_len--;
	json_header(&s, r);
	if (!r->has_ts && !r->ts_bad && s.pairs == 0 &&
	    scan_prefix(json_ws(line + 1, end), end, "\"resourceLogs\""))
		json_otlp(r, line, end);
	return 1;
}

const struct parser parser_json = {"json", json_parse, NULL};
