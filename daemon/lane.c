/*
 * lane: the per-line chain for one input. It owns the input's framing
 * buffer, its source (parser state, zone, year, counters) and references
 * to the rule set and the unclassified signal, and turns each line into a
 * record, a rule hit and a match (a line no rule matched may become an
 * unclassified match), which it hands to its callback. Buffers can be released while
 * the input rests (lane_sleep) and come back on the next bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "lane.h"
#include "linebuf.h"
#include "match.h"
#include "record.h"
#include "rule.h"
#include "source.h"
#include "unclass.h"
#include "xmalloc.h"

struct lane {
	struct source    src;
	struct linebuf   lb;
	int              awake;    /* lb has its buffer */
	int              after_cr; /* lb's, kept while asleep */
	size_t           max_line;
	uint64_t         off;        /* stream bytes taken */
	uint64_t         truncated;  /* over-long lines, over every wake */
	uint64_t         limit_hits; /* lines a regex gave up on */
	struct rule_set *rules;      /* borrowed; NULL: parse only */
	struct unclass  *unclass;    /* borrowed; NULL: none */
	int              place;      /* the lane's place in it, or -1 */
	uint32_t         id;
	int64_t          min_ts, max_ts;
	lane_cb          cb;
	void            *cb_arg;
	struct match     m;     /* the match being handed out */
	char            *clean; /* a line without its escape sequences */
	size_t           cleancap;
};

/* Creates a lane for input name with source id id, lines <= max_line. */
struct lane *
lane_new(const char *name, uint32_t id, size_t max_line)
{
	struct lane *l = xcalloc(1, sizeof(*l));

	source_init(&l->src, name, name, (int)id);
	l->max_line = max_line ? max_line : LINEBUF_DEFAULT_MAX;
	source_set_max_line(&l->src, l->max_line);
	l->id = id;
	l->min_ts = INT64_MAX;
	l->max_ts = INT64_MIN;
	l->place = -1;
	return l;
}

/* Frees the lane (NULL is fine). */
void
lane_free(struct lane *l)
{
	if (l == NULL)
		return;
	lane_sleep(l);
	lane_set_unclass(l, NULL);
	source_free(&l->src);
	free(l->clean);
	free(l);
}

/* Sets the rule set lines are classified with (borrowed; NULL: none). */
void
lane_set_rules(struct lane *l, struct rule_set *rs)
{
	l->rules = rs;
}

/*
 * Sets the unclassified signal that lines no rule matched are offered to
 * (borrowed, it must outlive the lane; NULL: none). The lane takes a
 * place in it, given back (its templates forgotten) when the lane is
 * freed or the signal changed.
 */
void
lane_set_unclass(struct lane *l, struct unclass *u)
{
	if (l->unclass == u)
		return;
	if (l->unclass != NULL)
		unclass_detach(l->unclass, l->place);
	l->unclass = u;
	l->place = u != NULL ? unclass_attach(u) : -1;
}

/* Sets the function told of every line. */
void
lane_set_cb(struct lane *l, lane_cb cb, void *arg)
{
	l->cb = cb;
	l->cb_arg = arg;
}

/* Puts the lane in a rotation set: the id of the set's first input. */
void
lane_set_group(struct lane *l, uint32_t group)
{
	l->src.group = (int)group;
}

/* The lane's source: zone and year settings, counters. */
struct source *
lane_source(struct lane *l)
{
	return &l->src;
}

/* The lane's source, read only. */
const struct source *
lane_source_const(const struct lane *l)
{
	return &l->src;
}

/* The source id the lane was made with. */
uint32_t
lane_id(const struct lane *l)
{
	return l->id;
}

/*
 * Length of the terminal escape sequence at p (p[0] is ESC): CSI
 * (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), or a two-byte
 * escape. Colour codes in logs are such sequences.
 */
static size_t
lane_escape(const char *p, const char *end)
{
	const char *q = p + 2;

	if (p + 1 >= end)
		return 1;
	if (p[1] == '[') {
		while (q < end && (unsigned char)*q >= 0x20 &&
		    (unsigned char)*q <= 0x3f)
			q++; /* parameter and intermediate bytes */
		return (size_t)((q < end ? q + 1 : q) - p);
	}
	if (p[1] == ']') {
		while (q < end && *q != '\a' && !(*q == 0x1b && q + 1 < end))
			q++;
		return (size_t)((q < end ? q + 1 + (*q == 0x1b) : q) - p);
	}
	return 2;
}

/*
 * The line without terminal escape sequences (ANSI colours): in the
 * lane's buffer when it had some, else the line itself.
 */
static const char *
lane_strip(struct lane *l, const char *line, size_t *len)
{
	const char *p = line, *end = line + *len, *esc;
	size_t      n = 0;

	if ((esc = memchr(line, 0x1b, *len)) == NULL)
		return line;
	if (l->cleancap < *len) {
		free(l->clean);
		l->cleancap = *len > l->max_line ? *len : l->max_line;
		l->clean = xmalloc(l->cleancap);
	}
	while (esc != NULL) {
		memcpy(l->clean + n, p, (size_t)(esc - p));
		n += (size_t)(esc - p);
		p = esc + lane_escape(esc, end);
		esc = memchr(p, 0x1b, (size_t)(end - p));
	}
	memcpy(l->clean + n, p, (size_t)(end - p));
	*len = n + (size_t)(end - p);
	return l->clean;
}

/* Says where the match being handed out came from. */
static void
lane_place(struct lane *l, uint64_t end)
{
	l->m.source = l->src.index;
	l->m.group = l->src.group;
	l->m.lineno = l->src.lineno;
	l->m.end_off = end;
	l->m.seq = 0;
}

/* Runs one line through the stages and tells the callback. */
static void
lane_run(struct lane *l, const char *line, size_t len, uint64_t end)
{
	struct lane_out out = {NULL, NULL, NULL, 0, end, 0, 0};
	struct rule_hit h;
	struct record  *r;
	uint64_t        limits = 0;

	if (l->awake && l->lb.cut)
		out.cut = 1;
	if (l->src.lineno == 0 && len >= 3 &&
	    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3; /* a UTF-8 byte order mark before the first line */
		len -= 3;
	}
	line = lane_strip(l, line, &len);
	r = source_line(&l->src, line, len);
	out.rec = r;
	out.lineno = l->src.lineno;
	if (r->has_ts && r->ts_ns < l->min_ts)
		l->min_ts = r->ts_ns;
	if (r->has_ts && r->ts_ns > l->max_ts)
		l->max_ts = r->ts_ns;
	if (l->rules != NULL)
		limits = rule_set_stats(l->rules)->limit_hits;
	if (l->rules != NULL && rule_set_match(l->rules, r, &h) == 1) {
		l->src.matched++;
		out.hit = &h;
		if (r->has_ts) {
			match_from_hit(&l->m, r, &h);
			lane_place(l, end);
			out.m = &l->m;
		}
	} else if (l->unclass != NULL &&
	    unclass_line(l->unclass, &l->place, r, l->src.lineno, &l->m)) {
		lane_place(l, end);
		out.m = &l->m;
	}
	if (l->rules != NULL && rule_set_stats(l->rules)->limit_hits > limits) {
		out.limit_hit = 1;
		l->limit_hits++;
	}
	if (l->cb != NULL)
		l->cb(l, &out, l->cb_arg);
}

/* linebuf's callback: one framed line. */
static void
lane_line_cb(const char *line, size_t len, uint64_t end, void *arg)
{
	lane_run(arg, line, len, end);
}

/* Gives the lane its framing buffer back after a sleep. */
static void
lane_wake(struct lane *l)
{
	if (l->awake)
		return;
	linebuf_init(&l->lb, l->max_line);
	l->lb.off = l->off;
	l->lb.after_cr = l->after_cr;
	l->awake = 1;
}

/* Frames and runs n bytes of the input (the next bytes of its stream). */
void
lane_feed(struct lane *l, const char *p, size_t n)
{
	lane_wake(l);
	linebuf_feed(&l->lb, p, n, lane_line_cb, l);
	l->off = l->lb.off;
}

/* Runs the last line if it had no newline (end of the input). */
void
lane_flush(struct lane *l)
{
	if (!l->awake)
		return;
	linebuf_flush(&l->lb, lane_line_cb, l);
}

/*
 * Passes over n bytes of the stream without reading them (padding, the
 * rest of a line begun before reading started); at a line boundary.
 */
void
lane_skip(struct lane *l, uint64_t n)
{
	if (l->awake)
		l->lb.off += n;
	else
		l->off += n;
}

/* 1 if a partial last line waits for its end. */
int
lane_holding(const struct lane *l)
{
	return l->awake && (l->lb.len > 0 || l->lb.discarding);
}

/* Runs one whole line that ends at stream offset end (no framing). */
void
lane_line(struct lane *l, const char *line, size_t len, uint64_t end)
{
	lane_run(l, line, len, end);
}

/*
 * Releases the buffers while the input rests. A partial line held is
 * given up: the input must be read again from lane_resume_offset().
 */
void
lane_sleep(struct lane *l)
{
	if (l->awake) {
		l->off = linebuf_line_start(&l->lb);
		/* A "\r\n" split where reading stops is still one end. */
		l->after_cr = l->lb.after_cr;
		/* A long line being cut is read and counted again. */
		l->truncated += l->lb.truncated - (l->lb.discarding != 0);
		linebuf_free(&l->lb);
		l->awake = 0;
	}
	source_release(&l->src);
}

/*
 * Where reading could resume from: the start of the line not yet run,
 * with the state the lines before it left.
 */
void
lane_mark(const struct lane *l, struct lane_mark *m)
{
	m->offset = lane_resume_offset(l);
	m->max_ts = l->max_ts;
	source_snapshot(&l->src, &m->snap);
}

/*
 * Makes a fresh (or sleeping) lane go on from mark m: the caller reads
 * the input again from m->offset.
 */
void
lane_restore(struct lane *l, const struct lane_mark *m)
{
	if (l->awake) {
		linebuf_free(&l->lb);
		l->awake = 0;
	}
	l->off = m->offset;
	l->after_cr = 0;
	l->max_ts = m->max_ts;
	source_restore(&l->src, &m->snap);
}

/* Stream bytes the lane has taken (including a partial line held). */
uint64_t
lane_offset(const struct lane *l)
{
	return l->awake ? l->lb.off : l->off;
}

/* Where to read from to see every line not yet run, whole. */
uint64_t
lane_resume_offset(const struct lane *l)
{
	return l->awake ? linebuf_line_start(&l->lb) : l->off;
}

/* The newest line time the lane has seen, or INT64_MIN. */
int64_t
lane_max_ts(const struct lane *l)
{
	return l->max_ts;
}

/* The oldest line time the lane has seen, or INT64_MAX. */
int64_t
lane_min_ts(const struct lane *l)
{
	return l->min_ts;
}

/* Lines a rule's regex gave up on at the PCRE2 limits. */
uint64_t
lane_limit_hits(const struct lane *l)
{
	return l->limit_hits;
}

/* Lines cut at the line bound so far. */
uint64_t
lane_truncated(const struct lane *l)
{
	return l->truncated + (l->awake ? l->lb.truncated : 0);
}
