/*
 * Unit tests for match: what a rule hit keeps of its line is bounded,
 * valid UTF-8 and independent of the line buffer; order is by time, then
 * arrival.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "match.h"
#include "record.h"
#include "rule.h"

static char r_id[] = "t.rule", r_cat[] = "crash", r_title[] = "died: {who}";
static struct rule rule = {.id = r_id,
    .category = r_cat,
    .cat = CATEGORY_CRASH,
    .title = r_title,
    .open_min = 3};

static void
test_match_keeps_a_bounded_utf8_copy(void **state)
{
	static char     line[2000];
	struct record   r;
	struct rule_hit h;
	struct match    m;
	size_t          i;

	(void)state;
	/* 510 ASCII bytes, then a 3-byte character across byte 512. */
	memset(line, 'a', 510);
	memcpy(line + 510, "\xe2\x82\xac", 3);
	memset(line + 513, 'b', 100);
	memset(&r, 0, sizeof(r));
	record_reset(&r, line, 613);
	r.ts_ns = 42;
	r.has_ts = 1;
	snprintf(r.host, sizeof(r.host), "web1");
	memset(&h, 0, sizeof(h));
	h.rule = &rule;
	h.ncap = 1;
	h.cap[0].name = "who";
	h.cap[0].val = "db";
	h.cap[0].val_len = 2;
	match_from_hit(&m, &r, &h);
	assert_int_equal(strlen(m.message), 510); /* not half a character */
	for (i = 0; i < 510; i++)
		assert_int_equal(m.message[i], 'a');
	line[0] = 'Z'; /* the line buffer moves on; the match does not */
	assert_int_equal(m.message[0], 'a');
	assert_string_equal(m.title, "died: db");
	assert_string_equal(m.rule_id, "t.rule");
	assert_int_equal(m.cat, CATEGORY_CRASH);
	assert_int_equal(m.open_min, 3);
	assert_string_equal(m.host, "web1");
	assert_true(match_is_failure(&m));
	assert_string_equal(m.fields, "who");
	assert_string_equal(m.fields + 4, "db");
}

static void
test_match_fields_beyond_capacity_are_dropped_whole(void **state)
{
	static char     big[400];
	struct record   r;
	struct rule_hit h;
	struct match    m;
	int             i;

	(void)state;
	memset(big, 'v', sizeof(big));
	memset(&r, 0, sizeof(r));
	record_reset(&r, "x", 1);
	memset(&h, 0, sizeof(h));
	h.rule = &rule;
	for (i = 0; i < 6; i++) {
		h.cap[i].name = "k";
		h.cap[i].val = big;
		h.cap[i].val_len = sizeof(big);
	}
	h.ncap = 6;
	match_from_hit(&m, &r, &h);
	assert_true(m.fields_len <= sizeof(m.fields));
	assert_int_equal(m.fields[m.fields_len - 1], '\0');
}

static void
test_match_orders_by_time_then_arrival(void **state)
{
	struct match a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.ts_ns = b.ts_ns = 10;
	a.seq = 1;
	b.seq = 2;
	assert_true(match_cmp(&a, &b) < 0);
	b.ts_ns = 9;
	assert_true(match_cmp(&a, &b) > 0);
	assert_int_equal(match_cmp(&a, &a), 0);
}

/* A packed match reads back the same, in less room, several in a row. */
static void
test_match_pack_round_trip(void **state)
{
	static char  buf[4 * sizeof(struct match)];
	struct match a, b, c;
	size_t       n, off;

	(void)state;
	memset(&a, 0x5a, sizeof(a)); /* garbage after the strings */
	a.ts_ns = -1234567890123LL;
	a.utc_offset = -18000;
	a.frac_digits = 3;
	a.ambiguous = 1;
	a.source = 7;
	a.group = 2;
	a.lineno = 99999;
	a.end_off = 1ULL << 40;
	a.seq = 5;
	a.tmpl = 42;
	a.cat = CATEGORY_DB_CONNECTION_ERROR;
	a.open_min = 4;
	snprintf(a.rule_id, sizeof(a.rule_id), "pg.refused");
	snprintf(a.host, sizeof(a.host), "db1");
	memset(a.message, 'm', sizeof(a.message) - 1);
	a.message[sizeof(a.message) - 1] = '\0';
	snprintf(a.title, sizeof(a.title), "Database refused");
	memcpy(a.fields, "k\0v\0db\0main", 12); /* and the literal's NUL */
	a.fields_len = 12;
	n = match_pack(&a, buf);
	assert_int_equal(n, match_packed_size(&a));
	assert_true(n < sizeof(struct match));
	a.seq = 6;
	off = n + match_pack(&a, buf + n);
	n = match_unpack(&b, buf);
	assert_int_equal(n + match_unpack(&c, buf + n), off);
	assert_int_equal(b.ts_ns, a.ts_ns);
	assert_int_equal(b.utc_offset, a.utc_offset);
	assert_int_equal(b.frac_digits, 3);
	assert_int_equal(b.ambiguous, 1);
	assert_int_equal(b.source, 7);
	assert_int_equal(b.group, 2);
	assert_int_equal(b.lineno, 99999);
	assert_int_equal(b.end_off, 1ULL << 40);
	assert_int_equal(b.seq, 5);
	assert_int_equal(b.tmpl, 42);
	assert_int_equal(c.seq, 6);
	assert_int_equal(b.cat, CATEGORY_DB_CONNECTION_ERROR);
	assert_int_equal(b.open_min, 4);
	assert_null(b.ref);
	assert_string_equal(b.rule_id, "pg.refused");
	assert_string_equal(b.host, "db1");
	assert_string_equal(b.message, a.message);
	assert_string_equal(b.title, "Database refused");
	assert_int_equal(b.fields_len, 12);
	assert_memory_equal(b.fields, a.fields, 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match_keeps_a_bounded_utf8_copy),
	    cmocka_unit_test(
		test_match_fields_beyond_capacity_are_dropped_whole),
	    cmocka_unit_test(test_match_orders_by_time_then_arrival),
	    cmocka_unit_test(test_match_pack_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
