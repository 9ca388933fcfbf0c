/*
 * linebuf: frames a byte stream into lines of bounded length. Bytes go in
 * in any chunking; each complete line comes out once, without its "\n",
 * "\r\n" or lone "\r", with the offset of the byte after its end in the stream. Longer
 * lines are cut at the bound and counted. It never reads files itself, so
 * tailing, replay and syslog receivers share it.
 */
#ifndef LINEBUF_H
#define LINEBUF_H

#include <stddef.h>
#include <stdint.h>

#define LINEBUF_DEFAULT_MAX 65536
#define LINEBUF_MIN         256
#define LINEBUF_MAX         (16 * 1024 * 1024)

/*
 * Called once per line with the line, its length and the stream offset
 * just past its terminator; the pointer is valid only during the call.
 */
typedef void (*linebuf_cb)(const char *, size_t, uint64_t, void *);

struct linebuf {
	char    *buf;
	size_t   len;        /* bytes of the partial line held */
	size_t   max;        /* longest line kept */
	int      discarding; /* inside an over-long line, its start held */
	int      cut;        /* the line being handed out was cut */
	int      after_cr;   /* the last chunk ended with a lone "\r" */
	uint64_t off;        /* stream bytes framed so far */
	uint64_t start;      /* stream offset of the held line */
	uint64_t truncated;  /* lines cut at max */
};

void linebuf_init(struct linebuf *, size_t);
void linebuf_free(struct linebuf *);
void linebuf_feed(struct linebuf *, const char *, size_t, linebuf_cb, void *);
void linebuf_flush(struct linebuf *, linebuf_cb, void *);
uint64_t linebuf_line_start(const struct linebuf *);

#endif /* LINEBUF_H */
