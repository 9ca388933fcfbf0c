/*
 * incident: assembles matches into incidents by event time. Failures open
 * an incident (once min_failures arrive within open_window) and extend it;
 * other categories join an open incident; a quiet period without failures
 * closes it. Recent non-failure matches wait in a look-back ring so that a
 * deploy before the first failure can be named as its trigger. Unclassified
 * matches (the template miner's) only ever join: they never open, extend
 * or name an incident.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "incident.h"
#include "log.h"
#include "category.h"
#include "strtab.h"
#include "tstamp.h"
#include "utf8.h"
#include "xmalloc.h"

#define RING_MAX          256
#define PENDING_MAX       256
#define INCIDENT_ONSET_NS (120 * TSTAMP_NS_PER_S)
#define INCIDENT_TAPER_NS (120 * TSTAMP_NS_PER_S) /* failures after a fix */
#define INCIDENT_BURST_NS (60 * TSTAMP_NS_PER_S)  /* gap within a deploy run */
#define NS                TSTAMP_NS_PER_S

/* Recent non-failure matches, oldest first, the oldest dropped when full. */
struct ring {
	struct match m[RING_MAX];
	int          head, len;
};

struct incident_engine {
	struct incident_conf conf;
	struct incident    **inc;
	int                  ninc, capinc;
	struct incident     *cur; /* open, or NULL */
	int                  seq;
	int64_t              now_ns;  /* newest event time seen */
	struct ring          ring[3]; /* triggers; others; unclassified */
	struct match        *pending; /* failures not yet enough */
	int                  npending;
	incident_cb          cb;
	void                *cb_arg;
	struct strtab       *refkeys; /* interned rules: "cat:open_min:id" */
	struct rule_ref    **refs;    /* by strtab id */
	uint32_t             caprefs;
	size_t               bytes;   /* entries of every incident held */
	int                  nclosed; /* closed incidents at the front */
	uint64_t             dropped; /* closed incidents past the bound */
};

static void incident_set_id(struct incident *, const struct match *);
static int  incident_is_trigger_cat(enum category);

/* The rule behind note entries added through the API. */
static const struct rule_ref note_rule = {
    "note", "note", CATEGORY_NOTE, 0, UINT32_MAX};

/* The defaults of the contract: 30 min quiet period, 2 h look-back. */
void
incident_conf_default(struct incident_conf *c)
{
	c->quiet_ns = 1800 * NS;
	c->lookback_ns = 7200 * NS;
	c->min_failures = 2;
	c->open_window_ns = 600 * NS;
	c->max_entries = 2000;
	c->max_incidents = 1000;
	c->max_bytes = (size_t)128 << 20;
}

/* Creates an engine with configuration c (copied). */
struct incident_engine *
incident_engine_new(const struct incident_conf *c)
{
	struct incident_engine *e;

	e = xcalloc(1, sizeof(*e));
	e->conf = *c;
	if (e->conf.min_failures < 1)
		e->conf.min_failures = 1;
	e->pending = xcalloc(PENDING_MAX, sizeof(*e->pending));
	e->now_ns = INT64_MIN;
	e->refkeys = strtab_new();
	return e;
}

/* Frees an incident taken from the engine (NULL is fine). */
void
incident_free(struct incident *inc)
{
	int i;

	if (inc == NULL)
		return;
	for (i = 0; i < inc->nentries; i++)
		free(inc->entries[i].text);
	free(inc->entries);
	free(inc);
}

/* Frees the engine and every incident it holds (NULL is fine). */
void
incident_engine_free(struct incident_engine *e)
{
	int i;

	if (e == NULL)
		return;
	for (i = 0; i < e->ninc; i++)
		incident_free(e->inc[i]);
	free(e->inc);
	free(e->pending);
	for (i = 0; i < (int)strtab_count(e->refkeys); i++) {
		free((char *)e->refs[i]->id);
		free(e->refs[i]);
	}
	free(e->refs);
	strtab_free(e->refkeys);
	free(e);
}

/* Takes new settings (a reload); what is open keeps going under them. */
void
incident_engine_set_conf(
    struct incident_engine *e, const struct incident_conf *c)
{
	e->conf = *c;
	if (e->conf.min_failures < 1)
		e->conf.min_failures = 1;
}

/* Sets the function told of every new or updated entry. */
void
incident_engine_set_cb(struct incident_engine *e, incident_cb cb, void *arg)
{
	e->cb = cb;
	e->cb_arg = arg;
}

/* Hash of a message with digit runs folded, so "try 3" joins "try 4". */
static uint32_t
incident_msg_hash(const char *s)
{
	uint32_t h = 2166136261u;
	int      indigit = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s)) {
			if (indigit)
				continue;
			indigit = 1;
		} else
			indigit = 0;
		h = (h ^ (unsigned char)*s) * 16777619u;
	}
	return h;
}

/*
 * The coalescing key: rule, source and host. For alerts, restarts and
 * recoveries also the message, so two different alerts stay two entries
 * while a repeated one becomes a run. Deploys, config changes and
 * rollbacks of one rule and source fold into one entry per burst
 * (incident_entry_is): an apt run upgrading 150 packages is one trigger.
 * Unclassified matches have their log's key alone: their template is
 * compared in incident_entry_is.
 */
static uint32_t
incident_key(const struct match *m)
{
	uint32_t h = m->ref->index * 2654435761u;

	if (m->cat == CATEGORY_UNCLASSIFIED) /* new or spike: one entry */
		return (uint32_t)m->group * 40503u ^ 0x9e3779b9u;
	h ^= (uint32_t)m->group * 40503u;
	h ^= incident_msg_hash(m->host) * 31u;
	if (!match_is_failure(m) && !incident_is_trigger_cat(m->cat))
		h ^= incident_msg_hash(m->message) ^
		    incident_msg_hash(m->title) * 7u;
	return h;
}

/*
 * 1 if entry x is the run match m belongs to; a trigger-like run takes
 * only matches within a burst of its last one. An unclassified match
 * joins the entry of its template (whose text may have generalised since)
 * or of the same template text in another file of the log (each file is
 * mined on its own: app.log.1 and app.log have a template each); not the
 * host: a template spans the log's.
 */
static int
incident_entry_is(
    const struct incident_entry *x, const struct match *m, uint32_t key)
{
	if (m->cat == CATEGORY_UNCLASSIFIED)
		return x->key == key && x->group == m->group &&
		    x->rule->cat == m->cat &&
		    (x->tmpl == m->tmpl || strcmp(x->message, m->message) == 0);
	if (x->key != key || x->rule != m->ref || x->group != m->group ||
	    strcmp(x->host, m->host) != 0 || m->cat == CATEGORY_NOTE)
		return 0; /* a human note stands alone */
	return !incident_is_trigger_cat(m->cat) ||
	    (m->ts_ns >= x->first_ns - INCIDENT_BURST_NS &&
		m->ts_ns <= x->last_ns + INCIDENT_BURST_NS);
}

/* What an entry made from m costs: the struct and its strings. */
static size_t
incident_entry_size(const struct match *m)
{
	return sizeof(struct incident_entry) + strlen(m->host) +
	    strlen(m->message) + strlen(m->title) + m->fields_len + 3;
}

/* Copies n bytes of s into the entry's text at *at; returns the copy. */
static const char *
incident_text(char *text, size_t *at, const char *s, size_t n)
{
	char *p = text + *at;

	memcpy(p, s, n);
	*at += n;
	return p;
}

/* Starts a new entry for m. */
static struct incident_entry *
incident_entry_new(struct incident *inc, const struct match *m, uint32_t key)
{
	struct incident_entry *x;
	size_t                 at = 0;

	if (inc->nentries == inc->capentries) {
		inc->capentries = inc->capentries ? inc->capentries * 2 : 16;
		inc->entries = xreallocarray(inc->entries,
		    (size_t)inc->capentries, sizeof(*inc->entries));
	}
	x = &inc->entries[inc->nentries];
	memset(x, 0, sizeof(*x));
	x->id = inc->nentries++;
	x->rule = m->ref;
	x->source = x->source_last = m->source;
	x->group = m->group;
	x->tmpl = m->tmpl;
	x->key = key;
	x->first_ns = x->last_ns = m->ts_ns;
	x->first_off = m->utc_offset;
	x->first_frac = x->last_frac = m->frac_digits;
	x->line_first = x->line_last = m->lineno;
	x->line_lo = x->line_hi = m->lineno;
	x->text = xmalloc(incident_entry_size(m) - sizeof(*x));
	x->host = incident_text(x->text, &at, m->host, strlen(m->host) + 1);
	x->message = incident_text(
	    x->text, &at, m->message, strlen(m->message) + 1);
	x->title = incident_text(x->text, &at, m->title, strlen(m->title) + 1);
	x->fields = incident_text(x->text, &at, m->fields, m->fields_len);
	x->fields_len = m->fields_len;
	inc->bytes += incident_entry_size(m);
	return x;
}

/* What an entry takes: the struct and its strings. */
static size_t
incident_entry_bytes(const struct incident_entry *x)
{
	return sizeof(*x) + strlen(x->host) + strlen(x->message) +
	    strlen(x->title) + x->fields_len + 3;
}

/*
 * Gives an unclassified entry the message of m, its template's text now:
 * a template generalises as its lines come ("batch alpha" and "batch
 * beta" make "batch <*>"), and the entry shows what all its lines share.
 */
static void
incident_entry_retext(struct incident_engine *e, struct incident *inc,
    struct incident_entry *x, const struct match *m)
{
	size_t old = incident_entry_bytes(x), at = 0, hl = strlen(x->host) + 1,
	       tl = strlen(x->title) + 1, ml = strlen(m->message) + 1;
	char *text;

	if (strcmp(x->message, m->message) == 0)
		return;
	text = xmalloc(hl + ml + tl + x->fields_len);
	x->host = incident_text(text, &at, x->host, hl);
	x->message = incident_text(text, &at, m->message, ml);
	x->title = incident_text(text, &at, x->title, tl);
	x->fields = incident_text(text, &at, x->fields, x->fields_len);
	free(x->text);
	x->text = text;
	inc->bytes = inc->bytes - old + incident_entry_bytes(x);
	e->bytes = e->bytes - old + incident_entry_bytes(x);
}

/* Adds m to inc: to its run if it has one, else as a new entry. */
static struct incident_entry *
incident_add(
    struct incident_engine *e, struct incident *inc, const struct match *m)
{
	struct incident_entry *x;
	uint32_t               key = incident_key(m);
	int                    i, unclassified = 0;

	for (i = inc->nentries - 1; i >= 0; i--) {
		x = &inc->entries[i];
		unclassified += x->rule->cat == CATEGORY_UNCLASSIFIED;
		if (!incident_entry_is(x, m, key))
			continue;
		x->count++;
		if (m->source == x->source && m->lineno < x->line_lo)
			x->line_lo = m->lineno;
		if (m->source == x->source && m->lineno > x->line_hi)
			x->line_hi = m->lineno;
		if (m->ts_ns >= x->last_ns) {
			x->last_ns = m->ts_ns;
			x->last_frac = m->frac_digits;
			x->line_last = m->lineno;
			x->source_last = m->source;
		}
		if (m->ts_ns < x->first_ns) { /* late arrival */
			x->first_ns = m->ts_ns;
			x->first_frac = m->frac_digits;
			x->line_first = m->lineno;
			if (m->source != x->source)
				x->line_lo = x->line_hi = m->lineno;
			x->source = m->source;
		}
		if (m->cat == CATEGORY_UNCLASSIFIED)
			incident_entry_retext(e, inc, x, m);
		return x;
	}
	/* A noisy log must not flood a timeline with patterns. */
	if (m->cat == CATEGORY_UNCLASSIFIED &&
	    unclassified >= INCIDENT_UC_MAX) {
		inc->uc_dropped++;
		return NULL;
	}
	if (inc->nentries >= e->conf.max_entries ||
	    e->bytes + incident_entry_size(m) > e->conf.max_bytes) {
		inc->dropped++;
		return NULL;
	}
	e->bytes += incident_entry_size(m);
	x = incident_entry_new(inc, m, key);
	x->count = 1;
	return x;
}

/* Notes what a match changes in the incident's milestones. */
static void
incident_account(struct incident *inc, const struct match *m)
{
	if (match_is_failure(m)) {
		inc->failures++;
		if (inc->last_recovery_ns > inc->last_failure_ns &&
		    m->ts_ns > inc->last_recovery_ns && inc->recur_ns == 0) {
			inc->recur_ns = m->ts_ns;
			inc->recur_after_ns = inc->last_recovery_ns;
		}
		if (m->ts_ns >= inc->last_failure_ns) {
			inc->last_failure_ns = m->ts_ns;
			inc->last_failure_frac = m->frac_digits;
		}
		if (m->ts_ns < inc->start_ns) {
			inc->start_ns = m->ts_ns;
			inc->start_frac = m->frac_digits;
		}
	} else if (m->cat == CATEGORY_RECOVERY &&
	    m->ts_ns >= inc->last_recovery_ns) {
		inc->last_recovery_ns = m->ts_ns;
		inc->last_recovery_frac = m->frac_digits;
	}
}

/*
 * Adds m to inc, keeps the milestones and tells the listener; returns
 * the entry m went into (NULL if it was dropped at the bound).
 */
static struct incident_entry *
incident_take(
    struct incident_engine *e, struct incident *inc, const struct match *m)
{
	struct incident_entry *x;

	x = incident_add(e, inc, m);
	incident_account(inc, m);
	inc->dirty = 1;
	if (x != NULL && e->cb != NULL)
		e->cb(inc, x, e->cb_arg);
	return x;
}

/* 1 if the category names a possible cause: deploy, config, rollback. */
static int
incident_is_trigger_cat(enum category cat)
{
	return cat == CATEGORY_DEPLOY || cat == CATEGORY_CONFIG_CHANGE ||
	    cat == CATEGORY_ROLLBACK;
}

/*
 * Keeps a non-failure match for a look-back. Triggers have a ring of
 * their own: a burst of restarts or health checks must not push the
 * deploy of an hour ago out; so have unclassified matches, which must not
 * push out an alert.
 */
static void
incident_ring_push(struct incident_engine *e, const struct match *m)
{
	struct ring *rg = &e->ring[m->cat == CATEGORY_UNCLASSIFIED ? 2
		: incident_is_trigger_cat(m->cat)                  ? 0
								   : 1];
	int          slot;

	slot = (rg->head + rg->len) % RING_MAX;
	if (rg->len == RING_MAX)
		rg->head = (rg->head + 1) % RING_MAX;
	else
		rg->len++;
	rg->m[slot] = *m;
}

/* 1 if m joins an incident opening at start: a trigger or near alert. */
static int
incident_ring_joins(
    const struct incident_engine *e, const struct match *m, int64_t start)
{
	if (m->ts_ns >= start)
		return 1;
	if (incident_is_trigger_cat(m->cat))
		return m->ts_ns >= start - e->conf.lookback_ns;
	/* Monitoring can fire before the first failure line is written. */
	return m->cat == CATEGORY_ALERT &&
	    m->ts_ns >= start - e->conf.open_window_ns;
}

/* Opens an incident at start from the pending failures and the ring. */
static void
incident_open(struct incident_engine *e, int64_t start)
{
	struct incident       *inc;
	const struct match    *m, *first = NULL;
	const struct ring     *rg;
	struct incident_entry *x;
	int                    i;

	inc = xcalloc(1, sizeof(*inc));
	inc->open = 1;
	inc->seq = e->seq++;
	inc->start_ns = start;
	inc->last_failure_ns = start;
	inc->last_recovery_ns = INT64_MIN;
	inc->detected_ns = -1;
	inc->mitigated_ns = -1;
	for (i = 0; i < e->npending && first == NULL; i++)
		if (e->pending[i].ts_ns == start)
			first = &e->pending[i];
	inc->start_frac = first->frac_digits;
	incident_set_id(inc, first);
	for (i = 0; i < RING_MAX * 3; i++) {
		rg = &e->ring[i / RING_MAX];
		if (i % RING_MAX >= rg->len)
			continue;
		m = &rg->m[(rg->head + i % RING_MAX) % RING_MAX];
		if (!incident_ring_joins(e, m, start) ||
		    (x = incident_take(e, inc, m)) == NULL)
			continue;
		if (m->ts_ns < start && incident_is_trigger_cat(m->cat))
			x->trigger = 1;
	}
	for (i = 0; i < e->npending; i++)
		if (e->pending[i].ts_ns >= start)
			incident_take(e, inc, &e->pending[i]);
	e->npending = 0;
	if (e->ninc == e->capinc) {
		e->capinc = e->capinc ? e->capinc * 2 : 8;
		e->inc = xreallocarray(
		    e->inc, (size_t)e->capinc, sizeof(*e->inc));
	}
	e->inc[e->ninc++] = inc;
	e->cur = inc;
}

/* How many matches a rule needs within the window to open on its own. */
static int
incident_open_min(const struct incident_engine *e, const struct rule_ref *r)
{
	int n = r->open_min > 1 ? r->open_min : 1;

	return n > e->conf.min_failures ? n : e->conf.min_failures;
}

/* How many pending failures came from rule r. */
static int
incident_pending_count(
    const struct incident_engine *e, const struct rule_ref *r)
{
	int i, n = 0;

	for (i = 0; i < e->npending; i++)
		n += e->pending[i].ref == r;
	return n;
}

/*
 * The start of the incident the pending failures make, or INT64_MIN if
 * they are not yet enough: min_failures ordinary failures, or a weak
 * rule (open_min > 1) matched open_min times. The start is the earliest
 * failure that counted; weak matches that did not count cannot start it.
 */
static int64_t
incident_pending_start(const struct incident_engine *e)
{
	const struct match *p;
	int64_t             start = INT64_MAX, weak = INT64_MAX;
	int                 i, strong = 0;

	for (i = 0; i < e->npending; i++) {
		p = &e->pending[i];
		if (p->ref->open_min <= 1) {
			strong++;
			if (p->ts_ns < start)
				start = p->ts_ns;
		} else if (p->ts_ns < weak &&
		    incident_pending_count(e, p->ref) >=
			incident_open_min(e, p->ref))
			weak = p->ts_ns;
	}
	if (weak != INT64_MAX)
		return weak < start ? weak : start;
	if (strong < e->conf.min_failures)
		return INT64_MIN;
	/* Weak signals just before the first counted failure are part of
	 * the same onset (the first 502 a second before the first database
	 * error): they move the start back, by two minutes at most. */
	for (i = 0; i < e->npending; i++) {
		p = &e->pending[i];
		if (p->ref->open_min > 1 && p->ts_ns < start &&
		    p->ts_ns >= start - INCIDENT_ONSET_NS)
			start = p->ts_ns;
	}
	return start;
}

/* Holds a failure until enough arrive within the window to open. */
static void
incident_pend(struct incident_engine *e, const struct match *m)
{
	int     i, drop = 0;
	int64_t start;

	while (drop < e->npending &&
	    m->ts_ns - e->pending[drop].ts_ns > e->conf.open_window_ns)
		drop++;
	if (drop == 0 && e->npending == PENDING_MAX)
		drop = 1;
	for (i = drop; i < e->npending; i++)
		e->pending[i - drop] = e->pending[i];
	e->npending -= drop;
	e->pending[e->npending++] = *m;
	if ((start = incident_pending_start(e)) != INT64_MIN)
		incident_open(e, start);
}

/* Orders entries by first time, then id. */
static int
incident_entry_cmp(const void *a, const void *b)
{
	const struct incident_entry *x = a, *y = b;

	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return x->id - y->id;
}

/*
 * The failure category that best names the incident: the earliest to
 * appear, except that upstream errors (a symptom more often than a cause)
 * name it only when nothing else failed.
 */
static enum category
incident_dominant(const struct incident *inc)
{
	const struct incident_entry *x;
	enum category                best = CATEGORY_UNCLASSIFIED;
	enum category                up = CATEGORY_UNCLASSIFIED;
	int64_t                      bt = INT64_MAX;
	int                          i;

	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (!category_is_failure(x->rule->cat))
			continue;
		if (x->rule->cat == CATEGORY_UPSTREAM_ERROR)
			up = x->rule->cat;
		else if (x->first_ns < bt) {
			bt = x->first_ns;
			best = x->rule->cat;
		}
	}
	return best != CATEGORY_UNCLASSIFIED ? best : up;
}

/* The newest trigger entry, or NULL. */
static const struct incident_entry *
incident_newest_trigger(const struct incident *inc)
{
	const struct incident_entry *x, *best = NULL;
	int                          i;

	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (x->trigger &&
		    (best == NULL || x->first_ns > best->first_ns))
			best = x;
	}
	return best;
}

/* Writes the title: "Database connection errors after deploy". */
static void
incident_title(struct incident *inc)
{
	const struct incident_entry *t = incident_newest_trigger(inc);
	enum category                c = incident_dominant(inc);
	const char                  *after = "";

	if (t != NULL)
		after = t->rule->cat == CATEGORY_DEPLOY ? " after deploy"
		    : t->rule->cat == CATEGORY_ROLLBACK
		    ? " after rollback"
		    : " after config change";
	snprintf(inc->title, sizeof(inc->title), "%s%s",
	    category_is_failure(c) ? category_phrase(c) : "Failures", after);
}

/* Sets the id from the start time and the first failure's category. */
static void
incident_set_id(struct incident *inc, const struct match *first)
{
	char ts[40];

	tstamp_format(ts, sizeof(ts), inc->start_ns / NS * NS, 0, 0);
	snprintf(inc->id, sizeof(inc->id), "%s-%s", ts,
	    category_is_failure(first->cat) ? category_slug(first->cat)
					    : "failure");
}

/* 1 if the category is an action that can mitigate: rollback and such. */
static int
incident_is_action(enum category cat)
{
	return cat == CATEGORY_ROLLBACK || cat == CATEGORY_RESTART ||
	    cat == CATEGORY_CONFIG_CHANGE;
}

/*
 * 1 if a restart entry tells of something going down rather than being
 * brought back: a stop or a shutdown is never what mitigated a failure.
 */
static int
incident_is_stop(const struct incident_entry *x)
{
	static const char *const words[] = {"stopped", "stopping", "shutdown",
	    "shutting down", "shut down", "terminated", "terminating",
	    "exiting", "aborting", "killed", NULL};
	int                      i;

	for (i = 0; words[i] != NULL; i++)
		if (strcasestr(x->message, words[i]) != NULL)
			return 1;
	return 0;
}

/* 1 if a crash was seen after time t: a restart then did not hold. */
static int
incident_crash_after(const struct incident *inc, int64_t t)
{
	int i;

	for (i = 0; i < inc->nentries; i++)
		if (inc->entries[i].rule->cat == CATEGORY_CRASH &&
		    inc->entries[i].last_ns > t)
			return 1;
	return 0;
}

/*
 * 1 if action x can be what mitigated inc: taken after the first failure
 * second, no earlier than a grace before the last failure (failures in
 * flight taper off: two minutes, or half the incident when it is short),
 * and, for a restart, a start that held (not a stop, no crash after it).
 */
static int
incident_mitigates(const struct incident *inc, const struct incident_entry *x)
{
	int64_t grace = (inc->last_failure_ns - inc->start_ns) / 2;

	if (grace > INCIDENT_TAPER_NS)
		grace = INCIDENT_TAPER_NS;
	if (!incident_is_action(x->rule->cat) || x->trigger ||
	    x->first_ns < inc->start_ns + NS ||
	    x->first_ns < inc->last_failure_ns - grace ||
	    x->first_ns > inc->end_ns)
		return 0;
	return x->rule->cat != CATEGORY_RESTART ||
	    (!incident_is_stop(x) && !incident_crash_after(inc, x->first_ns));
}

/*
 * Finds the mitigation: the earliest action after which failures stopped
 * (incident_mitigates), or none.
 */
static void
incident_mitigation(struct incident *inc)
{
	const struct incident_entry *x;
	int                          i;

	inc->mitigated_ns = -1;
	inc->mitigated_entry = -1;
	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (!incident_mitigates(inc, x))
			continue;
		if (inc->mitigated_ns < 0 || x->first_ns < inc->mitigated_ns) {
			inc->mitigated_ns = x->first_ns;
			inc->mitigated_entry = x->id;
		}
	}
}

/* Sets detected: the first alert of the timeline, or -1. */
static void
incident_detection(struct incident *inc)
{
	const struct incident_entry *x;
	int                          i;

	inc->detected_ns = -1;
	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (x->rule->cat == CATEGORY_ALERT && !x->trigger &&
		    (inc->detected_ns < 0 || x->first_ns < inc->detected_ns))
			inc->detected_ns = x->first_ns;
	}
}

/* Adds a note for the postmortem author (bounded); NULL when full. */
static struct incident_note *
incident_note(struct incident *inc, enum incident_note_kind kind)
{
	struct incident_note *n;

	if (inc->nnotes >= INCIDENT_NOTE_MAX)
		return NULL;
	n = &inc->notes[inc->nnotes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

/*
 * Notes failures that went on after the rollback had been done (its
 * last rollback entry: "Rollback to v2 complete" rather than "Rolling
 * back"), i.e. a rollback that did not fix it.
 */
static void
incident_note_rollbacks(struct incident *inc)
{
	const struct incident_entry *x, *last = NULL;
	struct incident_note        *n;
	int                          i;

	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (x->rule->cat == CATEGORY_ROLLBACK && !x->trigger &&
		    (last == NULL || x->last_ns >= last->last_ns))
			last = x;
	}
	if (last == NULL || inc->last_failure_ns - last->last_ns < 300 * NS ||
	    (n = incident_note(inc, INCIDENT_NOTE_ROLLBACK)) == NULL)
		return;
	n->t1 = last->last_ns;
	n->t2 = inc->last_failure_ns;
	utf8_sanitize(
	    last->message, strlen(last->message), n->quote, sizeof(n->quote));
}

/* First and last failure times of source src in inc; 0 if it has none. */
static int
incident_source_span(
    const struct incident *inc, int src, int64_t *a, int64_t *b)
{
	const struct incident_entry *x;
	int                          i, found = 0;

	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (x->group != src || !category_is_failure(x->rule->cat))
			continue;
		if (!found || x->first_ns < *a)
			*a = x->first_ns;
		if (!found || x->last_ns > *b)
			*b = x->last_ns;
		found = 1;
	}
	return found;
}

/*
 * 1 if d (ns) is a whole number of half hours (at least one) give or take
 * three minutes: the signature of a wrong zone rather than of causality.
 */
static int
incident_zone_like(int64_t d)
{
	int64_t half = 1800 * NS, r;

	if (d < 0)
		d = -d;
	if (d < half - 180 * NS)
		return 0;
	r = d % half;
	return r <= 180 * NS || half - r <= 180 * NS;
}

/*
 * Notes sources whose failures begin and end shifted by the same whole
 * number of half hours against another source's: the same moment seen in
 * two sources with a zone or clock offset between them.
 */
static void
incident_note_offsets(struct incident *inc)
{
	struct incident_note *n;
	int64_t               a0, a1, b0, b1, ds, de;
	int                   s, t, ns = 0, srcs[16];
	int                   i;

	for (i = 0; i < inc->nentries && ns < 16; i++) {
		s = inc->entries[i].group;
		for (t = 0; t < ns && srcs[t] != s; t++)
			;
		if (t == ns && s >= 0)
			srcs[ns++] = s;
	}
	for (s = 0; s < ns; s++)
		for (t = s + 1; t < ns; t++) {
			if (!incident_source_span(inc, srcs[s], &a0, &a1) ||
			    !incident_source_span(inc, srcs[t], &b0, &b1))
				continue;
			ds = b0 - a0;
			de = b1 - a1;
			if (!incident_zone_like(ds) ||
			    llabs(ds - de) > 180 * NS ||
			    (n = incident_note(inc, INCIDENT_NOTE_SHIFTED)) ==
				NULL)
				continue;
			n->src_a = srcs[s];
			n->src_b = srcs[t];
			n->shift_ns = ds;
		}
}

/* Writes the notes: rollbacks that did not help, recurrences, drops. */
static void
incident_notes(struct incident *inc)
{
	struct incident_note *n;

	inc->nnotes = 0;
	incident_note_rollbacks(inc);
	incident_note_offsets(inc);
	if (inc->recur_ns > 0 &&
	    (n = incident_note(inc, INCIDENT_NOTE_RECURRED)) != NULL) {
		n->t1 = inc->recur_after_ns;
		n->t2 = inc->recur_ns;
	}
	if (inc->dropped > 0 &&
	    (n = incident_note(inc, INCIDENT_NOTE_DROPPED)) != NULL)
		n->count = inc->dropped;
	if (inc->uc_dropped > 0 &&
	    (n = incident_note(inc, INCIDENT_NOTE_UC)) != NULL)
		n->count = inc->uc_dropped;
}

/*
 * Drops entries that begin after the end (not triggers, nor notes: a
 * note written after the last failure is still the author's); bytes
 * freed.
 */
static size_t
incident_trim_tail(struct incident *inc)
{
	struct incident_entry *x;
	size_t                 freed = 0;
	int                    i, n = 0;

	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (x->trigger || x->rule->cat == CATEGORY_NOTE ||
		    x->first_ns <= inc->end_ns) {
			inc->entries[n++] = *x;
			continue;
		}
		freed += incident_entry_bytes(x);
		free(x->text);
	}
	inc->nentries = n;
	inc->bytes -= freed;
	return freed;
}

/*
 * Brings an incident's derived parts up to date: end, title, mitigation
 * and notes. Called at close, and by incident_engine_sync() for the open
 * one, so that outputs only ever read.
 */
static void
incident_refresh(struct incident *inc)
{
	if (inc->last_recovery_ns > inc->last_failure_ns) {
		inc->end_ns = inc->last_recovery_ns;
		inc->end_frac = inc->last_recovery_frac;
	} else {
		inc->end_ns = inc->last_failure_ns;
		inc->end_frac = inc->last_failure_frac;
	}
	qsort(inc->entries, (size_t)inc->nentries, sizeof(*inc->entries),
	    incident_entry_cmp);
	incident_title(inc);
	incident_detection(inc);
	incident_mitigation(inc);
	incident_notes(inc);
	inc->dirty = 0;
}

/* Final touches at close: trims the tail, then refreshes. */
static void
incident_finalize(struct incident_engine *e, struct incident *inc)
{
	incident_refresh(inc);
	e->bytes -= incident_trim_tail(inc);
	incident_refresh(inc);
}

/* Closes the open incident. */
static void
incident_close(struct incident_engine *e)
{
	struct incident *inc = e->cur;

	if (inc == NULL)
		return;
	e->cur = NULL;
	inc->open = 0;
	incident_finalize(e, inc);
	e->nclosed++;
	if (e->cb != NULL)
		e->cb(inc, NULL, e->cb_arg);
}

/* Removes the oldest incident (closed) from the list; returns it. */
static struct incident *
incident_shift(struct incident_engine *e)
{
	struct incident *inc = e->inc[0];

	memmove(e->inc, e->inc + 1, (size_t)(e->ninc - 1) * sizeof(*e->inc));
	e->ninc--;
	e->nclosed--;
	e->bytes -= inc->bytes;
	return inc;
}

/* Drops the oldest closed incidents beyond max_incidents, counted. */
static void
incident_trim(struct incident_engine *e)
{
	while (e->ninc > e->conf.max_incidents && e->nclosed > 0) {
		incident_free(incident_shift(e));
		e->dropped++;
	}
}

/*
 * Hands the oldest closed incident to the caller, who frees it with
 * incident_free(); NULL when none is closed. Replay streams incidents out
 * this way instead of keeping them all.
 */
struct incident *
incident_engine_take_closed(struct incident_engine *e)
{
	return e->nclosed > 0 ? incident_shift(e) : NULL;
}

/* What the entries of the incidents the engine holds take, in bytes. */
size_t
incident_engine_bytes(const struct incident_engine *e)
{
	return e->bytes;
}

/* How many closed incidents were dropped at max_incidents. */
uint64_t
incident_engine_dropped(const struct incident_engine *e)
{
	return e->dropped;
}

/*
 * The oldest event time the engine's open state still depends on: before
 * it, lines can be read again from an empty engine and come out the same
 * (the open incident from its triggers on, pending failures and whatever
 * could still become a trigger; a quiet period more, so that a partial
 * incident re-read from there has closed before anything that matters).
 * INT64_MIN before the first match.
 */
int64_t
incident_engine_low_water(const struct incident_engine *e)
{
	int64_t t;

	if (e->now_ns == INT64_MIN)
		return INT64_MIN;
	t = e->now_ns - e->conf.open_window_ns;
	if (e->cur != NULL && e->cur->start_ns < t)
		t = e->cur->start_ns;
	if (e->npending > 0 && e->pending[0].ts_ns < t)
		t = e->pending[0].ts_ns;
	return t - e->conf.lookback_ns - e->conf.open_window_ns -
	    e->conf.quiet_ns;
}

/* Event time: the newest match's, or what advance() moved it to. */
int64_t
incident_engine_now(const struct incident_engine *e)
{
	return e->now_ns;
}

/* Brings the open incident's derived parts up to date. */
void
incident_engine_sync(struct incident_engine *e)
{
	if (e->cur != NULL && e->cur->dirty)
		incident_refresh(e->cur);
}

/* The engine's own record of the rule of m, made the first time. */
static const struct rule_ref *
incident_ref(struct incident_engine *e, const struct match *m)
{
	struct rule_ref *r;
	char             key[MATCH_RULE_MAX + 32];
	uint32_t         k;

	snprintf(
	    key, sizeof(key), "%d:%d:%s", (int)m->cat, m->open_min, m->rule_id);
	if (strtab_find(e->refkeys, key, &k))
		return e->refs[k];
	k = strtab_intern(e->refkeys, key);
	if (k >= e->caprefs) {
		e->caprefs = e->caprefs ? e->caprefs * 2 : 64;
		e->refs = xreallocarray(e->refs, e->caprefs, sizeof(*e->refs));
	}
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(m->rule_id);
	r->cat = m->cat;
	r->category = category_name(m->cat);
	r->open_min = m->open_min;
	r->index = k;
	e->refs[k] = r;
	return r;
}

/* Feeds one match, in event-time order (late ones are tolerated). */
void
incident_engine_feed(struct incident_engine *e, const struct match *in)
{
	struct incident    *inc;
	struct match        copy = *in;
	const struct match *m = &copy;

	/* Trimmed here, not after: a caller that takes closed incidents
	 * (incident_engine_take_closed) after each feed loses none. */
	incident_trim(e);
	copy.ref = incident_ref(e, in);
	incident_engine_advance(e, m->ts_ns);
	inc = e->cur;
	if (match_is_failure(m)) {
		if (inc != NULL)
			incident_take(e, inc, m);
		else
			incident_pend(e, m);
	} else {
		incident_ring_push(e, m);
		if (inc != NULL)
			incident_take(e, inc, m);
	}
}

/* Moves event time to now_ns, closing an incident quiet for too long. */
void
incident_engine_advance(struct incident_engine *e, int64_t now_ns)
{
	if (now_ns > e->now_ns)
		e->now_ns = now_ns;
	if (e->cur != NULL &&
	    e->now_ns - e->cur->last_failure_ns > e->conf.quiet_ns)
		incident_close(e);
}

/*
 * Ends the input. An incident still inside its quiet period is closed if
 * a recovery came after its last failure; otherwise it stays open: the
 * logs end while it is still going.
 */
void
incident_engine_finish(struct incident_engine *e)
{
	struct incident *inc = e->cur;

	if (inc != NULL && inc->last_recovery_ns > inc->last_failure_ns)
		incident_close(e);
	else if (inc != NULL) {
		incident_finalize(e, inc);
		inc->open = 1;
	}
	incident_trim(e);
}

/* How many incidents the engine holds. */
int
incident_engine_count(const struct incident_engine *e)
{
	return e->ninc;
}

/* The i-th incident in order of start. */
const struct incident *
incident_engine_get(const struct incident_engine *e, int i)
{
	return i >= 0 && i < e->ninc ? e->inc[i] : NULL;
}

/* Index of the incident with that id, or -1. */
static int
incident_engine_index(const struct incident_engine *e, const char *id)
{
	int i;

	for (i = 0; i < e->ninc; i++)
		if (strcmp(e->inc[i]->id, id) == 0)
			return i;
	return -1;
}

/* The incident with that id, or NULL. */
const struct incident *
incident_engine_find(const struct incident_engine *e, const char *id)
{
	int i = incident_engine_index(e, id);

	return i < 0 ? NULL : e->inc[i];
}

/*
 * Adds a human note to incident id at ts_ns: 0 (*entry, if not NULL, is
 * the new entry's id), -1 if there is no such incident, -2 if it is full.
 */
int
incident_add_note(struct incident_engine *e, const char *id, const char *text,
    int64_t ts_ns, int *entry)
{
	struct match           m;
	struct incident_entry *x;
	struct incident       *inc;
	int                    i;

	if ((i = incident_engine_index(e, id)) < 0)
		return -1;
	inc = e->inc[i];

	memset(&m, 0, sizeof(m));
	m.ts_ns = ts_ns;
	m.frac_digits = tstamp_frac_digits(ts_ns); /* as precise as given */
	m.source = m.group = -1;
	snprintf(m.rule_id, sizeof(m.rule_id), "note");
	m.cat = CATEGORY_NOTE;
	m.ref = &note_rule;
	m.seq = (uint64_t)inc->nentries;
	utf8_sanitize(text, strlen(text), m.message, sizeof(m.message));
	snprintf(m.title, sizeof(m.title), "Note");
	if ((x = incident_add(e, inc, &m)) == NULL)
		return -2;
	if (entry != NULL)
		*entry = x->id;
	incident_refresh(inc);
	if (e->cb != NULL)
		e->cb(inc, x, e->cb_arg);
	return 0;
}
