/*
 * Unit tests for tstamp.c: the readers the parsers share and the check
 * that says why a stamp's values cannot be used. Every input is read from
 * a heap copy of its exact length, so ASan catches a read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tstamp.h"

typedef size_t (*reader)(const char *, const char *, struct tstamp *);

/* Reads s with rd from an exact-length copy into t; the bytes read. */
static size_t
read_with(reader rd, const char *s, struct tstamp *t)
{
	size_t n = strlen(s), got;
	char  *copy = malloc(n ? n : 1);

	assert_non_null(copy);
	memcpy(copy, s, n);
	memset(t, 0, sizeof(*t));
	got = rd(copy, copy + n, t);
	free(copy);
	return got;
}

/* Asserts a civil date and clock. */
static void
assert_civil(const struct tstamp *t, int y, int mo, int d, int h, int mi, int s)
{
	assert_int_equal(t->year, y);
	assert_int_equal(t->mon, mo);
	assert_int_equal(t->day, d);
	assert_int_equal(t->hour, h);
	assert_int_equal(t->min, mi);
	assert_int_equal(t->sec, s);
}

/* Java's DateFormat MEDIUM, with and without the comma, and JUL's. */
static void
test_tstamp_mdy_java_medium(void **state)
{
	struct tstamp t;

	(void)state;
	assert_int_equal(
	    read_with(tstamp_mdy, "Mar 15, 2024 11:30:00 AM", &t), 24);
	assert_civil(&t, 2024, 3, 15, 11, 30, 0);
	assert_int_equal(
	    read_with(tstamp_mdy, "Mar 15, 2024, 11:30:00 PM x", &t), 25);
	assert_civil(&t, 2024, 3, 15, 23, 30, 0);
	assert_int_equal(
	    read_with(tstamp_mdy, "Mar 5, 2024 9:00:01 PM", &t), 22);
	assert_civil(&t, 2024, 3, 5, 21, 0, 1);
	assert_int_equal(
	    read_with(tstamp_mdy, "Mar  5, 2024 12:00:01 AM", &t), 24);
	assert_civil(&t, 2024, 3, 5, 0, 0, 1);
	/* Java 20's CLDR data puts U+202F before the AM/PM marker. */
	assert_int_equal(
	    read_with(tstamp_mdy, "Dec 1, 2023, 3:04:05\xe2\x80\xafPM", &t),
	    25);
	assert_civil(&t, 2023, 12, 1, 15, 4, 5);
	assert_int_equal(read_with(tstamp_mdy, "Mar 15, 2024 11:30:00", &t), 0);
	assert_int_equal(
	    read_with(tstamp_mdy, "Mar 15, 2024 11:30:00 AMX", &t), 0);
	assert_int_equal(
	    read_with(tstamp_mdy, "Mar 15 2024 11:30:00 AM", &t), 0);
	/* An hour a 12-hour clock cannot show is read, and invalid. */
	assert_int_equal(
	    read_with(tstamp_mdy, "Mar 15, 2024 13:30:00 PM", &t), 24);
	assert_string_equal(tstamp_problem(&t), "invalid time");
}

/* Readers take the shape; tstamp_problem() says what is impossible. */
static void
test_tstamp_problem(void **state)
{
	struct tstamp t;

	(void)state;
	assert_int_equal(read_with(tstamp_iso, "2024-02-29T10:00:00Z", &t), 20);
	assert_null(tstamp_problem(&t));
	assert_int_equal(read_with(tstamp_iso, "2023-02-29T10:00:00Z", &t), 20);
	assert_string_equal(tstamp_problem(&t), "invalid date");
	assert_int_equal(read_with(tstamp_iso, "2024-13-01T10:00:00Z", &t), 20);
	assert_string_equal(tstamp_problem(&t), "invalid date");
	assert_int_equal(read_with(tstamp_iso, "2024-03-15 25:00:00", &t), 19);
	assert_string_equal(tstamp_problem(&t), "invalid time");
	assert_int_equal(read_with(tstamp_iso, "0001-01-01T00:00:00Z", &t), 20);
	assert_string_equal(tstamp_problem(&t), "year out of range");
	assert_int_equal(
	    read_with(tstamp_ncsa, "32/Mar/2024:10:00:00 +0000", &t), 26);
	assert_string_equal(tstamp_problem(&t), "invalid date");
	/* A year-less stamp may be February 29 until its year is known. */
	memset(&t, 0, sizeof(t));
	t.mon = 2;
	t.day = 29;
	assert_null(tstamp_problem(&t));
	t.year = 2023;
	assert_string_equal(tstamp_problem(&t), "invalid date");
}

/* Month names of other locales, as strftime's %b writes them. */
static void
test_tstamp_month_locale(void **state)
{
	static const struct {
		const char *s;
		int         mon;
		size_t      n;
	} ok[] = {
	    {"ao\xc3\xbbt 19", 8, 5},
	    {"f\xc3\xa9vr. 2", 2, 6},
	    {"janv. 1", 1, 5},
	    {"M\xc3\xa4r 15", 3, 4},
	    {"Okt 3", 10, 3},
	    {"ene 10", 1, 3},
	    {"giu 13", 6, 3},
	    {"mrt 16", 3, 3},
	    {"out 11", 10, 3},
	    {"d\xc3\xa9"
	     "c. 24",
		12, 5},
	};
	static const char *const bad[] = {"outside", "marsh 1", "setup 1", "x"};
	int                      mon;
	size_t                   i, n;
	char                    *copy;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = strlen(ok[i].s);
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, ok[i].s, n);
		mon = 0;
		assert_int_equal(
		    tstamp_month_locale(copy, copy + n, &mon), ok[i].n);
		assert_int_equal(mon, ok[i].mon);
		free(copy);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i]);
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, bad[i], n);
		assert_int_equal(tstamp_month_locale(copy, copy + n, &mon), 0);
		free(copy);
	}
}

/* TAI64N labels: 2^62 + 10 + Unix seconds, then nanoseconds. */
static void
test_tstamp_tai64n(void **state)
{
	struct tstamp t;

	(void)state;
	assert_int_equal(
	    read_with(tstamp_tai64n, "@4000000065f40e5b1dcd6500 x", &t), 25);
	assert_int_equal(t.zone, TSTAMP_ZONE_EPOCH);
	assert_true(t.epoch_ns ==
	    INT64_C(1710493265) * TSTAMP_NS_PER_S + INT64_C(500000000));
	assert_int_equal(
	    read_with(tstamp_tai64n, "@4000000065f40e5b1dcd650", &t), 0);
	assert_int_equal(
	    read_with(tstamp_tai64n, "@4000000065f40e5b1dcd6500f", &t), 0);
	assert_int_equal(
	    read_with(tstamp_tai64n, "@3000000065f40e5b1dcd6500", &t), 0);
	assert_int_equal(
	    read_with(tstamp_tai64n, "@4000000065f40e5bfdcd6500", &t), 0);
}

/* ISO 8601 ordinal dates: "2024-075" is March 15 of a leap year. */
static void
test_tstamp_iso_ordinal(void **state)
{
	struct tstamp t;

	(void)state;
	assert_int_equal(read_with(tstamp_iso, "2024-075T09:00:01Z", &t), 18);
	assert_civil(&t, 2024, 3, 15, 9, 0, 1);
	assert_int_equal(read_with(tstamp_iso, "2023-365T23:59:59", &t), 17);
	assert_civil(&t, 2023, 12, 31, 23, 59, 59);
	assert_int_equal(read_with(tstamp_iso, "2023-366T00:00:00", &t), 17);
	assert_string_equal(tstamp_problem(&t), "invalid date");
	assert_int_equal(read_with(tstamp_iso, "2024-075 09:00:01", &t), 0);
}

/* Runs the tstamp tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tstamp_mdy_java_medium),
	    cmocka_unit_test(test_tstamp_problem),
	    cmocka_unit_test(test_tstamp_month_locale),
	    cmocka_unit_test(test_tstamp_tai64n),
	    cmocka_unit_test(test_tstamp_iso_ordinal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
