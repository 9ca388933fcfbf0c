/*
 * Unit tests for merge: order across sources, the watermark rule, late
 * matches, sources that end or rest, and the bound on pending matches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "match.h"
#include "merge.h"

/* Pushes a match at time t (seconds) with line number line. */
static void
push(struct merge *m, int src, int64_t t, uint64_t line)
{
	struct match x;

	memset(&x, 0, sizeof(x));
	x.ts_ns = t;
	x.lineno = line;
	x.source = src;
	merge_push(m, src, &x);
}

/* Pops every final match; their line numbers into out. */
static int
drain(struct merge *m, uint64_t *out, int max)
{
	struct match x;
	int          n = 0, src;

	while (n < max && merge_pop(m, &x, &src))
		out[n++] = x.lineno;
	return n;
}

static void
test_merge_orders_across_sources(void **state)
{
	struct merge *m = merge_new(100);
	int           a = merge_source_add(m), b = merge_source_add(m);
	uint64_t      got[8];

	(void)state;
	push(m, a, 10, 1);
	push(m, a, 30, 2);
	push(m, b, 20, 3);
	push(m, b, 40, 4);
	assert_int_equal(drain(m, got, 8), 0); /* no watermark yet */
	merge_watermark(m, a, MERGE_DONE);
	merge_watermark(m, b, MERGE_DONE);
	assert_int_equal(drain(m, got, 8), 4);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 3);
	assert_int_equal(got[2], 2);
	assert_int_equal(got[3], 4);
	merge_free(m);
}

static void
test_merge_pops_only_what_every_watermark_passed(void **state)
{
	struct merge *m = merge_new(100);
	int           a = merge_source_add(m), b = merge_source_add(m);
	uint64_t      got[8];

	(void)state;
	push(m, a, 10, 1);
	push(m, a, 50, 2);
	merge_watermark(m, a, 45);
	merge_watermark(m, b, 20);
	assert_int_equal(drain(m, got, 8), 1); /* 10 <= 20; 50 waits */
	assert_int_equal(merge_lowest(m), b);
	merge_watermark(m, b, 60);
	assert_int_equal(drain(m, got, 8), 0); /* a's watermark 45 < 50 */
	assert_int_equal(merge_lowest(m), a);
	merge_watermark(m, a, 50);
	assert_int_equal(drain(m, got, 8), 1);
	assert_int_equal(got[0], 2);
	merge_free(m);
}

static void
test_merge_reorders_within_the_window(void **state)
{
	struct merge *m = merge_new(100);
	int           a = merge_source_add(m);
	uint64_t      got[8];

	(void)state;
	/* A source whose lines are a little out of order: newest 100, a
	 * window of 60 means nothing older than 40 can still come. */
	push(m, a, 100, 1);
	push(m, a, 70, 2);
	push(m, a, 90, 3);
	merge_watermark(m, a, 100 - 60);
	assert_int_equal(drain(m, got, 8), 0);
	merge_watermark(m, a, MERGE_DONE);
	assert_int_equal(drain(m, got, 8), 3);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 3);
	assert_int_equal(got[2], 1);
	assert_int_equal(merge_late(m, a), 0);
	merge_free(m);
}

static void
test_merge_counts_late_matches_and_still_pops_them(void **state)
{
	struct merge *m = merge_new(100);
	int           a = merge_source_add(m);
	uint64_t      got[8];

	(void)state;
	push(m, a, 100, 1);
	merge_watermark(m, a, 100);
	assert_int_equal(drain(m, got, 8), 1);
	push(m, a, 50, 2); /* older than what was popped */
	assert_int_equal(drain(m, got, 8), 1);
	assert_int_equal(got[0], 2);
	assert_int_equal(merge_late(m, a), 1);
	merge_free(m);
}

static void
test_merge_ended_source_does_not_stall_the_head(void **state)
{
	struct merge *m = merge_new(100);
	int           a = merge_source_add(m), idle = merge_source_add(m);
	uint64_t      got[8];

	(void)state;
	push(m, a, 10, 1);
	merge_watermark(m, a, 30);
	assert_int_equal(drain(m, got, 8), 0); /* idle holds it back */
	merge_watermark(m, idle, MERGE_DONE);  /* ended, or resting */
	assert_int_equal(drain(m, got, 8), 1);
	assert_int_equal(merge_lowest(m), a);
	merge_watermark(m, a, MERGE_DONE);
	assert_int_equal(merge_lowest(m), -1);
	merge_free(m);
}

static void
test_merge_bound_forces_pops_and_drops_nothing(void **state)
{
	struct merge *m = merge_new(3);
	int           a = merge_source_add(m), i;
	uint64_t      got[16];

	(void)state;
	for (i = 0; i < 10; i++)
		push(m, a, 100 + i, (uint64_t)i + 1);
	/* No watermark: only what is over the bound comes out. */
	assert_int_equal(drain(m, got, 16), 7);
	assert_int_equal(got[0], 1);
	assert_int_equal(merge_pending(m), 3);
	assert_int_equal(merge_forced(m), 7);
	merge_watermark(m, a, MERGE_DONE);
	assert_int_equal(drain(m, got, 16), 3);
	assert_int_equal(got[2], 10);
	assert_int_equal(merge_forced(m), 7);
	merge_free(m);
}

static void
test_merge_many_sources_and_matches(void **state)
{
	struct merge *m = merge_new(1 << 20);
	struct match  x;
	int64_t       last = INT64_MIN;
	int           s, i, n = 0, src;

	(void)state;
	for (s = 0; s < 300; s++)
		merge_source_add(m);
	for (i = 0; i < 3000; i++)
		push(m, i % 300, (i * 7919) % 1000, (uint64_t)i);
	for (s = 0; s < 300; s++)
		merge_watermark(m, s, MERGE_DONE);
	while (merge_pop(m, &x, &src)) {
		assert_true(x.ts_ns >= last);
		last = x.ts_ns;
		n++;
	}
	assert_int_equal(n, 3000);
	merge_free(m);
}

static void
test_merge_removed_source_is_reused_once_drained(void **state)
{
	struct merge *m = merge_new(100);
	int           a = merge_source_add(m), b = merge_source_add(m), c;
	uint64_t      got[8];

	(void)state;
	push(m, a, 10, 1);
	merge_source_remove(m, a); /* a match still pending */
	c = merge_source_add(m);
	assert_true(c != a);
	assert_true(merge_oldest(m) == 10);
	merge_watermark(m, b, 20);
	merge_watermark(m, c, 20);
	assert_int_equal(drain(m, got, 8), 1);
	assert_true(merge_oldest(m) == INT64_MAX);
	assert_int_equal(merge_source_add(m), a); /* now free again */
	assert_int_equal(merge_lowest(m), a);     /* holds back, fresh */
	merge_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_orders_across_sources),
	    cmocka_unit_test(test_merge_pops_only_what_every_watermark_passed),
	    cmocka_unit_test(test_merge_reorders_within_the_window),
	    cmocka_unit_test(
		test_merge_counts_late_matches_and_still_pops_them),
	    cmocka_unit_test(test_merge_ended_source_does_not_stall_the_head),
	    cmocka_unit_test(test_merge_bound_forces_pops_and_drops_nothing),
	    cmocka_unit_test(test_merge_many_sources_and_matches),
	    cmocka_unit_test(test_merge_removed_source_is_reused_once_drained),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
