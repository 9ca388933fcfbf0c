/*
 * parser_db: database servers' own logs, read by single-pass scanners:
 * PostgreSQL (log_line_prefix), MySQL and MariaDB (error and general
 * query logs), PgBouncer and Redis. Each parse function is pure, reads
 * only [line, line + len) and records the time as written.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parser.h"
#include "record.h"
#include "scan.h"
#include "tstamp.h"

#define DB_PG_TOKENS 6 /* postgres: log_line_prefix tokens */

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
	return scan_digits(p, p + n) == n;
}

/* Adds "user=a,db=b,app=c" pairs with a value as fields. */
static void
pg_kv_fields(struct record *r, const char *p, const char *end)
{
	const char *comma, *eq;

	while (p < end) {
		if ((comma = scan_char(p, end, ',')) == NULL)
			comma = end;
		eq = scan_char(p, comma, '=');
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
	if (*p == '[' && (n = scan_digits(p + 1, end)) > 0)
		scan_field(r, "pid", p + 1, n);
	else if ((n = scan_digits(p, end)) == (size_t)(end - p))
		scan_field(r, "pid", p, n);
	else if (scan_char(p, end, '=') != NULL)
		pg_kv_fields(r, p, end);
	else if ((at = scan_char(p, end, '@')) != NULL) {
		scan_field_opt(r, "user", p, (size_t)(at - p));
		scan_field_opt(r, "db", at + 1, (size_t)(end - at - 1));
	}
}

/* Adds the fields of the log_line_prefix tokens in [p, end). */
static void
pg_prefix_fields(struct record *r, const char *p, const char *end)
{
	const char *q, *colon;
	size_t      n;

	while ((p = scan_blank(p, end)) < end) {
		n = scan_token(p, end);
		q = p + n;
		if (*p != ':') {
			pg_piece_fields(r, p, q);
		} else {
			for (p++; p < q; p = colon + 1) {
				if ((colon = scan_char(p, q, ':')) == NULL)
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
	    scan_iso_comma(p, n))
		return 0;
	p += n;
	if ((n = scan_zone_after(p, end, &t, 0)) == 0)
		return 0;
	p += n;
	pre = p;
	for (i = 0; i < DB_PG_TOKENS && msg == NULL; i++) {
		if ((p = scan_blank(p, end)) >= end)
			return 0;
		n = scan_token(p, end);
		if ((msg = pg_sev_token(p, n, &sev)) == NULL) {
			if (!pg_prefix_ok(p, n))
				return 0;
			p += n;
		}
	}
	if (msg == NULL)
		return 0;
	pg_prefix_fields(r, pre, msg);
	scan_field(r, "level", msg, (size_t)(scan_char(msg, end, ':') - msg));
	record_set_program(r, "postgres", 8);
	r->severity = sev;
	return scan_done(r, &t, msg, end);
}

const struct parser parser_postgres = {"postgres", postgres_parse, NULL};

/*
 * MySQL and MariaDB error logs, and the general query log.
 */

/* Reads "[Level]" at p; returns the end of the bracket or NULL. */
static const char *
mysql_level(const char *p, const char *end, int *sev)
{
	const char *close;

	if (p >= end || *p != '[' ||
	    (close = scan_char(p + 1, end, ']')) == NULL ||
	    (*sev = scan_level(p + 1, (size_t)(close - p - 1))) == -1)
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
	if ((n = tstamp_ymd(q, end, '-', t)) != 0) {
		q += n;
	} else if (scan_digits(q, end) == 6 && tstamp_year2(q, end, &t->year) &&
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
	if ((n = tstamp_hms(q, end, t, 1)) == 0)
		return 0;
	/* Six digits are a weak shape: "yyMMdd" must be a real date. */
	if (q - p <= 8 && !tstamp_valid(t))
		return 0;
	return (size_t)(q + n - p);
}

/* Reads " [MY-010055] [Server]" after the level; adds both as fields. */
static const char *
mysql_codes(struct record *r, const char *p, const char *end)
{
	const char *close;

	if (!scan_prefix(p, end, " [MY-") ||
	    (close = scan_char(p + 2, end, ']')) == NULL)
		return p;
	scan_field(r, "errcode", p + 2, (size_t)(close - p - 2));
	p = close + 1;
	if (scan_prefix(p, end, " [") &&
	    (close = scan_char(p + 2, end, ']')) != NULL &&
	    scan_char(p + 2, close, ' ') == NULL) {
		scan_field(r, "subsystem", p + 2, (size_t)(close - p - 2));
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
	old = scan_digits(p, end) == 6;
	if ((n = mysql_ts(p, end, &t)) == 0 || p + n >= end)
		return 0;
	p += n;
	if (*p == '\t') {
		/* general query log: "ts\t   12 Query\tSELECT 1" */
		thr = scan_blank(p, end);
		if ((thr_n = scan_digits(thr, end)) == 0)
			return 0;
		scan_field(r, "thread", thr, thr_n);
		p = scan_blank(thr + thr_n, end);
	} else if (old) {
		if (*p != ' ')
			return 0;
		p = scan_blank(p, end);
		if ((lvl = mysql_level(p, end, &sev)) != NULL) {
			scan_field(r, "level", p + 1, (size_t)(lvl - p - 2));
			p = scan_blank(lvl, end);
		}
	} else {
		thr = scan_blank(p, end);
		if (thr == p || (thr_n = scan_digits(thr, end)) == 0 ||
		    thr + thr_n >= end || thr[thr_n] != ' ' ||
		    (lvl = mysql_level(thr + thr_n + 1, end, &sev)) == NULL)
			return 0;
		scan_field(r, "thread", thr, thr_n);
		scan_field(r, "level", thr + thr_n + 2,
		    (size_t)(lvl - thr - thr_n - 3));
		p = scan_blank(mysql_codes(r, lvl, end), end);
	}
	record_set_program(r, "mysqld", 6);
	r->severity = sev;
	return scan_done(r, &t, p, end);
}

const struct parser parser_mysql = {"mysql", mysql_parse, NULL};

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
			*sev = n == 3 ? 6 : scan_level(p, n);
			return 1;
		}
	}
	return 0;
}

/* 1 if the token at p is a dotted Python logger ("nova.compute.api"). */
static int
is_dotted_logger(const char *p, const char *end)
{
	size_t n = scan_token(p, end), i;
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
	    scan_iso_comma(p, n))
		return 0;
	p += n;
	p += scan_zone_after(p, end, &t, 0);
	if (p >= end || *p != ' ')
		return 0;
	bracket = ++p < end && *p == '[';
	pid = p + bracket;
	if ((pid_n = scan_digits(pid, end)) == 0)
		return 0;
	p = pid + pid_n;
	if (bracket && (p >= end || *p++ != ']'))
		return 0;
	if (p >= end || *p != ' ')
		return 0;
	lvl = p + 1;
	lvl_n = scan_token(lvl, end);
	if (!pgbouncer_level(lvl, lvl_n, &sev) || lvl + lvl_n >= end ||
	    is_dotted_logger(lvl + lvl_n + 1, end))
		return 0;
	scan_field(r, "pid", pid, pid_n);
	scan_field(r, "level", lvl, lvl_n);
	record_set_program(r, "pgbouncer", 9);
	r->severity = sev;
	return scan_done(r, &t, lvl + lvl_n + 1, end);
}

const struct parser parser_pgbouncer = {"pgbouncer", pgbouncer_parse, NULL};

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
	if ((n = tstamp_mday(p, end, &t.day)) == 0 || p + n >= end ||
	    p[n] != ' ' || tstamp_mon_abbr(p + n + 1, end, &t.mon) == 0)
		return 0;
	p += n + 4;
	if (p >= end || *p != ' ')
		return 0;
	p++;
	if (scan_digits(p, end) == 4 && tstamp_digits(p, end, 4, &t.year))
		p += 5;
	if ((n = tstamp_hms(p, end, &t, 0)) == 0)
		return 0;
	p += n;
	if (end - p < 3 || p[0] != ' ' || redis_sev(p[1]) == -1 ||
	    (p[2] != ' ' && p + 2 != end))
		return 0;
	r->severity = redis_sev(p[1]);
	record_set_program(r, "redis", 5);
	return scan_done(r, &t, p + 3, end);
}

/* Reads "pid:signal-handler (1496141844) msg". */
static int
redis_signal(struct record *r, const char *p, const char *end)
{
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	if (!scan_prefix(p, end, ":signal-handler (") ||
	    (n = tstamp_epoch(p + 17, end, &t)) == 0 ||
	    !scan_prefix(p + 17 + n, end, ") "))
		return 0;
	record_set_program(r, "redis", 5);
	return scan_done(r, &t, p + 19 + n, end);
}

/* Reads a Redis server log line. */
static int
redis_parse(const char *line, size_t len, struct record *r)
{
	const char *p = line, *end = line + len;
	size_t      n;

	if (p < end && *p == '[') {
		if ((n = scan_digits(p + 1, end)) == 0 ||
		    !scan_prefix(p + 1 + n, end, "] ") ||
		    !redis_rest(r, p + 3 + n, end))
			return 0;
		scan_field(r, "pid", p + 1, n);
		return 1;
	}
	n = scan_digits(p, end);
	if (n > 0 && n <= 7 && p + n + 3 < end && p[n] == ':' &&
	    scan_in_set(p[n + 1], "XCSM") && p[n + 2] == ' ') {
		if (!redis_rest(r, p + n + 3, end))
			return 0;
		scan_field(r, "pid", p, n);
		scan_field(r, "role", p + n + 1, 1);
		return 1;
	}
	if (n > 0 && n <= 7 && redis_signal(r, p + n, end)) {
		scan_field(r, "pid", p, n);
		return 1;
	}
	return redis_rest(r, p, end);
}

const struct parser parser_redis = {"redis", redis_parse, NULL};
