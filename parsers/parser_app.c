/*
 * parser_app: application and platform logs with a fixed text header:
 * Python logging (and Django), Go's log package, klog/glog, HDFS,
 * Android logcat and Monit. Each parse function is pure, reads only
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
	    (n = tstamp_dmony(p + 1, end, '/', &t)) == 0 ||
	    !scan_prefix(p + 1 + n, end, "] "))
		return 0;
	p = scan_level_take(p + 3 + n, end, &sev);
	r->severity = sev;
	return scan_done(r, &t, p, end);
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
	if (scan_prefix(p, end, " - ")) {
		lvl = p + 3;
		lvl_n = scan_token(lvl, end);
		if (scan_level(lvl, lvl_n) == -1) {
			name = lvl;
			name_n = lvl_n;
			if (!scan_prefix(name + name_n, end, " - "))
				return 0;
			lvl = name + name_n + 3;
			lvl_n = scan_token(lvl, end);
		}
		if ((sev = scan_level(lvl, lvl_n)) == -1 ||
		    !scan_prefix(lvl + lvl_n, end, " - "))
			return 0;
		p = lvl + lvl_n + 3;
	} else if (p < end && *p == ':') {
		lvl = p + 1;
		for (p = lvl; p < end && isalpha((unsigned char)*p); p++)
			;
		lvl_n = (size_t)(p - lvl);
		if (p >= end || *p != ':' ||
		    (sev = scan_level(lvl, lvl_n)) == -1)
			return 0;
		p++;
	} else
		return 0;
	scan_field(r, "level", lvl, lvl_n);
	scan_field_opt(r, "logger", name, name_n);
	r->severity = sev;
	return scan_done(r, &t, p, end);
}

const struct parser parser_python = {"python", python_parse, NULL};

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
	if (parser_nginx_error.parse(line, len, &probe))
		return 0;
	memset(&t, 0, sizeof(t));
	if (end - p < 20 || p[4] != '/' || p[10] != ' ' ||
	    (n = tstamp_iso(p, end, &t)) == 0 || t.zone != TSTAMP_ZONE_NONE ||
	    scan_iso_comma(p, n) || n < 19 || p + n >= end || p[n] != ' ')
		return 0;
	p = scan_level_take(p + n + 1, end, &sev);
	r->severity = sev;
	return scan_done(r, &t, p, end);
}

const struct parser parser_golog = {"golog", golog_parse, NULL};

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
	if (p >= end || !scan_in_set(*p, "IWEF"))
		return 0;
	n = scan_digits(p + 1, end);
	if (n == 8 && tstamp_digits(p + 1, end, 4, &t.year))
		p += 4;
	else if (n != 4)
		return 0;
	if (!tstamp_digits(p + 1, end, 2, &t.mon) ||
	    !tstamp_digits(p + 3, end, 2, &t.day) || p + 5 >= end ||
	    p[5] != ' ' || (n = tstamp_hms(p + 6, end, &t, 0)) == 0)
		return 0;
	thr = scan_blank(p + 6 + n, end);
	if ((thr_n = scan_digits(thr, end)) == 0 || thr + thr_n >= end ||
	    thr[thr_n] != ' ')
		return 0;
	file = thr + thr_n + 1;
	if ((close = scan_char(file, end, ']')) == NULL ||
	    close - file > SCAN_TOKEN_MAX ||
	    (colon = scan_char(file, close, ':')) == NULL ||
	    scan_digits(colon + 1, close) != (size_t)(close - colon - 1) ||
	    scan_char(file, colon, ' ') != NULL)
		return 0;
	scan_field(r, "thread", thr, thr_n);
	scan_field(r, "file", file, (size_t)(colon - file));
	scan_field(r, "line", colon + 1, (size_t)(close - colon - 1));
	r->severity = scan_letter_sev(*line);
	p = close + 1;
	if (p < end && *p == ' ')
		p++;
	return scan_done(r, &t, p, end);
}

const struct parser parser_klog = {"klog", klog_parse, NULL};

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
	    !tstamp_year2(p, end, &t.year) ||
	    !tstamp_digits(p + 2, end, 2, &t.mon) ||
	    !tstamp_digits(p + 4, end, 2, &t.day) ||
	    !tstamp_digits(p + 7, end, 2, &t.hour) ||
	    !tstamp_digits(p + 9, end, 2, &t.min) ||
	    !tstamp_digits(p + 11, end, 2, &t.sec))
		return 0;
	pid = p + 14;
	if ((pid_n = scan_digits(pid, end)) == 0 || pid + pid_n >= end ||
	    pid[pid_n] != ' ')
		return 0;
	lvl = pid + pid_n + 1;
	lvl_n = scan_token(lvl, end);
	if ((sev = scan_level(lvl, lvl_n)) == -1 || lvl + lvl_n >= end)
		return 0;
	logger = lvl + lvl_n + 1;
	logger_n = scan_token(logger, end);
	if (logger_n < 2 || logger[logger_n - 1] != ':')
		return 0;
	scan_field(r, "pid", pid, pid_n);
	scan_field(r, "level", lvl, lvl_n);
	scan_field(r, "logger", logger, logger_n - 1);
	r->severity = sev;
	return scan_done(r, &t, scan_blank(logger + logger_n, end), end);
}

const struct parser parser_hdfs = {"hdfs", hdfs_parse, NULL};

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

	pid = scan_blank(p, end);
	if (pid == p || (pid_n = scan_digits(pid, end)) == 0)
		return NULL;
	tid = scan_blank(pid + pid_n, end);
	if (tid == pid + pid_n || (tid_n = scan_digits(tid, end)) == 0 ||
	    tid + tid_n + 3 >= end || tid[tid_n] != ' ' ||
	    !scan_in_set(tid[tid_n + 1], "VDIWEFAS") || tid[tid_n + 2] != ' ')
		return NULL;
	tag = tid + tid_n + 3;
	for (colon = tag; colon < end && *colon != ':'; colon++)
		;
	if (colon >= end || colon - tag > SCAN_TOKEN_MAX)
		return NULL;
	for (p = colon; p > tag && p[-1] == ' '; p--)
		;
	scan_field(r, "pid", pid, pid_n);
	scan_field(r, "tid", tid, tid_n);
	record_set_program(r, tag, (size_t)(p - tag));
	r->severity = scan_letter_sev(tid[tid_n + 1]);
	return colon + 1 < end && colon[1] == ' ' ? colon + 2 : colon + 1;
}

/* Reads "L/Tag( pid): " (-v time) at p; the message or NULL. */
static const char *
logcat_time(struct record *r, const char *p, const char *end)
{
	const char *tag, *open, *pid, *e;
	size_t      pid_n;

	if (end - p < 4 || p[0] != ' ' || !scan_in_set(p[1], "VDIWEFAS") ||
	    p[2] != '/')
		return NULL;
	tag = p + 3;
	if ((open = scan_char(tag, end, '(')) == NULL ||
	    open - tag > SCAN_TOKEN_MAX)
		return NULL;
	pid = scan_blank(open + 1, end);
	if ((pid_n = scan_digits(pid, end)) == 0 ||
	    !scan_prefix(pid + pid_n, end, "):"))
		return NULL;
	for (e = open; e > tag && e[-1] == ' '; e--)
		;
	scan_field(r, "pid", pid, pid_n);
	record_set_program(r, tag, (size_t)(e - tag));
	r->severity = scan_letter_sev(p[1]);
	return scan_blank(pid + pid_n + 2, end);
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
	    (n = tstamp_hms(p + 6, end, &t, 0)) == 0 || t.frac_digits == 0)
		return 0;
	p += 6 + n;
	if ((msg = logcat_threadtime(r, p, end)) == NULL &&
	    (msg = logcat_time(r, p, end)) == NULL)
		return 0;
	return scan_done(r, &t, msg, end);
}

const struct parser parser_logcat = {"logcat", logcat_parse, NULL};

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
	if (p >= end || *p != ' ' || (n = tstamp_hms(p + 1, end, &t, 0)) == 0 ||
	    p + 1 + n >= end || p[1 + n] != ']')
		return 0;
	memcpy(t.abbr, z, zlen);
	t.zone = t.abbr[0] ? TSTAMP_ZONE_ABBR : TSTAMP_ZONE_NONE;
	p = scan_blank(p + 2 + n, end);
	p = scan_level_take(p, end, &sev);
	p = scan_blank(p, end);
	if (p < end && *p == ':')
		p = scan_blank(p + 1, end);
	r->severity = sev;
	record_set_program(r, "monit", 5);
	return scan_done(r, &t, p, end);
}

const struct parser parser_monit = {"monit", monit_parse, NULL};

/*
 * TAI64N: "@4000000043322583 3b6e1a8c tcpserver: status: 5/30" (multilog,
 * svlogd -tt, s6-log); the label is the time, the rest the message.
 */
static int
tai64n_parse(const char *line, size_t len, struct record *r)
{
	const char   *end = line + len;
	struct tstamp t;

	memset(&t, 0, sizeof(t));
	if (tstamp_tai64n(line, end, &t) == 0 ||
	    (line + 25 < end && line[25] != ' '))
		return 0;
	return scan_done(r, &t, scan_blank(line + 25, end), end);
}

const struct parser parser_tai64n = {"tai64n", tai64n_parse, NULL};

/*
 * apt's history.log: "Start-Date: 2025-06-24  14:36:25" opens a
 * transaction, its Commandline, Install, Upgrade and Remove lines follow
 * (continuations of it), "End-Date: ..." closes it.
 */
static int
apt_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = line + len;
	struct tstamp t;
	size_t        n;

	if (scan_prefix(p, end, "Start-Date: "))
		p += 12;
	else if (scan_prefix(p, end, "End-Date: "))
		p += 10;
	else
		return 0;
	memset(&t, 0, sizeof(t));
	if (tstamp_ymd(p, end, '-', &t) == 0 || p + 10 >= end || p[10] != ' ')
		return 0;
	p = scan_blank(p + 10, end);
	if ((n = tstamp_hms(p, end, &t, 0)) == 0)
		return 0;
	record_set_program(r, "apt", 3);
	return scan_done(r, &t, line, end);
}

const struct parser parser_apt = {"apt", apt_parse, NULL};

/*
 * Shell history with times: "#+1162490366" (tcsh) or "#1710493200" (bash
 * with HISTTIMEFORMAT) on a line of its own; the command on the next line
 * is its continuation.
 */
static int
history_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line + 1, *end = scan_end(line, len);
	struct tstamp t;

	if (len < 11 || *line != '#')
		return 0;
	if (*p == '+')
		p++;
	memset(&t, 0, sizeof(t));
	if (end - p != 10 || scan_digits(p, end) != 10 ||
	    tstamp_epoch(p, end, &t) != 10)
		return 0;
	record_set_program(r, "history", 7);
	return scan_done(r, &t, end, end);
}

const struct parser parser_history = {"history", history_parse, NULL};

/*
 * strace with -t/-tt/-T: "08:09:33.814936 execve("/bin/ls", ...) = 0
 * <0.000264>", after a pid with -f ("478760 12:21:46.284771 brk(NULL)")
 * or "[pid  1234] ". The stamp is a time of day without a date (year,
 * month and day 0 in tm): the source dates it from the file's mtime
 * (-ttt epochs are read by the generic reader).
 */
static int
strace_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line, *end = scan_end(line, len), *call, *pid = NULL;
	struct tstamp t;
	size_t        n, pid_n = 0;

	if (scan_prefix(p, end, "[pid ")) {
		pid = scan_blank(p + 5, end);
		if ((pid_n = scan_digits(pid, end)) == 0 ||
		    !scan_prefix(pid + pid_n, end, "] "))
			return 0;
		p = pid + pid_n + 2;
	} else if ((n = scan_digits(p, end)) > 0 && n <= 7 && p + n < end &&
	    p[n] == ' ' && scan_digits(p + n + 1, end) == 2) {
		pid = p;
		pid_n = n;
		p += n + 1;
	}
	memset(&t, 0, sizeof(t));
	if ((n = tstamp_hms(p, end, &t, 0)) == 0 || p + n >= end || p[n] != ' ')
		return 0;
	call = p + n + 1;
	for (p = call; p < end && (isalnum((unsigned char)*p) || *p == '_');
	     p++)
		;
	if (!(p > call && p < end && *p == '(') &&
	    !scan_prefix(call, end, "+++ ") &&
	    !scan_prefix(call, end, "--- ") && !scan_prefix(call, end, "<... "))
		return 0;
	scan_field_opt(r, "pid", pid, pid_n);
	if (p > call && p < end && *p == '(')
		scan_field(r, "syscall", call, (size_t)(p - call));
	record_set_program(r, "strace", 6);
	r->has_ts = 1;
	r->tm = t;
	r->msg = call;
	r->msg_len = (size_t)(end - call);
	return 1;
}

const struct parser parser_strace = {"strace", strace_parse, NULL};

/*
 * Eclipse TCF (Target Communication Framework) channel traces: "TCF
 * 30:04.735: channel server connected". The stamp is minutes and seconds
 * alone (hour -1, no date in tm): the source completes it from the lines
 * around it or the file's mtime.
 */
static int
tcf_parse(const char *line, size_t len, struct record *r)
{
	const char   *p = line + 4, *end = scan_end(line, len);
	struct tstamp t;
	size_t        n;

	if (len < 11 || memcmp(line, "TCF ", 4) != 0)
		return 0;
	memset(&t, 0, sizeof(t));
	t.hour = -1;
	if (!tstamp_digits(p, end, 2, &t.min) || p[2] != ':' ||
	    !tstamp_digits(p + 3, end, 2, &t.sec))
		return 0;
	p += 5;
	if ((n = tstamp_frac(p, end, &t)) == 0 || p + n >= end || p[n] != ':')
		return 0;
	record_set_program(r, "tcf", 3);
	return scan_done(r, &t, scan_blank(p + n + 1, end), end);
}

const struct parser parser_tcf = {"tcf", tcf_parse, NULL};
