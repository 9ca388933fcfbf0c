/*
 * Unit tests for rule_export.c: translations to ripgrep's and grep -E's
 * dialects, rules of field conditions alone, constructs with no
 * translation, and that every shipped
 * rule's exported ERE (compiled by glibc's regcomp, the engine of GNU
 * grep's dialect) matches every line the rule's examples say it matches.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rule.h"
#include "rule_export.h"
#include "rule_file.h"

/* Returns the translation of pattern, or "ERROR: why". */
static const char *export(const char *pattern, const char *flags,
    const char *field, enum rule_export_flavor fl)
{
	static char buf[4096];
	const char *why;

	if (rule_export_pattern(
		pattern, flags, field, fl, buf, sizeof(buf), &why) == -1)
		snprintf(buf, sizeof(buf), "ERROR: %s", why);
	return buf;
}

/* Literals, classes, groups and quantifiers in both dialects. */
static void
test_rule_export_translations(void **state)
{
	static const char *const cases[][5] = {
	    /* pattern, flags, field, rg, ere */
	    {"connection refused", NULL, NULL, "(?-u:connection refused)",
		"connection refused"},
	    {"a.b\\.c", NULL, NULL, "(?-u:a.b\\.c)", "a.b\\.c"},
	    {"x{2,3}y{4}", NULL, NULL, "(?-u:x{2,3}y{4})", "x{2,3}y{4}"},
	    {"a{,3}", NULL, NULL, "(?-u:a\\{,3\\})", "a\\{,3\\}"},
	    {"\\d+ ms", NULL, NULL, "(?-u:[0-9]+ ms)", "[0-9]+ ms"},
	    {"Ok", "i", NULL, "(?-u:[Oo][Kk])", "[Oo][Kk]"},
	    {"(?i)ok(?-i)X", NULL, NULL, "(?-u:[Oo][Kk]X)", "[Oo][Kk]X"},
	    {"a(?i:b)c", NULL, NULL, "(?-u:a(?:[Bb])c)", "a([Bb])c"},
	    {"(?<user>\\w+)@", NULL, NULL, "(?-u:(?:[0-9A-Z\\x5fa-z]+)@)",
		"([0-9A-Z_a-z]+)@"},
	    {"(?P<n>x)(?'m'y)(?:z)", NULL, NULL, "(?-u:(?:x)(?:y)(?:z))",
		"(x)(y)(z)"},
	    {"a+?b*?c??d{1,2}?e++", NULL, NULL, "(?-u:a+b*c?d{1,2}e+)",
		"a+b*c?d{1,2}e+"},
	    {"foo(?!bar)baz(?<=z)(?=q)?", NULL, NULL, "(?-u:foobaz)", "foobaz"},
	    {"^start|end$", NULL, NULL, "(?-u:start|end)", "start|end"},
	    {"^start|end$", NULL, "line", "(?-u:^start|end$)", "^start|end$"},
	    {"\\Aa\\z", NULL, "line", "(?-u:^a$)", "^a$"},
	    {"^5\\d\\d$", NULL, "status",
		"(?-u:(?:^|[^0-9A-Z_a-z])5[0-9][0-9](?:$|[^0-9A-Z_a-z]))",
		"(^|[^0-9A-Z_a-z])5[0-9][0-9]($|[^0-9A-Z_a-z])"},
	    {"[^\"]+", NULL, NULL, "(?-u:[\\x00-\\x21\\x23-\\xff]+)", "[^\"]+"},
	    {"[]a-]", NULL, NULL, "(?-u:[\\x2d\\x5da])", "[]a-]"},
	    {"[\\^-]", NULL, NULL, "(?-u:[\\x2d\\x5e])", "[-^]"},
	    {"[a-c[:digit:]]", NULL, NULL, "(?-u:[0-9a-c])", "[0-9a-c]"},
	    {"[^[:^alpha:]]", NULL, NULL, "(?-u:[A-Za-z])", "[A-Za-z]"},
	    {"[x\\d]", "i", NULL, "(?-u:[0-9Xx])", "[0-9Xx]"},
	    {"\\s", NULL, NULL, "(?-u:[\\x09-\\x0d\\x20])", "[\t\v-\r ]"},
	    {"\\x41\\x{42}\\001\\t\\$", NULL, NULL, "(?-u:AB\\x01\\x09\\$)",
		"AB\001\t\\$"},
	    {"\\xe9t\\xe9", NULL, NULL, "(?-u:\\xe9t\\xe9)", "\xe9t\xe9"},
	    {"\\Qa.b*\\Ec", NULL, NULL, "(?-u:a\\.b\\*c)", "a\\.b\\*c"},
	    {"(a)\\1", NULL, NULL, "(?-u:(?:a).*)", "(a).*"},
	    {"a # comment\n b", "x", NULL, "(?-u:ab)", "ab"},
	    {"a(?#note)b", NULL, NULL, "(?-u:ab)", "ab"},
	    {"\\bword\\B", NULL, NULL, "(?-u:\\bword\\B)", "\\bword\\B"},
	    {"#&~ ", NULL, NULL, "(?-u:\\#\\&\\~ )", "#&~ "},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_string_equal(export(cases[i][0], cases[i][1],
					cases[i][2], RULE_EXPORT_RG),
		    cases[i][3]);
		assert_string_equal(export(cases[i][0], cases[i][1],
					cases[i][2], RULE_EXPORT_ERE),
		    cases[i][4]);
	}
}

/* Constructs no dialect can express are errors, never silent. */
static void
test_rule_export_errors(void **state)
{
	static const char *const bad[] = {"(?(1)a|b)", "\\p{L}", "(a", "a)",
	    "[abc", "(*UTF)a", "[z-a]", "x\\", "[[:nope:]]", "(?R)",
	    "[^\\x00-\\xff]"};
	size_t                   i;
	char                     buf[16];
	const char              *why;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_true(strncmp(export(bad[i], NULL, NULL, RULE_EXPORT_ERE),
				"ERROR: ", 7) == 0);
	assert_int_equal(rule_export_pattern("abcdefghijklmnopqrstuvwxyz", NULL,
			     NULL, RULE_EXPORT_RG, buf, sizeof(buf), &why),
	    -1);
	assert_non_null(why);
	assert_int_equal(rule_export_flavor("rg"), RULE_EXPORT_RG);
	assert_int_equal(rule_export_flavor("ere"), RULE_EXPORT_ERE);
	assert_int_equal(rule_export_flavor("pcre"), -1);
}

/* 1 if the ERE export of a rule of conditions alone matches line. */
static int
where_matches(
    const char *field, const char *c1, const char *c2, const char *line)
{
	struct rule r;
	regex_t     re;
	char        buf[4096];
	const char *why;
	int         rc;

	memset(&r, 0, sizeof(r));
	r.id = "t";
	r.where_field[0] = r.where_field[1] = (char *)field;
	r.where_cond[0] = (char *)c1;
	r.where_cond[1] = (char *)c2;
	r.nwhere = c2 != NULL ? 2 : 1;
	assert_int_not_equal(
	    rule_export_rule(&r, RULE_EXPORT_ERE, buf, sizeof(buf), &why), -1);
	assert_int_equal(regcomp(&re, buf, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&re, line, 0, NULL, 0) == 0;
	regfree(&re);
	return rc;
}

/*
 * A rule of field conditions alone exports its regex condition, or the
 * number token of its comparisons: every value they accept, few others.
 */
static void
test_rule_export_conditions(void **state)
{
	static const struct {
		const char *c1, *c2, *line;
		int         match;
	} cases[] = {
	    {">=500", "<600", "GET / 503 12", 1},
	    {">=500", "<600", "\"status\":\"500\"", 1},
	    {">=500", "<600", "status=599.5", 1},
	    {">=500", "<600", "status=0503", 1},
	    {">=500", "<600", "GET / 499 12", 0},
	    {">=500", "<600", "GET / 5000 12", 0},
	    {">=500", "<600", "GET / 601 12", 0},
	    {">=500", "<600", "id=a503", 0},
	    {">=500", NULL, "took 12345 ms", 1},
	    {">=500", NULL, "took 499 ms", 0},
	    {">=1200", "<=3456", "n=2999", 1},
	    {">=1200", "<=3456", "n=3457", 0},
	    {">=1200", "<=3456", "n=1199", 0},
	    {"<10", NULL, "t=-7", 1},
	    {"<10", NULL, "t=.5", 1},
	    {"<10", NULL, "t=12", 0},
	    {"=503", NULL, "x 503 y", 1},
	    {"=503", NULL, "x 504 y", 0},
	    {"!=200", NULL, "x 200 y", 1},
	};
	struct rule r;
	char        buf[256];
	const char *why;
	size_t      i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (where_matches("status", cases[i].c1, cases[i].c2,
			cases[i].line) != cases[i].match)
			fail_msg("%s %s on \"%s\": expected %d", cases[i].c1,
			    cases[i].c2 ? cases[i].c2 : "", cases[i].line,
			    cases[i].match);
	memset(&r, 0, sizeof(r));
	r.where_field[0] = "flags";
	r.where_cond[0] = "^(?:UC|UF)\\b";
	r.nwhere = 1;
	assert_int_not_equal(
	    rule_export_rule(&r, RULE_EXPORT_RG, buf, sizeof(buf), &why), -1);
	assert_string_equal(buf, "(?-u:(?:^|[^0-9A-Z_a-z])(?:UC|UF)\\b)");
	r.where_cond[0] = ">=7";
	r.where_cond[1] = "<3";
	r.where_field[1] = "flags";
	r.nwhere = 2;
	assert_int_equal(
	    rule_export_rule(&r, RULE_EXPORT_RG, buf, sizeof(buf), &why), -1);
}

/* Asserts that the shipped rule r's ERE matches its match examples. */
static int
check_rule(const struct rule *r)
{
	regex_t     re;
	const char *why;
	char        buf[16384];
	int         i, rc, misses = 0;

	if (rule_export_rule(r, RULE_EXPORT_ERE, buf, sizeof(buf), &why) == -1)
		fail_msg("%s: not exported: %s", r->id, why);
	rc = regcomp(&re, buf, REG_EXTENDED | REG_NOSUB);
	if (rc != 0)
		fail_msg("%s: regcomp rejects %s", r->id, buf);
	for (i = 0; i < r->nexamples[0]; i++) {
		if (regexec(&re, r->examples[0][i], 0, NULL, 0) == 0)
			continue;
		print_error("%s: exported ERE misses example %d: %s\n", r->id,
		    i + 1, r->examples[0][i]);
		misses++;
	}
	regfree(&re);
	return misses;
}

/*
 * Every shipped rule exports to an ERE that regcomp accepts and that
 * matches every line the rule must match: the export never narrows.
 */
static void
test_rule_export_pack_superset(void **state)
{
	struct rule_set *set = rule_set_new();
	FILE            *out;
	int              i, misses = 0, examples = 0;

	(void)state;
	assert_int_equal(rule_file_load(set, "config/rules.d"), 0);
	assert_true(rule_set_count(set) > 100);
	for (i = 0; i < rule_set_count(set); i++) {
		misses += check_rule(rule_set_get(set, i));
		examples += rule_set_get(set, i)->nexamples[0];
	}
	assert_int_equal(misses, 0);
	assert_true(examples > rule_set_count(set));
	out = fopen("/dev/null", "w");
	assert_int_equal(rule_export_set(set, RULE_EXPORT_RG, out), 0);
	fclose(out);
	rule_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_export_translations),
	    cmocka_unit_test(test_rule_export_errors),
	    cmocka_unit_test(test_rule_export_conditions),
	    cmocka_unit_test(test_rule_export_pack_superset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
