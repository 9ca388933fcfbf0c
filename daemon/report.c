/*
 * report: the helpers every output shares: a source's counters copied out
 * of its lane, source names by id, local times in the display zone, and
 * JSON strings that are always valid UTF-8.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "report.h"
#include "source.h"
#include "strtab.h"
#include "tstamp.h"
#include "tz.h"
#include "utf8.h"
#include "xmalloc.h"

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
