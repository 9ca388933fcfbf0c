/*
 * pool: replay's worker threads. A worker takes a part of an input (the
 * whole input, or the stretch of a large plain file between two line
 * starts) and reads the next chunk of it through the part's lane into a
 * batch of packed matches and of the timed lines no rule matched (for
 * the unclassified signal, which the main thread feeds); the main thread
 * takes each input's batches in order. A part after the first begins from a state guessed by reading,
 * without rules, the lines just before it; when the main thread reaches
 * it, the guess is compared with the state the part before it ended in,
 * and on a difference the part is read again from that state. Shared
 * state is under one mutex; a part is touched outside it only by the one
 * worker running it. It knows inputs, lanes and threads, not the merge.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "in_file.h"
#include "lane.h"
#include "log.h"
#include "match.h"
#include "pipeline.h"
#include "pool.h"
#include "record.h"
#include "rule.h"
#include "source.h"
#include "xmalloc.h"

#define POOL_BUDGET   (16 * 1024 * 1024) /* bytes of batches waiting */
#define POOL_BATCHES  64                 /* batches one part may have waiting */
#define POOL_WARM     (64 * 1024) /* read before a part to guess its state */
#define POOL_PREFETCH 4           /* inputs read before asked for, a thread */

/* Where a lane is and what state its next line meets. */
struct pool_state {
	struct lane_mark    mark;
	struct source_carry carry;
};

/* A stretch of an input read by one lane, from a line start on. */
struct pool_part {
	struct pool_input *in;
	int                idx;   /* in its input */
	uint64_t           start; /* stream offsets */
	uint64_t           end;   /* UINT64_MAX: to the end of the input */
	struct lane       *lane;
	struct in_file    *f;
	int                fd_held; /* counted in nfds */
	int                begun, running, done;
	int                reached;  /* its run read to its end */
	int                spec;     /* began from a guessed state */
	int                state_ok; /* began from the true state */
	int                seeded; /* spec: the guess grew from a true state */
	struct pool_state  guess;  /* the state it began in */
	struct pool_state  end_mark;    /* done: the state at its end */
	uint64_t           delta;       /* added to its line numbers */
	struct pool_batch *head, *tail; /* read, not taken */
	int                nbatches;
};

/* An input given to the pool. */
struct pool_input {
	char              *path;
	uint32_t           id, group;
	int64_t            hint;   /* the order it is read ahead in */
	int                pinned; /* standard input: never closed early */
	pool_lane_fn       setup;  /* called on each lane opened on it */
	void              *setup_arg;
	int                active, asked, finished;
	struct pool_part **parts;
	int                nparts, cur;           /* cur: the part taken from */
	uint64_t           truncated, limit_hits; /* of the parts taken */
};

/* A worker thread and what it reads with. */
struct pool_worker {
	struct pool       *p;
	pthread_t          th;
	struct rule_set   *rules;  /* a share of the pool's */
	uint64_t          *shadow; /* each rule's limit hits, as last seen */
	char              *buf;    /* PIPELINE_CHUNK bytes */
	struct pool_batch *b;      /* being filled */
};

struct pool {
	const struct conf     *o;
	const struct rule_set *rules;
	int                    nrules;
	pthread_mutex_t        mu;
	pthread_cond_t         work_cv; /* workers: something to do */
	pthread_cond_t         main_cv; /* main: a batch or a map item done */
	struct pool_worker    *w;
	int                    nw;
	struct pool_input     *in;
	int                    nin, capin;
	int                   *order;  /* inputs by hint */
	int                    next;   /* in order: the next to read ahead */
	int                   *active; /* inputs being read */
	int                    nactive;
	int                    ahead;  /* active inputs not asked for yet */
	int                    wanted; /* the input main takes from, or -1 */
	size_t                 queued; /* bytes of batches waiting */
	int                    nfds, max_fds;
	uint64_t               split; /* part size; 0: no parts */
	int                    started, quit;
	pool_map_fn            map_fn;
	void                  *map_arg;
	int                    map_n, map_next, map_done;
	struct pool_batch     *taken; /* the batch main holds */
	int                    taken_in;
};

/* A new empty batch. */
static struct pool_batch *
pool_batch_new(void)
{
	struct pool_batch *b = xcalloc(1, sizeof(*b));

	b->max_ts = INT64_MIN;
	return b;
}

/* Bytes a batch holds, for the budget. */
static size_t
pool_batch_size(const struct pool_batch *b)
{
	return sizeof(*b) + b->cap + (size_t)b->caplimits * sizeof(int);
}

/* Frees a batch (NULL is fine). */
static void
pool_batch_free(struct pool_batch *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b->limits);
	free(b->error);
	free(b);
}

/* What state a lane is in: where, and what its next line meets. */
static void
pool_state_get(struct lane *l, struct pool_state *st)
{
	lane_mark(l, &st->mark);
	source_carry_get(lane_source(l), &st->carry);
}

/* Puts a lane in a state pool_state_get() gave. */
static void
pool_state_set(struct lane *l, const struct pool_state *st)
{
	lane_restore(l, &st->mark);
	source_carry_set(lane_source(l), &st->carry);
}

/* Gives a lane just opened on an input what the pool's user sets. */
static void
pool_lane_setup(const struct pool_input *in, struct lane *l)
{
	if (in->setup != NULL)
		in->setup(in->setup_arg, l);
}

/* Makes room for n more bytes in b; where they go. */
static char *
pool_batch_room(struct pool_batch *b, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = b->cap ? b->cap : 4096;
		while (b->len + n > b->cap)
			b->cap *= 2;
		b->buf = xreallocarray(b->buf, b->cap, 1);
	}
	return b->buf + b->len;
}

/* Appends a packed copy of m to b, tagged POOL_MATCH. */
static void
pool_batch_push(struct pool_batch *b, const struct match *m)
{
	char *p = pool_batch_room(b, 1 + match_packed_size(m));

	*p = POOL_MATCH;
	b->len += 1 + match_pack(m, p + 1);
	b->nmatch++;
}

/*
 * Appends what the unclassified signal reads of a timed line no rule
 * matched (lo), tagged POOL_LINE: the signal is fed on the main thread,
 * in the order one thread would feed it.
 */
static void
pool_batch_line(struct pool_batch *b, const struct lane_out *lo)
{
	const struct record *r = lo->rec;
	struct pool_line     h;
	size_t               hl = strnlen(r->host, sizeof(r->host) - 1);
	char *p = pool_batch_room(b, 1 + sizeof(h) + hl + 1 + r->msg_len);

	memset(&h, 0, sizeof(h));
	h.ts_ns = r->ts_ns;
	h.utc_offset = r->utc_offset;
	h.frac_digits = r->tm.frac_digits;
	h.ambiguous = r->ambiguous;
	h.severity = r->severity;
	h.lineno = lo->lineno;
	h.end_off = lo->end_off;
	h.msg_len = r->msg_len;
	*p++ = POOL_LINE;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, r->host, hl);
	p[hl] = '\0';
	memcpy(p + hl + 1, r->msg, r->msg_len);
	b->len += 1 + sizeof(h) + hl + 1 + r->msg_len;
}

/*
 * Reads the entry at *off of b, in line order, its line number the
 * input's: POOL_MATCH (into m), POOL_LINE (into ln: pointers into b),
 * or 0 past the last.
 */
int
pool_batch_next(const struct pool_batch *b, size_t *off, struct match *m,
    struct pool_line *ln)
{
	const char *p = b->buf + *off;

	if (*off >= b->len)
		return 0;
	if (*p == POOL_MATCH) {
		*off += 1 + match_unpack(m, p + 1);
		m->lineno += b->delta;
		return POOL_MATCH;
	}
	memcpy(ln, p + 1, sizeof(*ln));
	ln->lineno += b->delta;
	ln->host = p + 1 + sizeof(*ln);
	ln->msg = ln->host + strlen(ln->host) + 1;
	*off += 1 + sizeof(*ln) + strlen(ln->host) + 1 + ln->msg_len;
	return POOL_LINE;
}

/* Notes in b each rule whose regex gave up on the line just read. */
static void
pool_limits(struct pool_worker *w, struct pool_batch *b)
{
	uint64_t c;
	int      i;

	for (i = 0; i < w->p->nrules; i++) {
		c = rule_set_counts(w->rules, i)->limit_hits;
		for (; w->shadow[i] < c; w->shadow[i]++) {
			if (b->nlimits == b->caplimits) {
				b->caplimits = b->caplimits ? 2 * b->caplimits
							    : 16;
				b->limits = xreallocarray(b->limits,
				    (size_t)b->caplimits, sizeof(int));
			}
			b->limits[b->nlimits++] = i;
		}
	}
}

/* Lane callback in a worker: the line's time and match go to the batch. */
static void
pool_line_cb(struct lane *l, const struct lane_out *lo, void *arg)
{
	struct pool_worker *w = arg;
	struct pool_batch  *b = w->b;

	(void)l;
	b->lines++;
	if (lo->rec->has_ts && lo->rec->ts_ns > b->max_ts)
		b->max_ts = lo->rec->ts_ns;
	if (lo->m != NULL)
		pool_batch_push(b, lo->m);
	else if (w->p->o->unclassified && lo->hit == NULL && lo->rec->has_ts &&
	    lo->rec->msg != NULL && lo->rec->msg_len > 0)
		pool_batch_line(b, lo);
	if (lo->limit_hit)
		pool_limits(w, b);
}

/* Reads [from, to) of a plain input into buf; the bytes read. */
static size_t
pool_read_at(struct in_file *f, uint64_t from, uint64_t to, char *buf)
{
	size_t  got = 0, want = (size_t)(to - from);
	ssize_t r;

	if (in_file_skip(f, from) == -1)
		return 0;
	while (got < want && (r = in_file_read(f, buf + got, want - got)) > 0)
		got += (size_t)r;
	return got;
}

/*
 * The start of the first line that begins after offset at - 1 of fd (the
 * byte after the first newline from there), or 0 if none does before
 * size.
 */
static uint64_t
pool_line_start(int fd, uint64_t at, uint64_t size, char *buf)
{
	const char *nl;
	ssize_t     n;

	for (at = at > 0 ? at - 1 : 0; at < size; at += (uint64_t)n) {
		n = pread(fd, buf, PIPELINE_CHUNK, (off_t)at);
		if (n <= 0)
			return 0;
		if ((nl = memchr(buf, '\n', (size_t)n)) != NULL)
			return at + (uint64_t)(nl - buf) + 1;
	}
	return 0;
}

/* Opens path again, if it is still the file f reads: a descriptor or -1. */
static int
pool_open_same(const char *path, const struct in_file *f)
{
	struct stat st;
	uint64_t    dev, ino;
	int         fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	in_file_identity(f, &dev, &ino);
	if (fstat(fd, &st) == -1 || (uint64_t)st.st_dev != dev ||
	    (uint64_t)st.st_ino != ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Gives an input the parts that begin at cuts[0..n). Under the lock. */
static void
pool_add_parts(struct pool_input *in, const uint64_t *cuts, int n)
{
	struct pool_part *pt;
	int               j;

	in->parts = xreallocarray(in->parts, (size_t)n + 1, sizeof(*in->parts));
	for (j = 1; j <= n; j++) {
		pt = xcalloc(1, sizeof(*pt));
		pt->in = in;
		pt->idx = j;
		pt->start = cuts[j - 1];
		pt->end = j < n ? cuts[j] : UINT64_MAX;
		in->parts[j] = pt;
	}
	in->nparts = n + 1;
}

/*
 * Cuts a large plain file into parts, at the first line start after
 * every split bytes; pt, its first part, then ends at the first cut.
 */
static void
pool_split(struct pool_worker *w, struct pool_part *pt)
{
	struct pool *p = w->p;
	uint64_t     size = (uint64_t)in_file_size(pt->f), at, c, *cuts;
	int          n = 0, fd;

	if (p->split == 0 || !in_file_is_plain(pt->f) || size < 2 * p->split ||
	    (fd = pool_open_same(pt->in->path, pt->f)) == -1)
		return;
	cuts = xcalloc((size_t)(size / p->split) + 1, sizeof(*cuts));
	for (at = p->split; at + p->split / 2 < size; at += p->split) {
		if ((c = pool_line_start(fd, at, size, w->buf)) == 0 ||
		    c >= size)
			break;
		if (n == 0 || c > cuts[n - 1])
			cuts[n++] = c;
	}
	close(fd);
	if (n > 0) {
		pt->end = cuts[0];
		pthread_mutex_lock(&p->mu);
		pool_add_parts(pt->in, cuts, n);
		pthread_cond_broadcast(&p->work_cv);
		pthread_mutex_unlock(&p->mu);
	}
	free(cuts);
}

/*
 * Guesses the state a part begins in: from the state in pt->guess (a
 * true one met earlier, when seeded) or a fresh one, reads the lines of
 * the POOL_WARM bytes before the part without rules. Leaves f at the
 * part's start; -1 if those bytes could not be read.
 */
static int
pool_guess(struct pool_worker *w, struct pool_part *pt)
{
	const struct conf *o = w->p->o;
	uint64_t           from, at;
	struct lane       *warm;
	struct pool_state  m;
	const char        *nl;

	from = pt->start > POOL_WARM ? pt->start - POOL_WARM : 0;
	if (pool_read_at(pt->f, from, pt->start, w->buf) != pt->start - from)
		return -1;
	at = from; /* the first line start from there */
	if (from > 0 && (nl = memchr(w->buf, '\n', pt->start - from)) != NULL)
		at = from + (uint64_t)(nl - w->buf) + 1;
	else if (from > 0)
		at = pt->start;
	warm = lane_new(pt->in->path, pt->in->id, o->max_line);
	pipeline_source_setup(o, lane_source(warm), in_file_gzip_mtime(pt->f),
	    in_file_mtime(pt->f));
	pool_lane_setup(pt->in, warm);
	if (pt->seeded && at > 0)
		m = pt->guess;
	else
		pool_state_get(warm, &m);
	m.mark.snap.lineno = at > 0; /* 0 only at the file's start (its BOM) */
	m.mark.offset = at;
	m.mark.max_ts = INT64_MIN;
	pool_state_set(warm, &m);
	lane_feed(warm, w->buf + (at - from), (size_t)(pt->start - at));
	pool_state_get(warm, &pt->guess);
	lane_free(warm);
	return 0;
}

/*
 * Opens a part's input and gives it a lane at the part's start: the
 * first part from the input's beginning (cutting a large plain file into
 * parts), a later one from the state it was given or from a guess. -1
 * (the reason in b) if the input cannot be opened or read.
 */
static int
pool_begin(struct pool_worker *w, struct pool_part *pt, struct pool_batch *b)
{
	const struct conf *o = w->p->o;
	struct pool_state  m;
	char               err[128];

	pt->lane = lane_new(pt->in->path, pt->in->id, o->max_line);
	lane_set_group(pt->lane, pt->in->group);
	pt->f = pipeline_open(o, pt->lane, pt->in->path, err, sizeof(err));
	if (pt->f == NULL) {
		b->error = xstrdup(err);
		return -1;
	}
	pool_lane_setup(pt->in, pt->lane);
	if (pt->idx == 0) {
		pool_split(w, pt);
		return 0;
	}
	if (pt->spec ? pool_guess(w, pt) == -1
		     : in_file_skip(pt->f, pt->start) == -1) {
		b->error = xstrdup("shorter than when it was read");
		return -1;
	}
	m = pt->guess;
	if (pt->spec)
		m.mark.snap.lineno = 1; /* numbered from here; delta fixes it */
	m.mark.offset = pt->start;
	m.mark.max_ts = INT64_MIN;
	pool_state_set(pt->lane, &m);
	return 0;
}

/* Opens a part's input again after it was closed early; -1 as above. */
static int
pool_reopen(struct pool_worker *w, struct pool_part *pt, struct pool_batch *b)
{
	char err[128];

	pt->f = pipeline_open(
	    w->p->o, pt->lane, pt->in->path, err, sizeof(err));
	if (pt->f == NULL) {
		b->error = xstrdup(err);
		return -1;
	}
	pool_lane_setup(pt->in, pt->lane);
	if (in_file_skip(pt->f, lane_resume_offset(pt->lane)) == -1) {
		b->error = xstrdup("shorter than when it was read");
		return -1;
	}
	return 0;
}

/* Ends a part's reading: its file closed, its lane's buffers released. */
static void
pool_part_close(struct pool_part *pt)
{
	lane_sleep(pt->lane);
	in_file_close(pt->f);
	pt->f = NULL;
}

/*
 * Reads the next chunk of a part into a new batch, opening the part
 * first if need be. Outside the lock: the part is this worker's.
 */
static struct pool_batch *
pool_run(struct pool_worker *w, struct pool_part *pt)
{
	struct pool_batch *b = pool_batch_new();
	int64_t            disk;
	ssize_t            n;

	w->b = b;
	if (pt->lane == NULL ? pool_begin(w, pt, b) == -1
			     : pt->f == NULL && pool_reopen(w, pt, b) == -1) {
		b->open_failed = b->end = b->chunk_done = 1;
		in_file_close(pt->f);
		pt->f = NULL;
		return b;
	}
	lane_set_rules(pt->lane, w->rules);
	lane_set_cb(pt->lane, pool_line_cb, w);
	disk = in_file_offset(pt->f);
	n = pipeline_fill(w->p->o, pt->lane, pt->f, w->buf, pt->end);
	b->disk = in_file_offset(pt->f) - disk;
	if (n <= 0) {
		b->end = b->chunk_done = 1;
		if (in_file_error(pt->f) != NULL)
			b->error = xstrdup(in_file_error(pt->f));
		pool_part_close(pt);
	} else if (lane_offset(pt->lane) >= pt->end) {
		b->chunk_done = pt->end % PIPELINE_CHUNK == 0;
		pool_state_get(pt->lane, &pt->end_mark);
		pool_part_close(pt);
		pt->reached = 1;
	} else
		b->chunk_done = 1;
	return b;
}

/* Closes the file of one idle part, to open another. Under the lock. */
static void
pool_park(struct pool *p)
{
	struct pool_part *pt, *best = NULL;
	int               i, j;

	for (i = 0; i < p->nactive; i++)
		for (j = 0; j < p->in[p->active[i]].nparts; j++) {
			pt = p->in[p->active[i]].parts[j];
			if (pt->running || pt->f == NULL || pt->in->pinned)
				continue; /* a running part is its worker's */
			if (best == NULL || pt->nbatches > best->nbatches)
				best = pt;
		}
	if (best == NULL)
		return;
	pool_part_close(best);
	best->fd_held = 0;
	p->nfds--;
}

/* The part of an earlier one that ended in a true state, or NULL. */
static struct pool_part *
pool_seed(struct pool_part *pt)
{
	struct pool_part *q;
	int               j;

	for (j = pt->idx - 1; j >= 0; j--) {
		q = pt->in->parts[j];
		if (q->done && q->state_ok)
			return q;
	}
	return NULL;
}

/*
 * Marks a part running and, the first time, says what state it begins
 * in: the one the part before it ended in when that is known, else a
 * guess (seeded by an earlier part's true state). Under the lock.
 */
static void
pool_claim(struct pool *p, struct pool_part *pt)
{
	struct pool_part *q;

	pt->running = 1;
	if (pt->f == NULL && !pt->fd_held) {
		if (p->nfds >= p->max_fds)
			pool_park(p);
		p->nfds++;
		pt->fd_held = 1;
	}
	if (pt->begun || pt->idx == 0) {
		pt->begun = 1;
		return;
	}
	pt->begun = 1;
	q = pt->in->parts[pt->idx - 1];
	if (q->done && q->state_ok) {
		pt->guess = q->end_mark;
		pt->guess.mark.snap.lineno += q->delta;
		pt->state_ok = 1;
		return;
	}
	pt->spec = 1;
	if ((q = pool_seed(pt)) != NULL) {
		pt->guess = q->end_mark;
		pt->seeded = 1;
	}
}

/* Queues what a part's run read; the part is idle again. Under the lock. */
static void
pool_ran(struct pool *p, struct pool_part *pt, struct pool_batch *b)
{
	pt->running = 0;
	if (pt->f == NULL && pt->fd_held) {
		pt->fd_held = 0;
		p->nfds--;
	}
	if (b->end || pt->reached)
		pt->done = 1;
	if (pt->tail != NULL)
		pt->tail->next = b;
	else
		pt->head = b;
	pt->tail = b;
	pt->nbatches++;
	p->queued += pool_batch_size(b);
	pthread_cond_broadcast(&p->main_cv);
	if (pt->done)
		pthread_cond_broadcast(&p->work_cv);
}

/*
 * A part of input in a worker may read next, or NULL: from its current
 * part on, within a window; only the one main waits for may read past
 * the memory budget. Under the lock.
 */
static struct pool_part *
pool_pick_in(struct pool *p, struct pool_input *in, int wanted)
{
	struct pool_part *pt;
	int               j, last = in->cur + 2 * p->nw;

	for (j = in->cur; !in->finished && j < in->nparts && j <= last; j++) {
		pt = in->parts[j];
		if (pt->running || pt->done)
			continue;
		if ((wanted && j == in->cur) ||
		    (p->queued < POOL_BUDGET && pt->nbatches < POOL_BATCHES))
			return pt;
	}
	return NULL;
}

/*
 * Among the inputs being read, the part that is least ahead of the main
 * thread, or NULL. Under the lock.
 */
static struct pool_part *
pool_pick_active(struct pool *p)
{
	struct pool_part *pt, *best = NULL;
	int               i, score, best_score = 0;

	for (i = 0; i < p->nactive; i++) {
		if ((pt = pool_pick_in(p, &p->in[p->active[i]], 0)) == NULL)
			continue;
		score = pt->nbatches + (pt->idx - pt->in->cur) * POOL_BATCHES;
		if (best == NULL || score < best_score) {
			best = pt;
			best_score = score;
		}
	}
	return best;
}

/* Starts reading an input. Under the lock. */
static void
pool_activate(struct pool *p, struct pool_input *in)
{
	in->active = 1;
	p->active[p->nactive++] = (int)(in - p->in);
	if (!in->asked)
		p->ahead++;
}

/*
 * Starts reading the next input in hint order before main asks for it,
 * within bounds: 1 if it did.
 */
static int
pool_read_ahead(struct pool *p)
{
	struct pool_input *in;

	if (p->ahead >= POOL_PREFETCH * p->nw || p->queued >= POOL_BUDGET)
		return 0;
	while (p->next < p->nin) {
		in = &p->in[p->order[p->next++]];
		if (!in->active && !in->finished) {
			pool_activate(p, in);
			return 1;
		}
	}
	return 0;
}

/* The part a worker should read next, or NULL. Under the lock. */
static struct pool_part *
pool_pick(struct pool *p)
{
	struct pool_part *pt = NULL;

	if (p->wanted >= 0)
		pt = pool_pick_in(p, &p->in[p->wanted], 1);
	if (pt == NULL)
		pt = pool_pick_active(p);
	while (pt == NULL && pool_read_ahead(p))
		pt = pool_pick_in(p, &p->in[p->active[p->nactive - 1]], 0);
	return pt;
}

/* Runs one item of the map in progress. Under the lock. */
static void
pool_map_one(struct pool_worker *w)
{
	struct pool *p = w->p;
	int          i = p->map_next++;

	pthread_mutex_unlock(&p->mu);
	p->map_fn(p->map_arg, i, w->buf);
	pthread_mutex_lock(&p->mu);
	if (++p->map_done == p->map_n)
		pthread_cond_broadcast(&p->main_cv);
}

/* A worker thread: reads chunks of parts until the pool ends. */
static void *
pool_work(void *arg)
{
	struct pool_worker *w = arg;
	struct pool        *p = w->p;
	struct pool_part   *pt;
	struct pool_batch  *b;

	pthread_mutex_lock(&p->mu);
	while (!p->quit) {
		if (p->map_next < p->map_n) {
			pool_map_one(w);
			continue;
		}
		if (!p->started || (pt = pool_pick(p)) == NULL) {
			pthread_cond_wait(&p->work_cv, &p->mu);
			continue;
		}
		pool_claim(p, pt);
		pthread_mutex_unlock(&p->mu);
		b = pool_run(w, pt);
		pthread_mutex_lock(&p->mu);
		pool_ran(p, pt, b);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * Creates a pool of n worker threads matching with shares of rules (which
 * must outlive it), keeping at most max_fds inputs open.
 */
struct pool *
pool_new(const struct conf *o, const struct rule_set *rules, int n, int max_fds)
{
	struct pool        *p = xcalloc(1, sizeof(*p));
	struct pool_worker *w;
	int                 i;

	p->o = o;
	p->rules = rules;
	p->nrules = rule_set_count(rules);
	p->split = o->split_size;
	p->max_fds = max_fds > 1 ? max_fds : 1;
	p->wanted = -1;
	p->nw = n > 0 ? n : 1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pthread_cond_init(&p->main_cv, NULL);
	p->w = xcalloc((size_t)p->nw, sizeof(*p->w));
	for (i = 0; i < p->nw; i++) {
		w = &p->w[i];
		w->p = p;
		w->rules = rule_set_share(rules);
		w->shadow = xcalloc((size_t)p->nrules + 1, sizeof(*w->shadow));
		w->buf = xmalloc(PIPELINE_CHUNK);
		if (pthread_create(&w->th, NULL, pool_work, w) != 0)
			fatalx("pthread_create");
	}
	return p;
}

/* Frees a part and what it holds; the part is not running. */
static void
pool_part_free(struct pool *p, struct pool_part *pt)
{
	struct pool_batch *b;

	while ((b = pt->head) != NULL) {
		pt->head = b->next;
		p->queued -= pool_batch_size(b);
		pool_batch_free(b);
	}
	if (pt->fd_held)
		p->nfds--;
	in_file_close(pt->f);
	lane_free(pt->lane);
	free(pt);
}

/*
 * Frees what an input still holds once main has taken its last batch:
 * waits for parts still running (a file that ended early). Under the lock.
 */
static void
pool_input_free(struct pool *p, struct pool_input *in)
{
	int i, busy = 1;

	while (busy) {
		for (busy = 0, i = 0; i < in->nparts; i++)
			busy |= in->parts[i]->running;
		if (busy)
			pthread_cond_wait(&p->main_cv, &p->mu);
	}
	for (i = 0; i < in->nparts; i++)
		pool_part_free(p, in->parts[i]);
	free(in->parts);
	in->parts = NULL;
	in->nparts = 0;
	for (i = 0; i < p->nactive; i++)
		if (p->active[i] == (int)(in - p->in)) {
			p->active[i] = p->active[--p->nactive];
			break;
		}
	in->active = 0;
}

/* Frees the batch main took last, and its input if that was its end. */
static void
pool_retire(struct pool *p)
{
	struct pool_batch *b = p->taken;

	if (b == NULL)
		return;
	p->taken = NULL;
	if (b->end)
		pool_input_free(p, &p->in[p->taken_in]);
	pool_batch_free(b);
}

/* Ends the threads and frees the pool (NULL is fine). */
void
pool_free(struct pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	pool_retire(p);
	p->quit = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nw; i++) {
		pthread_join(p->w[i].th, NULL);
		rule_set_free(p->w[i].rules);
		free(p->w[i].shadow);
		free(p->w[i].buf);
	}
	for (i = 0; i < p->nin; i++) {
		while (p->in[i].nparts > 0)
			pool_part_free(p, p->in[i].parts[--p->in[i].nparts]);
		free(p->in[i].parts);
		free(p->in[i].path);
	}
	free(p->in);
	free(p->order);
	free(p->active);
	free(p->w);
	pthread_cond_destroy(&p->main_cv);
	pthread_cond_destroy(&p->work_cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/*
 * Runs fn(arg, i, buffer) for i in [0, n) in the workers, the buffer a
 * worker's (PIPELINE_CHUNK bytes); returns when all are done.
 */
void
pool_map(struct pool *p, int n, pool_map_fn fn, void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->map_fn = fn;
	p->map_arg = arg;
	p->map_next = p->map_done = 0;
	p->map_n = n;
	pthread_cond_broadcast(&p->work_cv);
	while (p->map_done < p->map_n)
		pthread_cond_wait(&p->main_cv, &p->mu);
	p->map_n = p->map_next = p->map_done = 0;
	pthread_mutex_unlock(&p->mu);
}

/*
 * Adds an input (before pool_start()): its path, source id and rotation
 * set, a hint (inputs are read ahead in its order, lowest first),
 * whether it is standard input, and what to call on each lane opened on
 * it, in a worker (setup(setup_arg, lane); NULL: nothing). Returns its
 * index for pool_next().
 */
int
pool_add(struct pool *p, const char *path, uint32_t id, uint32_t group,
    int64_t hint, int pinned, pool_lane_fn setup, void *setup_arg)
{
	struct pool_input *in;

	if (p->nin == p->capin) {
		p->capin = p->capin ? 2 * p->capin : 16;
		p->in = xreallocarray(p->in, (size_t)p->capin, sizeof(*p->in));
	}
	in = &p->in[p->nin];
	memset(in, 0, sizeof(*in));
	in->path = xstrdup(path);
	in->id = id;
	in->group = group;
	in->hint = hint;
	in->pinned = pinned;
	in->setup = setup;
	in->setup_arg = setup_arg;
	in->parts = xcalloc(1, sizeof(*in->parts));
	in->parts[0] = xcalloc(1, sizeof(*in->parts[0]));
	in->parts[0]->end = UINT64_MAX;
	in->parts[0]->state_ok = 1;
	in->nparts = 1;
	return p->nin++;
}

/* Orders inputs by hint, then by index. */
static int
pool_cmp_hint(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Lets the workers read: every input has been added. */
void
pool_start(struct pool *p)
{
	int64_t *keys = xcalloc(2 * (size_t)p->nin + 2, sizeof(*keys));
	int      i;

	for (i = 0; i < p->nin; i++) {
		p->in[i].parts[0]->in = &p->in[i];
		keys[2 * i] = p->in[i].hint;
		keys[2 * i + 1] = i;
	}
	qsort(keys, (size_t)p->nin, 2 * sizeof(*keys), pool_cmp_hint);
	p->order = xcalloc((size_t)p->nin + 1, sizeof(*p->order));
	for (i = 0; i < p->nin; i++)
		p->order[i] = (int)keys[2 * i + 1];
	free(keys);
	p->active = xcalloc((size_t)p->nin + 1, sizeof(*p->active));
	pthread_mutex_lock(&p->mu);
	p->started = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
}

/* Marks an input asked for by main, reading it if it was not. Locked. */
static void
pool_ask(struct pool *p, struct pool_input *in)
{
	if (!in->asked && in->active)
		p->ahead--;
	in->asked = 1;
	if (!in->active)
		pool_activate(p, in);
	if (p->wanted != (int)(in - p->in)) {
		p->wanted = (int)(in - p->in);
		pthread_cond_broadcast(&p->work_cv);
	}
}

/* Adds a finished part's counters to its input's. Under the lock. */
static void
pool_count(struct pool_input *in, struct pool_part *pt)
{
	if (pt->lane == NULL)
		return;
	if (pt->idx > 0 && in->parts[0]->lane != NULL)
		source_add_counts(
		    lane_source(in->parts[0]->lane), lane_source(pt->lane));
	in->truncated += lane_truncated(pt->lane);
	in->limit_hits += lane_limit_hits(pt->lane);
}

/* Forgets what a part read from a wrong guess: it is read again. */
static void
pool_part_reset(struct pool *p, struct pool_part *pt)
{
	struct pool_batch *b;

	while ((b = pt->head) != NULL) {
		pt->head = b->next;
		p->queued -= pool_batch_size(b);
		pool_batch_free(b);
	}
	pt->tail = NULL;
	pt->nbatches = 0;
	if (pt->fd_held)
		p->nfds--;
	in_file_close(pt->f);
	lane_free(pt->lane);
	pt->f = NULL;
	pt->lane = NULL;
	pt->fd_held = pt->begun = pt->done = pt->spec = pt->seeded = 0;
	pt->reached = 0;
	pthread_cond_broadcast(&p->work_cv);
}

/*
 * Moves main on to an input's next part, the current one taken whole:
 * a part begun from a guess is kept if the guess is the state the part
 * before it ended in, else read again. Under the lock; the next part is
 * not running.
 */
static void
pool_advance(struct pool *p, struct pool_input *in)
{
	struct pool_part *pt = in->parts[in->cur], *nx;
	struct pool_state end = pt->end_mark;

	end.mark.snap.lineno += pt->delta;
	pool_count(in, pt);
	if (pt->idx > 0) {
		lane_free(pt->lane);
		pt->lane = NULL;
	}
	nx = in->parts[++in->cur];
	/* The current part may be read past the budget: wake a worker. */
	pthread_cond_broadcast(&p->work_cv);
	if (!nx->begun || !nx->spec || nx->state_ok)
		return;
	if (source_snap_same(&end.mark.snap, &nx->guess.mark.snap) &&
	    source_carry_same(&end.carry, &nx->guess.carry)) {
		nx->delta = end.mark.snap.lineno - 1;
		nx->state_ok = 1;
	} else {
		log_debug("%s: read again from offset %llu: the guessed state "
			  "was not the one before it",
		    in->path, (unsigned long long)nx->start);
		pool_part_reset(p, nx);
	}
}

/*
 * Takes the next batch of input i, waiting for it to be read: valid
 * until the next call. The last batch of the input (end) carries its
 * totals.
 */
const struct pool_batch *
pool_next(struct pool *p, int i)
{
	struct pool_input *in = &p->in[i];
	struct pool_part  *pt;
	struct pool_batch *b;

	pthread_mutex_lock(&p->mu);
	pool_retire(p);
	pool_ask(p, in);
	for (;;) {
		pt = in->parts[in->cur];
		if ((b = pt->head) != NULL)
			break;
		if (pt->done && in->cur + 1 < in->nparts &&
		    !in->parts[in->cur + 1]->running)
			pool_advance(p, in);
		else
			pthread_cond_wait(&p->main_cv, &p->mu);
	}
	if ((pt->head = b->next) == NULL)
		pt->tail = NULL;
	pt->nbatches--;
	p->queued -= pool_batch_size(b);
	b->delta = pt->delta;
	if (b->end) {
		pool_count(in, pt);
		b->src = lane_source_const(in->parts[0]->lane);
		b->truncated = in->truncated;
		b->limit_hits = in->limit_hits;
		in->finished = 1;
	}
	p->taken = b;
	p->taken_in = i;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	return b;
}
