/*
 * Unit tests for parser_syslog.c (rfc3164, rfc5424): the edge cases the
 * golden files do not show well. Every line is parsed from a heap copy of
 * its exact length, so ASan catches a read past the end; a sweep parses
 * every prefix of every line for the same reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser.h"
#include "record.h"
#include "tstamp.h"

static char  scratch[4096];
static char *copy;

/* Parses line with the named format into r; the parser's answer. */
static int
parse(const char *name, const char *line, struct record *r)
{
	const struct parser *p = parser_find(name);
	size_t               n = strlen(line);

	assert_non_null(p);
	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, line, n);
	memset(r, 0, sizeof(*r));
	r->scratch = scratch;
	r->scratch_cap = sizeof(scratch);
	record_reset(r, copy, n);
	return p->parse(copy, n, r);
}

/* Asserts that the record's message is exactly s. */
static void
assert_msg(const struct record *r, const char *s)
{
	assert_int_equal(r->msg_len, strlen(s));
	assert_memory_equal(r->msg, s, r->msg_len);
}

/* Asserts the written clock of a record without a zone or year. */
static void
assert_bsd(const struct record *r, int mon, int day, int h, int m, int s)
{
	assert_int_equal(r->has_ts, 1);
	assert_int_equal(r->tm.year, 0);
	assert_int_equal(r->tm.zone, TSTAMP_ZONE_NONE);
	assert_int_equal(r->tm.mon, mon);
	assert_int_equal(r->tm.day, day);
	assert_int_equal(r->tm.hour, h);
	assert_int_equal(r->tm.min, m);
	assert_int_equal(r->tm.sec, s);
}

/* The three ways a day is written: "15", " 5" and "5". */
static void
test_parser_syslog_day_forms(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(parse("rfc3164", "Mar 15 08:00:48 h p: m", &r), 1);
	assert_bsd(&r, 3, 15, 8, 0, 48);
	assert_int_equal(parse("rfc3164", "Mar  5 08:00:48 h p: m", &r), 1);
	assert_bsd(&r, 3, 5, 8, 0, 48);
	assert_int_equal(parse("rfc3164", "Nov 9 12:01:01 h p: m", &r), 1);
	assert_bsd(&r, 11, 9, 12, 1, 1);
	/* Read as written; parser_detect() flags what tstamp_problem says. */
	assert_int_equal(parse("rfc3164", "Feb 30 12:01:01 h p: m", &r), 1);
	assert_string_equal(tstamp_problem(&r.tm), "invalid date");
	assert_int_equal(parse("rfc3164", "Mar 15 24:00:00 h p: m", &r), 1);
	assert_string_equal(tstamp_problem(&r.tm), "invalid time");
	assert_int_equal(parse("rfc3164", "March 15 08:00:48 h p: m", &r), 0);
}

/* A year between day and clock is kept; a fraction is read. */
static void
test_parser_syslog_year_and_fraction(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("rfc3164", "Mar 15 2024 08:00:48 web1 app: x", &r), 1);
	assert_int_equal(r.tm.year, 2024);
	assert_string_equal(r.host, "web1");
	assert_int_equal(
	    parse("rfc3164", "Mar 15 08:00:48.123456 web1 app: x", &r), 1);
	assert_int_equal(r.tm.nsec, 123456000);
	assert_int_equal(r.tm.frac_digits, 6);
	assert_int_equal(r.tm.year, 0);
}

/* Tags: with and without pid, host-less lines, lines without a tag. */
static void
test_parser_syslog_tags(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("rfc3164", "Mar 15 08:00:48 web1 sudo:     ops : TTY=pts/0",
		&r),
	    1);
	assert_string_equal(r.program, "sudo");
	assert_msg(&r, "ops : TTY=pts/0");
	assert_int_equal(r.nfields, 0);

	assert_int_equal(
	    parse("rfc3164", "Mar 15 08:00:48 systemd[1]: Started x.", &r), 1);
	assert_string_equal(r.host, "");
	assert_string_equal(r.program, "systemd");
	assert_non_null(record_field(&r, "pid"));

	assert_int_equal(
	    parse("rfc3164",
		"Mar 15 08:00:48 web1 connection from 10.0.0.1:22 closed", &r),
	    1);
	assert_string_equal(r.host, "web1");
	assert_string_equal(r.program, "");
	assert_msg(&r, "connection from 10.0.0.1:22 closed");

	/* "http://" and "host:port" are not tags */
	assert_int_equal(
	    parse("rfc3164", "Mar 15 08:00:48 web1 http://x/ failed", &r), 1);
	assert_string_equal(r.program, "");

	/* a host is one word: "web1 CRON[1]:" is not a two-word tag */
	assert_int_equal(
	    parse("rfc3164", "Mar 15 08:00:48 web1 CRON[1]: x", &r), 1);
	assert_string_equal(r.host, "web1");
	assert_string_equal(r.program, "CRON");

	/* end of line right after the colon */
	assert_int_equal(parse("rfc3164", "Mar 15 08:00:48 web1 app:", &r), 1);
	assert_string_equal(r.program, "app");
	assert_msg(&r, "");
}

/* The kernel's uptime is stripped, other brackets are kept. */
static void
test_parser_syslog_kernel_uptime(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("rfc3164",
		"May 15 23:09:30 h kernel: [  518.050606] Out of memory", &r),
	    1);
	assert_msg(&r, "Out of memory");
	assert_int_equal(
	    parse("rfc3164", "May 15 23:09:30 h kernel: [1053069.000000]", &r),
	    1);
	assert_msg(&r, "");
	assert_int_equal(
	    parse("rfc3164", "May 15 23:09:30 h kernel: [drm] GPU hang", &r),
	    1);
	assert_msg(&r, "[drm] GPU hang");
	assert_int_equal(
	    parse("rfc3164", "May 15 23:09:30 h app: [  518.05] kept", &r), 1);
	assert_msg(&r, "[  518.05] kept");
}

/* PRI gives the severity; out-of-range PRIs are not PRIs. */
static void
test_parser_syslog_pri(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("rfc3164", "<191>Mar 15 08:00:48 h a: m", &r), 1);
	assert_int_equal(r.severity, 7);
	assert_int_equal(parse("rfc3164", "<0>Mar 15 08:00:48 h a: m", &r), 1);
	assert_int_equal(r.severity, 0);
	assert_int_equal(
	    parse("rfc3164", "<192>Mar 15 08:00:48 h a: m", &r), 0);
	assert_int_equal(parse("rfc3164", "<13Mar 15 08:00:48 h a: m", &r), 0);
	assert_int_equal(parse("rfc3164", "Mar 15 08:00:48 h a: m", &r), 1);
	assert_int_equal(r.severity, -1);
}

/* ISO stamps need the 'T' and a tag, so other formats stay out. */
static void
test_parser_syslog_iso_strict(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("rfc3164", "2024-03-15T08:00:48.5+01:00 web1 app[3]: x", &r),
	    1);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_OFFSET);
	assert_int_equal(r.tm.offset_s, 3600);
	assert_int_equal(
	    parse("rfc3164",
		"2024-01-01T15:00:00Z INFO session_start=x user=alice", &r),
	    0);
	assert_int_equal(
	    parse("rfc3164",
		"2024-05-07T10:58:13.877Z [INFO]  expiration: revoked", &r),
	    0);
	assert_int_equal(
	    parse("rfc3164",
		"2024-03-15T09:00:01.123+01:00  INFO 1 --- [main] c.e.App", &r),
	    0);
	assert_int_equal(
	    parse("rfc3164", "2024-03-15 08:00:48 web1 app[3]: x", &r), 0);
	assert_int_equal(
	    parse("rfc3164", "2024-03-15T08:00:48Z\tINFO\tapp.go:12\tmsg", &r),
	    0);
}

/* loghub Thunderbird: the epoch is the stamp, the node the host. */
static void
test_parser_syslog_thunderbird(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("rfc3164",
		"- 1131566461 2005.11.09 dn228 "
		"Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: closed",
		&r),
	    1);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_EPOCH);
	assert_true(r.tm.epoch_ns == INT64_C(1131566461) * TSTAMP_NS_PER_S);
	assert_string_equal(r.host, "dn228");
	assert_string_equal(r.program, "crond(pam_unix)");
	assert_msg(&r, "closed");
	/* BGL shares the prefix but not the embedded syslog stamp */
	assert_int_equal(
	    parse("rfc3164",
		"- 1117838570 2005.06.03 R02-M1 "
		"2005-06-03-15.42.50.675872 R02-M1 RAS KERNEL INFO x",
		&r),
	    0);
}

/* Host and program are truncated to fit, and NUL-terminated. */
static void
test_parser_syslog_truncation(void **state)
{
	char          line[512];
	struct record r;

	(void)state;
	snprintf(line, sizeof(line), "Mar 15 08:00:48 %0100d app: m", 7);
	assert_int_equal(parse("rfc3164", line, &r), 1);
	assert_int_equal(strlen(r.host), RECORD_HOST_MAX - 1);
	snprintf(line, sizeof(line),
	    "<1>1 2024-03-15T08:00:48Z h %0100d - - - "
	    "m",
	    7);
	assert_int_equal(parse("rfc5424", line, &r), 1);
	assert_int_equal(strlen(r.program), RECORD_PROG_MAX - 1);
}

/* RFC 5424: NILVALUEs, structured data, the BOM and severity. */
static void
test_parser_syslog_rfc5424(void **state)
{
	const struct record_field *f;
	struct record              r;

	(void)state;
	assert_int_equal(
	    parse("rfc5424",
		"<165>1 2003-10-11T22:14:15.003Z "
		"mymachine evntslog - ID47 [ex@32473 iut=\"3\" a=\"x\\\"y\\]\"]"
		"[b c=\"\"] \xef\xbb\xbf"
		"An application event",
		&r),
	    1);
	assert_int_equal(r.severity, 5);
	assert_string_equal(r.host, "mymachine");
	assert_string_equal(r.program, "evntslog");
	assert_null(record_field(&r, "pid"));
	assert_non_null(f = record_field(&r, "a"));
	assert_int_equal(f->val_len, 4);
	assert_memory_equal(f->val, "x\"y]", 4);
	assert_non_null(f = record_field(&r, "c"));
	assert_int_equal(f->val_len, 0);
	assert_msg(&r, "An application event");

	assert_int_equal(parse("rfc5424", "<14>1 - - - - - -", &r), 1);
	assert_int_equal(r.has_ts, 0);
	assert_string_equal(r.host, "");
	assert_msg(&r, "");

	/* without <PRI> a NIL stamp proves nothing */
	assert_int_equal(parse("rfc5424", "1 - - - - - -", &r), 0);
	/* with <PRI> but no VERSION it is 3164 */
	assert_int_equal(parse("rfc5424", "<13>Mar 15 08:00:48 h a: m", &r), 0);
}

/* Without <PRI> and VERSION the shape must be 5424's, not 3164's. */
static void
test_parser_syslog_rfc5424_bare(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(parse("rfc5424",
			     "2022-08-27T17:22:01.694554+03:00 "
			     "h.example CRON 20856 - -  (root) CMD (x)",
			     &r),
	    1);
	assert_string_equal(r.program, "CRON");
	assert_msg(&r, "(root) CMD (x)");
	assert_int_equal(parse("rfc5424",
			     "2018-08-14T14:30:02.203151+02:00 "
			     "linux-sqrz systemd[4179]: Stopped target - - x",
			     &r),
	    0);
	assert_int_equal(
	    parse("rfc5424",
		"2024-04-04T20:30:55.424+02:00 "
		"source=k8s 2024-04-04 18:30:54,422 [myid:] - INFO x",
		&r),
	    0);
	/* a broken SD is only forgiven when PRI and VERSION vouch */
	assert_int_equal(parse("rfc5424",
			     "2024-04-04T20:30:55Z h a 1 - [x y] "
			     "m",
			     &r),
	    0);
	assert_int_equal(parse("rfc5424",
			     "<34>1 2024-04-04T20:30:55Z h a 1 - "
			     "[x y] m",
			     &r),
	    1);
	assert_msg(&r, "[x y] m");
	assert_int_equal(r.nfields, 1);
}

/* Every prefix of every line parses without reading past its end. */
static void
test_parser_syslog_prefixes(void **state)
{
	static const char *const lines[] = {
	    "<134>Mar 15 2024 08:00:48.5 web1 python3[123]: ansible-x",
	    "Jul  2 16:55:53 h com.apple.xpc.launchd[1] (com.apple.x.1): P",
	    "Jul  3 17:10:11 h BezelServices 255.10[94]: ASSERTION",
	    "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 d/d c[2915]: s",
	    "May 15 23:09:30 h kernel: [  518.050606] Out of memory",
	    "2024-03-15T08:00:48.123456+01:00 web1 prog[1]: msg",
	    "<165>1 2003-10-11T22:14:15.003Z m e - I [a@1 i=\"\\\"3\"] x",
	    "<191>Jan 24 11:28:30.407: %LINEPROTO-5-UPDOWN: Line",
	};
	static const char *const names[] = {"rfc3164", "rfc5424"};
	struct record            r;
	char                     buf[128];
	size_t                   i, j, k, n;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = strlen(lines[i]);
		for (j = 0; j <= n; j++) {
			memcpy(buf, lines[i], j);
			buf[j] = '\0';
			for (k = 0; k < 2; k++) {
				if (parse(names[k], buf, &r) == 0)
					continue;
				assert_true(r.msg_len <= j);
				assert_true(
				    r.severity >= -1 && r.severity <= 7);
			}
		}
	}
}

/* Frees the last line copy. */
static int
teardown(void **state)
{
	(void)state;
	free(copy);
	copy = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parser_syslog_day_forms),
	    cmocka_unit_test(test_parser_syslog_year_and_fraction),
	    cmocka_unit_test(test_parser_syslog_tags),
	    cmocka_unit_test(test_parser_syslog_kernel_uptime),
	    cmocka_unit_test(test_parser_syslog_pri),
	    cmocka_unit_test(test_parser_syslog_iso_strict),
	    cmocka_unit_test(test_parser_syslog_thunderbird),
	    cmocka_unit_test(test_parser_syslog_truncation),
	    cmocka_unit_test(test_parser_syslog_rfc5424),
	    cmocka_unit_test(test_parser_syslog_rfc5424_bare),
	    cmocka_unit_test(test_parser_syslog_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
