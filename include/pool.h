/*
 * pool: replay's worker threads. Inputs are read through their lanes in
 * threads, a chunk at a time and ahead of the merge; the main thread takes
 * each input's chunks in order, as batches of packed matches and of the
 * lines no rule matched, so what the merge and the unclassified signal
 * see is what one thread reading alone would give them. A large plain
 * file is cut at line boundaries into parts read at once. The pool knows
 * inputs, lanes and threads, not the merge, incidents or output.
 */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct lane;
struct match;
struct pool;
struct rule_set;
struct source;

/*
 * What reading one stretch of an input gave: the lines whose ends fall in
 * it. A chunk of the input is one batch, or several when parts of a file
 * meet inside it; chunk_done marks its last. Read-only outside pool.c;
 * valid until the next pool_next().
 */
struct pool_batch {
	struct pool_batch *next;
	char              *buf; /* entries: matches (packed) and lines */
	size_t             len, cap;
	int                nmatch;
	uint64_t           delta;  /* added to each match's line number */
	int64_t            max_ts; /* newest line time in it, or INT64_MIN */
	uint64_t           lines;
	int64_t            disk;        /* bytes of the file on disk read */
	int                chunk_done;  /* ends a chunk */
	int                end;         /* the input's last batch */
	int                open_failed; /* end: the input could not be opened */
	char              *error;       /* end: why reading stopped, or NULL */
	int               *limits;      /* rule (load order) of each regex that
				      gave up on a line at a PCRE2 limit */
	int                nlimits, caplimits;
	/* The last batch only: the input's totals. */
	const struct source *src;
	uint64_t             truncated, limit_hits;
};

/* The kinds of entries of a batch (pool_batch_next()). */
#define POOL_MATCH 1 /* a rule's match */
#define POOL_LINE  2 /* a timed line no rule matched */

/*
 * A timed line no rule matched, as the unclassified signal reads it:
 * what it takes of the record, and where the line was. host and msg
 * point into the batch.
 */
struct pool_line {
	int64_t     ts_ns;
	int32_t     utc_offset;
	int         frac_digits, ambiguous, severity;
	uint64_t    lineno, end_off;
	size_t      msg_len;
	const char *host, *msg;
};

/* What pool_map() runs: item i, with a buffer of the worker's. */
typedef void (*pool_map_fn)(void *, int, char *);
/* What pool_add() calls on each lane opened on an input, in a worker. */
typedef void (*pool_lane_fn)(void *, struct lane *);

struct pool *pool_new(const struct conf *, const struct rule_set *, int, int);
void         pool_free(struct pool *);
void         pool_map(struct pool *, int, pool_map_fn, void *);
int  pool_add(struct pool *, const char *, uint32_t, uint32_t, int64_t, int,
     pool_lane_fn, void *);
void pool_start(struct pool *);
const struct pool_batch *pool_next(struct pool *, int);
int                      pool_batch_next(
			 const struct pool_batch *, size_t *, struct match *, struct pool_line *);

#endif /* POOL_H */
