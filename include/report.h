/*
 * report: what the outputs (JSON, Markdown, CSV, HTML, the HTTP API)
 * render: how each source was read, the incidents, the display zone, and
 * the helpers every output shares (source names, local times, safe JSON
 * strings). The out_* modules only read it.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "record.h"

struct incident;
struct incident_entry;
struct incident_note;
struct json_t;
struct source;
struct strtab;
struct tz;

/* How one input was read: a copy that outlives the input's lane. */
struct report_source {
	const char          *name;   /* borrowed from the caller */
	const char          *format; /* static: a parser's name */
	const char          *tz;     /* static: a zone's name */
	enum record_zone_src tz_src;
	uint64_t             lines, matched, no_ts, continuations;
	uint64_t             truncated, late, unknown_zone, invalid;
	uint64_t             limit_hits;
	int64_t              ref_s, mtime_s; /* year reference, mtime */
	enum record_year_src ref_src;
	uint64_t             from_ref;   /* years or dates taken from ref_s */
	int64_t              last_ts_ns; /* its last timed line */
	int32_t              last_off;
	int                  last_zoned, last_dated;
	uint64_t             zoned, unzoned; /* timed lines by zone written */
	char                *error;          /* why it was not read whole */
	const char          *duplicate_of;   /* the same file, given before */
};

/* What the unclassified signal did (replay's JSON stats). */
struct report_unclass {
	int      on;       /* 0: --no-unclassified, or not counted */
	uint64_t lines;    /* timed lines no rule matched */
	uint64_t surfaced; /* ...the template miner surfaced */
	uint64_t unmined;  /* ...not mined: no place, or the miner full */
};

/* A rule that skipped lines at the PCRE2 limits. */
struct report_limit {
	const char *rule;
	uint64_t    lines;
};

struct report {
	const struct report_source *sources;
	int                         nsources;
	const struct strtab        *names; /* source ids of entries */
	const struct tz            *display_tz;
	int64_t                     generated_ns;
	int                         nincidents; /* in the report */
	char                      **warnings; /* for the top of every output */
	int                         nwarnings;
	const struct report_limit  *limits;
	int                         nlimits;
	uint64_t                    incidents_dropped, entries_dropped;
	uint64_t                    forced; /* merged out of order */
	uint64_t event_id; /* the daemon's newest stream event; 0: none */
	struct report_unclass unclass;
};

/*
 * An output format. A report is written as head, incidents in order of
 * start, tail. The head is written last, when the totals are known:
 * replay streams each closed incident to a temporary file meanwhile.
 * Each function returns 0, or -1 on a write error.
 */
struct output {
	const char *name;
	int (*head)(FILE *, const struct report *);
	int (*incident)(
	    FILE *, const struct report *, const struct incident *, int);
	int (*tail)(FILE *, const struct report *);
};

extern const struct output output_json, output_md, output_csv, output_html;

const struct output *output_find(const char *);
void        report_source_take(struct report_source *, const struct source *);
const char *report_source_name(const struct report *, int);
size_t      report_local(const struct report *, char *, size_t, int64_t, int);
void        report_time(const struct report *, char *, size_t, int64_t, int);
size_t      report_note(
	 const struct report *, const struct incident_note *, char *, size_t, int);
struct json_t *report_jstr(const char *, size_t);
struct json_t *report_jfields(const struct record *);
struct json_t *
out_json_incident(const struct report *, const struct incident *);
struct json_t *out_json_summary(const struct report *, const struct incident *);
struct json_t *out_json_entry(const struct report *, const struct incident *,
    const struct incident_entry *);
int            out_json_put(FILE *, struct json_t *, int);

#endif /* REPORT_H */
