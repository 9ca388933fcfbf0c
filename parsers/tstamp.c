/*
 * tstamp: civil-date arithmetic (proleptic Gregorian, no libc time zone
 * state) and the small readers format parsers share: fixed-width digits,
 * fractions, month names, ISO 8601 dates, zone suffixes, epoch numbers.
 * Zone rules live in tz.c; which format a line is in, in parser_*.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tstamp.h"

/* Days since 1970-01-01 of a civil date (Hinnant's algorithm). */
int64_t
tstamp_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of a day number since 1970-01-01. */
void
tstamp_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Number of days in month m of year y. */
int
tstamp_days_in_month(int y, int m)
{
	static const int dm[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/*
 * Why the fields are not a real time of day on a real date (year 0: any
 * year; year, month and day 0: a time of day alone, hour -1 with them:
 * minutes and seconds alone), or NULL when they are: readers take what
 * has the shape of a stamp, and this says whether its values can be used.
 */
const char *
tstamp_problem(const struct tstamp *t)
{
	int y = t->year ? t->year : 2000; /* leap: allow Feb 29 */

	if (t->zone == TSTAMP_ZONE_EPOCH)
		return NULL;
	if (t->year == 0 && t->mon == 0 && t->day == 0)
		return (t->hour < -1 || t->hour > 23 || t->min < 0 ||
			   t->min > 59 || t->sec < 0 || t->sec > 60)
		    ? "invalid time"
		    : NULL; /* a time of day (or minutes) alone: no date */
	if (t->year && (t->year < 1970 || t->year > 2200))
		return "year out of range";
	if (t->mon < 1 || t->mon > 12 || t->day < 1 ||
	    t->day > tstamp_days_in_month(y, t->mon))
		return "invalid date";
	if (t->hour < 0 || t->hour > 23 || t->min < 0 || t->min > 59 ||
	    t->sec < 0 || t->sec > 60)
		return "invalid time";
	return NULL;
}

/* 1 if the fields form a real time of day on a real date (year 0: any). */
int
tstamp_valid(const struct tstamp *t)
{
	return tstamp_problem(t) == NULL;
}

/* Seconds since 1970 of the wall-clock time written (no zone applied). */
int64_t
tstamp_local_seconds(const struct tstamp *t)
{
	return tstamp_days_from_civil(t->year, t->mon, t->day) * 86400 +
	    t->hour * 3600 + t->min * 60 + t->sec;
}

/* Month 1..12 of an English month name or abbreviation at p, else 0. */
int
tstamp_month(const char *p, size_t n)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	int               i;

	if (n < 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (strncasecmp(p, months + i * 3, 3) == 0)
			return i + 1;
	return 0;
}

/*
 * Reads a month name as strftime's %b writes it in common locales other
 * than English (French "août", "févr.", German "Mär", "Okt", Spanish
 * "ene", Italian "giu", Portuguese "out", Dutch "mrt"), a trailing dot
 * included, into *mon. Bytes consumed, or 0.
 */
size_t
tstamp_month_locale(const char *p, const char *end, int *mon)
{
	static const struct {
		const char *name;
		int         mon;
	} names[] = {
	    {"janv", 1},
	    {"ene", 1},
	    {"gen", 1},
	    {"f\xc3\xa9vr", 2},
	    {"fev", 2},
	    {"mars", 3},
	    {"m\xc3\xa4r", 3},
	    {"mrt", 3},
	    {"avr", 4},
	    {"abr", 4},
	    {"mai", 5},
	    {"mag", 5},
	    {"mei", 5},
	    {"juin", 6},
	    {"giu", 6},
	    {"juil", 7},
	    {"lug", 7},
	    {"ao\xc3\xbbt", 8},
	    {"ago", 8},
	    {"sept", 9},
	    {"set", 9},
	    {"okt", 10},
	    {"ott", 10},
	    {"out", 10},
	    {"d\xc3\xa9"
	     "c",
		12},
	    {"dez", 12},
	    {"dic", 12},
	};
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i].name);
		if ((size_t)(end - p) < n ||
		    strncasecmp(p, names[i].name, n) != 0)
			continue;
		if (p + n < end && p[n] == '.')
			n++;
		if (p + n < end && isalpha((unsigned char)p[n]))
			continue;
		*mon = names[i].mon;
		return n;
	}
	return 0;
}

/* Weekday 1..7 (Monday first) of an English day abbreviation, else 0. */
int
tstamp_weekday(const char *p, size_t n)
{
	static const char days[] = "montuewedthufrisatsun";
	int               i;

	if (n < 3)
		return 0;
	for (i = 0; i < 7; i++)
		if (strncasecmp(p, days + i * 3, 3) == 0)
			return i + 1;
	return 0;
}

/* Reads exactly n digits at p into *v; returns n, or 0 if not there. */
size_t
tstamp_digits(const char *p, const char *end, int n, int *v)
{
	int i, x = 0;

	if (end - p < n)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
		x = x * 10 + (p[i] - '0');
	}
	*v = x;
	return (size_t)n;
}

/* Reads ".123" or ",123456" (up to 9 digits kept); bytes consumed or 0. */
size_t
tstamp_frac(const char *p, const char *end, struct tstamp *t)
{
	const char *q;
	int32_t     ns = 0;
	int         nd = 0;

	if (end - p < 2 || (*p != '.' && *p != ',') ||
	    !isdigit((unsigned char)p[1]))
		return 0;
	for (q = p + 1; q < end && isdigit((unsigned char)*q); q++) {
		if (nd < 9) {
			ns = ns * 10 + (*q - '0');
			nd++;
		}
	}
	t->frac_digits = nd;
	while (nd++ < 9)
		ns *= 10;
	t->nsec = ns;
	return (size_t)(q - p);
}

/* Reads "HH:MM[:SS][.frac]"; bytes consumed or 0. */
static size_t
tstamp_clock(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p;

	if (!tstamp_digits(q, end, 2, &t->hour) || q + 2 >= end ||
	    q[2] != ':' || !tstamp_digits(q + 3, end, 2, &t->min))
		return 0;
	q += 5;
	t->sec = 0;
	if (q < end && *q == ':' && tstamp_digits(q + 1, end, 2, &t->sec))
		q += 3;
	if (q < end && isdigit((unsigned char)*q))
		return 0;
	q += tstamp_frac(q, end, t);
	return (size_t)(q - p);
}

/*
 * Reads an ISO 8601 ordinal date "YYYY-DDD" followed by a 'T' into the
 * month and day (a day past the year's end is left impossible); 8 or 0.
 */
static size_t
tstamp_ordinal(const char *p, const char *end, struct tstamp *t)
{
	int doy, y = t->year;

	if (end - p < 9 || p[4] != '-' || !tstamp_digits(p + 5, end, 3, &doy) ||
	    p[8] != 'T')
		return 0;
	if (doy < 1 || doy > 365 + (tstamp_days_in_month(y, 2) == 29))
		t->mon = 0;
	else
		tstamp_civil_from_days(
		    tstamp_days_from_civil(y, 1, 1) + doy - 1, &y, &t->mon,
		    &t->day);
	return 8;
}

/*
 * Reads an ISO 8601 / RFC 3339 date-time: "YYYY-MM-DD" (or the ordinal
 * "YYYY-DDD") then "T" or one space, the clock, and a zone only when
 * attached to it (Z, +01:00, +0100, +01). A zone after a space is the
 * caller's decision.
 */
size_t
tstamp_iso(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p;
	size_t      n;

	if (!tstamp_digits(q, end, 4, &t->year) || end - q < 9)
		return 0;
	if (end - q >= 10 && (q[4] == '-' || q[4] == '/') && q[7] == q[4] &&
	    tstamp_digits(q + 5, end, 2, &t->mon) &&
	    tstamp_digits(q + 8, end, 2, &t->day))
		q += 10;
	else if ((n = tstamp_ordinal(q, end, t)) != 0)
		q += n;
	else
		return 0;
	if (q >= end || (*q != 'T' && *q != ' '))
		return 0;
	if ((n = tstamp_clock(q + 1, end, t)) == 0)
		return 0;
	q += 1 + n;
	if (q < end && (*q == 'Z' || *q == 'z' || *q == '+' || *q == '-'))
		q += tstamp_zone(q, end, t);
	return (size_t)(q - p);
}

/*
 * Reads an ISO 8601 date-time as tstamp_iso does, then a zone after one
 * space when none was attached ("2024-03-15 09:00:01 +0000", "... UTC"):
 * for values that hold only a time (JSON and logfmt fields).
 */
size_t
tstamp_iso_zone(const char *p, const char *end, struct tstamp *t)
{
	const char *q;
	size_t      n, z;

	if ((n = tstamp_iso(p, end, t)) == 0)
		return 0;
	q = p + n;
	if (t->zone == TSTAMP_ZONE_NONE && end - q > 1 && *q == ' ' &&
	    (z = tstamp_zone(q + 1, end, t)) != 0)
		n += 1 + z;
	return n;
}

/* Reads a 2-digit year as 19yy or 20yy; 0 if not there. */
size_t
tstamp_year2(const char *p, const char *end, int *year)
{
	int yy;

	if (!tstamp_digits(p, end, 2, &yy))
		return 0;
	*year = yy < 70 ? 2000 + yy : 1900 + yy;
	return 2;
}

/* Reads a month abbreviation ("Mar") not followed by a letter; 3 or 0. */
size_t
tstamp_mon_abbr(const char *p, const char *end, int *mon)
{
	if (end - p < 3 || (*mon = tstamp_month(p, 3)) == 0 ||
	    (end - p > 3 && isalpha((unsigned char)p[3])))
		return 0;
	return 3;
}

/* Reads a day of the month of one or two digits; bytes consumed or 0. */
size_t
tstamp_mday(const char *p, const char *end, int *day)
{
	if (tstamp_digits(p, end, 2, day))
		return p + 2 < end && isdigit((unsigned char)p[2]) ? 0 : 2;
	if (tstamp_digits(p, end, 1, day) &&
	    (p + 1 >= end || !isdigit((unsigned char)p[1])))
		return 1;
	return 0;
}

/*
 * Reads "HH:MM:SS" and an optional fraction ("." or ","); with loose set
 * the hour may have one digit (MariaDB, ctime). Bytes consumed or 0.
 */
size_t
tstamp_hms(const char *p, const char *end, struct tstamp *t, int loose)
{
	const char *q = p;

	if (tstamp_digits(q, end, 2, &t->hour))
		q += 2;
	else if (loose && tstamp_digits(q, end, 1, &t->hour))
		q += 1;
	else
		return 0;
	if (q >= end || *q != ':' || !tstamp_digits(q + 1, end, 2, &t->min))
		return 0;
	q += 3;
	if (q >= end || *q != ':' || !tstamp_digits(q + 1, end, 2, &t->sec))
		return 0;
	q += 3;
	if (q < end && isdigit((unsigned char)*q))
		return 0;
	q += tstamp_frac(q, end, t);
	return (size_t)(q - p);
}

/* Reads "YYYY<sep>MM<sep>DD"; 10 or 0. */
size_t
tstamp_ymd(const char *p, const char *end, int sep, struct tstamp *t)
{
	if (end - p < 10 || p[4] != sep || p[7] != sep ||
	    !tstamp_digits(p, end, 4, &t->year) ||
	    !tstamp_digits(p + 5, end, 2, &t->mon) ||
	    !tstamp_digits(p + 8, end, 2, &t->day))
		return 0;
	return 10;
}

/* Reads "dd-Mon-yyyy HH:MM:SS.mmm" (Tomcat) or with '/' or ' '. */
size_t
tstamp_dmony(const char *p, const char *end, int sep, struct tstamp *t)
{
	const char *q = p;
	size_t      n;

	if ((n = tstamp_mday(q, end, &t->day)) == 0 || q + n >= end ||
	    q[n] != sep)
		return 0;
	q += n + 1;
	if (tstamp_mon_abbr(q, end, &t->mon) == 0 || q + 3 >= end ||
	    q[3] != sep || !tstamp_digits(q + 4, end, 4, &t->year))
		return 0;
	q += 8;
	if (q >= end || (*q != ' ' && !(sep == '/' && *q == ':')) ||
	    (n = tstamp_hms(q + 1, end, t, 0)) == 0)
		return 0;
	return (size_t)(q + 1 + n - p);
}

/*
 * Reads " AM" or " PM" after a 12-hour clock (the space may be Java 20's
 * narrow no-break space, U+202F) and makes t->hour a 24-hour one; an hour
 * a 12-hour clock cannot show is left invalid. Bytes consumed or 0.
 */
static size_t
tstamp_ampm(const char *p, const char *end, struct tstamp *t)
{
	size_t sp;

	if (p < end && *p == ' ')
		sp = 1;
	else if (end - p >= 3 && memcmp(p, "\xe2\x80\xaf", 3) == 0)
		sp = 3;
	else
		return 0;
	if (end - p < (ptrdiff_t)sp + 2 || (p[sp] != 'A' && p[sp] != 'P') ||
	    p[sp + 1] != 'M' ||
	    (end - p > (ptrdiff_t)sp + 2 && isalnum((unsigned char)p[sp + 2])))
		return 0;
	if (t->hour < 1 || t->hour > 12)
		t->hour = -1;
	else
		t->hour = t->hour % 12 + (p[sp] == 'P' ? 12 : 0);
	return sp + 2;
}

/*
 * Reads the US month-first stamp of Java's DateFormat MEDIUM and JUL:
 * "Mar 15, 2024 11:30:00 AM", "Mar 15, 2024, 11:30:00 AM" (a comma
 * since Java 9), "Mar 5, 2024 9:00:01 PM". Bytes consumed or 0.
 */
size_t
tstamp_mdy(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p + 4;
	size_t      n;

	if (tstamp_mon_abbr(p, end, &t->mon) == 0 || end - p < 5 || p[3] != ' ')
		return 0;
	if (*q == ' ')
		q++;
	if ((n = tstamp_mday(q, end, &t->day)) == 0)
		return 0;
	q += n;
	if (end - q < 6 || q[0] != ',' || q[1] != ' ' ||
	    !tstamp_digits(q + 2, end, 4, &t->year))
		return 0;
	q += 6;
	if (q < end && *q == ',')
		q++;
	if (q >= end || *q != ' ' || (n = tstamp_hms(q + 1, end, t, 1)) == 0)
		return 0;
	q += 1 + n;
	if ((n = tstamp_ampm(q, end, t)) == 0)
		return 0;
	return (size_t)(q + n - p);
}

/* The value of a hexadecimal digit, or -1. */
static int
tstamp_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads a TAI64N label "@4000000043322583" "3b6e1a8c" (daemontools,
 * runit, s6): 16 hex digits of 2^62 + TAI seconds, 8 of nanoseconds.
 * As daemontools' tai64nlocal does, the clock is taken to be 10 s behind
 * TAI (no leap-second table). Bytes consumed (25) or 0.
 */
size_t
tstamp_tai64n(const char *p, const char *end, struct tstamp *t)
{
	uint64_t s = 0, ns = 0;
	int      i, h;

	if (end - p < 25 || p[0] != '@' || memcmp(p + 1, "40000000", 8) != 0)
		return 0;
	for (i = 1; i <= 24; i++) {
		if ((h = tstamp_hex((unsigned char)p[i])) < 0)
			return 0;
		if (i <= 16)
			s = s << 4 | (uint64_t)h;
		else
			ns = ns << 4 | (uint64_t)h;
	}
	if (end - p > 25 && tstamp_hex((unsigned char)p[25]) >= 0)
		return 0;
	s -= (UINT64_C(1) << 62) + 10;
	if (ns > 999999999 || s > UINT64_C(4102444800))
		return 0;
	t->zone = TSTAMP_ZONE_EPOCH;
	t->epoch_ns = (int64_t)s * TSTAMP_NS_PER_S + (int64_t)ns;
	t->frac_digits = 9;
	return 25;
}

/*
 * Reads an NCSA (access log, nginx $time_local) stamp "15/Mar/2024:
 * 08:00:01 +0100", with an optional fraction (haproxy); bytes or 0.
 */
size_t
tstamp_ncsa(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p + 20;

	if (end - p < 20 || !tstamp_digits(p, end, 2, &t->day) || p[2] != '/' ||
	    (t->mon = tstamp_month(p + 3, 3)) == 0 || p[6] != '/' ||
	    !tstamp_digits(p + 7, end, 4, &t->year) || p[11] != ':' ||
	    !tstamp_digits(p + 12, end, 2, &t->hour) || p[14] != ':' ||
	    !tstamp_digits(p + 15, end, 2, &t->min) || p[17] != ':' ||
	    !tstamp_digits(p + 18, end, 2, &t->sec))
		return 0;
	q += tstamp_frac(q, end, t);
	if (q < end && *q == ' ')
		q += 1 + tstamp_zone(q + 1, end, t);
	return (size_t)(q - p);
}

/* Reads a numeric offset "+01:00", "-0530", "+05"; bytes consumed or 0. */
static size_t
tstamp_offset(const char *p, const char *end, int32_t *off)
{
	const char *q = p + 1;
	int         h, m = 0, sign;

	if (p >= end || (*p != '+' && *p != '-'))
		return 0;
	sign = *p == '-' ? -1 : 1;
	if (!tstamp_digits(q, end, 2, &h) || h > 14)
		return 0;
	q += 2;
	if (q < end && *q == ':' && tstamp_digits(q + 1, end, 2, &m))
		q += 3;
	else if (tstamp_digits(q, end, 2, &m))
		q += 2;
	else if (q < end && isdigit((unsigned char)*q))
		return 0;
	if (m > 59 || (q < end && isdigit((unsigned char)*q)))
		return 0;
	*off = sign * (h * 3600 + m * 60);
	return (size_t)(q - p);
}

/* Reads "GMT+3" / "UTC+03:00" style human offsets; bytes consumed or 0. */
static size_t
tstamp_human_offset(const char *p, const char *end, int32_t *off)
{
	const char *q = p + 4;
	int         h, m = 0, sign;

	if (end - p < 5 || (p[3] != '+' && p[3] != '-'))
		return 0;
	sign = p[3] == '-' ? -1 : 1;
	if (tstamp_digits(q, end, 2, &h))
		q += 2;
	else if (tstamp_digits(q, end, 1, &h))
		q += 1;
	else
		return 0;
	if (q < end && *q == ':' && tstamp_digits(q + 1, end, 2, &m))
		q += 3;
	else if (tstamp_digits(q, end, 2, &m))
		q += 2;
	if (h > 14 || m > 59 || (q < end && isalnum((unsigned char)*q)))
		return 0;
	*off = sign * (h * 3600 + m * 60);
	return (size_t)(q - p);
}

/*
 * Reads a zone at p: Z, a numeric offset, UTC/GMT (optionally with a human
 * offset: "GMT+3"), or an upper-case abbreviation of 2 to 5 letters
 * followed by a non-letter. Sets t->zone; bytes consumed or 0.
 */
size_t
tstamp_zone(const char *p, const char *end, struct tstamp *t)
{
	const char *q = p;
	size_t      n;

	if (p >= end)
		return 0;
	if ((*p == 'Z' || *p == 'z') &&
	    (p + 1 == end || !isalnum((unsigned char)p[1]))) {
		t->zone = TSTAMP_ZONE_OFFSET;
		t->offset_s = 0;
		return 1;
	}
	if ((n = tstamp_offset(p, end, &t->offset_s)) != 0) {
		t->zone = TSTAMP_ZONE_OFFSET;
		return n;
	}
	if (end - p >= 3 &&
	    (strncmp(p, "GMT", 3) == 0 || strncmp(p, "UTC", 3) == 0) &&
	    (n = tstamp_human_offset(p, end, &t->offset_s)) != 0) {
		t->zone = TSTAMP_ZONE_OFFSET;
		return n;
	}
	while (q < end && q - p < 6 && isupper((unsigned char)*q))
		q++;
	if (q - p < 2 || q - p > 5 || (q < end && isalnum((unsigned char)*q)))
		return 0;
	if ((q - p == 3 &&
		(strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0)) ||
	    (q - p == 2 && strncmp(p, "UT", 2) == 0)) {
		t->zone = TSTAMP_ZONE_OFFSET;
		t->offset_s = 0;
		return (size_t)(q - p);
	}
	memcpy(t->abbr, p, (size_t)(q - p));
	t->abbr[q - p] = '\0';
	t->zone = TSTAMP_ZONE_ABBR;
	return (size_t)(q - p);
}

/*
 * Sets t from an epoch number whose unit is guessed from its magnitude:
 * seconds, milliseconds, microseconds or nanoseconds between 1990 and
 * 2100. Returns 0, or -1 when no unit gives a plausible date.
 */
int
tstamp_epoch_value(int64_t v, struct tstamp *t)
{
	static const struct {
		int64_t lo, hi, mul;
		int     digits;
	} units[] = {
	    {INT64_C(631152000), INT64_C(4102444800), 1000000000, 0},
	    {INT64_C(631152000000), INT64_C(4102444800000), 1000000, 3},
	    {INT64_C(631152000000000), INT64_C(4102444800000000), 1000, 6},
	    {INT64_C(631152000000000000), INT64_MAX, 1, 9},
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v >= units[i].lo && v < units[i].hi) {
			t->zone = TSTAMP_ZONE_EPOCH;
			t->epoch_ns = v * units[i].mul;
			t->frac_digits = units[i].digits;
			return 0;
		}
	}
	return -1;
}

/* Reads an epoch number "1710493200", "1710493200.123", "1710493200123". */
size_t
tstamp_epoch(const char *p, const char *end, struct tstamp *t)
{
	const char   *q = p;
	int64_t       v = 0;
	int           nd = 0;
	size_t        n;
	struct tstamp f;

	while (q < end && isdigit((unsigned char)*q) && nd < 19 &&
	    v <= (INT64_MAX - 9) / 10) {
		v = v * 10 + (*q++ - '0');
		nd++;
	}
	if (nd < 9 || (q < end && isdigit((unsigned char)*q)) ||
	    tstamp_epoch_value(v, t) == -1)
		return 0;
	memset(&f, 0, sizeof(f));
	if (t->frac_digits == 0 && (n = tstamp_frac(q, end, &f)) != 0) {
		t->epoch_ns += f.nsec;
		t->frac_digits = f.frac_digits;
		q += n;
	}
	return (size_t)(q - p);
}

/*
 * Formats UTC nanoseconds ns, shifted by offset_s, as RFC 3339 with
 * frac_digits of fraction ("Z" when the offset is 0). Returns the length.
 */
size_t
tstamp_format(
    char *buf, size_t size, int64_t ns, int frac_digits, int32_t offset_s)
{
	int64_t s, days, sod;
	int32_t sub;
	int     y, m, d, n, off;
	char    frac[16] = "", zone[16] = "Z";

	s = ns / TSTAMP_NS_PER_S;
	sub = (int32_t)(ns % TSTAMP_NS_PER_S);
	if (sub < 0) {
		sub += 1000000000;
		s--;
	}
	s += offset_s;
	days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
	sod = s - days * 86400;
	tstamp_civil_from_days(days, &y, &m, &d);
	if (frac_digits > 0) {
		if (frac_digits > 9)
			frac_digits = 9;
		snprintf(frac, sizeof(frac), ".%09d", (int)sub);
		frac[frac_digits + 1] = '\0';
	}
	if (offset_s != 0) {
		off = offset_s < 0 ? -offset_s : offset_s;
		snprintf(zone, sizeof(zone), "%c%02d:%02d",
		    offset_s < 0 ? '-' : '+', off / 3600, off / 60 % 60);
	}
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), frac,
	    zone);
	return n < 0 ? 0 : (size_t)n;
}

/* The fewest fraction digits (0, 3, 6 or 9) that write ns exactly. */
int
tstamp_frac_digits(int64_t ns)
{
	if (ns % TSTAMP_NS_PER_S == 0)
		return 0;
	if (ns % 1000000 == 0)
		return 3;
	return ns % 1000 == 0 ? 6 : 9;
}

/* Parses an RFC 3339 time with a zone into UTC nanoseconds; 0 or -1. */
int
tstamp_rfc3339(const char *s, int64_t *ns)
{
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	n = tstamp_iso(s, s + strlen(s), &t);
	if (n == 0 || n != strlen(s) || t.zone != TSTAMP_ZONE_OFFSET)
		return -1;
	*ns = (tstamp_local_seconds(&t) - t.offset_s) * TSTAMP_NS_PER_S +
	    t.nsec;
	return 0;
}
