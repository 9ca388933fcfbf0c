/*
 * out_json: the schema "timelined/1" (docs/schema.md) for replay and the
 * HTTP API: the report, or one incident object.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "record.h"
#include "report.h"
#include "rule.h"
#include "tstamp.h"
#include "tz.h"

/* A UTC timestamp string. */
static json_t *
out_json_ts(int64_t ns, int frac)
{
	char buf[64];

	tstamp_format(buf, sizeof(buf), ns, frac, 0);
	return json_string(buf);
}

/* The captures "k\0v\0" of an entry as a JSON object. */
static json_t *
out_json_fields(const struct incident_entry *x)
{
	json_t     *o = json_object();
	const char *p = x->fields, *end = x->fields + x->fields_len, *k;

	while (p < end) {
		k = p;
		p += strlen(p) + 1;
		if (p >= end)
			break;
		json_object_set_new(o, k, json_string(p));
		p += strlen(p) + 1;
	}
	return o;
}

/* One timeline entry. */
json_t *
out_json_entry(const struct report *rep, const struct incident *inc,
    const struct incident_entry *x)
{
	json_t *o = json_object();
	char    buf[64];

	json_object_set_new(o, "id", json_sprintf("%s#%d", inc->id, x->id));
	json_object_set_new(o, "ts", out_json_ts(x->first_ns, x->first_frac));
	report_local(rep, buf, sizeof(buf), x->first_ns, x->first_frac);
	json_object_set_new(o, "local", json_string(buf));
	json_object_set_new(o, "category", json_string(x->rule->category));
	json_object_set_new(o, "rule", json_string(x->rule->id));
	json_object_set_new(
	    o, "source", json_string(report_source_name(rep, x->source)));
	json_object_set_new(
	    o, "host", x->host[0] ? json_string(x->host) : json_null());
	json_object_set_new(o, "message", json_string(x->message));
	json_object_set_new(o, "title", json_string(x->title));
	json_object_set_new(o, "count", json_integer((json_int_t)x->count));
	json_object_set_new(
	    o, "first", out_json_ts(x->first_ns, x->first_frac));
	json_object_set_new(o, "last", out_json_ts(x->last_ns, x->last_frac));
	json_object_set_new(
	    o, "line_first", json_integer((json_int_t)x->line_first));
	json_object_set_new(
	    o, "line_last", json_integer((json_int_t)x->line_last));
	if (x->source_last != x->source)
		json_object_set_new(o, "source_last",
		    json_string(report_source_name(rep, x->source_last)));
	if (x->trigger)
		json_object_set_new(o, "trigger", json_true());
	if (x->fields_len > 0)
		json_object_set_new(o, "fields", out_json_fields(x));
	return o;
}

/* The triggers, newest first, with their lead time before the start. */
static json_t *
out_json_triggers(const struct incident *inc)
{
	json_t                      *a = json_array(), *o;
	const struct incident_entry *x;
	int                          i;

	for (i = inc->nentries - 1; i >= 0; i--) {
		x = &inc->entries[i];
		if (!x->trigger)
			continue;
		o = json_object();
		json_object_set_new(
		    o, "category", json_string(x->rule->category));
		json_object_set_new(
		    o, "ts", out_json_ts(x->first_ns, x->first_frac));
		json_object_set_new(o, "lead_s",
		    json_integer((json_int_t)((inc->start_ns - x->first_ns) /
			TSTAMP_NS_PER_S)));
		json_object_set_new(o, "rule", json_string(x->rule->id));
		json_object_set_new(o, "message", json_string(x->message));
		json_object_set_new(
		    o, "count", json_integer((json_int_t)x->count));
		json_array_append_new(a, o);
	}
	return a;
}

/* The distinct categories of the timeline, in order of appearance. */
static json_t *
out_json_categories(const struct incident *inc)
{
	json_t *a = json_array();
	size_t  j;
	int     i, seen;

	for (i = 0; i < inc->nentries; i++) {
		if (inc->entries[i].trigger)
			continue;
		seen = 0;
		for (j = 0; j < json_array_size(a); j++)
			if (strcmp(json_string_value(json_array_get(a, j)),
				inc->entries[i].rule->category) == 0)
				seen = 1;
		if (!seen)
			json_array_append_new(
			    a, json_string(inc->entries[i].rule->category));
	}
	return a;
}

/* Milestones: start, detected, mitigated, end and the two durations. */
static void
out_json_milestones(json_t *o, const struct incident *inc)
{
	json_object_set_new(
	    o, "start", out_json_ts(inc->start_ns, inc->start_frac));
	json_object_set_new(o, "detected",
	    inc->detected_ns >= 0 ? out_json_ts(inc->detected_ns, 0)
				  : json_null());
	json_object_set_new(o, "mitigated",
	    inc->mitigated_ns >= 0 ? out_json_ts(inc->mitigated_ns, 0)
				   : json_null());
	json_object_set_new(o, "end", out_json_ts(inc->end_ns, inc->end_frac));
	json_object_set_new(o, "duration_s",
	    json_integer(
		(json_int_t)((inc->end_ns - inc->start_ns) / TSTAMP_NS_PER_S)));
	json_object_set_new(o, "time_to_detect_s",
	    inc->detected_ns >= 0
		? json_integer((json_int_t)((inc->detected_ns - inc->start_ns) /
		      TSTAMP_NS_PER_S))
		: json_null());
	json_object_set_new(o, "time_to_mitigate_s",
	    inc->mitigated_ns >= 0
		? json_integer(
		      (json_int_t)((inc->mitigated_ns - inc->start_ns) /
			  TSTAMP_NS_PER_S))
		: json_null());
	/* From detection to the end: how long responders took, once they
	 * knew (duration_s is from the first failure). */
	json_object_set_new(o, "time_to_recover_s",
	    inc->detected_ns >= 0 && !inc->open
		? json_integer((json_int_t)((inc->end_ns - inc->detected_ns) /
		      TSTAMP_NS_PER_S))
		: json_null());
}

/* The notes, their times in UTC. */
static json_t *
out_json_notes(const struct report *rep, const struct incident *inc)
{
	json_t *a = json_array();
	char    buf[512];
	int     i;

	for (i = 0; i < inc->nnotes; i++) {
		report_note(rep, &inc->notes[i], buf, sizeof(buf), 0);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

/* An incident object, with its timeline or (summary) without it. */
static json_t *
out_json_incident_as(
    const struct report *rep, const struct incident *inc, int summary)
{
	json_t *o = json_object(), *tl = json_array();
	int     i;

	json_object_set_new(o, "id", json_string(inc->id));
	json_object_set_new(o, "title", json_string(inc->title));
	if (inc->open)
		json_object_set_new(o, "open", json_true());
	out_json_milestones(o, inc);
	json_object_set_new(
	    o, "failures", json_integer((json_int_t)inc->failures));
	json_object_set_new(o, "categories", out_json_categories(inc));
	json_object_set_new(o, "triggers", out_json_triggers(inc));
	for (i = 0; !summary && i < inc->nentries; i++)
		json_array_append_new(
		    tl, out_json_entry(rep, inc, &inc->entries[i]));
	if (summary)
		json_decref(tl);
	else
		json_object_set_new(o, "timeline", tl);
	json_object_set_new(o, "notes", out_json_notes(rep, inc));
	return o;
}

/* One incident object of the schema. */
json_t *
out_json_incident(const struct report *rep, const struct incident *inc)
{
	return out_json_incident_as(rep, inc, 0);
}

/*
 * The incident object without its timeline, for the stream's incident
 * events: its cost does not grow with the entries' JSON.
 */
json_t *
out_json_summary(const struct report *rep, const struct incident *inc)
{
	return out_json_incident_as(rep, inc, 1);
}

/* One source's counters. */
static json_t *
out_json_source(const struct report_source *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "format", json_string(s->format));
	json_object_set_new(o, "tz", json_string(s->tz));
	json_object_set_new(
	    o, "tz_from", json_string(record_zone_src_name(s->tz_src)));
	json_object_set_new(o, "lines", json_integer((json_int_t)s->lines));
	json_object_set_new(o, "matched", json_integer((json_int_t)s->matched));
	json_object_set_new(
	    o, "unparsed_timestamps", json_integer((json_int_t)s->no_ts));
	json_object_set_new(o, "continuation_lines",
	    json_integer((json_int_t)s->continuations));
	json_object_set_new(
	    o, "truncated_lines", json_integer((json_int_t)s->truncated));
	json_object_set_new(
	    o, "out_of_order", json_integer((json_int_t)s->late));
	json_object_set_new(
	    o, "unresolved_zones", json_integer((json_int_t)s->unknown_zone));
	json_object_set_new(
	    o, "invalid_timestamps", json_integer((json_int_t)s->invalid));
	json_object_set_new(
	    o, "limit_hits", json_integer((json_int_t)s->limit_hits));
	if (s->error != NULL)
		json_object_set_new(o, "error", json_string(s->error));
	if (s->duplicate_of != NULL)
		json_object_set_new(
		    o, "duplicate_of", json_string(s->duplicate_of));
	return o;
}

/*
 * Writes v nested depth levels deep, laid out as if the whole report were
 * dumped at once with an indent of 1: an array element (its first line
 * indented too), or a value after its key (first line not indented).
 */
static int
out_json_element(FILE *fp, json_t *v, int depth)
{
	char *s = json_dumps(v, JSON_INDENT(1) | JSON_PRESERVE_ORDER), *p;
	int   rc = -1, pad = depth;

	json_decref(v);
	if (s == NULL)
		return -1;
	if (depth < 0) /* a value after its key */
		depth = -depth, pad = 0;
	for (p = s; p != NULL && *p != '\0'; pad = depth) {
		fprintf(fp, "%*s", pad, "");
		p += fwrite(p, 1, strcspn(p, "\n"), fp);
		if (*p == '\n')
			fputc(*p++, fp);
	}
	rc = ferror(fp) ? -1 : 0;
	free(s);
	return rc;
}

/* A JSON string literal of s. */
static void
out_json_str(FILE *fp, const char *s)
{
	json_t *j = json_string(s);

	json_dumpf(j, fp, JSON_ENCODE_ANY);
	json_decref(j);
}

/* The warnings every output shows at its top. */
static json_t *
out_json_warnings(const struct report *rep)
{
	json_t *a = json_array();
	int     i;

	for (i = 0; i < rep->nwarnings; i++)
		json_array_append_new(
		    a, report_jstr(rep->warnings[i], strlen(rep->warnings[i])));
	return a;
}

/* Totals: lines, matches, incidents and what bounds left out. */
static json_t *
out_json_stats(const struct report *rep)
{
	json_t  *o = json_object(), *lim = json_object();
	uint64_t lines = 0, matched = 0;
	int      i;

	for (i = 0; i < rep->nsources; i++) {
		lines += rep->sources[i].lines;
		matched += rep->sources[i].matched;
	}
	json_object_set_new(o, "lines", json_integer((json_int_t)lines));
	json_object_set_new(o, "matched", json_integer((json_int_t)matched));
	json_object_set_new(o, "incidents", json_integer(rep->nincidents));
	json_object_set_new(o, "incidents_dropped",
	    json_integer((json_int_t)rep->incidents_dropped));
	json_object_set_new(o, "entries_dropped",
	    json_integer((json_int_t)rep->entries_dropped));
	json_object_set_new(
	    o, "merged_out_of_order", json_integer((json_int_t)rep->forced));
	for (i = 0; i < rep->nlimits; i++)
		json_object_set_new(lim, rep->limits[i].rule,
		    json_integer((json_int_t)rep->limits[i].lines));
	json_object_set_new(o, "limit_hits", lim);
	/* Only when it did something: surfaced lines, or some not mined. */
	if (rep->unclass.on &&
	    (rep->unclass.surfaced > 0 || rep->unclass.unmined > 0))
		json_object_set_new(o, "unclassified",
		    json_pack("{s:I,s:I,s:I}", "lines",
			(json_int_t)rep->unclass.lines, "surfaced",
			(json_int_t)rep->unclass.surfaced, "unmined",
			(json_int_t)rep->unclass.unmined));
	return o;
}

/* The head: schema, generation time, zone, sources; the incidents open. */
static int
out_json_head(FILE *fp, const struct report *rep)
{
	char buf[64];
	int  i;

	tstamp_format(buf, sizeof(buf), rep->generated_ns, 0, 0);
	fputs("{\n \"schema\": \"timelined/1\",\n \"generated_at\": ", fp);
	out_json_str(fp, buf);
	fputs(",\n \"display_tz\": ", fp);
	out_json_str(fp, rep->display_tz ? tz_name(rep->display_tz) : "UTC");
	if (rep->event_id != 0)
		fprintf(fp, ",\n \"event_id\": %llu",
		    (unsigned long long)rep->event_id);
	fputs(",\n \"warnings\": ", fp);
	if (out_json_element(fp, out_json_warnings(rep), -1) == -1)
		return -1;
	fputs(",\n \"stats\": ", fp);
	if (out_json_element(fp, out_json_stats(rep), -1) == -1)
		return -1;
	fputs(",\n \"sources\": [", fp);
	for (i = 0; i < rep->nsources; i++) {
		fputs(i > 0 ? ",\n" : "\n", fp);
		if (out_json_element(fp, out_json_source(&rep->sources[i]), 2))
			return -1;
	}
	fputs(rep->nsources > 0 ? "\n ],\n \"incidents\": ["
				: "],\n "
				  "\"incidents\": [",
	    fp);
	return ferror(fp) ? -1 : 0;
}

/* An incident object, made already (consumed), the index-th. */
int
out_json_put(FILE *fp, json_t *o, int index)
{
	fputs(index > 0 ? ",\n" : "\n", fp);
	return out_json_element(fp, o, 2);
}

/* One incident, the index-th of the report. */
static int
out_json_one(
    FILE *fp, const struct report *rep, const struct incident *inc, int index)
{
	fputs(index > 0 ? ",\n" : "\n", fp);
	return out_json_element(fp, out_json_incident(rep, inc), 2);
}

/* Closes the incidents and the report. */
static int
out_json_tail(FILE *fp, const struct report *rep)
{
	fputs(rep->nincidents > 0 ? "\n ]\n}\n" : "]\n}\n", fp);
	return ferror(fp) ? -1 : 0;
}

const struct output output_json = {
    "json", out_json_head, out_json_one, out_json_tail};
