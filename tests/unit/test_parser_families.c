/*
 * Unit tests for the text-header parsers (parser_db, parser_java,
 * parser_errlog, parser_app, parser_generic): the edge cases golden files
 * show badly.
 * Every sample is also cut at every length into a buffer of exactly that
 * size, so that a read past line + len is caught by ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parser.h"
#include "record.h"
#include "tstamp.h"
#include "tz.h"

/* One line per format, with the awkward variants. */
static const char *const samples[] = {
    "2024-03-15 08:00:16.467 WAT [2322] LOG:  checkpoint complete",
    "2021-01-01 10:00:00.123 +07 [1] FATAL:  sorry, too many clients",
    "2024-03-15 09:00:01 UTC:10.0.0.5(4123):admin@shop:[8812]:ERROR:  x",
    "2024-06-07 10:32:02 UTC [66057]: user=a,db=b,app=,line=1 LOG:  x",
    "2024-03-15T09:00:01.123456Z 12 [Warning] [MY-010055] [Server] msg",
    "2024-03-15  9:00:01 0 [Note] mariadbd: ready for connections.",
    "240315 09:00:01 [ERROR] Can't start server",
    "2019-04-17 13:11:03.124 UTC [25292] LOG C-0x5617961d8600: x",
    "2023-11-07 12:30:01.103  INFO 1 --- [nio-8080-exec-3] c.e.Ctl : m",
    "2023-11-07T12:30:01.103+01:00  INFO 1 --- [app] [ main] c.e.C : m",
    "2015-07-29 17:41:44,747 - INFO  [Peer[myid=1]/0:2181:F@774] - m",
    "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 "
    "INFO nova.osapi [req-1] m",
    "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls",
    "31-Jul-2020 16:40:38.505 INFO [main] org.apache.Cat.start m",
    "[2024-05-07 10:55:53,434] INFO [Controller id=1] m (kafka.Ctl)",
    "2024-03-15 09:00:01,123 - app.db - ERROR - m",
    "[15/Mar/2024 09:00:04] ERROR Internal Server Error: /api/play",
    "2024/11/20 07:00:47 [warn] 12096#12096: *233223 upstream buffered",
    "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 1:tid 2] "
    "[client 1.2.3.4] m",
    "E0315 10:00:05.123456   12345 file.go:123] Failed",
    "1:M 14 Nov 2023 07:01:22.119 * Ready to accept connections",
    "[4018] 14 Nov 07:01:22 - DB saved on disk",
    "5092:signal-handler (1710493200) Received SIGTERM",
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: m",
    "03-17 16:13:38.811  1702  2395 D WindowManager: m",
    "03-17 16:13:40.250 I/chatty  ( 1702): uid=1000",
    "2024/03/15 09:00:01.123456 [ERROR] dial tcp",
    "2024-05-07T10:58:13.877Z [INFO]  expiration: revoked lease",
    "20171224-0:0:0:7|Step_LSC|30002312|theDayChanged",
    "[10.30 16:49:06] chrome.exe - proxy:5070 open",
    "Sat Mar  2 09:00:01 CET 2024 nightly sync started",
    "Fri, 15 Mar 2024 09:00:01 +0100 mail",
    "Mar 15, 2024 9:00:01 PM org.apache.catalina.startup.Catalina start",
    "upgrade.go:164: 2024-09-23 18:39:57.119827386 +0200 CEST m=+0.2 "
    "[debug] x",
    "10001 1697048351.000541 brk(NULL) = 0x55b1f2e94000",
    "audit: type=1400 audit(1715083182.123:456): apparmor=\"DENIED\"",
    "2018-02-05T13:44:56.657+0100 I CONTROL  [initandlisten] starting",
};

/* 1 if the format is one of this module's. */
static int
is_ours(const char *name)
{
	static const char *const ours[] = {
	    "postgres",
	    "mysql",
	    "pgbouncer",
	    "spring",
	    "log4j",
	    "kafka",
	    "python",
	    "nginx_error",
	    "apache_error",
	    "klog",
	    "redis",
	    "hdfs",
	    "logcat",
	    "golog",
	    "generic",
	};
	size_t i;

	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcmp(name, ours[i]) == 0)
			return 1;
	return 0;
}

/* Parses the first n bytes of s with format name into r; returns 0 or 1. */
static int
parse_n(const char *name, const char *s, size_t n, struct record *r)
{
	const struct parser *p = parser_find(name);
	char                *copy;
	int                  ok;

	assert_non_null(p);
	copy = malloc(n > 0 ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	memset(r, 0, sizeof(*r));
	record_reset(r, copy, n);
	ok = p->parse(copy, n, r);
	free(copy);
	return ok;
}

/* Parses a whole string; the record's pointers stay valid (s is static). */
static int
parse(const char *name, const char *s, struct record *r)
{
	const struct parser *p = parser_find(name);

	assert_non_null(p);
	memset(r, 0, sizeof(*r));
	record_reset(r, s, strlen(s));
	return p->parse(s, strlen(s), r);
}

/* 1 if r has field k equal to v. */
static int
has_field(const struct record *r, const char *k, const char *v)
{
	const struct record_field *f = record_field(r, k);

	return f != NULL && f->val_len == strlen(v) &&
	    memcmp(f->val, v, f->val_len) == 0;
}

/* 1 if the message of r is exactly s. */
static int
msg_is(const struct record *r, const char *s)
{
	return r->msg_len == strlen(s) && memcmp(r->msg, s, r->msg_len) == 0;
}

/* Every prefix of every sample, in an exact-size buffer, with every format. */
static void
test_parser_families_never_reads_past_len(void **state)
{
	const struct parser *const *all = parser_all();
	struct record               r;
	size_t                      i, n, len;
	int                         k;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		len = strlen(samples[i]);
		for (n = 0; n <= len; n++) {
			for (k = 0; all[k] != NULL; k++) {
				if (parse_n(all[k]->name, samples[i], n, &r) ||
				    !is_ours(all[k]->name))
					continue;
				/* A refusal leaves the record as it was. */
				assert_false(r.has_ts);
				assert_int_equal(r.nfields, 0);
				assert_int_equal(r.program[0], '\0');
			}
		}
	}
}

/* Each sample is recognised by detection and gets a valid stamp. */
static void
test_parser_families_samples_are_detected(void **state)
{
	struct parser_state st;
	struct record       r;
	size_t              i;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		memset(&st, 0, sizeof(st));
		record_reset(&r, samples[i], strlen(samples[i]));
		assert_non_null(parser_detect(&st, &r));
		assert_true(r.has_ts);
		assert_true(tstamp_valid(&r.tm));
	}
}

/* PostgreSQL keeps the zone as written: abbreviation, "+07", RDS prefix. */
static void
test_parser_families_postgres_zones_as_written(void **state)
{
	struct record r;

	(void)state;
	assert_true(parse("postgres", samples[0], &r));
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_ABBR);
	assert_string_equal(r.tm.abbr, "WAT");
	assert_int_equal(r.tm.nsec, 467000000);
	assert_int_equal(r.tm.frac_digits, 3);
	assert_true(msg_is(&r, "LOG:  checkpoint complete"));
	assert_int_equal(r.severity, 6);
	assert_string_equal(r.program, "postgres");
	assert_true(has_field(&r, "pid", "2322"));

	assert_true(parse("postgres", samples[1], &r));
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_OFFSET);
	assert_int_equal(r.tm.offset_s, 7 * 3600);
	assert_int_equal(r.severity, 2);

	assert_true(parse("postgres", samples[2], &r));
	assert_int_equal(r.tm.offset_s, 0);
	assert_true(has_field(&r, "user", "admin"));
	assert_true(has_field(&r, "db", "shop"));
	assert_true(has_field(&r, "pid", "8812"));
	assert_int_equal(r.severity, 3);

	assert_true(parse("postgres", samples[3], &r));
	assert_true(has_field(&r, "user", "a"));
	assert_null(record_field(&r, "app")); /* empty: left out */
}

/* PostgreSQL refuses PgBouncer, zone-less and comma-fraction lines. */
static void
test_parser_families_postgres_is_strict(void **state)
{
	struct record r;

	(void)state;
	/* PgBouncer's "LOG " has no colon; a zone-less stamp is not %m. */
	assert_false(parse("postgres", samples[7], &r));
	assert_false(parse(
	    "postgres", "2024-03-15 09:00:01.123 [12] LOG:  no zone", &r));
	assert_false(parse(
	    "postgres", "2024-03-15 09:00:01,123 UTC [12] LOG:  comma", &r));
	/* A level word is not a zone abbreviation. */
	assert_false(
	    parse("postgres", "2024-03-15 09:00:01.123 INFO [12] LOG:  x", &r));
	/* The severity must come within the prefix, not deep in the text. */
	assert_false(parse("postgres",
	    "2024-03-15 09:00:01 UTC some words then ERROR:  x", &r));
	/* DETAIL and friends have no severity of their own. */
	assert_true(parse("postgres",
	    "2024-03-15 09:00:01 UTC [9] DETAIL:  Key exists.", &r));
	assert_int_equal(r.severity, -1);
	assert_true(
	    parse("postgres", "2024-03-15 09:00:01 UTC [9] DEBUG3:  x", &r));
	assert_int_equal(r.severity, 7);
}

/* MySQL 8, MariaDB's unpadded hour and the old yyMMdd stamps. */
static void
test_parser_families_mysql_variants(void **state)
{
	struct record r;

	(void)state;
	assert_true(parse("mysql", samples[4], &r));
	assert_int_equal(r.tm.frac_digits, 6);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_OFFSET);
	assert_true(has_field(&r, "errcode", "MY-010055"));
	assert_true(has_field(&r, "subsystem", "Server"));
	assert_true(msg_is(&r, "msg"));
	assert_int_equal(r.severity, 4);

	assert_true(parse("mysql", samples[5], &r));
	assert_int_equal(r.tm.hour, 9);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_NONE);

	assert_true(parse("mysql", samples[6], &r));
	assert_int_equal(r.tm.year, 2024);
	assert_int_equal(r.tm.mon, 3);
	assert_int_equal(r.tm.day, 15);
	assert_int_equal(r.severity, 3);

	/* Not yyMMdd: month 13. HDFS's HHmmss has no colons. */
	assert_false(parse("mysql", "241315 09:00:01 [ERROR] x", &r));
	assert_false(parse("mysql", samples[23], &r));
}

/* PgBouncer does not claim OpenStack's "pid LEVEL logger" lines. */
static void
test_parser_families_pgbouncer_leaves_openstack(void **state)
{
	struct record r;

	(void)state;
	assert_true(parse("pgbouncer", samples[7], &r));
	assert_true(has_field(&r, "pid", "25292"));
	assert_false(parse("pgbouncer",
	    "2017-05-16 00:00:04.500 2931 ERROR "
	    "nova.compute.manager [req-3] Instance failed",
	    &r));
	assert_false(
	    parse("pgbouncer", "2019-04-17 13:11:03.124 [25292 LOG x", &r));
}

/* Spring Boot 2 and 3 headers give pid, app, thread and logger. */
static void
test_parser_families_spring_fields(void **state)
{
	struct record r;

	(void)state;
	assert_true(parse("spring", samples[8], &r));
	assert_true(has_field(&r, "thread", "nio-8080-exec-3"));
	assert_true(has_field(&r, "logger", "c.e.Ctl"));
	assert_true(has_field(&r, "pid", "1"));
	assert_true(msg_is(&r, "m"));

	assert_true(parse("spring", samples[9], &r));
	assert_true(has_field(&r, "app", "app"));
	assert_true(has_field(&r, "thread", "main"));
	assert_int_equal(r.tm.offset_s, 3600);
}

/* log4j leaves "[ts] LEVEL" to Kafka and reads its other layouts. */
static void
test_parser_families_log4j_leaves_kafka(void **state)
{
	struct record r;

	(void)state;
	assert_false(parse("log4j", samples[14], &r));
	assert_true(parse("kafka", samples[14], &r));
	assert_true(has_field(&r, "logger", "kafka.Ctl"));
	assert_true(msg_is(&r, "[Controller id=1] m"));
	assert_string_equal(r.program, "kafka");

	assert_true(parse("log4j", samples[10], &r));
	assert_true(has_field(&r, "thread", "Peer[myid=1]/0:2181:F@774"));
	assert_true(msg_is(&r, "m"));

	assert_true(parse("log4j", samples[11], &r));
	assert_string_equal(r.program, "nova-api");
	assert_true(has_field(&r, "pid", "25746"));
	assert_true(msg_is(&r, "[req-1] m"));

	assert_true(parse("log4j", samples[12], &r));
	assert_int_equal(r.tm.year, 2017);

	/* No logger separator and no thread: not log4j. */
	assert_false(
	    parse("log4j", "2016-06-30 12:00:05 info infomessage", &r));
}

/* Python's stamp-less default format is not claimed. */
static void
test_parser_families_python_needs_a_stamp(void **state)
{
	struct record r;

	(void)state;
	assert_false(parse("python", "ERROR:root:msg", &r));
	assert_true(parse("python", samples[15], &r));
	assert_true(has_field(&r, "logger", "app.db"));
	assert_int_equal(r.severity, 3);
	assert_true(parse("python", samples[16], &r));
	assert_int_equal(r.tm.mon, 3);
	assert_true(msg_is(&r, "Internal Server Error: /api/play"));
}

/* nginx needs "[level] pid#tid:"; Go's log takes the rest. */
static void
test_parser_families_nginx_before_golog(void **state)
{
	struct record r;

	(void)state;
	assert_true(parse("nginx_error", samples[17], &r));
	assert_true(has_field(&r, "connection", "233223"));
	assert_true(msg_is(&r, "upstream buffered"));
	assert_false(parse("nginx_error", samples[26], &r));
	assert_true(parse("golog", samples[26], &r));
	assert_int_equal(r.severity, 3);
	assert_true(msg_is(&r, "dial tcp"));
}

/* Formats without a year leave it 0 for the pipeline. */
static void
test_parser_families_yearless_formats(void **state)
{
	struct record r;

	(void)state;
	assert_true(parse("klog", samples[19], &r));
	assert_int_equal(r.tm.year, 0);
	assert_int_equal(r.severity, 3);
	assert_true(has_field(&r, "file", "file.go"));
	assert_true(parse("logcat", samples[24], &r));
	assert_int_equal(r.tm.year, 0);
	assert_string_equal(r.program, "WindowManager");
	assert_true(parse("logcat", samples[25], &r));
	assert_string_equal(r.program, "chatty");
	assert_true(parse("redis", samples[21], &r));
	assert_int_equal(r.tm.year, 0);
	assert_int_equal(r.severity, 7);
	assert_true(parse("generic", samples[29], &r));
	assert_int_equal(r.tm.year, 0);
	assert_int_equal(r.tm.mon, 10);
	assert_int_equal(r.tm.day, 30);
}

/* An epoch-first line is not Redis; its signal handler line is. */
static void
test_parser_families_redis_is_not_epoch_first(void **state)
{
	struct record r;

	(void)state;
	assert_false(
	    parse("redis", "1386009600.123 [0 127.0.0.1:1] \"info\"", &r));
	assert_true(parse("redis", samples[22], &r));
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_EPOCH);
	assert_true(has_field(&r, "pid", "5092"));
}

/* The catch-all reads HealthApp, ctime, JUL, Go and MongoDB stamps. */
static void
test_parser_families_generic_spellings(void **state)
{
	struct record r;

	(void)state;
	assert_true(parse("generic", samples[28], &r));
	assert_int_equal(r.tm.hour, 0);
	assert_int_equal(r.tm.nsec, 7000000);
	assert_true(parse("generic", samples[30], &r));
	assert_string_equal(r.tm.abbr, "CET");
	assert_int_equal(r.tm.day, 2);
	assert_true(parse("generic", samples[32], &r));
	assert_int_equal(r.tm.hour, 21);
	assert_true(parse("generic", samples[33], &r));
	assert_int_equal(r.tm.offset_s, 7200);
	assert_int_equal(r.severity, 7);
	assert_true(msg_is(&r, "x"));
	assert_true(parse("generic", samples[36], &r));
	assert_string_equal(r.program, "mongod");
	assert_true(has_field(&r, "component", "CONTROL"));
	/* A level word after the time is a level, not a zone. */
	assert_true(parse("generic", "2024-03-15 09:00:01 INFO started", &r));
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_NONE);
	assert_int_equal(r.severity, 6);
	assert_true(msg_is(&r, "started"));
	/* Windows CBS: "Info" padded with spaces. */
	assert_true(
	    parse("generic", "2016-09-28 04:30:30, Info    CBS  x", &r));
	assert_true(msg_is(&r, "CBS  x"));
}

/* The catch-all ignores late, embedded and impossible dates. */
static void
test_parser_families_generic_limits(void **state)
{
	struct record r;

	(void)state;
	/* Past the first 40 bytes a date is text, not the line's stamp. */
	assert_false(parse("generic",
	    "   Active: failed (Result: exit-code) "
	    "since Sat 2018-11-17 22:09:12 +07; 56s ago",
	    &r));
	/* Inside a word it is not a stamp either. */
	assert_false(parse("generic", "build2024-03-15 09:00:01 x", &r));
	assert_false(parse("generic", "\tat com.example.Foo(Foo.java:42)", &r));
	assert_false(parse("generic", "1234567890 items", &r));
	assert_false(parse("generic", "[10.30 16:49:06 no bracket", &r));
	/* A stamp's shape with impossible values: read, and flagged. */
	assert_true(parse("generic", "2024-02-30 09:00:01 no such day", &r));
	assert_string_equal(tstamp_problem(&r.tm), "invalid date");
}

/* NUL bytes are data and a trailing CR is not part of the message. */
static void
test_parser_families_nul_and_cr(void **state)
{
	static const char nul[] = "2024-03-15 09:00:01 UTC [1] LOG:  a\0b";
	static const char cr[] = "2024/11/20 07:00:47 [error] 1#1: x\r";
	struct record     r;

	(void)state;
	memset(&r, 0, sizeof(r));
	record_reset(&r, nul, sizeof(nul) - 1);
	assert_true(parser_find("postgres")->parse(nul, sizeof(nul) - 1, &r));
	assert_int_equal(r.msg_len, 9);
	assert_true(parse("nginx_error", cr, &r));
	assert_true(msg_is(&r, "x"));
	assert_false(parse("klog",
	    "\0"
	    "0315 10:00:05.1 1 f.go:1] x",
	    &r));
}

/*
 * Every abbreviation of tz's table is trusted after a stamp where the
 * reader is strict ("2024-03-15 09:00:01 MEZ ..."), and resolves: the
 * parser accepts no name tz cannot read.
 */
static void
test_parser_families_zone_names_resolve(void **state)
{
	struct record r;
	char          line[96];
	const char   *name;
	int32_t       off;
	size_t        i;
	int           rc;

	(void)state;
	for (i = 0; (name = tz_abbr_nth(i)) != NULL; i++) {
		snprintf(
		    line, sizeof(line), "2024-03-15 09:00:01 %s started", name);
		assert_int_equal(parse_n("generic", line, strlen(line), &r), 1);
		assert_int_equal(r.tm.zone, TSTAMP_ZONE_ABBR);
		assert_string_equal(r.tm.abbr, name);
		rc = tz_abbr_offset(r.tm.abbr, NULL, &off);
		assert_true(rc == 1 || rc == -1);
	}
}

/* Runs the text-header parser tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parser_families_never_reads_past_len),
	    cmocka_unit_test(test_parser_families_samples_are_detected),
	    cmocka_unit_test(test_parser_families_postgres_zones_as_written),
	    cmocka_unit_test(test_parser_families_postgres_is_strict),
	    cmocka_unit_test(test_parser_families_mysql_variants),
	    cmocka_unit_test(test_parser_families_pgbouncer_leaves_openstack),
	    cmocka_unit_test(test_parser_families_spring_fields),
	    cmocka_unit_test(test_parser_families_log4j_leaves_kafka),
	    cmocka_unit_test(test_parser_families_python_needs_a_stamp),
	    cmocka_unit_test(test_parser_families_nginx_before_golog),
	    cmocka_unit_test(test_parser_families_yearless_formats),
	    cmocka_unit_test(test_parser_families_redis_is_not_epoch_first),
	    cmocka_unit_test(test_parser_families_generic_spellings),
	    cmocka_unit_test(test_parser_families_generic_limits),
	    cmocka_unit_test(test_parser_families_nul_and_cr),
	    cmocka_unit_test(test_parser_families_zone_names_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
