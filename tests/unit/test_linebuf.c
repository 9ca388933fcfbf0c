/*
 * Unit tests for linebuf (line framing) and utf8 (sanitising copies).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "linebuf.h"
#include "utf8.h"

struct got {
	char     lines[16][128];
	size_t   lens[16];
	uint64_t ends[16];
	int      n;
};

/* Records each line handed out. */
static void
collect_cb(const char *p, size_t n, uint64_t end, void *arg)
{
	struct got *g = arg;

	if (g->n < 16) {
		memcpy(g->lines[g->n], p, n < 127 ? n : 127);
		g->lines[g->n][n < 127 ? n : 127] = '\0';
		g->lens[g->n] = n;
		g->ends[g->n++] = end;
	}
}

static void
test_linebuf_split_across_chunks_and_crlf(void **state)
{
	struct linebuf lb;
	struct got     g;

	(void)state;
	memset(&g, 0, sizeof(g));
	linebuf_init(&lb, 64);
	linebuf_feed(&lb, "one\r\ntw", 7, collect_cb, &g);
	linebuf_feed(&lb, "o\nthr", 5, collect_cb, &g);
	linebuf_feed(&lb, "ee", 2, collect_cb, &g);
	assert_int_equal(g.n, 2);
	linebuf_flush(&lb, collect_cb, &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[0], "one");
	assert_string_equal(g.lines[1], "two");
	assert_string_equal(g.lines[2], "three");
	linebuf_free(&lb);
}

static void
test_linebuf_long_line_is_cut_and_counted(void **state)
{
	struct linebuf lb;
	struct got     g;
	char           big[300];

	(void)state;
	memset(&g, 0, sizeof(g));
	memset(big, 'x', sizeof(big));
	big[299] = '\n';
	linebuf_init(&lb, 16);
	linebuf_feed(&lb, big, 100, collect_cb, &g);
	linebuf_feed(&lb, big + 100, 200, collect_cb, &g);
	linebuf_feed(&lb, "ok\n", 3, collect_cb, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.lens[0], 16);
	assert_string_equal(g.lines[1], "ok");
	assert_int_equal(lb.truncated, 1);
	linebuf_free(&lb);
}

static void
test_linebuf_empty_lines_kept(void **state)
{
	struct linebuf lb;
	struct got     g;

	(void)state;
	memset(&g, 0, sizeof(g));
	linebuf_init(&lb, 16);
	linebuf_feed(&lb, "\n\na\n", 4, collect_cb, &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.lens[0], 0);
	linebuf_free(&lb);
}

static void
test_linebuf_reports_end_offsets_and_line_start(void **state)
{
	struct linebuf lb;
	struct got     g;

	(void)state;
	memset(&g, 0, sizeof(g));
	linebuf_init(&lb, 64);
	linebuf_feed(&lb, "ab\r\ncd\ne", 8, collect_cb, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ends[0], 4); /* past "ab\r\n" */
	assert_int_equal(g.ends[1], 7);
	assert_int_equal(linebuf_line_start(&lb), 7); /* "e" waits */
	linebuf_feed(&lb, "f\n", 2, collect_cb, &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[2], "ef");
	assert_int_equal(g.ends[2], 10);
	assert_int_equal(linebuf_line_start(&lb), 10);
	linebuf_free(&lb);
}

static void
test_linebuf_cut_line_ends_at_its_newline(void **state)
{
	struct linebuf lb;
	struct got     g;
	char           big[40];

	(void)state;
	memset(&g, 0, sizeof(g));
	memset(big, 'x', sizeof(big));
	linebuf_init(&lb, 16);
	linebuf_feed(&lb, "ok\n", 3, collect_cb, &g);
	linebuf_feed(&lb, big, sizeof(big), collect_cb, &g);
	/* Cut, but not handed out before its end is known. */
	assert_int_equal(g.n, 1);
	assert_int_equal(linebuf_line_start(&lb), 3);
	linebuf_feed(&lb, "y\n", 2, collect_cb, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.lens[1], 16);
	assert_int_equal(g.ends[1], 3 + 40 + 2);
	assert_int_equal(lb.truncated, 1);
	linebuf_free(&lb);
}

static void
test_utf8_sanitize_replaces_invalid_and_cuts_at_boundary(void **state)
{
	char out[16];

	(void)state;
	utf8_sanitize("a\xff"
		      "b",
	    3, out, sizeof(out));
	assert_string_equal(out,
	    "a\xef\xbf\xbd"
	    "b");
	utf8_sanitize("\xed\xa0\x80", 3, out, sizeof(out)); /* surrogate */
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	utf8_sanitize("tab\there\x01", 9, out, sizeof(out));
	assert_string_equal(out, "tab here ");
	utf8_sanitize("a\0b", 3, out, sizeof(out));
	assert_string_equal(out,
	    "a\xef\xbf\xbd"
	    "b");
	/* the two bytes of "\xc3\xa9" are never split */
	utf8_sanitize("abcd\xc3\xa9", 6, out, 6);
	assert_string_equal(out, "abcd");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_linebuf_split_across_chunks_and_crlf),
	    cmocka_unit_test(test_linebuf_long_line_is_cut_and_counted),
	    cmocka_unit_test(test_linebuf_empty_lines_kept),
	    cmocka_unit_test(test_linebuf_reports_end_offsets_and_line_start),
	    cmocka_unit_test(test_linebuf_cut_line_ends_at_its_newline),
	    cmocka_unit_test(
		test_utf8_sanitize_replaces_invalid_and_cuts_at_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
