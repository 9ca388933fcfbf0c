/*
 * lane: one input's way through the per-line stages: bytes are framed into
 * lines (linebuf), each line is parsed and timed (source) and classified
 * (rule), and a classified, timed line becomes a match. Replay, the
 * daemon's tails and receivers, the fuzz target and the benchmark all
 * feed lanes; what happens to each line's result is the caller's, told
 * through one callback. A lane reads no clock and no file.
 */
#ifndef LANE_H
#define LANE_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

struct lane;
struct match;
struct record;
struct rule_hit;
struct rule_set;
struct source;
struct unclass;

/* What one line became. Pointers are valid only during the callback. */
struct lane_out {
	const struct record   *rec;
	const struct rule_hit *hit; /* NULL: no rule matched, or no rules */
	const struct match *m; /* NULL: no hit (nor unclassified), or no time */
	uint64_t            lineno;
	uint64_t            end_off; /* stream offset past the line */
	int limit_hit; /* a rule gave up on it at the PCRE2 match limit */
	int cut;       /* longer than the line bound: cut to it */
};

typedef void (*lane_cb)(struct lane *, const struct lane_out *, void *);

/*
 * A place to go on reading from after a restart: a line boundary, the
 * newest time of the lines before it, and the source's state there.
 */
struct lane_mark {
	uint64_t           offset;
	int64_t            max_ts; /* of every line before; INT64_MIN: none */
	struct source_snap snap;
};

struct lane         *lane_new(const char *, uint32_t, size_t);
void                 lane_free(struct lane *);
void                 lane_set_rules(struct lane *, struct rule_set *);
void                 lane_set_unclass(struct lane *, struct unclass *);
void                 lane_set_cb(struct lane *, lane_cb, void *);
void                 lane_set_group(struct lane *, uint32_t);
struct source       *lane_source(struct lane *);
const struct source *lane_source_const(const struct lane *);
uint32_t             lane_id(const struct lane *);
void                 lane_feed(struct lane *, const char *, size_t);
void                 lane_flush(struct lane *);
void                 lane_skip(struct lane *, uint64_t);
int                  lane_holding(const struct lane *);
void                 lane_line(struct lane *, const char *, size_t, uint64_t);
void                 lane_sleep(struct lane *);
void                 lane_mark(const struct lane *, struct lane_mark *);
void                 lane_restore(struct lane *, const struct lane_mark *);
uint64_t             lane_offset(const struct lane *);
uint64_t             lane_resume_offset(const struct lane *);
int64_t              lane_min_ts(const struct lane *);
int64_t              lane_max_ts(const struct lane *);
uint64_t             lane_truncated(const struct lane *);
uint64_t             lane_limit_hits(const struct lane *);

#endif /* LANE_H */
