/*
 * parser: the registry of log formats, in detection order (specific
 * formats before general ones), and per-source detection: the format that
 * read the previous line is tried first, then every format in order.
 * A line no format reads keeps msg = the whole line and has_ts = 0.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "parser.h"
#include "record.h"
#include "tstamp.h"

static const struct parser parser_cri;

static const struct parser *const parsers[] = {&parser_json, &parser_cri,
    &parser_rfc5424, &parser_clf, &parser_s3, &parser_uwsgi, &parser_envoy,
    &parser_nagios, &parser_monit, &parser_w3c, &parser_zeek, &parser_alb,
    &parser_bgl, &parser_hpc, &parser_rfc3164, &parser_postgres, &parser_mysql,
    &parser_pgbouncer, &parser_spring, &parser_log4j, &parser_kafka,
    &parser_python, &parser_nginx_error, &parser_apache_error, &parser_klog,
    &parser_redis, &parser_hdfs, &parser_logcat, &parser_golog, &parser_squid,
    &parser_tai64n, &parser_apt, &parser_history, &parser_logfmt,
    &parser_strace, &parser_tcf, &parser_generic, NULL};

/* source.c counts lines per format in an array of PARSER_MAX. */
_Static_assert(sizeof(parsers) / sizeof(parsers[0]) - 1 <= PARSER_MAX,
    "more formats than PARSER_MAX");

#define PARSER_DIGITS "0123456789"

/*
 * Formats a syslog message often carries whole (a relayed access log), in
 * the order they are tried, with the bytes a line of each can start with
 * as its parse function requires (NULL: any), so that a message is tried
 * only in the formats it can start. Kept in step with the parse functions:
 * tests/unit/test_parser.c checks every golden and corpus line they read.
 */
static const struct parser_inner_fmt {
	const struct parser *p;
	const char          *first;
} syslog_inner[] = {
    {&parser_json, "{ \t\r\n"}, /* json_ws, then '{' */
    {&parser_clf, NULL},
    {&parser_logfmt, NULL},
    {&parser_postgres, PARSER_DIGITS}, /* tstamp_iso */
    {&parser_mysql, PARSER_DIGITS},    /* mysql_ts */
    {&parser_pgbouncer, PARSER_DIGITS},
    {&parser_nginx_error, PARSER_DIGITS},
    {&parser_spring, PARSER_DIGITS},
    {&parser_log4j, NULL},               /* maybe a file name first */
    {&parser_python, PARSER_DIGITS "["}, /* Django's "[15/Mar/2024" */
    {NULL, NULL},
};

static void parser_fold_error(struct record *);
static void parser_render_template(struct record *);
static void parser_inner(const struct parser *, struct record *);

/* 1 if line (len bytes) starts with a byte of first (NULL: any). */
static int
parser_starts(const char *first, const char *line, size_t len)
{
	return first == NULL || len == 0 ||
	    (line[0] != '\0' && strchr(first, line[0]) != NULL);
}

/*
 * Returns 0 if a line starting like line (len bytes) cannot be in format
 * p by its first byte, else 1 (p's parse function decides).
 */
int
parser_can_start(const struct parser *p, const char *line, size_t len)
{
	int i;

	for (i = 0; syslog_inner[i].p != NULL; i++)
		if (syslog_inner[i].p == p)
			return parser_starts(syslog_inner[i].first, line, len);
	return 1;
}

/* The NULL-terminated table of every format, in detection order. */
const struct parser *const *
parser_all(void)
{
	return parsers;
}

/* Finds a format by name; NULL if there is none. */
const struct parser *
parser_find(const char *name)
{
	int i;

	for (i = 0; parsers[i] != NULL; i++)
		if (strcmp(parsers[i]->name, name) == 0)
			return parsers[i];
	return NULL;
}

/*
 * Tries one format on r (with the source's state st, NULL if none),
 * undoing what a failed attempt wrote. A line in the format whose stamp
 * has impossible values (February 30, hour 25) is still that format's
 * record, flagged ts_bad rather than timed.
 */
static int
parser_try(const struct parser *p, struct parser_state *st, struct record *r)
{
	const char *why;
	int         ok;

	if (p->parse_st != NULL && st != NULL)
		ok = p->parse_st(st, r->line, r->len, r);
	else
		ok = p->parse(r->line, r->len, r);
	if (ok) {
		parser_inner(p, r);
		if (r->has_ts && (why = tstamp_problem(&r->tm)) != NULL)
			record_ts_bad(r, why);
		if (r->nfields > 0 && r->msg != r->line) {
			parser_render_template(r);
			parser_fold_error(r);
		}
		return 1;
	}
	record_reset(r, r->line, r->len);
	return 0;
}

/*
 * Length of a container runtime's prefix ("web-1  | " from docker
 * compose, after an optional ANSI erase-line), or 0. The name goes to
 * *name and *nlen.
 */
static size_t
parser_compose_prefix(const char *p, size_t n, const char **name, size_t *nlen)
{
	size_t i = 0, w;

	if (n >= 4 && memcmp(p, "\033[2K", 4) == 0)
		i = 4;
	for (w = i; w < n && w - i < 64 &&
	     (isalnum((unsigned char)p[w]) || p[w] == '-' || p[w] == '_' ||
		 p[w] == '.');
	     w++)
		;
	if (w == i || w >= n || p[w] != ' ')
		return 0;
	*name = p + i;
	*nlen = w - i;
	while (w < n && p[w] == ' ')
		w++;
	if (w + 1 >= n || p[w] != '|' || p[w + 1] != ' ')
		return 0;
	return w + 2;
}

/* Detects the format of the line after a compose prefix; NULL if none. */
static const struct parser *
parser_detect_prefixed(struct parser_state *st, struct record *r)
{
	const struct parser *p;
	const char          *line = r->line, *name;
	size_t               len = r->len, k, nlen;

	if ((k = parser_compose_prefix(line, len, &name, &nlen)) == 0)
		return NULL;
	r->line = line + k;
	r->len = len - k;
	if ((p = parser_detect(st, r)) != NULL) {
		if (r->program[0] == '\0')
			record_set_program(r, name, nlen);
		return p;
	}
	record_reset(r, line, len);
	return NULL;
}

/*
 * Kubernetes' container log (CRI) line: "2024-03-15T14:00:41.295Z stdout
 * F <the container's own line>". The runtime's time is the line's time
 * unless the inner line, read next, has its own.
 */
static int
cri_parse(const char *line, size_t len, struct record *r)
{
	const char *p = line, *end = line + len;
	size_t      n;

	if ((n = tstamp_iso(p, end, &r->tm)) == 0 ||
	    r->tm.zone != TSTAMP_ZONE_OFFSET || p[10] != 'T')
		return 0;
	p += n;
	if (end - p < 10 ||
	    (memcmp(p, " stdout ", 8) != 0 && memcmp(p, " stderr ", 8) != 0) ||
	    (p[8] != 'F' && p[8] != 'P') || p[9] != ' ')
		return 0;
	record_set_program(r, p + 1, 6);
	r->has_ts = 1;
	r->msg = p + 10;
	r->msg_len = (size_t)(end - p - 10);
	return 1;
}

static const struct parser parser_cri = {"cri", cri_parse, NULL};

/*
 * 1 if the inner record's time is better than the wrapper's: a syslog
 * header's local, year-less time loses to an inner time with a zone or a
 * year; a container runtime's exact UTC time always wins.
 */
static int
parser_inner_time(const struct parser *outer, const struct record *in,
    const struct record *out)
{
	if (!in->has_ts || outer == &parser_cri || !tstamp_valid(&in->tm))
		return 0;
	if (in->tm.zone != TSTAMP_ZONE_NONE)
		return 1;
	return out->tm.year == 0 && in->tm.year != 0;
}

/* Length of PostgreSQL's syslog sequence number "[5-1] ", or 0. */
static size_t
parser_seq_prefix(const char *p, size_t n)
{
	size_t i = 1;

	if (n < 6 || p[0] != '[')
		return 0;
	while (i < n && (isdigit((unsigned char)p[i]) || p[i] == '-'))
		i++;
	return i + 1 < n && i > 1 && p[i] == ']' && p[i + 1] == ' ' ? i + 2 : 0;
}

/*
 * Puts the inner record in into the wrapper's r: in's message, fields and
 * flags; its time if better (parser_inner_time), its host, program and
 * severity where it has them. r keeps its line. in's scratch follows r's.
 */
static void
parser_inner_merge(
    const struct parser *outer, struct record *r, const struct record *in)
{
	int i;

	if (parser_inner_time(outer, in, r)) {
		r->tm = in->tm;
		r->has_ts = in->has_ts;
	}
	r->ts_bad = in->ts_bad;
	r->ts_error = in->ts_error;
	r->msg = in->msg;
	r->msg_len = in->msg_len;
	if (in->host[0] != '\0')
		record_set_host(r, in->host, strlen(in->host));
	if (in->program[0] != '\0')
		record_set_program(r, in->program, strlen(in->program));
	if (in->severity >= 0)
		r->severity = in->severity;
	for (i = 0; i < in->nfields; i++)
		r->fields[i] = in->fields[i];
	r->nfields = in->nfields;
	r->scratch_len += in->scratch_len;
}

/*
 * Reads line (len bytes) in format p into in, whose scratch is set; if
 * it is one, puts it into the wrapper's record r and returns 1, else 0.
 */
static int
parser_inner_try(const struct parser *outer, struct record *r,
    struct record *in, const struct parser *p, const char *line, size_t len)
{
	record_reset(in, line, len);
	if (!p->parse(line, len, in))
		return 0;
	parser_inner_merge(outer, r, in);
	return 1;
}

/*
 * Reads the message of a wrapper (syslog, a container log) as a line of
 * its own when it is one: an access log relayed by syslog keeps its
 * status field, a JSON line in a container log its fields. The wrapper's
 * host, program and time fill in what the inner line lacks. Each try
 * fills a record of its own, so a miss leaves r as the wrapper read it,
 * and only formats the message can start are tried.
 */
static void
parser_inner(const struct parser *outer, struct record *r)
{
	struct record in;
	const char   *line;
	size_t        len;
	int           i;

	if ((outer != &parser_cri && outer != &parser_rfc3164 &&
		outer != &parser_rfc5424) ||
	    r->msg_len < 8)
		return;
	len = parser_seq_prefix(r->msg, r->msg_len);
	line = r->msg + len;
	len = r->msg_len - len;
	in.scratch = r->scratch != NULL ? r->scratch + r->scratch_len : NULL;
	in.scratch_cap = r->scratch != NULL ? r->scratch_cap - r->scratch_len
					    : 0;
	for (i = 0; outer == &parser_cri && parsers[i] != NULL; i++)
		if (parsers[i] != &parser_cri &&
		    parsers[i] != &parser_generic &&
		    parser_can_start(parsers[i], line, len) &&
		    parser_inner_try(outer, r, &in, parsers[i], line, len))
			return;
	for (i = 0; outer != &parser_cri && syslog_inner[i].p != NULL; i++)
		if (parser_starts(syslog_inner[i].first, line, len) &&
		    parser_inner_try(
			outer, r, &in, syslog_inner[i].p, line, len))
			return;
}

/*
 * Renders a Serilog message template ("Failed to open {DataSource}") with
 * the record's fields, when the message is the template ("@mt") and no
 * rendered text ("@m") came with it. A hole without a field stays as is.
 */
static void
parser_render_template(struct record *r)
{
	const struct record_field *mt = record_field(r, "@mt"), *f;
	const char                *p, *end, *close;
	char                       name[64], *d, *o;
	size_t                     n, cap;

	if (mt == NULL || record_field(r, "@m") != NULL || r->msg != mt->val ||
	    memchr(mt->val, '{', mt->val_len) == NULL)
		return;
	cap = mt->val_len + 512;
	if ((d = record_scratch(r, cap)) == NULL)
		return;
	o = d;
	for (p = mt->val, end = p + mt->val_len; p < end; p++) {
		close = *p == '{' ? memchr(p, '}', (size_t)(end - p)) : NULL;
		n = close != NULL ? strcspn(p + 1, ":,}") : 0;
		if (close != NULL && n > 0 && n < sizeof(name) &&
		    p + 1 + n <= close) {
			memcpy(name, p + 1 + (p[1] == '@' || p[1] == '$'),
			    n - (p[1] == '@' || p[1] == '$'));
			name[n - (p[1] == '@' || p[1] == '$')] = '\0';
			if ((f = record_field(r, name)) != NULL &&
			    (size_t)(o - d) + f->val_len < cap) {
				memcpy(o, f->val, f->val_len);
				o += f->val_len;
				p = close;
				continue;
			}
		}
		if ((size_t)(o - d) + 1 < cap)
			*o++ = *p;
	}
	r->msg = d;
	r->msg_len = (size_t)(o - d);
}

/*
 * The field holding an error's cause: of the keys below, the first in
 * this order that the record has (its first such field), or NULL. One
 * pass over the fields; most keys are told apart by length and first byte.
 */
static const struct record_field *
parser_error_field(const struct record *r)
{
	static const struct {
		const char *key;
		size_t      len;
	} keys[] = {{"error", 5}, {"err", 3}, {"error.message", 13},
	    {"err.message", 11}, {"err.msg", 7}, {"exception", 9},
	    {"exception.message", 17}, {"exc_info", 8}, {"stack_trace", 11},
	    {"stacktrace", 10}, {"error_msg", 9}, {"@x", 2}};
	const struct record_field *f, *best = NULL;
	size_t                     k, rank = sizeof(keys) / sizeof(keys[0]);
	int                        i;

	for (i = 0; i < r->nfields; i++) {
		f = &r->fields[i];
		if (f->key_len < 2 ||
		    (f->key[0] != 'e' && f->key[0] != 's' && f->key[0] != '@'))
			continue;
		for (k = 0; k < rank; k++)
			if (keys[k].len == f->key_len &&
			    memcmp(keys[k].key, f->key, f->key_len) == 0) {
				best = f;
				rank = k;
				break;
			}
	}
	return best;
}

/*
 * Structured logs often keep the cause apart from the message:
 * {"msg": "query failed", "error": "dial tcp ...: connection refused"}.
 * The first such field joins the message ("query failed: dial tcp ..."),
 * so rules and timelines see what went wrong.
 */
static void
parser_fold_error(struct record *r)
{
	const struct record_field *f = parser_error_field(r);
	char                      *d;
	size_t                     n;

	if (f == NULL || f->val_len == 0 ||
	    (f->val >= r->msg && f->val < r->msg + r->msg_len) ||
	    memmem(r->msg, r->msg_len, f->val, f->val_len) != NULL)
		return;
	n = r->msg_len + 2 + f->val_len;
	if ((d = record_scratch(r, n)) == NULL)
		return;
	memcpy(d, r->msg, r->msg_len);
	memcpy(d + r->msg_len, ": ", 2);
	memcpy(d + r->msg_len + 2, f->val, f->val_len);
	r->msg = d;
	r->msg_len = n;
}

/*
 * Reads r->line with the format that read the source's previous line, or
 * else the first format that recognises it. Returns that format, or NULL
 * when none does (r then holds the whole line as its message).
 */
const struct parser *
parser_detect(struct parser_state *st, struct record *r)
{
	const struct parser *last;
	int                  i;

	record_reset(r, r->line, r->len);
	/* The catch-all never sticks: it would shadow every specific format. */
	last = st != NULL && st->last != &parser_generic ? st->last : NULL;
	if (last != NULL && parser_try(last, st, r))
		return last;
	for (i = 0; parsers[i] != NULL; i++) {
		if (parsers[i] == last)
			continue;
		if (parser_try(parsers[i], st, r)) {
			if (st != NULL)
				st->last = parsers[i] == &parser_generic
				    ? NULL
				    : parsers[i];
			return parsers[i];
		}
	}
	return parser_detect_prefixed(st, r);
}
