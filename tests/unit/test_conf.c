/*
 * Unit tests for conf.c: the shipped example loads; every error names the
 * line of its own key (a key repeated in several objects included); a
 * repeated key, a file over the size limit and a read error are refused
 * with a clear message.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "tstamp.h"

static char tmpdir[256];
static char path[600];
static char errbuf[65536];

/* Makes a fresh temporary directory for a test. */
static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* Removes the test's files and directory. */
static int
teardown(void **state)
{
	char log[700];

	(void)state;
	snprintf(log, sizeof(log), "%s/stderr.txt", tmpdir);
	unlink(log);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

/* Writes text to tmpdir/c.json, ' turned into "; returns the path. */
static const char *
write_conf(const char *text)
{
	FILE *fp;

	snprintf(path, sizeof(path), "%s/c.json", tmpdir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (; *text != '\0'; text++)
		fputc(*text == '\'' ? '"' : *text, fp);
	fclose(fp);
	return path;
}

/* Loads path over the defaults: the conf, or NULL if it was refused. */
static struct conf *
load(const char *file)
{
	struct conf *cf = conf_new();

	if (conf_load(cf, file) == -1) {
		conf_free(cf);
		return NULL;
	}
	return cf;
}

/* Loads file, expecting it to be refused; returns what was logged. */
static const char *
load_errors(const char *file)
{
	struct conf *cf;
	char         log[700];
	FILE        *fp;
	int          fd, saved;
	size_t       n;

	snprintf(log, sizeof(log), "%s/stderr.txt", tmpdir);
	fflush(stderr);
	saved = dup(2);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	close(fd);
	cf = load(file);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	conf_free(cf);
	assert_null(cf);
	fp = fopen(log, "r");
	assert_non_null(fp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, fp);
	errbuf[n] = '\0';
	fclose(fp);
	unlink(log);
	return errbuf;
}

/* Asserts that haystack contains "FILE:" followed by needle. */
static void
assert_logged(const char *haystack, const char *needle)
{
	char want[1000];

	snprintf(want, sizeof(want), "%s:%s", path, needle);
	if (strstr(haystack, want) == NULL)
		fail_msg("expected \"%s\" in:\n%s", want, haystack);
}

/* The shipped example configuration loads (run from the tree's top). */
static void
test_conf_shipped(void **state)
{
	struct conf *cf;

	(void)state;
	cf = load("config/timelined.json");
	assert_non_null(cf);
	assert_true(cf->nsources > 0);
	conf_free(cf);
}

/* Values land in their places; a key of the second source is its own. */
static void
test_conf_values(void **state)
{
	struct conf *cf;

	(void)state;
	cf = load(write_conf("{'tz': 'UTC',\n"
			     " 'sources': [{'path': '/a', 'tz': 'UTC'},\n"
			     "   {'path': '/b', 'tz': 'Asia/Kolkata'}],\n"
			     " 'rules': ['/r1', '/r2'],\n"
			     " 'incident': {'quiet_period_s': 60},\n"
			     " '_note': 'a comment'}\n"));
	assert_non_null(cf);
	assert_string_equal(cf->tz, "UTC");
	assert_int_equal(cf->nsources, 2);
	assert_string_equal(cf->sources[1].path, "/b");
	assert_string_equal(cf->sources[1].tz, "Asia/Kolkata");
	assert_int_equal(cf->nrules, 2);
	assert_string_equal(cf->rules[1], "/r2");
	assert_true(cf->inc.quiet_ns == 60 * TSTAMP_NS_PER_S);
	conf_free(cf);
}

/* Each error is reported at the line of its own key or element. */
static void
test_conf_error_lines(void **state)
{
	const char *err;

	(void)state;
	err = load_errors(write_conf("{\n"
				     " 'tz': 'UTC',\n"
				     " 'sources': [\n"
				     "  {'path': '/a', 'tz': 'UTC'},\n"
				     "  {'path': '/b',\n"
				     "   'tz': 'Nowhere/X'},\n"
				     "  {'name': 'x'},\n"
				     "  3\n"
				     " ],\n"
				     " 'incident': {'tz': 0,\n"
				     "   'quiet_period_s': 0},\n"
				     " 'rules': ['/x',\n"
				     "   5],\n"
				     " 'display_tz': 'Mars/X'\n"
				     "}\n"));
	assert_logged(err, "6: tz: unknown time zone");
	assert_logged(err, "7: sources: each source needs exactly one of");
	assert_logged(err, "8: sources: expected objects");
	assert_logged(err, "10: tz: unknown key in \"incident\"");
	assert_logged(err, "11: quiet_period_s: expected a whole number");
	assert_logged(err, "13: rules: expected a string");
	assert_logged(err, "14: display_tz: unknown time zone");
	assert_null(strstr(err, ":2: "));
}

/* A repeated key is named, with the lines of both occurrences. */
static void
test_conf_repeated_key(void **state)
{
	const char *err;

	(void)state;
	err = load_errors(write_conf("{\n 'tz': 'UTC',\n 'sources': [],\n"
				     " 'tz': 'UTC'\n}\n"));
	assert_logged(err, "4: tz: repeated key (first at line 2)");
	err = load_errors(write_conf("{'tz': 'UTC', 'sources': [\n"
				     "  {'path': '/a', 'tz': 'UTC'},\n"
				     "  {'path': '/b', 'tz': 'UTC',\n"
				     "   'tz': 'UTC'}]}\n"));
	assert_logged(err, "4: tz: repeated key (first at line 3)");
}

/* Other JSON errors keep jansson's message and line. */
static void
test_conf_syntax_error(void **state)
{
	const char *err;

	(void)state;
	err = load_errors(write_conf("{'tz': 'UTC',\n 'x': }\n"));
	assert_logged(err, "2: ");
	err = load_errors(write_conf("[1]\n"));
	assert_logged(err, "1: expected a JSON object");
}

/* A file over CONF_FILE_MAX bytes is refused as such, not cut short. */
static void
test_conf_too_large(void **state)
{
	struct conf *cf;
	const char  *err;
	char         want[100];
	FILE        *fp;
	int          i;

	(void)state;
	write_conf("{'_pad': '");
	fp = fopen(path, "a");
	assert_non_null(fp);
	/* {"_pad": "xx...x"} and a newline: CONF_FILE_MAX bytes. */
	for (i = 0; i < CONF_FILE_MAX - 13; i++)
		fputc('x', fp);
	fputs("\"}\n", fp);
	fclose(fp);
	cf = load(path);
	assert_non_null(cf);
	conf_free(cf);
	fp = fopen(path, "a");
	fputc('\n', fp);
	fclose(fp);
	err = load_errors(path);
	snprintf(want, sizeof(want), " larger than %d bytes", CONF_FILE_MAX);
	assert_logged(err, want);
}

/* A read error is reported as such (a directory opens, but read fails). */
static void
test_conf_read_error(void **state)
{
	const char *err;

	(void)state;
	err = load_errors(tmpdir);
	snprintf(path, sizeof(path), "%s", tmpdir);
	assert_logged(err, " Is a directory");
	snprintf(path, sizeof(path), "%s/c.json", tmpdir);
	err = load_errors("/nonexistent/c.json");
	assert_non_null(strstr(err, "/nonexistent/c.json: No such file"));
}

/* The bounds in messages are the real ones. */
static void
test_conf_bounds(void **state)
{
	static char text[16384];
	const char *err;
	char        want[100];
	size_t      n;
	int         i;

	(void)state;
	n = snprintf(text, sizeof(text), "{'sources': [");
	for (i = 0; i <= CONF_MAX_SOURCES; i++)
		n += snprintf(text + n, sizeof(text) - n, "%s{'path': '/x'}",
		    i ? ", " : "");
	snprintf(text + n, sizeof(text) - n, "]}");
	err = load_errors(write_conf(text));
	snprintf(want, sizeof(want),
	    "1: sources: expected an array of at most %d objects",
	    CONF_MAX_SOURCES);
	assert_logged(err, want);
	n = snprintf(text, sizeof(text), "{'rules': [");
	for (i = 0; i <= CONF_MAX_RULES; i++)
		n += snprintf(
		    text + n, sizeof(text) - n, "%s'/r'", i ? ", " : "");
	snprintf(text + n, sizeof(text) - n, "]}");
	err = load_errors(write_conf(text));
	snprintf(want, sizeof(want),
	    "1: rules: expected an array of at most %d paths", CONF_MAX_RULES);
	assert_logged(err, want);
}

/* A flag wins over the file; the file fills what no flag said. */
static void
test_conf_flags_win_over_the_file(void **state)
{
	struct conf *cf = conf_new(), *re;

	(void)state;
	write_conf("{'max_line': 1000, 'incident': {'quiet_period_s': 60, "
		   "'lookback_s': 5}}");
	assert_int_equal(conf_flag(cf, "--quiet-period", "120"), 0);
	assert_int_equal(conf_option(cf, CONF_OPT_CONFIG, path), 0);
	assert_int_equal(conf_load(cf, path), 0);
	assert_true(cf->inc.quiet_ns == 120 * TSTAMP_NS_PER_S);
	assert_true(cf->inc.lookback_ns == 5 * TSTAMP_NS_PER_S);
	assert_int_equal(cf->max_line, 1000);
	/* A reload reads the file again and applies the same flags. */
	write_conf("{'incident': {'quiet_period_s': 90, 'lookback_s': 7}}");
	re = conf_reload(cf);
	assert_non_null(re);
	assert_true(re->inc.quiet_ns == 120 * TSTAMP_NS_PER_S);
	assert_true(re->inc.lookback_ns == 7 * TSTAMP_NS_PER_S);
	assert_int_equal(re->max_line, 65536); /* no longer in the file */
	conf_free(re);
	/* A bad file on reload: NULL, the old one stays. */
	write_conf("{'incident': {'quiet_period_s': 0}}");
	assert_null(conf_reload(cf));
	conf_free(cf);
}

/* A flag out of range is refused, naming the range. */
static void
test_conf_flag_range_is_named(void **state)
{
	struct conf *cf = conf_new();

	(void)state;
	assert_int_equal(conf_flag(cf, "--max-line", "100"), -1);
	assert_int_equal(conf_flag(cf, "--max-line", "4096"), 0);
	assert_int_equal(cf->max_line, 4096);
	assert_int_equal(conf_flag(cf, "--tz", "Mars/Base"), -1);
	assert_int_equal(conf_option(cf, CONF_OPT_YEAR, "1900"), -1);
	assert_int_equal(
	    conf_option(cf, CONF_OPT_SINCE, "2024-03-15T10:00:00Z"), 0);
	assert_int_equal(
	    conf_option(cf, CONF_OPT_UNTIL, "2024-03-15T09:00:00Z"), 0);
	assert_int_equal(conf_check(cf), -1); /* since after until */
	conf_free(cf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conf_flags_win_over_the_file),
	    cmocka_unit_test(test_conf_flag_range_is_named),
	    cmocka_unit_test(test_conf_shipped),
	    cmocka_unit_test_setup_teardown(test_conf_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_conf_error_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_conf_repeated_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_conf_syntax_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_conf_too_large, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_conf_read_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conf_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
