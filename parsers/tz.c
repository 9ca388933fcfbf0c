/*
 * tz: time zones read straight from TZif files (RFC 8536), including the
 * POSIX TZ string footer that slim files rely on for recent and future
 * years, plus fixed offsets and the abbreviations logs are written with.
 * Zones live in one process-wide cache until tz_cache_free(). It never
 * touches tzset() or libc zone state, and it does not parse timestamps.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "tstamp.h"
#include "tz.h"
#include "xmalloc.h"

#define TZ_ABBR_MAX   16           /* abbreviation buffer, with its NUL */
#define TZ_FILE_MAX   (256 * 1024) /* real TZif files are under 4 KiB */
#define TZ_NAME_MAX   255
#define TZ_UTOFF_MIN  (-89999) /* RFC 8536 limits on utoff */
#define TZ_UTOFF_MAX  93599
#define TZ_FOOTER_MAX 128
#define TZ_BAD_MAX    128 /* unknown names remembered */
#define TZ_DAY        86400
#define TZ_T_LIMIT    ((int64_t)1 << 59) /* keeps date math in range */
#define TZ_DIR        "/usr/share/zoneinfo"
#define TZ_NAME_CHARS                                                          \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"                 \
	"0123456789/_+-."
#define TZ_DIGITS "0123456789"

/* One local time type: offset east of UTC, DST flag and abbreviation. */
struct tz_type {
	int32_t off;
	int     isdst;
	char    abbr[TZ_ABBR_MAX];
};

/* A POSIX rule date (Jn, n or Mm.w.d) and the local time of day it names. */
struct tz_date {
	char    kind; /* 'J', 'N' or 'M' */
	int     n, m, w, d;
	int32_t secs;
};

/* A POSIX TZ string: the rule in force after the last transition. */
struct tz_rule {
	int            has_dst;
	struct tz_type std, dst;
	struct tz_date start, end;
};

struct tz {
	char           *name;
	int64_t        *trans; /* transition instants, ascending */
	uint8_t        *idx;   /* type in force from trans[i] */
	size_t          ntrans;
	struct tz_type *types;
	size_t          ntypes;
	int             has_rule;
	struct tz_rule  rule;
	int             keyed; /* found by name by tz_get() */
	struct tz      *next;
};

/* The counts of one TZif header. */
struct tz_hdr {
	int      version;
	uint32_t isut, isstd, leap, time, type, chr;
};

/* A bounds-checked cursor over a TZif file in memory. */
struct tz_rd {
	const uint8_t *p;
	size_t         len;
	size_t         off;
};

/*
 * An abbreviation people write, with its offset in minutes, or
 * TZ_ABBR_AMBIGUOUS when it names several offsets and only a hint zone
 * that uses it decides.
 */
struct tz_abbr {
	const char *abbr;
	int         min;
};

#define TZ_ABBR_AMBIGUOUS INT_MIN

/*
 * The one table of abbreviations: what tz_abbr_offset() resolves and what
 * the parsers trust after a stamp (tz_abbr_known()), so the two cannot
 * disagree. A name that names several offsets in current or recent tzdata,
 * or in wide use, is TZ_ABBR_AMBIGUOUS: only a hint zone that uses it
 * decides, else the caller reads the stamp in its own zone and flags it.
 */
static const struct tz_abbr tz_abbrs[] = {
    {"WAT", 60},
    {"WAST", TZ_ABBR_AMBIGUOUS}, /* +02 Namibia, +09 W. Australia */
    {"CAT", 120},
    {"EAT", 180},
    {"SAST", 120},
    {"CET", 60},
    {"CEST", 120},
    {"MET", 60},
    {"MEST", 120},
    {"MEZ", 60},
    {"MESZ", 120},
    {"EET", 120},
    {"EEST", 180},
    {"WET", 0},
    {"WEST", 60},
    {"BST", TZ_ABBR_AMBIGUOUS}, /* +01 British, +06 Bangladesh */
    {"IST", TZ_ABBR_AMBIGUOUS}, /* +05:30 India, +02 Israel, +01 Irish */
    {"MSK", 180},
    {"PST", TZ_ABBR_AMBIGUOUS}, /* -08 Pacific, +08 Philippines */
    {"PDT", -420},
    {"MST", -420},
    {"MDT", -360},
    {"CST", TZ_ABBR_AMBIGUOUS}, /* -06 Central, +08 China, -05 Cuba */
    {"CDT", TZ_ABBR_AMBIGUOUS}, /* -05 Central, -04 Cuba */
    {"EST", -300},
    {"EDT", -240},
    {"AKST", -540},
    {"AKDT", -480},
    {"HST", -600},
    {"AST", TZ_ABBR_AMBIGUOUS}, /* -04 Atlantic, +03 Arabia */
    {"ADT", TZ_ABBR_AMBIGUOUS}, /* -03 Atlantic, +04 Arabia */
    {"SST", TZ_ABBR_AMBIGUOUS}, /* -11 Samoa, +08 Singapore */
    {"NST", -210},
    {"NDT", -150},
    {"JST", 540},
    {"KST", 540},
    {"HKT", 480},
    {"SGT", 480},
    {"AWST", 480},
    {"ACST", 570},
    {"ACDT", 630},
    {"AEST", 600},
    {"AEDT", 660},
    {"NZST", 720},
    {"NZDT", 780},
    {"PKT", 300},
    {"NPT", 345},
    {"ICT", 420},
    {"WIB", 420},
    {"PHT", 480},
    {"BRT", -180},
    {"ART", -180},
};

/*
 * A zone with each whole or half hour offset and no daylight saving time
 * today, to name in a hint ("is its zone UTC+1 (e.g. Africa/Lagos)?"),
 * by offset in minutes.
 */
static const struct {
	int         min;
	const char *zone;
} tz_examples[] = {
    {-660, "Pacific/Pago_Pago"},
    {-600, "Pacific/Honolulu"},
    {-570, "Pacific/Marquesas"},
    {-540, "Pacific/Gambier"},
    {-480, "Pacific/Pitcairn"},
    {-420, "America/Phoenix"},
    {-360, "America/Guatemala"},
    {-300, "America/Bogota"},
    {-240, "America/La_Paz"},
    {-180, "America/Argentina/Buenos_Aires"},
    {-120, "America/Noronha"},
    {-60, "Atlantic/Cape_Verde"},
    {0, "UTC"},
    {60, "Africa/Lagos"},
    {120, "Africa/Johannesburg"},
    {180, "Africa/Nairobi"},
    {210, "Asia/Tehran"},
    {240, "Asia/Dubai"},
    {270, "Asia/Kabul"},
    {300, "Asia/Karachi"},
    {330, "Asia/Kolkata"},
    {360, "Asia/Dhaka"},
    {390, "Asia/Yangon"},
    {420, "Asia/Bangkok"},
    {480, "Asia/Singapore"},
    {540, "Asia/Tokyo"},
    {570, "Australia/Darwin"},
    {600, "Australia/Brisbane"},
    {660, "Pacific/Guadalcanal"},
    {720, "Pacific/Tarawa"},
    {780, "Pacific/Fakaofo"},
    {840, "Pacific/Kiritimati"},
};

/* A zone named as an example of the offset (seconds east), or NULL. */
const char *
tz_example(int32_t offset_s)
{
	size_t i;

	for (i = 0; i < sizeof(tz_examples) / sizeof(tz_examples[0]); i++)
		if (tz_examples[i].min * 60 == offset_s)
			return tz_examples[i].zone;
	return NULL;
}

/*
 * The process-wide cache. Zones are immutable once loaded, so handing out
 * const pointers is safe; the cache itself is changed under tz_lock
 * (replay's worker threads read lines, and so zones, in parallel).
 */
static struct {
	struct tz       *head;
	char            *bad[TZ_BAD_MAX];
	size_t           nbad;
	const struct tz *local;
	char            *dir, *env; /* TZDIR and TZ, from tz_init() */
} tz_cache;

/* Held by every public function that reads or changes the cache. */
static pthread_mutex_t tz_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/* Returns the days from 1970-01-01 to the given civil date (proleptic). */
static int64_t
tz_days(int64_t y, int m, int d)
{
	return tstamp_days_from_civil((int)y, m, d);
}

/* Returns the civil year of the day that local second t falls on. */
static int64_t
tz_year(int64_t t)
{
	int y, m, d;

	tstamp_civil_from_days(
	    t >= 0 ? t / TZ_DAY : -((-t + TZ_DAY - 1) / TZ_DAY), &y, &m, &d);
	return y;
}

/* Returns the weekday (0 = Sunday) of a day counted from 1970-01-01. */
static int
tz_wday(int64_t days)
{
	return (int)((days % 7 + 7 + 4) % 7);
}

/* Returns the day (from 1970-01-01) an Mm.w.d rule date names in year y. */
static int64_t
tz_mwd_day(const struct tz_date *d, int64_t y)
{
	int64_t first;
	int     mday;

	first = tz_days(y, d->m, 1);
	mday = 1 + (d->d - tz_wday(first) + 7) % 7 + (d->w - 1) * 7;
	if (mday > tstamp_days_in_month((int)y, d->m))
		mday -= 7; /* week 5 means the last such weekday */
	return first + mday - 1;
}

/* Returns the local wall-clock second a rule date names in year y. */
static int64_t
tz_date_when(const struct tz_date *d, int64_t y)
{
	int64_t days;

	switch (d->kind) {
	case 'J': /* 1-365, February 29 never counted */
		days = tz_days(y, 1, 1) + d->n - 1 +
		    (tstamp_days_in_month((int)y, 2) == 29 && d->n >= 60);
		break;
	case 'N': /* 0-365, February 29 counted */
		days = tz_days(y, 1, 1) + d->n;
		break;
	default: days = tz_mwd_day(d, y); break;
	}
	return days * TZ_DAY + d->secs;
}

/* Returns the type a POSIX rule puts in force at UTC instant t. */
static const struct tz_type *
tz_rule_type(const struct tz_rule *r, int64_t t)
{
	int64_t y, start, end;

	if (!r->has_dst)
		return &r->std;
	y = tz_year(t + r->std.off);
	/* DST starts on standard wall time and ends on DST wall time. */
	start = tz_date_when(&r->start, y) - r->std.off;
	end = tz_date_when(&r->end, y) - r->dst.off;
	if (start < end)
		return t >= start && t < end ? &r->dst : &r->std;
	/* Southern hemisphere (or negative DST): DST spans the new year. */
	return t >= end && t < start ? &r->std : &r->dst;
}

/* Returns the type in force at UTC instant t. */
static const struct tz_type *
tz_type_at(const struct tz *tz, int64_t t)
{
	size_t lo, hi, mid, n = tz->ntrans;

	if (t > TZ_T_LIMIT)
		t = TZ_T_LIMIT;
	if (t < -TZ_T_LIMIT)
		t = -TZ_T_LIMIT;
	if (tz->has_rule && (n == 0 || t > tz->trans[n - 1]))
		return tz_rule_type(&tz->rule, t);
	if (n == 0 || t < tz->trans[0])
		return &tz->types[0]; /* RFC 8536: type 0 before the first */
	lo = 0;
	hi = n;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &tz->types[tz->idx[lo]];
}

/* Returns the value of n decimal digits at s (n is at most 4). */
static int
tz_digits(const char *s, size_t n)
{
	int    v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * Parses a signed "hh", "hhmm", "hh:mm" offset filling the whole string;
 * loose also takes one-digit hours and "hmm" as people write after "GMT".
 */
static int
tz_parse_hm(const char *s, int loose, int32_t *offset_s)
{
	int    sign, h, m = 0;
	size_t n;

	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	n = strspn(s, TZ_DIGITS);
	if (n == 0 || n > 4 || (!loose && n != 2 && n != 4))
		return -1;
	if (n > 2) {
		h = tz_digits(s, n - 2);
		m = tz_digits(s + n - 2, 2);
	} else if (s[n] == ':') {
		if (strspn(s + n + 1, TZ_DIGITS) != 2)
			return -1;
		h = tz_digits(s, n);
		m = tz_digits(s + n + 1, 2);
		n += 3;
	} else
		h = tz_digits(s, n);
	if (s[n] != '\0' || m > 59 || h > 14 || (h == 14 && m > 0))
		return -1;
	*offset_s = sign * (h * 3600 + m * 60);
	return 0;
}

/*
 * Parses a whole "+01:00", "-0530", "+05", "+0545" or "Z" into seconds east
 * of UTC; returns 0, or -1 if malformed or beyond +-14:00.
 */
int
tz_parse_offset(const char *s, int32_t *offset_s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
		*offset_s = 0;
		return 0;
	}
	return tz_parse_hm(s, 0, offset_s);
}

/* Parses "GMT+3", "UTC-05:30", "GMT-0330" as people mean them (east +). */
static int
tz_parse_human(const char *s, int32_t *offset_s)
{
	if (strncasecmp(s, "GMT", 3) != 0 && strncasecmp(s, "UTC", 3) != 0)
		return -1;
	return tz_parse_hm(s + 3, 1, offset_s);
}

/* Returns whether s names UTC itself: "Z", "UTC" or "GMT" in any case. */
static int
tz_is_utc(const char *s)
{
	return strcasecmp(s, "Z") == 0 || strcasecmp(s, "UTC") == 0 ||
	    strcasecmp(s, "GMT") == 0;
}

/* Parses a POSIX number of at most 4 digits within [lo, hi]. */
static int
tz_posix_num(const char **sp, int lo, int hi, int *v)
{
	size_t n;

	n = strspn(*sp, TZ_DIGITS);
	if (n == 0 || n > 4)
		return -1;
	*v = tz_digits(*sp, n);
	*sp += n;
	return *v >= lo && *v <= hi ? 0 : -1;
}

/* Parses a POSIX [+-]hh[:mm[:ss]] with hours up to maxh into seconds. */
static int
tz_posix_hms(const char **sp, int maxh, int32_t *secs)
{
	int sign = 1, h, m = 0, s = 0;

	if (**sp == '+' || **sp == '-')
		sign = *(*sp)++ == '-' ? -1 : 1;
	if (tz_posix_num(sp, 0, maxh, &h) == -1)
		return -1;
	if (**sp == ':') {
		(*sp)++;
		if (tz_posix_num(sp, 0, 59, &m) == -1)
			return -1;
		if (**sp == ':') {
			(*sp)++;
			if (tz_posix_num(sp, 0, 59, &s) == -1)
				return -1;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + s);
	return 0;
}

/* Parses a POSIX zone abbreviation, alphabetic or "<+0545>"-quoted. */
static int
tz_posix_abbr(const char **sp, char *out)
{
	const char *s = *sp;
	size_t      n;

	if (*s == '<') {
		s++;
		n = strspn(s,
		    TZ_DIGITS "+-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "abcdefghijklmnopqrstuvwxyz");
		if (s[n] != '>')
			return -1;
		*sp = s + n + 1;
	} else {
		n = strspn(s,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz");
		*sp = s + n;
	}
	if (n < 3 || n >= TZ_ABBR_MAX)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Parses the "m.w.d" after an 'M': month, week 1-5 (5 = last), weekday. */
static int
tz_posix_mwd(const char **sp, struct tz_date *d)
{
	if (tz_posix_num(sp, 1, 12, &d->m) == -1 || **sp != '.')
		return -1;
	(*sp)++;
	if (tz_posix_num(sp, 1, 5, &d->w) == -1 || **sp != '.')
		return -1;
	(*sp)++;
	return tz_posix_num(sp, 0, 6, &d->d);
}

/* Parses a POSIX rule date, "Jn", "n" or "Mm.w.d", with optional "/time". */
static int
tz_posix_date(const char **sp, struct tz_date *d)
{
	int rc;

	d->kind = **sp == 'J' || **sp == 'M' ? *(*sp)++ : 'N';
	if (d->kind == 'J')
		rc = tz_posix_num(sp, 1, 365, &d->n);
	else if (d->kind == 'N')
		rc = tz_posix_num(sp, 0, 365, &d->n);
	else
		rc = tz_posix_mwd(sp, d);
	if (rc == -1)
		return -1;
	d->secs = 2 * 3600;
	if (**sp != '/')
		return 0;
	(*sp)++;
	return tz_posix_hms(sp, 167, &d->secs); /* RFC 8536 extension */
}

/* Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3". */
static int
tz_posix_parse(const char *s, struct tz_rule *r)
{
	int32_t secs;

	memset(r, 0, sizeof(*r));
	if (tz_posix_abbr(&s, r->std.abbr) == -1 ||
	    tz_posix_hms(&s, 24, &secs) == -1)
		return -1;
	r->std.off = -secs; /* POSIX counts hours west */
	if (*s == '\0')
		return 0;
	if (tz_posix_abbr(&s, r->dst.abbr) == -1)
		return -1;
	r->has_dst = r->dst.isdst = 1;
	r->dst.off = r->std.off + 3600;
	if (*s != ',' && *s != '\0') {
		if (tz_posix_hms(&s, 24, &secs) == -1)
			return -1;
		r->dst.off = -secs;
	}
	if (*s == '\0')
		s = ",M3.2.0,M11.1.0"; /* POSIX leaves it open; US rules */
	if (*s++ != ',' || tz_posix_date(&s, &r->start) == -1 || *s++ != ',' ||
	    tz_posix_date(&s, &r->end) == -1)
		return -1;
	return *s == '\0' ? 0 : -1;
}

/* Returns the big-endian unsigned value of n bytes at p. */
static uint64_t
tz_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t   i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Returns a two's complement 32-bit big-endian value as signed. */
static int64_t
tz_be32s(const uint8_t *p)
{
	int64_t v = (int64_t)tz_be(p, 4);

	return v >= 0x80000000LL ? v - 0x100000000LL : v;
}

/* Returns a two's complement 64-bit big-endian value as signed. */
static int64_t
tz_be64s(const uint8_t *p)
{
	uint64_t v = tz_be(p, 8);

	return v > INT64_MAX ? -(int64_t)(~v) - 1 : (int64_t)v;
}

/* Returns the next n bytes and steps over them, or NULL past the end. */
static const uint8_t *
tz_rd_take(struct tz_rd *rd, size_t n)
{
	const uint8_t *p;

	if (n > rd->len - rd->off)
		return NULL;
	p = rd->p + rd->off;
	rd->off += n;
	return p;
}

/* Reads and checks one TZif header (RFC 8536 section 3.1). */
static int
tz_read_hdr(struct tz_rd *rd, struct tz_hdr *h)
{
	const uint8_t *p;

	if ((p = tz_rd_take(rd, 44)) == NULL || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = p[4] == '\0' ? 1 : p[4] - '0';
	h->isut = tz_be(p + 20, 4);
	h->isstd = tz_be(p + 24, 4);
	h->leap = tz_be(p + 28, 4);
	h->time = tz_be(p + 32, 4);
	h->type = tz_be(p + 36, 4);
	h->chr = tz_be(p + 40, 4);
	if (h->version < 1 || h->type == 0 || h->type > 256 || h->chr == 0)
		return -1;
	if ((h->isut != 0 && h->isut != h->type) ||
	    (h->isstd != 0 && h->isstd != h->type))
		return -1;
	return 0;
}

/* Returns the size of the data block after a header, for tsz-byte times. */
static size_t
tz_block_size(const struct tz_hdr *h, size_t tsz)
{
	return (size_t)h->time * (tsz + 1) + (size_t)h->type * 6 + h->chr +
	    (size_t)h->leap * (tsz + 4) + h->isstd + h->isut;
}

/* Reads the transition times and their type indices. */
static int
tz_read_trans(
    struct tz_rd *rd, const struct tz_hdr *h, size_t tsz, struct tz *tz)
{
	const uint8_t *t, *ix;
	size_t         i;

	if ((t = tz_rd_take(rd, h->time * tsz)) == NULL ||
	    (ix = tz_rd_take(rd, h->time)) == NULL)
		return -1;
	tz->ntrans = h->time;
	tz->trans = xcalloc(h->time + 1, sizeof(*tz->trans));
	tz->idx = xcalloc(h->time + 1, sizeof(*tz->idx));
	for (i = 0; i < h->time; i++) {
		tz->trans[i] = tsz == 8 ? tz_be64s(t + i * 8)
					: tz_be32s(t + i * 4);
		tz->idx[i] = ix[i];
		if (ix[i] >= h->type ||
		    (i > 0 && tz->trans[i] <= tz->trans[i - 1]))
			return -1;
	}
	return 0;
}

/* Reads the local time types and copies in their abbreviations. */
static int
tz_read_types(struct tz_rd *rd, const struct tz_hdr *h, struct tz *tz)
{
	const uint8_t *ti, *chars, *p;
	size_t         i, len;
	int64_t        off;

	if ((ti = tz_rd_take(rd, h->type * 6)) == NULL ||
	    (chars = tz_rd_take(rd, h->chr)) == NULL)
		return -1;
	tz->ntypes = h->type;
	tz->types = xcalloc(h->type, sizeof(*tz->types));
	for (i = 0; i < h->type; i++) {
		p = ti + i * 6;
		off = tz_be32s(p);
		if (off < TZ_UTOFF_MIN || off > TZ_UTOFF_MAX || p[4] > 1 ||
		    p[5] >= h->chr)
			return -1;
		len = strnlen((const char *)chars + p[5], h->chr - p[5]);
		if (len == h->chr - p[5] || len >= TZ_ABBR_MAX)
			return -1;
		tz->types[i].off = (int32_t)off;
		tz->types[i].isdst = p[4];
		memcpy(tz->types[i].abbr, chars + p[5], len);
	}
	return 0;
}

/*
 * Reads the footer, "\n" TZ-string "\n". A missing or empty one means no
 * rule; a malformed one is logged and ignored, the transitions still hold.
 */
static void
tz_read_footer(struct tz_rd *rd, struct tz *tz)
{
	const uint8_t *rest, *nl;
	char           buf[TZ_FOOTER_MAX];
	size_t         n;

	if (tz_rd_take(rd, 1) == NULL)
		return;
	rest = rd->p + rd->off;
	nl = memchr(rest, '\n', rd->len - rd->off);
	n = nl == NULL ? 0 : (size_t)(nl - rest);
	if (rest[-1] != '\n' || nl == NULL || n >= sizeof(buf)) {
		log_warnx("time zone %s: bad TZif footer ignored", tz->name);
		return;
	}
	if (n == 0)
		return;
	memcpy(buf, rest, n);
	buf[n] = '\0';
	if (tz_posix_parse(buf, &tz->rule) == -1) {
		log_warnx("time zone %s: bad TZ string \"%s\" ignored",
		    tz->name, buf);
		return;
	}
	tz->has_rule = 1;
}

/* Returns a new empty zone named name. */
static struct tz *
tz_new(const char *name)
{
	struct tz *tz;

	tz = xcalloc(1, sizeof(*tz));
	tz->name = xstrdup(name);
	return tz;
}

/* Frees a zone; accepts NULL. */
static void
tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->types);
	free(tz->idx);
	free(tz->trans);
	free(tz->name);
	free(tz);
}

/* Parses a TZif file held in memory; v2+ files use their 64-bit data. */
static struct tz *
tz_parse(const uint8_t *buf, size_t len, const char *name)
{
	struct tz_rd  rd = {buf, len, 0};
	struct tz_hdr h;
	struct tz    *tz;
	size_t        tsz = 4;

	if (tz_read_hdr(&rd, &h) == -1)
		return NULL;
	if (h.version >= 2) {
		if (tz_rd_take(&rd, tz_block_size(&h, 4)) == NULL ||
		    tz_read_hdr(&rd, &h) == -1)
			return NULL;
		tsz = 8;
	}
	tz = tz_new(name);
	if (tz_read_trans(&rd, &h, tsz, tz) == -1 ||
	    tz_read_types(&rd, &h, tz) == -1 ||
	    tz_rd_take(&rd, (size_t)h.leap * (tsz + 4) + h.isstd + h.isut) ==
		NULL) {
		tz_free(tz);
		return NULL;
	}
	if (tsz == 8)
		tz_read_footer(&rd, tz);
	return tz;
}

/* Reads a whole regular file of at most TZ_FILE_MAX bytes. */
static uint8_t *
tz_slurp(const char *path, size_t *lenp)
{
	struct stat st;
	uint8_t    *buf = NULL;
	ssize_t     n;
	int         fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_debug("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TZ_FILE_MAX) {
		log_debug("%s: not a time zone file", path);
		goto done;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size + 1);
	if (n < 0 || n > st.st_size) {
		log_warn("%s: read", path);
		free(buf);
		buf = NULL;
	} else
		*lenp = (size_t)n;
done:
	close(fd);
	return buf;
}

/* Loads the TZif file at path as a zone named name. */
static struct tz *
tz_load_path(const char *path, const char *name)
{
	uint8_t   *buf;
	size_t     len;
	struct tz *tz;

	if ((buf = tz_slurp(path, &len)) == NULL)
		return NULL;
	if ((tz = tz_parse(buf, len, name)) == NULL)
		log_warnx("%s: not a valid TZif file", path);
	free(buf);
	return tz;
}

/* Returns whether name is safe to look up under the tz directory. */
static int
tz_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= TZ_NAME_MAX && name[0] != '/' &&
	    strspn(name, TZ_NAME_CHARS) == len && strstr(name, "..") == NULL;
}

/* Returns the keyed cached zone called name, or NULL. */
static struct tz *
tz_cache_find(const char *name)
{
	struct tz *tz;

	for (tz = tz_cache.head; tz != NULL; tz = tz->next)
		if (tz->keyed && strcmp(tz->name, name) == 0)
			return tz;
	return NULL;
}

/* Adds a zone to the cache; keyed zones are found by name later. */
static const struct tz *
tz_cache_add(struct tz *tz, int keyed)
{
	tz->keyed = keyed;
	tz->next = tz_cache.head;
	tz_cache.head = tz;
	return tz;
}

/* Returns whether name already failed to load. */
static int
tz_cache_isbad(const char *name)
{
	size_t i;

	for (i = 0; i < tz_cache.nbad; i++)
		if (strcmp(tz_cache.bad[i], name) == 0)
			return 1;
	return 0;
}

/* Remembers a name that failed to load, so it is not retried per line. */
static void
tz_cache_addbad(const char *name)
{
	if (tz_cache.nbad < TZ_BAD_MAX && strlen(name) <= TZ_NAME_MAX)
		tz_cache.bad[tz_cache.nbad++] = xstrdup(name);
}

/* Returns the zone for an IANA name, loading it from the tz directory. */
static const struct tz *
tz_get_file(const char *name)
{
	char        path[PATH_MAX];
	const char *dir;
	struct tz  *tz;
	int         n;

	if ((tz = tz_cache_find(name)) != NULL)
		return tz;
	if (tz_cache_isbad(name))
		return NULL;
	if ((dir = tz_cache.dir) == NULL || *dir == '\0')
		dir = TZ_DIR;
	if (!tz_name_ok(name) ||
	    (n = snprintf(path, sizeof(path), "%s/%s", dir, name)) < 0 ||
	    (size_t)n >= sizeof(path) ||
	    (tz = tz_load_path(path, name)) == NULL) {
		log_debug("unknown time zone \"%s\"", name);
		tz_cache_addbad(name);
		return NULL;
	}
	return tz_cache_add(tz, 1);
}

/*
 * Says where zones come from, once, before any is asked for: the TZDIR and
 * TZ of the environment (read by main, NULL for unset). Copied.
 */
void
tz_init(const char *tzdir, const char *tzenv)
{
	pthread_mutex_lock(&tz_lock);
	free(tz_cache.dir);
	free(tz_cache.env);
	tz_cache.dir = tzdir != NULL ? xstrdup(tzdir) : NULL;
	tz_cache.env = tzenv != NULL ? xstrdup(tzenv) : NULL;
	pthread_mutex_unlock(&tz_lock);
}

/*
 * A zone already loaded, a fixed offset or UTC, without touching the disk
 * (the per-line path uses it for names written in lines): NULL otherwise.
 */
static const struct tz *
tz_get_loaded_cached(const char *name)
{
	int32_t off;

	if (name == NULL || *name == '\0')
		return NULL;
	if (tz_is_utc(name))
		return tz_get_fixed(0);
	if (tz_parse_offset(name, &off) == 0 || tz_parse_human(name, &off) == 0)
		return tz_get_fixed(off);
	return tz_cache_find(name);
}

/* tz_get_loaded_cached() under the cache's lock. */
const struct tz *
tz_get_loaded(const char *name)
{
	const struct tz *tz;

	pthread_mutex_lock(&tz_lock);
	tz = tz_get_loaded_cached(name);
	pthread_mutex_unlock(&tz_lock);
	return tz;
}

/*
 * Returns a zone, cached process-wide (the same pointer for the same name),
 * or NULL if unknown. Takes IANA names from $TZDIR or /usr/share/zoneinfo
 * (not absolute paths or ".." components), "UTC", "Z", "GMT", "localtime"
 * (tz_local()), fixed offsets "+01:00", "-0530", "+05", and offsets as
 * people write them, "GMT+3" or "UTC-05:30" meaning east +3 and west 5:30
 * (whereas the IANA name "Etc/GMT+3" keeps its POSIX meaning, -3).
 */
static const struct tz *
tz_get_cached(const char *name)
{
	int32_t off;

	if (name == NULL || *name == '\0')
		return NULL;
	if (strcmp(name, "localtime") == 0)
		return tz_local();
	if (tz_is_utc(name))
		return tz_get_fixed(0);
	if (tz_parse_offset(name, &off) == 0 || tz_parse_human(name, &off) == 0)
		return tz_get_fixed(off);
	return tz_get_file(name);
}

/* tz_get_cached() under the cache's lock. */
const struct tz *
tz_get(const char *name)
{
	const struct tz *tz;

	pthread_mutex_lock(&tz_lock);
	tz = tz_get_cached(name);
	pthread_mutex_unlock(&tz_lock);
	return tz;
}

/* Writes a fixed offset's name: "UTC", "+01:00" or "-00:25:21". */
static void
tz_fixed_name(int32_t off, char *buf, size_t len)
{
	int32_t a = off < 0 ? -off : off;

	if (off == 0)
		snprintf(buf, len, "UTC");
	else if (a % 60 != 0)
		snprintf(buf, len, "%c%02d:%02d:%02d", off < 0 ? '-' : '+',
		    (int)(a / 3600), (int)(a / 60 % 60), (int)(a % 60));
	else
		snprintf(buf, len, "%c%02d:%02d", off < 0 ? '-' : '+',
		    (int)(a / 3600), (int)(a / 60 % 60));
}

/*
 * Returns the cached zone with a fixed offset, named and abbreviated like
 * "+01:00" ("UTC" for 0), or NULL if the offset is beyond RFC 8536 limits.
 */
static const struct tz *
tz_get_fixed_cached(int32_t offset_s)
{
	char       name[TZ_ABBR_MAX];
	struct tz *tz;

	if (offset_s < TZ_UTOFF_MIN || offset_s > TZ_UTOFF_MAX)
		return NULL;
	tz_fixed_name(offset_s, name, sizeof(name));
	if ((tz = tz_cache_find(name)) != NULL)
		return tz;
	tz = tz_new(name);
	tz->ntypes = 1;
	tz->types = xcalloc(1, sizeof(*tz->types));
	tz->types[0].off = offset_s;
	memcpy(tz->types[0].abbr, name, sizeof(name));
	return tz_cache_add(tz, 1);
}

/* tz_get_fixed_cached() under the cache's lock. */
const struct tz *
tz_get_fixed(int32_t offset_s)
{
	const struct tz *tz;

	pthread_mutex_lock(&tz_lock);
	tz = tz_get_fixed_cached(offset_s);
	pthread_mutex_unlock(&tz_lock);
	return tz;
}

/* Returns the zone a POSIX TZ string such as "JST-9" describes, or NULL. */
static const struct tz *
tz_get_posix(const char *s)
{
	struct tz_rule r;
	struct tz     *tz;

	if (strlen(s) >= TZ_FOOTER_MAX || tz_posix_parse(s, &r) == -1)
		return NULL;
	tz = tz_new(s);
	tz->has_rule = 1;
	tz->rule = r;
	/* Unkeyed: "UTC+5" here means -5, unlike tz_get("UTC+5"). */
	return tz_cache_add(tz, 0);
}

/*
 * Loads a zone from an absolute path (/etc/localtime, or $TZ set to a
 * file), named after what follows "zoneinfo/" in its symlink target or in
 * the path itself, else "localtime".
 */
static const struct tz *
tz_get_path(const char *path)
{
	char        target[PATH_MAX];
	const char *name = "localtime", *p, *from = path;
	struct tz  *tz;
	ssize_t     n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		from = target;
	}
	if ((p = strstr(from, "zoneinfo/")) != NULL && p[9] != '\0')
		name = p + 9;
	if ((tz = tz_load_path(path, name)) == NULL)
		return NULL;
	return tz_cache_add(tz, 0);
}

/* Returns the zone a $TZ value names: a path, a zone, a POSIX string. */
static const struct tz *
tz_from_env(const char *v)
{
	const struct tz *tz;

	if (*v == ':')
		v++;
	if (*v == '\0')
		return tz_get_fixed(0); /* POSIX: empty TZ is UTC */
	if (strcmp(v, "localtime") == 0)
		return NULL;
	if (*v == '/')
		return tz_get_path(v);
	if (tz_name_ok(v) && (tz = tz_get_file(v)) != NULL)
		return tz;
	if ((tz = tz_get_posix(v)) != NULL)
		return tz;
	return tz_get(v);
}

/*
 * Returns the machine's zone, decided once: $TZ if set and loadable (a
 * leading ':' stripped), else /etc/localtime, else UTC.
 */
static const struct tz *
tz_local_cached(void)
{
	const char      *env;
	const struct tz *tz = NULL;

	if (tz_cache.local != NULL)
		return tz_cache.local;
	if ((env = tz_cache.env) != NULL && (tz = tz_from_env(env)) == NULL)
		log_warnx("TZ=\"%s\": unknown time zone, ignored", env);
	if (tz == NULL)
		tz = tz_get_path("/etc/localtime");
	if (tz == NULL)
		tz = tz_get_fixed(0);
	tz_cache.local = tz;
	return tz;
}

/* tz_local_cached() under the cache's lock. */
const struct tz *
tz_local(void)
{
	const struct tz *tz;

	pthread_mutex_lock(&tz_lock);
	tz = tz_local_cached();
	pthread_mutex_unlock(&tz_lock);
	return tz;
}

/* Returns the name a zone was loaded under ("Africa/Lagos", "+05:30"). */
const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

/* Returns the offset in seconds east of UTC in force at UTC instant utc_s. */
int32_t
tz_offset_at(const struct tz *tz, int64_t utc_s)
{
	return tz_type_at(tz, utc_s)->off;
}

/* Returns the abbreviation in force at UTC instant utc_s ("WAT", "CEST"). */
const char *
tz_abbr_at(const struct tz *tz, int64_t utc_s)
{
	return tz_type_at(tz, utc_s)->abbr;
}

/*
 * Picks between the two instants a repeated local time names: the earlier
 * unless the previous line is already past it, since log times rarely go
 * backwards.
 */
static int64_t
tz_pick(int64_t earlier, int64_t later, int64_t prev_utc_s)
{
	if (prev_utc_s != INT64_MIN && prev_utc_s > earlier)
		return later;
	return earlier;
}

/*
 * Converts local wall-clock seconds since 1970-01-01T00:00:00 to UTC. A
 * repeated time (fall back) sets TZ_AMBIGUOUS and yields the earlier
 * instant, or the later one when prev_utc_s (the previous line's time,
 * INT64_MIN if none) is past the earlier; a skipped time (spring forward)
 * sets TZ_GAP and uses the offset before the gap. flags may be NULL.
 */
int64_t
tz_local_to_utc(
    const struct tz *tz, int64_t local_s, int64_t prev_utc_s, int *flags)
{
	int64_t l, a, b;
	int32_t oa, ob;
	int     va, vb, dummy;

	if (flags == NULL)
		flags = &dummy;
	l = local_s > TZ_T_LIMIT    ? TZ_T_LIMIT
	    : local_s < -TZ_T_LIMIT ? -TZ_T_LIMIT
				    : local_s;
	/* Offsets a day either side bracket any single transition near l. */
	oa = tz_offset_at(tz, l - TZ_DAY);
	ob = tz_offset_at(tz, l + TZ_DAY);
	a = l - oa;
	b = l - ob;
	va = tz_offset_at(tz, a) == oa;
	vb = tz_offset_at(tz, b) == ob;
	if (va && vb && a != b) {
		*flags |= TZ_AMBIGUOUS;
		return tz_pick(a < b ? a : b, a < b ? b : a, prev_utc_s);
	}
	if (va || !vb) {
		if (!va)
			*flags |= TZ_GAP;
		return a;
	}
	return b;
}

/* Looks abbr up in a zone's own types, newest first; returns 1 or 0. */
static int
tz_hint_offset(const struct tz *tz, const char *abbr, int32_t *offset_s)
{
	const struct tz_type *hit = NULL;
	size_t                i;

	if (tz->has_rule && strcmp(tz->rule.std.abbr, abbr) == 0)
		hit = &tz->rule.std;
	else if (tz->has_rule && tz->rule.has_dst &&
	    strcmp(tz->rule.dst.abbr, abbr) == 0)
		hit = &tz->rule.dst;
	for (i = tz->ntrans; hit == NULL && i > 0; i--)
		if (strcmp(tz->types[tz->idx[i - 1]].abbr, abbr) == 0)
			hit = &tz->types[tz->idx[i - 1]];
	for (i = 0; hit == NULL && i < tz->ntypes; i++)
		if (strcmp(tz->types[i].abbr, abbr) == 0)
			hit = &tz->types[i];
	if (hit == NULL)
		return 0;
	*offset_s = hit->off;
	return 1;
}

/*
 * Names tzdata gave a zone before renaming them (Australia's "EST" for
 * AEST and AEDT until 2014): in a zone that uses the new name, the old one
 * is that zone's local time and not the other meaning it has elsewhere.
 */
static const struct {
	const char *old, *now;
} tz_abbr_renamed[] = {
    {"EST", "AEST"},
};

/* 1 if abbr is an old name of one hint uses now (EST for AEST), else 0. */
static int
tz_abbr_old_name(const char *abbr, const struct tz *hint)
{
	int32_t off;
	size_t  i;

	for (i = 0; i < sizeof(tz_abbr_renamed) / sizeof(tz_abbr_renamed[0]);
	     i++)
		if (strcmp(tz_abbr_renamed[i].old, abbr) == 0 &&
		    tz_hint_offset(hint, tz_abbr_renamed[i].now, &off))
			return 1;
	return 0;
}

/* The table entry for abbr, or NULL. */
static const struct tz_abbr *
tz_abbr_find(const char *abbr)
{
	size_t i;

	for (i = 0; i < sizeof(tz_abbrs) / sizeof(tz_abbrs[0]); i++)
		if (strcmp(tz_abbrs[i].abbr, abbr) == 0)
			return &tz_abbrs[i];
	return NULL;
}

/* Looks abbr up in the static table; returns 1, 0 unknown, -1 ambiguous. */
static int
tz_table_offset(const char *abbr, int32_t *offset_s)
{
	const struct tz_abbr *a;

	if ((a = tz_abbr_find(abbr)) == NULL)
		return 0;
	if (a->min == TZ_ABBR_AMBIGUOUS)
		return -1;
	*offset_s = a->min * 60;
	return 1;
}

/*
 * Returns 1 if abbr is in the table of abbreviations (resolvable, or
 * ambiguous and decided by a hint zone), else 0: the names a parser may
 * trust after a stamp where any capitalised word could follow.
 */
int
tz_abbr_known(const char *abbr)
{
	return abbr != NULL && tz_abbr_find(abbr) != NULL;
}

/* The n-th abbreviation of the table (from 0), or NULL past its end. */
const char *
tz_abbr_nth(size_t n)
{
	return n < sizeof(tz_abbrs) / sizeof(tz_abbrs[0]) ? tz_abbrs[n].abbr
							  : NULL;
}

/*
 * Resolves an abbreviation as written in a log line: the hint zone's own
 * abbreviations first ("IST" in Asia/Kolkata is +05:30, "CST" in
 * Asia/Shanghai +08:00), then "Z", "UTC", "UT", "GMT", then "GMT+3"-style
 * and "+03"-style offsets, then a table of common ones. Returns 1 and sets
 * *offset_s, 0 if unknown, or -1 if ambiguous ("IST", "CST") and the hint
 * does not decide, or an old name of the hint's own ("EST" in
 * Australia/Sydney): the caller then reads the stamp in its zone.
 */
int
tz_abbr_offset(const char *abbr, const struct tz *hint, int32_t *offset_s)
{
	if (abbr == NULL || *abbr == '\0')
		return 0;
	if (hint != NULL && tz_hint_offset(hint, abbr, offset_s))
		return 1;
	if (hint != NULL && tz_abbr_old_name(abbr, hint))
		return -1;
	if (tz_is_utc(abbr) || strcmp(abbr, "UT") == 0) {
		*offset_s = 0;
		return 1;
	}
	if (tz_parse_human(abbr, offset_s) == 0 ||
	    tz_parse_hm(abbr, 0, offset_s) == 0)
		return 1;
	return tz_table_offset(abbr, offset_s);
}

/* Frees every cached zone and forgets the local zone and unknown names. */
void
tz_cache_free(void)
{
	struct tz *tz, *next;
	size_t     i;

	pthread_mutex_lock(&tz_lock);
	for (tz = tz_cache.head; tz != NULL; tz = next) {
		next = tz->next;
		tz_free(tz);
	}
	for (i = 0; i < tz_cache.nbad; i++)
		free(tz_cache.bad[i]);
	free(tz_cache.dir);
	free(tz_cache.env);
	memset(&tz_cache, 0, sizeof(tz_cache));
	pthread_mutex_unlock(&tz_lock);
}
