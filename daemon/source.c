/*
 * source: from raw line to timed record. Parsers report the time as
 * written; here it gets a zone (its own, the source's, or the default),
 * a year when the format has none, and becomes UTC. A line without a
 * timestamp after a timed one is a continuation of it (stack traces),
 * unless its parser saw a record whose time is unusable (ts_bad).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "log.h"
#include "source.h"
#include "tstamp.h"
#include "tz.h"
#include "xmalloc.h"

/* Prepares src for input named name (path is where it is read from). */
void
source_init(struct source *src, const char *name, const char *path, int index)
{
	memset(src, 0, sizeof(*src));
	src->name = xstrdup(name);
	src->path = xstrdup(path);
	src->index = index;
	src->group = index;
	src->tz = tz_local();
	src->tz_src = RECORD_ZONE_DEFAULT;
	src->prev_utc_s = INT64_MIN;
	src->last_ts_ns = INT64_MIN;
	src->scratch_size = LINEBUF_DEFAULT_MAX * 2;
}

/*
 * Sizes the record's scratch (unescaped text) for lines of max bytes:
 * a parser may need twice the line. Takes effect at the next line.
 */
void
source_set_max_line(struct source *src, size_t max)
{
	source_release(src);
	src->scratch_size = 2 * max + 256;
}

/* Frees the scratch until the next line needs it (a source at rest). */
void
source_release(struct source *src)
{
	free(src->rec.scratch);
	src->rec.scratch = NULL;
	src->rec.scratch_cap = 0;
}

/* Releases what source_init allocated. */
void
source_free(struct source *src)
{
	free(src->name);
	free(src->path);
	source_release(src);
	memset(src, 0, sizeof(*src));
}

/* Sets the zone for timestamps that carry none, and where it came from. */
void
source_set_zone(
    struct source *src, const struct tz *tz, enum record_zone_src why)
{
	src->tz = tz;
	src->tz_src = why;
}

/*
 * Sets the year option (0: none) and the reference time for inference
 * (0: none): the newest a line can be, and where it came from.
 */
void
source_set_year(
    struct source *src, int year, int64_t ref_s, enum record_year_src why)
{
	src->year_opt = year;
	src->year_opt_src = RECORD_YEAR_OPTION;
	src->ref_s = ref_s;
	src->ref_src = why;
}

/* Sets the reference time alone (a gzip header read late), 0: none. */
void
source_set_ref(struct source *src, int64_t ref_s, enum record_year_src why)
{
	src->ref_s = ref_s;
	src->ref_src = why;
}

/*
 * Reads the year-less stamps of the source as of year (that of its first
 * one, moving on at each December-to-January step), as the other inputs
 * of a replay say; the file's own full dates still win.
 */
void
source_set_year_sources(struct source *src, int year)
{
	src->year_opt = year;
	src->year_opt_src = RECORD_YEAR_SOURCES;
}

/*
 * Completes partial stamps from the file's own full dates: the nearest
 * one before a line, else the first ahead of it, which a first read of
 * the file saw (ahead, may be NULL); a time of day alone follows the
 * line before it. Replay and parse set it; the daemon reads lines as they
 * come and does not.
 */
void
source_set_align(struct source *src, const struct source_scan *ahead)
{
	src->align = 1;
	if (ahead != NULL)
		src->ahead = *ahead;
}

/* x modulo m, never negative. */
static int64_t
source_mod(int64_t x, int64_t m)
{
	int64_t r = x % m;

	return r < 0 ? r + m : r;
}

/*
 * The year, next to anchor's (local seconds), that puts the year-less
 * stamp t nearest to the anchor: "Jan  2" next to 2024-12-31 is 2025.
 */
static int
source_year_near(const struct tstamp *t, int64_t anchor)
{
	struct tstamp c = *t;
	int           y, m, d, best = 0;
	int64_t       dist, bd = INT64_MAX;

	tstamp_civil_from_days(
	    (anchor - source_mod(anchor, 86400)) / 86400, &y, &m, &d);
	for (c.year = y - 1; c.year <= y + 1; c.year++) {
		dist = llabs(tstamp_local_seconds(&c) - anchor);
		if (dist < bd) {
			bd = dist;
			best = c.year;
		}
	}
	return best;
}

/* The year of the reference time: its own, or the one before. */
static void
source_year_ref(struct source *src, struct record *r)
{
	struct tstamp *t = &r->tm;
	int            ry, rm, rd;

	tstamp_civil_from_days(src->ref_s / 86400, &ry, &rm, &rd);
	t->year = ry;
	r->year_src = src->ref_src;
	src->from_ref++;
	if (t->mon > rm || (t->mon == rm && t->day > rd + 1)) {
		t->year = ry - 1;
		r->year_src = RECORD_YEAR_ROLLOVER;
	}
}

/*
 * Chooses the year of a year-less stamp. With --year, it is the year of
 * the file's first line and moves on at each December-to-January step.
 * Otherwise, when aligned, the nearest full date of the file decides
 * (the last one before, else the first ahead); then the other inputs'
 * year (source_set_year_sources, as --year); last, the reference time
 * (gzip or file mtime, or now) is the newest a line can be: a date after
 * it belongs to the year before.
 */
static void
source_year(struct source *src, struct record *r)
{
	struct tstamp *t = &r->tm;

	if (src->year_opt &&
	    (src->year_opt_src == RECORD_YEAR_OPTION ||
		!(src->align && (src->have_full || src->ahead.full)))) {
		if (src->prev_mon >= 10 && t->mon <= 3)
			src->year_shift++;
		src->prev_mon = t->mon;
		t->year = src->year_opt + src->year_shift;
		r->year_src = src->year_shift ? RECORD_YEAR_ROLLOVER
					      : src->year_opt_src;
		return;
	}
	if (src->align && (src->have_full || src->ahead.full)) {
		t->year = source_year_near(t,
		    src->have_full ? src->full_local : src->ahead.full_first);
		r->year_src = RECORD_YEAR_ALIGNED;
		return;
	}
	source_year_ref(src, r);
}

/*
 * The period a partial stamp repeats with: 86400 for a time of day alone
 * (no date written), 3600 for minutes and seconds alone (hour < 0); 0
 * for a stamp with a date.
 */
static int64_t
source_period(const struct tstamp *t)
{
	if (t->year != 0 || t->mon != 0 || t->day != 0)
		return 0;
	return t->hour < 0 ? 3600 : 86400;
}

/* The first local time at or after lo that reads as phase v. */
static int64_t
source_at_or_after(int64_t lo, int64_t v, int64_t period)
{
	int64_t l = lo - source_mod(lo, period) + v;

	return l < lo ? l + period : l;
}

/* The reference time as local seconds in the source's zone. */
static int64_t
source_ref_local(const struct source *src)
{
	return src->ref_s + tz_offset_at(src->tz, src->ref_s);
}

/*
 * Gives a partial stamp its date (and hour) as local seconds: after the
 * line before it (back by a twenty-fourth of the period at most: lines
 * a little out of order, the repeated fall-back hour), else before the
 * first full date ahead, else so that the file's last partial stamp (a
 * first read saw it) or this one falls at the reference time at the
 * latest. -1 when there is nothing to take it from.
 */
static int
source_partial_local(
    struct source *src, struct record *r, int64_t period, int64_t v, int64_t *l)
{
	const struct source_scan *a = &src->ahead;
	int64_t                   slack = period / 24, last = v;
	int                       span;

	if (src->align && src->have_local) {
		*l = source_at_or_after(src->prev_local - slack, v, period);
		r->date_src = src->prev_ldsrc;
		r->year_src = src->prev_lysrc;
	} else if (src->align && a->full) {
		*l = source_at_or_after(
		    a->full_first + slack - period + 1, v, period);
		r->date_src = r->year_src = RECORD_YEAR_ALIGNED;
	} else if (src->ref_s == 0)
		return -1;
	else {
		span = src->align && a->partial && a->whole &&
		    a->partial_period == period &&
		    source_mod(a->partial_first, period) == v;
		if (span)
			last = source_mod(a->partial_last, period);
		*l = source_at_or_after(
		    source_ref_local(src) + slack - period + 1, last, period);
		if (span)
			*l -= a->partial_last - a->partial_first;
		r->date_src = r->year_src = src->ref_src;
	}
	return 0;
}

/*
 * Completes a stamp that has a time of day (or minutes) and no date:
 * fills in the date and hour; -1 (flagged) when there is nothing to take
 * them from.
 */
static int
source_complete(struct source *src, struct record *r, int64_t period)
{
	struct tstamp *t = &r->tm;
	int64_t        v, l;

	v = (period == 3600 ? 0 : t->hour * 3600) + t->min * 60 + t->sec;
	if (t->min < 0 || t->min > 59 || t->sec < 0 || t->sec > 60 ||
	    v >= period) {
		record_ts_bad(r, "invalid time");
		return -1;
	}
	if (source_partial_local(src, r, period, v, &l) == -1) {
		record_ts_bad(r, "time of day without a date");
		return -1;
	}
	tstamp_civil_from_days(
	    (l - source_mod(l, 86400)) / 86400, &t->year, &t->mon, &t->day);
	t->hour = (int)(source_mod(l, 86400) / 3600);
	return 0;
}

/* Applies a zone abbreviation; 0, or -1 when it is not understood. */
static int
source_abbr(struct source *src, struct record *r, int32_t *off)
{
	const struct tz *tz;
	int              rc;

	if ((rc = tz_abbr_offset(r->tm.abbr, src->tz, off)) == 1)
		return 0;
	/* Ambiguous: not the IANA file of the same name ("EST" is -05).
	 * Unknown: a zone already loaded, never a file opened per line. */
	if (rc == 0 && (tz = tz_get_loaded(r->tm.abbr)) != NULL) {
		r->zone_src = RECORD_ZONE_EXPLICIT;
		*off = tz_offset_at(tz, tstamp_local_seconds(&r->tm));
		return 0;
	}
	return -1;
}

/* Turns r->tm into r->ts_ns (UTC) with provenance; -1 if impossible. */
static int
source_resolve(struct source *src, struct record *r)
{
	struct tstamp *t = &r->tm;
	int64_t        local, utc, period;
	int32_t        off;
	int            flags = 0;

	if (t->zone == TSTAMP_ZONE_EPOCH) {
		r->ts_ns = t->epoch_ns;
		r->zone_src = RECORD_ZONE_EXPLICIT;
		r->year_src = RECORD_YEAR_EXPLICIT;
		r->utc_offset = tz_offset_at(
		    src->tz, r->ts_ns / TSTAMP_NS_PER_S);
		return 0;
	}
	if ((src->period = period = source_period(t)) != 0) {
		if (source_complete(src, r, period) == -1)
			return -1;
	} else if (t->year == 0)
		source_year(src, r);
	else
		r->year_src = RECORD_YEAR_EXPLICIT;
	if (!tstamp_valid(t)) {
		record_ts_bad(r, tstamp_problem(t));
		return -1;
	}
	local = tstamp_local_seconds(t);
	r->zone_src = RECORD_ZONE_EXPLICIT;
	if (t->zone == TSTAMP_ZONE_OFFSET)
		off = t->offset_s;
	else if (t->zone == TSTAMP_ZONE_ABBR && source_abbr(src, r, &off) == 0)
		;
	else {
		if (t->zone == TSTAMP_ZONE_ABBR) {
			src->unknown_zone++;
			r->abbr_unresolved = 1;
		}
		r->zone_src = src->tz_src;
		utc = tz_local_to_utc(src->tz, local, src->prev_utc_s, &flags);
		off = (int32_t)(local - utc);
		r->ambiguous = (flags & TZ_AMBIGUOUS) != 0;
	}
	utc = local - off;
	r->utc_offset = off;
	r->ts_ns = utc * TSTAMP_NS_PER_S + t->nsec;
	src->prev_utc_s = utc;
	return 0;
}

/*
 * Counts a record in s by the kind of its stamp (period: 0, or that of a
 * partial stamp) and keeps the first of each kind.
 */
static void
source_scan_add(struct source_scan *s, const struct record *r, int64_t local,
    int64_t period)
{
	if (period != 0) {
		if (s->partial++ == 0) {
			s->partial_first = local;
			s->partial_period = (int)period;
		}
		s->partial_last = local;
	} else if (r->year_src == RECORD_YEAR_EXPLICIT) {
		if (s->full++ == 0) {
			s->full_first = local;
			s->year_lo = s->year_hi = r->tm.year;
		}
		if (r->tm.year < s->year_lo)
			s->year_lo = r->tm.year;
		if (r->tm.year > s->year_hi)
			s->year_hi = r->tm.year;
	} else if (s->yearless++ == 0) {
		s->yearless_tm = r->tm;
		s->yearless_src = r->year_src;
	}
}

/*
 * Remembers what a timed record (not a continuation) tells: the stamps
 * seen, the dates later partial stamps follow, the last line's time.
 */
static void
source_note_time(struct source *src, const struct record *r)
{
	int64_t local = r->ts_ns / TSTAMP_NS_PER_S + r->utc_offset;

	source_scan_add(&src->scan, r, local, src->period);
	if (src->period != 0 &&
	    (r->date_src == src->ref_src || r->year_src == src->ref_src))
		src->from_ref++; /* dated from the reference, or after one */
	if (r->year_src == RECORD_YEAR_EXPLICIT &&
	    r->date_src == RECORD_YEAR_NONE) {
		src->have_full = 1;
		src->full_local = local;
	}
	src->have_local = 1;
	src->prev_local = local;
	src->prev_ldsrc = r->date_src != RECORD_YEAR_NONE ? r->date_src
							  : RECORD_YEAR_ALIGNED;
	src->prev_lysrc = r->year_src == RECORD_YEAR_EXPLICIT
	    ? RECORD_YEAR_ALIGNED
	    : r->year_src;
	src->last_ts_ns = r->ts_ns;
	src->last_off = r->utc_offset;
	src->last_zoned = r->zone_src == RECORD_ZONE_EXPLICIT;
	src->last_dated = r->date_src == RECORD_YEAR_NONE;
	if (src->last_zoned)
		src->zoned++;
	else
		src->unzoned++;
}

/* Makes r a continuation of the previous timed record of the source. */
static void
source_continue(struct source *src, struct record *r)
{
	r->ts_ns = src->prev_ts_ns;
	r->utc_offset = src->prev_off;
	r->tm.frac_digits = src->prev_frac;
	r->zone_src = src->prev_zsrc;
	r->year_src = src->prev_ysrc;
	src->continuation = 1;
	src->continuations++;
}

/* Remembers r as the record continuation lines attach to. */
static void
source_remember(struct source *src, const struct record *r)
{
	src->have_prev = 1;
	src->prev_ts_ns = r->ts_ns;
	src->prev_off = r->utc_offset;
	src->prev_frac = r->tm.frac_digits;
	src->prev_zsrc = r->zone_src;
	src->prev_ysrc = r->year_src;
}

/* Counts the format that read a line, for the source's dominant format. */
static void
source_count_format(struct source *src, const struct parser *p)
{
	const struct parser *const *all = parser_all();
	int                         i;

	for (i = 0; all[i] != NULL && i < SOURCE_MAX_FORMATS; i++)
		if (all[i] == p) {
			src->format_lines[i]++;
			return;
		}
}

/*
 * Parses and times one line. The record returned lives in src and is
 * valid until the next call; r->has_ts says whether it has a time (its
 * own, or for a continuation line its record's).
 */
struct record *
source_line(struct source *src, const char *line, size_t len)
{
	struct record *r = &src->rec;

	if (r->scratch == NULL) {
		r->scratch = xmalloc(src->scratch_size);
		r->scratch_cap = src->scratch_size;
	}
	src->lineno++;
	src->lines++;
	src->continuation = 0;
	r->line = line;
	r->len = len;
	src->format = parser_detect(&src->pst, r);
	if (src->format != NULL)
		source_count_format(src, src->format);
	src->period = 0;
	if (r->has_ts && source_resolve(src, r) == -1)
		r->has_ts = 0;
	if (r->has_ts) {
		src->prev_bad = 0;
		source_remember(src, r);
		source_note_time(src, r);
		return r;
	}
	if (r->ts_bad) {
		/* a record of its own: never glued to the line before */
		src->bad_ts++;
		src->prev_bad = 1;
		return r;
	}
	if (src->prev_bad) {
		/* belongs to that untimed record, so it has no time either */
		src->continuation = 1;
		src->continuations++;
		return r;
	}
	if (src->have_prev) {
		source_continue(src, r);
		r->has_ts = 1;
	} else
		src->no_ts++;
	return r;
}

/* Copies the running state a resumed read needs into snap. */
void
source_snapshot(const struct source *src, struct source_snap *snap)
{
	memset(snap, 0, sizeof(*snap));
	snap->lineno = src->lineno;
	snap->prev_utc_s = src->prev_utc_s;
	snap->prev_mon = src->prev_mon;
	snap->year_shift = src->year_shift;
	snap->have_prev = src->have_prev;
	snap->prev_bad = src->prev_bad;
	snap->prev_ts_ns = src->prev_ts_ns;
	snap->prev_off = src->prev_off;
	snap->prev_frac = src->prev_frac;
	snap->prev_zsrc = (int)src->prev_zsrc;
	snap->prev_ysrc = (int)src->prev_ysrc;
	snap->ref_s = src->ref_s;
	if (src->pst.last != NULL)
		snprintf(snap->format, sizeof(snap->format), "%s",
		    src->pst.last->name);
	snap->hdr = src->pst.hdr;
}

/* Puts a snapshot's running state back (counters stay as they are). */
void
source_restore(struct source *src, const struct source_snap *snap)
{
	src->lineno = snap->lineno;
	src->prev_utc_s = snap->prev_utc_s;
	src->prev_mon = snap->prev_mon;
	src->year_shift = snap->year_shift;
	src->have_prev = snap->have_prev;
	src->prev_bad = snap->prev_bad;
	src->prev_ts_ns = snap->prev_ts_ns;
	src->prev_off = snap->prev_off;
	src->prev_frac = snap->prev_frac;
	src->prev_zsrc = (enum record_zone_src)snap->prev_zsrc;
	src->prev_ysrc = (enum record_year_src)snap->prev_ysrc;
	if (snap->ref_s != 0)
		src->ref_s = snap->ref_s;
	src->pst.last = snap->format[0] ? parser_find(snap->format) : NULL;
	src->pst.hdr = snap->hdr;
}

/* 1 if two timestamps as written are the same, else 0. */
static int
source_tstamp_same(const struct tstamp *a, const struct tstamp *b)
{
	return a->year == b->year && a->mon == b->mon && a->day == b->day &&
	    a->hour == b->hour && a->min == b->min && a->sec == b->sec &&
	    a->nsec == b->nsec && a->frac_digits == b->frac_digits &&
	    a->zone == b->zone && a->offset_s == b->offset_s &&
	    strncmp(a->abbr, b->abbr, sizeof(a->abbr)) == 0 &&
	    a->epoch_ns == b->epoch_ns;
}

/* 1 if two header states (W3C, Zeek) read lines alike, else 0. */
static int
source_hdr_same(const struct parser_hdr *a, const struct parser_hdr *b)
{
	size_t n = (size_t)a->ncols;

	if (a->kind != b->kind || a->ncols != b->ncols ||
	    a->names_len != b->names_len || a->has_date != b->has_date ||
	    a->offset_s != b->offset_s || a->has_offset != b->has_offset ||
	    a->sep != b->sep || n > PARSER_HDR_COLS ||
	    a->names_len > PARSER_HDR_NAMES)
		return 0;
	return memcmp(a->col, b->col, sizeof(a->col)) == 0 &&
	    memcmp(a->name_off, b->name_off, n * sizeof(a->name_off[0])) == 0 &&
	    memcmp(a->name_len, b->name_len, n * sizeof(a->name_len[0])) == 0 &&
	    memcmp(a->names, b->names, a->names_len) == 0 &&
	    source_tstamp_same(&a->date, &b->date);
}

/*
 * 1 if two snapshots hold the same running state, line numbers aside:
 * lines read from either go on the same way (replay's threads check a
 * guessed state so before using what was read from it), else 0.
 */
int
source_snap_same(const struct source_snap *a, const struct source_snap *b)
{
	return a->prev_utc_s == b->prev_utc_s && a->prev_mon == b->prev_mon &&
	    a->year_shift == b->year_shift && a->have_prev == b->have_prev &&
	    a->prev_bad == b->prev_bad && a->prev_ts_ns == b->prev_ts_ns &&
	    a->prev_off == b->prev_off && a->prev_frac == b->prev_frac &&
	    a->prev_zsrc == b->prev_zsrc && a->prev_ysrc == b->prev_ysrc &&
	    a->ref_s == b->ref_s &&
	    strncmp(a->format, b->format, sizeof(a->format)) == 0 &&
	    source_hdr_same(&a->hdr, &b->hdr);
}

/* Copies the alignment state of src into c. */
void
source_carry_get(const struct source *src, struct source_carry *c)
{
	memset(c, 0, sizeof(*c));
	c->have_full = src->have_full;
	c->have_local = src->have_local;
	c->full_local = src->full_local;
	c->prev_local = src->prev_local;
	c->prev_lysrc = (int)src->prev_lysrc;
	c->prev_ldsrc = (int)src->prev_ldsrc;
}

/* Sets the alignment state of src from c. */
void
source_carry_set(struct source *src, const struct source_carry *c)
{
	src->have_full = c->have_full;
	src->have_local = c->have_local;
	src->full_local = c->full_local;
	src->prev_local = c->prev_local;
	src->prev_lysrc = (enum record_year_src)c->prev_lysrc;
	src->prev_ldsrc = (enum record_year_src)c->prev_ldsrc;
}

/* 1 if two alignment states date the next lines alike, else 0. */
int
source_carry_same(const struct source_carry *a, const struct source_carry *b)
{
	return a->have_full == b->have_full && a->have_local == b->have_local &&
	    (!a->have_full || a->full_local == b->full_local) &&
	    (!a->have_local ||
		(a->prev_local == b->prev_local &&
		    a->prev_lysrc == b->prev_lysrc &&
		    a->prev_ldsrc == b->prev_ldsrc));
}

/*
 * Adds src's counters to dst's: one input read in pieces by several
 * sources, in order, reports as one (the last timed line is src's when
 * it has one).
 */
void
source_add_counts(struct source *dst, const struct source *src)
{
	int i;

	dst->from_ref += src->from_ref;
	dst->zoned += src->zoned;
	dst->unzoned += src->unzoned;
	if (src->last_ts_ns != INT64_MIN) {
		dst->last_ts_ns = src->last_ts_ns;
		dst->last_off = src->last_off;
		dst->last_zoned = src->last_zoned;
		dst->last_dated = src->last_dated;
	}
	dst->lines += src->lines;
	dst->matched += src->matched;
	dst->no_ts += src->no_ts;
	dst->bad_ts += src->bad_ts;
	dst->continuations += src->continuations;
	dst->unknown_zone += src->unknown_zone;
	dst->truncated += src->truncated;
	dst->late += src->late;
	for (i = 0; i < SOURCE_MAX_FORMATS; i++)
		dst->format_lines[i] += src->format_lines[i];
}

/* The format that read most of the source's lines, or "unknown". */
const char *
source_format(const struct source *src)
{
	const struct parser *const *all = parser_all();
	uint64_t                    best = 0;
	int                         i, bi = -1;

	for (i = 0; all[i] != NULL && i < SOURCE_MAX_FORMATS; i++)
		if (src->format_lines[i] > best) {
			best = src->format_lines[i];
			bi = i;
		}
	return bi < 0 ? "unknown" : all[bi]->name;
}

/*
 * Strips a rotation suffix: a separator from seps, then digits (dashes
 * too when dates are allowed), with at least min digits. The length of
 * what remains, or n when there is no such suffix.
 */
static size_t
source_strip_digits(const char *s, size_t n, size_t min, const char *seps)
{
	size_t k = n, digits = 0;
	int    dates = min >= 8;

	while (k > 0 &&
	    ((s[k - 1] >= '0' && s[k - 1] <= '9') ||
		(dates && s[k - 1] == '-'))) {
		digits += s[k - 1] != '-';
		k--;
	}
	while (k < n && s[k] == '-') /* the run's first dash separates */
		k++;
	if (digits < min || k < 2 || strchr(seps, s[k - 1]) == NULL)
		return n;
	return k - 1;
}

/*
 * The name of a file's rotation set: the path without a compression
 * suffix and a rotation number or date ("app.log.1.gz", "app.log.2",
 * "app.log-20240315.gz" and "app.log" share "app.log"), so runs that
 * cross a rotation stay one timeline entry.
 */
void
source_rotation_key(const char *path, char *out, size_t size)
{
	static const char *const z[] = {".gz", ".bz2", ".xz", ".zst", NULL};
	size_t                   n = strlen(path), k;
	int                      i;

	for (i = 0; z[i] != NULL; i++) {
		k = strlen(z[i]);
		if (n > k && strcmp(path + n - k, z[i]) == 0) {
			n -= k;
			break;
		}
	}
	n = source_strip_digits(path, n, 1, ".");
	n = source_strip_digits(path, n, 8, ".-_");
	snprintf(out, size, "%.*s", (int)n, path);
}
