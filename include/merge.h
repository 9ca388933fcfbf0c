/*
 * merge: puts the matches of many sources into one stream in event-time
 * order. Sources push matches as they read them and say how far they
 * have read (a watermark: no later push will be older than it, bar the
 * disorder the caller allows for). A match is popped once every live
 * source's watermark has passed it; a source that ended (or is idle)
 * holds nothing back. Push-driven: replay pushes everything, the daemon
 * pops from a timer; neither reads a clock here.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>
#include <stdint.h>

struct match;
struct merge;

#define MERGE_DONE INT64_MAX /* the watermark of a source that ended */

struct merge *merge_new(size_t);
void          merge_free(struct merge *);
int           merge_source_add(struct merge *);
void          merge_source_remove(struct merge *, int);
int64_t       merge_oldest(const struct merge *);
void          merge_push(struct merge *, int, const struct match *);
void          merge_watermark(struct merge *, int, int64_t);
int64_t       merge_watermark_of(const struct merge *, int);
int           merge_pop(struct merge *, struct match *, int *);
int           merge_lowest(const struct merge *);
size_t        merge_pending(const struct merge *);
uint64_t      merge_late(const struct merge *, int);
uint64_t      merge_forced(const struct merge *);

#endif /* MERGE_H */
