/*
 * Unit tests for timecheck: the year reference when an mtime is in the
 * future, a zone-like gap, the year of a year-less input against the
 * others', and the sentence about a last line whole hours off its mtime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"
#include "source.h"
#include "timecheck.h"
#include "tstamp.h"
#include "tz.h"

#define NOW 1700000000 /* 2023-11-14T22:13:20Z */

static void
test_timecheck_ref_distrusts_future_mtime(void **state)
{
	enum record_year_src why;

	(void)state;
	assert_true(timecheck_ref(NOW, 0, NOW - 5, &why) == NOW - 5);
	assert_int_equal(why, RECORD_YEAR_MTIME);
	/* less than a day ahead: a clock a little off, still trusted */
	assert_true(timecheck_ref(NOW, 0, NOW + 86000, &why) == NOW + 86000);
	assert_true(timecheck_ref(NOW, 0, NOW + 86401, &why) == NOW);
	assert_int_equal(why, RECORD_YEAR_CLOCK_MTIME);
	assert_true(timecheck_ref(NOW, NOW + 90000, NOW - 5, &why) == NOW);
	assert_int_equal(why, RECORD_YEAR_CLOCK_GZIP);
	assert_true(timecheck_ref(NOW, NOW - 7, NOW - 5, &why) == NOW - 7);
	assert_int_equal(why, RECORD_YEAR_GZIP);
	assert_true(timecheck_ref(NOW, 0, 0, &why) == NOW);
	assert_int_equal(why, RECORD_YEAR_CLOCK);
}

static void
test_timecheck_zone_like_gaps(void **state)
{
	int32_t off = 0;

	(void)state;
	assert_true(timecheck_zone_like(3600, 0, &off));
	assert_int_equal(off, 3600);
	assert_true(timecheck_zone_like(-5 * 3600 - 1800 + 170, 0, &off));
	assert_int_equal(off, -19800);
	assert_true(timecheck_zone_like(1800 + 179, 3600, &off));
	assert_int_equal(off, 5400);
	assert_false(timecheck_zone_like(3600 + 200, 0, &off)); /* 3 min 20 */
	assert_false(timecheck_zone_like(120, 0, &off)); /* no whole step */
	assert_false(timecheck_zone_like(15 * 3600, 0, &off)); /* no zone */
	assert_false(timecheck_zone_like(-13 * 3600, 0, &off));
	assert_true(timecheck_zone_like(-13 * 3600, 3600, &off));
}

static void
test_timecheck_names(void **state)
{
	char buf[32];

	(void)state;
	timecheck_zone_name(buf, sizeof(buf), 3600);
	assert_string_equal(buf, "UTC+1");
	timecheck_zone_name(buf, sizeof(buf), -12600);
	assert_string_equal(buf, "UTC-3:30");
	timecheck_zone_name(buf, sizeof(buf), 0);
	assert_string_equal(buf, "UTC");
	timecheck_duration(buf, sizeof(buf), -3590);
	assert_string_equal(buf, "1 h");
	timecheck_duration(buf, sizeof(buf), 19800);
	assert_string_equal(buf, "5 h 30 min");
	timecheck_duration(buf, sizeof(buf), 1750);
	assert_string_equal(buf, "30 min");
}

/* A scan of an input with full dates in years lo..hi, from t (local s). */
static struct source_scan
full(int lo, int hi, int64_t t)
{
	struct source_scan s;

	memset(&s, 0, sizeof(s));
	s.full = 10;
	s.year_lo = lo;
	s.year_hi = hi;
	s.full_first = t;
	return s;
}

static void
test_timecheck_sources_year(void **state)
{
	struct source_scan        a, b, y;
	const struct source_scan *scans[3] = {&y, &a, &b};
	int                       lo = 0, hi = 0;

	(void)state;
	a = full(2024, 2024, 1710493200); /* 2024-03-15T09:00:00 */
	b = full(2024, 2024, 1710494000);
	memset(&y, 0, sizeof(y));
	y.yearless = 5;
	y.yearless_src = RECORD_YEAR_MTIME;
	y.yearless_tm.year = 2026;
	y.yearless_tm.mon = 3;
	y.yearless_tm.day = 15;
	y.yearless_tm.hour = 10;
	assert_int_equal(timecheck_sources_year(scans, 3, 0, &lo, &hi), 2024);
	assert_int_equal(lo, 2024);
	assert_int_equal(hi, 2024);
	/* one other agrees: nothing to do */
	b = full(2026, 2026, 1773568800);
	assert_int_equal(timecheck_sources_year(scans, 3, 0, &lo, &hi), 0);
	/* a year the user gave is not second-guessed */
	b = full(2024, 2024, 1710494000);
	y.yearless_src = RECORD_YEAR_OPTION;
	assert_int_equal(timecheck_sources_year(scans, 3, 0, &lo, &hi), 0);
	/* nor one the file's own full dates gave */
	y.yearless_src = RECORD_YEAR_ALIGNED;
	y.full = 1;
	assert_int_equal(timecheck_sources_year(scans, 3, 0, &lo, &hi), 0);
	/* the others span New Year: the nearest year to the earliest */
	y.full = 0;
	y.yearless_src = RECORD_YEAR_ROLLOVER;
	y.yearless_tm.mon = 12;
	y.yearless_tm.day = 31;
	a = full(2024, 2025, 1735689000); /* 2024-12-31T23:50:00 */
	assert_int_equal(timecheck_sources_year(scans, 3, 0, &lo, &hi), 2024);
	assert_int_equal(lo, 2024);
	assert_int_equal(hi, 2025);
}

static void
test_timecheck_last_line(void **state)
{
	char   buf[512];
	size_t n;

	(void)state;
	/* read as UTC, written at 12:51:36 WAT = 11:51:36Z: an hour ahead */
	n = timecheck_last_line(buf, sizeof(buf), "syslog",
	    INT64_C(1710503496) * TSTAMP_NS_PER_S, 0, 1710503496 - 3600,
	    "mtime");
	assert_true(n > 0);
	assert_string_equal(buf,
	    "syslog: its last line (2024-03-15T11:51:36Z) is 1 h after the "
	    "file was last written (2024-03-15T10:51:36Z, its mtime): is its "
	    "zone UTC+1 (e.g. Africa/Lagos)? Set --source-tz");
	/* an hour behind: a zone west of the one it was read in, or a copy */
	n = timecheck_last_line(buf, sizeof(buf), "app.log",
	    INT64_C(1710503496) * TSTAMP_NS_PER_S, 0, 1710503496 + 3600 + 60,
	    "mtime");
	assert_true(n > 0);
	assert_non_null(strstr(buf, "1 h before the file was last written"));
	assert_non_null(strstr(buf,
	    "UTC-1 (e.g. Atlantic/Cape_Verde), or was "
	    "the file copied or touched since?"));
	/* seconds apart, or ten minutes: nothing to say */
	assert_int_equal(timecheck_last_line(buf, sizeof(buf), "a",
			     INT64_C(1710503496) * TSTAMP_NS_PER_S, 0,
			     1710503496 + 2, "mtime"),
	    0);
	assert_int_equal(timecheck_last_line(buf, sizeof(buf), "a",
			     INT64_C(1710503496) * TSTAMP_NS_PER_S, 0,
			     1710503496 + 600, "mtime"),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timecheck_ref_distrusts_future_mtime),
	    cmocka_unit_test(test_timecheck_zone_like_gaps),
	    cmocka_unit_test(test_timecheck_names),
	    cmocka_unit_test(test_timecheck_sources_year),
	    cmocka_unit_test(test_timecheck_last_line),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tz_cache_free();
	return rc;
}
