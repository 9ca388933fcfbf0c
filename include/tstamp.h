/*
 * tstamp: civil-time arithmetic and the small readers every format parser
 * shares (digits, month names, ISO 8601 dates, zone suffixes). It knows
 * nothing of zones' rules (tz.c) nor of which format a line is in.
 */
#ifndef TSTAMP_H
#define TSTAMP_H

#include <stddef.h>
#include <stdint.h>

#define TSTAMP_NS_PER_S INT64_C(1000000000)

/* How a parsed timestamp said (or did not say) its zone. */
enum tstamp_zone {
	TSTAMP_ZONE_NONE = 0, /* local time of an unknown zone */
	TSTAMP_ZONE_OFFSET,   /* numeric offset or Z: offset_s is valid */
	TSTAMP_ZONE_ABBR,     /* abbreviation or name: abbr is valid */
	TSTAMP_ZONE_EPOCH     /* epoch value: epoch_ns is UTC already */
};

/*
 * A timestamp as written in a line, before zone and year are applied.
 * Parsers fill it; pipeline resolves it to UTC with the source's zone.
 */
struct tstamp {
	int              year; /* 0 when the format carries none */
	int              mon;  /* 1..12 */
	int              day;  /* 1..31 */
	int              hour, min, sec;
	int32_t          nsec;
	int              frac_digits; /* digits of fraction written (0..9) */
	enum tstamp_zone zone;
	int32_t          offset_s; /* seconds east of UTC */
	char             abbr[16]; /* "WAT", "GMT+3", "Europe/Paris" */
	int64_t          epoch_ns; /* TSTAMP_ZONE_EPOCH only */
};

int64_t     tstamp_days_from_civil(int, int, int);
void        tstamp_civil_from_days(int64_t, int *, int *, int *);
int         tstamp_days_in_month(int, int);
int         tstamp_valid(const struct tstamp *);
const char *tstamp_problem(const struct tstamp *);
int64_t     tstamp_local_seconds(const struct tstamp *);
int         tstamp_month(const char *, size_t);
int         tstamp_weekday(const char *, size_t);
size_t      tstamp_digits(const char *, const char *, int, int *);
size_t      tstamp_frac(const char *, const char *, struct tstamp *);
size_t      tstamp_iso(const char *, const char *, struct tstamp *);
size_t      tstamp_iso_zone(const char *, const char *, struct tstamp *);
size_t      tstamp_year2(const char *, const char *, int *);
size_t      tstamp_mon_abbr(const char *, const char *, int *);
size_t      tstamp_mday(const char *, const char *, int *);
size_t      tstamp_hms(const char *, const char *, struct tstamp *, int);
size_t      tstamp_ymd(const char *, const char *, int, struct tstamp *);
size_t      tstamp_dmony(const char *, const char *, int, struct tstamp *);
size_t      tstamp_mdy(const char *, const char *, struct tstamp *);
size_t      tstamp_tai64n(const char *, const char *, struct tstamp *);
size_t      tstamp_month_locale(const char *, const char *, int *);
size_t      tstamp_ncsa(const char *, const char *, struct tstamp *);
size_t      tstamp_zone(const char *, const char *, struct tstamp *);
size_t      tstamp_epoch(const char *, const char *, struct tstamp *);
int         tstamp_epoch_value(int64_t, struct tstamp *);
size_t      tstamp_format(char *, size_t, int64_t, int, int32_t);
int         tstamp_rfc3339(const char *, int64_t *);
int         tstamp_frac_digits(int64_t);

#endif /* TSTAMP_H */
