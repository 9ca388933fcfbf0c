/*
 * Unit tests for in_file and in_gz: gzip by magic, concatenated members,
 * the header's mtime, a truncated later member, trailing garbage, UTF-16,
 * refused compressors, resuming at an offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "in_file.h"

static char dir[] = "/tmp/test_in_file.XXXXXX";

/* gzip of text with header mtime into out; returns its length. */
static size_t
gz(const char *text, uint32_t mtime, unsigned char *out, size_t cap)
{
	z_stream  zs;
	gz_header h;

	memset(&zs, 0, sizeof(zs));
	memset(&h, 0, sizeof(h));
	h.time = mtime;
	assert_int_equal(
	    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
	    Z_OK);
	deflateSetHeader(&zs, &h);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return cap - zs.avail_out;
}

/* Writes n bytes to dir/name; returns the path (static). */
static const char *
put(const char *name, const void *p, size_t n)
{
	static char path[256];
	FILE       *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
	return path;
}

/* Reads the whole input into buf; the length, or -1 on an error. */
static ssize_t
slurp(struct in_file *f, char *buf, size_t cap)
{
	ssize_t r;
	size_t  n = 0;

	while ((r = in_file_read(f, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return r == -1 ? -1 : (ssize_t)n;
}

static void
test_in_file_gzip_members_and_mtime(void **state)
{
	unsigned char   z[512];
	char            err[128], buf[256];
	size_t          n;
	struct in_file *f;

	(void)state;
	n = gz("one\n", 1710500000, z, sizeof(z));
	n += gz("two\n", 1, z + n, sizeof(z) - n);
	f = in_file_open(put("a", z, n), err, sizeof(err));
	assert_non_null(f);
	assert_true(in_file_is_gzip(f));
	assert_int_equal(slurp(f, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "one\ntwo\n");
	assert_true(in_file_gzip_mtime(f) == 1710500000);
	assert_null(in_file_error(f));
	in_file_close(f);
}

static void
test_in_file_truncated_later_member_is_an_error(void **state)
{
	unsigned char   z[4096];
	char            err[128], buf[8192], big[3000];
	size_t          n;
	struct in_file *f;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = gz("one\n", 0, z, sizeof(z));
	n += gz(big, 0, z + n, sizeof(z) - n);
	f = in_file_open(put("b", z, n - 10), err, sizeof(err));
	assert_non_null(f);
	slurp(f, buf, sizeof(buf));
	assert_non_null(in_file_error(f));
	assert_non_null(strstr(in_file_error(f), "truncated"));
	in_file_close(f);
}

static void
test_in_file_trailing_garbage_is_reported(void **state)
{
	unsigned char   z[512];
	char            err[128], buf[256];
	size_t          n;
	struct in_file *f;

	(void)state;
	n = gz("one\n", 0, z, sizeof(z));
	memcpy(z + n, "garbage", 7);
	f = in_file_open(put("c", z, n + 7), err, sizeof(err));
	assert_non_null(f);
	slurp(f, buf, sizeof(buf));
	assert_string_equal(buf, "one\n");
	assert_non_null(in_file_error(f));
	in_file_close(f);
	/* Zeros after the stream (a preallocated file) are not an error. */
	memset(z + n, 0, 7);
	f = in_file_open(put("c0", z, n + 7), err, sizeof(err));
	slurp(f, buf, sizeof(buf));
	assert_null(in_file_error(f));
	in_file_close(f);
}

static void
test_in_file_utf16_and_refused_compressors(void **state)
{
	const unsigned char le[] = {
	    0xff, 0xfe, 'h', 0, 0xe9, 0, '\n', 0, 0x3d, 0xd8, 0x00, 0xde};
	char            err[128], buf[64];
	struct in_file *f;

	(void)state;
	f = in_file_open(put("u", le, sizeof(le)), err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(slurp(f, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "h\xc3\xa9\n\xf0\x9f\x98\x80");
	in_file_close(f);
	assert_null(in_file_open(put("x",
				     "\xfd"
				     "7zXZ\0....",
				     10),
	    err, sizeof(err)));
	assert_non_null(strstr(err, "xz"));
	assert_null(in_file_open(
	    put("z", "\x28\xb5\x2f\xfd....", 8), err, sizeof(err)));
	assert_non_null(strstr(err, "zstd"));
}

static void
test_in_file_skip_resumes_plain_and_gzip(void **state)
{
	unsigned char   z[512];
	char            err[128], buf[64];
	struct in_file *f;
	size_t          n;

	(void)state;
	f = in_file_open(
	    put("p", "line one\nline two\n", 18), err, sizeof(err));
	assert_int_equal(in_file_skip(f, 9), 0);
	slurp(f, buf, sizeof(buf));
	assert_string_equal(buf, "line two\n");
	in_file_close(f);
	n = gz("line one\nline two\n", 0, z, sizeof(z));
	f = in_file_open(put("g", z, n), err, sizeof(err));
	assert_int_equal(in_file_skip(f, 9), 0);
	slurp(f, buf, sizeof(buf));
	assert_string_equal(buf, "line two\n");
	assert_int_equal(in_file_skip(f, 100), -1);
	in_file_close(f);
}

/* Makes the directory the files go to. */
static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* Removes the files and the directory. */
static int
teardown(void **state)
{
	char        cmd[300];
	const char *names[] = {"a", "b", "c", "c0", "u", "x", "z", "p", "g"};
	size_t      i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", dir, names[i]);
		unlink(cmd);
	}
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_file_gzip_members_and_mtime),
	    cmocka_unit_test(test_in_file_truncated_later_member_is_an_error),
	    cmocka_unit_test(test_in_file_trailing_garbage_is_reported),
	    cmocka_unit_test(test_in_file_utf16_and_refused_compressors),
	    cmocka_unit_test(test_in_file_skip_resumes_plain_and_gzip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
