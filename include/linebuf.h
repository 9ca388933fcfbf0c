/*
 * linebuf: frames a byte stream into lines of bounded length. Bytes go in
 * in any chunking; each complete line comes out once, without its "\n" or
 * "\r\n". Longer lines are cut at the bound and counted. It never reads
 * files itself, so tailing, replay and syslog receivers share it.
 */
#ifndef LINEBUF_H
#define LINEBUF_H

#include <stddef.h>
#include <stdint.h>

#define LINEBUF_DEFAULT_MAX 65536

/* Called once per line; the pointer is valid only during the call. */
typedef void (*linebuf_cb)(const char *, size_t, void *);

struct linebuf {
	char    *buf;
	size_t   len;        /* bytes of the partial line held */
	size_t   max;        /* longest line kept */
	int      discarding; /* inside an over-long line */
	uint64_t truncated;  /* lines cut at max */
};

void linebuf_init(struct linebuf *, size_t);
void linebuf_free(struct linebuf *);
void linebuf_feed(struct linebuf *, const char *, size_t, linebuf_cb, void *);
void linebuf_flush(struct linebuf *, linebuf_cb, void *);

#endif /* LINEBUF_H */
