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
	char   lines[16][128];
	size_t lens[16];
	int    n;
};

/* Records each line handed out. */
static void
collect_cb(const char *p, size_t n, void *arg)
{
	struct got *g = arg;

	if (g->n < 16) {
		memcpy(g->lines[g->n], p, n < 127 ? n : 127);
		g->lines[g->n][n < 127 ? n : 127] = '\0';
		g->lens[g->n++] = n;
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
	    cmocka_unit_test(
		test_utf8_sanitize_replaces_invalid_and_cuts_at_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
