/*
 * tz: time zones without TZ or tzset(). Reads TZif files from the system
 * database (/usr/share/zoneinfo, or $TZDIR), keeps every zone it loads in a
 * process-wide cache, and converts between UTC and local time in any of them
 * at once. Also resolves the abbreviations people and programs write (WAT,
 * CEST, GMT+3) to offsets. It does not parse timestamps (tstamp.c).
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* Flags tz_local_to_utc() sets. */
#define TZ_AMBIGUOUS 0x01 /* the local time occurs twice (fall back) */
#define TZ_GAP       0x02 /* the local time does not exist (spring forward) */

void             tz_init(const char *, const char *);
const struct tz *tz_get(const char *);
const struct tz *tz_get_loaded(const char *);
const struct tz *tz_get_fixed(int32_t);
const struct tz *tz_local(void);
const char      *tz_name(const struct tz *);
int32_t          tz_offset_at(const struct tz *, int64_t);
const char      *tz_abbr_at(const struct tz *, int64_t);
int64_t          tz_local_to_utc(const struct tz *, int64_t, int64_t, int *);
int              tz_abbr_offset(const char *, const struct tz *, int32_t *);
int              tz_abbr_known(const char *);
const char      *tz_abbr_nth(size_t);
int              tz_parse_offset(const char *, int32_t *);
const char      *tz_example(int32_t);
void             tz_cache_free(void);

#endif /* TZ_H */
