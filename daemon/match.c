/*
 * match: copies what a timeline needs out of a record and a rule hit (or
 * a template the miner surfaced), sanitised and bounded, so the line
 * buffer can move on.
 */
#include <stddef.h>
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

/* The scalars at the head of a packed match. */
struct match_head {
	int64_t       ts_ns;
	int32_t       utc_offset;
	int           frac_digits, ambiguous, source, group, open_min;
	enum category cat;
	uint64_t      lineno, end_off, seq;
	uint32_t      tmpl, fields_len;
};

/* Appends the string s and its NUL at p; returns the byte after it. */
static char *
match_put(char *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max - 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p + n + 1;
}

/* Bytes match_pack() writes for m: at most sizeof(struct match) or so. */
size_t
match_packed_size(const struct match *m)
{
	return sizeof(struct match_head) +
	    strnlen(m->rule_id, sizeof(m->rule_id) - 1) +
	    strnlen(m->host, sizeof(m->host) - 1) +
	    strnlen(m->message, sizeof(m->message) - 1) +
	    strnlen(m->title, sizeof(m->title) - 1) + 4 + m->fields_len;
}

/*
 * Writes m compactly at buf (match_packed_size() bytes, no alignment
 * needed): a match waits in a queue between threads at a fifth of its
 * size. Returns the bytes written. The engine's ref is not kept.
 */
size_t
match_pack(const struct match *m, char *buf)
{
	struct match_head h;
	char             *p = buf + sizeof(h);

	memset(&h, 0, sizeof(h));
	h.ts_ns = m->ts_ns;
	h.utc_offset = m->utc_offset;
	h.frac_digits = m->frac_digits;
	h.ambiguous = m->ambiguous;
	h.source = m->source;
	h.group = m->group;
	h.open_min = m->open_min;
	h.cat = m->cat;
	h.lineno = m->lineno;
	h.end_off = m->end_off;
	h.seq = m->seq;
	h.tmpl = m->tmpl;
	h.fields_len = (uint32_t)m->fields_len;
	memcpy(buf, &h, sizeof(h));
	p = match_put(p, m->rule_id, sizeof(m->rule_id));
	p = match_put(p, m->host, sizeof(m->host));
	p = match_put(p, m->message, sizeof(m->message));
	p = match_put(p, m->title, sizeof(m->title));
	memcpy(p, m->fields, m->fields_len);
	return (size_t)(p + m->fields_len - buf);
}

/* Copies the NUL-terminated string at p into dst; the byte after it. */
static const char *
match_get(const char *p, char *dst, size_t max)
{
	size_t n = strnlen(p, max - 1);

	memcpy(dst, p, n);
	dst[n] = '\0';
	return p + n + 1;
}

/* Reads a match match_pack() wrote at buf into m; returns its size. */
size_t
match_unpack(struct match *m, const char *buf)
{
	struct match_head h;
	const char       *p = buf + sizeof(h);

	memcpy(&h, buf, sizeof(h));
	memset(m, 0, sizeof(*m));
	m->ts_ns = h.ts_ns;
	m->utc_offset = h.utc_offset;
	m->frac_digits = h.frac_digits;
	m->ambiguous = h.ambiguous;
	m->source = h.source;
	m->group = h.group;
	m->open_min = h.open_min;
	m->cat = h.cat;
	m->lineno = h.lineno;
	m->end_off = h.end_off;
	m->seq = h.seq;
	m->tmpl = h.tmpl;
	m->fields_len = h.fields_len;
	p = match_get(p, m->rule_id, sizeof(m->rule_id));
	p = match_get(p, m->host, sizeof(m->host));
	p = match_get(p, m->message, sizeof(m->message));
	p = match_get(p, m->title, sizeof(m->title));
	memcpy(m->fields, p, m->fields_len);
	return (size_t)(p + m->fields_len - buf);
}
