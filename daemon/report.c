/*
 * report: the helpers every output shares: a source's counters copied out
 * of its lane, source names by id, local times in the display zone, and
 * JSON strings that are always valid UTF-8.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "record.h"
#include "report.h"
#include "source.h"
#include "strtab.h"
#include "tstamp.h"
#include "tz.h"
#include "utf8.h"
#include "xmalloc.h"

static const struct output *const outputs[] = {
    &output_json, &output_md, &output_csv, &output_html, NULL};

/* The output format called name, or NULL. */
const struct output *
output_find(const char *name)
{
	int i;

	for (i = 0; outputs[i] != NULL; i++)
		if (strcmp(outputs[i]->name, name) == 0)
			return outputs[i];
	return NULL;
}

/* Copies what the outputs need of a source's state into rs. */
void
report_source_take(struct report_source *rs, const struct source *s)
{
	rs->format = source_format(s);
	rs->tz = tz_name(s->tz);
	rs->tz_src = s->tz_src;
	rs->lines = s->lines;
	rs->matched = s->matched;
	rs->no_ts = s->no_ts;
	rs->continuations = s->continuations;
	rs->unknown_zone = s->unknown_zone;
	rs->invalid = s->bad_ts;
	rs->ref_s = s->ref_s;
	rs->mtime_s = s->mtime_s;
	rs->ref_src = s->ref_src;
	rs->from_ref = s->from_ref;
	rs->last_ts_ns = s->last_ts_ns;
	rs->last_off = s->last_off;
	rs->last_zoned = s->last_zoned;
	rs->last_dated = s->last_dated;
	rs->zoned = s->zoned;
	rs->unzoned = s->unzoned;
}

/* The name of source id i ("api" for notes added by hand). */
const char *
report_source_name(const struct report *rep, int i)
{
	const char *s = NULL;

	if (i >= 0 && rep->names != NULL)
		s = strtab_get(rep->names, (uint32_t)i);
	return s != NULL ? s : "api";
}

/* Formats ns in the display zone with its offset; returns the length. */
size_t
report_local(
    const struct report *rep, char *buf, size_t n, int64_t ns, int frac)
{
	int32_t off = 0;

	if (rep->display_tz != NULL)
		off = tz_offset_at(rep->display_tz,
		    ns / TSTAMP_NS_PER_S - (ns % TSTAMP_NS_PER_S < 0));
	return tstamp_format(buf, n, ns, frac, off);
}

/* A JSON string from arbitrary bytes: always valid UTF-8. */
json_t *
report_jstr(const char *p, size_t n)
{
	char    small[1024], *buf = small;
	size_t  cap = n * 3 + 1, len;
	json_t *j;

	if (cap > sizeof(small))
		buf = xmalloc(cap);
	else
		cap = sizeof(small);
	len = utf8_sanitize(p, n, buf, cap);
	j = json_stringn(buf, len);
	if (buf != small)
		free(buf);
	return j;
}

/* The record's fields as a JSON object. */
json_t *
report_jfields(const struct record *r)
{
	json_t *o = json_object();
	char    key[128];
	int     i;

	for (i = 0; i < r->nfields; i++) {
		utf8_sanitize(
		    r->fields[i].key, r->fields[i].key_len, key, sizeof(key));
		json_object_set_new(o, key,
		    report_jstr(r->fields[i].val, r->fields[i].val_len));
	}
	return o;
}

/*
 * Writes ns for people: "2024-03-15 10:00:01 WAT" (with_date) or
 * "10:00:01 WAT", in the display zone with its abbreviation.
 */
void
report_time(
    const struct report *rep, char *buf, size_t n, int64_t ns, int with_date)
{
	char        iso[64];
	const char *abbr = "UTC";

	report_local(rep, iso, sizeof(iso), ns, 0);
	if (rep->display_tz != NULL)
		abbr = tz_abbr_at(rep->display_tz, ns / TSTAMP_NS_PER_S);
	iso[10] = ' '; /* "2024-03-15T10:00:01+01:00" */
	iso[19] = '\0';
	snprintf(buf, n, "%.19s %.15s", with_date ? iso : iso + 11, abbr);
}

/* Writes ns as UTC RFC 3339 (local 0) or for people (local 1). */
static void
report_note_time(
    const struct report *rep, char *buf, size_t n, int64_t ns, int local)
{
	if (local)
		report_time(rep, buf, n, ns, 1);
	else
		tstamp_format(buf, n, ns, 0, 0);
}

/*
 * The text of a note for the postmortem author, its times in UTC RFC 3339
 * (local 0: JSON) or in the display zone (local 1: Markdown, HTML).
 * Returns the length.
 */
size_t
report_note(const struct report *rep, const struct incident_note *nt, char *buf,
    size_t size, int local)
{
	char a[64], b[64];
	int  n = 0;

	report_note_time(rep, a, sizeof(a), nt->t1, local);
	report_note_time(rep, b, sizeof(b), nt->t2, local);
	switch (nt->kind) {
	case INCIDENT_NOTE_ROLLBACK:
		n = snprintf(buf, size,
		    "failures persisted after the rollback at %s (\"%s\"): "
		    "the last failure was at %s, so the rollback did not "
		    "fix it",
		    a, nt->quote, b);
		break;
	case INCIDENT_NOTE_RECURRED:
		n = snprintf(buf, size,
		    "failures recurred at %s after a recovery at %s", b, a);
		break;
	case INCIDENT_NOTE_SHIFTED:
		n = snprintf(buf, size,
		    "timestamps disagree: the failures in %s are shifted by "
		    "%+.1f h against %s at both start and end; check the "
		    "zone of one of them (--source-tz)",
		    report_source_name(rep, nt->src_b),
		    (double)nt->shift_ns / (3600.0 * TSTAMP_NS_PER_S),
		    report_source_name(rep, nt->src_a));
		break;
	case INCIDENT_NOTE_TEXT:
		n = snprintf(buf, size, "%s", nt->text ? nt->text : "");
		break;
	case INCIDENT_NOTE_DROPPED:
		n = snprintf(buf, size,
		    "%llu matches were not kept: more than the entry limit "
		    "per incident",
		    (unsigned long long)nt->count);
		break;
	case INCIDENT_NOTE_UC:
		n = snprintf(buf, size,
		    "%llu unclassified lines were not kept: more than %d "
		    "error patterns in one incident",
		    (unsigned long long)nt->count, INCIDENT_UC_MAX);
		break;
	}
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
