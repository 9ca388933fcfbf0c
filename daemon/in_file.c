/*
 * in_file: one input read from start to end. The first bytes are sniffed
 * for the gzip magic; compressed input goes through in_gz. The offset in
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
#include "xmalloc.h"

struct in_file {
	char         *path;
	int           fd;
	struct in_gz *gz;
	unsigned char pre[2]; /* sniffed bytes not yet served */
	size_t        npre;
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

/*
 * Opens path ("-": standard input). On failure logs, writes the reason
 * into err (errlen bytes) and returns NULL.
 */
struct in_file *
in_file_open(const char *path, char *err, size_t errlen)
{
	struct in_file *f;
	struct stat     st;
	ssize_t         n;

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
	if ((n = in_file_rawread(f, f->pre, sizeof(f->pre))) == -1) {
		log_warn("%s", path);
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	f->npre = (size_t)n;
	if (in_gz_magic(f->pre, f->npre)) {
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

/* Reads up to n decompressed bytes: count, 0 at the end, -1 on error. */
ssize_t
in_file_read(struct in_file *f, char *buf, size_t n)
{
	ssize_t r;
	int64_t before;
	size_t  pre = 0;

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
	if (f->npre > 0 && n >= f->npre) { /* the sniffed bytes first */
		memcpy(buf, f->pre, f->npre);
		pre = f->npre;
		f->npre = 0;
	}
	if ((r = in_file_rawread(f, buf + pre, n - pre)) == -1) {
		log_warn("%s", f->path);
		in_file_fail(f, strerror(errno));
		return pre > 0 ? (ssize_t)pre : -1;
	}
	return r + (ssize_t)pre;
}

/* 1 if the input is gzip-compressed. */
int
in_file_is_gzip(const struct in_file *f)
{
	return f->gz != NULL;
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

	if (f->gz == NULL && f->fd != STDIN_FILENO &&
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
