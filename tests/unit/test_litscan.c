/*
 * Unit tests for litscan.c, the literal prefilter: on crafted and random
 * literals and subjects its answer must be exactly the literals a plain
 * case-folding search finds (none missed, none invented), including
 * 3-byte literals at the end of a subject, literals under 3 bytes, bytes
 * above 0x7f and literals shared by several ids; and the one-pass scan
 * of a line that reports a window of it (its message) apart.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "litscan.h"

#define MAXLIT 64

/* The answer a plain search gives: id i's bit if lits[i] occurs in s. */
static void
naive(const char *const *lits, int n, const char *s, size_t len, uint64_t *bits)
{
	size_t i, j, l;
	int    k;

	for (k = 0; k < n; k++) {
		l = strlen(lits[k]);
		for (i = 0; i + l <= len; i++) {
			for (j = 0; j < l; j++)
				if (litscan_fold((unsigned char)s[i + j]) !=
				    litscan_fold((unsigned char)lits[k][j]))
					break;
			if (j == l) {
				bits[k / 64] |= UINT64_C(1) << (k % 64);
				break;
			}
		}
	}
}

/* Builds a filter over n literals, literal i reported as id i. */
static struct litscan *
build(const char *const *lits, int n)
{
	struct litscan *ls = litscan_new();
	int             k;

	for (k = 0; k < n; k++)
		litscan_add(ls, lits[k], strlen(lits[k]), k);
	litscan_build(ls);
	return ls;
}

/* Fails unless two answers are the same. */
static void
same(const uint64_t *got, const uint64_t *want, const char *s, size_t len,
    const char *what)
{
	if (got[0] != want[0] || got[1] != want[1])
		fail_msg("%s \"%.*s\": filter %016llx%016llx, search "
			 "%016llx%016llx",
		    what, (int)len, s, (unsigned long long)got[1],
		    (unsigned long long)got[0], (unsigned long long)want[1],
		    (unsigned long long)want[0]);
}

/*
 * Asserts that the filter and the plain search agree on s, and on the
 * window s[lo, hi) of a one-pass scan (litscan_scan_within).
 */
static void
agree(const struct litscan *ls, const char *const *lits, int n, const char *s,
    size_t len)
{
	uint64_t got[2] = {0, 0}, want[2] = {0, 0}, in[2] = {0, 0};
	size_t   lo = len / 3, hi = len - len / 4;

	litscan_scan(ls, s, len, got);
	naive(lits, n, s, len, want);
	same(got, want, s, len, "scan");
	memset(got, 0, sizeof(got));
	litscan_scan_within(ls, s, len, lo, hi, got, in);
	same(got, want, s, len, "scan_within");
	memset(want, 0, sizeof(want));
	naive(lits, n, s + lo, hi - lo, want);
	same(in, want, s + lo, hi - lo, "window of");
}

/* Crafted cases: case, ends of the subject, short and shared literals. */
static void
test_litscan_exact(void **state)
{
	static const char *const lits[] = {"connection refused", "Refused",
	    "OOM", "oom", "ab", "x", "panic", "kernel panic", "\xe9t\xe9",
	    "t\xc3\xa9", "a[b]", "@@@", "[[["};
	static const char *const subjects[] = {"", "o", "oo", "oom", "OOMx",
	    "xOoM", "Connection REFUSED now", "ab", "zab", "a", "kernel PANIC",
	    "panic", "pani", "\xc9t\xe9 \xe9t\xe9", "ut\xc3\xa9", "a[b]c",
	    "A{B}", "`@`@@@", "{{{", "[[[", "\x00oom\x00", "aaaaaaaaaaaa"};
	int                      n = sizeof(lits) / sizeof(*lits);
	struct litscan          *ls = build(lits, n);
	size_t                   i;

	(void)state;
	for (i = 0; i < sizeof(subjects) / sizeof(*subjects); i++)
		agree(ls, lits, n, subjects[i],
		    i == 20 ? 5 : strlen(subjects[i]));
	litscan_free(ls);
	litscan_free(NULL);
}

/* Random bytes from a small alphabet (so literals occur), case mixed. */
static void
fill(char *s, size_t n, unsigned *seed)
{
	static const char alpha[] = "abcABC @[`{\xe1\xc1";
	size_t            i;

	for (i = 0; i < n; i++)
		s[i] = alpha[rand_r(seed) % (sizeof(alpha) - 1)];
}

/*
 * Copies lit into s (len bytes) at a random place, ending at the very end
 * one time in four, with the case of its letters flipped at random.
 */
static void
plant(char *s, size_t len, const char *lit, unsigned *seed)
{
	size_t n = strlen(lit), at, i;

	if (n > len)
		return;
	at = rand_r(seed) % 4 == 0 ? len - n : rand_r(seed) % (len - n + 1);
	for (i = 0; i < n; i++)
		s[at + i] = rand_r(seed) % 2
		    ? lit[i] ^ 0x20 * !!isalpha((unsigned char)lit[i])
		    : lit[i];
}

/*
 * Random literal sets agree with the plain search on random subjects of
 * every length up to 40. The shortest literal sets the stride (3 bytes:
 * every gram tested, 6 or more: every fourth), so rounds vary it; some
 * literals repeat, some rounds have literals under 3 bytes.
 */
static void
test_litscan_random(void **state)
{
	static char     store[MAXLIT][24];
	const char     *lits[MAXLIT];
	char            s[64];
	struct litscan *ls;
	unsigned        seed = 12345;
	int             round, k, n;
	size_t          len, min;

	(void)state;
	for (round = 0; round < 400; round++) {
		n = 1 + rand_r(&seed) % MAXLIT;
		min = round % 5 == 4 ? 1 : 3 + round % 5;
		for (k = 0; k < n; k++) {
			len = min + rand_r(&seed) % 12;
			if (k > 0 && rand_r(&seed) % 8 == 0)
				memcpy(
				    store[k], store[k - 1], sizeof(store[k]));
			else {
				fill(store[k], len, &seed);
				store[k][len] = '\0';
			}
			lits[k] = store[k];
		}
		ls = build(lits, n);
		for (len = 0; len < 40; len++) {
			fill(s, len, &seed);
			plant(s, len, lits[rand_r(&seed) % n], &seed);
			agree(ls, lits, n, s, len);
		}
		litscan_free(ls);
	}
}

/* An empty filter finds nothing; a rebuild takes new literals. */
static void
test_litscan_empty_and_rebuild(void **state)
{
	struct litscan *ls = litscan_new();
	uint64_t        bits[1] = {0};

	(void)state;
	litscan_scan(ls, "anything", 8, bits);
	litscan_build(ls);
	litscan_scan(ls, "anything", 8, bits);
	assert_int_equal(bits[0], 0);
	litscan_add(ls, "thing", 5, 3);
	litscan_scan(ls, "anything", 8, bits);
	assert_int_equal(bits[0], 0);
	litscan_build(ls);
	litscan_scan(ls, "anyTHING", 8, bits);
	assert_int_equal(bits[0], UINT64_C(1) << 3);
	litscan_free(ls);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_litscan_exact),
	    cmocka_unit_test(test_litscan_random),
	    cmocka_unit_test(test_litscan_empty_and_rebuild),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
