/*
 * Unit tests for the unclassified signal: places in the miner, what a
 * surfaced line's match holds, counters, and decisions that depend on
 * each input's own lines only; through the public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "category.h"
#include "match.h"
#include "record.h"
#include "template.h"
#include "unclass.h"

#define S   INT64_C(1000000000)
#define MIN (60 * S)
#define T0  (INT64_C(1710493200) * S) /* 2024-03-15T09:00:00Z */

/* Offers msg at T0 + ns, severity sev, from the input at *place. */
static int
offer(struct unclass *u, int *place, const char *msg, int sev, int64_t ns,
    uint64_t lineno, struct match *m)
{
	struct record r;

	memset(&r, 0, sizeof(r));
	r.has_ts = 1;
	r.ts_ns = T0 + ns;
	r.msg = msg;
	r.msg_len = strlen(msg);
	r.severity = sev;
	snprintf(r.host, sizeof(r.host), "web1");
	return unclass_line(u, place, &r, lineno, m);
}

/* 40 minutes of benign lines, one every 10 s: the input is warm. */
static void
warm(struct unclass *u, int *place)
{
	struct match m;
	char         msg[64];
	int          i;

	for (i = 0; i < 240; i++) {
		snprintf(
		    msg, sizeof(msg), "GET /api/items/%d 200 %dms", i, i % 90);
		assert_int_equal(
		    offer(u, place, msg, 6, i * 10 * S, (uint64_t)i + 1, &m),
		    0);
	}
}

/* A signal whose miner has n places. */
static struct unclass *
signal_of(int n)
{
	struct template_conf c;

	template_conf_default(&c);
	c.max_sources = n;
	return unclass_new(&c);
}

static void
test_unclass_surfaced_line_is_an_unclassified_match(void **state)
{
	struct unclass      *u = signal_of(4);
	struct unclass_stats st;
	struct match         m;
	int                  place = unclass_attach(u);

	(void)state;
	assert_int_equal(place, 0);
	warm(u, &place);
	memset(&m, 0, sizeof(m));
	assert_int_equal(
	    offer(u, &place, "payment gateway 10.0.0.7 unreachable", -1,
		41 * MIN, 300, &m),
	    1);
	assert_int_equal(m.cat, CATEGORY_UNCLASSIFIED);
	assert_false(match_is_failure(&m));
	assert_string_equal(m.rule_id, "unclassified.new");
	assert_string_equal(m.title, "new error pattern");
	assert_string_equal(m.message, "payment gateway <*> unreachable");
	assert_string_equal(m.host, "web1");
	assert_true(m.ts_ns == T0 + 41 * MIN);
	assert_true(m.tmpl != 0);
	assert_int_equal(m.fields_len, sizeof("why\0new"));
	assert_memory_equal(m.fields, "why\0new", m.fields_len);
	/* Untimed or empty lines are not offered at all. */
	assert_int_equal(offer(u, &place, "", 3, 42 * MIN, 301, &m), 0);
	unclass_stats(u, &st);
	assert_int_equal(st.lines, 241);
	assert_int_equal(st.surfaced, 1);
	assert_int_equal(st.unplaced, 0);
	assert_int_equal(st.placed, 1);
	assert_int_equal(st.places, 4);
	assert_int_equal(st.miner.sources, 1);
	unclass_detach(u, place);
	unclass_free(u);
	unclass_free(NULL);
}

static void
test_unclass_places_are_bounded_and_given_back(void **state)
{
	struct unclass      *u = signal_of(2);
	struct unclass_stats st;
	struct match         m;
	int                  a, b, c;

	(void)state;
	a = unclass_attach(u);
	b = unclass_attach(u);
	c = unclass_attach(u);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(c, -1);
	warm(u, &a);
	/* No place: counted, not mined. */
	assert_int_equal(offer(u, &c, "disk failed", 3, 0, 1, &m), 0);
	unclass_stats(u, &st);
	assert_int_equal(st.unplaced, 1);
	assert_int_equal(st.miner.templates, 1);
	/* A place given back is forgotten, then taken by the waiting
	 * input at its next line: it starts cold. */
	unclass_detach(u, a);
	unclass_detach(u, -1);
	unclass_stats(u, &st);
	assert_int_equal(st.miner.templates, 0);
	assert_int_equal(st.placed, 1);
	assert_int_equal(offer(u, &c, "disk failed", 3, 41 * MIN, 2, &m), 0);
	assert_int_equal(c, 0);
	unclass_stats(u, &st);
	assert_int_equal(st.unplaced, 1);
	assert_int_equal(st.placed, 2);
	unclass_free(u);
}

/* The lines input k (0 or 1) sends: benign traffic, then its errors. */
static const char *
line_of(int k, int i, char *buf, size_t n)
{
	if (i >= 240 && i % 3 == 0)
		snprintf(buf, n, "%s could not finish (%d)",
		    k ? "replica" : "export", i % 4);
	else
		snprintf(buf, n, "%s tick %d ok", k ? "replica" : "export", i);
	return buf;
}

/*
 * Runs two inputs through u, interleaved one line each (alt) or the
 * first whole then the second; returns a hash of every surfaced match's
 * line, text and title, per input.
 */
static uint32_t
run_two(struct unclass *u, int alt)
{
	struct match m;
	char         buf[64];
	uint32_t     h[2] = {2166136261u, 2166136261u};
	int          place[2] = {unclass_attach(u), unclass_attach(u)};
	int          i, k, step;
	size_t       j;

	for (step = 0; step < 2 * 300; step++) {
		k = alt ? step % 2 : step / 300;
		i = alt ? step / 2 : step % 300;
		if (!offer(u, &place[k], line_of(k, i, buf, sizeof(buf)), -1,
			(int64_t)i * 10 * S, (uint64_t)i + 1, &m))
			continue;
		h[k] = (h[k] ^ (uint32_t)m.lineno) * 16777619u;
		for (j = 0; m.message[j] != '\0'; j++)
			h[k] = (h[k] ^ (unsigned char)m.message[j]) * 16777619u;
		h[k] = (h[k] ^ (unsigned char)m.title[0]) * 16777619u;
	}
	unclass_detach(u, place[0]);
	unclass_detach(u, place[1]);
	return h[0] ^ h[1] * 31u;
}

static void
test_unclass_decisions_depend_on_each_inputs_own_lines(void **state)
{
	struct unclass      *u1 = signal_of(8), *u2 = signal_of(8);
	struct unclass_stats s1, s2;

	(void)state;
	/* Replay reads one file after another, the daemon interleaves. */
	assert_int_equal(run_two(u1, 0), run_two(u2, 1));
	unclass_stats(u1, &s1);
	unclass_stats(u2, &s2);
	assert_true(s1.surfaced > 0);
	assert_int_equal(s1.surfaced, s2.surfaced);
	unclass_free(u1);
	unclass_free(u2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_unclass_surfaced_line_is_an_unclassified_match),
	    cmocka_unit_test(test_unclass_places_are_bounded_and_given_back),
	    cmocka_unit_test(
		test_unclass_decisions_depend_on_each_inputs_own_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
