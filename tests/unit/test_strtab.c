/*
 * Unit tests for strtab: stable dense ids, lookups, growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "strtab.h"

static void
test_strtab_ids_are_dense_and_stable(void **state)
{
	struct strtab *t = strtab_new();
	uint32_t       id;

	(void)state;
	assert_int_equal(strtab_intern(t, "app.log"), 0);
	assert_int_equal(strtab_intern(t, "syslog"), 1);
	assert_int_equal(strtab_intern(t, "app.log"), 0);
	assert_string_equal(strtab_get(t, 1), "syslog");
	assert_null(strtab_get(t, 2));
	assert_true(strtab_find(t, "syslog", &id));
	assert_int_equal(id, 1);
	assert_false(strtab_find(t, "nope", &id));
	strtab_free(t);
}

static void
test_strtab_grows_and_keeps_every_string(void **state)
{
	struct strtab *t = strtab_new();
	char           buf[32];
	uint32_t       i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		snprintf(buf, sizeof(buf), "f%u.log", i);
		assert_int_equal(strtab_intern(t, buf), i);
	}
	assert_int_equal(strtab_count(t), 100000);
	for (i = 0; i < 100000; i += 997) {
		snprintf(buf, sizeof(buf), "f%u.log", i);
		assert_string_equal(strtab_get(t, i), buf);
		assert_int_equal(strtab_intern(t, buf), i);
	}
	strtab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strtab_ids_are_dense_and_stable),
	    cmocka_unit_test(test_strtab_grows_and_keeps_every_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
