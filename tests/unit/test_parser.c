/*
 * Unit tests for parser.c's registry and detection helpers: the
 * first-byte table that decides which formats a wrapped message is tried
 * in never excludes a line its format reads (every golden parse log and,
 * when it is beside us, every line of the shared corpus), and a wrapped
 * line is still read in its own format.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser.h"
#include "record.h"
#include "xmalloc.h"

/* What the table test has seen. */
static struct {
	long lines, read, excluded, wrong;
} seen;

/* Tries every format on one line; counts the ones the table excludes. */
static void
starts_line(const char *line, size_t len)
{
	const struct parser *const *all = parser_all();
	struct record               rec;
	char                       *buf = xmalloc(2 * len + 256);
	int                         i;

	rec.scratch = buf;
	rec.scratch_cap = 2 * len + 256;
	seen.lines++;
	for (i = 0; all[i] != NULL; i++) {
		record_reset(&rec, line, len);
		if (!parser_can_start(all[i], line, len)) {
			seen.excluded++;
			if (all[i]->parse(line, len, &rec) && seen.wrong++ < 10)
				print_error("%s reads a line it cannot start: "
					    "%.*s\n",
				    all[i]->name, (int)len, line);
			continue;
		}
		seen.read += all[i]->parse(line, len, &rec);
	}
	free(buf);
}

/* nftw's callback: every line of a log file (not .md, .csv, .expected). */
static int
starts_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const char *base = path + f->base;
	char       *line = NULL;
	size_t      cap = 0;
	ssize_t     n;
	FILE       *fp;

	(void)st;
	if (type != FTW_F || strstr(base, ".md") != NULL ||
	    strstr(base, ".csv") != NULL || strstr(base, ".expected") != NULL ||
	    strncmp(base, "LICENSE", 7) == 0 || (fp = fopen(path, "r")) == NULL)
		return 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		starts_line(line, (size_t)n);
	}
	free(line);
	fclose(fp);
	return 0;
}

/*
 * No format reads a line the first-byte table says it cannot start, on
 * crafted lines, the golden parse logs and the shared corpus.
 */
static void
test_parser_can_start_never_excludes(void **state)
{
	static const char *const lines[] = {
	    "  {\"msg\": \"x\", \"time\": \"2024-03-15T09:00:00Z\"}",
	    "[15/Mar/2024 09:00:01] ERROR boom",
	    "2024-03-15 09:00:01,123 - app - ERROR - boom",
	    "nova-api.log.1 2024-03-15 09:00:01.123 1234 ERROR nova.x [-] boom",
	    "", "x"};
	size_t i;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	for (i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		starts_line(lines[i], strlen(lines[i]));
	nftw("tests/golden/parse", starts_file, 8, FTW_PHYS);
	nftw("../shared/corpus", starts_file, 8, FTW_PHYS);
	print_message("first-byte table: %ld lines, %ld format reads, %ld "
		      "tries excluded, %ld wrongly\n",
	    seen.lines, seen.read, seen.excluded, seen.wrong);
	assert_true(seen.lines > 300);
	assert_true(seen.excluded > seen.lines);
	assert_int_equal(seen.wrong, 0);
}

/* The table's answers on a few first bytes. */
static void
test_parser_can_start_table(void **state)
{
	(void)state;
	assert_true(parser_can_start(parser_find("json"), " {", 2));
	assert_true(parser_can_start(parser_find("json"), "{\"a\"", 4));
	assert_false(parser_can_start(parser_find("json"), "a{", 2));
	assert_true(parser_can_start(parser_find("postgres"), "2024", 4));
	assert_false(parser_can_start(parser_find("postgres"), "Mar", 3));
	assert_true(parser_can_start(parser_find("python"), "[15/", 4));
	assert_true(parser_can_start(parser_find("clf"), "Mar", 3));
	assert_true(parser_can_start(parser_find("log4j"), "nova", 4));
	assert_true(parser_can_start(parser_find("postgres"), "", 0));
	assert_false(parser_can_start(parser_find("spring"), "\0", 1));
}

/* One syslog line and how it must be read. */
struct wrapped {
	const char *line;
	const char *host;   /* the wrapper's */
	const char *status; /* the inner access log's, or NULL */
	const char *msg;    /* what the message starts with */
};

/*
 * A message wrapped in syslog is still read in its own format, with the
 * wrapper's host; a message no inner format reads keeps the wrapper's
 * reading whole.
 */
static void
test_parser_inner_formats(void **state)
{
	static const struct wrapped cases[] = {
	    {"Mar 15 09:00:01 web1 nginx: 10.0.0.1 - - [15/Mar/2024:09:00:01 "
	     "+0000] \"GET / HTTP/1.1\" 503 12 \"-\" \"curl\"",
		"web1", "503", "GET / HTTP/1.1 503"},
	    {"Mar 15 09:00:01 db1 postgres[12]: 2024-03-15 09:00:01.000 UTC "
	     "[12] FATAL:  too many clients",
		"db1", NULL, "FATAL:  too many clients"},
	    {"Mar 15 09:00:01 app1 app: Started Session 5 of user root.",
		"app1", NULL, "Started Session 5"},
	};
	const struct record_field *f;
	struct parser_state        ps;
	struct record              rec;
	char                       buf[4096];
	size_t                     i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		memset(&ps, 0, sizeof(ps));
		rec.scratch = buf;
		rec.scratch_cap = sizeof(buf);
		record_reset(&rec, cases[i].line, strlen(cases[i].line));
		assert_ptr_equal(
		    parser_detect(&ps, &rec), parser_find("rfc3164"));
		assert_string_equal(rec.host, cases[i].host);
		f = record_field(&rec, "status");
		if (cases[i].status != NULL)
			assert_true(f != NULL && f->val_len == 3 &&
			    memcmp(f->val, cases[i].status, 3) == 0);
		else
			assert_null(f);
		assert_true(rec.msg_len >= strlen(cases[i].msg));
		assert_memory_equal(
		    rec.msg, cases[i].msg, strlen(cases[i].msg));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parser_can_start_table),
	    cmocka_unit_test(test_parser_can_start_never_excludes),
	    cmocka_unit_test(test_parser_inner_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
