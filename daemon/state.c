/*
 * state: the checkpoint file (state.json) and its previous copy
 * (state.json.prev), JSON through jansson, written atomically with 0600
 * permissions. It knows what a checkpoint holds, not when one is due.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "xmalloc.h"

#define STATE_FILE "state.json"
#define STATE_PREV "state.json.prev"
#define STATE_TMP  "state.json.tmp"

/* Starts an empty checkpoint. */
void
state_init(struct state *st)
{
	memset(st, 0, sizeof(*st));
}

/* Frees what a checkpoint holds and empties it. */
void
state_clear(struct state *st)
{
	int i;

	for (i = 0; i < st->nfiles; i++)
		free(st->files[i].path);
	free(st->files);
	state_init(st);
}

/* Adds a file's place (copied). */
void
state_add(struct state *st, const char *path, int gone,
    const struct tail_saved *saved)
{
	struct state_file *f;

	if (st->nfiles == STATE_MAX_FILES)
		return;
	if (st->nfiles == st->capfiles) {
		st->capfiles = st->capfiles ? st->capfiles * 2 : 16;
		st->files = xreallocarray(
		    st->files, (size_t)st->capfiles, sizeof(*st->files));
	}
	f = &st->files[st->nfiles++];
	f->path = xstrdup(path);
	f->gone = gone;
	f->saved = *saved;
}

/* The checkpointed file at path (gone or not), or NULL. */
const struct state_file *
state_find(const struct state *st, const char *path, int gone)
{
	int i;

	for (i = 0; i < st->nfiles; i++)
		if (st->files[i].gone == gone &&
		    strcmp(st->files[i].path, path) == 0)
			return &st->files[i];
	return NULL;
}

/* A 64-bit value as a hex string (JSON integers are signed). */
static json_t *
state_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)v);
	return json_string(buf);
}

/* Bytes as hex. */
static json_t *
state_blob(const void *p, size_t n)
{
	const unsigned char *b = p;
	char                *s = xmalloc(2 * n + 1);
	json_t              *j;
	size_t               i;

	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

/* A source snapshot as JSON. */
static json_t *
state_snap(const struct source_snap *s)
{
	return json_pack("{s:I, s:I, s:i, s:i, s:i, s:i, s:I, s:i, s:i, s:i, "
			 "s:i, s:I, s:s, s:o}",
	    "lineno", (json_int_t)s->lineno, "prev_utc_s",
	    (json_int_t)s->prev_utc_s, "prev_mon", s->prev_mon, "year_shift",
	    s->year_shift, "have_prev", s->have_prev, "prev_bad", s->prev_bad,
	    "prev_ts_ns", (json_int_t)s->prev_ts_ns, "prev_off", s->prev_off,
	    "prev_frac", s->prev_frac, "prev_zsrc", s->prev_zsrc, "prev_ysrc",
	    s->prev_ysrc, "ref_s", (json_int_t)s->ref_s, "format", s->format,
	    "hdr",
	    s->hdr.kind != PARSER_HDR_NONE ? state_blob(&s->hdr, sizeof(s->hdr))
					   : json_null());
}

/* One file's place as JSON. */
static json_t *
state_file_json(const struct state_file *f)
{
	const struct tail_saved *s = &f->saved;

	return json_pack("{s:s, s:b, s:I, s:I, s:o, s:i, s:I, s:I, s:o, s:I, "
			 "s:I, s:o}",
	    "path", f->path, "gone", f->gone, "dev", (json_int_t)s->id.dev,
	    "ino", (json_int_t)s->id.ino, "head_hash",
	    state_hex(s->id.head_hash), "head_len", (int)s->id.head_len,
	    "offset", (json_int_t)s->mark.offset, "max_ts",
	    (json_int_t)s->mark.max_ts, "back_hash", state_hex(s->back_hash),
	    "size_seen", (json_int_t)s->size_seen, "done", (json_int_t)s->done,
	    "snap", state_snap(&s->mark.snap));
}

/* Writes all of buf to fd; 0, or -1. */
static int
state_write_all(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, buf, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsyncs a directory so a rename in it is on disk. */
static int
state_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The checkpoint as JSON text (to free). */
static char *
state_text(const struct state *st)
{
	json_t *o, *files = json_array();
	char   *s;
	int     i;

	for (i = 0; i < st->nfiles; i++)
		json_array_append_new(files, state_file_json(&st->files[i]));
	o = json_pack("{s:i, s:i, s:I, s:I, s:I, s:o}", "timelined_state",
	    STATE_VERSION, "snap_size", (int)sizeof(struct source_snap),
	    "now_ns", (json_int_t)st->now_ns, "journal",
	    (json_int_t)st->journal, "match_log", (json_int_t)st->match_log,
	    "files", files);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/*
 * Writes the checkpoint into dir atomically: the temporary file fsynced,
 * the current one kept as the previous, the new one renamed in, the
 * directory fsynced. 0, or -1 (logged).
 */
int
state_write(const char *dir, const struct state *st)
{
	char tmp[PATH_MAX], cur[PATH_MAX], prev[PATH_MAX], *text;
	int  fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s/%s", dir, STATE_TMP);
	snprintf(cur, sizeof(cur), "%s/%s", dir, STATE_FILE);
	snprintf(prev, sizeof(prev), "%s/%s", dir, STATE_PREV);
	if ((text = state_text(st)) == NULL)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || state_write_all(fd, text, strlen(text)) == -1 ||
	    state_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		log_warn("%s", tmp);
		goto done;
	}
	if ((rename(cur, prev) == -1 && errno != ENOENT) ||
	    rename(tmp, cur) == -1 || state_sync_dir(dir) == -1) {
		log_warn("%s: cannot commit the checkpoint", cur);
		goto done;
	}
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	free(text);
	return rc;
}

/* Reads a 64-bit hex string; 0 when absent or bad. */
static uint64_t
state_unhex(json_t *j)
{
	const char *s = json_string_value(j);

	return s != NULL ? strtoull(s, NULL, 16) : 0;
}

/* Reads hex bytes into p (exactly n); 0, or -1. */
static int
state_unblob(json_t *j, void *p, size_t n)
{
	const char    *s = json_string_value(j);
	unsigned char *b = p;
	unsigned int   v;
	size_t         i;

	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		b[i] = (unsigned char)v;
	}
	return 0;
}

/* Reads a source snapshot; 0, or -1 if it is not one. */
static int
state_snap_read(json_t *o, struct source_snap *s)
{
	json_int_t  lineno, utc, ts, ref;
	const char *format;
	json_t     *hdr;

	memset(s, 0, sizeof(*s));
	if (json_unpack(o,
		"{s:I, s:I, s:i, s:i, s:i, s:i, s:I, s:i, s:i, s:i, s:i, "
		"s:I, s:s, s:o}",
		"lineno", &lineno, "prev_utc_s", &utc, "prev_mon", &s->prev_mon,
		"year_shift", &s->year_shift, "have_prev", &s->have_prev,
		"prev_bad", &s->prev_bad, "prev_ts_ns", &ts, "prev_off",
		&s->prev_off, "prev_frac", &s->prev_frac, "prev_zsrc",
		&s->prev_zsrc, "prev_ysrc", &s->prev_ysrc, "ref_s", &ref,
		"format", &format, "hdr", &hdr) == -1)
		return -1;
	s->lineno = (uint64_t)lineno;
	s->prev_utc_s = utc;
	s->prev_ts_ns = ts;
	s->ref_s = ref;
	snprintf(s->format, sizeof(s->format), "%s", format);
	if (!json_is_null(hdr) && state_unblob(hdr, &s->hdr, sizeof(s->hdr)))
		return -1;
	return 0;
}

/* Reads one file's place; 0, or -1 if it is not one. */
static int
state_file_read(json_t *o, struct state *st)
{
	struct tail_saved s;
	const char       *path;
	json_t           *hh, *bh, *snap;
	json_int_t        dev, ino, off, max_ts, size, done;
	int               gone, head_len;

	memset(&s, 0, sizeof(s));
	if (json_unpack(o,
		"{s:s, s:b, s:I, s:I, s:o, s:i, s:I, s:I, s:o, s:I, s:I, s:o}",
		"path", &path, "gone", &gone, "dev", &dev, "ino", &ino,
		"head_hash", &hh, "head_len", &head_len, "offset", &off,
		"max_ts", &max_ts, "back_hash", &bh, "size_seen", &size, "done",
		&done, "snap", &snap) == -1 ||
	    state_snap_read(snap, &s.mark.snap) == -1)
		return -1;
	s.id.dev = (uint64_t)dev;
	s.id.ino = (uint64_t)ino;
	s.id.head_hash = state_unhex(hh);
	s.id.head_len = (uint32_t)head_len;
	s.mark.offset = (uint64_t)off;
	s.mark.max_ts = max_ts;
	s.back_hash = state_unhex(bh);
	s.size_seen = (uint64_t)size;
	s.done = (uint64_t)done;
	state_add(st, path, gone, &s);
	return 0;
}

/* Reads one checkpoint file; 0, -1 if torn or foreign (logged), 1 none. */
static int
state_read_one(const char *path, struct state *st)
{
	json_error_t err;
	json_t      *o, *files;
	json_int_t   now, journal, mlog;
	size_t       i;
	int          version, snap_size;

	if (access(path, F_OK) == -1)
		return 1;
	if ((o = json_load_file(path, 0, &err)) == NULL) {
		log_warnx(
		    "%s:%d: a torn checkpoint (%s)", path, err.line, err.text);
		return -1;
	}
	if (json_unpack(o, "{s:i, s:i, s:I, s:I, s:I, s:o}", "timelined_state",
		&version, "snap_size", &snap_size, "now_ns", &now, "journal",
		&journal, "match_log", &mlog, "files", &files) == -1 ||
	    version != STATE_VERSION ||
	    snap_size != (int)sizeof(struct source_snap) ||
	    !json_is_array(files)) {
		log_warnx("%s: a checkpoint of another version", path);
		json_decref(o);
		return -1;
	}
	st->now_ns = now;
	st->journal = (uint64_t)journal;
	st->match_log = (uint64_t)mlog;
	for (i = 0; i < json_array_size(files); i++)
		if (state_file_read(json_array_get(files, i), st) == -1) {
			log_warnx("%s: file %zu is not readable", path, i);
			json_decref(o);
			state_clear(st);
			return -1;
		}
	json_decref(o);
	return 0;
}

/*
 * Reads the checkpoint of dir, or its previous copy when it is torn or
 * of another version (reported). 0 with st filled, 1 if there is none,
 * -1 if neither can be used.
 */
int
state_read(const char *dir, struct state *st)
{
	char path[PATH_MAX];
	int  rc;

	state_init(st);
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	if ((rc = state_read_one(path, st)) != -1)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_PREV);
	if ((rc = state_read_one(path, st)) == 0)
		log_warnx("%s: using the previous checkpoint", path);
	return rc == 1 ? -1 : rc;
}
