/*
 * in_file: one input read from start to end. The first bytes are sniffed
 * for the gzip magic; compressed input goes through in_gz. The offset in
 * the underlying file (compressed bytes) drives the progress line.
 */
#include <errno.h>
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

/* Opens path ("-": standard input); logs and returns NULL on failure. */
struct in_file *
in_file_open(const char *path)
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
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		log_warnx("%s: is a directory", path);
		goto fail;
	}
	if (f->fd != STDIN_FILENO && S_ISREG(st.st_mode)) {
		f->mtime = (int64_t)st.st_mtime;
		f->size = (int64_t)st.st_size;
	}
	if ((n = in_file_rawread(f, f->pre, sizeof(f->pre))) == -1) {
		log_warn("%s", path);
		goto fail;
	}
	f->npre = (size_t)n;
	if (in_gz_magic(f->pre, f->npre)) {
		f->gz = in_gz_new(f->fd, f->pre, f->npre);
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
		if (r == -1)
			log_warnx(
			    "%s: corrupt or truncated gzip data", f->path);
		return r;
	}
	if (f->npre > 0 && n >= f->npre) { /* the sniffed bytes first */
		memcpy(buf, f->pre, f->npre);
		pre = f->npre;
		f->npre = 0;
	}
	if ((r = in_file_rawread(f, buf + pre, n - pre)) == -1) {
		log_warn("%s", f->path);
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
