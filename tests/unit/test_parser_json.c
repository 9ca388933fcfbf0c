/*
 * Unit tests for parser_json.c: string unescaping (surrogates, invalid
 * escapes, a full scratch), key priorities, epoch units, levels, nesting,
 * the field cap and what is not JSON. Lines are parsed from heap copies
 * of their exact length so ASan catches a read past the end.
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

/* Parses line as JSON into r with cap bytes of scratch; the answer. */
static int
parse_cap(const char *line, struct record *r, size_t cap)
{
	const struct parser *p = parser_find("json");
	size_t               n = strlen(line);

	assert_non_null(p);
	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, line, n);
	memset(r, 0, sizeof(*r));
	r->scratch = cap ? scratch : NULL;
	r->scratch_cap = cap;
	record_reset(r, copy, n);
	return p->parse(copy, n, r);
}

/* Parses line as JSON into r with the whole scratch; the answer. */
static int
parse(const char *line, struct record *r)
{
	return parse_cap(line, r, sizeof(scratch));
}

/* Asserts that field k exists with value v. */
static void
assert_field(const struct record *r, const char *k, const char *v)
{
	const struct record_field *f = record_field(r, k);

	assert_non_null(f);
	assert_int_equal(f->val_len, strlen(v));
	assert_memory_equal(f->val, v, f->val_len);
}

/* Asserts that the record's message is exactly s. */
static void
assert_msg(const struct record *r, const char *s)
{
	assert_int_equal(r->msg_len, strlen(s));
	assert_memory_equal(r->msg, s, r->msg_len);
}

/* Asserts an epoch stamp of ns nanoseconds with frac fraction digits. */
static void
assert_epoch(const struct record *r, int64_t ns, int frac)
{
	assert_int_equal(r->has_ts, 1);
	assert_int_equal(r->tm.zone, TSTAMP_ZONE_EPOCH);
	assert_true(r->tm.epoch_ns == ns);
	assert_int_equal(r->tm.frac_digits, frac);
}

/* \n \t \" \\ \/ \uXXXX and surrogate pairs become UTF-8. */
static void
test_parser_json_unescape(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(parse("{\"msg\":\"a\\n\\t\\\"\\\\\\/"
			       "\\u00e9\\u20ac\\ud83d\\ude00z\"}",
			     &r),
	    1);
	assert_msg(&r, "a\n\t\"\\/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
	/* \u0000 is a NUL byte inside the value */
	assert_int_equal(parse("{\"msg\":\"a\\u0000b\"}", &r), 1);
	assert_int_equal(r.msg_len, 3);
	assert_memory_equal(r.msg, "a\0b", 3);
}

/* Invalid escapes and lone surrogates are kept as written. */
static void
test_parser_json_bad_escapes(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("{\"msg\":\"\\q \\ud800x \\udc00 \\u12g4\"}", &r), 1);
	assert_msg(&r, "\\q \\ud800x \\udc00 \\u12g4");
	assert_int_equal(parse("{\"msg\":\"\\ud83d\\u0041\"}", &r), 1);
	assert_msg(&r, "\\ud83dA");
	/* an escape cut by the end of the string */
	assert_int_equal(parse("{\"msg\":\"ab\\u12\"}", &r), 1);
	assert_msg(&r, "ab\\u12");
}

/* With no scratch left the raw, still-escaped slice is kept. */
static void
test_parser_json_scratch_full(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(parse_cap("{\"msg\":\"a\\nb\"}", &r, 0), 1);
	assert_msg(&r, "a\\nb");
	assert_int_equal(
	    parse_cap("{\"msg\":\"a\\nb\",\"x\":\"\\u00e9\"}", &r, 3), 1);
	assert_msg(&r, "a\nb");
	assert_field(&r, "x", "\\u00e9");
}

/* The time key is chosen by priority, not by position. */
static void
test_parser_json_time_priority(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(parse("{\"ts\":\"2024-03-15T08:00:00Z\","
			       "\"time\":\"2024-03-15T09:00:00Z\"}",
			     &r),
	    1);
	assert_int_equal(r.tm.hour, 9);
	/* an unreadable higher key falls back to the next one */
	assert_int_equal(parse("{\"time\":\"12ms\",\"ts\":1710489600}", &r), 1);
	assert_epoch(&r, INT64_C(1710489600) * TSTAMP_NS_PER_S, 0);
	/* MongoDB's nested $date */
	assert_int_equal(parse("{\"t\":{\"$date\":\"2024-03-15T09:00:01.123"
			       "+01:00\"},\"s\":\"I\",\"msg\":\"m\"}",
			     &r),
	    1);
	assert_int_equal(r.tm.offset_s, 3600);
	assert_int_equal(r.tm.nsec, 123000000);
	assert_int_equal(r.severity, 6);
	assert_field(&r, "t.$date", "2024-03-15T09:00:01.123+01:00");
	/* no time key: still JSON */
	assert_int_equal(parse("{\"msg\":\"m\"}", &r), 1);
	assert_int_equal(r.has_ts, 0);
}

/* Epoch numbers and numeric strings in s, ms, us and ns. */
static void
test_parser_json_epochs(void **state)
{
	struct record r;
	int64_t       s = INT64_C(1710489600) * TSTAMP_NS_PER_S;

	(void)state;
	assert_int_equal(parse("{\"time\":1710489600}", &r), 1);
	assert_epoch(&r, s, 0);
	assert_int_equal(parse("{\"time\":1710489600.25}", &r), 1);
	assert_epoch(&r, s + 250000000, 2);
	assert_int_equal(parse("{\"time\":1710489600123}", &r), 1);
	assert_epoch(&r, s + 123000000, 3);
	assert_int_equal(parse("{\"time\":1710489600123.0}", &r), 1);
	assert_epoch(&r, s + 123000000, 3);
	assert_int_equal(parse("{\"time\":\"1710489600123456\"}", &r), 1);
	assert_epoch(&r, s + 123456000, 6);
	assert_int_equal(parse("{\"time\":1710489600123456789}", &r), 1);
	assert_epoch(&r, s + 123456789, 9);
	assert_int_equal(parse("{\"time\":17104}", &r), 1);
	assert_int_equal(r.has_ts, 0);
	assert_int_equal(parse("{\"time\":1710489600x}", &r), 1);
	assert_int_equal(r.has_ts, 0);
}

/* ISO forms: comma fraction, zone after a space, no zone. */
static void
test_parser_json_iso(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse("{\"asctime\":\"2024-03-15 09:00:01,123\"}", &r), 1);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_NONE);
	assert_int_equal(r.tm.nsec, 123000000);
	assert_int_equal(
	    parse("{\"time\":\"2024-03-15 09:00:01 -0500\"}", &r), 1);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_OFFSET);
	assert_int_equal(r.tm.offset_s, -5 * 3600);
	assert_int_equal(
	    parse("{\"time\":\"2024-03-15 09:00:01 CET\"}", &r), 1);
	assert_int_equal(r.tm.zone, TSTAMP_ZONE_ABBR);
	assert_string_equal(r.tm.abbr, "CET");
}

/* Level words, trailing digits, bunyan numbers and syslog numbers. */
static void
test_parser_json_levels(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(parse("{\"level\":\"WARNING\"}", &r), 1);
	assert_int_equal(r.severity, 4);
	assert_int_equal(parse("{\"lvl\":\"DEBUG5\"}", &r), 1);
	assert_int_equal(r.severity, 7);
	assert_int_equal(parse("{\"s\":\"D2\"}", &r), 1);
	assert_int_equal(r.severity, 7);
	assert_int_equal(parse("{\"level\":30}", &r), 1);
	assert_int_equal(r.severity, 6);
	assert_int_equal(parse("{\"level\":60}", &r), 1);
	assert_int_equal(r.severity, 2);
	assert_int_equal(parse("{\"level\":3}", &r), 1);
	assert_int_equal(r.severity, -1);
	assert_int_equal(parse("{\"PRIORITY\":\"3\"}", &r), 1);
	assert_int_equal(r.severity, 3);
	assert_int_equal(
	    parse("{\"level\":\"bogus\",\"severity\":\"ERROR\"}", &r), 1);
	assert_int_equal(r.severity, 3);
}

/* Host, program and message by priority; nesting stops at one level. */
static void
test_parser_json_roles(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(
	    parse(
		"{\"name\":\"n\",\"logger\":\"lg\",\"host\":"
		"{\"name\":\"h1\",\"deep\":{\"x\":1}},\"arr\":[1,{\"a\":\"]\"}],"
		"\"message\":\"m2\",\"msg\":\"m1\"}",
		&r),
	    1);
	assert_string_equal(r.program, "lg");
	assert_string_equal(r.host, "h1");
	/* a short "msg" reason and the "message" text: both */
	assert_msg(&r, "m1: m2");
	assert_field(&r, "host.name", "h1");
	assert_null(record_field(&r, "host.deep.x"));
	assert_null(record_field(&r, "arr"));
	/* Docker's trailing newline is not part of the message */
	assert_int_equal(parse("{\"log\":\"GET / 200\\n\"}", &r), 1);
	assert_msg(&r, "GET / 200");
	/* without a message key the message is the whole line */
	assert_int_equal(parse(" {\"a\":1}\r\n", &r), 1);
	assert_msg(&r, " {\"a\":1}");
}

/* Fields stop at RECORD_MAX_FIELDS; roles are still found after that. */
static void
test_parser_json_field_cap(void **state)
{
	char          line[2048];
	struct record r;
	size_t        n = 0;
	int           i;

	(void)state;
	n += (size_t)snprintf(line + n, sizeof(line) - n, "{");
	for (i = 0; i < RECORD_MAX_FIELDS + 8; i++)
		n += (size_t)snprintf(
		    line + n, sizeof(line) - n, "\"k%d\":%d,", i, i);
	snprintf(line + n, sizeof(line) - n,
	    "\"msg\":\"late\","
	    "\"ts\":\"2024-03-15T08:00:00Z\"}");
	assert_int_equal(parse(line, &r), 1);
	assert_int_equal(r.nfields, RECORD_MAX_FIELDS);
	assert_int_equal(r.has_ts, 1);
	assert_msg(&r, "late");
}

/* What is not one JSON object is refused; a cut-off line is accepted. */
static void
test_parser_json_not_json(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(parse("{\"a\":1} trailing", &r), 0);
	assert_int_equal(parse("[1,2]", &r), 0);
	assert_int_equal(parse("{a:1}", &r), 0);
	assert_int_equal(parse("{\"a\" 1}", &r), 0);
	assert_int_equal(parse("{\"a\":1,,}", &r), 0);
	assert_int_equal(parse("{\"a\":xyz}", &r), 0);
	assert_int_equal(parse("{{", &r), 0);
	assert_int_equal(parse("{", &r), 0);
	assert_int_equal(parse("", &r), 0);
	assert_int_equal(parse("{\"a\"", &r), 0);
	assert_int_equal(parse("{}", &r), 1);
	/* over-long lines arrive truncated: keep what was read */
	assert_int_equal(
	    parse("{\"ts\":\"2024-03-15T08:00:00Z\",\"msg\":\"cu", &r), 1);
	assert_int_equal(r.has_ts, 1);
}

/* Every prefix of every line parses without reading past its end. */
static void
test_parser_json_prefixes(void **state)
{
	static const char *const lines[] = {
	    "{\"t\":{\"$date\":\"2024-03-15T09:00:01.123+01:00\"},\"s\":"
	    "\"W\",\"attr\":{\"a\":[1,{\"b\":\"}\"}]},\"msg\":\"x\"}",
	    "{\"msg\":\"\\ud83d\\ude00\\u00e9\\n\\q\",\"time\":"
	    "1710489600.5}",
	    "  {\"instant\":{\"epochSecond\":1710489600,"
	    "\"nanoOfSecond\":5},"
	    "\"level\":30, \"ok\":true, \"no\":null, \"n\":-1.5e3}",
	};
	struct record r;
	char          buf[256];
	size_t        i, j, n;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = strlen(lines[i]);
		for (j = 0; j <= n; j++) {
			memcpy(buf, lines[i], j);
			buf[j] = '\0';
			if (parse_cap(buf, &r, j % 7) == 0)
				continue;
			assert_true(r.severity >= -1 && r.severity <= 7);
			assert_true(r.nfields <= RECORD_MAX_FIELDS);
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
	    cmocka_unit_test(test_parser_json_unescape),
	    cmocka_unit_test(test_parser_json_bad_escapes),
	    cmocka_unit_test(test_parser_json_scratch_full),
	    cmocka_unit_test(test_parser_json_time_priority),
	    cmocka_unit_test(test_parser_json_epochs),
	    cmocka_unit_test(test_parser_json_iso),
	    cmocka_unit_test(test_parser_json_levels),
	    cmocka_unit_test(test_parser_json_roles),
	    cmocka_unit_test(test_parser_json_field_cap),
	    cmocka_unit_test(test_parser_json_not_json),
	    cmocka_unit_test(test_parser_json_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
