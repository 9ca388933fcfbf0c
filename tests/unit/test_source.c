/*
 * Unit tests for source: year inference (the reference time, the file's
 * own full dates, the other inputs' year), dates for times of day alone,
 * zones, the fall-back hour, continuation lines and rotation sets,
 * through source_line().
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

/* Reads lines into a throwaway source, the way a probe does; its scan. */
static struct source_scan
probe(const char *const *lines, int n, int64_t mtime)
{
	struct source      src;
	struct source_scan scan;
	int                i;

	source_init(&src, "p", "p", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 0, mtime, RECORD_YEAR_MTIME);
	source_set_align(&src, NULL);
	for (i = 0; i < n; i++)
		line(&src, lines[i]);
	scan = src.scan;
	scan.whole = 1;
	source_free(&src);
	return scan;
}

/*
 * Year-less lines beside full dates take the year of the nearest full
 * date (before, else the first ahead), not the mtime's, across New Year.
 */
static void
test_source_year_aligned_to_full_dates_around(void **state)
{
	static const char *const lines[] = {
	    "Dec 31 23:58:01 web1 app[12]: before any full date",
	    "ts=2024-12-31T23:59:00Z level=info msg=full",
	    "Jan  1 00:00:10 web1 app[12]: after midnight",
	    "I0101 00:01:00.000000    1 main.go:10] klog",
	};
	struct source      src;
	struct source_scan scan;
	struct record     *r;

	(void)state;
	scan = probe(lines, 4, 1780000000); /* mtime 2026-05-28 */
	assert_int_equal(scan.full, 1);
	assert_int_equal(scan.year_lo, 2024);
	source_init(&src, "j", "j", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 0, 1780000000, RECORD_YEAR_MTIME);
	source_set_align(&src, &scan);
	r = line(&src, lines[0]);
	assert_string_equal(utc(r), "2024-12-31T23:58:01Z");
	assert_int_equal(r->year_src, RECORD_YEAR_ALIGNED);
	line(&src, lines[1]);
	r = line(&src, lines[2]);
	assert_string_equal(utc(r), "2025-01-01T00:00:10Z");
	assert_int_equal(r->year_src, RECORD_YEAR_ALIGNED);
	r = line(&src, lines[3]);
	assert_string_equal(utc(r), "2025-01-01T00:01:00Z");
	source_free(&src);
}

/* Without alignment (the daemon) the reference time still decides. */
static void
test_source_year_unaligned_keeps_reference(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "j", "j", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 0, 1780000000, RECORD_YEAR_CLOCK);
	line(&src, "ts=2024-12-31T23:59:00Z level=info msg=full");
	r = line(&src, "Dec 31 23:59:30 web1 app[12]: x");
	assert_string_equal(utc(r), "2025-12-31T23:59:30Z");
	assert_int_equal(r->year_src, RECORD_YEAR_ROLLOVER);
	source_free(&src);
}

/*
 * The year the other inputs carry (replay) reads a year-less file as
 * --year would, while a full date in the file itself still wins.
 */
static void
test_source_year_from_sources_yields_to_own_dates(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "s", "s", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 0, 1780000000, RECORD_YEAR_MTIME);
	source_set_align(&src, NULL);
	source_set_year_sources(&src, 2024);
	r = line(&src, "Mar 15 10:00:00 h a[1]: x");
	assert_string_equal(utc(r), "2024-03-15T10:00:00Z");
	assert_int_equal(r->year_src, RECORD_YEAR_SOURCES);
	line(&src, "ts=2022-03-15T10:00:01Z msg=own");
	r = line(&src, "Mar 15 10:00:02 h a[1]: y");
	assert_string_equal(utc(r), "2022-03-15T10:00:02Z");
	assert_int_equal(r->year_src, RECORD_YEAR_ALIGNED);
	source_free(&src);
}

/*
 * A file of times of day alone: the last falls on the mtime's day at the
 * latest, and the days before are counted back through each midnight.
 */
static void
test_source_time_of_day_counted_back_from_mtime(void **state)
{
	static const char *const lines[] = {
	    "22:00:00.000 foo DEBUG evening",
	    "23:59:00.000 foo DEBUG before midnight",
	    "00:01:00.000 foo DEBUG after midnight",
	    "23:00:00.000 foo DEBUG a day later",
	    "00:30:00.000 foo DEBUG last, after the second midnight",
	};
	struct source      src;
	struct source_scan scan;
	struct record     *r;
	int                i;

	(void)state;
	/* mtime 2024-05-03T00:30:05Z */
	scan = probe(lines, 5, 1714696205);
	assert_int_equal(scan.partial, 5);
	source_init(&src, "t", "t", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 0, 1714696205, RECORD_YEAR_MTIME);
	source_set_align(&src, &scan);
	r = line(&src, lines[0]);
	assert_string_equal(utc(r), "2024-05-01T22:00:00Z");
	assert_int_equal(r->date_src, RECORD_YEAR_MTIME);
	for (i = 1; i < 5; i++)
		r = line(&src, lines[i]);
	assert_string_equal(utc(r), "2024-05-03T00:30:00Z");
	source_free(&src);
}

/* A time of day after a dated line takes that line's date, then rolls. */
static void
test_source_time_of_day_follows_dated_line(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "t", "t", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 0, 1780000000, RECORD_YEAR_MTIME);
	source_set_align(&src, NULL);
	line(&src, "2024-03-15 23:59:58,000 ERROR [main] a.B: dated");
	r = line(&src, "00:00:01.500 worker DEBUG next day");
	assert_string_equal(utc(r), "2024-03-16T00:00:01Z");
	assert_int_equal(r->date_src, RECORD_YEAR_ALIGNED);
	assert_int_equal(r->year_src, RECORD_YEAR_ALIGNED);
	source_free(&src);
}

/* Minutes and seconds alone (TCF) move on an hour when they go back. */
static void
test_source_minutes_only_roll_hours(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "tcf", "tcf", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	/* mtime 2024-05-02T13:02:00Z */
	source_set_year(&src, 0, 1714654920, RECORD_YEAR_MTIME);
	source_set_align(&src, NULL);
	r = line(&src, "TCF 59:47.191: Server-Properties: {}");
	assert_string_equal(utc(r), "2024-05-02T12:59:47Z");
	r = line(&src, "TCF 01:11.475: 0: <--- R 2 [] <eom>");
	assert_string_equal(utc(r), "2024-05-02T13:01:11Z");
	source_free(&src);
}

/* With nothing to date it from (--year in the daemon), it is flagged. */
static void
test_source_time_of_day_without_reference_flagged(void **state)
{
	struct source  src;
	struct record *r;

	(void)state;
	source_init(&src, "t", "t", 0);
	source_set_zone(&src, tz_get("UTC"), RECORD_ZONE_DEFAULT);
	source_set_year(&src, 2024, 0, RECORD_YEAR_OPTION);
	r = line(&src, "08:09:33.814936 execve(\"/bin/ls\", [\"ls\"]) = 0");
	assert_false(r->has_ts);
	assert_true(r->ts_bad);
	assert_string_equal(r->ts_error, "time of day without a date");
	assert_int_equal(src.bad_ts, 1);
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
	    cmocka_unit_test(test_source_year_aligned_to_full_dates_around),
	    cmocka_unit_test(test_source_year_unaligned_keeps_reference),
	    cmocka_unit_test(test_source_year_from_sources_yields_to_own_dates),
	    cmocka_unit_test(test_source_time_of_day_counted_back_from_mtime),
	    cmocka_unit_test(test_source_time_of_day_follows_dated_line),
	    cmocka_unit_test(test_source_minutes_only_roll_hours),
	    cmocka_unit_test(test_source_time_of_day_without_reference_flagged),
	    cmocka_unit_test(test_source_rotation_key_groups_rotated_files),
	    cmocka_unit_test(test_source_snap_same_state),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tz_cache_free();
	return rc;
}
