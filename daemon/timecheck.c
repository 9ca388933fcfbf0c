/*
 * timecheck: what replay decides and says when the times of its inputs
 * cannot all be right: an mtime in the future, a year no other input
 * shares, a last line whole hours off its file's mtime. It reads no file
 * and no clock: the pipeline passes the numbers in.
 */
#include <stdio.h>
#include <stdlib.h>

#include "source.h"
#include "timecheck.h"
#include "tstamp.h"
#include "tz.h"

#define HALF_HOUR 1800

/*
 * The year reference of an input (UTC seconds) and where it comes from:
 * the gzip header's mtime, else the file's, else the clock (now_s). An
 * mtime more than a day after the clock is not trusted: the clock is
 * taken, and *why says so.
 */
int64_t
timecheck_ref(
    int64_t now_s, int64_t gz_mtime, int64_t mtime, enum record_year_src *why)
{
	int64_t ref = gz_mtime > 0 ? gz_mtime : mtime;

	if (ref <= 0) {
		*why = RECORD_YEAR_CLOCK;
		return now_s;
	}
	if (ref > now_s + 86400) {
		*why = gz_mtime > 0 ? RECORD_YEAR_CLOCK_GZIP
				    : RECORD_YEAR_CLOCK_MTIME;
		return now_s;
	}
	*why = gz_mtime > 0 ? RECORD_YEAR_GZIP : RECORD_YEAR_MTIME;
	return ref;
}

/*
 * 1 if gap (seconds a source's times read ahead of the truth) is a whole
 * number of half hours, at least one, give or take three minutes, and
 * read_off (the offset the source was read with) plus it is a zone's
 * offset; *zone_off is then that offset.
 */
int
timecheck_zone_like(int64_t gap, int32_t read_off, int32_t *zone_off)
{
	int64_t k, off;

	k = (gap + (gap < 0 ? -HALF_HOUR / 2 : HALF_HOUR / 2)) / HALF_HOUR;
	if (k == 0 || llabs(gap - k * HALF_HOUR) > TIMECHECK_TOLERANCE_S)
		return 0;
	off = read_off + k * HALF_HOUR;
	if (off < TIMECHECK_OFFSET_MIN || off > TIMECHECK_OFFSET_MAX)
		return 0;
	*zone_off = (int32_t)off;
	return 1;
}

/* Writes an offset as people say it: "UTC", "UTC+1", "UTC-3:30". */
size_t
timecheck_zone_name(char *buf, size_t n, int32_t off)
{
	int32_t a = off < 0 ? -off : off;
	int     len;

	if (off == 0)
		len = snprintf(buf, n, "UTC");
	else if (a % 3600 == 0)
		len = snprintf(
		    buf, n, "UTC%c%d", off < 0 ? '-' : '+', (int)(a / 3600));
	else
		len = snprintf(buf, n, "UTC%c%d:%02d", off < 0 ? '-' : '+',
		    (int)(a / 3600), (int)(a / 60 % 60));
	return len < 0 ? 0 : (size_t)len;
}

/* Writes a whole number of half hours (rounded to them): "1 h 30 min". */
size_t
timecheck_duration(char *buf, size_t n, int64_t s)
{
	int64_t k = (llabs(s) + HALF_HOUR / 2) / HALF_HOUR;
	int     len;

	if (k / 2 == 0)
		len = snprintf(buf, n, "30 min");
	else if (k % 2 == 0)
		len = snprintf(buf, n, "%lld h", (long long)(k / 2));
	else
		len = snprintf(buf, n, "%lld h 30 min", (long long)(k / 2));
	return len < 0 ? 0 : (size_t)len;
}

/* 1 if a year-less input's years came from its reference time. */
static int
timecheck_guessed(const struct source_scan *s)
{
	enum record_year_src y = s->yearless_src;

	return s->yearless > 0 && s->full == 0 &&
	    (y == RECORD_YEAR_MTIME || y == RECORD_YEAR_GZIP ||
		y == RECORD_YEAR_CLOCK || y == RECORD_YEAR_ROLLOVER ||
		y == RECORD_YEAR_CLOCK_MTIME || y == RECORD_YEAR_CLOCK_GZIP);
}

/*
 * How far year-less stamp t read as of year y is from the nearest first
 * full date of the inputs other than i that write one.
 */
static int64_t
timecheck_distance(const struct source_scan *const *scans, int n, int i,
    const struct tstamp *t, int y)
{
	struct tstamp c = *t;
	int64_t       best = INT64_MAX, d;
	int           j;

	c.year = y;
	for (j = 0; j < n; j++) {
		if (j == i || scans[j] == NULL || scans[j]->full == 0)
			continue;
		d = llabs(tstamp_local_seconds(&c) - scans[j]->full_first);
		if (d < best)
			best = d;
	}
	return best;
}

/*
 * The year input i of a replay is to be read as when its lines carry no
 * year, that year came from its mtime (gzip, clock), and it is none of
 * the years the other inputs write: of those years, the one that puts its
 * first line nearest to a first full date of theirs. 0: leave it. *lo
 * and *hi are the years the others write.
 */
int
timecheck_sources_year(
    const struct source_scan *const *scans, int n, int i, int *lo, int *hi)
{
	const struct source_scan *s = scans[i], *o;
	int                       j, y = s->yearless_tm.year, best = 0;
	int                       others = 0;
	int64_t                   d, bd = INT64_MAX;

	if (!timecheck_guessed(s))
		return 0;
	for (j = 0; j < n; j++) {
		o = scans[j];
		if (j == i || o == NULL || o->full == 0)
			continue;
		if (y >= o->year_lo && y <= o->year_hi)
			return 0; /* one of them agrees */
		if (others++ == 0 || o->year_lo < *lo)
			*lo = o->year_lo;
		if (others == 1 || o->year_hi > *hi)
			*hi = o->year_hi;
	}
	for (y = *lo; others > 0 && y <= *hi && y <= *lo + 10; y++)
		if ((d = timecheck_distance(scans, n, i, &s->yearless_tm, y)) <
		    bd) {
			bd = d;
			best = y;
		}
	return best;
}

/*
 * Says whether a file's last line (last_ns, read with offset read_off,
 * no zone written in it) is a whole number of half hours off the time
 * the file was last written (mtime_s, what names it): 0 if not, else the
 * length of the sentence written to buf. A line after the mtime cannot
 * be; one before it can, if the file was copied or touched since.
 */
size_t
timecheck_last_line(char *buf, size_t n, const char *name, int64_t last_ns,
    int32_t read_off, int64_t mtime_s, const char *what)
{
	char    line[64], wrote[64], gap[32], zone[32], eg[64] = "";
	int64_t d = last_ns / TSTAMP_NS_PER_S - mtime_s;
	int32_t off;
	int     len;

	if (!timecheck_zone_like(d, read_off, &off))
		return 0;
	tstamp_format(line, sizeof(line), last_ns, 0, 0);
	tstamp_format(wrote, sizeof(wrote), mtime_s * TSTAMP_NS_PER_S, 0, 0);
	timecheck_duration(gap, sizeof(gap), d);
	timecheck_zone_name(zone, sizeof(zone), off);
	if (tz_example(off) != NULL && off != 0)
		snprintf(eg, sizeof(eg), " (e.g. %s)", tz_example(off));
	len = snprintf(buf, n,
	    "%s: its last line (%s) is %s %s the file was last written (%s, "
	    "its %s): is its zone %s%s%s? Set --source-tz",
	    name, line, gap, d > 0 ? "after" : "before", wrote, what, zone, eg,
	    d > 0 ? "" : ", or was the file copied or touched since");
	return len < 0 ? 0 : (size_t)len;
}
