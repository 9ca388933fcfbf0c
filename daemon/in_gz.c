/*
 * in_gz: inflates a gzip stream read from a descriptor. Members are
 * followed one after another (as `cat a.gz b.gz` or logrotate's
 * delaycompress makes them); the first member's header mtime is kept for
 * year inference. A corrupt stream ends the input with an error, never a
 * crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "in_gz.h"
#include "log.h"
#include "xmalloc.h"

#define IN_GZ_CHUNK (256 * 1024)

struct in_gz {
	int            fd;
	z_stream       zs;
	gz_header      hdr;
	unsigned char *in;
	int            eof;   /* no more compressed input */
	int            done;  /* stream finished or failed */
	int64_t        mtime; /* first member's header, 0 if none */
	int            members;
	int            in_member; /* inside a member not yet ended */
	const char    *error;     /* why it failed, or NULL */
};

/* 1 if the bytes start with the gzip magic number. */
int
in_gz_magic(const unsigned char *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Starts inflating fd; pre holds bytes already read from it (the magic). */
struct in_gz *
in_gz_new(int fd, const unsigned char *pre, size_t npre)
{
	struct in_gz *gz;

	gz = xcalloc(1, sizeof(*gz));
	gz->fd = fd;
	gz->in = xmalloc(IN_GZ_CHUNK);
	memcpy(gz->in, pre, npre);
	gz->zs.next_in = gz->in;
	gz->zs.avail_in = (uInt)npre;
	if (inflateInit2(&gz->zs, 15 + 16) != Z_OK) {
		free(gz->in);
		free(gz);
		return NULL;
	}
	inflateGetHeader(&gz->zs, &gz->hdr);
	gz->in_member = 1;
	return gz;
}

/* Ends inflation and frees gz (the descriptor stays open). */
void
in_gz_free(struct in_gz *gz)
{
	if (gz == NULL)
		return;
	inflateEnd(&gz->zs);
	free(gz->in);
	free(gz);
}

/* Refills the compressed input; -1 on a read error. */
static int
in_gz_fill(struct in_gz *gz)
{
	ssize_t n;

	if (gz->zs.avail_in > 0 || gz->eof)
		return 0;
	do
		n = read(gz->fd, gz->in, IN_GZ_CHUNK);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0)
		gz->eof = 1;
	gz->zs.next_in = gz->in;
	gz->zs.avail_in = (uInt)n;
	return 0;
}

/* Ends the stream with an error; -1. */
static int
in_gz_fail(struct in_gz *gz, const char *why)
{
	gz->done = 1;
	gz->error = why;
	return -1;
}

/*
 * At the end of a member: notes its mtime and starts the next, if any.
 * What follows a member must be another (gzip stops there too, calling
 * the rest trailing garbage; zeros from a preallocated file are common).
 */
static void
in_gz_member_end(struct in_gz *gz)
{
	gz->in_member = 0;
	if (gz->members++ == 0 && gz->hdr.done == 1)
		gz->mtime = (int64_t)gz->hdr.time;
	if (in_gz_fill(gz) == -1 || gz->zs.avail_in == 0) {
		gz->done = 1;
		return;
	}
	if (gz->zs.next_in[0] != 0x1f) {
		gz->done = 1;
		if (gz->zs.next_in[0] != 0)
			gz->error = "trailing data after the gzip stream "
				    "ignored";
		return;
	}
	inflateReset(&gz->zs);
	gz->in_member = 1;
}

/*
 * Inflates up to n bytes into buf. Returns the count, 0 at the end, or
 * -1 on a read error or corrupt data (logged by the caller with the path).
 */
ssize_t
in_gz_read(struct in_gz *gz, char *buf, size_t n)
{
	int rc;

	gz->zs.next_out = (unsigned char *)buf;
	gz->zs.avail_out = (uInt)n;
	while (gz->zs.avail_out == n && !gz->done) {
		if (in_gz_fill(gz) == -1)
			return in_gz_fail(gz, strerror(errno));
		if (gz->zs.avail_in == 0 && gz->eof) {
			if (gz->in_member)
				return in_gz_fail(gz, "truncated gzip data");
			gz->done = 1;
			break;
		}
		rc = inflate(&gz->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			in_gz_member_end(gz);
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return in_gz_fail(gz, "corrupt gzip data");
	}
	return (ssize_t)(n - gz->zs.avail_out);
}

/* The first member header's mtime (seconds since 1970), or 0. */
int64_t
in_gz_mtime(const struct in_gz *gz)
{
	if (gz->mtime == 0 && gz->hdr.done == 1)
		return (int64_t)gz->hdr.time;
	return gz->mtime;
}

/* Why the stream failed ("truncated gzip data"...), or NULL. */
const char *
in_gz_error(const struct in_gz *gz)
{
	return gz->error;
}
