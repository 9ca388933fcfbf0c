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
    {"refused|refused1|refused2|refused3|refused4|refused5|refused6|"
     "refused7|refused8|refused9|refused10|refused11|refused12|refused13|"
     "refused14|refused15|refused16|refused17|refused18|refused19",
	"", "\"refused\""},
    {"\\b(?:fail(?:ed|ure)?|abort(?:ed)?|crash(?:ed)?|died|dead|down)\\b", "",
	"\"abort\" \"crash\" \"dead\" \"died\" \"down\" \"fail\""},
};

/*
 * Writes a pattern of n alternatives "word0001 x|word0002 x|..." into buf
 * (that long a vocabulary, as in a big rule of error names).
 */
static void
lit_words(char *buf, size_t size, int n)
{
	size_t len = 0;
	int    i;

	buf[0] = '\0';
	for (i = 0; i < n && len + 16 < size; i++)
		len += snprintf(buf + len, size - len, "%sword%04d x",
		    i > 0 ? "|" : "", i + 1);
}

/*
 * An alternation of up to 64 distinct strings keeps them all as the
 * literal; past 64 (after merging strings that contain another) the
 * rule has none and runs on every line.
 */
static void
test_rule_lit_many(void **state)
{
	struct rule_lit *lits;
	char             pat[2048];

	(void)state;
	lit_words(pat, sizeof(pat), 40);
	lits = rule_lit_extract(pat, 0);
	assert_int_equal(rule_lit_count(lits), 40);
	assert_string_equal(rule_lit_get(lits, 0), "word0001 x");
	assert_string_equal(rule_lit_get(lits, 39), "word0040 x");
	rule_lit_free(lits);
	lit_words(pat, sizeof(pat), 64);
	lits = rule_lit_extract(pat, 0);
	assert_int_equal(rule_lit_count(lits), 64);
	rule_lit_free(lits);
	lit_words(pat, sizeof(pat), 65);
	lits = rule_lit_extract(pat, 0);
	assert_int_equal(rule_lit_count(lits), 0);
	rule_lit_free(lits);
	/* Inside a group followed by more text: past 16 exact strings the
	 * group is no longer joined with what follows, but its 40 words
	 * are still required. */
	pat[0] = '(';
	lit_words(pat + 1, sizeof(pat) - 8, 40);
	snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat), ")y");
	lits = rule_lit_extract(pat, 0);
	assert_int_equal(rule_lit_count(lits), 40);
	assert_string_equal(rule_lit_get(lits, 0), "word0001 x");
	rule_lit_free(lits);
}

/* Literal extraction follows the tricky parts of the syntax. */
static void
test_rule_lit_extraction(void **state)
{
	struct rule_lit *lits;
	char             buf[1024];
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
	    cmocka_unit_test(test_rule_lit_many),
	    cmocka_unit_test(test_rule_lit_format_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
