/*
 * Unit tests for source: year inference, zones, the fall-back hour,
 * continuation lines and rotation sets, through source_line().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"
#include "source.h"
#include "tstamp.h"
#include "tz.h"

/* Formats a record's UTC time (seconds) for comparison. */
static const char *
utc(const struct record *r)
{
	static char buf[64];

	tstamp_format(buf, sizeof(buf), r->ts_ns, 0, 0);
	return buf;
}

/* Feeds one line (a string literal) to src. */
static struct record *
line(struct source *src, const char *s)
{
	return source_line(src, s, strlen(s));
}

static void
test_source_year_option_rolls_over_new_year(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "syslog", "syslog", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 2024, 0, RECORD_YEAR_OPTION);
	r = line(&src, "Dec 31 23:59:58 h a[1]: x");
	assert_string_equal(utc(r), "2024-12-31T23:59:58Z");
	assert_int_equal(r->year_src, RECORD_YEAR_OPTION);
	r = line(&src, "Jan  1 00:00:02 h a[1]: y");
	assert_string_equal(utc(r), "2025-01-01T00:00:02Z");
	assert_int_equal(r->year_src, RECORD_YEAR_ROLLOVER);
	source_free(&src);
}

static void
test_source_year_from_mtime_goes_back_for_later_dates(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "syslog", "syslog", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	/* mtime 2024-01-02T00:00:00Z */
	source_set_year(&src, 0, 1704153600, RECORD_YEAR_MTIME);
	r = line(&src, "Dec 30 10:00:00 h a[1]: x");
	assert_string_equal(utc(r), "2023-12-30T10:00:00Z");
	assert_int_equal(r->year_src, RECORD_YEAR_ROLLOVER);
	r = line(&src, "Jan  2 10:00:00 h a[1]: y"); /* same day: this year */
	assert_string_equal(utc(r), "2024-01-02T10:00:00Z");
	assert_int_equal(r->year_src, RECORD_YEAR_MTIME);
	source_free(&src);
}

static void
test_source_fall_back_hour_resolved_by_order(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "syslog", "syslog", 0);
	source_set_zone(&src, tz_get("America/New_York"), RECORD_ZONE_SOURCE);
	source_set_year(&src, 2024, 0, RECORD_YEAR_OPTION);
	r = line(&src, "Nov  3 01:30:00 h a[1]: first pass, EDT");
	assert_string_equal(utc(r), "2024-11-03T05:30:00Z");
	assert_true(r->ambiguous);
	r = line(&src, "Nov  3 01:59:59 h a[1]: still EDT");
	assert_string_equal(utc(r), "2024-11-03T05:59:59Z");
	r = line(&src, "Nov  3 01:00:01 h a[1]: clocks went back, EST");
	assert_string_equal(utc(r), "2024-11-03T06:00:01Z");
	r = line(&src, "Nov  3 01:30:00 h a[1]: second pass, EST");
	assert_string_equal(utc(r), "2024-11-03T06:30:00Z");
	assert_int_equal(r->zone_src, RECORD_ZONE_SOURCE);
	source_free(&src);
}

static void
test_source_zone_in_line_wins(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "pg", "pg", 0);
	source_set_zone(&src, tz_get("America/New_York"), RECORD_ZONE_SOURCE);
	source_set_year(&src, 0, 1710500000, RECORD_YEAR_MTIME);
	r = line(&src, "2024-03-15 10:00:03.000 WAT [2354] FATAL:  x");
	assert_string_equal(utc(r), "2024-03-15T09:00:03Z");
	assert_int_equal(r->zone_src, RECORD_ZONE_EXPLICIT);
	r = line(&src, "2024-03-15T10:00:00+05:45 h a[1]: nepal");
	assert_string_equal(utc(r), "2024-03-15T04:15:00Z");
	source_free(&src);
}

static void
test_source_continuation_takes_record_time(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "app", "app", 0);
	source_set_zone(&src, tz_get("+05:30"), RECORD_ZONE_SOURCE);
	source_set_year(&src, 0, 1710500000, RECORD_YEAR_MTIME);
	r = line(&src, "\tat org.Foo.bar(Foo.java:1)");
	assert_false(r->has_ts);
	assert_int_equal(src.no_ts, 1);
	line(&src, "2024-03-15 10:00:00,000 ERROR [main] a.B: boom");
	r = line(&src, "\tat org.Foo.bar(Foo.java:1)");
	assert_true(r->has_ts);
	assert_true(src.continuation);
	assert_string_equal(utc(r), "2024-03-15T04:30:00Z");
	source_free(&src);
}

static void
test_source_rotation_key_groups_rotated_files(void **state)
{
	char a[64];

	(void)state;
	source_rotation_key("/var/log/app.log.1.gz", a, sizeof(a));
	assert_string_equal(a, "/var/log/app.log");
	source_rotation_key("app.log.12", a, sizeof(a));
	assert_string_equal(a, "app.log");
	source_rotation_key("app.log-20240315.gz", a, sizeof(a));
	assert_string_equal(a, "app.log");
	source_rotation_key("syslog.2024-03-15", a, sizeof(a));
	assert_string_equal(a, "syslog");
	source_rotation_key("syslog", a, sizeof(a));
	assert_string_equal(a, "syslog");
	source_rotation_key("api-v2.log", a, sizeof(a));
	assert_string_equal(a, "api-v2.log");
}

/* A source reading lines[from, to) with --year 2023 in UTC. */
static void
read_lines(struct source *src, const char *const *lines, int from, int to)
{
	int i;

	source_init(src, "s", "s", 0);
	source_set_zone(src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(src, 2023, 0, RECORD_YEAR_OPTION);
	for (i = from; i < to; i++)
		line(src, lines[i]);
}

/*
 * Snapshots compare equal, line numbers aside, once two sources have
 * read the same last lines; not when an earlier line (the New Year, a
 * W3C header) left a state the later lines do not show.
 */
static void
test_source_snap_same_state(void **state)
{
	static const char *const lines[] = {"Dec 31 23:59:58 h a[1]: x",
	    "Jan  1 00:00:02 h a[1]: y", "Jan  1 00:00:03 h a[1]: z",
	    "\tat c.e.App.run(App.java:10)",
	    "#Fields: date time cs-method cs-uri-stem sc-status",
	    "2024-03-10 00:00:01 GET /a 200", "2024-03-10 00:00:02 GET /b 503"};
	struct source            a, b;
	struct source_snap       sa, sb;

	(void)state;
	read_lines(&a, lines, 0, 4);
	read_lines(&b, lines, 2, 4); /* no New Year seen: a year behind */
	source_snapshot(&a, &sa);
	source_snapshot(&b, &sb);
	assert_int_equal(sa.lineno, 4);
	assert_int_equal(sb.lineno, 2);
	assert_false(source_snap_same(&sa, &sb));
	source_free(&b);
	read_lines(&b, lines, 0, 1);
	line(&b, "Dec 31 23:59:59 h a[1]: one more line");
	for (int i = 1; i < 4; i++) /* the same year, the same record */
		line(&b, lines[i]);
	source_snapshot(&b, &sb);
	assert_int_equal(sb.lineno, 5);
	assert_true(source_snap_same(&sa, &sb));
	source_free(&a);
	source_free(&b);
	read_lines(&a, lines, 4, 7);
	read_lines(&b, lines, 5, 7); /* the header unseen */
	source_snapshot(&a, &sa);
	source_snapshot(&b, &sb);
	assert_false(source_snap_same(&sa, &sb));
	assert_true(source_snap_same(&sa, &sa));
	source_add_counts(&a, &b);
	assert_int_equal(a.lines, 5);
	assert_string_equal(source_format(&a), "w3c");
	source_free(&a);
	source_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_source_year_option_rolls_over_new_year),
	    cmocka_unit_test(
		test_source_year_from_mtime_goes_back_for_later_dates),
	    cmocka_unit_test(test_source_fall_back_hour_resolved_by_order),
	    cmocka_unit_test(test_source_zone_in_line_wins),
	    cmocka_unit_test(test_source_continuation_takes_record_time),
	    cmocka_unit_test(test_source_rotation_key_groups_rotated_files),
	    cmocka_unit_test(test_source_snap_same_state),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tz_cache_free();
	return rc;
}
