/*
 * parser_errlog: web servers' error logs, nginx ("2024/11/20 07:00:47
 * [warn] 12096#12096: msg") and Apache httpd ("[ctime] [module:level]
 * [pid 1:tid 2] msg"). Each parse function is pure, reads only
 * [line, line + len) and records the time as written.
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
	    !scan_prefix(p + n, end, " ["))
		return 0;
	lvl = p + n + 2;
	for (p = lvl; p < end && isalpha((unsigned char)*p); p++)
		;
	lvl_n = (size_t)(p - lvl);
	if (!scan_prefix(p, end, "] ") || (sev = scan_level(lvl, lvl_n)) == -1)
		return 0;
	pid = p + 2;
	if ((pid_n = scan_digits(pid, end)) == 0 || pid + pid_n >= end ||
	    pid[pid_n] != '#')
		return 0;
	tid = pid + pid_n + 1;
	if ((tid_n = scan_digits(tid, end)) == 0 ||
	    !scan_prefix(tid + tid_n, end, ": "))
		return 0;
	p = tid + tid_n + 2;
	scan_field(r, "level", lvl, lvl_n);
	scan_field(r, "pid", pid, pid_n);
	scan_field(r, "tid", tid, tid_n);
	if (p < end && *p == '*' && (cid_n = scan_digits(p + 1, end)) > 0) {
		cid = p + 1;
		scan_field(r, "connection", cid, cid_n);
		p = scan_blank(cid + cid_n, end);
	}
	record_set_program(r, "nginx", 5);
	r->severity = sev;
	return scan_done(r, &t, p, end);
}

const struct parser parser_nginx_error = {
    "nginx_error", nginx_error_parse, NULL};

/*
 * Apache httpd error log: "[Sun Dec 04 04:47:44 2005] [notice] msg" and
 * 2.4's "[... 10:42:29.902022 2011] [core:error] [pid 1:tid 2] [client
 * 1.2.3.4] msg".
 */

/* Adds the fields of one "[pid 1:tid 2]" or "[client a]" group; 0 if none. */
static int
apache_group(struct record *r, const char *s, const char *e)
{
	const char *colon;

	if (scan_prefix(s, e, "pid ")) {
		s += 4;
		if ((colon = scan_char(s, e, ':')) == NULL)
			colon = e;
		scan_field(r, "pid", s, (size_t)(colon - s));
		if (scan_prefix(colon, e, ":tid "))
			scan_field(
			    r, "tid", colon + 5, (size_t)(e - colon - 5));
		return 1;
	}
	if (scan_prefix(s, e, "client ")) {
		scan_field(r, "client", s + 7, (size_t)(e - s - 7));
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
	if (p >= end || *p != '[' || (n = scan_ctime(p + 1, end, &t)) == 0 ||
	    !scan_prefix(p + 1 + n, end, "] ["))
		return 0;
	lvl = p + n + 4;
	if ((close = scan_char(lvl, end, ']')) == NULL)
		return 0;
	mod = lvl;
	if ((colon = scan_char(lvl, close, ':')) != NULL)
		lvl = colon + 1;
	lvl_n = (size_t)(close - lvl);
	if ((sev = scan_level(lvl, lvl_n)) == -1)
		return 0;
	if (colon != NULL)
		scan_field_opt(r, "module", mod, (size_t)(colon - mod));
	scan_field(r, "level", lvl, lvl_n);
	p = scan_blank(close + 1, end);
	while (p < end && *p == '[' &&
	    (close = scan_char(p, end, ']')) != NULL &&
	    apache_group(r, p + 1, close))
		p = scan_blank(close + 1, end);
	record_set_program(r, "apache", 6);
	r->severity = sev;
	return scan_done(r, &t, p, end);
}

const struct parser parser_apache_error = {
    "apache_error", apache_error_parse, NULL};
