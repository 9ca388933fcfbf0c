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

/*
 * What reading a file saw of its stamps: full dates, stamps without a
 * year, stamps with a time of day only. A first read (a probe) hands it
 * to the real one (source_set_align), which then knows the first full
 * date ahead of a line, and replay compares the years of its inputs.
 */
struct source_scan {
	uint64_t             full;             /* records with a full date */
	int64_t              full_first;       /* local seconds of the first */
	int                  year_lo, year_hi; /* years of the full dates */
	uint64_t             yearless;     /* records whose year was inferred */
	struct tstamp        yearless_tm;  /* the first, its year as given */
	enum record_year_src yearless_src; /* where that year came from */
	uint64_t             partial;      /* records with a time of day only */
	int64_t partial_first, partial_last; /* local seconds they were given */
	int     partial_period; /* 86400 (no date) or 3600 (no hour either) */
	int     whole;          /* read to the end of the file */
};

struct source {
	char                *name; /* as shown in output */
	char                *path;
	int                  index;
	int                  group; /* first source of its rotation set */
	const struct tz     *tz;    /* zone for zone-less stamps */
	enum record_zone_src tz_src;
	int                  year_opt;     /* --year, or 0 */
	enum record_year_src year_opt_src; /* OPTION, or SOURCES (replay) */
	int64_t              ref_s;        /* reference time for years */
	enum record_year_src ref_src;
	int64_t              mtime_s; /* the file's (gzip header's) mtime */
	int                  align; /* complete stamps from the file's dates */
	struct source_scan   ahead; /* what a first read saw (align) */

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
	/* Dates of the file itself (align): the last full date, and the
	 * local time and date provenance of the last timed record. */
	int64_t              period; /* of the current record's stamp */
	int                  have_full, have_local;
	int64_t              full_local, prev_local;
	enum record_year_src prev_lysrc, prev_ldsrc;

	/* What was read, for the report and for a later read. */
	struct source_scan scan;
	int64_t            last_ts_ns; /* last timed record; INT64_MIN: none */
	int32_t            last_off;
	int                last_zoned; /* its zone was written in the line */
	int                last_dated; /* its date was written in the line */
	uint64_t           zoned, unzoned; /* timed records by zone written */

	/* Counters. */
	uint64_t lineno;
	uint64_t lines;
	uint64_t matched;
	uint64_t no_ts;  /* no timestamp, no record */
	uint64_t bad_ts; /* a record whose time is unreadable or invalid */
	uint64_t continuations;
	uint64_t unknown_zone; /* abbreviation not understood */
	uint64_t truncated;
	uint64_t late;     /* behind the merge window */
	uint64_t from_ref; /* years or dates taken from the reference time */
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

/*
 * The running state of alignment (source_set_align) that the next lines
 * follow: the file's last full date and the last timed record's local
 * time. Not in source_snap: the daemon does not align. Replay's threads
 * carry it from one part of a file to the next.
 */
struct source_carry {
	int     have_full, have_local;
	int64_t full_local, prev_local;
	int     prev_lysrc, prev_ldsrc;
};

void source_init(struct source *, const char *, const char *, int);
void source_free(struct source *);
void source_set_max_line(struct source *, size_t);
void source_release(struct source *);
void source_set_zone(struct source *, const struct tz *, enum record_zone_src);
void source_set_year(struct source *, int, int64_t, enum record_year_src);
void source_set_ref(struct source *, int64_t, enum record_year_src);
void source_set_year_sources(struct source *, int);
void source_set_align(struct source *, const struct source_scan *);
struct record *source_line(struct source *, const char *, size_t);
const char    *source_format(const struct source *);
void           source_snapshot(const struct source *, struct source_snap *);
void           source_restore(struct source *, const struct source_snap *);
int  source_snap_same(const struct source_snap *, const struct source_snap *);
void source_carry_get(const struct source *, struct source_carry *);
void source_carry_set(struct source *, const struct source_carry *);
int source_carry_same(const struct source_carry *, const struct source_carry *);
void source_add_counts(struct source *, const struct source *);
void source_rotation_key(const char *, char *, size_t);

#endif /* SOURCE_H */
