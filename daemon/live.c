/*
 * live: the daemon's answers over HTTP. Open incidents are the engine's,
 * shown with "open": true; closed ones the journal's, kept as the JSON
 * they were closed with. Stream events: the engine says which entries
 * changed; they are collected during a tick and published at its end
 * (one event per entry however often it changed), with the incident's
 * summary when that changed. Notes to an open incident go into the
 * engine, to a closed one into the journal; either way a note record is
 * journaled and a checkpoint committed before the 201, and notes to
 * incidents open at a crash are added again when the incident forms
 * again. Alertmanager's alerts become logfmt lines in a spool file in
 * state_dir (msg="alert firing" / "alert resolved", the form the rule
 * pack knows), synced before the 200, so they are read, checkpointed and
 * replayed like any log.
 */
#include <sys/stat.h>

#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "category.h"
#include "conf.h"
#include "incident.h"
#include "journal.h"
#include "live.h"
#include "log.h"
#include "out_http.h"
#include "report.h"
#include "strtab.h"
#include "tstamp.h"
#include "tz.h"
#include "xmalloc.h"

#define LIVE_SUMS       16    /* open incidents whose summary is tracked */
#define LIVE_DEDUPE     65536 /* alerts remembered for deduplication */
#define LIVE_ALERT_LINE 8192  /* longest spooled alert line */

/* An entry changed during this tick. */
struct live_pend {
	const struct incident *inc;
	int                    entry;
};

/* The summary last published for an incident. */
struct live_sum {
	char     id[64];
	uint64_t hash;
};

struct live {
	struct http            *http;
	const struct conf      *conf;
	struct incident_engine *engine;
	struct journal         *journal;
	struct strtab          *names;
	struct live_hooks       hooks;
	struct live_pend       *pend;
	int                     npend, cappend;
	struct live_sum         sums[LIVE_SUMS];
	int                     nsums;
	struct strtab          *rules; /* rule ids matched, for /metrics */
	uint64_t               *rule_counts;
	uint32_t                caprules;
	char                    alert_path[PATH_MAX];
	int                     alert_fd;
	uint64_t               *seen; /* hashes of alerts taken, a ring */
	int                     seen_at, seen_n;
	uint64_t                alerts, alert_dups, notes;
};

/* The note rule as the journal's note entries name it. */
static const struct rule_ref live_note_rule = {
    "note", "note", CATEGORY_NOTE, 0, UINT32_MAX};

/* FNV-1a of s. */
static uint64_t
live_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t   i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* A report of now, for the outputs. */
static void
live_report(const struct live *l, struct report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->names = l->names;
	rep->display_tz = tz_get(
	    l->conf->display_tz != NULL ? l->conf->display_tz : "UTC");
	rep->generated_ns = l->hooks.now(l->hooks.arg);
	rep->nsources = l->hooks.sources(l->hooks.arg, &rep->sources);
	rep->event_id = http_last_event(l->http);
}

/* An open incident's object ("open": true), from const engine state. */
static json_t *
live_open_json(const struct report *rep, const struct incident *inc)
{
	struct incident copy = *inc; /* shallow: only the flag differs */

	copy.open = 1;
	return out_json_incident(rep, &copy);
}

/* The end of a closed incident's object in ns, or INT64_MAX. */
static int64_t
live_end(json_t *o)
{
	int64_t ns;

	const char *end = json_string_value(json_object_get(o, "end"));

	if (end == NULL || tstamp_rfc3339(end, &ns) == -1)
		return INT64_MAX;
	return ns;
}

/* GET /v1/incidents: the closed ones kept, then the open ones. */
static int
live_incidents(void *arg, FILE *fp, const struct http_query *q, uint64_t ev)
{
	struct live           *l = arg;
	struct report          rep;
	json_t                *all = json_array(), *o;
	const struct incident *inc;
	size_t                 i;
	int                    k;

	(void)ev;
	live_report(l, &rep);
	for (k = 0; !q->open_only && k < journal_count(l->journal); k++)
		if (live_end(o = journal_get(l->journal, k)) >= q->since_ns)
			json_array_append(all, o);
	for (k = 0; (inc = incident_engine_get(l->engine, k)) != NULL; k++)
		if (inc->end_ns >= q->since_ns)
			json_array_append_new(all, live_open_json(&rep, inc));
	rep.nincidents = (int)json_array_size(all);
	if (output_json.head(fp, &rep) == -1) {
		json_decref(all);
		return -2;
	}
	json_array_foreach(all, i,
	    o) if (out_json_put(fp, json_incref(o), (int)i) == -1) break;
	json_decref(all);
	return output_json.tail(fp, &rep) == -1 ? -2 : 0;
}

/* Renders inc, alone, in format fmt (md, csv, html). */
static int
live_render(const struct report *base, FILE *fp, const struct incident *inc,
    const char *fmt)
{
	const struct output *out = output_find(fmt);
	struct report        rep = *base;

	rep.nincidents = 1;
	if (out == NULL)
		return -2;
	if (out->head(fp, &rep) == -1 || out->incident(fp, &rep, inc, 0) ||
	    out->tail(fp, &rep) == -1)
		return -2;
	return 0;
}

/* GET /v1/incidents/ID[/timeline.FMT]. */
static int
live_incident(void *arg, FILE *fp, const char *id, const char *fmt)
{
	struct live           *l = arg;
	struct report          rep;
	const struct incident *open = incident_engine_find(l->engine, id);
	struct incident        copy, *back;
	json_t                *o = NULL;
	int                    rc;

	if (open == NULL && (o = journal_find(l->journal, id)) == NULL)
		return -1;
	live_report(l, &rep);
	if (strcmp(fmt, "json") == 0) {
		o = open != NULL ? live_open_json(&rep, open) : json_incref(o);
		rc = json_dumpf(o, fp, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(o);
		fputc('\n', fp);
		return rc == 0 ? 0 : -2;
	}
	if (open != NULL) {
		copy = *open;
		copy.open = 1;
		return live_render(&rep, fp, &copy, fmt);
	}
	back = journal_incident(l->journal, o, l->names);
	rc = live_render(&rep, fp, back, fmt);
	journal_incident_free(back);
	return rc;
}

/* A note's timeline entry for a closed incident (its index-th entry). */
static json_t *
live_note_entry(
    const struct live *l, const char *id, const char *text, int64_t ns, int n)
{
	struct incident       inc;
	struct incident_entry x;
	struct report         rep;
	char                  msg[INCIDENT_QUOTE_MAX * 64];

	live_report(l, &rep);
	memset(&inc, 0, sizeof(inc));
	snprintf(inc.id, sizeof(inc.id), "%s", id);
	memset(&x, 0, sizeof(x));
	snprintf(msg, sizeof(msg), "%s", text);
	x.id = n;
	x.rule = &live_note_rule;
	x.source = x.source_last = x.group = -1;
	x.first_ns = x.last_ns = ns;
	x.first_frac = x.last_frac = tstamp_frac_digits(ns);
	x.count = 1;
	x.host = "";
	x.message = msg;
	x.title = "Note";
	return out_json_entry(&rep, &inc, &x);
}

/* The JSON of entry number n of an open incident, or NULL. */
static json_t *
live_entry_json(const struct live *l, const struct incident *inc, int n)
{
	struct report rep;
	int           i;

	for (i = 0; i < inc->nentries; i++)
		if (inc->entries[i].id == n) {
			live_report(l, &rep);
			return out_json_entry(&rep, inc, &inc->entries[i]);
		}
	return NULL;
}

/* POST /v1/incidents/ID/notes: stored, journaled, committed. */
static int
live_note(
    void *arg, const char *id, const char *text, int64_t ns, json_t **entry)
{
	struct live *l = arg;
	json_t      *closed, *tl;
	int          n, rc;

	if (incident_engine_find(l->engine, id) != NULL) {
		if ((rc = incident_add_note(l->engine, id, text, ns, &n)) != 0)
			return rc == -2 ? -3 : -1;
		incident_engine_sync(l->engine);
		*entry = live_entry_json(
		    l, incident_engine_find(l->engine, id), n);
	} else if ((closed = journal_find(l->journal, id)) != NULL) {
		tl = json_object_get(closed, "timeline");
		*entry = live_note_entry(l, id, text, ns,
		    json_is_array(tl) ? (int)json_array_size(tl) : 0);
	} else
		return -1;
	if (*entry == NULL)
		return -2;
	if (journal_note(l->journal, id, json_incref(*entry)) == -1 ||
	    l->hooks.commit(l->hooks.arg) == -1) {
		json_decref(*entry);
		return -2;
	}
	if (incident_engine_find(l->engine, id) == NULL) {
		http_publish(l->http, "entry",
		    json_pack("{s:s, s:O}", "incident", id, "entry", *entry));
		http_flush(l->http);
	}
	l->notes++;
	return 0;
}

/* 1 if an alert with this key was taken already; remembers it if not. */
static int
live_seen(struct live *l, const char *key)
{
	uint64_t h = live_hash(key, strlen(key));
	int      i;

	for (i = 0; i < l->seen_n; i++)
		if (l->seen[i] == h)
			return 1;
	l->seen[l->seen_at] = h;
	l->seen_at = (l->seen_at + 1) % LIVE_DEDUPE;
	if (l->seen_n < LIVE_DEDUPE)
		l->seen_n++;
	return 0;
}

/* Appends key="value" (logfmt, quoted, newlines as spaces) to buf. */
static void
live_kv(char *buf, size_t n, const char *key, const char *val)
{
	size_t      at = strlen(buf);
	const char *p;

	if (val == NULL || at + strlen(key) + 4 >= n)
		return;
	at += (size_t)snprintf(buf + at, n - at, " %s=\"", key);
	for (p = val; *p != '\0' && at + 3 < n; p++) {
		if (*p == '"' || *p == '\\')
			buf[at++] = '\\';
		buf[at++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
	}
	buf[at++] = '"';
	buf[at] = '\0';
}

/* A label or annotation of an alert, or NULL. */
static const char *
live_label(json_t *alert, const char *set, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(alert, set), key));
}

/*
 * One alert as a spool line: its time (startsAt when firing, endsAt when
 * resolved), then msg="alert firing"/"alert resolved" and its labels.
 * 0 (line in buf, its dedupe key in key), or -1 if it is not an alert.
 */
static int
live_alert_line(json_t *a, char *buf, size_t n, char *key, size_t kn)
{
	const char *status = json_string_value(json_object_get(a, "status"));
	const char *starts = json_string_value(json_object_get(a, "startsAt"));
	const char *ends = json_string_value(json_object_get(a, "endsAt"));
	const char *fp = json_string_value(json_object_get(a, "fingerprint"));
	const char *when;
	int64_t     ns;
	int         firing;

	if (status == NULL || starts == NULL ||
	    (strcmp(status, "firing") != 0 && strcmp(status, "resolved") != 0))
		return -1;
	firing = strcmp(status, "firing") == 0;
	when = firing ? starts : ends;
	if (when == NULL || tstamp_rfc3339(when, &ns) == -1 ||
	    strncmp(when, "0001-", 5) == 0)
		return -1; /* endsAt 0001-01-01: still firing, no end yet */
	snprintf(key, kn, "%s|%s|%s", fp ? fp : "", starts, status);
	snprintf(buf, n, "ts=%s level=%s", when, firing ? "warn" : "info");
	live_kv(buf, n, "source", "alertmanager-webhook");
	live_kv(buf, n, "msg", firing ? "alert firing" : "alert resolved");
	live_kv(buf, n, "alertname", live_label(a, "labels", "alertname"));
	live_kv(buf, n, "severity", live_label(a, "labels", "severity"));
	live_kv(buf, n, "host", live_label(a, "labels", "instance"));
	live_kv(buf, n, "summary", live_label(a, "annotations", "summary"));
	live_kv(buf, n, "starts_at", starts);
	live_kv(buf, n, "fingerprint", fp);
	live_kv(buf, n, "dedupe", key);
	return 0;
}

/* POST /v1/alertmanager: each new alert spooled; synced before the 200. */
static int
live_alerts(void *arg, json_t *alerts, int *taken, int *dups)
{
	struct live *l = arg;
	char         line[LIVE_ALERT_LINE], key[512];
	size_t       i, len;
	json_t      *a;

	json_array_foreach(alerts, i, a)
	{
		if (live_alert_line(
			a, line, sizeof(line) - 1, key, sizeof(key)) == -1)
			continue;
		if (live_seen(l, key)) {
			(*dups)++;
			continue;
		}
		len = strlen(line);
		line[len++] = '\n';
		if (write(l->alert_fd, line, len) != (ssize_t)len) {
			log_warn("%s", l->alert_path);
			return -2;
		}
		(*taken)++;
	}
	if (*taken > 0 && fdatasync(l->alert_fd) == -1) {
		log_warn("%s", l->alert_path);
		return -2;
	}
	l->alerts += (uint64_t)*taken;
	l->alert_dups += (uint64_t)*dups;
	return 0;
}

/* Remembers the alerts spooled before this start, for deduplication. */
static void
live_alerts_load(struct live *l)
{
	FILE  *fp = fopen(l->alert_path, "r");
	char  *line = NULL, *k, *e;
	size_t cap = 0;

	if (fp == NULL)
		return;
	while (getline(&line, &cap, fp) > 0)
		if ((k = strstr(line, " dedupe=\"")) != NULL &&
		    (e = strchr(k + 9, '"')) != NULL) {
			*e = '\0';
			live_seen(l, k + 9);
		}
	free(line); /* from getline(3) */
	fclose(fp);
}

/* The rule counters, in Prometheus text format. */
static void
live_metrics_rules(const struct live *l, struct evbuffer *buf)
{
	uint32_t i, n = strtab_count(l->rules);

	evbuffer_add_printf(buf,
	    "# HELP timelined_rule_matches_total Lines each rule "
	    "classified.\n# TYPE timelined_rule_matches_total counter\n");
	for (i = 0; i < n; i++) {
		evbuffer_add_printf(buf, "timelined_rule_matches_total{rule=");
		http_label(buf, strtab_get(l->rules, i));
		evbuffer_add_printf(
		    buf, "} %llu\n", (unsigned long long)l->rule_counts[i]);
	}
}

/* GET /metrics: the daemon's counters, the rules', the incidents'. */
static void
live_metrics(void *arg, struct evbuffer *buf)
{
	struct live *l = arg;

	l->hooks.metrics(l->hooks.arg, buf);
	live_metrics_rules(l, buf);
	evbuffer_add_printf(buf,
	    "# HELP timelined_incidents_open Incidents open now.\n"
	    "# TYPE timelined_incidents_open gauge\n"
	    "timelined_incidents_open %d\n"
	    "# HELP timelined_incidents_closed Closed incidents kept for "
	    "the API.\n# TYPE timelined_incidents_closed gauge\n"
	    "timelined_incidents_closed %d\n"
	    "# HELP timelined_incident_bytes Memory of the open incidents' "
	    "entries.\n# TYPE timelined_incident_bytes gauge\n"
	    "timelined_incident_bytes %zu\n"
	    "# HELP timelined_notes_total Notes added over the API.\n"
	    "# TYPE timelined_notes_total counter\n"
	    "timelined_notes_total %llu\n"
	    "# HELP timelined_alerts_total Alertmanager alerts taken.\n"
	    "# TYPE timelined_alerts_total counter\n"
	    "timelined_alerts_total %llu\n"
	    "# HELP timelined_alerts_duplicate_total Alertmanager alerts "
	    "sent again and dropped.\n"
	    "# TYPE timelined_alerts_duplicate_total counter\n"
	    "timelined_alerts_duplicate_total %llu\n",
	    incident_engine_count(l->engine), journal_count(l->journal),
	    incident_engine_bytes(l->engine), (unsigned long long)l->notes,
	    (unsigned long long)l->alerts, (unsigned long long)l->alert_dups);
}

/* The wall clock to the millisecond, for a note without its own time. */
static int64_t
live_now(void *arg)
{
	const struct live *l = arg;
	int64_t            ns = l->hooks.now(l->hooks.arg);

	return ns - ns % 1000000;
}

/* Opens the alert spool (appending) and remembers what it holds. */
static int
live_alert_spool(struct live *l)
{
	snprintf(l->alert_path, sizeof(l->alert_path), "%s/%s",
	    l->conf->state_dir, LIVE_ALERT_SPOOL);
	l->alert_fd = open(
	    l->alert_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (l->alert_fd == -1) {
		log_warn("%s", l->alert_path);
		return -1;
	}
	live_alerts_load(l);
	return 0;
}

/*
 * Starts the API on conf's listen address; NULL (logged) if it cannot.
 * The engine's callback is the caller's to set to live_entry_cb.
 */
struct live *
live_new(struct event_base *base, const struct conf *conf,
    struct incident_engine *engine, struct journal *journal,
    struct strtab *names, const struct live_hooks *hooks)
{
	struct live     *l = xcalloc(1, sizeof(*l));
	struct http_host h = {l, live_incidents, live_incident, live_note,
	    live_alerts, live_metrics, live_now};

	l->conf = conf;
	l->engine = engine;
	l->journal = journal;
	l->names = names;
	l->hooks = *hooks;
	l->alert_fd = -1;
	l->rules = strtab_new();
	l->seen = xcalloc(LIVE_DEDUPE, sizeof(*l->seen));
	if (live_alert_spool(l) == -1 ||
	    (l->http = http_new(base, conf->listen, &h)) == NULL ||
	    live_set_conf(l, conf) == -1) {
		live_free(l);
		return NULL;
	}
	log_info("HTTP API on http://%s/", http_address(l->http));
	return l;
}

/* Stops the API and frees live (NULL is fine). */
void
live_free(struct live *l)
{
	if (l == NULL)
		return;
	http_free(l->http);
	if (l->alert_fd >= 0)
		close(l->alert_fd);
	strtab_free(l->rules);
	free(l->rule_counts);
	free(l->seen);
	free(l->pend);
	free(l);
}

/* Takes a new configuration (a reload): its token. 0, or -1 (logged). */
int
live_set_conf(struct live *l, const struct conf *conf)
{
	if (http_set_token_file(l->http, conf->api_token_file) == -1)
		return -1;
	l->conf = conf;
	return 0;
}

/* Engine callback: an entry changed (kept for the tick's end), or an
 * incident closed (entry NULL: live_closed() publishes it). */
void
live_entry_cb(
    const struct incident *inc, const struct incident_entry *x, void *arg)
{
	struct live *l = arg;

	if (x == NULL)
		return;
	if (l->npend > 0 && l->pend[l->npend - 1].inc == inc &&
	    l->pend[l->npend - 1].entry == x->id)
		return; /* a run of the same entry */
	if (l->npend == l->cappend) {
		l->cappend = l->cappend ? l->cappend * 2 : 64;
		l->pend = xreallocarray(
		    l->pend, (size_t)l->cappend, sizeof(*l->pend));
	}
	l->pend[l->npend].inc = inc;
	l->pend[l->npend++].entry = x->id;
}

/* Orders pending changes by incident, then entry. */
static int
live_pend_cmp(const void *a, const void *b)
{
	const struct live_pend *x = a, *y = b;

	if (x->inc != y->inc)
		return x->inc < y->inc ? -1 : 1;
	return (x->entry > y->entry) - (x->entry < y->entry);
}

/* 1 if the pending changes hold entry n of inc (sorted). */
static int
live_pending(const struct live *l, const struct incident *inc, int n)
{
	struct live_pend key = {inc, n};

	return bsearch(&key, l->pend, (size_t)l->npend, sizeof(key),
		   live_pend_cmp) != NULL;
}

/*
 * The incident's summary object: the incident without its timeline,
 * built without it (this runs every tick the incident changes).
 */
static json_t *
live_summary(const struct live *l, const struct incident *inc, int open)
{
	struct report   rep;
	struct incident copy = *inc; /* shallow: only the flag differs */

	live_report(l, &rep);
	copy.open = open;
	return out_json_summary(&rep, &copy);
}

/* Publishes inc's summary if it is not the one published last. */
static void
live_publish_summary(struct live *l, const struct incident *inc, int open)
{
	json_t  *o = live_summary(l, inc, open);
	char    *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = s ? live_hash(s, strlen(s)) : 0;
	int      i;

	free(s); /* from jansson's allocator */
	for (i = 0; i < l->nsums && strcmp(l->sums[i].id, inc->id) != 0; i++)
		;
	if (i < l->nsums && l->sums[i].hash == h) {
		json_decref(o);
		return;
	}
	if (i == l->nsums) {
		if (l->nsums == LIVE_SUMS)
			memmove(l->sums, l->sums + 1,
			    (LIVE_SUMS - 1) * sizeof(*l->sums));
		else
			l->nsums++;
		i = l->nsums - 1;
		snprintf(l->sums[i].id, sizeof(l->sums[i].id), "%s", inc->id);
	}
	l->sums[i].hash = h;
	http_publish(l->http, "incident", o);
}

/* Publishes the changed entries of inc, then its summary. */
static void
live_publish(struct live *l, const struct incident *inc, int open)
{
	struct report rep;
	int           i;

	live_report(l, &rep);
	live_publish_summary(l, inc, open);
	for (i = 0; i < inc->nentries; i++)
		if (live_pending(l, inc, inc->entries[i].id))
			http_publish(l->http, "entry",
			    json_pack("{s:s, s:o}", "incident", inc->id,
				"entry",
				out_json_entry(&rep, inc, &inc->entries[i])));
}

/* Sorts the pending changes and drops repeats. */
static void
live_pend_sort(struct live *l)
{
	int i, n = 0;

	qsort(l->pend, (size_t)l->npend, sizeof(*l->pend), live_pend_cmp);
	for (i = 0; i < l->npend; i++)
		if (n == 0 || live_pend_cmp(&l->pend[n - 1], &l->pend[i]) != 0)
			l->pend[n++] = l->pend[i];
	l->npend = n;
}

/*
 * An incident closed (and is about to be freed): its last changes and
 * its closed summary go out, unless quiet (closed again after a restart:
 * published then), and nothing pending refers to it any more.
 */
void
live_closed(struct live *l, const struct incident *inc, int quiet)
{
	int i, n = 0;

	live_pend_sort(l);
	if (!quiet) {
		incident_engine_sync(l->engine);
		live_publish(l, inc, 0);
	}
	for (i = 0; i < l->npend; i++)
		if (l->pend[i].inc != inc)
			l->pend[n++] = l->pend[i];
	l->npend = n;
}

/* 1 if v is the JSON string s. */
static int
live_is(json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* 1 if a closed incident's timeline holds a note of that time and text. */
static int
live_has_note(json_t *inc, const char *ts, const char *text)
{
	json_t *e;
	size_t  i;

	json_array_foreach(json_object_get(inc, "timeline"), i, e)
	{
		if (live_is(json_object_get(e, "category"), "note") &&
		    live_is(json_object_get(e, "ts"), ts) &&
		    live_is(json_object_get(e, "message"), text))
			return 1;
	}
	return 0;
}

/*
 * A note to an incident that closed again before the note could be added
 * back (it formed and closed within one tick of a catch-up): journaled
 * to it now, and committed.
 */
static void
live_orphan_closed(struct live *l, const char *to, json_t *note)
{
	json_t     *inc = journal_find(l->journal, to);
	const char *ts = json_string_value(json_object_get(note, "ts"));
	const char *text = json_string_value(json_object_get(note, "message"));

	if (inc == NULL || live_has_note(inc, ts, text))
		return;
	if (journal_note(l->journal, to, json_deep_copy(note)) == -1 ||
	    l->hooks.commit(l->hooks.arg) == -1)
		log_warnx("a note to %s could not be added back", to);
}

/* Adds again the notes of incidents that were open at the last stop. */
static void
live_orphans(struct live *l)
{
	json_t     *orphans = journal_orphans(l->journal), *o, *note;
	const char *to, *text;
	const char *ts;
	int64_t     ns;
	size_t      i;

	for (i = 0; i < json_array_size(orphans);) {
		o = json_array_get(orphans, i);
		to = json_string_value(json_object_get(o, "to"));
		note = json_object_get(o, "note");
		text = json_string_value(json_object_get(note, "message"));
		ts = json_string_value(json_object_get(note, "ts"));
		if (to == NULL || text == NULL || ts == NULL ||
		    tstamp_rfc3339(ts, &ns) == -1 ||
		    journal_has(l->journal, to)) {
			if (to != NULL && text != NULL && ts != NULL)
				live_orphan_closed(l, to, note);
			json_array_remove(orphans, i);
			continue;
		}
		if (incident_engine_find(l->engine, to) != NULL) {
			incident_add_note(l->engine, to, text, ns, NULL);
			json_array_remove(orphans, i);
			continue;
		}
		i++;
	}
}

/*
 * The end of a tick: notes of re-formed incidents added back; every open
 * incident with changes publishes them (after incident_engine_sync()),
 * and the tick's events go to the stream clients.
 */
void
live_flush(struct live *l)
{
	const struct incident *inc;
	int                    k;

	if (json_array_size(journal_orphans(l->journal)) > 0)
		live_orphans(l);
	if (l->npend > 0) {
		incident_engine_sync(l->engine);
		live_pend_sort(l);
		for (k = 0; (inc = incident_engine_get(l->engine, k)) != NULL;
		     k++)
			live_publish(l, inc, 1);
		l->npend = 0;
	}
	http_flush(l->http); /* and what closed incidents published */
}

/* Counts a line rule id classified, for /metrics. */
void
live_count_rule(struct live *l, const char *rule)
{
	uint32_t i = strtab_intern(l->rules, rule);

	if (i >= l->caprules) {
		l->rule_counts = xreallocarray(l->rule_counts,
		    (size_t)i * 2 + 16, sizeof(*l->rule_counts));
		memset(l->rule_counts + l->caprules, 0,
		    ((size_t)i * 2 + 16 - l->caprules) *
			sizeof(*l->rule_counts));
		l->caprules = i * 2 + 16;
	}
	l->rule_counts[i]++;
}

/* The address the API listens on. */
const char *
live_address(const struct live *l)
{
	return http_address(l->http);
}
