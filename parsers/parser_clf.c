/*
 * parser_clf: access logs and other fixed-column records. NCSA common and
 * combined (Apache, nginx, with or without a vhost), W3C extended (IIS),
 * AWS load balancers, Squid native, and loghub's BGL and HPC records.
 * Each line is read by column; a record's message is the request line (or
 * the text after the fixed columns) so a timeline stays readable.
 */
#include <ctype.h>
#include <string.h>

#include "parser.h"
#include "record.h"
#include "scan.h"
#include "tstamp.h"

#define CLF_MAX_TOKENS 24 /* columns a W3C line is searched in */
#define W3C_METHOD_MAX 6  /* columns before the method, at most */

/* A slice of the line. */
struct clf_span {
	const char *p;
	size_t      n;
};

/* Splits the space-terminated token at *pp off; 0 when there is none. */
static int
clf_token(const char **pp, const char *end, struct clf_span *t)
{
	const char *p = *pp;

	while (p < end && *p != ' ')
		p++;
	if (p == *pp)
		return 0;
	t->p = *pp;
	t->n = (size_t)(p - *pp);
	*pp = p < end ? p + 1 : p;
	return 1;
}

/* 1 if the span is all digits (at least one). */
static int
clf_digits(const struct clf_span *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!isdigit((unsigned char)t->p[i]))
			return 0;
	return t->n > 0;
}

/* 1 if the span is an HTTP status: three digits from 100 to 599. */
static int
clf_status(const struct clf_span *t)
{
	return t->n == 3 && clf_digits(t) && t->p[0] >= '1' && t->p[0] <= '5';
}

/* 1 if the span is "-". */
static int
clf_dash(const struct clf_span *t)
{
	return t->n == 1 && t->p[0] == '-';
}

/* Adds a field named by a C string. */
static void
clf_field(struct record *r, const char *k, const struct clf_span *v)
{
	record_add_field(r, k, strlen(k), v->p, v->n);
}

/* A severity for an HTTP status: 5xx err, 4xx warning, else info. */
static int
clf_severity(const struct clf_span *status)
{
	if (status->n != 3)
		return -1;
	return status->p[0] == '5' ? 3 : status->p[0] == '4' ? 4 : 6;
}

/* 1 if the span is an HTTP (or WebDAV) request method. */
static int
clf_method(const struct clf_span *t)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "DELETE",
	    "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE", "PROPFIND",
	    "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT",
	    NULL};
	int                      i;

	for (i = 0; methods[i] != NULL; i++)
		if (strlen(methods[i]) == t->n &&
		    memcmp(methods[i], t->p, t->n) == 0)
			return 1;
	return 0;
}

/*
 * Reads a quoted string whose opening quote is at p (backslash escapes
 * skipped, kept as written) into *t; after the closing quote, or NULL.
 */
static const char *
clf_quoted(const char *p, const char *end, struct clf_span *t)
{
	const char *q, *b;

	if (p >= end || *p != '"')
		return NULL;
	for (q = p + 1;; q++) {
		if ((q = memchr(q, '"', (size_t)(end - q))) == NULL)
			return NULL;
		for (b = q; b > p + 1 && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			break;
	}
	t->p = p + 1;
	t->n = (size_t)(q - p - 1);
	return q + 1;
}

/* Splits a request "GET /path HTTP/1.1" into method, path and protocol. */
static void
clf_request(struct record *r, const struct clf_span *req)
{
	const char     *p = req->p, *end = req->p + req->n;
	struct clf_span m, path, proto;

	clf_field(r, "request", req);
	if (!clf_token(&p, end, &m) || !clf_token(&p, end, &path))
		return;
	clf_field(r, "method", &m);
	clf_field(r, "path", &path);
	if (clf_token(&p, end, &proto) && p == end)
		clf_field(r, "protocol", &proto);
}

/*
 * Reads an NCSA stamp "15/Mar/2024:08:00:01 +0100]" (haproxy adds a
 * fraction); the bytes up to and including the ']', or 0.
 */
static size_t
clf_time(const char *p, const char *end, struct tstamp *t)
{
	size_t n = tstamp_ncsa(p, end, t);

	if (n == 0 || p + n >= end || p[n] != ']')
		return 0;
	return n + 1;
}

static void clf_message(struct record *, const struct clf_span *,
    const struct clf_span *, const struct clf_span *, const char *);

/*
 * Reads what follows the stamp: ' "request" status bytes' and, combined,
 * ' "referer" "agent"'; anything after is left alone. After it, or NULL.
 */
static const char *
clf_tail(const char *p, const char *end, struct record *r)
{
	struct clf_span req, status, bytes, ref, agent;

	if (p >= end || *p++ != ' ' || (p = clf_quoted(p, end, &req)) == NULL ||
	    p >= end || *p++ != ' ' || !clf_token(&p, end, &status) ||
	    (!clf_status(&status) && !clf_dash(&status)) ||
	    !clf_token(&p, end, &bytes) ||
	    (!clf_digits(&bytes) && !clf_dash(&bytes)))
		return NULL;
	clf_message(r, &req, &status, &bytes, end);
	r->severity = clf_severity(&status);
	clf_request(r, &req);
	clf_field(r, "status", &status);
	clf_field(r, "bytes", &bytes);
	if ((p = clf_quoted(p, end, &ref)) != NULL) {
		clf_field(r, "referer", &ref);
		if (p < end && *p == ' ' &&
		    (p = clf_quoted(p + 1, end, &agent)) != NULL)
			clf_field(r, "agent", &agent);
	}
	return end;
}

/*
 * Reads an NCSA common or combined line: up to four columns before the
 * '[' stamp ("[vhost] client ident user"), then the request, status and
 * bytes, then optional referer, agent and extra columns.
 */
static int
clf_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len);
	struct clf_span tok[4];
	struct tstamp   t;
	int             ntok = 0;
	size_t          n;

	while (p < end && *p != '[') {
		if (ntok == 4 || !clf_token(&p, end, &tok[ntok++]))
			return 0;
	}
	if (ntok == 0 || p >= end)
		return 0;
	memset(&t, 0, sizeof(t));
	if ((n = clf_time(p + 1, end, &t)) == 0 ||
	    clf_tail(p + 1 + n, end, r) == NULL)
		return 0;
	r->has_ts = 1;
	r->tm = t;
	clf_field(r, "client", &tok[ntok == 4 ? 1 : 0]);
	if (ntok == 4)
		clf_field(r, "vhost", &tok[0]);
	if (ntok >= 3 && !clf_dash(&tok[ntok - 1]))
		clf_field(r, "user", &tok[ntok - 1]);
	return 1;
}

const struct parser parser_clf = {"clf", clf_parse, NULL};

/*
 * Reads "YYYY-MM-DD HH:MM:SS" and its following space, the way W3C
 * extended logs start; the bytes consumed, or 0.
 */
static size_t
w3c_time(const char *p, const char *end, struct tstamp *t)
{
	if (end - p < 20 || !tstamp_digits(p, end, 4, &t->year) ||
	    p[4] != '-' || !tstamp_digits(p + 5, end, 2, &t->mon) ||
	    p[7] != '-' || !tstamp_digits(p + 8, end, 2, &t->day) ||
	    p[10] != ' ' || !tstamp_digits(p + 11, end, 2, &t->hour) ||
	    p[13] != ':' || !tstamp_digits(p + 14, end, 2, &t->min) ||
	    p[16] != ':' || !tstamp_digits(p + 17, end, 2, &t->sec) ||
	    p[19] != ' ')
		return 0;
	return 20;
}

/*
 * Picks the status among the columns after the path: the first 1xx-5xx
 * column followed by a number (IIS's sc-substatus), else the last one
 * (a port such as 443 comes before the status). -1 if there is none.
 */
static int
w3c_status(const struct clf_span *tok, int ntok, int from)
{
	int i, last = -1;

	for (i = from; i < ntok; i++) {
		if (!clf_status(&tok[i]))
			continue;
		if (i + 1 < ntok && clf_digits(&tok[i + 1]))
			return i;
		last = i;
	}
	return last;
}

/*
 * Reads a W3C extended (IIS) line without its #Fields header: the date and
 * time, an HTTP method among the first columns and a status after it.
 * Columns before the method must not look like a level or a logger
 * ("INFO", "[main]", "app:") so plain "date time LEVEL msg" lines stay out.
 */
static int
w3c_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len);
	struct clf_span tok[CLF_MAX_TOKENS];
	struct tstamp   t;
	int             ntok = 0, m = -1, s, i;

	memset(&t, 0, sizeof(t));
	if (p >= end || *p == '#' || w3c_time(p, end, &t) == 0)
		return 0;
	p += 20;
	while (ntok < CLF_MAX_TOKENS && clf_token(&p, end, &tok[ntok]))
		ntok++;
	for (i = 0; i < ntok && i < W3C_METHOD_MAX && m < 0; i++) {
		if (clf_method(&tok[i]))
			m = i;
		else if (tok[i].p[0] == '[' || tok[i].p[tok[i].n - 1] == ':' ||
		    record_severity(tok[i].p, tok[i].n) >= 0)
			return 0;
	}
	if (m < 0 || m + 1 >= ntok || (s = w3c_status(tok, ntok, m + 2)) < 0)
		return 0;
	r->has_ts = 1;
	r->tm = t;
	r->msg = tok[m].p;
	r->msg_len = (size_t)(end - tok[m].p);
	r->severity = clf_severity(&tok[s]);
	clf_field(r, "method", &tok[m]);
	clf_field(r, "path", &tok[m + 1]);
	clf_field(r, "status", &tok[s]);
	return 1;
}

/* The directives a W3C extended log's header lines start with. */
enum w3c_directive {
	W3C_FIELDS,
	W3C_DATE,
	W3C_START_DATE,
	W3C_END_DATE,
	W3C_GMT_OFFSET,
	W3C_OTHER
};

/*
 * Which directive the line holds ("#Fields:", "#Date:"...), its value in
 * *v; -1 if the line is no W3C directive.
 */
static int
w3c_directive_name(const char *p, const char *end, const char **v)
{
	static const struct {
		const char        *name;
		enum w3c_directive d;
	} names[] = {
	    {"#Fields:", W3C_FIELDS},
	    {"#Date:", W3C_DATE},
	    {"#Start-Date:", W3C_START_DATE},
	    {"#End-Date:", W3C_END_DATE},
	    {"#GMT-Offset:", W3C_GMT_OFFSET},
	    {"#Software:", W3C_OTHER},
	    {"#Version:", W3C_OTHER},
	    {"#Remark:", W3C_OTHER},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (scan_prefix(p, end, names[i].name)) {
			*v = scan_blank(p + strlen(names[i].name), end);
			return (int)names[i].d;
		}
	return -1;
}

/* The role a W3C field name plays, or -1 ("cs-uri-stem" is the URI). */
static int
w3c_role(const char *p, size_t n)
{
	static const struct {
		const char *name;
		int         role;
	} roles[] = {
	    {"date", PARSER_COL_DATE},
	    {"date-local", PARSER_COL_DATE},
	    {"time", PARSER_COL_TIME},
	    {"time-local", PARSER_COL_TIME},
	    {"cs-method", PARSER_COL_METHOD},
	    {"cs-uri-stem", PARSER_COL_URI},
	    {"cs-uri", PARSER_COL_URI},
	    {"sc-status", PARSER_COL_STATUS},
	    {"c-ip", PARSER_COL_CLIENT},
	};
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strlen(roles[i].name) == n &&
		    memcmp(roles[i].name, p, n) == 0)
			return roles[i].role;
	return -1;
}

/* Reads "#Fields: date time c-ip ..." into the source's header state. */
static void
w3c_fields(struct parser_hdr *h, const char *p, const char *end)
{
	size_t n;
	int    role;

	memset(h->col, -1, sizeof(h->col));
	h->kind = PARSER_HDR_W3C;
	h->ncols = 0;
	while ((p = scan_blank(p, end)) < end) {
		n = scan_token(p, end);
		if (h->ncols == PARSER_HDR_COLS) {
			h->kind = PARSER_HDR_NONE; /* wider than we read */
			return;
		}
		role = w3c_role(p, n);
		/* "cs-uri-stem" wins over "cs-uri" when both are there */
		if (role >= 0 && (h->col[role] < 0 || n == 11))
			h->col[role] = (int8_t)h->ncols;
		h->ncols++;
		p += n;
	}
}

/*
 * Reads the value of "#Date:" and its kin: "2002-05-02 17:42:15" or
 * "28/Jun/2017 07:28:59". 1 if read.
 */
static int
w3c_header_time(const char *p, const char *end, struct tstamp *t)
{
	memset(t, 0, sizeof(*t));
	if (tstamp_iso(p, end, t) != 0)
		return 1;
	memset(t, 0, sizeof(*t));
	return tstamp_dmony(p, end, '/', t) != 0;
}

/*
 * Reads a W3C header line: "#Fields:" names the columns of the records
 * that follow, "#Date:" gives their date when they carry only a time and
 * is itself timed, "#GMT-Offset:" their zone. 1 if it is a directive.
 */
static int
w3c_directive(
    struct parser_hdr *h, const char *line, const char *end, struct record *r)
{
	struct tstamp t, z;
	const char   *v;
	int           d;

	if ((d = w3c_directive_name(line, end, &v)) < 0)
		return 0;
	memset(&z, 0, sizeof(z));
	if (d == W3C_FIELDS)
		w3c_fields(h, v, end);
	else if (d == W3C_GMT_OFFSET && tstamp_zone(v, end, &z) != 0 &&
	    z.zone == TSTAMP_ZONE_OFFSET) {
		h->offset_s = z.offset_s;
		h->has_offset = 1;
	} else if (d != W3C_OTHER && d != W3C_GMT_OFFSET &&
	    w3c_header_time(v, end, &t)) {
		if (d != W3C_END_DATE) {
			h->date = t;
			h->has_date = 1;
		}
		if (h->has_offset && t.zone == TSTAMP_ZONE_NONE) {
			t.zone = TSTAMP_ZONE_OFFSET;
			t.offset_s = h->offset_s;
		}
		r->has_ts = 1;
		r->tm = t;
	}
	r->msg = line;
	r->msg_len = (size_t)(end - line);
	return 1;
}

/*
 * Splits a record into columns as a "#Fields:" header counts them: runs
 * of blanks separate, a quoted column ("a b", with "" for a quote) is
 * one. The number of columns, max + 1 when there are more, -1 when a
 * quote is not closed.
 */
static int
w3c_columns(const char *p, const char *end, struct clf_span *col, int max)
{
	const char *q;
	int         n = 0;

	while ((p = scan_blank(p, end)) < end) {
		if (n == max)
			return max + 1;
		q = p + 1;
		if (*p == '"') {
			while (q < end &&
			    (*q != '"' || (q + 1 < end && q[1] == '"')))
				q += *q == '"' ? 2 : 1;
			if (q >= end)
				return -1;
			q++;
		} else
			q = p + scan_token(p, end);
		col[n].p = p;
		col[n].n = (size_t)(q - p);
		p = q;
		n++;
	}
	return n;
}

/* The column of a role, its quotes removed; an empty span if absent. */
static struct clf_span
w3c_col(const struct parser_hdr *h, const struct clf_span *col, int role)
{
	struct clf_span c = {NULL, 0};

	if (h->col[role] < 0)
		return c;
	c = col[h->col[role]];
	if (c.n >= 2 && c.p[0] == '"' && c.p[c.n - 1] == '"') {
		c.p++;
		c.n -= 2;
	}
	return c;
}

/*
 * Reads the time of a record from its "time" column and its "date"
 * column, or the "#Date:" header's date (a time with no date anywhere
 * keeps year, month and day 0); 1 if read, 0 if the columns do not hold
 * one.
 */
static int
w3c_header_stamp(
    const struct parser_hdr *h, const struct clf_span *col, struct tstamp *t)
{
	struct clf_span c = w3c_col(h, col, PARSER_COL_TIME);

	memset(t, 0, sizeof(*t));
	if (c.n == 0 || tstamp_hms(c.p, c.p + c.n, t, 0) != c.n)
		return 0;
	if ((c = w3c_col(h, col, PARSER_COL_DATE)).n > 0) {
		if (c.n != 10 || tstamp_ymd(c.p, c.p + c.n, '-', t) != 10)
			return 0;
	} else if (h->has_date) {
		t->year = h->date.year;
		t->mon = h->date.mon;
		t->day = h->date.day;
	} /* else no date anywhere: left 0, the source dates it */
	if (h->has_offset) {
		t->zone = TSTAMP_ZONE_OFFSET;
		t->offset_s = h->offset_s;
	}
	return 1;
}

/*
 * Reads a record by the columns its "#Fields:" header named: the time
 * (with the header's date when the record has only a time), method,
 * URI and status. The message runs from the method to the end of the
 * line, as without a header. 1 if read.
 */
static int
w3c_by_header(const struct parser_hdr *h, const char *line, const char *end,
    struct record *r)
{
	struct clf_span col[PARSER_HDR_COLS], m, u, s;
	struct tstamp   t;

	if (w3c_columns(line, end, col, PARSER_HDR_COLS) != h->ncols ||
	    w3c_header_stamp(h, col, &t) == 0)
		return 0;
	r->has_ts = 1;
	r->tm = t;
	m = w3c_col(h, col, PARSER_COL_METHOD);
	u = w3c_col(h, col, PARSER_COL_URI);
	s = w3c_col(h, col, PARSER_COL_STATUS);
	/* from the method's column, its quote included */
	r->msg = m.n > 0 ? col[h->col[PARSER_COL_METHOD]].p : line;
	r->msg_len = (size_t)(end - r->msg);
	if (m.n > 0)
		clf_field(r, "method", &m);
	if (u.n > 0)
		clf_field(r, "path", &u);
	if (clf_status(&s)) {
		clf_field(r, "status", &s);
		r->severity = clf_severity(&s);
	}
	return 1;
}

/*
 * Reads a W3C line with the source's header state: a directive, a record
 * by the columns a "#Fields:" line named, or else a record as
 * w3c_parse() reads one without a header.
 */
static int
w3c_parse_st(
    struct parser_state *st, const char *line, size_t len, struct record *r)
{
	const char *end = scan_end(line, len);

	if (line < end && *line == '#')
		return w3c_directive(&st->hdr, line, end, r);
	if (st->hdr.kind == PARSER_HDR_W3C &&
	    w3c_by_header(&st->hdr, line, end, r))
		return 1;
	return w3c_parse(line, len, r);
}

const struct parser parser_w3c = {"w3c", w3c_parse, w3c_parse_st};

/* 1 if the span is "-" or hexadecimal digits. */
static int
clf_hex_or_dash(const struct clf_span *t)
{
	size_t i;

	if (clf_dash(t))
		return 1;
	for (i = 0; i < t->n; i++)
		if (!isxdigit((unsigned char)t->p[i]))
			return 0;
	return t->n > 0;
}

/*
 * Reads an Amazon S3 server access log line: "OWNER BUCKET [06/Feb/2019:
 * 00:00:38 +0000] IP REQUESTER REQUEST-ID REST.GET.OBJECT KEY "GET /k
 * HTTP/1.1" 200 ERROR-CODE BYTES ..." (owner and requester are canonical
 * IDs in hex, or "-"). Fields as for NCSA lines, plus bucket, operation,
 * key and the S3 error code.
 */
static int
s3_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len);
	struct clf_span owner, bucket, ip, who, id, op, key, req, status, err,
	    bytes;
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	if (!clf_token(&p, end, &owner) || !clf_hex_or_dash(&owner) ||
	    !clf_token(&p, end, &bucket) || p >= end || *p != '[' ||
	    (n = clf_time(p + 1, end, &t)) == 0)
		return 0;
	p += 1 + n;
	if (p >= end || *p++ != ' ' || !clf_token(&p, end, &ip) ||
	    !clf_token(&p, end, &who) || !clf_token(&p, end, &id) ||
	    !clf_token(&p, end, &op) || memchr(op.p, '.', op.n) == NULL ||
	    !isupper((unsigned char)op.p[0]) || !clf_token(&p, end, &key) ||
	    (p = clf_quoted(p, end, &req)) == NULL || p >= end || *p++ != ' ' ||
	    !clf_token(&p, end, &status) ||
	    (!clf_status(&status) && !clf_dash(&status)) ||
	    !clf_token(&p, end, &err) || !clf_token(&p, end, &bytes))
		return 0;
	r->has_ts = 1;
	r->tm = t;
	clf_message(r, &req, &status, &bytes, end);
	r->severity = clf_severity(&status);
	clf_field(r, "client", &ip);
	clf_request(r, &req);
	clf_field(r, "status", &status);
	clf_field(r, "bytes", &bytes);
	clf_field(r, "bucket", &bucket);
	clf_field(r, "operation", &op);
	if (!clf_dash(&key))
		clf_field(r, "key", &key);
	if (!clf_dash(&err))
		clf_field(r, "error_code", &err);
	return 1;
}

const struct parser parser_s3 = {"s3", s3_parse, NULL};

/*
 * Reads the request and status uWSGI writes after the time: "POST /x =>
 * generated 47 bytes in 129 msecs (HTTP/1.1 200) ..."; adds them as
 * fields and returns the severity of the status, or -1.
 */
static int
uwsgi_request(struct record *r, const char *p, const char *end)
{
	struct clf_span m, path, status;
	const char     *q = p, *h;

	if (!clf_token(&q, end, &m) || !clf_method(&m) ||
	    !clf_token(&q, end, &path))
		return -1;
	clf_field(r, "method", &m);
	clf_field(r, "path", &path);
	if ((h = memmem(q, (size_t)(end - q), "(HTTP/", 6)) == NULL ||
	    (h = scan_char(h, end, ' ')) == NULL)
		return -1;
	status.p = h + 1;
	status.n = 3;
	if (end - status.p < 4 || status.p[3] != ')' || !clf_status(&status))
		return -1;
	clf_field(r, "status", &status);
	return clf_severity(&status);
}

/*
 * Reads a uWSGI request log line: "[pid: 88185|app: 0|req: 1/1] 127.0.0.1
 * () {38 vars in 696 bytes} [Sun Mar 13 22:49:12 2016] POST /x =>
 * generated 47 bytes in 129 msecs (HTTP/1.1 200) ...". The message runs
 * from the method to the end.
 */
static int
uwsgi_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len), *close, *ts;
	struct clf_span pid, client;
	struct tstamp   t;
	size_t          n;

	if (!scan_prefix(p, end, "[pid: ") ||
	    (pid.n = scan_digits(p + 6, end)) == 0 ||
	    (close = scan_char(p, end, ']')) == NULL || close + 1 >= end ||
	    close[1] != ' ')
		return 0;
	pid.p = p + 6;
	p = close + 2;
	if (!clf_token(&p, end, &client) ||
	    (ts = memmem(p, (size_t)(end - p), "} [", 3)) == NULL)
		return 0;
	ts += 3;
	memset(&t, 0, sizeof(t));
	if ((n = scan_ctime(ts, end, &t)) == 0 ||
	    !scan_prefix(ts + n, end, "] "))
		return 0;
	r->has_ts = 1;
	r->tm = t;
	r->msg = ts + n + 2;
	r->msg_len = (size_t)(end - r->msg);
	clf_field(r, "pid", &pid);
	clf_field(r, "client", &client);
	r->severity = uwsgi_request(r, r->msg, end);
	record_set_program(r, "uwsgi", 5);
	return 1;
}

const struct parser parser_uwsgi = {"uwsgi", uwsgi_parse, NULL};

/* Splits "10.0.0.1:41496" (or "[::1]:80") at its last colon into *ip. */
static void
alb_client(const struct clf_span *t, struct clf_span *ip)
{
	size_t i = t->n;

	*ip = *t;
	while (i > 0 && t->p[i - 1] != ':')
		i--;
	if (i > 1)
		ip->n = i - 1;
	if (ip->n > 2 && ip->p[0] == '[' && ip->p[ip->n - 1] == ']') {
		ip->p++;
		ip->n -= 2;
	}
}

/*
 * Sets the message of an access log line: 'GET /path HTTP/1.1 502 734'
 * (request, status, bytes; referer and agent stay in the fields), the
 * same for NCSA and load balancer lines so one rule reads both; the text
 * from the request on when scratch is full.
 */
static void
clf_message(struct record *r, const struct clf_span *req,
    const struct clf_span *status, const struct clf_span *bytes,
    const char *end)
{
	size_t n = req->n + 1 + status->n + 1 + bytes->n;
	char  *d;

	if ((d = record_scratch(r, n)) == NULL) {
		r->msg = req->p;
		r->msg_len = (size_t)(end - req->p);
		return;
	}
	memcpy(d, req->p, req->n);
	d[req->n] = ' ';
	memcpy(d + req->n + 1, status->p, status->n);
	d[req->n + 1 + status->n] = ' ';
	memcpy(d + req->n + 2 + status->n, bytes->p, bytes->n);
	r->msg = d;
	r->msg_len = n;
}

/*
 * Reads an AWS load balancer access log line: Application LB ("http
 * 2021-03-19T00:07:05.089939Z app/name/id client:port target:port ...")
 * or Classic ELB (no type column). Columns: LB name, client, target,
 * three timings, the LB's and the target's status, bytes in and out, then
 * the quoted request.
 */
static int
alb_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len);
	struct clf_span tok[10], ip, req, agent;
	struct tstamp   t;
	size_t          n;
	int             i;

	if (end - p > 5 &&
	    (memcmp(p, "http", 4) == 0 || memcmp(p, "h2 ", 3) == 0 ||
		memcmp(p, "ws", 2) == 0 || memcmp(p, "grpc", 4) == 0)) {
		while (p < end && *p != ' ')
			p++;
		p++;
	}
	memset(&t, 0, sizeof(t));
	if (end - p < 20 || p[10] != 'T' || (n = tstamp_iso(p, end, &t)) == 0 ||
	    t.zone != TSTAMP_ZONE_OFFSET || p + n >= end || p[n] != ' ')
		return 0;
	p += n + 1;
	for (i = 0; i < 10; i++)
		if (!clf_token(&p, end, &tok[i]))
			return 0;
	if (memchr(tok[1].p, ':', tok[1].n) == NULL || !clf_status(&tok[6]) ||
	    (!clf_status(&tok[7]) && !clf_dash(&tok[7])) ||
	    (p = clf_quoted(p, end, &req)) == NULL)
		return 0;
	r->has_ts = 1;
	r->tm = t;
	clf_message(r, &req, &tok[6], &tok[9], end);
	r->severity = clf_severity(&tok[6]);
	alb_client(&tok[1], &ip);
	clf_field(r, "client", &ip);
	clf_request(r, &req);
	clf_field(r, "status", &tok[6]);
	if (!clf_dash(&tok[7]))
		clf_field(r, "target_status", &tok[7]);
	clf_field(r, "bytes", &tok[9]);
	clf_field(r, "elb", &tok[0]);
	if (p < end && *p == ' ' && clf_quoted(p + 1, end, &agent) != NULL)
		clf_field(r, "agent", &agent);
	return 1;
}

const struct parser parser_alb = {"alb", alb_parse, NULL};

/* Like clf_token, after skipping the spaces Squid pads columns with. */
static int
squid_token(const char **pp, const char *end, struct clf_span *t)
{
	while (*pp < end && **pp == ' ')
		(*pp)++;
	return clf_token(pp, end, t);
}

/*
 * Reads a Squid native access log line: "1157689324.156   1372
 * 10.105.21.199 TCP_MISS/200 399 GET http://... - DIRECT/1.2.3.4 type"
 * (epoch with milliseconds, elapsed ms, client, action/status, bytes,
 * method, URL). The message runs from the action to the end.
 */
static int
squid_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len), *slash;
	struct clf_span dur, client, code, status, bytes, method, url;
	struct tstamp   t;
	size_t          n;

	memset(&t, 0, sizeof(t));
	if ((n = tstamp_epoch(p, end, &t)) < 12 || p[10] != '.' ||
	    p + n >= end || p[n] != ' ')
		return 0;
	p += n;
	if (!squid_token(&p, end, &dur) || !clf_digits(&dur) ||
	    !squid_token(&p, end, &client) || !squid_token(&p, end, &code) ||
	    !squid_token(&p, end, &bytes) || !clf_digits(&bytes) ||
	    !squid_token(&p, end, &method) || !squid_token(&p, end, &url))
		return 0;
	if ((slash = memchr(code.p, '/', code.n)) == NULL || slash == code.p ||
	    !isupper((unsigned char)code.p[0]))
		return 0;
	status.p = slash + 1;
	status.n = (size_t)(code.p + code.n - status.p);
	if (status.n != 3 || !clf_digits(&status))
		return 0;
	r->has_ts = 1;
	r->tm = t;
	r->msg = code.p;
	r->msg_len = (size_t)(end - code.p);
	r->severity = clf_severity(&status);
	clf_field(r, "client", &client);
	clf_field(r, "status", &status);
	clf_field(r, "method", &method);
	clf_field(r, "url", &url);
	clf_field(r, "bytes", &bytes);
	clf_field(r, "duration_ms", &dur);
	return 1;
}

const struct parser parser_squid = {"squid", squid_parse, NULL};

/*
 * Reads a loghub epoch column: exactly ten digits of seconds followed by
 * a space; bytes consumed (with the space), or 0.
 */
static size_t
loghub_epoch(const char *p, const char *end, struct tstamp *t)
{
	if (tstamp_epoch(p, end, t) != 10 || end - p < 11 || p[10] != ' ')
		return 0;
	return 11;
}

/*
 * Reads a BGL date-time "2005-06-03-15.42.50.675872" into t (local time
 * of the machine room; only its fraction is used). Bytes or 0.
 */
static size_t
bgl_time(const char *p, const char *end, struct tstamp *t)
{
	if (end - p < 26 || !tstamp_digits(p, end, 4, &t->year) ||
	    p[4] != '-' || !tstamp_digits(p + 5, end, 2, &t->mon) ||
	    p[7] != '-' || !tstamp_digits(p + 8, end, 2, &t->day) ||
	    p[10] != '-' || !tstamp_digits(p + 11, end, 2, &t->hour) ||
	    p[13] != '.' || !tstamp_digits(p + 14, end, 2, &t->min) ||
	    p[16] != '.' || !tstamp_digits(p + 17, end, 2, &t->sec) ||
	    tstamp_frac(p + 19, end, t) != 7)
		return 0;
	return 26;
}

/* Maps a BGL level (INFO, WARNING, SEVERE, ERROR, FATAL, FAILURE). */
static int
bgl_severity(const struct clf_span *t)
{
	if (t->n == 7 && memcmp(t->p, "FAILURE", 7) == 0)
		return 2;
	return record_severity(t->p, t->n);
}

/*
 * Reads a loghub BlueGene/L line: "- 1117838570 2005.06.03 R02-M1-N0-C:
 * J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO
 * msg" (alert label or "-", epoch, date, node, date-time, node, type,
 * component, level). The epoch is the stamp; the date-time's microseconds
 * are added when its seconds agree with the epoch's.
 */
static int
bgl_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len);
	struct clf_span label, date, node, node2, type, comp, level;
	struct tstamp   t, local;
	size_t          n;

	memset(&t, 0, sizeof(t));
	memset(&local, 0, sizeof(local));
	if (!clf_token(&p, end, &label) ||
	    (!clf_dash(&label) && !isupper((unsigned char)label.p[0])) ||
	    (n = loghub_epoch(p, end, &t)) == 0)
		return 0;
	p += n;
	if (!clf_token(&p, end, &date) || date.n != 10 || date.p[4] != '.' ||
	    date.p[7] != '.' || !clf_token(&p, end, &node) ||
	    (n = bgl_time(p, end, &local)) == 0 || p + n >= end || p[n] != ' ')
		return 0;
	p += n + 1;
	if (!clf_token(&p, end, &node2) || !clf_token(&p, end, &type) ||
	    !clf_token(&p, end, &comp) || !clf_token(&p, end, &level))
		return 0;
	if (t.epoch_ns / TSTAMP_NS_PER_S % 60 == local.sec) {
		t.epoch_ns += local.nsec;
		t.frac_digits = local.frac_digits;
	}
	r->has_ts = 1;
	r->tm = t;
	r->msg = p;
	r->msg_len = (size_t)(end - p);
	r->severity = bgl_severity(&level);
	record_set_host(r, node.p, node.n);
	record_set_program(r, comp.p, comp.n);
	if (!clf_dash(&label))
		clf_field(r, "label", &label);
	clf_field(r, "type", &type);
	clf_field(r, "level", &level);
	return 1;
}

const struct parser parser_bgl = {"bgl", bgl_parse, NULL};

/*
 * Reads a loghub HPC line: "134681 node-246 unix.hw state_change.
 * unavailable 1077804742 1 msg" (id, node, component, state, epoch, flag,
 * message).
 */
static int
hpc_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = scan_end(line, len);
	struct clf_span id, node, comp, state, flag;
	struct tstamp   t;
	size_t          n;

	memset(&t, 0, sizeof(t));
	if (!clf_token(&p, end, &id) || !clf_digits(&id) ||
	    !clf_token(&p, end, &node) || !clf_token(&p, end, &comp) ||
	    !clf_token(&p, end, &state) || (n = loghub_epoch(p, end, &t)) == 0)
		return 0;
	p += n;
	if (!clf_token(&p, end, &flag) || flag.n > 2 ||
	    !isdigit((unsigned char)flag.p[flag.n - 1]) ||
	    (flag.n == 2 && flag.p[0] != '-'))
		return 0;
	r->has_ts = 1;
	r->tm = t;
	r->msg = p;
	r->msg_len = (size_t)(end - p);
	record_set_host(r, node.p, node.n);
	record_set_program(r, comp.p, comp.n);
	clf_field(r, "id", &id);
	clf_field(r, "state", &state);
	clf_field(r, "flag", &flag);
	return 1;
}

const struct parser parser_hpc = {"hpc", hpc_parse, NULL};

/*
 * Envoy / Istio default access log: "[2024-09-10T08:15:02.123Z] "GET /x
 * HTTP/1.1" 503 UF upstream_reset... 0 91 4 - ..." (start time, request,
 * status, response flags, details). Fields as for NCSA lines, plus flags.
 */
static int
envoy_parse(const char *line, size_t len, struct record *r)
{
	const char     *p = line, *end = line + len, *q;
	struct clf_span req, status, flags;
	size_t          n;

	if (len < 30 || *p != '[' ||
	    (n = tstamp_iso(p + 1, end, &r->tm)) == 0 ||
	    r->tm.zone != TSTAMP_ZONE_OFFSET || p + 1 + n + 2 >= end ||
	    p[1 + n] != ']' || p[2 + n] != ' ')
		return 0;
	q = p + 3 + n;
	if ((q = clf_quoted(q, end, &req)) == NULL || q >= end || *q++ != ' ' ||
	    !clf_token(&q, end, &status) || !clf_status(&status) ||
	    !clf_token(&q, end, &flags))
		return 0;
	r->has_ts = 1;
	clf_message(r, &req, &status, &flags, end);
	r->severity = clf_severity(&status);
	clf_request(r, &req);
	clf_field(r, "status", &status);
	clf_field(r, "flags", &flags);
	return 1;
}

const struct parser parser_envoy = {"envoy", envoy_parse, NULL};

/*
 * Nagios / Icinga 1 log: "[1712418125] SERVICE ALERT: host;svc;CRITICAL;
 * HARD;1;output" (epoch seconds in brackets, then the message).
 */
static int
nagios_parse(const char *line, size_t len, struct record *r)
{
	const char *p = line, *end = line + len;
	size_t      n;

	if (len < 14 || *p != '[' ||
	    (n = tstamp_epoch(p + 1, end, &r->tm)) == 0 || n != 10 ||
	    p[11] != ']' || p[12] != ' ')
		return 0;
	r->has_ts = 1;
	r->msg = p + 13;
	r->msg_len = (size_t)(end - p - 13);
	return 1;
}

const struct parser parser_nagios = {"nagios", nagios_parse, NULL};
