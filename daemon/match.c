/*
 * match: copies what a timeline needs out of a record and a rule hit (or
 * a template the miner surfaced), sanitised and bounded, so the line
 * buffer can move on.
 */
#include <stdio.h>
#include <string.h>

#include "match.h"
#include "record.h"
#include "rule.h"
#include "template.h"
#include "tstamp.h"
#include "utf8.h"

/* Appends "key\0val\0" to m's fields if it fits. */
static void
match_add_field(struct match *m, const char *k, const char *v, size_t vlen)
{
	char   val[256];
	size_t kl = strlen(k), vl;

	vl = utf8_sanitize(v, vlen, val, sizeof(val));
	if (m->fields_len + kl + vl + 2 > sizeof(m->fields))
		return;
	memcpy(m->fields + m->fields_len, k, kl + 1);
	m->fields_len += kl + 1;
	memcpy(m->fields + m->fields_len, val, vl + 1);
	m->fields_len += vl + 1;
}

/* Fills m from the record r that the rule hit h classified. */
void
match_from_hit(
    struct match *m, const struct record *r, const struct rule_hit *h)
{
	const char *host = r->host;
	int         i;

	m->ts_ns = r->ts_ns;
	m->utc_offset = r->utc_offset;
	m->frac_digits = r->tm.frac_digits;
	m->ambiguous = r->ambiguous;
	snprintf(m->rule_id, sizeof(m->rule_id), "%s", h->rule->id);
	m->cat = h->rule->cat;
	m->open_min = h->rule->open_min;
	m->ref = NULL;
	m->tmpl = 0;
	m->fields_len = 0;
	for (i = 0; i < h->ncap; i++) {
		if (h->cap[i].val == NULL)
			continue;
		match_add_field(
		    m, h->cap[i].name, h->cap[i].val, h->cap[i].val_len);
	}

	utf8_sanitize(host, strlen(host), m->host, sizeof(m->host));
	utf8_sanitize(r->msg, r->msg_len, m->message, sizeof(m->message));
	rule_format_title(h, m->title, sizeof(m->title));
}

/*
 * Fills m from the record r whose template the miner surfaced (answer a):
 * category unclassified, rule "unclassified.new" or "unclassified.spike",
 * the template's text as the message, and as fields why it was surfaced
 * and, for a spike, the template's lines and first time in its log.
 */
void
match_from_template(
    struct match *m, const struct record *r, const struct template_answer *a)
{
	char buf[40];

	m->ts_ns = r->ts_ns;
	m->utc_offset = r->utc_offset;
	m->frac_digits = r->tm.frac_digits;
	m->ambiguous = r->ambiguous;
	snprintf(m->rule_id, sizeof(m->rule_id), "unclassified.%s",
	    template_why_name(a->why));
	m->cat = CATEGORY_UNCLASSIFIED;
	m->open_min = 0;
	m->ref = NULL;
	m->tmpl = a->id;
	m->fields_len = 0;
	match_add_field(m, "why", template_why_name(a->why),
	    strlen(template_why_name(a->why)));
	if (a->why == TEMPLATE_SPIKE) { /* a spike's template is not new */
		snprintf(
		    buf, sizeof(buf), "%llu", (unsigned long long)a->count);
		match_add_field(m, "template_lines", buf, strlen(buf));
		tstamp_format(buf, sizeof(buf), a->first_ns, 0, 0);
		match_add_field(m, "template_first", buf, strlen(buf));
	}
	utf8_sanitize(r->host, strlen(r->host), m->host, sizeof(m->host));
	utf8_sanitize(a->text, a->text_len, m->message, sizeof(m->message));
	snprintf(m->title, sizeof(m->title), "%s",
	    a->why == TEMPLATE_SPIKE ? "error pattern spiking"
				     : "new error pattern");
}

/* 1 if the match's category is a failure (opens or extends incidents). */
int
match_is_failure(const struct match *m)
{
	return category_is_failure(m->cat);
}

/* Orders matches by time, then by arrival: <0, 0, >0 like strcmp. */
int
match_cmp(const struct match *a, const struct match *b)
{
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}
