/*
 * timecheck: the decisions and sentences about inputs whose times cannot
 * all be right: a file mtime in the future (the clock is the year
 * reference instead), a year-less input whose inferred year no other
 * input shares (read as theirs), a last line a whole number of half hours
 * off its file's mtime (its zone is likely wrong). Pure: numbers in,
 * decisions and text out; the pipeline reads files and says warnings.
 */
#ifndef TIMECHECK_H
#define TIMECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct source_scan;

#define TIMECHECK_TOLERANCE_S 180          /* a zone-like gap, give or take */
#define TIMECHECK_OFFSET_MIN  (-12 * 3600) /* the zones people live in */
#define TIMECHECK_OFFSET_MAX  (14 * 3600)

int64_t timecheck_ref(int64_t, int64_t, int64_t, enum record_year_src *);
int     timecheck_zone_like(int64_t, int32_t, int32_t *);
size_t  timecheck_zone_name(char *, size_t, int32_t);
size_t  timecheck_duration(char *, size_t, int64_t);
int     timecheck_sources_year(
	const struct source_scan *const *, int, int, int *, int *);
size_t timecheck_last_line(
    char *, size_t, const char *, int64_t, int32_t, int64_t, const char *);

#endif /* TIMECHECK_H */
