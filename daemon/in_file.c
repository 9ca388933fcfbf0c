/*
 * in_file: one input read from start to end. The first bytes are sniffed:
 * gzip goes through in_gz; UTF-16 (by its byte order mark, or by the NUL
 * bytes of ASCII text in it) is turned into UTF-8; xz, bzip2 and zstd are
 * refused with a clear message rather than read as garbage. The offset in
 * the underlying file (compressed bytes) drives the progress line.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "in_file.h"
#include "in_gz.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

#define IN_FILE_SNIFF 64 /* bytes read to tell what the input is */

struct in_file {
	char         *path;
	int           fd;
	struct in_gz *gz;
	unsigned char pre[IN_FILE_SNIFF]; /* sniffed bytes not yet served */
	size_t        npre, pre_at;
	int           utf16;    /* 0, or 1 little-endian, 2 big-endian */
	unsigned char carry[4]; /* UTF-16 bytes of a unit not yet whole */
	size_t        ncarry;
	int64_t       mtime;
	int64_t       size;
	int64_t       offset;
	dev_t         dev;
	ino_t         ino;
	char          error[128]; /* why reading stopped early, or "" */
};

/* Reads up to n bytes from fd, retrying on EINTR. */
static ssize_t
in_file_rawread(struct in_file *f, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(f->fd, buf, n);
	while (r == -1 && errno == EINTR);
	if (r > 0)
		f->offset += r;
	return r;
}

/* Keeps the reason reading failed for the report. */
static void
in_file_fail(struct in_file *f, const char *why)
{
	if (f->error[0] == '\0')
		snprintf(f->error, sizeof(f->error), "%s", why);
}

/* Compression formats read elsewhere: their magic and a command. */
static const struct {
	const char *magic, *name, *cmd;
	size_t      len;
} in_file_other[] = {
    {"\xfd"
     "7zXZ\0",
	"xz", "xz -dc", 6},
    {"BZh", "bzip2", "bzip2 -dc", 3},
    {"\x28\xb5\x2f\xfd", "zstd", "zstd -dc", 4},
};

/*
 * Refuses what this build does not decompress, saying how to read it:
 * -1 (logged, reason in err) for xz, bzip2 and zstd; else 0.
 */
static int
in_file_refuse(struct in_file *f, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(in_file_other) / sizeof(in_file_other[0]); i++) {
		if (f->npre < in_file_other[i].len ||
		    memcmp(f->pre, in_file_other[i].magic,
			in_file_other[i].len) != 0)
			continue;
		log_warnx("%s: compressed with %s, which timelined does not "
			  "read; decompress it: %s %s | timelined replay -",
		    f->path, in_file_other[i].name, in_file_other[i].cmd,
		    f->path);
		snprintf(err, errlen, "compressed with %s: not read",
		    in_file_other[i].name);
		return -1;
	}
	return 0;
}

/*
 * Notes UTF-16 input: by its byte order mark (skipped), or, without one,
 * by ASCII text's NUL bytes all at odd (little-endian) or all at even
 * (big-endian) offsets of the first bytes.
 */
static void
in_file_utf16(struct in_file *f)
{
	size_t i, odd = 0, even = 0;

	if (f->npre >= 2 && f->pre[0] == 0xff && f->pre[1] == 0xfe)
		f->utf16 = 1;
	else if (f->npre >= 2 && f->pre[0] == 0xfe && f->pre[1] == 0xff)
		f->utf16 = 2;
	if (f->utf16) {
		f->pre_at = 2;
		return;
	}
	for (i = 0; i + 1 < f->npre; i += 2) {
		even += f->pre[i] == 0 && f->pre[i + 1] != 0;
		odd += f->pre[i + 1] == 0 && f->pre[i] != 0;
	}
	if (f->npre >= 16 && odd == f->npre / 2)
		f->utf16 = 1;
	else if (f->npre >= 16 && even == f->npre / 2)
		f->utf16 = 2;
}

/*
 * Opens path ("-": standard input). On failure logs, writes the reason
 * into err (errlen bytes) and returns NULL.
 */
struct in_file *
in_file_open(const char *path, char *err, size_t errlen)
{
	struct in_file *f;
	struct stat     st;
	ssize_t         n = 0;

	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->fd = strcmp(path, "-") == 0 ? STDIN_FILENO
				       : open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd == -1 || fstat(f->fd, &st) == -1) {
		if (errno == ENOENT && strncmp(path, "/var/log/", 9) == 0)
			log_warnx(
			    "%s: no such file; if this system logs only "
			    "to the journal, try: journalctl -o short-iso | "
			    "timelined parse -",
			    path);
		else
			log_warn("%s", path);
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		log_warnx("%s: is a directory", path);
		snprintf(err, errlen, "is a directory");
		goto fail;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (f->fd != STDIN_FILENO && S_ISREG(st.st_mode)) {
		f->mtime = (int64_t)st.st_mtime;
		f->size = (int64_t)st.st_size;
	}
	while (f->npre < sizeof(f->pre) &&
	    (n = in_file_rawread(
		 f, f->pre + f->npre, sizeof(f->pre) - f->npre)) > 0)
		f->npre += (size_t)n;
	if (n == -1) {
		log_warn("%s", path);
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (in_file_refuse(f, err, errlen) == -1)
		goto fail;
	if (!in_gz_magic(f->pre, f->npre))
		in_file_utf16(f);
	else {
		if ((f->gz = in_gz_new(f->fd, f->pre, f->npre)) == NULL) {
			log_warnx("%s: cannot start gzip decompression", path);
			snprintf(
			    err, errlen, "cannot start gzip decompression");
			goto fail;
		}
		f->npre = 0;
	}
	return f;
fail:
	in_file_close(f);
	return NULL;
}

/* Closes the file and frees f (NULL is fine). */
void
in_file_close(struct in_file *f)
{
	if (f == NULL)
		return;
	in_gz_free(f->gz);
	if (f->fd > STDIN_FILENO)
		close(f->fd);
	free(f->path);
	free(f);
}

/* Reads raw bytes: the sniffed ones first, then the file's. */
static ssize_t
in_file_plain(struct in_file *f, char *buf, size_t n)
{
	size_t  pre = 0;
	ssize_t r;

	if (f->pre_at < f->npre) {
		pre = f->npre - f->pre_at < n ? f->npre - f->pre_at : n;
		memcpy(buf, f->pre + f->pre_at, pre);
		f->pre_at += pre;
		if (pre == n)
			return (ssize_t)pre;
	}
	if ((r = in_file_rawread(f, buf + pre, n - pre)) == -1) {
		log_warn("%s", f->path);
		in_file_fail(f, strerror(errno));
		return pre > 0 ? (ssize_t)pre : -1;
	}
	return r + (ssize_t)pre;
}

/* Reads UTF-16 and hands out UTF-8 (n >= 16: a unit always fits). */
static ssize_t
in_file_read16(struct in_file *f, char *buf, size_t n)
{
	unsigned char raw[32768];
	size_t        want = n / 2, have = f->ncarry, used, out;
	ssize_t       r;

	if (want > sizeof(raw))
		want = sizeof(raw);
	memcpy(raw, f->carry, f->ncarry);
	do {
		r = in_file_plain(f, (char *)raw + have, want - have);
		if (r > 0)
			have += (size_t)r;
		out = utf8_from_utf16(raw, have, f->utf16 == 2, buf, &used);
	} while (out == 0 && r > 0);
	if (r == -1)
		return -1;
	f->ncarry = have - used; /* a unit cut at the chunk's end */
	if (f->ncarry > sizeof(f->carry))
		f->ncarry = sizeof(f->carry);
	memcpy(f->carry, raw + used, f->ncarry);
	if (r == 0 && out == 0 && f->ncarry > 0) {
		f->ncarry = 0; /* an odd byte at the end: a broken file */
		memcpy(buf, "\xef\xbf\xbd", 3);
		return 3;
	}
	return (ssize_t)out;
}

/* Reads up to n decompressed bytes: count, 0 at the end, -1 on error. */
ssize_t
in_file_read(struct in_file *f, char *buf, size_t n)
{
	ssize_t r;
	int64_t before;

	if (f->gz != NULL) {
		before = f->offset;
		r = in_gz_read(f->gz, buf, n);
		f->offset = lseek(f->fd, 0, SEEK_CUR);
		if (f->offset < 0)
			f->offset = before;
		if ((r == -1 || r == 0) && in_gz_error(f->gz) != NULL &&
		    f->error[0] == '\0') {
			log_warnx("%s: %s", f->path, in_gz_error(f->gz));
			in_file_fail(f, in_gz_error(f->gz));
		}
		return r;
	}
	if (f->utf16)
		return in_file_read16(f, buf, n);
	return in_file_plain(f, buf, n);
}

/* 1 if the input is gzip-compressed. */
int
in_file_is_gzip(const struct in_file *f)
{
	return f->gz != NULL;
}

/*
 * 1 if the input's stream offsets are its file's offsets (a regular file,
 * neither gzip nor UTF-16): it can be read from any line on.
 */
int
in_file_is_plain(const struct in_file *f)
{
	return f->gz == NULL && !f->utf16 && f->fd != STDIN_FILENO &&
	    f->size > 0;
}

/* The gzip header's mtime, or 0 (plain file, or none recorded). */
int64_t
in_file_gzip_mtime(const struct in_file *f)
{
	return f->gz != NULL ? in_gz_mtime(f->gz) : 0;
}

/* The file's modification time, or 0 for standard input and pipes. */
int64_t
in_file_mtime(const struct in_file *f)
{
	return f->mtime;
}

/* The file's size in bytes on disk, or 0 when unknown. */
int64_t
in_file_size(const struct in_file *f)
{
	return f->size;
}

/* How many bytes of the file on disk have been read. */
int64_t
in_file_offset(const struct in_file *f)
{
	return f->offset;
}

/* Why reading stopped before the end, or NULL if it did not. */
const char *
in_file_error(const struct in_file *f)
{
	return f->error[0] != '\0' ? f->error : NULL;
}

/* The file's device and inode (both 0 for what fstat could not tell). */
void
in_file_identity(const struct in_file *f, uint64_t *dev, uint64_t *ino)
{
	*dev = (uint64_t)f->dev;
	*ino = (uint64_t)f->ino;
}

/*
 * Skips the first n bytes of the (decompressed) input, to resume where
 * an earlier open stopped; 0, or -1 if the input ended or failed first.
 */
int
in_file_skip(struct in_file *f, uint64_t n)
{
	char    buf[65536];
	ssize_t r;

	if (f->gz == NULL && !f->utf16 && f->fd != STDIN_FILENO &&
	    lseek(f->fd, (off_t)n, SEEK_SET) != (off_t)-1) {
		f->npre = 0; /* the sniffed bytes are behind the new offset */
		f->offset = (int64_t)n;
		return 0;
	}
	while (n > 0) {
		r = in_file_read(f, buf, n < sizeof(buf) ? n : sizeof(buf));
		if (r <= 0)
			return -1;
		n -= (uint64_t)r;
	}
	return 0;
}
