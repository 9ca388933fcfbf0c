/*
 * record: one log line as understood: its timestamp (as written, then in
 * UTC), host, program, severity, message and, for structured formats, its
 * fields. Pointers in a record point into the line or into the record's
 * scratch buffer and are valid only until the next line is parsed.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "tstamp.h"

#define RECORD_MAX_FIELDS 32
#define RECORD_HOST_MAX   64
#define RECORD_PROG_MAX   64

/* Where a record's zone came from (contract: explicit, source, default). */
enum record_zone_src {
	RECORD_ZONE_NONE = 0,
	RECORD_ZONE_EXPLICIT, /* written in the line */
	RECORD_ZONE_SOURCE,   /* --source-tz or the source's "tz" */
	RECORD_ZONE_DEFAULT   /* --tz or the machine's zone */
};

/* Where a record's year came from. */
enum record_year_src {
	RECORD_YEAR_NONE = 0,
	RECORD_YEAR_EXPLICIT, /* written in the line */
	RECORD_YEAR_OPTION,   /* --year */
	RECORD_YEAR_GZIP,     /* the gzip header's mtime */
	RECORD_YEAR_MTIME,    /* the file's mtime */
	RECORD_YEAR_ROLLOVER, /* one of the above, moved across New Year */
	RECORD_YEAR_CLOCK,    /* live input: the current date */
	RECORD_YEAR_ALIGNED,  /* the full dates around it in the same file */
	RECORD_YEAR_SOURCES,  /* the years the other inputs of a replay carry */
	RECORD_YEAR_CLOCK_MTIME, /* the clock: the file's mtime is in the future */
	RECORD_YEAR_CLOCK_GZIP /* the clock: the gzip mtime is in the future */
};

/* A key/value slice; val is unescaped (may point into scratch). */
struct record_field {
	const char *key;
	size_t      key_len;
	const char *val;
	size_t      val_len;
};

struct record {
	/* Input, set by the caller before parsing. */
	const char *line;
	size_t      len;

	/* Set by a parser. */
	int           has_ts; /* a timestamp was read into tm */
	struct tstamp tm;
	int           ts_bad;   /* a record of its own whose time is unusable */
	const char   *ts_error; /* why, when ts_bad: "invalid date" */
	const char   *msg;      /* text after the header */
	size_t        msg_len;
	char          host[RECORD_HOST_MAX];
	char          program[RECORD_PROG_MAX];
	int           severity; /* syslog 0..7, -1 unknown */
	struct record_field fields[RECORD_MAX_FIELDS];
	int                 nfields;

	/* Scratch for unescaped text; owned by whoever owns the record. */
	char  *scratch;
	size_t scratch_cap;
	size_t scratch_len;

	/* Set when the timestamp is resolved to UTC (pipeline). */
	int64_t              ts_ns;      /* UTC nanoseconds since the epoch */
	int32_t              utc_offset; /* offset of the local time written */
	enum record_zone_src zone_src;
	enum record_year_src year_src;
	enum record_year_src date_src;  /* NONE, or where the date came from
					   when the line has a time of day only */
	int                  ambiguous; /* local time was in a fall-back hour */
	int abbr_unresolved;            /* tm.abbr unknown or ambiguous (IST) */
};

void  record_reset(struct record *, const char *, size_t);
char *record_scratch(struct record *, size_t);
void  record_set_host(struct record *, const char *, size_t);
void  record_ts_bad(struct record *, const char *);
void  record_set_program(struct record *, const char *, size_t);
int
record_add_field(struct record *, const char *, size_t, const char *, size_t);
const struct record_field *record_field(const struct record *, const char *);
int                        record_severity(const char *, size_t);
const char                *record_zone_src_name(enum record_zone_src);
const char                *record_year_src_name(enum record_year_src);

#endif /* RECORD_H */
