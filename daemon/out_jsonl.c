/*
 * out_jsonl: the line-per-object printers of `timelined parse` and
 * `timelined match`. They read what a lane made of one line and never
 * change it.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lane.h"
#include "out_jsonl.h"
#include "record.h"
#include "report.h"
#include "rule.h"
#include "source.h"
#include "tstamp.h"

/* Writes o as one compact line and frees it; 0, or -1 on error. */
static int
out_jsonl_put(FILE *fp, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int   rc = -1;

	json_decref(o);
	if (s != NULL && fputs(s, fp) != EOF && fputc('\n', fp) != EOF)
		rc = 0;
	free(s);
	return rc;
}

/* Adds ts and local (or nulls) and the provenance of the time. */
static void
out_jsonl_time(json_t *o, const struct record *r)
{
	char buf[64];

	if (!r->has_ts) {
		json_object_set_new(o, "ts", json_null());
		json_object_set_new(o, "local", json_null());
		if (r->ts_bad)
			json_object_set_new(
			    o, "ts_error", json_string(r->ts_error));
		return;
	}
	tstamp_format(buf, sizeof(buf), r->ts_ns, r->tm.frac_digits, 0);
	json_object_set_new(o, "ts", json_string(buf));
	tstamp_format(
	    buf, sizeof(buf), r->ts_ns, r->tm.frac_digits, r->utc_offset);
	json_object_set_new(o, "local", json_string(buf));
	json_object_set_new(
	    o, "zone_src", json_string(record_zone_src_name(r->zone_src)));
	json_object_set_new(
	    o, "year_src", json_string(record_year_src_name(r->year_src)));
	if (r->date_src != RECORD_YEAR_NONE)
		json_object_set_new(o, "date_src",
		    json_string(record_year_src_name(r->date_src)));
}

/* Adds host, program, severity, message and fields of a record. */
static void
out_jsonl_body(json_t *o, const struct record *r)
{
	if (r->host[0])
		json_object_set_new(
		    o, "host", report_jstr(r->host, strlen(r->host)));
	if (r->program[0])
		json_object_set_new(
		    o, "program", report_jstr(r->program, strlen(r->program)));
	if (r->severity >= 0)
		json_object_set_new(o, "severity", json_integer(r->severity));
	json_object_set_new(o, "message", report_jstr(r->msg, r->msg_len));
	if (r->nfields > 0)
		json_object_set_new(o, "fields", report_jfields(r));
}

/* Prints how one line was read (timelined parse). */
int
out_jsonl_record(FILE *fp, const struct lane *l, const struct lane_out *lo)
{
	const struct source *src = lane_source_const(l);
	const struct record *r = lo->rec;
	json_t              *o = json_object();

	json_object_set_new(o, "source", json_string(src->name));
	json_object_set_new(o, "line", json_integer((json_int_t)lo->lineno));
	json_object_set_new(o, "format",
	    src->format ? json_string(src->format->name) : json_null());
	out_jsonl_time(o, r);
	if (r->ambiguous)
		json_object_set_new(o, "ambiguous", json_true());
	if (r->abbr_unresolved)
		json_object_set_new(
		    o, "zone_unresolved", json_string(r->tm.abbr));
	if (src->continuation)
		json_object_set_new(o, "continuation", json_true());
	if (lo->cut)
		json_object_set_new(o, "truncated", json_true());
	out_jsonl_body(o, r);
	return out_jsonl_put(fp, o);
}

/* Prints how one line was classified (timelined match); hit may be NULL. */
int
out_jsonl_match(FILE *fp, const struct lane *l, const struct lane_out *lo)
{
	const struct record   *r = lo->rec;
	const struct rule_hit *h = lo->hit;
	json_t                *o = json_object();
	char                   buf[64];
	int                    i;

	json_object_set_new(
	    o, "source", json_string(lane_source_const(l)->name));
	json_object_set_new(o, "line", json_integer((json_int_t)lo->lineno));
	if (r->has_ts) {
		tstamp_format(buf, sizeof(buf), r->ts_ns, r->tm.frac_digits, 0);
		json_object_set_new(o, "ts", json_string(buf));
	} else
		json_object_set_new(o, "ts", json_null());
	json_object_set_new(
	    o, "rule", h ? json_string(h->rule->id) : json_null());
	json_object_set_new(
	    o, "category", h ? json_string(h->rule->category) : json_null());
	json_object_set_new(o, "message", report_jstr(r->msg, r->msg_len));
	for (i = 0; h != NULL && i < h->ncap; i++)
		if (h->cap[i].val != NULL &&
		    json_object_get(o, h->cap[i].name) == NULL)
			json_object_set_new(o, h->cap[i].name,
			    report_jstr(h->cap[i].val, h->cap[i].val_len));
	if (h != NULL)
		json_object_set_new(o, "file",
		    json_sprintf("%s:%d", h->rule->file, h->rule->line));
	if (lo->limit_hit)
		json_object_set_new(o, "limit_hit", json_true());
	if (lo->cut)
		json_object_set_new(o, "truncated", json_true());
	return out_jsonl_put(fp, o);
}
