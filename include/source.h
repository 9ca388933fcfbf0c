/*
 * source: one log input as the pipeline sees it: its name, zone and year
 * reference, its format detection state, and the per-line work of turning
 * a raw line into a record with a UTC timestamp (zone, year inference,
 * the fall-back hour, continuation lines). Reading bytes is in_file's job.
 */
#ifndef SOURCE_H
#define SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "parser.h"
#include "record.h"

struct tz;

#define SOURCE_MAX_FORMATS PARSER_MAX

struct source {
	char                *name; /* as shown in output */
	char                *path;
	int                  index;
	int                  group; /* first source of its rotation set */
	const struct tz     *tz;    /* zone for zone-less stamps */
	enum record_zone_src tz_src;
	int                  year_opt; /* --year, or 0 */
	int64_t              ref_s;    /* reference time for years */
	enum record_year_src ref_src;

	struct parser_state  pst;
	struct record        rec;
	size_t               scratch_size; /* of rec.scratch when needed */
	const struct parser *format;       /* of the current record */
	int                  continuation; /* current line is one */

	/* Running state. */
	int64_t              prev_utc_s;
	int                  prev_mon;
	int                  year_shift;
	int                  have_prev;
	int                  prev_bad; /* the last record's time was unusable */
	int64_t              prev_ts_ns;
	int32_t              prev_off;
	int                  prev_frac;
	enum record_zone_src prev_zsrc;
	enum record_year_src prev_ysrc;

	/* Counters. */
	uint64_t lineno;
	uint64_t lines;
	uint64_t matched;
	uint64_t no_ts;  /* no timestamp, no record */
	uint64_t bad_ts; /* a record whose time is unreadable or invalid */
	uint64_t continuations;
	uint64_t unknown_zone; /* abbreviation not understood */
	uint64_t truncated;
	uint64_t late; /* behind the merge window */
	uint64_t format_lines[SOURCE_MAX_FORMATS];
};

/*
 * What a source must know to go on reading a file from a line boundary
 * after a restart: the state the lines so far left behind (fall-back
 * hour, year, continuation parent, the last format and a W3C or Zeek
 * header). Plain data: it is written into the daemon's state file.
 */
struct source_snap {
	uint64_t          lineno;
	int64_t           prev_utc_s;
	int               prev_mon, year_shift, have_prev, prev_bad;
	int64_t           prev_ts_ns;
	int32_t           prev_off;
	int               prev_frac, prev_zsrc, prev_ysrc;
	int64_t           ref_s;
	char              format[24]; /* the last format's name, or "" */
	struct parser_hdr hdr;
};

void source_init(struct source *, const char *, const char *, int);
void source_free(struct source *);
void source_set_max_line(struct source *, size_t);
void source_release(struct source *);
void source_set_zone(struct source *, const struct tz *, enum record_zone_src);
void source_set_year(struct source *, int, int64_t, enum record_year_src);
struct record *source_line(struct source *, const char *, size_t);
const char    *source_format(const struct source *);
void           source_snapshot(const struct source *, struct source_snap *);
void           source_restore(struct source *, const struct source_snap *);
int  source_snap_same(const struct source_snap *, const struct source_snap *);
void source_add_counts(struct source *, const struct source *);
void source_rotation_key(const char *, char *, size_t);

#endif /* SOURCE_H */
