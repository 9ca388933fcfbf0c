/*
 * linebuf: bounded line framing. Complete lines inside an input chunk are
 * handed out in place (no copy); only a line split across chunks is
 * copied into the buffer, which never grows past the configured maximum.
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

/* Emits a line, dropping a trailing "\r". */
static void
linebuf_emit(const char *p, size_t n, linebuf_cb cb, void *arg)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	cb(p, n, arg);
}

/* Adds bytes to the held partial line, cutting it at the bound. */
static void
linebuf_hold(
    struct linebuf *lb, const char *p, size_t n, linebuf_cb cb, void *arg)
{
	size_t room = lb->max - lb->len;

	if (lb->discarding)
		return;
	if (n <= room) {
		memcpy(lb->buf + lb->len, p, n);
		lb->len += n;
		return;
	}
	memcpy(lb->buf + lb->len, p, room);
	lb->len = lb->max;
	linebuf_emit(lb->buf, lb->len, cb, arg);
	lb->len = 0;
	lb->truncated++;
	lb->discarding = 1;
}

/* Frames the bytes p[0..n) into lines, calling cb for each complete one. */
void
linebuf_feed(
    struct linebuf *lb, const char *p, size_t n, linebuf_cb cb, void *arg)
{
	const char *end = p + n, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			linebuf_hold(lb, p, (size_t)(end - p), cb, arg);
			return;
		}
		if (lb->len == 0 && !lb->discarding &&
		    (size_t)(nl - p) <= lb->max)
			linebuf_emit(p, (size_t)(nl - p), cb, arg);
		else {
			linebuf_hold(lb, p, (size_t)(nl - p), cb, arg);
			if (!lb->discarding)
				linebuf_emit(lb->buf, lb->len, cb, arg);
		}
		lb->len = 0;
		lb->discarding = 0;
		p = nl + 1;
	}
}

/* Emits a final line that had no newline (end of file). */
void
linebuf_flush(struct linebuf *lb, linebuf_cb cb, void *arg)
{
	if (lb->len > 0 && !lb->discarding)
		linebuf_emit(lb->buf, lb->len, cb, arg);
	lb->len = 0;
	lb->discarding = 0;
}
