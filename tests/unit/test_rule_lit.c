/*
 * Unit tests for rule_lit.c: the literals extracted from patterns, as a
 * table (pattern, flags, literals as rule_lit_format() writes them), and
 * the accessors and formatting. Every pattern compiles with PCRE2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rule_lit.h"

/*
 * Each pattern's required literals. The prefilter ignores sets whose
 * shortest string is under 3 bytes ("a", "xx" ...): rule.c's choice.
 */
static const struct {
	const char *pattern;
	const char *flags;
	const char *lits;
} lit_cases[] = {
    {"connection refused", "", "\"connection refused\""},
    {"Too Many (clients|connections)", "i",
	"\"too many clients\" \"too many connections\""},
    {"colou?r (red|blue)", "",
	"\"color blue\" \"color red\" \"colour blue\" \"colour red\""},
    {"^(?:foo|ba)\\d+ server", "", "\" server\""},
    {"\\bOOM\\b|out of memory", "", "\"oom\" \"out of memory\""},
    {"a\\.b\\(c\\)\\[d\\]", "", "\"a.b(c)[d]\""},
    {"[Ee]rror: disk", "", "\"error: disk\""},
    {"(a+)+$", "", "\"a\""},
    {"foo(bar)?baz", "", "\"foobarbaz\" \"foobaz\""},
    {"too \\s+ many  # comment\n clients", "x", "\"manyclients\""},
    {"(?x) disk\\ full (?-x)at x", "", "\"disk fullat x\""},
    {"(?=.*panic)kernel: ", "", "\"kernel: \""},
    {"status=5\\d\\d", "", "\"status=5\""},
    {"(?<db>\\w+) (?:is|was) down", "", "\" is down\" \" was down\""},
    {"x{2}yz", "", "\"xxyz\""},
    {"x{2,}yz", "", "\"xx\""},
    {"\\Qa.b*c\\E+d", "", "\"a.b*c\""},
    {"(foo|\\d+)ba", "", "\"ba\""},
    {"(foo|\\d+)bar", "", "\"bar\""},
    {"(foo|\\d+)barn", "", "\"barn\""},
    {"(?i)ERROR", "", "\"error\""},
    {"[^x]yz", "", "\"yz\""},
    {"(foo|ba)", "", "\"ba\" \"foo\""},
    {"hello(?#comment)world", "", "\"helloworld\""},
    {"a{,2}bcdef", "", ""},
    {"(?:ab|cd){2}xyz", "", "\"ababxyz\" \"abcdxyz\" \"cdabxyz\" \"cdcdxyz\""},
    {"[[:digit:]]+ms timeout", "", "\"ms timeout\""},
    {"\\x41\\x{42}C\\n?", "", "\"abc\""},
    {"\\x41\\x{42}C\\n", "", "\"abc\\x0a\""},
    {"(?|(a)|(b))xyz", "", "\"axyz\" \"bxyz\""},
    {"[a-c]bcd", "", "\"abcd\" \"bbcd\" \"cbcd\""},
    {"[a-z]bcd", "", "\"bcd\""},
    {"(?:error|fail(?:ed|ure)?)\\b", "", "\"error\" \"fail\""},
    {"abc|", "", ""},
    {"(abc)*def", "", "\"def\""},
    {"abc(*SKIP)def", "", ""},
    {"(a)?(?(1)abc|def)", "", ""},
    {"x\\d{1,3}\\.\\d+ (GET|POST) /api", "", "\" get /api\" \" post /api\""},
    {"\\\\server\\\\share", "", "\"\\x5cserver\\x5cshare\""},
    {"(error|terror) x", "", "\"error x\""},
};

/* Literal extraction follows the tricky parts of the syntax. */
static void
test_rule_lit_extraction(void **state)
{
	struct rule_lit *lits;
	char             buf[256];
	size_t           i;

	(void)state;
	for (i = 0; i < sizeof(lit_cases) / sizeof(*lit_cases); i++) {
		lits = rule_lit_extract(lit_cases[i].pattern,
		    strchr(lit_cases[i].flags, 'x') != NULL);
		rule_lit_format(lits, buf, sizeof(buf));
		if (strcmp(buf, lit_cases[i].lits) != 0)
			fail_msg("pattern /%s/: literals %s, want %s",
			    lit_cases[i].pattern, buf, lit_cases[i].lits);
		rule_lit_free(lits);
	}
}

/* The accessors: count, sorted strings, the shortest length. */
static void
test_rule_lit_access(void **state)
{
	struct rule_lit *lits;

	(void)state;
	lits = rule_lit_extract("Too Many (clients|conns)", 0);
	assert_int_equal(rule_lit_count(lits), 2);
	assert_string_equal(rule_lit_get(lits, 0), "too many clients");
	assert_string_equal(rule_lit_get(lits, 1), "too many conns");
	assert_null(rule_lit_get(lits, 2));
	assert_null(rule_lit_get(lits, -1));
	assert_int_equal(rule_lit_min(lits), 14);
	rule_lit_free(lits);
	lits = rule_lit_extract("\\w+=\\d+", 0);
	assert_int_equal(rule_lit_count(lits), 1);
	assert_int_equal(rule_lit_min(lits), 1);
	rule_lit_free(lits);
	lits = rule_lit_extract(".*", 0);
	assert_int_equal(rule_lit_count(lits), 0);
	assert_int_equal(rule_lit_min(lits), -1);
	rule_lit_free(lits);
	rule_lit_free(NULL);
}

/* Formatting truncates at any size and always terminates. */
static void
test_rule_lit_format_truncates(void **state)
{
	struct rule_lit *lits = rule_lit_extract("ab\\x01|cd\"e", 0);
	char             buf[64];
	size_t           n, size;

	(void)state;
	n = rule_lit_format(lits, buf, sizeof(buf));
	assert_string_equal(buf, "\"ab\\x01\" \"cd\\x22e\"");
	assert_int_equal(n, strlen(buf));
	for (size = 1; size < 20; size++) {
		memset(buf, 'z', sizeof(buf));
		n = rule_lit_format(lits, buf, size);
		assert_int_equal(n, size - 1);
		assert_int_equal(buf[n], '\0');
	}
	assert_int_equal(rule_lit_format(lits, buf, 0), 0);
	rule_lit_free(lits);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_lit_extraction),
	    cmocka_unit_test(test_rule_lit_access),
	    cmocka_unit_test(test_rule_lit_format_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
