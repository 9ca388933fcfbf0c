/*
 * Unit tests for the rule engine through its public API: rule.c (adding,
 * priority, captures and titles, field rules, the prefilter's equivalence
 * with plain matching, match limits and counters), rule_file.c (loading,
 * its error messages and lines, the built-in pack's directory) and
 * rule_check.c (examples, limit hits, the summary of timelined check),
 * and the shipped pack's prefilter against every regex on real lines.
 * The literal extractor has its own: test_rule_lit.c.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <ftw.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "parser.h"
#include "pipeline.h"
#include "record.h"
#include "rule.h"
#include "rule_check.h"
#include "rule_file.h"
#include "xmalloc.h"

#define CORPUS "../shared/corpus/loghub"

static char tmpdir[256];
static char errbuf[65536];
static int  saved_fd = -1;
static char errpath[300];

/* Makes a fresh temporary directory for a test. */
static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_rule.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

/* Removes the temporary directory and the files in it. */
static int
teardown(void **state)
{
	char           path[600];
	struct dirent *de;
	DIR           *d;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
	return 0;
}

/*
 * Writes text to tmpdir/name with every ' turned into ", so that JSON in
 * tests reads without escapes; returns the path (static storage).
 */
static const char *
write_file(const char *name, const char *text)
{
	static char path[600];
	FILE       *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (; *text != '\0'; text++)
		fputc(*text == '\'' ? '"' : *text, fp);
	fclose(fp);
	return path;
}

/* Starts capturing stderr into a file. */
static void
capture_start(void)
{
	int fd;

	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", tmpdir);
	fflush(stderr);
	saved_fd = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	dup2(fd, 2);
	close(fd);
}

/* Stops capturing stderr and returns what was written (static storage). */
static const char *
capture_end(void)
{
	FILE  *fp;
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	fp = fopen(errpath, "r");
	assert_non_null(fp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, fp);
	errbuf[n] = '\0';
	fclose(fp);
	unlink(errpath);
	return errbuf;
}

/* Asserts that haystack contains needle, printing both if not. */
static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, haystack);
}

/* Makes r a record whose line and message are msg. */
static void
rec_msg(struct record *r, const char *msg)
{
	memset(r, 0, sizeof(*r));
	r->line = r->msg = msg;
	r->len = r->msg_len = strlen(msg);
	r->severity = -1;
}

/* Appends s to buf at *n as a JSON string. */
static void
json_str(char *buf, size_t size, size_t *n, const char *s)
{
	*n += snprintf(buf + *n, size - *n, "\"");
	for (; *s != '\0' && *n + 8 < size; s++) {
		if (*s == '"' || *s == '\\')
			*n += snprintf(buf + *n, size - *n, "\\%c", *s);
		else if (*s == '\n')
			*n += snprintf(buf + *n, size - *n, "\\n");
		else
			buf[(*n)++] = *s;
	}
	*n += snprintf(buf + *n, size - *n, "\"");
}

/* Writes a rule file holding one rule with this pattern and flags. */
static void
json_text(char *buf, size_t size, const char *pattern, const char *flags)
{
	size_t n;

	n = snprintf(buf, size,
	    "{\"rules\": [{\"id\": \"t\", "
	    "\"category\": \"note\", \"flags\": ");
	json_str(buf, size, &n, flags);
	n += snprintf(buf + n, size - n, ", \"pattern\": ");
	json_str(buf, size, &n, pattern);
	snprintf(buf + n, size - n, "}]}\n");
}

/* Creates a set from one rule file's text; asserts it loads cleanly. */
static struct rule_set *
load_text(const char *text)
{
	struct rule_set *set = rule_set_new();

	assert_int_equal(rule_file_load(set, write_file("r.json", text)), 0);
	return set;
}

/* Returns the id of the rule matching msg, or "-" for none. */
static const char *
match_id(struct rule_set *set, const char *msg)
{
	struct rule_hit hit;
	struct record   r;

	rec_msg(&r, msg);
	return rule_set_match(set, &r, &hit) == 1 ? hit.rule->id : "-";
}

/* Loading a file of good rules gives each its fields and its line. */
static void
test_rule_load_good(void **state)
{
	struct rule_set   *set;
	const struct rule *r;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "  {'id': 'pg.refused', 'category': 'db_connection_error',\n"
	    "   'pattern': 'connection refused'},\n"
	    "  {\n"
	    "   'id': 'deploy.start', 'category': 'deploy',\n"
	    "   'pattern': 'deploying (?<version>v[0-9.]+)', 'flags': 'i',\n"
	    "   'field': 'msg', 'priority': 5, 'severity': 'info',\n"
	    "   'title': 'deploy {version}',\n"
	    "   'examples': {'match': ['Deploying v1.2'],\n"
	    "                'no_match': ['deployed']}}\n"
	    "]}\n");
	assert_int_equal(rule_set_count(set), 2);
	r = rule_set_get(set, 0);
	assert_string_equal(r->id, "pg.refused");
	assert_string_equal(r->category, "db_connection_error");
	assert_string_equal(r->title, "pg.refused");
	assert_null(r->field);
	assert_null(r->severity);
	assert_int_equal(r->line, 2);
	assert_int_equal(r->priority, 0);
	assert_int_equal(r->index, 0);
	r = rule_set_get(set, 1);
	assert_string_equal(r->id, "deploy.start");
	assert_string_equal(r->field, "msg");
	assert_string_equal(r->severity, "info");
	assert_string_equal(r->title, "deploy {version}");
	assert_int_equal(r->priority, 5);
	assert_int_equal(r->line, 5);
	assert_int_equal(r->index, 1);
	assert_non_null(strstr(r->file, "r.json"));
	assert_null(rule_set_get(set, 2));
	assert_null(rule_set_get(set, -1));
	rule_set_free(set);
}

/* A directory loads its *.json files in name order and nothing else. */
static void
test_rule_load_directory(void **state)
{
	struct rule_set *set = rule_set_new();

	(void)state;
	write_file("b.json",
	    "{'rules': [{'id': 'b', 'category': "
	    "'crash', 'pattern': 'panic'}]}");
	write_file("a.json",
	    "{'rules': [{'id': 'a', 'category': "
	    "'crash', 'pattern': 'segfault'}]}");
	write_file(".a.json", "not json");
	write_file("notes.txt", "not json");
	assert_int_equal(rule_file_load(set, tmpdir), 0);
	assert_int_equal(rule_set_count(set), 2);
	assert_string_equal(rule_set_get(set, 0)->id, "a");
	assert_string_equal(rule_set_get(set, 1)->id, "b");
	rule_set_free(set);
}

/* Loads text expecting failure; returns what was logged. */
static const char *
load_errors(const char *text, int *count)
{
	struct rule_set *set = rule_set_new();
	int              rc;

	capture_start();
	rc = rule_file_load(set, write_file("bad.json", text));
	capture_end();
	assert_true(rc > 0);
	*count = rule_set_count(set);
	rule_set_free(set);
	return errbuf;
}

/* A JSON syntax error is reported at jansson's line. */
static void
test_rule_error_json_syntax(void **state)
{
	const char *err;
	char        want[600];
	int         n;

	(void)state;
	err = load_errors("{'rules': [\n  {'id': 'a',\n   'category'  "
			  "'crash'}\n]}\n",
	    &n);
	snprintf(want, sizeof(want), "%s/bad.json:3: ", tmpdir);
	assert_contains(err, want);
	assert_int_equal(n, 0);
}

/*
 * Each kind of rule error names the file, the line of the rule's id and
 * the rule; the good rules of the file still load.
 */
static void
test_rule_error_lines(void **state)
{
	const char              *err;
	char                     want[800];
	int                      n, i;
	static const char *const msgs[] = {
	    ":3: rule bad.key: unknown key \"patern\"",
	    ":5: rule bad.cat: unknown category \"crashed\"",
	    ":7: rule bad.re: pattern error at offset 4: missing closing "
	    "parenthesis",
	    ":9: rule good: duplicate id (first defined at ",
	    ":11: rule bad.title: title uses {who}, which the pattern does "
	    "not capture",
	    ":13: rule bad.flags: unknown flag 'g'",
	    ":15: rule bad.prio: \"priority\" must be an integer",
	    ":17: rule #9: missing \"id\"",
	    ":19: rule bad.ex: unknown key \"examples\".\"matches\"",
	    ":20: rule missing.pattern: missing \"pattern\"",
	};

	(void)state;
	err = load_errors(
	    "{'rules': [\n"
	    "  {'id': 'good', 'category': 'crash', 'pattern': 'x'},\n"
	    "  {'id': 'bad.key', 'category': 'crash',\n"
	    "   'patern': 'x'},\n"
	    "  {'id': 'bad.cat', 'category': 'crashed',\n"
	    "   'pattern': 'x'},\n"
	    "  {'id': 'bad.re', 'category': 'crash',\n"
	    "   'pattern': '(abc'},\n"
	    "  {'id': 'good', 'category': 'crash',\n"
	    "   'pattern': 'y'},\n"
	    "  {'id': 'bad.title', 'category': 'crash',\n"
	    "   'pattern': '(?<what>x)', 'title': '{what} {who}'},\n"
	    "  {'id': 'bad.flags', 'category': 'crash',\n"
	    "   'pattern': 'x', 'flags': 'ig'},\n"
	    "  {'id': 'bad.prio', 'category': 'crash',\n"
	    "   'pattern': 'x', 'priority': 'high'},\n"
	    "  {'category': 'crash', 'pattern': 'x'},\n"
	    "  {'id': 'also.good', 'category': 'alert', 'pattern': 'z'},\n"
	    "  {'id': 'bad.ex', 'category': 'crash', 'pattern': 'x', "
	    "'examples': {'matches': ['x']}},\n"
	    "  {'id': 'missing.pattern', 'category': 'crash'}\n"
	    "]}\n",
	    &n);
	for (i = 0; i < (int)(sizeof(msgs) / sizeof(*msgs)); i++) {
		snprintf(want, sizeof(want), "%s/bad.json%s", tmpdir, msgs[i]);
		assert_contains(err, want);
	}
	assert_int_equal(n, 2);
}

/* Top-level mistakes are reported with a line too. */
static void
test_rule_error_top_level(void **state)
{
	const char *err;
	int         n;

	(void)state;
	err = load_errors("{\n  'rules': [],\n  'rule': []\n}\n", &n);
	assert_contains(err, "bad.json:3: unknown key \"rule\"");
	err = load_errors("[1, 2]\n", &n);
	assert_contains(err, "bad.json:1: expected an object");
	err = load_errors("{'rules': ['x']}\n", &n);
	assert_contains(err, "bad.json:1: rule #1: not an object");
}

/* A file that does not exist is an error, logged with its name. */
static void
test_rule_error_missing_file(void **state)
{
	struct rule_set *set = rule_set_new();
	int              rc;

	(void)state;
	capture_start();
	rc = rule_file_load(set, "/nonexistent/rules.json");
	capture_end();
	assert_int_equal(rc, 1);
	assert_contains(errbuf, "/nonexistent/rules.json");
	rule_set_free(set);
}

/* The highest priority wins; between equals, the rule loaded first. */
static void
test_rule_priority(void **state)
{
	struct rule_set *set;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "{'id': 'low', 'category': 'alert', 'pattern': 'disk'},\n"
	    "{'id': 'high', 'category': 'resource_exhaustion',\n"
	    " 'pattern': 'disk full', 'priority': 10},\n"
	    "{'id': 'tie1', 'category': 'crash', 'pattern': 'panic'},\n"
	    "{'id': 'tie2', 'category': 'crash', 'pattern': 'pan'},\n"
	    "{'id': 'neg', 'category': 'note', 'pattern': 'kernel',\n"
	    " 'priority': -1},\n"
	    "{'id': 'zero', 'category': 'note', 'pattern': 'ker'}\n"
	    "]}");
	assert_string_equal(match_id(set, "disk full on /var"), "high");
	assert_string_equal(match_id(set, "disk almost full"), "low");
	assert_string_equal(match_id(set, "kernel panic"), "tie1");
	assert_string_equal(match_id(set, "pancake"), "tie2");
	assert_string_equal(match_id(set, "kernel ok"), "zero");
	assert_string_equal(match_id(set, "nothing here"), "-");
	rule_set_free(set);
}

/* Named captures become slices of the subject and fill the title. */
static void
test_rule_captures_title(void **state)
{
	struct rule_set *set;
	struct rule_hit  hit;
	struct record    r;
	char             buf[64];
	size_t           n;

	(void)state;
	set = load_text(
	    "{'rules': [{'id': 'up', 'category': "
	    "'deploy', 'pattern': 'upgrade (?<pkg>\\\\S+) "
	    "(?<from>[0-9.]+) -> (?<to>[0-9.]+)(?: \\\\((?<why>[^)]*)\\\\))?',"
	    " 'title': '{pkg} {from}->{to} [{why}] {x'}]}");
	rec_msg(&r, "upgrade nvidia-driver 535.1 -> 550.2");
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_int_equal(hit.ncap, 3);
	assert_string_equal(hit.cap[0].name, "pkg");
	assert_int_equal(hit.cap[0].val_len, 13);
	assert_memory_equal(hit.cap[0].val, "nvidia-driver", 13);
	assert_ptr_equal(hit.cap[0].val, r.msg + 8);
	assert_string_equal(hit.cap[2].name, "to");
	n = rule_format_title(&hit, buf, sizeof(buf));
	assert_string_equal(buf, "nvidia-driver 535.1->550.2 [] {x");
	assert_int_equal(n, strlen(buf));
	n = rule_format_title(&hit, buf, 10);
	assert_string_equal(buf, "nvidia-dr");
	assert_int_equal(n, 9);
	rec_msg(&r, "upgrade a 1 -> 2 (security)");
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_int_equal(hit.ncap, 4);
	rule_format_title(&hit, buf, sizeof(buf));
	assert_string_equal(buf, "a 1->2 [security] {x");
	rule_set_free(set);
}

/* Rules on other fields read them; a record without the field skips them. */
static void
test_rule_field(void **state)
{
	struct rule_set *set;
	struct rule_hit  hit;
	struct record    r;

	(void)state;
	set = load_text("{'rules': [\n"
			"{'id': 'status', 'category': 'upstream_error',\n"
			" 'pattern': '^5\\\\d\\\\d$', 'field': 'status'},\n"
			"{'id': 'prog', 'category': 'restart',\n"
			" 'pattern': '^systemd$', 'field': 'program'},\n"
			"{'id': 'host', 'category': 'alert',\n"
			" 'pattern': '^db\\\\d+$', 'field': 'host'},\n"
			"{'id': 'line', 'category': 'note',\n"
			" 'pattern': '^2024-\\\\d\\\\d', 'field': 'line'},\n"
			"{'id': 'msg', 'category': 'note',\n"
			" 'pattern': '^2024-\\\\d\\\\d', 'field': 'message'}\n"
			"]}");
	assert_null(rule_set_get(set, 4)->field);
	rec_msg(&r, "GET / HTTP/1.1");
	r.fields[0] = (struct record_field){"status", 6, "503", 3};
	r.nfields = 1;
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "status");
	r.fields[0].val = "200";
	assert_int_equal(rule_set_match(set, &r, &hit), 0);
	r.nfields = 0;
	snprintf(r.program, sizeof(r.program), "systemd");
	assert_string_equal(match_id(set, "x"), "-");
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "prog");
	r.program[0] = '\0';
	snprintf(r.host, sizeof(r.host), "db12");
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "host");
	r.host[0] = '\0';
	r.line = "2024-03-15 started";
	r.len = strlen(r.line);
	r.msg = "started";
	r.msg_len = 7;
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "line");
	rule_set_free(set);
}

/* Makes r a record with message msg and one field key=val. */
static void
rec_field(struct record *r, const char *msg, const char *key, const char *val)
{
	rec_msg(r, msg);
	r->fields[0] = (struct record_field){
	    key, strlen(key), val, strlen(val)};
	r->nfields = 1;
}

/*
 * Field conditions: a comparison reads the field as a number (a field
 * that is not one, or is absent, fails every comparison); the field's
 * value is a capture of the hit, usable in the title.
 */
static void
test_rule_where_compare(void **state)
{
	static const struct {
		const char *val;
		const char *id;
	} cases[] = {
	    {"503", "ge"},
	    {"500", "ge"},
	    {"499", "lt"},
	    {" 404 ", "eq"},
	    {"200", "lt"},
	    {"-", "-"},
	    {"", "-"},
	    {"5xx", "-"},
	    {"1.5", "lt"},
	    {"-3", "lt"},
	    {"599.9", "ge"},
	    {"600", "ne"},
	    {"+600.0", "ne"},
	    {"1e3", "-"},
	    {"0x1f4", "-"},
	};
	struct rule_set *set;
	struct rule_hit  hit;
	struct record    r;
	char             title[64];
	size_t           i;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "{'id': 'ge', 'category': 'upstream_error', 'priority': 3,\n"
	    " 'title': 'HTTP {status}',\n"
	    " 'where': {'status': ['>=500', '<600'], 'status2': '!=1'}},\n"
	    "{'id': 'eq', 'category': 'note', 'priority': 2,\n"
	    " 'where': {'status': '= 404'}},\n"
	    "{'id': 'lt', 'category': 'note', 'priority': 1,\n"
	    " 'where': {'status': '<500'}},\n"
	    "{'id': 'ne', 'category': 'note', 'where': {'status': '!=599.9'}}\n"
	    "]}");
	assert_null(rule_set_get(set, 0)->field);
	assert_int_equal(rule_set_get(set, 0)->nwhere, 3);
	assert_true(rule_set_get(set, 0)->narrow);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		rec_field(&r, "GET / HTTP/1.1", "status", cases[i].val);
		r.fields[1] = (struct record_field){"status2", 7, "2", 1};
		r.nfields = 2;
		if (rule_set_match(set, &r, &hit) == 0)
			hit.rule = NULL;
		if (strcmp(hit.rule != NULL ? hit.rule->id : "-",
			cases[i].id) != 0)
			fail_msg("status \"%s\": got %s, want %s", cases[i].val,
			    hit.rule ? hit.rule->id : "-", cases[i].id);
	}
	/* The first rule's second condition: status2 absent, then "1". */
	rec_field(&r, "x", "status", "502");
	assert_string_equal(
	    rule_set_match(set, &r, &hit) ? hit.rule->id : "-", "ne");
	r.fields[1] = (struct record_field){"status2", 7, "1", 1};
	r.nfields = 2;
	assert_string_equal(
	    rule_set_match(set, &r, &hit) ? hit.rule->id : "-", "ne");
	r.fields[1].val = "7";
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "ge");
	assert_int_equal(hit.ncap, 2);
	assert_string_equal(hit.cap[0].name, "status");
	assert_int_equal(hit.cap[0].val_len, 3);
	assert_memory_equal(hit.cap[0].val, "502", 3);
	rule_format_title(&hit, title, sizeof(title));
	assert_string_equal(title, "HTTP 502");
	/* No status field: no rule runs at all. */
	rec_msg(&r, "status=503");
	assert_int_equal(rule_set_match(set, &r, &hit), 0);
	rule_set_free(set);
}

/*
 * A regex condition is AND-ed with the pattern, each on its own field; a
 * record without the condition's field is not matched; the pattern's
 * captures come first, then the fields of the conditions.
 */
static void
test_rule_where_regex(void **state)
{
	struct rule_set *set;
	struct rule_hit  hit;
	struct record    r;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "{'id': 'unit', 'category': 'restart',\n"
	    " 'pattern': '^Started (?<desc>.+)\\\\.$',\n"
	    " 'where': {'program': '^systemd$', 'level': '(?i)^info$'},\n"
	    " 'title': '{desc} on {level}'},\n"
	    "{'id': 'any', 'category': 'note', 'priority': -1,\n"
	    " 'pattern': '^Started '}\n"
	    "]}");
	assert_int_equal(rule_set_get(set, 0)->nwhere, 2);
	rec_field(&r, "Started Puma HTTP Server.", "level", "INFO");
	snprintf(r.program, sizeof(r.program), "systemd");
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "unit");
	assert_int_equal(hit.ncap, 2);
	assert_string_equal(hit.cap[0].name, "desc");
	assert_string_equal(hit.cap[1].name, "level");
	assert_memory_equal(hit.cap[1].val, "INFO", 4);
	snprintf(r.program, sizeof(r.program), "systemd-logind");
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "any");
	snprintf(r.program, sizeof(r.program), "systemd");
	r.nfields = 0;
	assert_int_equal(rule_set_match(set, &r, &hit), 1);
	assert_string_equal(hit.rule->id, "any");
	rule_set_free(set);
}

/* Conditions are checked with FILE:LINE like the rest of a rule. */
static void
test_rule_where_errors(void **state)
{
	struct rule_set *set;
	const char      *err;
	int              n;

	(void)state;
	set = rule_set_new();
	capture_start();
	n = rule_file_load(set,
	    write_file("w.json",
		"{'rules': [\n"
		"{'id': 'op', 'category': 'note', 'where': {'status': '=>500'}},\n"
		"{'id': 'op2', 'category': 'note', 'where': {'status': '==5'}},\n"
		"{'id': 'nan', 'category': 'note', 'where': {'status': '>= 5x'}},\n"
		"{'id': 'nan2', 'category': 'note', 'where': {'status': '<'}},\n"
		"{'id': 're', 'category': 'note', 'where': {'program': '(x'}},\n"
		"{'id': 'obj', 'category': 'note', 'where': ['status']},\n"
		"{'id': 'empty', 'category': 'note', 'where': {}},\n"
		"{'id': 'list', 'category': 'note', 'where': {'status': []}},\n"
		"{'id': 'many', 'category': 'note', 'where': {'a': ['1', '2', "
		"'3', '4', '5', '6', '7', '8', '9']}},\n"
		"{'id': 'str', 'category': 'note', 'where': {'status': 500}},\n"
		"{'id': 'title', 'category': 'note', 'title': '{program}',\n"
		" 'where': {'program': 'x', 'status': '>1'}},\n"
		"{'id': 'none', 'category': 'note'},\n"
		"{'id': 'ok', 'category': 'note', 'where': {'status': '>=500'}}\n"
		"]}\n"));
	err = capture_end();
	assert_int_equal(n, 12);
	assert_contains(err,
	    "w.json:2: rule op: where \"status\": unknown "
	    "operator \"=>\"");
	assert_contains(err,
	    "w.json:3: rule op2: where \"status\": unknown "
	    "operator \"==\"");
	assert_contains(err,
	    "w.json:4: rule nan: where \"status\": \">= "
	    "5x\" compares with \" 5x\", which is not a "
	    "number");
	assert_contains(err, "w.json:5: rule nan2: where \"status\"");
	assert_contains(err,
	    "w.json:6: rule re: where \"program\": pattern "
	    "error at offset 2");
	assert_contains(err, "w.json:7: rule obj: \"where\" must be an object");
	assert_contains(err,
	    "w.json:8: rule empty: \"where\" must be an "
	    "object");
	assert_contains(err, "w.json:9: rule list: \"where\": an empty list");
	assert_contains(err,
	    "w.json:10: rule many: \"where\" holds more "
	    "than 8 conditions");
	assert_contains(err,
	    "w.json:11: rule str: \"where\" must be a "
	    "non-empty string");
	assert_contains(err, "w.json:12: rule title: title uses {program}");
	assert_contains(err, "w.json:14: rule none: missing \"pattern\"");
	assert_int_equal(rule_set_count(set), 1);
	assert_string_equal(rule_set_get(set, 0)->id, "ok");
	rule_set_free(set);
}

/*
 * rule_literals() shows the literals the prefilter uses: none when the
 * shortest is under 3 bytes (the extraction itself: test_rule_lit.c).
 */
static void
test_rule_literals(void **state)
{
	static const char *const pats[][2] = {
	    {"connection refused", "\"connection refused\""},
	    {"(foo|bar)", "\"bar\" \"foo\""},
	    {"(foo|ba)", ""},
	    {"\\\\server\\\\share", "\"\\x5cserver\\x5cshare\""},
	    {"(a+)+$", ""},
	};
	struct rule_set *set;
	char             text[1024], buf[256];
	size_t           i;

	(void)state;
	for (i = 0; i < sizeof(pats) / sizeof(*pats); i++) {
		json_text(text, sizeof(text), pats[i][0], "");
		set = load_text(text);
		assert_int_equal(
		    rule_literals(rule_set_get(set, 0), buf, sizeof(buf)),
		    strlen(pats[i][1]));
		assert_string_equal(buf, pats[i][1]);
		assert_int_equal(
		    rule_literals(rule_set_get(set, 0), buf, 1), 0);
		assert_string_equal(buf, "");
		rule_set_free(set);
	}
}

/* Rules for the equivalence test: id, pattern, flags, priority. */
static const struct {
	const char *id;
	const char *pattern;
	const char *flags;
	int         priority;
} eq_rules[] = {
    {"crash", "segfault|general protection|kernel panic", "i", 5},
    {"conn", "connection (refused|reset|timed out|closed)", "i", 0},
    {"fail", "fail(ed|ure)?\\b", "i", -1},
    {"from", "(?<user>\\w+) from (?<ip>\\d+\\.\\d+\\.\\d+\\.\\d+)", "", 1},
    {"error", "[Ee]rror:? (?<what>.*)", "", 0},
    {"day", "^\\[(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) ", "", -2},
    {"session", "session (opened|closed) for user (?<u>\\S+)", "", 2},
    {"colour", "colou?r|grey|gray", "", 0},
    {"invalid", "invalid \\s+ user  # comment\n (?<name> \\S+ )", "x", 3},
    {"blk", "\\bblk_-?\\d+\\b", "", 0},
    {"nested", "(a+)+$", "", 0},
    {"start", "(?:re)?start(?:ing|ed)\\b", "i", 0},
    {"npe", "\\QNullPointerException\\E", "", 0},
    {"ms", "[0-9]{3} ms", "", 0},
    {"oom", "out of (memory|disk space)|\\bOOM\\b", "i", 4},
    {"jk", "workerEnv\\.init\\(\\) ok (?<path>/\\S+)", "", 0},
    {"packet", "PacketResponder \\d+ for block", "", 0},
    {"auth", "authentication failure;.*rhost=(?<rhost>\\S*)", "", 6},
    {"temp", "(?i)temperature (?:above|over) threshold", "", 0},
    {"wifi", "(?:wlan|wifi|en)\\d+:? (?:link|state) (?:up|down)", "", 0},
    {"dot", "a.c.e", "", 0},
};

/* Lines that exercise eq_rules, beside the corpus. */
static const char *const eq_lines[] = {
    "kernel: Kernel Panic - not syncing",
    "app[12]: segfault at 0 ip 0000",
    "could not connect: Connection refused",
    "Connection Timed Out after 30s",
    "login failed for root",
    "FAILURE",
    "failing",
    "Accepted password for bob from 10.0.0.1 port 22",
    "Error: disk quota exceeded",
    "error stuff",
    ("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok "
     "/etc/httpd/conf/workers2.properties"),
    "session opened for user root by (uid=0)",
    "the colour and the color are grey",
    "Invalid user admin from 1.2.3.4",
    "invalid    user   guest",
    "Receiving block blk_-1608999687919862906 src",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    "aaaa",
    "Restarting service",
    "java.lang.NullPointerException at x",
    "took 250 ms",
    "Out of Memory: Kill process 1234",
    "OOM killer invoked",
    "authentication failure; logname= uid=0 rhost=218.188.2.4",
    "CPU temperature above threshold, cpu clock throttled",
    "wlan0: link down",
    "abcde",
    "ABCDE",
    "",
    "\xff\xfe invalid utf-8 \xc3\x28 error: bytes",
};

/* Writes eq_rules as a rule file. */
static void
eq_rules_json(char *buf, size_t size)
{
	size_t i, n;

	n = snprintf(buf, size, "{\"rules\": [\n");
	for (i = 0; i < sizeof(eq_rules) / sizeof(*eq_rules); i++) {
		n += snprintf(buf + n, size - n,
		    "%s{\"id\": \"%s\", "
		    "\"category\": \"note\", \"priority\": %d, "
		    "\"flags\": \"%s\", \"pattern\": ",
		    i ? ",\n" : "", eq_rules[i].id, eq_rules[i].priority,
		    eq_rules[i].flags);
		json_str(buf, size, &n, eq_rules[i].pattern);
		n += snprintf(buf + n, size - n, "}");
	}
	snprintf(buf + n, size - n, "\n]}\n");
}

/* Asserts that the line gives the same answer with the prefilter on and off. */
static int
eq_check(struct rule_set *set, const char *line)
{
	struct rule_hit on, off;
	struct record   r;
	int             a, b, i;

	rec_msg(&r, line);
	rule_set_prefilter(set, 1);
	a = rule_set_match(set, &r, &on);
	rule_set_prefilter(set, 0);
	b = rule_set_match(set, &r, &off);
	if (a != b || (a && on.rule != off.rule))
		fail_msg("prefilter changes the answer for \"%s\": %s vs %s",
		    line, a ? on.rule->id : "-", b ? off.rule->id : "-");
	if (a) {
		assert_int_equal(on.ncap, off.ncap);
		for (i = 0; i < on.ncap; i++) {
			assert_ptr_equal(on.cap[i].val, off.cap[i].val);
			assert_int_equal(on.cap[i].val_len, off.cap[i].val_len);
		}
	}
	return a;
}

/* Feeds every line of the corpus files to eq_check; returns the count. */
static int
eq_corpus(struct rule_set *set, int *matched)
{
	char           path[512], line[8192];
	struct dirent *de;
	DIR           *d;
	FILE          *fp;
	size_t         len;
	int            n = 0;

	if ((d = opendir(CORPUS)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS, de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			*matched += eq_check(set, line);
			n++;
		}
		fclose(fp);
	}
	closedir(d);
	return n;
}

/* Returns the regex calls matching line costs with the prefilter on/off. */
static uint64_t
regex_calls(struct rule_set *set, const char *line, int prefilter)
{
	uint64_t      before = rule_set_stats(set)->candidates;
	struct record r;

	rec_msg(&r, line);
	rule_set_prefilter(set, prefilter);
	rule_set_match(set, &r, NULL);
	return rule_set_stats(set)->candidates - before;
}

/*
 * The prefilter never changes an answer: same rule, same captures, on
 * crafted lines and on every corpus line; and it saves regex calls.
 */
static void
test_rule_prefilter_equivalence(void **state)
{
	static char      text[16384];
	struct rule_set *set;
	uint64_t         on = 0, off = 0;
	size_t           i;
	int              n, matched = 0;

	(void)state;
	eq_rules_json(text, sizeof(text));
	set = load_text(text);
	for (i = 0; i < sizeof(eq_lines) / sizeof(*eq_lines); i++) {
		matched += eq_check(set, eq_lines[i]);
		on += regex_calls(set, eq_lines[i], 1);
		off += regex_calls(set, eq_lines[i], 0);
	}
	assert_true(matched >= 25);
	assert_true(on < off);
	matched = 0;
	n = eq_corpus(set, &matched);
	if (n > 0)
		print_message("prefilter equivalence: %d corpus lines, %d "
			      "matched\n",
		    n, matched);
	rule_set_free(set);
}

/* Returns the id of the rule matching r, prefilter on or off, or "-". */
static const char *
rec_match(struct rule_set *set, const struct record *r, int prefilter)
{
	struct rule_hit hit;

	rule_set_prefilter(set, prefilter);
	return rule_set_match(set, r, &hit) == 1 ? hit.rule->id : "-";
}

/*
 * With conditions, the prefilter still never changes an answer, and a
 * rule whose condition's field a record lacks costs no regex call.
 */
static void
test_rule_where_prefilter(void **state)
{
	static const char *const progs[] = {"", "systemd", "cron", "nginx"};
	static const char *const msgs[] = {"Started Puma.",
	    "upstream timed out", "GET /", "Stopped cron.", "x"};
	static const char *const vals[] = {NULL, "503", "200", "-"};
	struct rule_set         *set;
	struct record            r;
	const char              *on, *off;
	size_t                   p, m, v;
	uint64_t                 before;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "{'id': 'a', 'category': 'note', 'where': {'status': '>=500'}},\n"
	    "{'id': 'b', 'category': 'note', 'pattern': '^Started ',\n"
	    " 'where': {'program': '^systemd$'}},\n"
	    "{'id': 'c', 'category': 'note', 'where': {'program': 'nginx'}},\n"
	    "{'id': 'd', 'category': 'note', 'pattern': '\\\\w+',\n"
	    " 'where': {'status': '^[25]'}},\n"
	    "{'id': 'e', 'category': 'note', 'pattern': 'timed out',\n"
	    " 'where': {'status': '!=200'}}\n"
	    "]}");
	/* b keys on "started " in the message, c on "nginx" in the program,
	 * a and d on lines that have a status. */
	for (p = 0; p < 4; p++)
		for (m = 0; m < 5; m++)
			for (v = 0; v < 4; v++) {
				rec_msg(&r, msgs[m]);
				snprintf(r.program, sizeof(r.program), "%s",
				    progs[p]);
				if (vals[v] != NULL)
					rec_field(
					    &r, msgs[m], "status", vals[v]);
				if (vals[v] != NULL)
					snprintf(r.program, sizeof(r.program),
					    "%s", progs[p]);
				on = rec_match(set, &r, 1);
				off = rec_match(set, &r, 0);
				if (strcmp(on, off) != 0)
					fail_msg("prefilter changes %s/%s/%s: "
						 "%s vs %s",
					    progs[p], msgs[m],
					    vals[v] ? vals[v] : "none", on,
					    off);
			}
	rec_msg(&r, "upstream timed out status=503");
	snprintf(r.program, sizeof(r.program), "cron");
	before = rule_set_stats(set)->candidates;
	assert_string_equal(rec_match(set, &r, 1), "-");
	assert_int_equal(rule_set_stats(set)->candidates, before);
	rec_field(&r, "GET /", "status", "503");
	assert_string_equal(rec_match(set, &r, 1), "a");
	rule_set_free(set);
}

/* A line without any rule's literal runs no regex at all. */
static void
test_rule_prefilter_skips(void **state)
{
	struct rule_set         *set;
	const struct rule_stats *st;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "{'id': 'a', 'category': 'crash', 'pattern': 'panic'},\n"
	    "{'id': 'b', 'category': 'crash', 'pattern': 'PANIC'},\n"
	    "{'id': 'c', 'category': 'crash', 'pattern': 'segv', "
	    "'field': 'program'}\n"
	    "]}");
	st = rule_set_stats(set);
	assert_string_equal(match_id(set, "all quiet"), "-");
	assert_int_equal(st->candidates, 0);
	assert_string_equal(match_id(set, "segv"), "-");
	assert_int_equal(st->candidates, 0);
	assert_string_equal(match_id(set, "PaNiC"), "-");
	assert_int_equal(st->candidates, 2);
	assert_string_equal(match_id(set, "PANIC"), "b");
	assert_int_equal(st->lines, 4);
	rule_set_prefilter(set, 0);
	assert_string_equal(match_id(set, "all quiet"), "-");
	assert_int_equal(st->candidates, 6);
	rule_set_free(set);
}

/* What the pack test has seen: the set, lines, regex matches. */
static struct {
	struct rule_set *set;
	long             lines, matches, candidates, misses;
} pack;

/*
 * Parses one line as the pipeline does and runs every rule's regex on
 * it: each rule that matches must be a candidate of the prefilter.
 */
static void
pack_line(const char *line, size_t len)
{
	struct parser_state ps = {NULL};
	struct record       rec;
	const struct rule  *r;
	char               *buf = xmalloc(2 * len + 256);
	int                 i, rc;

	memset(&rec, 0, sizeof(rec));
	rec.scratch = buf;
	rec.scratch_cap = 2 * len + 256;
	record_reset(&rec, line, len);
	parser_detect(&ps, &rec);
	pack.lines++;
	for (i = 0; i < rule_set_count(pack.set); i++) {
		r = rule_set_get(pack.set, i);
		rc = rule_set_prefilter_sees(pack.set, r, &rec);
		pack.candidates += rc;
		if (rule_set_try(pack.set, r, &rec) != 1)
			continue;
		pack.matches++;
		if (rc == 0 && pack.misses++ < 10)
			print_error("prefilter misses %s on: %.*s\n", r->id,
			    (int)len, line);
	}
	free(buf);
}

/* nftw's callback: every line of a log file (not .md, .csv, LICENSE). */
static int
pack_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const char *base = path + f->base;
	char       *line = NULL;
	size_t      cap = 0;
	ssize_t     n;
	FILE       *fp;

	(void)st;
	if (type != FTW_F || strstr(base, ".md") != NULL ||
	    strstr(base, ".csv") != NULL || strncmp(base, "LICENSE", 7) == 0 ||
	    strstr(base, ".expected") != NULL ||
	    (fp = fopen(path, "r")) == NULL)
		return 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		pack_line(line, (size_t)n);
	}
	free(line);
	fclose(fp);
	return 0;
}

/*
 * The shipped pack's prefilter never hides a match: on every line of the
 * golden parse logs and of the shared corpus (when it is beside us), each
 * rule whose regex matches the parsed line is one of its candidates.
 */
static void
test_rule_prefilter_pack_no_misses(void **state)
{
	(void)state;
	memset(&pack, 0, sizeof(pack));
	pack.set = rule_set_new();
	assert_int_equal(rule_file_load(pack.set, "config/rules.d"), 0);
	nftw("tests/golden/parse", pack_file, 8, FTW_PHYS);
	assert_true(pack.lines > 300);
	nftw("../shared/corpus", pack_file, 8, FTW_PHYS);
	print_message("prefilter vs every regex: %ld lines, %ld rule matches, "
		      "%ld candidates, %ld missed\n",
	    pack.lines, pack.matches, pack.candidates, pack.misses);
	assert_true(pack.matches > 0);
	assert_int_equal(pack.misses, 0);
	rule_set_free(pack.set);
}

/*
 * A catastrophic pattern stops at the match limit; the limit hits and the
 * matches are counted per rule and in total.
 */
static void
test_rule_match_limit(void **state)
{
	static char               line[4096];
	struct rule_set          *set;
	struct record             r;
	struct rule_hit           hit;
	const struct rule_counts *bad, *ok;

	(void)state;
	set = load_text("{'rules': [{'id': 'ok', 'category': 'note', "
			"'pattern': 'fine'},\n"
			"{'id': 'bad', 'category': 'note', "
			"'pattern': '(a+)+$'}]}");
	ok = rule_set_counts(set, 0);
	bad = rule_set_counts(set, 1);
	assert_null(rule_set_counts(set, 2));
	assert_null(rule_set_counts(set, -1));
	memset(line, 'a', sizeof(line) - 2);
	line[sizeof(line) - 2] = 'b';
	rec_msg(&r, line);
	assert_int_equal(rule_set_match(set, &r, &hit), 0);
	assert_int_equal(rule_set_stats(set)->limit_hits, 1);
	assert_int_equal(bad->limit_hits, 1);
	assert_int_equal(bad->matches, 0);
	assert_string_equal(match_id(set, "aaa"), "bad");
	assert_string_equal(match_id(set, "fine"), "ok");
	assert_string_equal(match_id(set, "fine aa"), "ok");
	assert_int_equal(rule_set_match(set, &r, &hit), 0);
	assert_int_equal(rule_set_stats(set)->limit_hits, 2);
	assert_int_equal(rule_set_stats(set)->matches, 3);
	assert_int_equal(bad->limit_hits, 2);
	assert_int_equal(bad->matches, 1);
	assert_int_equal(ok->limit_hits, 0);
	assert_int_equal(ok->matches, 2);
	rule_set_free(set);
}

/* What a thread matching through its own share of a set finds. */
struct share_run {
	struct rule_set *share;
	const char     **msgs;
	int              n, rounds;
	char             got[8][32];
};

/* Thread body: matches every message through the share, many times. */
static void *
share_thread(void *arg)
{
	struct share_run *sr = arg;
	struct rule_hit   hit;
	struct record     r;
	int               i, k;

	for (k = 0; k < sr->rounds; k++)
		for (i = 0; i < sr->n; i++) {
			rec_msg(&r, sr->msgs[i]);
			snprintf(sr->got[i], sizeof(sr->got[i]), "%s",
			    rule_set_match(sr->share, &r, &hit) == 1
				? hit.rule->id
				: "-");
		}
	return NULL;
}

/*
 * A share of a set matches as the set does, from other threads at once,
 * and counts in its own counters only.
 */
static void
test_rule_share_matches_like_its_parent(void **state)
{
	static const char *msgs[] = {"fine", "aaa", "fine aa", "nothing here",
	    "too many clients already", "sorry, too many clients"};
	struct share_run   run[2];
	struct rule_set   *set;
	pthread_t          th[2];
	char               want[6][32];
	int                i, t;

	(void)state;
	set = load_text("{'rules': [{'id': 'ok', 'category': 'note', "
			"'pattern': 'fine'},\n"
			"{'id': 'clients', 'category': 'pool_exhaustion', "
			"'pattern': 'too many (?<what>clients)'},\n"
			"{'id': 'bad', 'category': 'note', "
			"'pattern': '(a+)+$'}]}");
	for (i = 0; i < 6; i++)
		snprintf(
		    want[i], sizeof(want[i]), "%s", match_id(set, msgs[i]));
	for (t = 0; t < 2; t++) {
		memset(&run[t], 0, sizeof(run[t]));
		run[t].share = rule_set_share(set);
		run[t].msgs = msgs;
		run[t].n = 6;
		run[t].rounds = 200;
		assert_int_equal(
		    pthread_create(&th[t], NULL, share_thread, &run[t]), 0);
	}
	for (t = 0; t < 2; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < 6; i++)
			assert_string_equal(run[t].got[i], want[i]);
		assert_int_equal(
		    rule_set_counts(run[t].share, 1)->matches, 400);
		assert_int_equal(rule_set_stats(run[t].share)->lines, 1200);
	}
	/* The parent counted only its own six lines. */
	assert_int_equal(rule_set_counts(set, 1)->matches, 2);
	assert_int_equal(rule_set_stats(set)->lines, 6);
	for (t = 0; t < 2; t++)
		rule_set_free(run[t].share);
	rule_set_free(set);
}

/* Example checking finds failing examples and reports rule lines. */
static void
test_rule_check_examples(void **state)
{
	struct rule_set *set;
	const char      *err;
	int              errors;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "{'id': 'disk.full', 'category': 'resource_exhaustion',\n"
	    " 'pattern': 'No space left on device',\n"
	    " 'examples': {'match': ['write failed: No space left on "
	    "device', 'disk is full'],\n"
	    "   'no_match': ['plenty of space', 'No space left on device "
	    "again']}},\n"
	    "{'id': 'slow', 'category': 'alert', 'pattern': "
	    "'\\\\d+ ms'},\n"
	    "{'id': 'good', 'category': 'crash', 'pattern': 'panic', "
	    "'examples': {'match': ['kernel panic']}}\n"
	    "]}");
	capture_start();
	errors = rule_check_set(set, 1);
	err = capture_end();
	assert_int_equal(errors, 2);
	assert_contains(err,
	    "r.json:2: rule disk.full: example 2 does not "
	    "match: \"disk is full\"");
	assert_contains(err,
	    "r.json:2: rule disk.full: example 2 matches but "
	    "should not: \"No space left on device again\"");
	assert_contains(err, "r.json:6: rule slow: warning: no examples");
	assert_contains(err,
	    "r.json:6: rule slow: no distinctive literal of 4 "
	    "or more bytes; it runs on most lines");
	assert_null(strstr(err, "rule good"));
	assert_null(strstr(err, "example 1"));
	capture_start();
	errors = rule_check_set(set, 0);
	err = capture_end();
	assert_int_equal(errors, 2);
	assert_null(strstr(err, "distinctive"));
	assert_int_equal(rule_set_stats(set)->lines, 0);
	rule_set_free(set);
}

/*
 * check runs a rule with conditions on its examples parsed as the
 * pipeline parses them (an access log's status), and does not call a
 * rule that needs a parsed field one that runs on most lines.
 */
static void
test_rule_check_where(void **state)
{
	struct rule_set *set;
	const char      *err;
	int              errors;

	(void)state;
	set = load_text(
	    "{'rules': [\n"
	    "{'id': 'http.5xx', 'category': 'upstream_error',\n"
	    " 'where': {'status': '>=500'}, 'title': 'HTTP {status}',\n"
	    " 'examples': {'match': ['10.0.0.1 - - [15/Mar/2024:10:00:05 "
	    "+0100] \\'GET / HTTP/1.1\\' 502 12 \\'-\\' \\'curl\\''],\n"
	    "   'no_match': ['10.0.0.1 - - [15/Mar/2024:10:00:05 +0100] "
	    "\\'GET / HTTP/1.1\\' 200 12 \\'-\\' \\'curl\\'', "
	    "'status 503 served', '10.0.0.1 - - [15/Mar/2024:10:00:05 "
	    "+0100] \\'GET / HTTP/1.1\\' 504 12 \\'-\\' \\'curl\\'']}}\n"
	    "]}");
	capture_start();
	errors = rule_check_set(set, 1);
	err = capture_end();
	assert_int_equal(errors, 1);
	assert_contains(err,
	    "r.json:2: rule http.5xx: example 3 matches but "
	    "should not");
	assert_null(strstr(err, "distinctive"));
	rule_set_free(set);
}

/*
 * A rule whose own examples hit the match limit is reported once, with
 * the count, as an error: on real lines it would be given up the same way.
 */
static void
test_rule_check_limit_hits(void **state)
{
	static char      text[8192];
	struct rule_set *set;
	const char      *err;
	char             aaa[200];
	int              errors;

	(void)state;
	memset(aaa, 'a', sizeof(aaa) - 2);
	aaa[sizeof(aaa) - 2] = 'b';
	aaa[sizeof(aaa) - 1] = '\0';
	snprintf(text, sizeof(text),
	    "{'rules': [\n"
	    "{'id': 'nest', 'category': 'note', 'pattern': '(a+)+$',\n"
	    " 'examples': {'match': ['aaa', '%s'], 'no_match': ['%s']}},\n"
	    "{'id': 'fine', 'category': 'note', 'pattern': 'a+b$',\n"
	    " 'examples': {'match': ['%s']}}\n"
	    "]}",
	    aaa, aaa, aaa);
	set = load_text(text);
	capture_start();
	errors = rule_check_set(set, 0);
	err = capture_end();
	assert_int_equal(errors, 2);
	assert_contains(err, "r.json:2: rule nest: example 2 does not match");
	assert_contains(err,
	    "r.json:2: rule nest: 2 examples hit the PCRE2 match or depth "
	    "limit (such lines count as not matching)");
	assert_null(strstr(err, "rule fine"));
	assert_int_equal(rule_set_stats(set)->limit_hits, 0);
	assert_int_equal(rule_set_counts(set, 0)->limit_hits, 0);
	rule_set_free(set);
}

/*
 * timelined check counts every error, in loading as in examples, in its
 * summary line, and exits 2 on any.
 */
static void
test_rule_check_command_counts(void **state)
{
	struct conf *o = conf_new();
	char         out[4096], a[600], b[600];
	int          rc, fd, saved;
	ssize_t      n;

	(void)state;
	o->no_default_rules = 1;
	snprintf(a, sizeof(a), "%s",
	    write_file("a.json",
		"{'rules': [\n"
		"{'id': 'ok', 'category': 'crash', 'pattern': 'segfault',\n"
		" 'examples': {'match': ['segfault at 0', 'fine']}},\n"
		"{'id': 'bad', 'category': 'crashed', 'pattern': '(x'}\n"
		"]}"));
	snprintf(b, sizeof(b), "%s", write_file("b.json", "{'rules': [}"));
	conf_option(o, CONF_OPT_RULES, a);
	conf_option(o, CONF_OPT_RULES, b);
	conf_option(o, CONF_OPT_RULES, "/nonexistent/rules.json");
	snprintf(out, sizeof(out), "%s/stdout.txt", tmpdir);
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 1);
	capture_start();
	rc = pipeline_check(o);
	conf_free(o);
	capture_end();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	assert_true(n > 0);
	out[n] = '\0';
	assert_int_equal(rc, 2);
	/* bad: category and pattern; b.json; the missing file; example 2. */
	assert_string_equal(out, "1 rules checked, 5 errors\n");
	assert_contains(errbuf, "a.json:4: rule bad: unknown category");
	assert_contains(errbuf, "a.json:2: rule ok: example 2 does not match");
}

/* The built-in pack needs examples. */
static void
test_rule_builtin_needs_examples(void **state)
{
	struct rule_set *set = rule_set_new();
	const char      *err;
	int              errors;

	(void)state;
	write_file("pack.json",
	    "{'rules': [{'id': 'x.y', 'category': "
	    "'crash', 'pattern': 'segfault'}]}");
	assert_int_equal(rule_file_load_builtin(set, tmpdir), 0);
	assert_int_equal(rule_set_count(set), 1);
	capture_start();
	errors = rule_check_set(set, 0);
	err = capture_end();
	assert_int_equal(errors, 1);
	assert_contains(err,
	    "pack.json:1: rule x.y: no examples; built-in "
	    "rules need them");
	rule_set_free(set);
}

/* Makes directory tmpdir/rel; returns its path (static storage). */
static const char *
make_dir(const char *rel)
{
	static char path[600];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(path, 0700), 0);
	return path;
}

/*
 * The built-in pack: the environment's directory if set, else the tree
 * beside the executable (development first, then installed), else the
 * compile-time path.
 */
static void
test_rule_builtin_dir(void **state)
{
	static const char *const dirs[] = {"bin/config/rules.d", "bin/config",
	    "bin", "share/timelined/rules.d", "share/timelined", "share"};
	char                     exe[600], *dir, *want;
	size_t                   i;

	(void)state;
	snprintf(exe, sizeof(exe), "%s/bin", tmpdir);
	dir = rule_file_builtin_dir(exe, "/some/rules.d");
	assert_string_equal(dir, "/some/rules.d");
	free(dir);
	dir = rule_file_builtin_dir(exe, "");
	assert_string_equal(dir, TIMELINED_RULES_DIR);
	free(dir);
	dir = rule_file_builtin_dir(NULL, NULL);
	assert_string_equal(dir, TIMELINED_RULES_DIR);
	free(dir);
	make_dir("bin");
	make_dir("share");
	make_dir("share/timelined");
	make_dir("share/timelined/rules.d");
	dir = rule_file_builtin_dir(exe, NULL);
	xasprintf(&want, "%s/../share/timelined/rules.d", exe);
	assert_string_equal(dir, want);
	free(want);
	free(dir);
	make_dir("bin/config");
	make_dir("bin/config/rules.d");
	dir = rule_file_builtin_dir(exe, NULL);
	xasprintf(&want, "%s/config/rules.d", exe);
	assert_string_equal(dir, want);
	free(want);
	free(dir);
	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(exe, sizeof(exe), "%s/%s", tmpdir, dirs[i]);
		rmdir(exe);
	}
}

/* A definition added directly is checked like one read from a file. */
static void
test_rule_set_add(void **state)
{
	struct rule_set   *set = rule_set_new();
	struct rule_def    def = {.name = "d",
	       .id = "d",
	       .pattern = "boom",
	       .cat = CATEGORY_CRASH,
	       .file = "mem",
	       .line = 7};
	const char *const  ex[] = {"a boom"};
	const struct rule *r;

	(void)state;
	def.examples[0] = ex;
	def.nexamples[0] = 1;
	assert_int_equal(rule_set_add(set, &def), 0);
	assert_int_equal(def.errors, 0);
	rule_set_prepare(set);
	assert_string_equal(match_id(set, "kaboom"), "d");
	r = rule_set_get(set, 0);
	assert_string_equal(r->category, "crash");
	assert_string_equal(r->title, "d");
	assert_string_equal(r->examples[0][0], "a boom");
	assert_ptr_not_equal(r->examples[0][0], ex[0]);
	capture_start();
	assert_int_equal(rule_set_add(set, &def), -1);
	def = (struct rule_def){
	    .name = "e", .id = "e", .pattern = "(x", .file = "mem", .line = 9};
	assert_int_equal(rule_set_add(set, &def), -1);
	capture_end();
	assert_int_equal(def.errors, 2);
	assert_contains(errbuf,
	    "mem:7: rule d: duplicate id (first defined "
	    "at mem:7)");
	assert_contains(errbuf,
	    "mem:9: rule e: id, category and pattern (or where) are "
	    "required");
	assert_contains(errbuf, "mem:9: rule e: pattern error at offset 2");
	assert_int_equal(rule_set_count(set), 1);
	rule_set_free(set);
}

/* A rule's category is read into its enum; "unclassified" is no rule's. */
static void
test_rule_categories(void **state)
{
	struct rule_set *set;
	const char      *err;
	int              n;

	(void)state;
	set = load_text("{'rules': [\n"
			"{'id': 'a', 'category': 'pool_exhaustion', "
			"'pattern': 'x'},\n"
			"{'id': 'b', 'category': 'note', 'pattern': 'y'}\n"
			"]}");
	assert_int_equal(rule_set_get(set, 0)->cat, CATEGORY_POOL_EXHAUSTION);
	assert_string_equal(rule_set_get(set, 0)->category, "pool_exhaustion");
	assert_int_equal(rule_set_get(set, 1)->cat, CATEGORY_NOTE);
	rule_set_free(set);
	assert_true(rule_category_is_failure("crash"));
	assert_false(rule_category_is_failure("recovery"));
	assert_false(rule_category_is_failure("nope"));
	err = load_errors("{'rules': [{'id': 'u', 'category': 'unclassified', "
			  "'pattern': 'x'}]}",
	    &n);
	assert_contains(err, "rule u: unknown category \"unclassified\"");
	assert_int_equal(n, 0);
}

/* Loading more rules later re-sorts and re-indexes the whole set. */
static void
test_rule_load_twice(void **state)
{
	struct rule_set *set = rule_set_new();

	(void)state;
	assert_string_equal(match_id(set, "anything"), "-");
	assert_int_equal(
	    rule_file_load(set,
		write_file("1.json",
		    "{'rules': [{'id': 'one', 'category': 'crash', "
		    "'pattern': 'boom'}]}")),
	    0);
	assert_int_equal(
	    rule_file_load(set,
		write_file("2.json",
		    "{'rules': [{'id': 'two', 'category': 'crash', "
		    "'pattern': 'boom!', 'priority': 1}]}")),
	    0);
	capture_start();
	assert_int_equal(
	    rule_file_load(set,
		write_file("3.json",
		    "{'rules': [{'id': 'one', 'category': 'crash', "
		    "'pattern': 'x'}]}")),
	    1);
	capture_end();
	assert_contains(errbuf,
	    "3.json:1: rule one: duplicate id (first "
	    "defined at ");
	assert_int_equal(rule_set_count(set), 2);
	assert_string_equal(match_id(set, "boom"), "one");
	assert_string_equal(match_id(set, "boom!"), "two");
	rule_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_rule_load_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_load_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_load_twice, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_error_json_syntax, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_error_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_error_top_level, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_error_missing_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_priority, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_captures_title, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rule_field, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_where_compare, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_where_regex, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_where_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_where_prefilter, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_check_where, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_literals, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_prefilter_equivalence, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_prefilter_skips, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_prefilter_pack_no_misses, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_match_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_share_matches_like_its_parent, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_check_examples, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_builtin_needs_examples, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_check_limit_hits, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_check_command_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_categories, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rule_builtin_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rule_set_add, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
