/*
 * report: what the outputs (JSON, Markdown, CSV, HTML, the HTTP API)
 * render: the sources with their counters, the incidents, the display
 * zone. The out_* modules only read it.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>
#include <stdio.h>

struct incident;
struct json_t;
struct record;
struct incident_engine;
struct source;
struct tz;

struct report {
	struct source         **sources;
	int                     nsources;
	struct incident_engine *engine;
	const struct tz        *display_tz;
	int64_t                 generated_ns;
};

const char *report_source_name(const struct report *, int);
size_t      report_local(const struct report *, char *, size_t, int64_t, int);
struct json_t *report_jstr(const char *, size_t);
struct json_t *report_jfields(const struct record *);
struct json_t *out_json_incident(const struct report *, struct incident *);
int            out_json(FILE *, const struct report *);
int out_md_incident(FILE *, const struct report *, struct incident *);
int out_md(FILE *, const struct report *);
int out_csv(FILE *, const struct report *);
int out_html(FILE *, const struct report *);

#endif /* REPORT_H */
