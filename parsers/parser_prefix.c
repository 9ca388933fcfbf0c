/*
 * parser_prefix: formats made of a fixed text header and free text, read
 * by single-pass scanners: database servers (PostgreSQL, MySQL/MariaDB,
 * PgBouncer, Redis), Java and Python logging layouts, nginx and Apache
 * error logs, klog, HDFS, logcat, Go's log, and the generic "a timestamp
 * near the start of the line" catch-all. Each parse function is pure and
 * reads only [line, line + len); it records the timestamp as written and
 * leaves zones and years to the pipeline.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parser.h"
#include "record.h"
#include "tstamp.h"

#define PREFIX_SCAN_MAX  40  /* generic: latest start of a stamp */
#define PREFIX_PG_TOKENS 6   /* postgres: log_line_prefix tokens */
#define PREFIX_TOKEN_MAX 256 /* longest header token worth reading */

/* A header read by the Java layouts before it is known to be whole. */
struct prefix_hdr {
	const char *level, *thread, *logger, *pid, *msg;
	size_t      level_n, thread_n, logger_n, pid_n;
	int         sev;
};

/* Skips spaces and tabs. */
static const char *
blank_skip(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Number of consecutive digits at p. */
static size_t
digit_span(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && isdigit((unsigned char)*q))
		q++;
	return (size_t)(q - p);
}

/* Length of the token at p, which ends at a space or a tab. */
static size_t
token_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != ' ' && *q != '\t')
		q++;
	return (size_t)(q - p);
}

/* 1 if the text at p starts with the string s. */
static int
has_prefix(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return p <= end && (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* The first c in [p, end), or NULL. */
static const char *
find_char(const char *p, const char *end, int c)
{
	if (p >= end)
		return NULL;
	return memchr(p, c, (size_t)(end - p));
}

/* 1 if c is one of the bytes of set (never for NUL). */
static int
in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Copies n bytes of s into dst of size cap, truncated, NUL-terminated. */
static void
text_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Adds the field named by the literal k with the value [v, v + n). */
static void
field_add(struct record *r, const char *k, const char *v, size_t n)
{
	(void)record_add_field(r, k, strlen(k), v, n);
}

/* Adds the field k when the value is not empty. */
static void
field_opt(struct record *r, const char *k, const char *v, size_t n)
{
	if (v != NULL && n > 0)
		field_add(r, k, v, n);
}

/* Stores the stamp and the message [p, end) less a trailing CR; returns 1. */
static int
prefix_done(
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

/* Syslog severity of a level word (ERROR, Warning, debug2); -1 if none. */
static int
level_sev(const char *p, size_t n)
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

/* 1 if [p, p + n) is an upper-case word. */
static int
is_upper_word(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isupper((unsigned char)p[i]) &&
		    !isdigit((unsigned char)p[i]))
			return 0;
	return n > 0;
}

/*
 * Reads a level token where a message may start: "[INFO]", "ERROR:",
 * "WARN ", "local.ERROR:", "Info   ". Sets *sev. Returns where the message
 * starts: after the token when it is plainly a level field, at p when it
 * is an ordinary word that only hints at one ("error connecting").
 */
static const char *
level_take(const char *p, const char *end, int *sev)
{
	const char *q, *w, *close;
	size_t      n;
	int         s;

	if (p < end && *p == '[') {
		close = find_char(p + 1, end, ']');
		if (close == NULL || close - p > 16)
			return p;
		w = blank_skip(p + 1, close);
		for (q = close; q > w && q[-1] == ' '; q--)
			;
		if ((s = level_sev(w, (size_t)(q - w))) == -1)
			return p;
		*sev = s;
		return blank_skip(close + 1, end);
	}
	for (q = p; q < end && *q != ' ' && *q != '\t' && *q != ':' &&
	     *q != '|' && *q != ']' && q - p < 24;
	     q++)
		;
	n = (size_t)(q - p);
	for (w = q; w > p && w[-1] != '.'; w--)
		;
	if ((s = level_sev(w, (size_t)(q - w))) == -1)
		return p;
	if (w != p && (q >= end || *q != ':'))
		return p;
	*sev = s;
	if (q < end && (*q == ':' || *q == '|' || *q == ']'))
		return blank_skip(q + 1, end);
	if (is_upper_word(p, n) || (q < end && *q == '\t') ||
	    has_prefix(q, end, "  "))
		return blank_skip(q, end);
	return p;
}

/* Reads a 2-digit year as 19yy or 20yy; 0 if not there. */
static size_t
year2_read(const char *p, const char *end, int *year)
{
	int yy;

	if (!tstamp_digits(p, end, 2, &yy))
		return 0;
	*year = yy < 70 ? 2000 + yy : 1900 + yy;
	return 2;
}

/* Reads a month abbreviation ("Mar") not followed by a letter; 3 or 0. */
static size_t
mon_read(const char *p, const char *end, int *mon)
{
	if (end - p < 3 || (*mon = tstamp_month(p, 3)) == 0 ||
	    (end - p > 3 && isalpha((unsigned char)p[3])))
		return 0;
	return 3;
}

/* Reads a day of the month of one or two digits; bytes consumed or 0. */
static size_t
day_read(const char *p, const char *end, int *day)
{
	if (tstamp_digits(p, end, 2, day))
		return p + 2 < end && isdigit((unsigned char)p[2]) ? 0 : 2;
	if (tstamp_digits(p, end, 1, day) &&
	    (p + 1 >= end || !isdigit((unsigned char)p[1])))
		return 1;
	return 0;
}

/*
 * Reads "HH:MM:SS" and an optional fraction ("." or ","); with loose set
 * the hour may have one digit (MariaDB, ctime). Bytes consumed or 0.
 */
static size_t
clock_read(const char *p, const char *end, struct tstamp *t, int loose)
{
	const char *q = p;

	if (tstamp_digits(q, end, 2, &t->hour))
		q += 2;
	else if (loose && tstamp_digits(q, end, 1, &t->hour))
		q += 1;
	else
		return 0;
	if (q >= end || *q != ':' || !tstamp_digits(q + 1, end, 2, &t->min))
		return 0;
	q += 3;
	if (q >= end || *q != ':' || !tstamp_digits(q + 1, end, 2, &t->sec))
		return 0;
	q += 3;
	if (q < end && isdigit((unsigned char)*q))
		return 0;
	q += tstamp_frac(q, end, t);
	return (size_t)(q - p);
}

/* Reads "YYYY<sep>MM<sep>DD"; 10 or 0. */
static size_t
ymd_read(const char *p, const char *end, int sep, struct tstamp *t)
{
	if (end - p < 10 || p[4] != sep || p[7] != sep ||
	    !tstamp_digits(p, end, 4, &t->year) ||
	    !tstamp_digits(p + 5, end, 2, &t->mon) ||
	    !tstamp_digits(p + 8, end, 2, &t->day))
		return 0;
	return 10;
}

/* 1 if the ISO stamp of n bytes at p wrote its fraction with a comma. */
static int
iso_comma(const char *p, size_t n)
{
	return n > 19 && p[19] == ',';
}

/* 1 if abbr is a zone abbreviation common enough to trust after a space. */
static int
zone_known(const char *abbr)
{
	static const char *const known[] = {
	    "WAT",
	    "WAST",
	    "CAT",
	    "EAT",
	    "SAST",
	    "CET",
	    "CEST",
	    "EET",
	    "EEST",
	    "WET",
	    "WEST",
	    "BST",
	    "IST",
	    "MSK",
	    "EST",
	    "EDT",
	    "CST",
	    "CDT",
	    "MST",
	    "MDT",
	    "PST",
	    "PDT",
	    "AKST",
	    "AKDT",
	    "HST",
	    "AST",
	    "ADT",
	    "NST",
	    "NDT",
	    "JST",
	    "KST",
	    "HKT",
	    "SGT",
	    "PHT",
	    "WIB",
	    "ICT",
	    "AEST",
	    "AEDT",
	    "ACST",
	    "ACDT",
	    "AWST",
	    "NZST",
	    "NZDT",
	    "MEZ",
	    "MESZ",
	    "BRT",
	    "ART",
	    "PKT",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(abbr, known[i]) == 0)
			return 1;
	return 0;
}

/*
 * Reads a zone at p into t: an offset, Z, UTC/GMT or an abbreviation that
 * is not a level word (INFO, LOG); strict also demands a well-known
 * abbreviation. t is untouched on failure. Bytes consumed or 0.
 */
static size_t
zone_read(const char *p, const char *end, struct tstamp *t, int strict)
{
	struct tstamp z = *t;
	size_t        n;

	if ((n = tstamp_zone(p, end, &z)) == 0)
		return 0;
	if (z.zone == TSTAMP_ZONE_ABBR &&
	    (level_sev(p, n) != -1 || (n == 3 && memcmp(p, "LOG", 3) == 0) ||
		(strict && !zone_known(z.abbr))))
		return 0;
	*t = z;
	return n;
}

/* Reads " ZONE" after a stamp that has none yet; bytes consumed or 0. */
static size_t
zone_after(const char *p, const char *end, struct tstamp *t, int strict)
{
	size_t n;

	if (t->zone != TSTAMP_ZONE_NONE || p >= end || *p != ' ' ||
	    (n = zone_read(p + 1, end, t, strict)) == 0)
		return 0;
	return n + 1;
}

/* Reads a numeric " -0800" after a stamp; bytes consumed or 0. */
static size_t
offset_after(const char *p, const char *end, struct tstamp *t)
{
	if (p + 1 >= end || *p != ' ' || (p[1] != '+' && p[1] != '-'))
		return 0;
	return zone_after(p, end, t, 1);
}

/* Severity of a one-letter level (I, W, E, F, D, V; Android's A). */
static int
letter_sev(int c)
{
	char ch = (char)c;

	if (c == 'A')
		return 2;
	return record_severity(&ch, 1);
}

/*
 * PostgreSQL: "%m [%p] %q%u@%d " and relatives, then "LEVEL:  message".
 */

/* 1 if [p, p + n) is a PostgreSQL severity word; sets *sev (-1: DETAIL). */
static int
pg_level(const char *p, size_t n, int *sev)
{
	static const struct {
		const char *word;
		int         sev;
	} words[] = {
	    {"LOG", 6},
	    {"ERROR", 3},
	    {"FATAL", 2},
	    {"PANIC", 0},
	    {"WARNING", 4},
	    {"NOTICE", 5},
	    {"INFO", 6},
	    {"DEBUG", 7},
	    {"DETAIL", -1},
	    {"HINT", -1},
	    {"STATEMENT", -1},
	    {"CONTEXT", -1},
	    {"LOCATION", -1},
	    {"QUERY", -1},
	};
	size_t i;

	if (n == 6 && memcmp(p, "DEBUG", 5) == 0 && p[5] >= '1' &&
	    p[5] <= '5') {
		*sev = 7;
		return 1;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].word) == n &&
		    memcmp(words[i].word, p, n) == 0) {
			*sev = words[i].sev;
			return 1;
		}
	}
	return 0;
}

/*
 * If the token [p, p + n) ends in "LEVEL:" ("LOG:", or RDS's
 * ":[123]:LOG:"), returns where LEVEL starts; else NULL.
 */
static const char *
pg_sev_token(const char *p, size_t n, int *sev)
{
	const char *w, *e;

	if (n < 2 || p[n - 1] != ':')
		return NULL;
	e = p + n - 1;
	for (w = e; w > p && w[-1] != ':'; w--)
		;
	return pg_level(w, (size_t)(e - w), sev) ? w : NULL;
}

/* 1 if the token looks like part of a log_line_prefix ([pid], u@d, k=v). */
static int
pg_prefix_ok(const char *p, size_t n)
{
	if (*p == '[' || *p == ':' || p[n - 1] == ':' ||
	    memchr(p, '@', n) != NULL || memchr(p, '=', n) != NULL)
		return 1;
	return digit_span(p, p + n) == n;
}

/* Adds "user=a,db=b,app=c" pairs with a value as fields. */
static void
pg_kv_fields(struct record *r, const char *p, const char *end)
{
	const char *comma, *eq;

	while (p < end) {
		if ((comma = find_char(p, end, ',')) == NULL)
			comma = end;
		eq = find_char(p, comma, '=');
		if (eq != NULL && eq > p && comma - eq > 1)
			(void)record_add_field(r, p, (size_t)(eq - p), eq + 1,
			    (size_t)(comma - eq - 1));
		p = comma + 1;
	}
}

/* Adds the pid, user and db that one piece of a log_line_prefix shows. */
static void
pg_piece_fields(struct record *r, const char *p, const char *end)
{
	const char *at;
	size_t      n;

	if (end > p && end[-1] == ':')
		end--;
	if (p >= end)
		return;
	if (*p == '[' && (n = digit_span(p + 1, end)) > 0)
		field_add(r, "pid", p + 1, n);
	else if ((n = digit_span(p, end)) == (size_t)(end - p))
		field_add(r, "pid", p, n);
	else if (find_char(p, end, '=') != NULL)
		pg_kv_fields(r, p, end);
	else if ((at = find_char(p, end, '@')) != NULL) {
		field_opt(r, "user", p, (size_t)(at - p));
		field_opt(r, "db", at + 1, (size_t)(end - at - 1));
	}
}

/* Adds the fields of the log_line_prefix tokens in [p, end). */
static void
pg_prefix_fields(struct record *r, const char *p, const char *end)
{
	const char *q, *colon;
	size_t      n;

	while ((p = blank_skip(p, end)) < end) {
		n = token_len(p, end);
		q = p + n;
		if (*p != ':') {
			pg_piece_fields(r, p, q);
		} else {
			for (p++; p < q; p = colon + 1) {
				if ((colon = find_char(p, q, ':')) == NULL)
					colon = q;
				pg_piece_fields(r, p, colon);
			}
		}
		p = q;
	}
}

/* Reads a PostgreSQL server log line (log_line_prefix with %m or %t). */
static int
postgres_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *pre, *msg = NULL;
	struct tstamp t;
	size_t        n;
	int           i, sev = -1;

	memset(&t, 0, sizeof(t));
	if ((n = tstamp_iso(p, end, &t)) == 0 || t.zone != TSTAMP_ZONE_NONE ||
	    iso_comma(p, n))
		return 0;
	p += n;
	if ((n = zone_after(p, end, &t, 0)) == 0)
		return 0;
	p += n;
	pre = p;
	for (i = 0; i < PREFIX_PG_TOKENS && msg == NULL; i++) {
		if ((p = blank_skip(p, end)) >= end)
			return 0;
		n = token_len(p, end);
		if ((msg = pg_sev_token(p, n, &sev)) == NULL) {
			if (!pg_prefix_ok(p, n))
				return 0;
			p += n;
		}
	}
	if (msg == NULL)
		return 0;
	pg_prefix_fields(r, pre, msg);
	field_add(r, "level", msg, (size_t)(find_char(msg, end, ':') - msg));
	text_copy(r->program, sizeof(r->program), "postgres", 8);
	r->severity = sev;
	return prefix_done(r, &t, msg, end);
}

const struct parser parser_postgres = {"postgres", postgres_parse};

/*
 * MySQL and MariaDB error logs, and the general query log.
 */

/* Reads "[Level]" at p; returns the end of the bracket or NULL. */
static const char *
mysql_level(const char *p, const char *end, int *sev)
{
	const char *close;

	if (p >= end || *p != '[' ||
	    (close = find_char(p + 1, end, ']')) == NULL ||
	    (*sev = level_sev(p + 1, (size_t)(close - p - 1))) == -1)
		return NULL;
	return close + 1;
}

/*
 * Reads the stamps MySQL writes: ISO 8601 (8.0, 5.7), "YYYY-MM-DD  H:MM:SS"
 * (MariaDB, 5.6) and "yyMMdd HH:MM:SS" (5.5 and older). Bytes or 0.
 */
static size_t
mysql_ts(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p;
	size_t      n;
	int         mon, day;

	if ((n = tstamp_iso(p, end, t)) != 0)
		return n;
	memset(t, 0, sizeof(*t));
	if ((n = ymd_read(q, end, '-', t)) != 0) {
		q += n;
	} else if (digit_span(q, end) == 6 && year2_read(q, end, &t->year) &&
	    tstamp_digits(q + 2, end, 2, &mon) &&
	    tstamp_digits(q + 4, end, 2, &day)) {
		t->mon = mon;
		t->day = day;
		q += 6;
	} else
		return 0;
	if (q >= end || *q != ' ')
		return 0;
	q += q + 1 < end && q[1] == ' ' ? 2 : 1;
	if ((n = clock_read(q, end, t, 1)) == 0 || !tstamp_valid(t))
		return 0;
	return (size_t)(q + n - p);
}

/* Reads " [MY-010055] [Server]" after the level; adds both as fields. */
static const char *
mysql_codes(struct record *r, const char *p, const char *end)
{
	const char *close;

	if (!has_prefix(p, end, " [MY-") ||
	    (close = find_char(p + 2, end, ']')) == NULL)
		return p;
	field_add(r, "errcode", p + 2, (size_t)(close - p - 2));
	p = close + 1;
	if (has_prefix(p, end, " [") &&
	    (close = find_char(p + 2, end, ']')) != NULL &&
	    find_char(p + 2, close, ' ') == NULL) {
		field_add(r, "subsystem", p + 2, (size_t)(close - p - 2));
		p = close + 1;
	}
	return p;
}

/* Reads a MySQL or MariaDB error-log (or general query log) line. */
static int
mysql_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *lvl, *thr;
	struct tstamp t;
	size_t        n, thr_n;
	int           sev = -1, old;

	memset(&t, 0, sizeof(t));
	old = digit_span(p, end) == 6;
	if ((n = mysql_ts(p, end, &t)) == 0 || p + n >= end)
		return 0;
	p += n;
	if (*p == '\t') {
		/* general query log: "ts\t   12 Query\tSELECT 1" */
		thr = blank_skip(p, end);
		if ((thr_n = digit_span(thr, end)) == 0)
			return 0;
		field_add(r, "thread", thr, thr_n);
		p = blank_skip(thr + thr_n, end);
	} else if (old) {
		if (*p != ' ')
			return 0;
		p = blank_skip(p, end);
		if ((lvl = mysql_level(p, end, &sev)) != NULL) {
			field_add(r, "level", p + 1, (size_t)(lvl - p - 2));
			p = blank_skip(lvl, end);
		}
	} else {
		thr = blank_skip(p, end);
		if (thr == p || (thr_n = digit_span(thr, end)) == 0 ||
		    thr + thr_n >= end || thr[thr_n] != ' ' ||
		    (lvl = mysql_level(thr + thr_n + 1, end, &sev)) == NULL)
			return 0;
		field_add(r, "thread", thr, thr_n);
		field_add(r, "level", thr + thr_n + 2,
		    (size_t)(lvl - thr - thr_n - 3));
		p = blank_skip(mysql_codes(r, lvl, end), end);
	}
	text_copy(r->program, sizeof(r->program), "mysqld", 6);
	r->severity = sev;
	return prefix_done(r, &t, p, end);
}

const struct parser parser_mysql = {"mysql", mysql_parse};

/*
 * PgBouncer: "2019-04-17 13:11:03.124 [UTC] [25292] LOG C-0x...: msg".
 */

/* 1 if [p, p + n) is a PgBouncer level. */
static int
pgbouncer_level(const char *p, size_t n, int *sev)
{
	static const char *const words[] = {
	    "DEBUG",
	    "NOISE",
	    "LOG",
	    "WARNING",
	    "ERROR",
	    "FATAL",
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i]) == n && memcmp(words[i], p, n) == 0) {
			*sev = n == 3 ? 6 : level_sev(p, n);
			return 1;
		}
	}
	return 0;
}

/* 1 if the token at p is a dotted Python logger ("nova.compute.api"). */
static int
is_dotted_logger(const char *p, const char *end)
{
	size_t n = token_len(p, end), i;
	int    dots = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '.')
			dots++;
		else if (!isalnum((unsigned char)p[i]) && p[i] != '_')
			return 0;
	}
	return dots > 0 && p + n < end;
}

/* Reads a PgBouncer log line. */
static int
pgbouncer_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *pid, *lvl;
	struct tstamp t;
	size_t        n, pid_n, lvl_n;
	int           sev = -1, bracket;

	memset(&t, 0, sizeof(t));
	if ((n = tstamp_iso(p, end, &t)) == 0 || t.zone != TSTAMP_ZONE_NONE ||
	    iso_comma(p, n))
		return 0;
	p += n;
	p += zone_after(p, end, &t, 0);
	if (p >= end || *p != ' ')
		return 0;
	bracket = ++p < end && *p == '[';
	pid = p + bracket;
	if ((pid_n = digit_span(pid, end)) == 0)
		return 0;
	p = pid + pid_n;
	if (bracket && (p >= end || *p++ != ']'))
		return 0;
	if (p >= end || *p != ' ')
		return 0;
	lvl = p + 1;
	lvl_n = token_len(lvl, end);
	if (!pgbouncer_level(lvl, lvl_n, &sev) || lvl + lvl_n >= end ||
	    is_dotted_logger(lvl + lvl_n + 1, end))
		return 0;
	field_add(r, "pid", pid, pid_n);
	field_add(r, "level", lvl, lvl_n);
	text_copy(r->program, sizeof(r->program), "pgbouncer", 9);
	r->severity = sev;
	return prefix_done(r, &t, lvl + lvl_n + 1, end);
}

const struct parser parser_pgbouncer = {"pgbouncer", pgbouncer_parse};

/*
 * Spring Boot: "ts  LEVEL pid --- [app] [thread] logger : message".
 */

/*
 * Reads "[text]" at p, nested brackets included ("[Peer[myid=1]/0:2181]"),
 * into s and n with the padding trimmed; returns its end or NULL.
 */
static const char *
bracket_read(const char *p, const char *end, const char **s, size_t *n)
{
	const char *q;
	int         depth = 0;

	if (p >= end || *p != '[')
		return NULL;
	for (q = p; q < end && q - p <= PREFIX_TOKEN_MAX; q++) {
		if (*q == '[')
			depth++;
		else if (*q == ']' && --depth == 0) {
			*s = blank_skip(p + 1, q);
			*n = (size_t)(q - *s);
			while (*n > 0 && (*s)[*n - 1] == ' ')
				(*n)--;
			return q + 1;
		}
	}
	return NULL;
}

/* Reads a Spring Boot (logback default layout) line. */
static int
spring_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *lvl, *pid, *q;
	const char   *br[2] = {NULL, NULL}, *logger;
	struct tstamp t;
	size_t        n, lvl_n, pid_n, br_n[2] = {0, 0}, logger_n;
	int           sev;

	memset(&t, 0, sizeof(t));
	if ((n = tstamp_iso(p, end, &t)) == 0 ||
	    (lvl = blank_skip(p + n, end)) == p + n)
		return 0;
	lvl_n = token_len(lvl, end);
	if ((sev = level_sev(lvl, lvl_n)) == -1)
		return 0;
	pid = blank_skip(lvl + lvl_n, end);
	if ((pid_n = digit_span(pid, end)) == 0 ||
	    !has_prefix(pid + pid_n, end, " --- "))
		return 0;
	p = blank_skip(pid + pid_n + 5, end);
	if ((q = bracket_read(p, end, &br[0], &br_n[0])) == NULL)
		return 0;
	p = blank_skip(q, end);
	if (p < end && *p == '[') {
		/* Boot 3.2+: "[app] [thread]" */
		if ((q = bracket_read(p, end, &br[1], &br_n[1])) == NULL)
			return 0;
		p = blank_skip(q, end);
	}
	logger = p;
	logger_n = token_len(p, end);
	p = blank_skip(p + logger_n, end);
	if (logger_n == 0 || p >= end || *p != ':')
		return 0;
	field_add(r, "level", lvl, lvl_n);
	field_add(r, "pid", pid, pid_n);
	if (br[1] != NULL) {
		field_opt(r, "app", br[0], br_n[0]);
		field_add(r, "thread", br[1], br_n[1]);
	} else
		field_add(r, "thread", br[0], br_n[0]);
	field_add(r, "logger", logger, logger_n);
	r->severity = sev;
	return prefix_done(r, &t, blank_skip(p + 1, end), end);
}

const struct parser parser_spring = {"spring", spring_parse};

/*
 * log4j and relatives: Hadoop, ZooKeeper, Spark, OpenStack, Tomcat, TTCC.
 */

/* Reads "yy/MM/dd HH:MM:SS" (Spark); bytes consumed or 0. */
static size_t
yymmdd_slash_read(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if (end - p < 9 || p[2] != '/' || p[5] != '/' || p[8] != ' ' ||
	    !year2_read(p, end, &t->year) ||
	    !tstamp_digits(p + 3, end, 2, &t->mon) ||
	    !tstamp_digits(p + 6, end, 2, &t->day) ||
	    (n = clock_read(p + 9, end, t, 0)) == 0 || !tstamp_valid(t))
		return 0;
	return 9 + n;
}

/* Reads "dd-Mon-yyyy HH:MM:SS.mmm" (Tomcat) or with '/' or ' '. */
static size_t
dmony_read(const char *p, const char *end, int sep, struct tstamp *t)
{
	const char *q = p;
	size_t      n;

	if ((n = day_read(q, end, &t->day)) == 0 || q + n >= end || q[n] != sep)
		return 0;
	q += n + 1;
	if (mon_read(q, end, &t->mon) == 0 || q + 3 >= end || q[3] != sep ||
	    !tstamp_digits(q + 4, end, 4, &t->year))
		return 0;
	q += 8;
	if (q >= end || (*q != ' ' && !(sep == '/' && *q == ':')) ||
	    (n = clock_read(q + 1, end, t, 0)) == 0 || !tstamp_valid(t))
		return 0;
	return (size_t)(q + 1 + n - p);
}

/* Reads the stamps log4j layouts write; bytes consumed or 0. */
static size_t
log4j_ts(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if ((n = tstamp_iso(p, end, t)) != 0)
		return n;
	memset(t, 0, sizeof(*t));
	if ((n = yymmdd_slash_read(p, end, t)) != 0)
		return n;
	memset(t, 0, sizeof(*t));
	return dmony_read(p, end, '-', t);
}

/* Reads a level word at p into h; returns its end or NULL. */
static const char *
hdr_level(struct prefix_hdr *h, const char *p, const char *end)
{
	size_t n = token_len(p, end);

	if ((h->sev = level_sev(p, n)) == -1)
		return NULL;
	h->level = p;
	h->level_n = n;
	return p + n;
}

/* ZooKeeper: " [myid:1] - INFO  [thread:Class@42] - msg". */
static int
log4j_zookeeper(struct prefix_hdr *h, const char *p, const char *end)
{
	const char *close;

	if (has_prefix(p, end, " [myid:")) {
		if ((close = find_char(p, end, ']')) == NULL)
			return 0;
		p = close + 1;
	}
	if (!has_prefix(p, end, " - ") ||
	    (p = hdr_level(h, p + 3, end)) == NULL ||
	    (p = bracket_read(
		 blank_skip(p, end), end, &h->thread, &h->thread_n)) == NULL ||
	    !has_prefix(p, end, " - "))
		return 0;
	h->msg = p + 3;
	return 1;
}

/* "ts -0800 | ERROR | logger - msg". */
static int
log4j_pipes(struct prefix_hdr *h, const char *p, const char *end)
{
	if (!has_prefix(p, end, " | ") ||
	    (p = hdr_level(h, p + 3, end)) == NULL ||
	    !has_prefix(p, end, " | "))
		return 0;
	h->logger = p + 3;
	h->logger_n = token_len(h->logger, end);
	p = h->logger + h->logger_n;
	if (!has_prefix(p, end, " - "))
		return 0;
	h->msg = p + 3;
	return 1;
}

/* OpenStack: "ts 25746 INFO nova.api.server [req-...] msg". */
static int
log4j_openstack(struct prefix_hdr *h, const char *p, const char *end)
{
	if (p >= end || *p != ' ' || (h->pid_n = digit_span(p + 1, end)) == 0)
		return 0;
	h->pid = p + 1;
	p += 1 + h->pid_n;
	if (p >= end || *p != ' ' || (p = hdr_level(h, p + 1, end)) == NULL ||
	    p >= end || *p != ' ')
		return 0;
	h->logger = p + 1;
	h->logger_n = token_len(h->logger, end);
	if (h->logger_n == 0)
		return 0;
	h->msg = blank_skip(h->logger + h->logger_n, end);
	return 1;
}

/* 1 if the n bytes at p name a Java throwable ("...Exception", "...Error"). */
static int
hdr_is_throwable(const char *p, size_t n)
{
	return (n > 9 && memcmp(p + n - 9, "Exception", 9) == 0) ||
	    (n > 5 && memcmp(p + n - 5, "Error", 5) == 0);
}

/*
 * Reads "logger: msg", "logger - msg", "logger   : msg" at p; with loose
 * set (a thread was seen) also "logger msg". 1 if found.
 */
static int
hdr_logger(struct prefix_hdr *h, const char *p, const char *end, int loose)
{
	const char *q;
	size_t      n = token_len(p, end);

	if (n == 0 || n > PREFIX_TOKEN_MAX)
		return 0;
	h->logger = p;
	h->logger_n = n;
	if (p[n - 1] == ':' && n > 1) {
		h->logger_n--;
		h->msg = blank_skip(p + n, end);
		/* "a.b.FooException: text" is the message, not a logger. */
		if (hdr_is_throwable(p, n - 1))
			h->msg = p;
		return 1;
	}
	q = blank_skip(p + n, end);
	if (q < end && (*q == ':' || *q == '-') &&
	    (q + 1 == end || q[1] == ' ')) {
		h->msg = blank_skip(q + 1, end);
		return 1;
	}
	if (!loose)
		return 0;
	h->msg = q;
	return 1;
}

/* TTCC: " [thread] LEVEL logger - msg". */
static int
log4j_ttcc(struct prefix_hdr *h, const char *p, const char *end)
{
	if (p >= end || *p != ' ' ||
	    (p = bracket_read(p + 1, end, &h->thread, &h->thread_n)) == NULL ||
	    p >= end || *p != ' ' || (p = hdr_level(h, p + 1, end)) == NULL)
		return 0;
	return hdr_logger(h, blank_skip(p, end), end, 0);
}

/* Hadoop, Spark, Tomcat: " LEVEL [thread] logger: msg". */
static int
log4j_plain(struct prefix_hdr *h, const char *p, const char *end)
{
	const char *q;

	if (p >= end || *p != ' ' ||
	    (p = hdr_level(h, blank_skip(p, end), end)) == NULL || p >= end ||
	    *p != ' ')
		return 0;
	p = blank_skip(p, end);
	if ((q = bracket_read(p, end, &h->thread, &h->thread_n)) != NULL) {
		p = blank_skip(q, end);
		if (p == end) {
			h->msg = p;
			return 1;
		}
	}
	return hdr_logger(h, p, end, h->thread != NULL);
}

/* Stores what a Java layout header held into r. */
static void
hdr_apply(struct record *r, const struct prefix_hdr *h)
{
	field_add(r, "level", h->level, h->level_n);
	field_opt(r, "pid", h->pid, h->pid_n);
	field_opt(r, "thread", h->thread, h->thread_n);
	field_opt(r, "logger", h->logger, h->logger_n);
	r->severity = h->sev;
}

/*
 * Skips an OpenStack file-name prefix ("nova-api.log.1.2017-05-16_13:53:08
 * "), noting it in *file; returns p when there is none, NULL if the line
 * opens with a word that is not one.
 */
static const char *
log4j_file_prefix(
    const char *p, const char *end, const char **file, size_t *file_n)
{
	size_t n;

	if (p >= end || isdigit((unsigned char)*p) || *p == '[')
		return p;
	n = token_len(p, end);
	if (n > PREFIX_TOKEN_MAX || p + n + 1 >= end ||
	    !isdigit((unsigned char)p[n + 1]) ||
	    find_char(p, p + n, '.') == NULL)
		return NULL;
	*file = p;
	*file_n = n;
	return p + n + 1;
}

/* Sets the program from a file name such as "nova-api.log.1". */
static void
program_from_file(struct record *r, const char *file, size_t n)
{
	const char *dot = find_char(file, file + n, '.');

	if (dot != NULL && dot > file && has_prefix(dot, file + n, ".log"))
		text_copy(
		    r->program, sizeof(r->program), file, (size_t)(dot - file));
}

/* Reads a log4j-style line (a layout with a level and a logger). */
static int
log4j_parse(const char *line, size_t len, struct record *r)
{
	static int (*const forms[])(
	    struct prefix_hdr *, const char *, const char *) = {
	    log4j_zookeeper,
	    log4j_pipes,
	    log4j_openstack,
	    log4j_ttcc,
	    log4j_plain,
	};
	const char       *p = line, *end = line + len, *file = NULL;
	struct prefix_hdr h;
	struct tstamp     t;
	size_t            n, file_n = 0, i;
	int               bracket;

	memset(&t, 0, sizeof(t));
	if ((p = log4j_file_prefix(p, end, &file, &file_n)) == NULL)
		return 0;
	if ((bracket = p < end && *p == '['))
		p++;
	if ((n = log4j_ts(p, end, &t)) == 0)
		return 0;
	p += n;
	if (bracket) {
		/* "[ts] LEVEL" is Kafka's; "[ts] [thread] LEVEL" is TTCC. */
		if (p >= end || *p != ']' || !has_prefix(p + 1, end, " ["))
			return 0;
		p++;
	}
	p += offset_after(p, end, &t);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&h, 0, sizeof(h));
		if (forms[i](&h, p, end))
			break;
	}
	if (i == sizeof(forms) / sizeof(forms[0]))
		return 0;
	if (file != NULL) {
		field_add(r, "file", file, file_n);
		program_from_file(r, file, file_n);
	}
	hdr_apply(r, &h);
	return prefix_done(r, &t, h.msg, end);
}

const struct parser parser_log4j = {"log4j", log4j_parse};

/*
 * Kafka: "[2024-05-07 10:55:53,434] INFO message (kafka.log.LogSegment)".
 */

/* Reads a Kafka broker (log4j "[%d] %p %m (%c)") line. */
static int
kafka_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *lvl, *open, *close;
	struct tstamp t;
	size_t        n, lvl_n;
	int           sev;

	memset(&t, 0, sizeof(t));
	if (p >= end || *p != '[' || (n = tstamp_iso(p + 1, end, &t)) == 0)
		return 0;
	p += 1 + n;
	if (!has_prefix(p, end, "] "))
		return 0;
	lvl = p + 2;
	lvl_n = token_len(lvl, end);
	if ((sev = level_sev(lvl, lvl_n)) == -1)
		return 0;
	p = blank_skip(lvl + lvl_n, end);
	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	field_add(r, "level", lvl, lvl_n);
	if (end > p && end[-1] == ')') {
		close = end - 1;
		for (open = close;
		     open > p && open[-1] != '(' && open[-1] != ' '; open--)
			;
		if (open - 1 > p && open[-1] == '(' && open[-2] == ' ' &&
		    find_char(open, close, '.') != NULL) {
			/* "[%d] %p %m (%c)" is the layout Kafka ships. */
			field_add(r, "logger", open, (size_t)(close - open));
			text_copy(r->program, sizeof(r->program), "kafka", 5);
			end = open - 2;
		}
	}
	r->severity = sev;
	return prefix_done(r, &t, p, end);
}

const struct parser parser_kafka = {"kafka", kafka_parse};

/*
 * Python logging: "ts - name - LEVEL - msg", "ts:LEVEL:msg", Django.
 */

/* Django's "[15/Mar/2024 09:00:01] ERROR msg". */
static int
python_django(const char *line, const char *end, struct record *r)
{
	const char   *p = line;
	struct tstamp t;
	size_t        n;
	int           sev = -1;

	memset(&t, 0, sizeof(t));
	if (p >= end || *p != '[' ||
	    (n = dmony_read(p + 1, end, '/', &t)) == 0 ||
	    !has_prefix(p + 1 + n, end, "] "))
		return 0;
	p = level_take(p + 3 + n, end, &sev);
	r->severity = sev;
	return prefix_done(r, &t, p, end);
}

/* Reads a line of Python logging's common formats. */
static int
python_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *name = NULL, *lvl;
	struct tstamp t;
	size_t        n, name_n = 0, lvl_n;
	int           sev;

	if (p < end && *p == '[')
		return python_django(line, end, r);
	memset(&t, 0, sizeof(t));
	if ((n = tstamp_iso(p, end, &t)) == 0)
		return 0;
	p += n;
	if (has_prefix(p, end, " - ")) {
		lvl = p + 3;
		lvl_n = token_len(lvl, end);
		if (level_sev(lvl, lvl_n) == -1) {
			name = lvl;
			name_n = lvl_n;
			if (!has_prefix(name + name_n, end, " - "))
				return 0;
			lvl = name + name_n + 3;
			lvl_n = token_len(lvl, end);
		}
		if ((sev = level_sev(lvl, lvl_n)) == -1 ||
		    !has_prefix(lvl + lvl_n, end, " - "))
			return 0;
		p = lvl + lvl_n + 3;
	} else if (p < end && *p == ':') {
		lvl = p + 1;
		for (p = lvl; p < end && isalpha((unsigned char)*p); p++)
			;
		lvl_n = (size_t)(p - lvl);
		if (p >= end || *p != ':' ||
		    (sev = level_sev(lvl, lvl_n)) == -1)
			return 0;
		p++;
	} else
		return 0;
	field_add(r, "level", lvl, lvl_n);
	field_opt(r, "logger", name, name_n);
	r->severity = sev;
	return prefix_done(r, &t, p, end);
}

const struct parser parser_python = {"python", python_parse};

/*
 * nginx error log: "2024/11/20 07:00:47 [warn] 12096#12096: *233223 msg".
 */

/* Reads an nginx error-log line. */
static int
nginx_error_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *lvl, *pid, *tid, *cid;
	struct tstamp t;
	size_t        n, lvl_n, pid_n, tid_n, cid_n;
	int           sev;

	memset(&t, 0, sizeof(t));
	if (end - p < 20 || p[4] != '/' || (n = tstamp_iso(p, end, &t)) != 19 ||
	    !has_prefix(p + n, end, " ["))
		return 0;
	lvl = p + n + 2;
	for (p = lvl; p < end && isalpha((unsigned char)*p); p++)
		;
	lvl_n = (size_t)(p - lvl);
	if (!has_prefix(p, end, "] ") || (sev = level_sev(lvl, lvl_n)) == -1)
		return 0;
	pid = p + 2;
	if ((pid_n = digit_span(pid, end)) == 0 || pid + pid_n >= end ||
	    pid[pid_n] != '#')
		return 0;
	tid = pid + pid_n + 1;
	if ((tid_n = digit_span(tid, end)) == 0 ||
	    !has_prefix(tid + tid_n, end, ": "))
		return 0;
	p = tid + tid_n + 2;
	field_add(r, "level", lvl, lvl_n);
	field_add(r, "pid", pid, pid_n);
	field_add(r, "tid", tid, tid_n);
	if (p < end && *p == '*' && (cid_n = digit_span(p + 1, end)) > 0) {
		cid = p + 1;
		field_add(r, "connection", cid, cid_n);
		p = blank_skip(cid + cid_n, end);
	}
	text_copy(r->program, sizeof(r->program), "nginx", 5);
	r->severity = sev;
	return prefix_done(r, &t, p, end);
}

const struct parser parser_nginx_error = {"nginx_error", nginx_error_parse};

/*
 * Apache httpd error log: "[Sun Dec 04 04:47:44 2005] [notice] msg" and
 * 2.4's "[... 10:42:29.902022 2011] [core:error] [pid 1:tid 2] [client
 * 1.2.3.4] msg".
 */

/* Reads "Wdy Mon dd HH:MM:SS[.frac] [ZONE] yyyy" (ctime); bytes or 0. */
static size_t
ctime_read(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p;
	size_t      n;

	if (end - q < 8 || tstamp_weekday(q, 3) == 0 || q[3] != ' ' ||
	    mon_read(q + 4, end, &t->mon) == 0 || q[7] != ' ')
		return 0;
	q += 8;
	if (q < end && *q == ' ')
		q++;
	if ((n = day_read(q, end, &t->day)) == 0)
		return 0;
	q += n;
	if (q >= end || *q != ' ' || (n = clock_read(q + 1, end, t, 0)) == 0)
		return 0;
	q += 1 + n;
	if (q < end && *q == ' ' && (n = zone_read(q + 1, end, t, 0)) != 0)
		q += 1 + n;
	if (q >= end || *q != ' ' || !tstamp_digits(q + 1, end, 4, &t->year) ||
	    (q + 5 < end && isdigit((unsigned char)q[5])) || !tstamp_valid(t))
		return 0;
	return (size_t)(q + 5 - p);
}

/* Adds the fields of one "[pid 1:tid 2]" or "[client a]" group; 0 if none. */
static int
apache_group(struct record *r, const char *s, const char *e)
{
	const char *colon;

	if (has_prefix(s, e, "pid ")) {
		s += 4;
		if ((colon = find_char(s, e, ':')) == NULL)
			colon = e;
		field_add(r, "pid", s, (size_t)(colon - s));
		if (has_prefix(colon, e, ":tid "))
			field_add(r, "tid", colon + 5, (size_t)(e - colon - 5));
		return 1;
	}
	if (has_prefix(s, e, "client ")) {
		field_add(r, "client", s + 7, (size_t)(e - s - 7));
		return 1;
	}
	return 0;
}

/* Reads an Apache httpd error-log line. */
static int
apache_error_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *lvl, *mod, *colon, *close;
	struct tstamp t;
	size_t        n, lvl_n;
	int           sev;

	memset(&t, 0, sizeof(t));
	if (p >= end || *p != '[' || (n = ctime_read(p + 1, end, &t)) == 0 ||
	    !has_prefix(p + 1 + n, end, "] ["))
		return 0;
	lvl = p + n + 4;
	if ((close = find_char(lvl, end, ']')) == NULL)
		return 0;
	mod = lvl;
	if ((colon = find_char(lvl, close, ':')) != NULL)
		lvl = colon + 1;
	lvl_n = (size_t)(close - lvl);
	if ((sev = level_sev(lvl, lvl_n)) == -1)
		return 0;
	if (colon != NULL)
		field_opt(r, "module", mod, (size_t)(colon - mod));
	field_add(r, "level", lvl, lvl_n);
	p = blank_skip(close + 1, end);
	while (p < end && *p == '[' &&
	    (close = find_char(p, end, ']')) != NULL &&
	    apache_group(r, p + 1, close))
		p = blank_skip(close + 1, end);
	text_copy(r->program, sizeof(r->program), "apache", 6);
	r->severity = sev;
	return prefix_done(r, &t, p, end);
}

const struct parser parser_apache_error = {"apache_error", apache_error_parse};

/*
 * klog/glog: "E0315 10:00:05.123456   12345 file.go:123] msg".
 */

/* Reads a klog (Kubernetes) or glog line. */
static int
klog_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *thr, *file, *colon, *close;
	struct tstamp t;
	size_t        n, thr_n;

	memset(&t, 0, sizeof(t));
	if (p >= end || !in_set(*p, "IWEF"))
		return 0;
	n = digit_span(p + 1, end);
	if (n == 8 && tstamp_digits(p + 1, end, 4, &t.year))
		p += 4;
	else if (n != 4)
		return 0;
	if (!tstamp_digits(p + 1, end, 2, &t.mon) ||
	    !tstamp_digits(p + 3, end, 2, &t.day) || p + 5 >= end ||
	    p[5] != ' ' || (n = clock_read(p + 6, end, &t, 0)) == 0 ||
	    !tstamp_valid(&t))
		return 0;
	thr = blank_skip(p + 6 + n, end);
	if ((thr_n = digit_span(thr, end)) == 0 || thr + thr_n >= end ||
	    thr[thr_n] != ' ')
		return 0;
	file = thr + thr_n + 1;
	if ((close = find_char(file, end, ']')) == NULL ||
	    close - file > PREFIX_TOKEN_MAX ||
	    (colon = find_char(file, close, ':')) == NULL ||
	    digit_span(colon + 1, close) != (size_t)(close - colon - 1) ||
	    find_char(file, colon, ' ') != NULL)
		return 0;
	field_add(r, "thread", thr, thr_n);
	field_add(r, "file", file, (size_t)(colon - file));
	field_add(r, "line", colon + 1, (size_t)(close - colon - 1));
	r->severity = letter_sev(*line);
	p = close + 1;
	if (p < end && *p == ' ')
		p++;
	return prefix_done(r, &t, p, end);
}

const struct parser parser_klog = {"klog", klog_parse};

/*
 * Redis: "1:M 14 Nov 2023 07:01:22.119 * msg", "[1234] 14 Nov 07:01:22 #".
 */

/* Severity of Redis's level characters: . debug, - verbose, * notice, #. */
static int
redis_sev(int c)
{
	switch (c) {
	case '.':
	case '-': return 7;
	case '*': return 5;
	case '#': return 4;
	default: return -1;
	}
}

/* Reads "dd Mon [yyyy] HH:MM:SS[.mmm] C " and the message; 1 if read. */
static int
redis_rest(struct record *r, const char *p, const char *end)
{
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	if ((n = day_read(p, end, &t.day)) == 0 || p + n >= end ||
	    p[n] != ' ' || mon_read(p + n + 1, end, &t.mon) == 0)
		return 0;
	p += n + 4;
	if (p >= end || *p != ' ')
		return 0;
	p++;
	if (digit_span(p, end) == 4 && tstamp_digits(p, end, 4, &t.year))
		p += 5;
	if ((n = clock_read(p, end, &t, 0)) == 0 || !tstamp_valid(&t))
		return 0;
	p += n;
	if (end - p < 3 || p[0] != ' ' || redis_sev(p[1]) == -1 ||
	    (p[2] != ' ' && p + 2 != end))
		return 0;
	r->severity = redis_sev(p[1]);
	text_copy(r->program, sizeof(r->program), "redis", 5);
	return prefix_done(r, &t, p + 3, end);
}

/* Reads "pid:signal-handler (1496141844) msg". */
static int
redis_signal(struct record *r, const char *p, const char *end)
{
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	if (!has_prefix(p, end, ":signal-handler (") ||
	    (n = tstamp_epoch(p + 17, end, &t)) == 0 ||
	    !has_prefix(p + 17 + n, end, ") "))
		return 0;
	text_copy(r->program, sizeof(r->program), "redis", 5);
	return prefix_done(r, &t, p + 19 + n, end);
}

/* Reads a Redis server log line. */
static int
redis_parse(const char *line, size_t len, struct record *r)
{
	const char *p = line, *end = line + len;
	size_t      n;

	if (p < end && *p == '[') {
		if ((n = digit_span(p + 1, end)) == 0 ||
		    !has_prefix(p + 1 + n, end, "] ") ||
		    !redis_rest(r, p + 3 + n, end))
			return 0;
		field_add(r, "pid", p + 1, n);
		return 1;
	}
	n = digit_span(p, end);
	if (n > 0 && n <= 7 && p + n + 3 < end && p[n] == ':' &&
	    in_set(p[n + 1], "XCSM") && p[n + 2] == ' ') {
		if (!redis_rest(r, p + n + 3, end))
			return 0;
		field_add(r, "pid", p, n);
		field_add(r, "role", p + n + 1, 1);
		return 1;
	}
	if (n > 0 && n <= 7 && redis_signal(r, p + n, end)) {
		field_add(r, "pid", p, n);
		return 1;
	}
	return redis_rest(r, p, end);
}

const struct parser parser_redis = {"redis", redis_parse};

/*
 * HDFS: "081109 203615 148 INFO dfs.DataNode$PacketResponder: msg".
 */

/* Reads an HDFS (Hadoop 0.x DataNode/NameNode) line. */
static int
hdfs_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *pid, *lvl, *logger;
	struct tstamp t;
	size_t        pid_n, lvl_n, logger_n;
	int           sev;

	memset(&t, 0, sizeof(t));
	if (end - p < 14 || p[6] != ' ' || p[13] != ' ' ||
	    !year2_read(p, end, &t.year) ||
	    !tstamp_digits(p + 2, end, 2, &t.mon) ||
	    !tstamp_digits(p + 4, end, 2, &t.day) ||
	    !tstamp_digits(p + 7, end, 2, &t.hour) ||
	    !tstamp_digits(p + 9, end, 2, &t.min) ||
	    !tstamp_digits(p + 11, end, 2, &t.sec) || !tstamp_valid(&t))
		return 0;
	pid = p + 14;
	if ((pid_n = digit_span(pid, end)) == 0 || pid + pid_n >= end ||
	    pid[pid_n] != ' ')
		return 0;
	lvl = pid + pid_n + 1;
	lvl_n = token_len(lvl, end);
	if ((sev = level_sev(lvl, lvl_n)) == -1 || lvl + lvl_n >= end)
		return 0;
	logger = lvl + lvl_n + 1;
	logger_n = token_len(logger, end);
	if (logger_n < 2 || logger[logger_n - 1] != ':')
		return 0;
	field_add(r, "pid", pid, pid_n);
	field_add(r, "level", lvl, lvl_n);
	field_add(r, "logger", logger, logger_n - 1);
	r->severity = sev;
	return prefix_done(r, &t, blank_skip(logger + logger_n, end), end);
}

const struct parser parser_hdfs = {"hdfs", hdfs_parse};

/*
 * Android logcat: threadtime "03-17 16:13:38.811  1702  2395 D Tag: msg"
 * (with -v year, a leading "2024-"), and time "03-17 ... D/Tag( 1702): msg".
 */

/* Reads "pid tid L Tag: " (threadtime) at p; the message or NULL. */
static const char *
logcat_threadtime(struct record *r, const char *p, const char *end)
{
	const char *pid, *tid, *tag, *colon;
	size_t      pid_n, tid_n;

	pid = blank_skip(p, end);
	if (pid == p || (pid_n = digit_span(pid, end)) == 0)
		return NULL;
	tid = blank_skip(pid + pid_n, end);
	if (tid == pid + pid_n || (tid_n = digit_span(tid, end)) == 0 ||
	    tid + tid_n + 3 >= end || tid[tid_n] != ' ' ||
	    !in_set(tid[tid_n + 1], "VDIWEFAS") || tid[tid_n + 2] != ' ')
		return NULL;
	tag = tid + tid_n + 3;
	for (colon = tag; colon < end && *colon != ':'; colon++)
		;
	if (colon >= end || colon - tag > PREFIX_TOKEN_MAX)
		return NULL;
	for (p = colon; p > tag && p[-1] == ' '; p--)
		;
	field_add(r, "pid", pid, pid_n);
	field_add(r, "tid", tid, tid_n);
	text_copy(r->program, sizeof(r->program), tag, (size_t)(p - tag));
	r->severity = letter_sev(tid[tid_n + 1]);
	return colon + 1 < end && colon[1] == ' ' ? colon + 2 : colon + 1;
}

/* Reads "L/Tag( pid): " (-v time) at p; the message or NULL. */
static const char *
logcat_time(struct record *r, const char *p, const char *end)
{
	const char *tag, *open, *pid, *e;
	size_t      pid_n;

	if (end - p < 4 || p[0] != ' ' || !in_set(p[1], "VDIWEFAS") ||
	    p[2] != '/')
		return NULL;
	tag = p + 3;
	if ((open = find_char(tag, end, '(')) == NULL ||
	    open - tag > PREFIX_TOKEN_MAX)
		return NULL;
	pid = blank_skip(open + 1, end);
	if ((pid_n = digit_span(pid, end)) == 0 ||
	    !has_prefix(pid + pid_n, end, "):"))
		return NULL;
	for (e = open; e > tag && e[-1] == ' '; e--)
		;
	field_add(r, "pid", pid, pid_n);
	text_copy(r->program, sizeof(r->program), tag, (size_t)(e - tag));
	r->severity = letter_sev(p[1]);
	return blank_skip(pid + pid_n + 2, end);
}

/* Reads an Android logcat line. */
static int
logcat_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *msg;
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	if (end - p > 5 && p[4] == '-' && tstamp_digits(p, end, 4, &t.year))
		p += 5;
	if (end - p < 6 || p[2] != '-' || p[5] != ' ' ||
	    !tstamp_digits(p, end, 2, &t.mon) ||
	    !tstamp_digits(p + 3, end, 2, &t.day) ||
	    (n = clock_read(p + 6, end, &t, 0)) == 0 || t.frac_digits == 0 ||
	    !tstamp_valid(&t))
		return 0;
	p += 6 + n;
	if ((msg = logcat_threadtime(r, p, end)) == NULL &&
	    (msg = logcat_time(r, p, end)) == NULL)
		return 0;
	return prefix_done(r, &t, msg, end);
}

const struct parser parser_logcat = {"logcat", logcat_parse};

/*
 * Go's log package: "2024/03/15 09:00:01[.123456] msg".
 */

/* Reads a line of Go's standard logger. */
static int
golog_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len;
	struct record probe;
	struct tstamp t;
	size_t        n;
	int           sev = -1;

	/* nginx's error log has the same stamp: leave its lines to it, even
	 * when this format read the line before. */
	memset(&probe, 0, sizeof(probe));
	if (nginx_error_parse(line, len, &probe))
		return 0;
	memset(&t, 0, sizeof(t));
	if (end - p < 20 || p[4] != '/' || p[10] != ' ' ||
	    (n = tstamp_iso(p, end, &t)) == 0 || t.zone != TSTAMP_ZONE_NONE ||
	    iso_comma(p, n) || n < 19 || p + n >= end || p[n] != ' ')
		return 0;
	p = level_take(p + n + 1, end, &sev);
	r->severity = sev;
	return prefix_done(r, &t, p, end);
}

const struct parser parser_golog = {"golog", golog_parse};

/*
 * generic: a date and a time anywhere in the first PREFIX_SCAN_MAX bytes,
 * in any of the usual spellings, then an optional level token.
 */

/* Skips Go's " MST m=+0.239306317" after a "-0700" offset. */
static size_t
go_suffix(const char *p, const char *end)
{
	const char   *q = p;
	size_t        n;
	struct tstamp z;

	memset(&z, 0, sizeof(z));
	if (q < end && *q == ' ' && (n = zone_read(q + 1, end, &z, 0)) != 0 &&
	    z.zone == TSTAMP_ZONE_ABBR)
		q += 1 + n;
	if (has_prefix(q, end, " m=+") || has_prefix(q, end, " m=-"))
		q += 1 + token_len(q + 1, end);
	return (size_t)(q - p);
}

/* ISO 8601 with an optional " UTC" / " +0000" / " CEST" after a space. */
static size_t
gen_iso(const char *p, const char *end, struct tstamp *t)
{
	size_t n, z;

	if ((n = tstamp_iso(p, end, t)) == 0)
		return 0;
	/* Go's time.String() writes " +0200 CEST m=+0.23": the name only
	 * follows an offset written after a space, never an attached Z. */
	if ((z = zone_after(p + n, end, t, 1)) != 0) {
		n += z;
		if (t->zone == TSTAMP_ZONE_OFFSET)
			n += go_suffix(p + n, end);
	}
	return n;
}

/* "2024.03.15 09:00:01" and "15.03.2024 09:00:01". */
static size_t
gen_dotted(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if (ymd_read(p, end, '.', t) == 0) {
		if (end - p < 10 || p[2] != '.' || p[5] != '.' ||
		    !tstamp_digits(p, end, 2, &t->day) ||
		    !tstamp_digits(p + 3, end, 2, &t->mon) ||
		    !tstamp_digits(p + 6, end, 4, &t->year))
			return 0;
	}
	if (p + 10 >= end || (p[10] != ' ' && p[10] != '-') ||
	    (n = clock_read(p + 11, end, t, 0)) == 0 || !tstamp_valid(t))
		return 0;
	return 11 + n;
}

/* Reads a number of 1 to max digits (not followed by another); bytes or 0. */
static size_t
num_read(const char *p, const char *end, size_t max, int *v)
{
	size_t n = digit_span(p, end);

	if (n == 0 || n > max || !tstamp_digits(p, end, (int)n, v))
		return 0;
	return n;
}

/*
 * HealthApp's "20171223-22:15:29:606", whose fields are not zero-padded
 * ("20171223-9:5:0:7" is 09:05:00.007); bytes consumed or 0.
 */
static size_t
compact_unpadded(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p;
	int *const  parts[] = {&t->hour, &t->min, &t->sec};
	size_t      i, n;
	int         ms;

	for (i = 0; i < 3; i++) {
		if ((n = num_read(q, end, 2, parts[i])) == 0 || q + n >= end ||
		    q[n] != ':')
			return 0;
		q += n + 1;
	}
	if ((n = num_read(q, end, 3, &ms)) == 0)
		return 0;
	t->nsec = ms * 1000000;
	t->frac_digits = 3;
	return (size_t)(q + n - p);
}

/* "20171223-22:15:29:606" (HealthApp) and "20240315T090001[Z]". */
static size_t
gen_compact(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p + 9;
	size_t      n;

	if (end - p < 15 || !tstamp_digits(p, end, 4, &t->year) ||
	    !tstamp_digits(p + 4, end, 2, &t->mon) ||
	    !tstamp_digits(p + 6, end, 2, &t->day))
		return 0;
	if (p[8] == '-' && (n = compact_unpadded(q, end, t)) != 0) {
		q += n;
	} else if (p[8] == 'T' && tstamp_digits(q, end, 2, &t->hour) &&
	    tstamp_digits(q + 2, end, 2, &t->min) &&
	    tstamp_digits(q + 4, end, 2, &t->sec)) {
		q += 6;
		q += tstamp_frac(q, end, t);
		if (q < end && (*q == 'Z' || *q == '+' || *q == '-'))
			q += tstamp_zone(q, end, t);
	} else
		return 0;
	if (q < end && isalnum((unsigned char)*q))
		return 0;
	return tstamp_valid(t) ? (size_t)(q - p) : 0;
}

/* "15 Mar 2024 09:00:01", "15/Mar/2024:09:00:01", "15-Mar-2024 ...". */
static size_t
gen_daymon(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if ((n = dmony_read(p, end, ' ', t)) == 0 &&
	    (n = dmony_read(p, end, '/', t)) == 0 &&
	    (n = dmony_read(p, end, '-', t)) == 0)
		return 0;
	return n + zone_after(p + n, end, t, 1);
}

/* RFC 2822 "Fri, 15 Mar 2024 09:00:01 +0100" and ctime forms. */
static size_t
gen_weekday(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if ((n = ctime_read(p, end, t)) != 0)
		return n;
	memset(t, 0, sizeof(*t));
	if (end - p < 5 || tstamp_weekday(p, 3) == 0 || p[3] != ',' ||
	    p[4] != ' ' || (n = dmony_read(p + 5, end, ' ', t)) == 0)
		return 0;
	n += 5;
	return n + zone_after(p + n, end, t, 0);
}

/*
 * "Mar 15 09:00:01 [2024]" (syslog-like, the year optional) and JUL's
 * "Mar 15, 2024 9:00:01 AM".
 */
static size_t
gen_monthday(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p + 4;
	size_t      n;

	if (mon_read(p, end, &t->mon) == 0 || end - p < 5 || p[3] != ' ')
		return 0;
	if (*q == ' ')
		q++;
	if ((n = day_read(q, end, &t->day)) == 0)
		return 0;
	q += n;
	if (has_prefix(q, end, ", ") &&
	    tstamp_digits(q + 2, end, 4, &t->year)) {
		q += 6;
		if (q >= end || *q != ' ' ||
		    (n = clock_read(q + 1, end, t, 1)) == 0 ||
		    (!has_prefix(q + 1 + n, end, " AM") &&
			!has_prefix(q + 1 + n, end, " PM")) ||
		    t->hour > 12)
			return 0;
		q += 1 + n;
		t->hour = t->hour % 12 + (q[1] == 'P' ? 12 : 0);
		q += 3;
	} else {
		if (q >= end || *q != ' ' ||
		    (n = clock_read(q + 1, end, t, 0)) == 0)
			return 0;
		q += 1 + n;
		if (q + 5 <= end && *q == ' ' &&
		    tstamp_digits(q + 1, end, 4, &t->year) &&
		    (q + 5 == end || !isalnum((unsigned char)q[5])))
			q += 5;
	}
	return tstamp_valid(t) ? (size_t)(q - p) : 0;
}

/* Proxifier's "[10.30 16:49:06]": month.day inside brackets only. */
static size_t
gen_mmdd(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if (end - p < 7 || p[2] != '.' || p[5] != ' ' ||
	    !tstamp_digits(p, end, 2, &t->mon) ||
	    !tstamp_digits(p + 3, end, 2, &t->day) ||
	    (n = clock_read(p + 6, end, t, 0)) == 0 || p + 6 + n >= end ||
	    p[6 + n] != ']' || !tstamp_valid(t))
		return 0;
	return 6 + n;
}

/* The audit subsystem's "1715083182.123:456" (inside "audit(...)"). */
static size_t
gen_audit(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if (digit_span(p, end) != 10 || !has_prefix(p + 10, end, ".") ||
	    (n = tstamp_epoch(p, end, t)) == 0 || !has_prefix(p + n, end, ":"))
		return 0;
	return n + 1 + digit_span(p + n + 1, end);
}

/* Reads a timestamp at p in any generic spelling; bytes consumed or 0. */
static size_t
gen_ts(const char *p, const char *end, struct tstamp *t, int bracketed)
{
	typedef size_t (*reader)(const char *, const char *, struct tstamp *);
	static const reader digit_first[] = {
	    gen_iso,
	    gen_dotted,
	    gen_compact,
	    gen_daymon,
	    gen_audit,
	    gen_mmdd,
	};
	static const reader alpha_first[] = {gen_weekday, gen_monthday};
	const reader       *rd;
	size_t              i, n, nrd;

	if (p >= end)
		return 0;
	if (isdigit((unsigned char)*p)) {
		rd = digit_first;
		nrd = sizeof(digit_first) / sizeof(digit_first[0]);
		/* "MM.dd HH:MM:SS" only inside brackets: "[10.30 16:49:06]". */
		if (!bracketed)
			nrd--;
	} else if (isupper((unsigned char)*p)) {
		rd = alpha_first;
		nrd = sizeof(alpha_first) / sizeof(alpha_first[0]);
	} else
		return 0;
	for (i = 0; i < nrd; i++) {
		memset(t, 0, sizeof(*t));
		if ((n = rd[i](p, end, t)) != 0)
			return n;
	}
	memset(t, 0, sizeof(*t));
	return 0;
}

/* 1 if a timestamp may start right after the byte c. */
static int
gen_boundary(int c)
{
	return in_set(c, " \t[(|\"'=:<>,;");
}

/*
 * Reads MongoDB's "I CONTROL  [ctx] " after a stamp (3.x text logs);
 * returns the message or NULL.
 */
static const char *
gen_mongodb(struct record *r, const char *p, const char *end)
{
	const char *comp, *ctx;
	size_t      comp_n, ctx_n;

	if (end - p < 4 || !in_set(*p, "FEWID") || p[1] != ' ')
		return NULL;
	comp = p + 2;
	for (p = comp; p < end && (isupper((unsigned char)*p) || *p == '-');
	     p++)
		;
	comp_n = (size_t)(p - comp);
	if (comp_n == 0 || p >= end || *p != ' ' ||
	    (p = bracket_read(blank_skip(p, end), end, &ctx, &ctx_n)) == NULL)
		return NULL;
	field_add(r, "component", comp, comp_n);
	field_add(r, "context", ctx, ctx_n);
	r->severity = letter_sev(comp[-2]);
	text_copy(r->program, sizeof(r->program), "mongod", 6);
	return blank_skip(p, end);
}

/* Reads what follows a generic stamp: separators and a level token. */
static const char *
gen_rest(struct record *r, const char *p, const char *end, int opener)
{
	const char *q, *pid;
	size_t      pid_n;
	int         sev = -1;

	if (p < end &&
	    ((opener == '[' && *p == ']') || (opener == '(' && *p == ')') ||
		(opener == '"' && *p == '"')))
		p++;
	if ((q = gen_mongodb(r, blank_skip(p, end), end)) != NULL)
		return q;
	p = blank_skip(p, end);
	if (p < end && *p == '-' && p + 1 < end && p[1] == ' ')
		p++;
	while (p < end && (*p == ',' || *p == ':' || *p == '|'))
		p++;
	p = level_take(blank_skip(p, end), end, &sev);
	r->severity = sev;
	if (sev != -1 && p < end && *p == '[' &&
	    (pid_n = digit_span(p + 1, end)) > 0 &&
	    has_prefix(p + 1 + pid_n, end, "]")) {
		pid = p + 1;
		field_add(r, "pid", pid, pid_n);
		p = blank_skip(pid + pid_n + 1, end);
	}
	return p;
}

/*
 * Reads an epoch stamp opening the line: "1386009600.123 ", or 13, 16 or
 * 19 digits (ms, us, ns); also after a pid ("10001 1697048351.000541 ",
 * strace -f -ttt). 1 if read.
 */
static int
gen_epoch(const char *line, const char *end, struct record *r)
{
	const char   *p = line;
	struct tstamp t;
	size_t        n, pid_n = digit_span(p, end);

	if (pid_n > 0 && pid_n <= 7 && p + pid_n < end && p[pid_n] == ' ' &&
	    digit_span(p + pid_n + 1, end) == 10 &&
	    has_prefix(p + pid_n + 11, end, "."))
		p += pid_n + 1;
	else
		pid_n = 0;
	memset(&t, 0, sizeof(t));
	n = digit_span(p, end);
	if ((n != 10 || !has_prefix(p + 10, end, ".")) && n != 13 && n != 16 &&
	    n != 19)
		return 0;
	if ((n = tstamp_epoch(p, end, &t)) == 0 || p + n >= end || p[n] != ' ')
		return 0;
	field_opt(r, "pid", pid_n > 0 ? line : NULL, pid_n);
	return prefix_done(r, &t, blank_skip(p + n, end), end);
}

/* Severity of the last word of a prefix ("MainThread::INFO"); -1 if none. */
static int
prefix_level(const char *p, const char *end)
{
	const char *w;

	while (end > p && !isalnum((unsigned char)end[-1]))
		end--;
	for (w = end; w > p && isalpha((unsigned char)w[-1]); w--)
		;
	if (w > p && isalnum((unsigned char)w[-1]))
		return -1;
	return level_sev(w, (size_t)(end - w));
}

/* The catch-all: any line with a date and time near its start. */
static int
generic_parse(const char *line, size_t len, struct record *r)
{
	const char   *p, *end = line + len, *pre;
	struct tstamp t;
	size_t        n, i, indent, first;

	if (gen_epoch(line, end, r))
		return 1;
	/*
	 * An indented line is a continuation (a stack trace, a statement)
	 * unless its first word holds the stamp (" ts=2024-05-07T11:59:40Z").
	 */
	indent = (size_t)(blank_skip(line, end) - line);
	first = indent + token_len(line + indent, end);
	for (i = indent; i <= PREFIX_SCAN_MAX && i < len; i++) {
		if (indent > 0 && i >= first)
			break;
		if (i > 0 && !gen_boundary(line[i - 1]))
			continue;
		if ((n = gen_ts(
			 line + i, end, &t, i > 0 && line[i - 1] == '[')) == 0)
			continue;
		p = gen_rest(r, line + i + n, end, i > 0 ? line[i - 1] : 0);
		if (i > 0) {
			for (pre = line + i; pre > line &&
			     (gen_boundary(pre[-1]) || pre[-1] == '-');
			     pre--)
				;
			field_opt(r, "prefix", line, (size_t)(pre - line));
			if (r->severity == -1)
				r->severity = prefix_level(line, pre);
		}
		return prefix_done(r, &t, p, end);
	}
	return 0;
}

const struct parser parser_generic = {"generic", generic_parse};

/*
 * Monit: "[CDT Jul  2 10:41:45] error    : 'redis' status failed (2) ..."
 * (zone abbreviation, month, day, time; no year), then a level and ":".
 */
static int
monit_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len, *z;
	struct tstamp t;
	size_t        n, zlen;
	int           sev = -1;

	memset(&t, 0, sizeof(t));
	if (len < 22 || *p != '[')
		return 0;
	z = ++p;
	while (p < end && p - z < 6 && isupper((unsigned char)*p))
		p++;
	zlen = (size_t)(p - z);
	if (p - z < 2 || p >= end || *p != ' ' || end - p < 16 ||
	    (t.mon = tstamp_month(p + 1, 3)) == 0 || p[4] != ' ')
		return 0;
	p += 5;
	if (*p == ' ')
		p++;
	if (!tstamp_digits(p, end, 2, &t.day) &&
	    !tstamp_digits(p, end, 1, &t.day))
		return 0;
	p += t.day >= 10 || *p == '0' ? 2 : 1;
	if (p >= end || *p != ' ' || (n = clock_read(p + 1, end, &t, 0)) == 0 ||
	    p + 1 + n >= end || p[1 + n] != ']')
		return 0;
	memcpy(t.abbr, z, zlen);
	t.zone = t.abbr[0] ? TSTAMP_ZONE_ABBR : TSTAMP_ZONE_NONE;
	p = blank_skip(p + 2 + n, end);
	p = level_take(p, end, &sev);
	p = blank_skip(p, end);
	if (p < end && *p == ':')
		p = blank_skip(p + 1, end);
	r->severity = sev;
	snprintf(r->program, sizeof(r->program), "monit");
	return tstamp_valid(&t) ? prefix_done(r, &t, p, end) : 0;
}

const struct parser parser_monit = {"monit", monit_parse};
