/*
 * parser_java: the Java logging layouts. Spring Boot's logback default,
 * log4j and its relatives (Hadoop, ZooKeeper, Spark, OpenStack, Tomcat,
 * TTCC) and Kafka's broker layout. Each parse function is pure, reads
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

/* A header read by the Java layouts before it is known to be whole. */
struct java_hdr {
	const char *level, *thread, *logger, *pid, *msg;
	size_t      level_n, thread_n, logger_n, pid_n;
	int         sev;
};

/*
 * Spring Boot: "ts  LEVEL pid --- [app] [thread] logger : message".
 */

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
	    (lvl = scan_blank(p + n, end)) == p + n)
		return 0;
	lvl_n = scan_token(lvl, end);
	if ((sev = scan_level(lvl, lvl_n)) == -1)
		return 0;
	pid = scan_blank(lvl + lvl_n, end);
	if ((pid_n = scan_digits(pid, end)) == 0 ||
	    !scan_prefix(pid + pid_n, end, " --- "))
		return 0;
	p = scan_blank(pid + pid_n + 5, end);
	if ((q = scan_bracket(p, end, &br[0], &br_n[0])) == NULL)
		return 0;
	p = scan_blank(q, end);
	if (p < end && *p == '[') {
		/* Boot 3.2+: "[app] [thread]" */
		if ((q = scan_bracket(p, end, &br[1], &br_n[1])) == NULL)
			return 0;
		p = scan_blank(q, end);
	}
	logger = p;
	logger_n = scan_token(p, end);
	p = scan_blank(p + logger_n, end);
	if (logger_n == 0 || p >= end || *p != ':')
		return 0;
	scan_field(r, "level", lvl, lvl_n);
	scan_field(r, "pid", pid, pid_n);
	if (br[1] != NULL) {
		scan_field_opt(r, "app", br[0], br_n[0]);
		scan_field(r, "thread", br[1], br_n[1]);
	} else
		scan_field(r, "thread", br[0], br_n[0]);
	scan_field(r, "logger", logger, logger_n);
	r->severity = sev;
	return scan_done(r, &t, scan_blank(p + 1, end), end);
}

const struct parser parser_spring = {"spring", spring_parse, NULL};

/*
 * log4j and relatives: Hadoop, ZooKeeper, Spark, OpenStack, Tomcat, TTCC.
 */

/* Reads "yy/MM/dd HH:MM:SS" (Spark); bytes consumed or 0. */
static size_t
yymmdd_slash_read(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if (end - p < 9 || p[2] != '/' || p[5] != '/' || p[8] != ' ' ||
	    !tstamp_year2(p, end, &t->year) ||
	    !tstamp_digits(p + 3, end, 2, &t->mon) ||
	    !tstamp_digits(p + 6, end, 2, &t->day) ||
	    (n = tstamp_hms(p + 9, end, t, 0)) == 0)
		return 0;
	return 9 + n;
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
	return tstamp_dmony(p, end, '-', t);
}

/* Reads a level word at p into h; returns its end or NULL. */
static const char *
hdr_level(struct java_hdr *h, const char *p, const char *end)
{
	size_t n = scan_token(p, end);

	if ((h->sev = scan_level(p, n)) == -1)
		return NULL;
	h->level = p;
	h->level_n = n;
	return p + n;
}

/* ZooKeeper: " [myid:1] - INFO  [thread:Class@42] - msg". */
static int
log4j_zookeeper(struct java_hdr *h, const char *p, const char *end)
{
	const char *close;

	if (scan_prefix(p, end, " [myid:")) {
		if ((close = scan_char(p, end, ']')) == NULL)
			return 0;
		p = close + 1;
	}
	if (!scan_prefix(p, end, " - ") ||
	    (p = hdr_level(h, p + 3, end)) == NULL ||
	    (p = scan_bracket(
		 scan_blank(p, end), end, &h->thread, &h->thread_n)) == NULL ||
	    !scan_prefix(p, end, " - "))
		return 0;
	h->msg = p + 3;
	return 1;
}

/* "ts -0800 | ERROR | logger - msg". */
static int
log4j_pipes(struct java_hdr *h, const char *p, const char *end)
{
	if (!scan_prefix(p, end, " | ") ||
	    (p = hdr_level(h, p + 3, end)) == NULL ||
	    !scan_prefix(p, end, " | "))
		return 0;
	h->logger = p + 3;
	h->logger_n = scan_token(h->logger, end);
	p = h->logger + h->logger_n;
	if (!scan_prefix(p, end, " - "))
		return 0;
	h->msg = p + 3;
	return 1;
}

/* OpenStack: "ts 25746 INFO nova.api.server [req-...] msg". */
static int
log4j_openstack(struct java_hdr *h, const char *p, const char *end)
{
	if (p >= end || *p != ' ' || (h->pid_n = scan_digits(p + 1, end)) == 0)
		return 0;
	h->pid = p + 1;
	p += 1 + h->pid_n;
	if (p >= end || *p != ' ' || (p = hdr_level(h, p + 1, end)) == NULL ||
	    p >= end || *p != ' ')
		return 0;
	h->logger = p + 1;
	h->logger_n = scan_token(h->logger, end);
	if (h->logger_n == 0)
		return 0;
	h->msg = scan_blank(h->logger + h->logger_n, end);
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
hdr_logger(struct java_hdr *h, const char *p, const char *end, int loose)
{
	const char *q;
	size_t      n = scan_token(p, end);

	if (n == 0 || n > SCAN_TOKEN_MAX)
		return 0;
	h->logger = p;
	h->logger_n = n;
	if (p[n - 1] == ':' && n > 1) {
		h->logger_n--;
		h->msg = scan_blank(p + n, end);
		/* "a.b.FooException: text" is the message, not a logger. */
		if (hdr_is_throwable(p, n - 1))
			h->msg = p;
		return 1;
	}
	q = scan_blank(p + n, end);
	if (q < end && (*q == ':' || *q == '-') &&
	    (q + 1 == end || q[1] == ' ')) {
		h->msg = scan_blank(q + 1, end);
		return 1;
	}
	if (!loose)
		return 0;
	h->msg = q;
	return 1;
}

/* TTCC: " [thread] LEVEL logger - msg". */
static int
log4j_ttcc(struct java_hdr *h, const char *p, const char *end)
{
	if (p >= end || *p != ' ' ||
	    (p = scan_bracket(p + 1, end, &h->thread, &h->thread_n)) == NULL ||
	    p >= end || *p != ' ' || (p = hdr_level(h, p + 1, end)) == NULL)
		return 0;
	return hdr_logger(h, scan_blank(p, end), end, 0);
}

/* Hadoop, Spark, Tomcat: " LEVEL [thread] logger: msg". */
static int
log4j_plain(struct java_hdr *h, const char *p, const char *end)
{
	const char *q;

	if (p >= end || *p != ' ' ||
	    (p = hdr_level(h, scan_blank(p, end), end)) == NULL || p >= end ||
	    *p != ' ')
		return 0;
	p = scan_blank(p, end);
	if ((q = scan_bracket(p, end, &h->thread, &h->thread_n)) != NULL) {
		p = scan_blank(q, end);
		if (p == end) {
			h->msg = p;
			return 1;
		}
	}
	return hdr_logger(h, p, end, h->thread != NULL);
}

/* Stores what a Java layout header held into r. */
static void
hdr_apply(struct record *r, const struct java_hdr *h)
{
	scan_field(r, "level", h->level, h->level_n);
	scan_field_opt(r, "pid", h->pid, h->pid_n);
	scan_field_opt(r, "thread", h->thread, h->thread_n);
	scan_field_opt(r, "logger", h->logger, h->logger_n);
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
	n = scan_token(p, end);
	if (n > SCAN_TOKEN_MAX || p + n + 1 >= end ||
	    !isdigit((unsigned char)p[n + 1]) ||
	    scan_char(p, p + n, '.') == NULL)
		return NULL;
	*file = p;
	*file_n = n;
	return p + n + 1;
}

/* Sets the program from a file name such as "nova-api.log.1". */
static void
program_from_file(struct record *r, const char *file, size_t n)
{
	const char *dot = scan_char(file, file + n, '.');

	if (dot != NULL && dot > file && scan_prefix(dot, file + n, ".log"))
		record_set_program(r, file, (size_t)(dot - file));
}

/* Reads a log4j-style line (a layout with a level and a logger). */
static int
log4j_parse(const char *line, size_t len, struct record *r)
{
	static int (*const forms[])(
	    struct java_hdr *, const char *, const char *) = {
	    log4j_zookeeper,
	    log4j_pipes,
	    log4j_openstack,
	    log4j_ttcc,
	    log4j_plain,
	};
	const char     *p = line, *end = line + len, *file = NULL;
	struct java_hdr h;
	struct tstamp   t;
	size_t          n, file_n = 0, i;
	int             bracket;

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
		if (p >= end || *p != ']' || !scan_prefix(p + 1, end, " ["))
			return 0;
		p++;
	}
	p += scan_offset_after(p, end, &t);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&h, 0, sizeof(h));
		if (forms[i](&h, p, end))
			break;
	}
	if (i == sizeof(forms) / sizeof(forms[0]))
		return 0;
	if (file != NULL) {
		scan_field(r, "file", file, file_n);
		program_from_file(r, file, file_n);
	}
	hdr_apply(r, &h);
	return scan_done(r, &t, h.msg, end);
}

const struct parser parser_log4j = {"log4j", log4j_parse, NULL};

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
	if (!scan_prefix(p, end, "] "))
		return 0;
	lvl = p + 2;
	lvl_n = scan_token(lvl, end);
	if ((sev = scan_level(lvl, lvl_n)) == -1)
		return 0;
	p = scan_blank(lvl + lvl_n, end);
	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	scan_field(r, "level", lvl, lvl_n);
	if (end > p && end[-1] == ')') {
		close = end - 1;
		for (open = close;
		     open > p && open[-1] != '(' && open[-1] != ' '; open--)
			;
		if (open - 1 > p && open[-1] == '(' && open[-2] == ' ' &&
		    scan_char(open, close, '.') != NULL) {
			/* "[%d] %p %m (%c)" is the layout Kafka ships. */
			scan_field(r, "logger", open, (size_t)(close - open));
			record_set_program(r, "kafka", 5);
			end = open - 2;
		}
	}
	r->severity = sev;
	return scan_done(r, &t, p, end);
}

const struct parser parser_kafka = {"kafka", kafka_parse, NULL};
