/*
 * parser_syslog: the syslog family. RFC 5424 ("<PRI>1 TIMESTAMP HOST APP
 * PROCID MSGID SD MSG") and the BSD shape of RFC 3164 with the variants
 * found in files: ISO stamps (rsyslog, journalctl short-iso), fractions
 * (short-precise), a year after the date, host-less lines and loghub's
 * Thunderbird prefix. Stamps are read as written; zones and years are
 * applied later by the pipeline.
 */
#include <ctype.h>
#include <string.h>

#include "parser.h"
#include "record.h"
#include "scan.h"
#include "tstamp.h"

#define SYSLOG_TAG_MAX    64  /* longest tag name believed to be one */
#define SYSLOG_DETAIL_MAX 256 /* longest macOS "(detail)" after pid */

/* The parts of a "prog[pid]:" tag. */
struct syslog_tag {
	const char *name;
	size_t      name_len;
	const char *pid;
	size_t      pid_len;
};

/* The first space at or after p, or end. */
static const char *
syslog_token_end(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	return p;
}

/* Skips a "<PRI>" prefix (0..191) into *pri; -1 and p when there is none. */
static const char *
syslog_pri(const char *p, const char *end, int *pri)
{
	const char *q = p + 1;
	int         v = 0;

	*pri = -1;
	if (p >= end || *p != '<')
		return p;
	while (q < end && q - p <= 3 && isdigit((unsigned char)*q))
		v = v * 10 + (*q++ - '0');
	if (q == p + 1 || q >= end || *q != '>' || v > 191)
		return p;
	*pri = v;
	return q + 1;
}

/*
 * Reads a BSD stamp "Mar 15 08:00:48", "Mar  5 08:00:48", "Mar 5 ..."
 * (or a month of another locale: "août 19 11:08:37"),
 * with an optional fraction (short-precise) and an optional year between
 * the day and the clock ("Mar 15 2024 08:00:48"). Bytes consumed or 0.
 */
static size_t
syslog_bsd_time(const char *p, const char *end, struct tstamp *t)
{
	const char *q;
	size_t      n = 3;

	if (end - p < 14)
		return 0;
	if (((t->mon = tstamp_month(p, 3)) == 0 || p[3] != ' ') &&
	    ((n = tstamp_month_locale(p, end, &t->mon)) == 0 || p[n] != ' '))
		return 0;
	q = p + n + 1;
	if (*q == ' ')
		q++;
	if (tstamp_digits(q, end, 2, &t->day))
		q += 2;
	else if (tstamp_digits(q, end, 1, &t->day))
		q += 1;
	else
		return 0;
	if (q >= end || *q++ != ' ')
		return 0;
	t->year = 0;
	if (end - q > 5 && q[4] == ' ' && tstamp_digits(q, end, 4, &t->year))
		q += 5;
	if (!tstamp_digits(q, end, 2, &t->hour) || end - q < 8 || q[2] != ':' ||
	    q[5] != ':' || !tstamp_digits(q + 3, end, 2, &t->min) ||
	    !tstamp_digits(q + 6, end, 2, &t->sec))
		return 0;
	q += 8;
	q += tstamp_frac(q, end, t);
	return (size_t)(q - p);
}

/* Reads the "[pid]" and macOS " (detail)" after a tag's name; q or NULL. */
static const char *
syslog_tag_pid(const char *q, const char *end, struct syslog_tag *tag)
{
	const char *d = q + 1;

	while (d < end && isdigit((unsigned char)*d))
		d++;
	if (d == q + 1 || d >= end || *d != ']')
		return NULL;
	tag->pid = q + 1;
	tag->pid_len = (size_t)(d - q - 1);
	q = d + 1;
	if (end - q > 2 && q[0] == ' ' && q[1] == '(') {
		/* macOS: "launchd[1] (com.apple.xpc.launchd.domain...):" */
		d = memchr(q, ')', (size_t)(end - q));
		if (d == NULL || d - q > SYSLOG_DETAIL_MAX)
			return NULL;
		q = d + 1;
	}
	return q;
}

/*
 * Reads a tag at p: "prog:", "prog[pid]:", "prog[pid] (detail):" or, when
 * two_words, the macOS "BezelServices 255.10[94]:". Returns the bytes up
 * to and including the colon, or 0 when p holds no tag.
 */
static size_t
syslog_tag(
    const char *p, const char *end, int two_words, struct syslog_tag *tag)
{
	const char *q = p, *lim = end, *w;

	if (end - p > SYSLOG_TAG_MAX)
		lim = p + SYSLOG_TAG_MAX;
	memset(tag, 0, sizeof(*tag));
	while (q < lim && *q != ' ' && *q != '[' && *q != ':')
		q++;
	if (q == p || q >= lim)
		return 0;
	if (*q == ':') {
		if (q + 1 < end && q[1] != ' ')
			return 0; /* "10.0.0.1:80", "http://" */
		tag->name = p;
		tag->name_len = (size_t)(q - p);
		return (size_t)(q + 1 - p);
	}
	if (*q == ' ') {
		if (!two_words)
			return 0;
		for (w = q + 1; w < lim && *w != ' ' && *w != '[' && *w != ':';
		     w++)
			;
		if (w == q + 1 || w >= lim || *w != '[')
			return 0;
		q = w;
	}
	tag->name = p;
	tag->name_len = (size_t)(q - p);
	if ((q = syslog_tag_pid(q, end, tag)) == NULL || q >= end || *q != ':')
		return 0;
	return (size_t)(q + 1 - p);
}

/* Skips the kernel's "[ 518.050606] " uptime at the start of a message. */
static const char *
syslog_uptime(const char *p, const char *end)
{
	const char *q = p + 1;

	if (p >= end || *p != '[')
		return p;
	while (q < end && *q == ' ')
		q++;
	if (q >= end || !isdigit((unsigned char)*q))
		return p;
	while (q < end && (isdigit((unsigned char)*q) || *q == '.'))
		q++;
	if (q >= end || *q != ']')
		return p;
	for (q++; q < end && *q == ' '; q++)
		;
	return q;
}

/*
 * Reads what follows a 3164 stamp: "[host ][tag ]message". A first token
 * that is itself a tag means the host was left out (journalctl
 * --no-hostname, local sockets). Without a tag the rest after the host is
 * the message; need_tag refuses such lines (ISO stamps, where a line
 * without a tag is more likely some other format). 1 if read, else 0.
 */
static int
syslog_body(const char *p, const char *end, int need_tag, struct record *r)
{
	struct syslog_tag tag;
	const char       *host = p, *he;
	size_t            n;

	if (p >= end || *p == ' ')
		return 0;
	if ((n = syslog_tag(p, end, 0, &tag)) != 0) {
		he = host;
	} else {
		he = syslog_token_end(p, end);
		p = he < end ? he + 1 : he;
		n = syslog_tag(p, end, 1, &tag);
	}
	if (n == 0 && need_tag)
		return 0;
	record_set_host(r, host, (size_t)(he - host));
	if (n != 0) {
		record_set_program(r, tag.name, tag.name_len);
		if (tag.pid != NULL)
			record_add_field(r, "pid", 3, tag.pid, tag.pid_len);
		p += n;
	}
	while (p < end && *p == ' ')
		p++;
	if (tag.name_len == 6 && memcmp(tag.name, "kernel", 6) == 0)
		p = syslog_uptime(p, end);
	r->msg = p;
	r->msg_len = (size_t)(end - p);
	return 1;
}

/*
 * Reads loghub's Thunderbird prefix "- 1131566461 2005.11.09 dn228 ": an
 * alert label or "-", the epoch seconds (the stamp we keep: the embedded
 * syslog one is local time without a year), the date and the node.
 * Returns the bytes consumed, or 0.
 */
static size_t
syslog_loghub(const char *p, const char *end, struct tstamp *t,
    const char **node, size_t *node_len)
{
	const char *q, *e;
	int         v;
	size_t      n;

	q = syslog_token_end(p, end);
	if (q == p || q >= end || (q - p != 1 && !isupper((unsigned char)*p)))
		return 0;
	q++;
	if ((n = tstamp_epoch(q, end, t)) != 10 || q + n >= end || q[n] != ' ')
		return 0;
	q += n + 1;
	if (end - q < 11 || !tstamp_digits(q, end, 4, &v) || q[4] != '.' ||
	    !tstamp_digits(q + 5, end, 2, &v) || q[7] != '.' ||
	    !tstamp_digits(q + 8, end, 2, &v) || q[10] != ' ')
		return 0;
	q += 11;
	e = syslog_token_end(q, end);
	if (e == q || e >= end)
		return 0;
	*node = q;
	*node_len = (size_t)(e - q);
	return (size_t)(e + 1 - p);
}

/*
 * Reads a BSD syslog line (RFC 3164 and what daemons really write): an
 * optional <PRI>, a BSD or ISO 8601 stamp, host, "prog[pid]:" and message.
 */
static int
rfc3164_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = scan_end(line, len), *node = NULL;
	struct tstamp t, tb;
	size_t        n, node_len = 0;
	int           pri, iso = 0;

	memset(&tb, 0, sizeof(tb));
	if ((n = syslog_loghub(p, end, &tb, &node, &node_len)) != 0)
		p += n;
	p = syslog_pri(p, end, &pri);
	memset(&t, 0, sizeof(t));
	if ((n = syslog_bsd_time(p, end, &t)) == 0) {
		/*
		 * ISO stamps: require the 'T' so "date time LEVEL" stays out,
		 * and at most 6 digits of fraction as rsyslog and journald
		 * write them (CI runners' 7-digit stamps head plain text).
		 */
		if (node != NULL || end - p < 19 || p[10] != 'T' ||
		    (n = tstamp_iso(p, end, &t)) == 0 || t.frac_digits > 6)
			return 0;
		iso = 1;
	}
	p += n;
	if (end - p > 1 && p[0] == ':' && p[1] == ' ' && !iso) {
		/* Cisco IOS: "<191>Jan 24 11:28:30.407: %LINK-3-UPDOWN: ..." */
		r->msg = p + 2;
		r->msg_len = (size_t)(end - p - 2);
	} else if (p >= end || *p != ' ' || !syslog_body(p + 1, end, iso, r))
		return 0;
	r->has_ts = 1;
	r->tm = node != NULL ? tb : t;
	if (node != NULL)
		record_set_host(r, node, node_len);
	r->severity = pri >= 0 ? pri & 7 : -1;
	return 1;
}

const struct parser parser_rfc3164 = {"rfc3164", rfc3164_parse, NULL};

/*
 * The text of an SD-PARAM value: itself, or unescaped (\" \\ \]) into
 * scratch when it has backslashes and scratch has room.
 */
static void
rfc5424_value(struct record *r, const char *p, size_t n, const char **out,
    size_t *out_len)
{
	char  *d;
	size_t i, k = 0;

	*out = p;
	*out_len = n;
	if (memchr(p, '\\', n) == NULL || (d = record_scratch(r, n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n &&
		    (p[i + 1] == '"' || p[i + 1] == '\\' || p[i + 1] == ']'))
			i++;
		d[k++] = p[i];
	}
	*out = d;
	*out_len = k;
}

/* Reads one SD-PARAM 'name="value"' at p into a field; after it, or NULL. */
static const char *
rfc5424_param(const char *p, const char *end, struct record *r)
{
	const char *name = p, *v, *q;
	const char *val;
	size_t      val_len;

	while (p < end && *p != '=' && *p != ' ' && *p != ']' && *p != '"')
		p++;
	if (p == name || end - p < 2 || p[0] != '=' || p[1] != '"')
		return NULL;
	v = p + 2;
	for (q = v; q < end && *q != '"'; q++)
		if (*q == '\\')
			q++;
	if (q >= end)
		return NULL;
	rfc5424_value(r, v, (size_t)(q - v), &val, &val_len);
	record_add_field(r, name, (size_t)(p - name), val, val_len);
	return q + 1;
}

/* Reads STRUCTURED-DATA: "-" or "[id p="v" ...]..."; after it, or NULL. */
static const char *
rfc5424_sd(const char *p, const char *end, struct record *r)
{
	const char *id;

	if (p < end && *p == '-')
		return p + 1;
	if (p >= end || *p != '[')
		return NULL;
	while (p < end && *p == '[') {
		for (id = ++p; p < end && *p != ' ' && *p != ']' && *p != '=' &&
		     *p != '"';
		     p++)
			;
		if (p == id)
			return NULL;
		while (p < end && *p == ' ')
			if ((p = rfc5424_param(p + 1, end, r)) == NULL)
				return NULL;
		if (p >= end || *p != ']')
			return NULL;
		p++;
	}
	return p;
}

/* Splits the next space-terminated header field off *pp; 0 if missing. */
static int
rfc5424_field(const char **pp, const char *end, const char **f, size_t *n)
{
	const char *e = syslog_token_end(*pp, end);

	if (e == *pp || e >= end)
		return 0;
	*f = *pp;
	*n = (size_t)(e - *pp);
	*pp = e + 1;
	return 1;
}

/*
 * 1 if no header field holds '[', ']', '=' or '"': the check that keeps
 * "TIMESTAMP key=value date time [thread] ..." lines out when no <PRI>
 * and VERSION vouch for the format.
 */
static int
rfc5424_plain(const char *const *f, const size_t *fl)
{
	size_t i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < fl[i]; j++)
			if (f[i][j] != '\0' && strchr("[]=\"", f[i][j]) != NULL)
				return 0;
	return 1;
}

/*
 * Reads an RFC 5424 line. Without <PRI> and VERSION (files written by
 * rsyslog's RSYSLOG_SyslogProtocol23Format minus the PRI, VMware) the
 * shape alone must convince: a tag-like APP-NAME ("prog[1]:") means an
 * ISO-stamped 3164 line instead.
 */
static int
rfc5424_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = scan_end(line, len), *f[4], *sd;
	size_t        fl[4], n;
	struct tstamp t;
	int           pri, i, nf, strong = 0;

	p = syslog_pri(p, end, &pri);
	if (end - p > 2 && *p >= '1' && *p <= '9' && p[1] == ' ') {
		strong = pri >= 0;
		p += 2;
	} else if (pri >= 0)
		return 0; /* "<13>Mar 15 ...": 3164 with a PRI */
	memset(&t, 0, sizeof(t));
	if (strong && end - p > 1 && p[0] == '-' && p[1] == ' ')
		n = 1; /* the NILVALUE: no stamp */
	else if (end - p < 20 || p[10] != 'T' ||
	    (n = tstamp_iso(p, end, &t)) == 0)
		return 0;
	r->has_ts = n != 1;
	p += n;
	if (p >= end || *p++ != ' ')
		return 0;
	for (i = 0; i < 4; i++)
		if (!rfc5424_field(&p, end, &f[i], &fl[i]))
			return 0;
	if (!strong && (f[1][fl[1] - 1] == ':' || !rfc5424_plain(f, fl)))
		return 0;
	if (!(fl[2] == 1 && *f[2] == '-'))
		record_add_field(r, "pid", 3, f[2], fl[2]);
	if (!(fl[3] == 1 && *f[3] == '-'))
		record_add_field(r, "msgid", 5, f[3], fl[3]);
	nf = r->nfields;
	if ((sd = rfc5424_sd(p, end, r)) == NULL || (sd < end && *sd != ' ')) {
		/* a malformed SD: with a PRI and VERSION, part of the MSG */
		if (!strong)
			return 0;
		r->nfields = nf;
		sd = p;
	}
	p = sd;
	while (p < end && *p == ' ')
		p++;
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* the BOM that announces a UTF-8 MSG */
	r->tm = t;
	r->msg = p;
	r->msg_len = (size_t)(end - p);
	r->severity = pri >= 0 ? pri & 7 : -1;
	if (!(fl[0] == 1 && *f[0] == '-'))
		record_set_host(r, f[0], fl[0]);
	if (!(fl[1] == 1 && *f[1] == '-'))
		record_set_program(r, f[1], fl[1]);
	return 1;
}

const struct parser parser_rfc5424 = {"rfc5424", rfc5424_parse, NULL};
