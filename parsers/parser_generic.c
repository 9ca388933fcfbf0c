/*
 * parser_generic: the catch-all. A date and a time near the start of the
 * line, in any of the usual spellings (ISO 8601, RFC 2822, ctime,
 * "15/Mar/2024", epochs...), then an optional level token. Tried last;
 * pure, it reads only [line, line + len).
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

#define GENERIC_SCAN_MAX 40 /* latest start of a stamp */

/*
 * generic: a date and a time anywhere in the first GENERIC_SCAN_MAX bytes,
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
	if (q < end && *q == ' ' && (n = scan_zone(q + 1, end, &z, 0)) != 0 &&
	    z.zone == TSTAMP_ZONE_ABBR)
		q += 1 + n;
	if (scan_prefix(q, end, " m=+") || scan_prefix(q, end, " m=-"))
		q += 1 + scan_token(q + 1, end);
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
	if ((z = scan_zone_after(p + n, end, t, 1)) != 0) {
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

	if (tstamp_ymd(p, end, '.', t) == 0) {
		if (end - p < 10 || p[2] != '.' || p[5] != '.' ||
		    !tstamp_digits(p, end, 2, &t->day) ||
		    !tstamp_digits(p + 3, end, 2, &t->mon) ||
		    !tstamp_digits(p + 6, end, 4, &t->year))
			return 0;
	}
	if (p + 10 >= end || (p[10] != ' ' && p[10] != '-') ||
	    (n = tstamp_hms(p + 11, end, t, 0)) == 0)
		return 0;
	return 11 + n;
}

/* Reads a number of 1 to max digits (not followed by another); bytes or 0. */
static size_t
num_read(const char *p, const char *end, size_t max, int *v)
{
	size_t n = scan_digits(p, end);

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

/*
 * "20171223-22:15:29:606" (HealthApp), "20240315T090001[Z]" and
 * "20120702.102240,672".
 */
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
	} else if ((p[8] == 'T' || p[8] == '.') &&
	    tstamp_digits(q, end, 2, &t->hour) &&
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

	if ((n = tstamp_dmony(p, end, ' ', t)) == 0 &&
	    (n = tstamp_dmony(p, end, '/', t)) == 0 &&
	    (n = tstamp_dmony(p, end, '-', t)) == 0)
		return 0;
	return n + scan_zone_after(p + n, end, t, 1);
}

/* RFC 2822 "Fri, 15 Mar 2024 09:00:01 +0100" and ctime forms. */
static size_t
gen_weekday(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if ((n = scan_ctime(p, end, t)) != 0)
		return n;
	memset(t, 0, sizeof(*t));
	if (end - p < 5 || tstamp_weekday(p, 3) == 0 || p[3] != ',' ||
	    p[4] != ' ' || (n = tstamp_dmony(p + 5, end, ' ', t)) == 0)
		return 0;
	n += 5;
	return n + scan_zone_after(p + n, end, t, 0);
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

	if (tstamp_mon_abbr(p, end, &t->mon) == 0 || end - p < 5 || p[3] != ' ')
		return 0;
	if (*q == ' ')
		q++;
	if ((n = tstamp_mday(q, end, &t->day)) == 0)
		return 0;
	q += n;
	if (scan_prefix(q, end, ", ")) {
		memset(t, 0, sizeof(*t));
		return tstamp_mdy(p, end, t);
	}
	if (q >= end || *q != ' ' || (n = tstamp_hms(q + 1, end, t, 0)) == 0)
		return 0;
	q += 1 + n;
	if (q + 5 <= end && *q == ' ' &&
	    tstamp_digits(q + 1, end, 4, &t->year) &&
	    (q + 5 == end || !isalnum((unsigned char)q[5])))
		q += 5;
	return (size_t)(q - p);
}

/* Proxifier's "[10.30 16:49:06]": month.day inside brackets only. */
static size_t
gen_mmdd(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if (end - p < 7 || p[2] != '.' || p[5] != ' ' ||
	    !tstamp_digits(p, end, 2, &t->mon) ||
	    !tstamp_digits(p + 3, end, 2, &t->day) ||
	    (n = tstamp_hms(p + 6, end, t, 0)) == 0 || p + 6 + n >= end ||
	    p[6 + n] != ']')
		return 0;
	return 6 + n;
}

/* The audit subsystem's "1715083182.123:456" (inside "audit(...)"). */
static size_t
gen_audit(const char *p, const char *end, struct tstamp *t)
{
	size_t n;

	if (scan_digits(p, end) != 10 || !scan_prefix(p + 10, end, ".") ||
	    (n = tstamp_epoch(p, end, t)) == 0 || !scan_prefix(p + n, end, ":"))
		return 0;
	return n + 1 + scan_digits(p + n + 1, end);
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
	return scan_in_set(c, " \t[(|\"'=:<>,;");
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

	if (end - p < 4 || !scan_in_set(*p, "FEWID") || p[1] != ' ')
		return NULL;
	comp = p + 2;
	for (p = comp; p < end && (isupper((unsigned char)*p) || *p == '-');
	     p++)
		;
	comp_n = (size_t)(p - comp);
	if (comp_n == 0 || p >= end || *p != ' ' ||
	    (p = scan_bracket(scan_blank(p, end), end, &ctx, &ctx_n)) == NULL)
		return NULL;
	scan_field(r, "component", comp, comp_n);
	scan_field(r, "context", ctx, ctx_n);
	r->severity = scan_letter_sev(comp[-2]);
	record_set_program(r, "mongod", 6);
	return scan_blank(p, end);
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
	if ((q = gen_mongodb(r, scan_blank(p, end), end)) != NULL)
		return q;
	p = scan_blank(p, end);
	if (p < end && *p == '-' && p + 1 < end && p[1] == ' ')
		p++;
	while (p < end && (*p == ',' || *p == ':' || *p == '|'))
		p++;
	p = scan_level_take(scan_blank(p, end), end, &sev);
	r->severity = sev;
	if (sev != -1 && p < end && *p == '[' &&
	    (pid_n = scan_digits(p + 1, end)) > 0 &&
	    scan_prefix(p + 1 + pid_n, end, "]")) {
		pid = p + 1;
		scan_field(r, "pid", pid, pid_n);
		p = scan_blank(pid + pid_n + 1, end);
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
	size_t        n, pid_n = scan_digits(p, end);

	if (pid_n > 0 && pid_n <= 7 && p + pid_n < end && p[pid_n] == ' ' &&
	    scan_digits(p + pid_n + 1, end) == 10 &&
	    scan_prefix(p + pid_n + 11, end, "."))
		p += pid_n + 1;
	else
		pid_n = 0;
	memset(&t, 0, sizeof(t));
	n = scan_digits(p, end);
	if ((n != 10 || !scan_prefix(p + 10, end, ".")) && n != 13 && n != 16 &&
	    n != 19)
		return 0;
	if ((n = tstamp_epoch(p, end, &t)) == 0 || p + n >= end || p[n] != ' ')
		return 0;
	scan_field_opt(r, "pid", pid_n > 0 ? line : NULL, pid_n);
	return scan_done(r, &t, scan_blank(p + n, end), end);
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
	return scan_level(w, (size_t)(end - w));
}

/*
 * Where the text of a banner line starts ("========== Start of dump at
 * Thu Jun 2 00:01:01 UTC 2022 =========="): after a run of at least three
 * '=', '-', '*' or '#' and blanks; 0 for any other line.
 */
static size_t
gen_banner(const char *line, const char *end)
{
	const char *p = line;

	while (p < end && *p == *line && scan_in_set(*p, "=-*#"))
		p++;
	return p - line >= 3 ? (size_t)(scan_blank(p, end) - line) : 0;
}

/*
 * A line that opens with a time of day and no date ("00:00:00.000 foo
 * DEBUG msg"): a record of its own whose date is left out of tm (year,
 * month and day 0); the source gives it one from the lines around it or
 * the file's mtime. 1 if the line is one.
 */
static int
gen_clock_only(const char *line, const char *end, struct record *r)
{
	struct tstamp t;
	const char   *p;
	size_t        n;

	memset(&t, 0, sizeof(t));
	if ((n = tstamp_hms(line, end, &t, 0)) == 0 || line + n + 1 >= end ||
	    line[n] != ' ')
		return 0;
	p = gen_rest(r, line + n, end, 0);
	r->has_ts = 1;
	r->tm = t;
	r->msg = p;
	r->msg_len = (size_t)(end - p);
	return 1;
}

/* The catch-all: any line with a date and time near its start. */
static int
generic_parse(const char *line, size_t len, struct record *r)
{
	const char   *p, *end = line + len, *pre;
	struct tstamp t;
	size_t        n, i, indent, first, base;

	if (gen_epoch(line, end, r))
		return 1;
	base = gen_banner(line, end);
	/*
	 * An indented line is a continuation (a stack trace, a statement)
	 * unless its first word holds the stamp (" ts=2024-05-07T11:59:40Z").
	 */
	indent = (size_t)(scan_blank(line, end) - line);
	first = indent + scan_token(line + indent, end);
	for (i = indent; i <= base + GENERIC_SCAN_MAX && i < len; i++) {
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
			scan_field_opt(r, "prefix", line, (size_t)(pre - line));
			if (r->severity == -1)
				r->severity = prefix_level(line, pre);
		}
		return scan_done(r, &t, p, end);
	}
	return gen_clock_only(line, end, r);
}

const struct parser parser_generic = {"generic", generic_parse, NULL};
