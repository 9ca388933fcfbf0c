/*
 * Unit tests for jsonpos.c: keys found in their own object only, array
 * elements, values, repeated keys, lines, and staying in bounds on text
 * that is not JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonpos.h"

/* A configuration with "tz" at three places and tricky strings. */
static const char conf_text[] =
    "{\n"                                        /* 1 */
    "  \"tz\": \"UTC\",\n"                       /* 2 */
    "  \"note\": \"a \\\"tz\\\": {[ trap\",\n"   /* 3 */
    "  \"sources\": [\n"                         /* 4 */
    "    {\"path\": \"/a\", \"tz\": \"UTC\"},\n" /* 5 */
    "    {\"path\": \"/b\",\n"                   /* 6 */
    "     \"tz\": \"Asia/Kolkata\"},\n"          /* 7 */
    "    [1, 2.5e3, true, null, {\"tz\": 1}]\n"  /* 8 */
    "  ],\n"                                     /* 9 */
    "  \"incident\": {\"quiet_period_s\": 60}\n" /* 10 */
    "}\n";

/* Sets jp up on a NUL-terminated text. */
static void
init(struct jsonpos *jp, const char *text)
{
	jsonpos_init(jp, text, strlen(text));
}

/* Returns the line of the key at off, asserting that it was found. */
static int
line_of(struct jsonpos *jp, size_t off)
{
	assert_int_not_equal(off, JSONPOS_NONE);
	return jsonpos_line(jp, off);
}

/* A key is found in its own object, not in strings or nested objects. */
static void
test_jsonpos_key(void **state)
{
	struct jsonpos jp;
	size_t         root;

	(void)state;
	init(&jp, conf_text);
	root = jsonpos_root(&jp);
	assert_int_equal(root, 0);
	assert_int_equal(line_of(&jp, jsonpos_key(&jp, root, "tz")), 2);
	assert_int_equal(line_of(&jp, jsonpos_key(&jp, root, "sources")), 4);
	assert_int_equal(line_of(&jp, jsonpos_key(&jp, root, "incident")), 10);
	assert_int_equal(jsonpos_key(&jp, root, "path"), JSONPOS_NONE);
	assert_int_equal(
	    jsonpos_key(&jp, root, "quiet_period_s"), JSONPOS_NONE);
	assert_int_equal(jsonpos_key(&jp, root, "t"), JSONPOS_NONE);
	assert_int_equal(jsonpos_key(&jp, JSONPOS_NONE, "tz"), JSONPOS_NONE);
}

/* The same key in the second source has its own line. */
static void
test_jsonpos_repeated_in_elements(void **state)
{
	struct jsonpos jp;
	size_t         src, e;

	(void)state;
	init(&jp, conf_text);
	src = jsonpos_value(
	    &jp, jsonpos_key(&jp, jsonpos_root(&jp), "sources"));
	assert_int_equal(conf_text[src], '[');
	e = jsonpos_elem(&jp, src, 0);
	assert_int_equal(line_of(&jp, jsonpos_key(&jp, e, "tz")), 5);
	e = jsonpos_elem(&jp, src, 1);
	assert_int_equal(line_of(&jp, e), 6);
	assert_int_equal(line_of(&jp, jsonpos_key(&jp, e, "tz")), 7);
	assert_int_equal(line_of(&jp, jsonpos_key(&jp, e, "path")), 6);
	e = jsonpos_elem(&jp, src, 2);
	assert_int_equal(conf_text[e], '[');
	assert_int_equal(jsonpos_key(&jp, e, "tz"), JSONPOS_NONE);
	assert_int_equal(jsonpos_elem(&jp, src, 3), JSONPOS_NONE);
	assert_int_equal(jsonpos_elem(&jp, jsonpos_root(&jp), 0), JSONPOS_NONE);
}

/* Elements of every kind are stepped over, and values found. */
static void
test_jsonpos_elements(void **state)
{
	static const char *const want[] = {"1", "2.5e3", "true", "null", "{"};
	struct jsonpos           jp;
	size_t                   arr, e, i = 0;

	(void)state;
	init(&jp, conf_text);
	arr = jsonpos_elem(&jp,
	    jsonpos_value(&jp, jsonpos_key(&jp, jsonpos_root(&jp), "sources")),
	    2);
	for (e = jsonpos_first(&jp, arr); e != JSONPOS_NONE;
	     e = jsonpos_next(&jp, e), i++) {
		assert_true(i < 5);
		assert_memory_equal(conf_text + e, want[i], strlen(want[i]));
	}
	assert_int_equal(i, 5);
	e = jsonpos_elem(&jp, arr, 4);
	assert_int_equal(jsonpos_end(&jp, e) - e, strlen("{\"tz\": 1}"));
	e = jsonpos_value(&jp, jsonpos_key(&jp, e, "tz"));
	assert_memory_equal(conf_text + e, "1}", 2);
	assert_int_equal(jsonpos_value(&jp, arr), JSONPOS_NONE);
}

/* Empty containers and scalars have no first item. */
static void
test_jsonpos_empty(void **state)
{
	struct jsonpos jp;

	(void)state;
	init(&jp, " { } ");
	assert_int_equal(jsonpos_root(&jp), 1);
	assert_int_equal(jsonpos_first(&jp, 1), JSONPOS_NONE);
	assert_int_equal(jsonpos_key(&jp, 1, "a"), JSONPOS_NONE);
	init(&jp, "[]");
	assert_int_equal(jsonpos_first(&jp, 0), JSONPOS_NONE);
	assert_int_equal(jsonpos_elem(&jp, 0, 0), JSONPOS_NONE);
	init(&jp, "42");
	assert_int_equal(jsonpos_first(&jp, 0), JSONPOS_NONE);
	assert_int_equal(jsonpos_end(&jp, 0), 2);
	init(&jp, "   ");
	assert_int_equal(jsonpos_root(&jp), JSONPOS_NONE);
}

/* A key repeated in one object is found, with its first occurrence. */
static void
test_jsonpos_repeated(void **state)
{
	struct jsonpos jp;
	size_t         first = 0, k;

	(void)state;
	init(&jp, conf_text);
	assert_int_equal(
	    jsonpos_repeated(&jp, jsonpos_root(&jp), &first), JSONPOS_NONE);
	init(
	    &jp, "{\"a\": 1,\n \"s\": [{\"tz\": 1,\n \"tz\": 2}],\n \"a\": 3}");
	k = jsonpos_repeated(&jp, jsonpos_root(&jp), &first);
	assert_int_equal(line_of(&jp, k), 3);
	assert_int_equal(line_of(&jp, first), 2);
	assert_memory_equal(jp.text + k, "\"tz\"", 4);
	init(&jp, "{\"a\": {\"b\": 1},\n \"b\": 2,\n \"a\": 3}");
	k = jsonpos_repeated(&jp, jsonpos_root(&jp), &first);
	assert_int_equal(line_of(&jp, k), 3);
	assert_int_equal(first, 1);
	init(&jp, "[{\"x\": 1}, {\"x\": 2, \"y\": 3, \"x\": 4}]");
	k = jsonpos_repeated(&jp, jsonpos_root(&jp), &first);
	assert_int_equal(k, strlen("[{\"x\": 1}, {\"x\": 2, \"y\": 3, "));
	assert_int_equal(first, strlen("[{\"x\": 1}, {"));
}

/* Lines count from 1, in any order of asking. */
static void
test_jsonpos_line(void **state)
{
	struct jsonpos jp;

	(void)state;
	init(&jp, "a\nb\n\nc");
	assert_int_equal(jsonpos_line(&jp, 5), 4);
	assert_int_equal(jsonpos_line(&jp, 0), 1);
	assert_int_equal(jsonpos_line(&jp, 2), 2);
	assert_int_equal(jsonpos_line(&jp, 4), 3);
	assert_int_equal(jsonpos_line(&jp, 1000), 4);
	assert_int_equal(jsonpos_line(&jp, JSONPOS_NONE), 1);
	assert_int_equal(jsonpos_line(&jp, 3), 2);
}

/* Text that is not JSON (cut short, unbalanced) never reads past its end. */
static void
test_jsonpos_not_json(void **state)
{
	static const char *const bad[] = {"{\"a\": [1, {\"b\": \"x", "{\"a\"",
	    "{\"a\": }", "[,,]", "}}}", "{\"a\\", "\"", "[1 2 3",
	    "{\"a\": 1 \"b\": 2}", "{\"a\": 1, \"a\""};
	struct jsonpos           jp;
	size_t                   i, off, first, n;
	char                    *copy;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		/* An exact-size copy, so ASan sees any read past the end. */
		n = strlen(bad[i]);
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, bad[i], n);
		jsonpos_init(&jp, copy, n);
		off = jsonpos_root(&jp);
		assert_true(jsonpos_end(&jp, off) <= n);
		for (off = jsonpos_first(&jp, off); off != JSONPOS_NONE;
		     off = jsonpos_next(&jp, off)) {
			assert_true(off < n);
			(void)jsonpos_value(&jp, off);
		}
		(void)jsonpos_key(&jp, jsonpos_root(&jp), "b");
		(void)jsonpos_repeated(&jp, jsonpos_root(&jp), &first);
		free(copy);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jsonpos_key),
	    cmocka_unit_test(test_jsonpos_repeated_in_elements),
	    cmocka_unit_test(test_jsonpos_elements),
	    cmocka_unit_test(test_jsonpos_empty),
	    cmocka_unit_test(test_jsonpos_repeated),
	    cmocka_unit_test(test_jsonpos_line),
	    cmocka_unit_test(test_jsonpos_not_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
