/*
 * linebuf: bounded line framing. Complete lines inside an input chunk are
 * handed out in place (no copy); only a line split across chunks is
 * copied into the buffer, which never grows past the configured maximum.
 * An over-long line keeps its first max bytes and is handed out when its
 * end arrives, so its end offset is the real one. A line ends at "\n",
 * "\r\n" or a lone "\r".
 */
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "xmalloc.h"

/* Prepares lb for lines of at most max bytes (0: the default). */
void
linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max ? max : LINEBUF_DEFAULT_MAX;
	lb->buf = xmalloc(lb->max);
}

/* Releases the buffer. */
void
linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
}

/* Emits a line ending at stream offset end, dropping a trailing "\r". */
static void
linebuf_emit(const char *p, size_t n, uint64_t end, linebuf_cb cb, void *arg)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	cb(p, n, end, arg);
}

/* Adds bytes at stream offset at to the held line, cut at the bound. */
static void
linebuf_hold(struct linebuf *lb, const char *p, size_t n, uint64_t at)
{
	size_t room = lb->max - lb->len;

	if (lb->len == 0 && !lb->discarding)
		lb->start = at;
	if (lb->discarding)
		return;
	if (n > room) {
		n = room;
		lb->truncated++;
		lb->discarding = 1;
	}
	memcpy(lb->buf + lb->len, p, n);
	lb->len += n;
}

/*
 * The end of the next line in [p, end): a "\n", a "\r\n", or a "\r" on
 * its own (old Mac files); NULL if none. *skip is the terminator's size.
 * Without a "\r" in the chunk (cr 0) it is one memchr.
 */
static const char *
linebuf_eol(const char *p, const char *end, int cr, size_t *skip)
{
	const char *nl, *r;

	*skip = 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!cr || (r = memchr(p, '\r', (size_t)((nl ? nl : end) - p))) == NULL)
		return nl;
	if (r + 1 < end && r[1] == '\n')
		*skip = 2;
	return r;
}

/* Frames the bytes p[0..n) into lines, calling cb for each complete one. */
void
linebuf_feed(
    struct linebuf *lb, const char *p, size_t n, linebuf_cb cb, void *arg)
{
	const char *start = p, *end = p + n, *nl;
	uint64_t    base = lb->off;
	size_t      skip;
	int         cr = memchr(p, '\r', n) != NULL;

	if (lb->after_cr && p < end && *p == '\n')
		p++; /* the "\n" of a "\r\n" split across chunks */
	lb->after_cr = 0;
	while (p < end) {
		if ((nl = linebuf_eol(p, end, cr, &skip)) == NULL) {
			linebuf_hold(lb, p, (size_t)(end - p),
			    base + (uint64_t)(p - start));
			break;
		}
		lb->cut = lb->discarding ||
		    (lb->len == 0 && (size_t)(nl - p) > lb->max);
		if (lb->len == 0 && !lb->discarding &&
		    (size_t)(nl - p) <= lb->max)
			linebuf_emit(p, (size_t)(nl - p),
			    base + (uint64_t)(nl + skip - start), cb, arg);
		else {
			linebuf_hold(lb, p, (size_t)(nl - p),
			    base + (uint64_t)(p - start));
			lb->cut = lb->discarding;
			linebuf_emit(lb->buf, lb->len,
			    base + (uint64_t)(nl + skip - start), cb, arg);
		}
		lb->len = 0;
		lb->discarding = 0;
		lb->cut = 0;
		p = nl + skip;
		lb->after_cr = *nl == '\r' && skip == 1;
	}
	lb->off = base + n;
}

/* Emits a final line that had no newline (end of file). */
void
linebuf_flush(struct linebuf *lb, linebuf_cb cb, void *arg)
{
	lb->cut = lb->discarding;
	if (lb->len > 0)
		linebuf_emit(lb->buf, lb->len, lb->off, cb, arg);
	lb->len = 0;
	lb->discarding = 0;
	lb->cut = 0;
}

/*
 * The stream offset where the line not yet handed out begins: where to
 * read again from to see it whole. lb->off when no line is pending.
 */
uint64_t
linebuf_line_start(const struct linebuf *lb)
{
	return lb->len > 0 || lb->discarding ? lb->start : lb->off;
}
