/*
 * Unit tests for the formats read with a source's header state (W3C
 * "#Fields:", Zeek "#fields") and the line formats added with them (S3,
 * uWSGI, TAI64N, apt history, shell history, strace, TCF). Lines go through
 * parser_detect() as a source feeds them, each record line also cut at
 * every length into a buffer of exactly that size, so ASan catches a read
 * past line + len.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser.h"
#include "record.h"
#include "tstamp.h"

static char scratch[4096];

/* Detects the first n bytes of s (an exact-size copy) with state st. */
static const struct parser *
detect_n(struct parser_state *st, const char *s, size_t n, struct record *r,
    char **copy)
{
	free(*copy);
	*copy = malloc(n > 0 ? n : 1);
	assert_non_null(*copy);
	memcpy(*copy, s, n);
	memset(r, 0, sizeof(*r));
	r->scratch = scratch;
	r->scratch_cap = sizeof(scratch);
	record_reset(r, *copy, n);
	return parser_detect(st, r);
}

/* 1 if r has field k equal to v. */
static int
has_field(const struct record *r, const char *k, const char *v)
{
	const struct record_field *f = record_field(r, k);

	return f != NULL && f->val_len == strlen(v) &&
	    memcmp(f->val, v, f->val_len) == 0;
}

/*
 * Feeds lines to one state; the last line is also fed at every shorter
 * length first, each time with a copy of the state the header left.
 */
static const struct parser *
feed(const char *const *lines, size_t n, struct record *r, char **copy)
{
	struct parser_state  st, probe;
	const struct parser *p = NULL;
	size_t               i, k, len;

	memset(&st, 0, sizeof(st));
	for (i = 0; i + 1 < n; i++)
		(void)detect_n(&st, lines[i], strlen(lines[i]), r, copy);
	len = strlen(lines[n - 1]);
	for (k = 0; k <= len; k++) {
		probe = st;
		p = detect_n(&probe, lines[n - 1], k, r, copy);
	}
	return p;
}

/* A W3C record with only a time takes "#Date:"'s date; columns by name. */
static void
test_parser_headers_w3c_time_only(void **state)
{
	static const char *const lines[] = {
	    "#Software: Microsoft Internet Information Services 10.0",
	    "#Date: 2024-03-15 09:00:00",
	    "#Fields: time c-ip cs-method cs-uri-stem sc-status",
	    "09:00:02 10.0.0.7 POST /api/orders 503",
	};
	struct record r;
	char         *copy = NULL;

	(void)state;
	assert_ptr_equal(feed(lines, 4, &r, &copy), &parser_w3c);
	assert_true(r.has_ts);
	assert_int_equal(r.tm.year, 2024);
	assert_int_equal(r.tm.day, 15);
	assert_int_equal(r.tm.sec, 2);
	assert_true(has_field(&r, "status", "503"));
	assert_true(has_field(&r, "path", "/api/orders"));
	assert_int_equal(r.severity, 3);
	free(copy);
}

/* Quoted columns with spaces and doubled quotes; an offset header. */
static void
test_parser_headers_w3c_quoted_and_offset(void **state)
{
	static const char *const lines[] = {
	    "#GMT-Offset: -0800",
	    "#Fields: date time c-ip cs(User-Agent) cs-method cs-uri sc-status",
	    "\"2024-03-15\" \"09:00:03\" \"10.0.0.5\" \"a \"\"b\"\" c\" "
	    "\"GET\" \"/q\" \"404\"",
	};
	struct record r;
	char         *copy = NULL;

	(void)state;
	assert_ptr_equal(feed(lines, 3, &r, &copy), &parser_w3c);
	assert_true(r.has_ts);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_OFFSET);
	assert_int_equal(r.tm.offset_s, -8 * 3600);
	assert_true(has_field(&r, "status", "404"));
	assert_true(has_field(&r, "method", "GET"));
	free(copy);
}

/*
 * A time-only W3C record with no date anywhere keeps its time of day and
 * leaves the date out (year, month, day 0): the source dates it.
 */
static void
test_parser_headers_w3c_no_date(void **state)
{
	static const char *const lines[] = {
	    "#Fields: time c-ip cs-method cs-uri-stem sc-status",
	    "09:00:02 10.0.0.7 GET /x 200",
	};
	struct record r;
	char         *copy = NULL;

	(void)state;
	assert_ptr_equal(feed(lines, 2, &r, &copy), &parser_w3c);
	assert_true(r.has_ts);
	assert_false(r.ts_bad);
	assert_int_equal(r.tm.year, 0);
	assert_int_equal(r.tm.mon, 0);
	assert_int_equal(r.tm.day, 0);
	assert_int_equal(r.tm.hour, 9);
	assert_int_equal(r.tm.sec, 2);
	free(copy);
}

/* Zeek: the "ts" column, fields named by "#fields", status exposed. */
static void
test_parser_headers_zeek(void **state)
{
	static const char *const lines[] = {
	    "#separator \\x09",
	    "#fields\tuid\tts\tmethod\turi\tstatus_code",
	    "CAbc1\t1710493201.123456\tGET\t/cart\t503",
	};
	struct record r;
	char         *copy = NULL;

	(void)state;
	assert_ptr_equal(feed(lines, 3, &r, &copy), &parser_zeek);
	assert_true(r.has_ts);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_EPOCH);
	assert_true(r.tm.epoch_ns ==
	    INT64_C(1710493201) * TSTAMP_NS_PER_S + INT64_C(123456000));
	assert_true(has_field(&r, "status", "503"));
	assert_true(has_field(&r, "uid", "CAbc1"));
	/* the time is not the message: "ts" is not the first column here */
	assert_int_equal(r.msg_len, strlen(lines[2]));
	free(copy);
}

/* A Zeek record whose column count is not the header's is not read so. */
static void
test_parser_headers_zeek_short_record(void **state)
{
	static const char *const lines[] = {
	    "#fields\tts\tuid\tmethod",
	    "1710493201.123456\tCAbc1",
	};
	struct record r;
	char         *copy = NULL;

	(void)state;
	/* read by the leading epoch, as without a header */
	assert_ptr_equal(feed(lines, 2, &r, &copy), &parser_zeek);
	assert_null(record_field(&r, "uid"));
	free(copy);
}

/* The new line formats, each with the cut sweep of feed(). */
static void
test_parser_headers_line_formats(void **state)
{
	static const struct {
		const char          *line;
		const struct parser *p;
		int                  timed;
	} cases[] = {
	    {"8f2a shop [15/Mar/2024:09:00:01 +0000] 198.51.100.7 - 3E57 "
	     "REST.GET.OBJECT a.png \"GET /shop/a.png HTTP/1.1\" 404 NoSuchKey "
	     "0 - 4 - \"-\" \"curl\" -",
		&parser_s3, 1},
	    {"[pid: 2211|app: 0|req: 7/19] 10.0.0.7 () {40 vars in 712 bytes} "
	     "[Fri Mar 15 09:00:01 2024] GET /api => generated 5 bytes in 1 "
	     "msecs (HTTP/1.1 502) 5 headers in 160 bytes (1 switches on core "
	     "0)",
		&parser_uwsgi, 1},
	    {"@4000000065f40e5b1dcd6500 qmail-send: status", &parser_tai64n, 1},
	    {"Start-Date: 2024-03-15  09:00:01", &parser_apt, 1},
	    {"#+1710493201", &parser_history, 1},
	    {"4242 09:00:01.005000 write(2, \"x\", 1) = 1 <0.000012>",
		&parser_strace, 1},
	    {"TCF 30:04.735: channel server connected", &parser_tcf, 1},
	};
	struct record r;
	char         *copy = NULL;
	size_t        i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ptr_equal(
		    feed(&cases[i].line, 1, &r, &copy), cases[i].p);
		assert_int_equal(r.has_ts, cases[i].timed);
		assert_int_equal(r.ts_bad, !cases[i].timed);
	}
	/* the date left out; TCF writes no hour either */
	assert_int_equal(r.tm.mon, 0);
	assert_int_equal(r.tm.hour, -1);
	assert_int_equal(r.tm.min, 30);
	assert_int_equal(r.tm.nsec, 735000000);
	free(copy);
}

/* Runs the header and new-format parser tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parser_headers_w3c_time_only),
	    cmocka_unit_test(test_parser_headers_w3c_quoted_and_offset),
	    cmocka_unit_test(test_parser_headers_w3c_no_date),
	    cmocka_unit_test(test_parser_headers_zeek),
	    cmocka_unit_test(test_parser_headers_zeek_short_record),
	    cmocka_unit_test(test_parser_headers_line_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
