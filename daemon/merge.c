/*
 * merge: one min-heap of pending matches ordered by (time, the source's
 * arrival number, source) and an indexed min-heap of source watermarks.
 * The head is final when its time is at or before the lowest watermark.
 * Matches live in a pool that grows in chunks up to a bound; past it the
 * head is popped anyway (counted as forced): order may then suffer, but
 * nothing is dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "merge.h"
#include "xmalloc.h"

#define MERGE_CHUNK 256 /* matches per pool chunk */

/* A pending match and the source it came from. */
struct merge_item {
	struct match m;
	int          src;
};

struct merge_src {
	int64_t  wm;
	uint64_t seq; /* arrival number of the next push */
	uint64_t late;
	uint64_t pending; /* its matches in the heap */
	int      pos;     /* in the watermark heap */
	int      gone;    /* removed: reused once nothing is pending */
};

struct merge {
	size_t              max; /* pending matches before forced pops */
	struct merge_item **heap;
	size_t              n, cap;
	struct merge_item **freel; /* free pool items */
	size_t              nfree, capfree;
	void              **chunks;
	size_t              nchunks;
	struct merge_src   *src;
	int                *wheap; /* source indices by watermark */
	int                 nsrc, capsrc;
	int                *spare; /* removed sources with nothing pending */
	int                 nspare;
	int64_t             last; /* time of the last in-order pop */
	uint64_t            forced;
};

/* Creates a merge holding at most max pending matches before forcing. */
struct merge *
merge_new(size_t max)
{
	struct merge *m = xcalloc(1, sizeof(*m));

	m->max = max > 0 ? max : 1;
	m->last = INT64_MIN;
	return m;
}

/* Frees the merge and every pending match (NULL is fine). */
void
merge_free(struct merge *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nchunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
	free(m->heap);
	free(m->freel);
	free(m->src);
	free(m->wheap);
	free(m->spare);
	free(m);
}

/* 1 if pending item a goes before b. */
static int
merge_before(const struct merge_item *a, const struct merge_item *b)
{
	int c = match_cmp(&a->m, &b->m);

	return c != 0 ? c < 0 : a->src < b->src;
}

/* Restores the match heap upward from i. */
static void
merge_up(struct merge *m, size_t i)
{
	struct merge_item *x = m->heap[i];
	size_t             p;

	while (i > 0 && merge_before(x, m->heap[p = (i - 1) / 2])) {
		m->heap[i] = m->heap[p];
		i = p;
	}
	m->heap[i] = x;
}

/* Restores the match heap downward from i. */
static void
merge_down(struct merge *m, size_t i)
{
	struct merge_item *x = m->heap[i];
	size_t             c;

	while ((c = 2 * i + 1) < m->n) {
		if (c + 1 < m->n && merge_before(m->heap[c + 1], m->heap[c]))
			c++;
		if (!merge_before(m->heap[c], x))
			break;
		m->heap[i] = m->heap[c];
		i = c;
	}
	m->heap[i] = x;
}

/* Moves source heap entry at i to position j and records it. */
static void
merge_wset(struct merge *m, int j, int s)
{
	m->wheap[j] = s;
	m->src[s].pos = j;
}

/* Restores the watermark heap around position i. */
static void
merge_wfix(struct merge *m, int i)
{
	int s = m->wheap[i], p, c;

	while (i > 0 && m->src[s].wm < m->src[m->wheap[p = (i - 1) / 2]].wm) {
		merge_wset(m, i, m->wheap[p]);
		i = p;
	}
	while ((c = 2 * i + 1) < m->nsrc) {
		if (c + 1 < m->nsrc &&
		    m->src[m->wheap[c + 1]].wm < m->src[m->wheap[c]].wm)
			c++;
		if (m->src[m->wheap[c]].wm >= m->src[s].wm)
			break;
		merge_wset(m, i, m->wheap[c]);
		i = c;
	}
	merge_wset(m, i, s);
}

/*
 * Adds a source; returns its index. Its watermark starts at the lowest
 * time: nothing is popped until it says how far it has read.
 */
int
merge_source_add(struct merge *m)
{
	int s, pos;

	if (m->nspare > 0) {
		s = m->spare[--m->nspare];
		pos = m->src[s].pos; /* it stays in the heap */
		memset(&m->src[s], 0, sizeof(m->src[s]));
		m->src[s].pos = pos;
		m->src[s].wm = INT64_MIN;
		merge_wfix(m, pos);
		return s;
	}
	s = m->nsrc;
	if (m->nsrc == m->capsrc) {
		m->capsrc = m->capsrc ? m->capsrc * 2 : 16;
		m->src = xreallocarray(m->src, m->capsrc, sizeof(*m->src));
		m->wheap = xreallocarray(
		    m->wheap, m->capsrc, sizeof(*m->wheap));
		m->spare = xreallocarray(
		    m->spare, m->capsrc, sizeof(*m->spare));
	}
	memset(&m->src[s], 0, sizeof(m->src[s]));
	m->src[s].wm = INT64_MIN;
	m->nsrc++;
	merge_wset(m, s, s);
	merge_wfix(m, s);
	return s;
}

/*
 * Removes source s (a file rotated away and read to its end): it holds
 * nothing back, and its slot is reused once its matches are popped.
 */
void
merge_source_remove(struct merge *m, int s)
{
	merge_watermark(m, s, MERGE_DONE);
	m->src[s].gone = 1;
	if (m->src[s].pending == 0)
		m->spare[m->nspare++] = s;
}

/* The time of the oldest pending match, or INT64_MAX. */
int64_t
merge_oldest(const struct merge *m)
{
	return m->n > 0 ? m->heap[0]->m.ts_ns : INT64_MAX;
}

/* A free pool item, growing the pool by a chunk when it is empty. */
static struct merge_item *
merge_alloc(struct merge *m)
{
	struct merge_item *c;
	size_t             i;

	if (m->nfree == 0) {
		c = xcalloc(MERGE_CHUNK, sizeof(*c));
		m->chunks = xreallocarray(
		    m->chunks, m->nchunks + 1, sizeof(*m->chunks));
		m->chunks[m->nchunks++] = c;
		/* Room for every item of the pool on the free list. */
		m->capfree = m->nchunks * MERGE_CHUNK;
		m->freel = xreallocarray(
		    m->freel, m->capfree, sizeof(*m->freel));
		for (i = 0; i < MERGE_CHUNK; i++)
			m->freel[m->nfree++] = &c[MERGE_CHUNK - 1 - i];
	}
	return m->freel[--m->nfree];
}

/* Queues a copy of x from source s; its arrival number is set here. */
void
merge_push(struct merge *m, int s, const struct match *x)
{
	struct merge_item *it = merge_alloc(m);

	it->m = *x;
	it->m.seq = m->src[s].seq++;
	it->src = s;
	m->src[s].pending++;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->heap = xreallocarray(m->heap, m->cap, sizeof(*m->heap));
	}
	m->heap[m->n++] = it;
	merge_up(m, m->n - 1);
}

/*
 * Sets source s's watermark: it will push nothing older than w (what it
 * does push anyway is counted late). MERGE_DONE when it has ended.
 */
void
merge_watermark(struct merge *m, int s, int64_t w)
{
	m->src[s].wm = w;
	merge_wfix(m, m->src[s].pos);
}

/* Source s's watermark. */
int64_t
merge_watermark_of(const struct merge *m, int s)
{
	return m->src[s].wm;
}

/*
 * Pops the earliest pending match into *out (and its source into *src)
 * if it is final, or if more than the bound are pending: 1, else 0.
 */
int
merge_pop(struct merge *m, struct match *out, int *src)
{
	struct merge_item *it;
	int64_t            low;

	if (m->n == 0)
		return 0;
	it = m->heap[0];
	low = m->nsrc > 0 ? m->src[m->wheap[0]].wm : MERGE_DONE;
	if (it->m.ts_ns > low) {
		if (m->n <= m->max)
			return 0;
		m->forced++;
	}
	m->heap[0] = m->heap[--m->n];
	if (m->n > 0)
		merge_down(m, 0);
	*out = it->m;
	*src = it->src;
	if (--m->src[it->src].pending == 0 && m->src[it->src].gone)
		m->spare[m->nspare++] = it->src;
	if (it->m.ts_ns < m->last)
		m->src[it->src].late++;
	else
		m->last = it->m.ts_ns;
	m->freel[m->nfree++] = it;
	return 1;
}

/* The source with the lowest watermark that has not ended, or -1. */
int
merge_lowest(const struct merge *m)
{
	if (m->nsrc == 0 || m->src[m->wheap[0]].wm == MERGE_DONE)
		return -1;
	return m->wheap[0];
}

/* How many matches are pending. */
size_t
merge_pending(const struct merge *m)
{
	return m->n;
}

/* How many of source s's matches came after later ones had been popped. */
uint64_t
merge_late(const struct merge *m, int s)
{
	return m->src[s].late;
}

/* How many pops the bound forced before their time was final. */
uint64_t
merge_forced(const struct merge *m)
{
	return m->forced;
}
