/*
 * in_tail: following one file. The file is read with pread at our own
 * offset, at most a budget per call, into its lane. Places to resume from
 * (lane marks: a line boundary and the source's state there) are kept as
 * the file is read, thinned to a bounded number; the daemon saves the one
 * that its open state still needs. Which file a path names is checked by
 * the daemon through tail_moved(); this module never follows a path again
 * once it has opened it.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "in_tail.h"
#include "lane.h"
#include "log.h"
#include "xmalloc.h"

#define TAIL_MARKS 64 /* places to resume from, kept per file */

struct tail {
	char             *path;
	int               fd;
	struct tail_ident id;
	uint64_t          off;       /* the next byte to read */
	int               detached;  /* no longer at its path */
	int               skip_nul;  /* after a truncation: NUL padding */
	int               skip_line; /* started mid-line: drop to its end */
	uint64_t          truncations;
	struct lane      *lane; /* borrowed */
	struct lane_mark  marks[TAIL_MARKS];
	int               nmarks;
	struct tail_saved before; /* the place before the last truncation */
	int               has_before;
};

/* FNV-1a, 64 bits. */
static uint64_t
tail_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t   i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* Reads n bytes at off into buf, retrying on EINTR; the count or -1. */
static ssize_t
tail_pread(int fd, void *buf, size_t n, uint64_t off)
{
	ssize_t r;

	do
		r = pread(fd, buf, n, (off_t)off);
	while (r == -1 && errno == EINTR);
	return r;
}

/* Hash of the n bytes at off of fd; 0 if they cannot all be read. */
static uint64_t
tail_hash_at(int fd, uint64_t off, size_t n)
{
	unsigned char buf[TAIL_HEAD];

	if (n > sizeof(buf) || tail_pread(fd, buf, n, off) != (ssize_t)n)
		return 0;
	return tail_hash(buf, n);
}

/* Fills id from an open file: device, inode and the hash of its head. */
static int
tail_identify(int fd, struct tail_ident *id)
{
	struct stat st;
	size_t      n;

	if (fstat(fd, &st) == -1)
		return -1;
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	n = st.st_size < TAIL_HEAD ? (size_t)st.st_size : TAIL_HEAD;
	id->head_len = (uint32_t)n;
	id->head_hash = tail_hash_at(fd, 0, n);
	return 0;
}

/* Creates a tail for path feeding lane (borrowed); nothing is opened. */
struct tail *
tail_new(const char *path, struct lane *lane)
{
	struct tail *t = xcalloc(1, sizeof(*t));

	t->path = xstrdup(path);
	t->fd = -1;
	t->lane = lane;
	return t;
}

/* Closes the file and frees t (NULL is fine); the lane is the caller's. */
void
tail_free(struct tail *t)
{
	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	free(t);
}

/* Forgets every mark but a fresh one at the current place. */
static void
tail_mark_reset(struct tail *t)
{
	t->nmarks = 0;
	lane_mark(t->lane, &t->marks[t->nmarks++]);
}

/*
 * Keeps a mark of the place reading has reached. When the list is full,
 * every other older mark goes (the first and the newest stay), so the
 * marks cover the whole read with fewer, wider steps.
 */
static void
tail_mark(struct tail *t)
{
	int i, n;

	if (t->nmarks == TAIL_MARKS) {
		for (i = 1, n = 1; i < t->nmarks - 1; i += 2)
			t->marks[n++] = t->marks[i + 1];
		t->nmarks = n;
	}
	lane_mark(t->lane, &t->marks[t->nmarks++]);
}

/* Takes an open descriptor as the file, reading from off. */
static void
tail_attach(struct tail *t, int fd, uint64_t off)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	t->off = off;
	tail_identify(fd, &t->id);
}

/*
 * Opens the file at its path, at the start or (at_end) at its end. At the
 * end, a last line without its newline yet is left to its end. 0, or -1
 * (logged) if it cannot be opened.
 */
int
tail_open(struct tail *t, int at_end)
{
	struct stat st;
	char        last;
	int         fd;

	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", t->path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("%s: not a regular file", t->path);
		close(fd);
		return -1;
	}
	tail_attach(t, fd, at_end ? (uint64_t)st.st_size : 0);
	t->skip_line = at_end && st.st_size > 0 &&
	    tail_pread(fd, &last, 1, (uint64_t)st.st_size - 1) == 1 &&
	    last != '\n';
	lane_sleep(t->lane);
	tail_mark_reset(t);
	t->marks[0].offset = t->off;
	lane_restore(t->lane, &t->marks[0]);
	return 0;
}

/*
 * 1 if the open file is the saved one and still holds the saved place:
 * same device and inode, same head, long enough, same bytes before it.
 */
static int
tail_same(int fd, const struct tail_saved *s)
{
	struct tail_ident now;
	uint64_t          off = s->mark.offset;
	size_t            back = off < TAIL_BACK ? (size_t)off : TAIL_BACK;
	struct stat       st;

	if (tail_identify(fd, &now) == -1 || fstat(fd, &st) == -1)
		return 0;
	if (now.dev != s->id.dev || now.ino != s->id.ino ||
	    (uint64_t)st.st_size < off || now.head_len < s->id.head_len ||
	    tail_hash_at(fd, 0, s->id.head_len) != s->id.head_hash)
		return 0;
	return tail_hash_at(fd, off - back, back) == s->back_hash;
}

/*
 * Takes fd (a file found by its identity, perhaps under another name) as
 * the saved file and goes on from its saved place. 0, or -1 (fd closed)
 * if it is not that file any more.
 */
int
tail_open_fd(struct tail *t, int fd, const struct tail_saved *s)
{
	if (!tail_same(fd, s)) {
		close(fd);
		return -1;
	}
	tail_attach(t, fd, s->mark.offset);
	lane_restore(t->lane, &s->mark);
	t->nmarks = 0;
	t->marks[t->nmarks++] = s->mark;
	return 0;
}

/*
 * Opens the file at its path and goes on from a saved place if it is
 * still the saved file: 0, or -1 (nothing open) if it is not (rotated,
 * replaced or truncated while the daemon was down) or cannot be opened.
 */
int
tail_resume(struct tail *t, const struct tail_saved *s)
{
	int fd;

	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	return tail_open_fd(t, fd, s);
}

/* Skips leading NUL bytes (copytruncate's padding); returns how many. */
static size_t
tail_nuls(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] == '\0')
		i++;
	return i;
}

/* Feeds n bytes read at the current offset to the lane. */
static void
tail_feed(struct tail *t, const char *p, size_t n)
{
	const char *nl;
	size_t      k;

	if (t->skip_nul && (k = tail_nuls(p, n)) > 0) {
		lane_skip(t->lane, k);
		p += k;
		n -= k;
	}
	if (n > 0)
		t->skip_nul = 0;
	if (t->skip_line && (nl = memchr(p, '\n', n)) != NULL) {
		k = (size_t)(nl + 1 - p);
		lane_skip(t->lane, k);
		p += k;
		n -= k;
		t->skip_line = 0;
	} else if (t->skip_line) {
		lane_skip(t->lane, n);
		return;
	}
	lane_feed(t->lane, p, n);
}

/*
 * 1 if the n bytes at p, a file's first, are a compressor's magic (gzip,
 * xz, bzip2, zstd); -1 if they are too few to tell but begin one; 0 if
 * the file is not compressed.
 */
int
tail_compressed(const void *p, size_t n)
{
	static const char *const magic[] = {
	    "\x1f\x8b", "\xfd\x37\x7a", "BZh", "\x28\xb5\x2f\xfd"};
	size_t i, k;

	for (i = 0; n > 0 && i < sizeof(magic) / sizeof(magic[0]); i++) {
		k = strlen(magic[i]);
		if (memcmp(p, magic[i], n < k ? n : k) == 0)
			return n < k ? -1 : 1;
	}
	return 0;
}

/*
 * 1 if the file that grew no longer starts with the bytes it started
 * with: truncated and written again past our place between two looks
 * (copytruncate under a busy writer), or a writer without O_APPEND left a
 * hole of NULs. A head that was short is taken longer as the file grows.
 */
static int
tail_rewritten(struct tail *t, const struct stat *st)
{
	if (t->id.head_len > 0 &&
	    tail_hash_at(t->fd, 0, t->id.head_len) != t->id.head_hash)
		return 1;
	if (t->id.head_len < TAIL_HEAD &&
	    (uint64_t)st->st_size > t->id.head_len)
		tail_identify(t->fd, &t->id);
	return 0;
}

/*
 * Reads what the file gained, at most n bytes into buf, and feeds it to
 * the lane; *got says how many bytes. A file that shrank is read again
 * from 0. A file detached from its path ends when it is read to its end.
 */
enum tail_event
tail_poll(struct tail *t, char *buf, size_t n, size_t *got)
{
	struct stat st;
	ssize_t     r;
	int         c;

	*got = 0;
	if (t->fd < 0)
		return TAIL_QUIET;
	if (fstat(t->fd, &st) == -1) {
		log_warn("%s", t->path);
		return TAIL_ERROR;
	}
	if ((uint64_t)st.st_size < t->off ||
	    ((uint64_t)st.st_size > t->off && tail_rewritten(t, &st))) {
		/* Where it was, for finding the copy copytruncate made. */
		t->before.id = t->id;
		lane_mark(t->lane, &t->before.mark);
		t->has_before = 1;
		t->off = 0;
		t->skip_nul = 1;
		t->skip_line = 0;
		t->truncations++;
		tail_identify(t->fd, &t->id); /* its new head */
		lane_sleep(t->lane);
		tail_mark_reset(t);
		t->marks[0].offset = 0;
		lane_restore(t->lane, &t->marks[0]);
		return TAIL_TRUNCATED;
	}
	if ((uint64_t)st.st_size == t->off)
		return t->detached ? TAIL_END : TAIL_QUIET;
	if ((uint64_t)st.st_size - t->off < n)
		n = (size_t)((uint64_t)st.st_size - t->off);
	if ((r = tail_pread(t->fd, buf, n, t->off)) <= 0) {
		if (r == -1)
			log_warn("%s", t->path);
		return r == -1 ? TAIL_ERROR : TAIL_QUIET;
	}
	/* A compressor writing a new file: seen empty when it was found. */
	if (t->off == 0 && (c = tail_compressed(buf, (size_t)r)) != 0) {
		if (c == 1)
			log_warnx("%s: compressed: not followed", t->path);
		return c == 1 ? TAIL_ERROR : TAIL_QUIET;
	}
	tail_feed(t, buf, (size_t)r);
	t->off += (uint64_t)r;
	*got = (size_t)r;
	tail_mark(t);
	return TAIL_READ;
}

/*
 * 1 if the path no longer names the open file: renamed away (rotation),
 * deleted, replaced, or a symlink pointed elsewhere.
 */
int
tail_moved(struct tail *t)
{
	struct stat st;

	if (t->fd < 0 || t->detached)
		return 0;
	if (stat(t->path, &st) == -1)
		return 1;
	return (uint64_t)st.st_dev != t->id.dev ||
	    (uint64_t)st.st_ino != t->id.ino;
}

/*
 * Hands out a last line that has waited too long for its newline (a
 * writer that paused mid-line): from here it is a line, and reading goes
 * on after it.
 */
void
tail_flush(struct tail *t)
{
	lane_flush(t->lane);
	tail_mark(t);
}

/*
 * The open file was found at another path (renamed to a name the daemon
 * also follows): it is followed there from now on, as if it had always
 * been.
 */
void
tail_repath(struct tail *t, const char *path)
{
	free(t->path);
	t->path = xstrdup(path);
	t->detached = 0;
}

/* 1 if the open file is the one st describes (device and inode). An
 * open file's inode cannot be reused, so this is exact. */
int
tail_is(const struct tail *t, const struct stat *st)
{
	return t->fd >= 0 && (uint64_t)st->st_dev == t->id.dev &&
	    (uint64_t)st->st_ino == t->id.ino;
}

/* Marks the file as no longer at its path: read to its end, then done. */
void
tail_detach(struct tail *t)
{
	t->detached = 1;
}

/* 1 if the file was detached from its path. */
int
tail_detached(const struct tail *t)
{
	return t->detached;
}

/*
 * The place a restart must go on from so that no line the daemon's open
 * state depends on is lost: the newest mark before which every line is
 * older than low; the identity and the bytes before it to check.
 */
void
tail_save_low(struct tail *t, int64_t low, struct tail_saved *s)
{
	int i, k = 0;

	for (i = 0; i < t->nmarks; i++)
		if (t->marks[i].max_ts < low || t->marks[i].max_ts == INT64_MIN)
			k = i;
	/* Marks before the one kept are never needed again. */
	if (k > 0) {
		memmove(t->marks, t->marks + k,
		    (size_t)(t->nmarks - k) * sizeof(*t->marks));
		t->nmarks -= k;
	}
	tail_save(t, s);
}

/* Writes the identity and the oldest kept mark into s. */
void
tail_save(const struct tail *t, struct tail_saved *s)
{
	const struct lane_mark *m = &t->marks[0];
	size_t back = m->offset < TAIL_BACK ? (size_t)m->offset : TAIL_BACK;
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->id = t->id;
	if (t->fd >= 0 && t->id.head_len < TAIL_HEAD)
		tail_identify(t->fd, &s->id); /* it grew: a longer head */
	s->mark = *m;
	s->back_hash = t->fd >= 0 ? tail_hash_at(t->fd, m->offset - back, back)
				  : 0;
	if (t->fd >= 0 && fstat(t->fd, &st) == 0)
		s->size_seen = (uint64_t)st.st_size;
}

/*
 * Looks in the directory of path for the file id names (rotated while
 * the daemon was down): an open descriptor, or -1.
 */
int
tail_find_ident(const char *path, const struct tail_ident *id)
{
	char              dir[PATH_MAX], file[PATH_MAX];
	const char       *slash = strrchr(path, '/');
	struct tail_ident now;
	struct dirent    *de;
	struct stat       st;
	DIR              *d;
	int               fd = -1;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
	    slash ? path : ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	if ((d = opendir(dir)) == NULL)
		return -1;
	while (fd < 0 && (de = readdir(d)) != NULL) {
		if (snprintf(file, sizeof(file), "%s/%s", dir, de->d_name) >=
			(int)sizeof(file) ||
		    stat(file, &st) == -1 || (uint64_t)st.st_ino != id->ino ||
		    (uint64_t)st.st_dev != id->dev)
			continue;
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		if (tail_identify(fd, &now) == -1 ||
		    now.head_len < id->head_len ||
		    tail_hash_at(fd, 0, id->head_len) != id->head_hash) {
			close(fd);
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

/*
 * After TAIL_TRUNCATED: the identity and place the file had before it
 * was truncated (once; 0 if there is none).
 */
int
tail_before_truncation(struct tail *t, struct tail_saved *s)
{
	if (!t->has_before)
		return 0;
	*s = t->before;
	t->has_before = 0;
	return 1;
}

/*
 * Looks beside path for the copy copytruncate made of the file s was:
 * another file that starts with the same bytes and reaches at least the
 * saved place. Its descriptor (its name in name), or -1.
 */
int
tail_find_copy(const char *path, const struct tail_saved *s, uint64_t ino,
    char *name, size_t len)
{
	char           dir[PATH_MAX];
	const char    *slash = strrchr(path, '/');
	struct dirent *de;
	struct stat    st;
	DIR           *d;
	int            fd = -1;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
	    slash ? path : ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	if (s->id.head_len == 0 || (d = opendir(dir)) == NULL)
		return -1;
	while (fd < 0 && (de = readdir(d)) != NULL) {
		if (snprintf(name, len, "%s/%s", dir, de->d_name) >= (int)len ||
		    stat(name, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_ino == ino ||
		    (uint64_t)st.st_size < s->mark.offset)
			continue;
		if ((fd = open(name, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		if (tail_hash_at(fd, 0, s->id.head_len) != s->id.head_hash) {
			close(fd);
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

/* Takes fd (the copy of a truncated file) and reads it from s's place. */
void
tail_open_copy(struct tail *t, int fd, const struct tail_saved *s)
{
	tail_attach(t, fd, s->mark.offset);
	lane_restore(t->lane, &s->mark);
	t->nmarks = 0;
	t->marks[t->nmarks++] = s->mark;
}

/* The file's identity. */
const struct tail_ident *
tail_ident(const struct tail *t)
{
	return &t->id;
}

/* The path the file was opened at. */
const char *
tail_path(const struct tail *t)
{
	return t->path;
}

/* The lane the file feeds. */
struct lane *
tail_lane(struct tail *t)
{
	return t->lane;
}

/* Bytes of the file read so far. */
uint64_t
tail_offset(const struct tail *t)
{
	return t->off;
}

/* How often the file was truncated under us. */
uint64_t
tail_truncations(const struct tail *t)
{
	return t->truncations;
}

/* The open descriptor, or -1. */
int
tail_fd(const struct tail *t)
{
	return t->fd;
}
