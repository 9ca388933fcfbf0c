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

/* Sets the year option (0: none) and the reference time for inference. */
void
source_set_year(
    struct source *src, int year, int64_t ref_s, enum record_year_src why)
{
	src->year_opt = year;
	src->ref_s = ref_s;
	src->ref_src = why;
}

/*
 * Chooses the year of a year-less stamp. With --year, it is the year of
 * the file's first line and moves on at each December-to-January step.
 * Otherwise the reference time (gzip or file mtime, or now) is the
 * newest a line can be: a date after it belongs to the year before.
 */
static void
source_year(struct source *src, struct record *r)
{
	struct tstamp *t = &r->tm;
	int            ry, rm, rd;

	if (src->year_opt) {
		if (src->prev_mon >= 10 && t->mon <= 3)
			src->year_shift++;
		src->prev_mon = t->mon;
		t->year = src->year_opt + src->year_shift;
		r->year_src = src->year_shift ? RECORD_YEAR_ROLLOVER
					      : RECORD_YEAR_OPTION;
		return;
	}
	tstamp_civil_from_days(src->ref_s / 86400, &ry, &rm, &rd);
	t->year = ry;
	r->year_src = src->ref_src;
	if (t->mon > rm || (t->mon == rm && t->day > rd + 1)) {
		t->year = ry - 1;
		r->year_src = RECORD_YEAR_ROLLOVER;
	}
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
	int64_t        local, utc;
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
	if (t->year == 0)
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
	if (r->has_ts && source_resolve(src, r) == -1)
		r->has_ts = 0;
	if (r->has_ts) {
		src->prev_bad = 0;
		source_remember(src, r);
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

/*
 * Adds src's counters to dst's: one input read in pieces by several
 * sources reports as one.
 */
void
source_add_counts(struct source *dst, const struct source *src)
{
	int i;

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
