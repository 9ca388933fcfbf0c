/*
 * Unit tests for category.c: names both ways, which categories are
 * failures, the phrases and slugs that name incidents, and lanes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "category.h"

/* Every category's name reads back as the same category. */
static void
test_category_names(void **state)
{
	int c;

	(void)state;
	assert_int_equal(CATEGORY_UNCLASSIFIED, 0);
	for (c = 1; c < CATEGORY_COUNT; c++)
		assert_int_equal(category_from_name(category_name(c)), c);
	assert_string_equal(
	    category_name(CATEGORY_DB_CONNECTION_ERROR), "db_connection_error");
	assert_string_equal(category_name(CATEGORY_NOTE), "note");
	assert_int_equal(category_from_name("deploy"), CATEGORY_DEPLOY);
	assert_int_equal(category_from_name("crash"), CATEGORY_CRASH);
}

/* Names that are not a rule's category give CATEGORY_UNCLASSIFIED. */
static void
test_category_unknown(void **state)
{
	(void)state;
	assert_int_equal(category_from_name("crashes"), CATEGORY_UNCLASSIFIED);
	assert_int_equal(category_from_name(""), CATEGORY_UNCLASSIFIED);
	assert_int_equal(category_from_name("Deploy"), CATEGORY_UNCLASSIFIED);
	assert_int_equal(
	    category_from_name("unclassified"), CATEGORY_UNCLASSIFIED);
	assert_string_equal(
	    category_name(CATEGORY_UNCLASSIFIED), "unclassified");
	assert_string_equal(category_name(CATEGORY_COUNT), "unclassified");
	assert_string_equal(category_name((enum category) - 1), "unclassified");
}

/* The seven contract failure categories, and only they, are failures. */
static void
test_category_failures(void **state)
{
	int c, n = 0;

	(void)state;
	for (c = 0; c < CATEGORY_COUNT; c++)
		n += category_is_failure(c);
	assert_int_equal(n, 7);
	assert_false(category_is_failure(CATEGORY_DEPLOY));
	assert_false(category_is_failure(CATEGORY_RECOVERY));
	assert_false(category_is_failure(CATEGORY_NOTE));
	assert_false(category_is_failure(CATEGORY_UNCLASSIFIED));
	assert_true(category_is_failure(CATEGORY_POOL_EXHAUSTION));
	assert_true(category_is_failure(CATEGORY_EXTERNAL_DEPENDENCY));
	assert_true(category_is_failure(CATEGORY_CRASH));
}

/* Failures have a phrase and a slug; the others have neither. */
static void
test_category_phrase_slug(void **state)
{
	int c;

	(void)state;
	for (c = 0; c < CATEGORY_COUNT; c++) {
		assert_int_equal(
		    category_phrase(c) != NULL, category_is_failure(c));
		assert_int_equal(
		    category_slug(c) != NULL, category_is_failure(c));
	}
	assert_string_equal(category_phrase(CATEGORY_DB_CONNECTION_ERROR),
	    "Database connection errors");
	assert_string_equal(category_slug(CATEGORY_DB_CONNECTION_ERROR), "db");
	assert_string_equal(category_slug(CATEGORY_UPSTREAM_ERROR), "upstream");
	assert_null(category_phrase(CATEGORY_DEPLOY));
}

/* Lanes are a permutation of the categories but unclassified. */
static void
test_category_lanes(void **state)
{
	int seen[CATEGORY_COUNT] = {0}, lane;

	(void)state;
	for (lane = 0; lane < CATEGORY_LANES; lane++) {
		enum category c = category_at_lane(lane);

		assert_int_not_equal(c, CATEGORY_UNCLASSIFIED);
		assert_int_equal(category_lane(c), lane);
		assert_int_equal(seen[c]++, 0);
	}
	assert_int_equal(category_lane(CATEGORY_UNCLASSIFIED), -1);
	assert_int_equal(category_at_lane(-1), CATEGORY_UNCLASSIFIED);
	assert_int_equal(
	    category_at_lane(CATEGORY_LANES), CATEGORY_UNCLASSIFIED);
	assert_int_equal(category_at_lane(0), CATEGORY_DEPLOY);
	assert_int_equal(category_at_lane(5), CATEGORY_NOTE);
	assert_int_equal(category_at_lane(13), CATEGORY_RECOVERY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_category_names),
	    cmocka_unit_test(test_category_unknown),
	    cmocka_unit_test(test_category_failures),
	    cmocka_unit_test(test_category_phrase_slug),
	    cmocka_unit_test(test_category_lanes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
