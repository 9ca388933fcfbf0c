/*
 * Unit tests for the incident engine: matches in, incidents out, through
 * the public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "category.h"
#include "incident.h"
#include "match.h"
#include "rule.h"
#include "tstamp.h"

#define S  TSTAMP_NS_PER_S
#define T0 (INT64_C(1710493200) * S) /* 2024-03-15T09:00:00Z */

static char c_db[] = "db_connection_error", c_dep[] = "deploy",
	    c_rec[] = "recovery", c_alert[] = "alert", c_rb[] = "rollback",
	    c_up[] = "upstream_error";
static char i_db[] = "t.db", i_dep[] = "t.deploy", i_rec[] = "t.recovery",
	    i_alert[] = "t.alert", i_rb[] = "t.rollback", i_up[] = "t.upstream";
static struct rule r_db = {.id = i_db, .category = c_db, .line = 1, .index = 0};
static struct rule r_dep = {
    .id = i_dep, .category = c_dep, .line = 2, .index = 1};
static struct rule r_rec = {
    .id = i_rec, .category = c_rec, .line = 3, .index = 2};
static struct rule r_alert = {
    .id = i_alert, .category = c_alert, .line = 4, .index = 3};
static struct rule r_rb = {.id = i_rb, .category = c_rb, .line = 5, .index = 4};
static struct rule r_up = {.id = i_up, .category = c_up, .line = 6, .index = 5};

/* Feeds one match of rule r at T0 + sec seconds from source src. */
static void
feed(struct incident_engine *e, struct rule *r, int64_t sec, int src,
    const char *msg)
{
	static uint64_t seq;
	struct match    m;

	memset(&m, 0, sizeof(m));
	m.ts_ns = T0 + sec * S;
	snprintf(m.rule_id, sizeof(m.rule_id), "%s", r->id);
	m.cat = category_from_name(r->category);
	m.open_min = r->open_min;
	m.source = m.group = src;
	m.lineno = (uint64_t)sec + 1;
	m.seq = seq++;
	strncpy(m.message, msg, sizeof(m.message) - 1);
	incident_engine_feed(e, &m);
}

/* A fresh engine with the contract's defaults. */
static struct incident_engine *
engine(void)
{
	struct incident_conf c;

	incident_conf_default(&c);
	return incident_engine_new(&c);
}

/* Finds the first entry of category cat. */
static const struct incident_entry *
entry(const struct incident *inc, const char *cat)
{
	int i;

	for (i = 0; i < inc->nentries; i++)
		if (strcmp(inc->entries[i].rule->category, cat) == 0)
			return &inc->entries[i];
	return NULL;
}

static void
test_incident_coalesces_runs_and_names_trigger(void **state)
{
	struct incident_engine      *e = engine();
	const struct incident       *inc;
	const struct incident_entry *x;
	int                          i;

	(void)state;
	feed(e, &r_dep, -900, 0, "Deploying release v2");
	for (i = 0; i < 50; i++)
		feed(e, &r_db, i * 60, 1, "failed to connect");
	feed(e, &r_alert, 30, 2, "alert firing");
	feed(e, &r_rec, 50 * 60, 1, "pool re-established");
	incident_engine_advance(e, T0 + 5 * 3600 * S);
	assert_int_equal(incident_engine_count(e), 1);
	inc = incident_engine_get(e, 0);
	assert_false(inc->open);
	assert_true(inc->start_ns == T0);
	assert_true(inc->end_ns == T0 + 3000 * S);
	assert_true(inc->detected_ns == T0 + 30 * S);
	x = entry(inc, "db_connection_error");
	assert_non_null(x);
	assert_int_equal(x->count, 50);
	assert_true(x->last_ns == T0 + 49 * 60 * S);
	x = entry(inc, "deploy");
	assert_non_null(x);
	assert_true(x->trigger);
	assert_string_equal(
	    inc->title, "Database connection errors after deploy");
	assert_string_equal(inc->id, "2024-03-15T09:00:00Z-db");
	incident_engine_free(e);
}

static void
test_incident_open_at_end_of_input(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;

	(void)state;
	feed(e, &r_db, 0, 0, "x");
	feed(e, &r_db, 10, 0, "x");
	incident_engine_finish(e);
	assert_int_equal(incident_engine_count(e), 1);
	inc = incident_engine_get(e, 0);
	assert_true(inc->open);
	assert_true(inc->end_ns == T0 + 10 * S);
	incident_engine_free(e);
}

static void
test_incident_two_incidents_stay_separate(void **state)
{
	struct incident_engine *e = engine();

	(void)state;
	feed(e, &r_db, 0, 0, "x");
	feed(e, &r_db, 60, 0, "x");
	feed(e, &r_dep, 3 * 3600, 1, "Deploying release v3");
	feed(e, &r_up, 4 * 3600, 0, "502");
	feed(e, &r_up, 4 * 3600 + 5, 0, "502");
	incident_engine_finish(e);
	assert_int_equal(incident_engine_count(e), 2);
	assert_true(incident_engine_get(e, 0)->end_ns == T0 + 60 * S);
	assert_false(incident_engine_get(e, 0)->open);
	assert_true(incident_engine_get(e, 1)->start_ns == T0 + 4 * 3600 * S);
	assert_non_null(entry(incident_engine_get(e, 1), "deploy"));
	assert_null(entry(incident_engine_get(e, 0), "deploy"));
	incident_engine_free(e);
}

static void
test_incident_recurrence_after_recovery_is_noted(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;

	(void)state;
	feed(e, &r_db, 0, 0, "x");
	feed(e, &r_db, 60, 0, "x");
	feed(e, &r_rec, 120, 1, "recovered");
	feed(e, &r_db, 600, 0, "x");
	feed(e, &r_db, 660, 0, "x");
	incident_engine_advance(e, T0 + 4 * 3600 * S);
	assert_int_equal(incident_engine_count(e), 1);
	inc = incident_engine_get(e, 0);
	assert_true(inc->end_ns == T0 + 660 * S);
	assert_int_equal(inc->nnotes, 1);
	assert_int_equal(inc->notes[0].kind, INCIDENT_NOTE_RECURRED);
	assert_true(inc->notes[0].t1 == T0 + 120 * S); /* the recovery */
	assert_true(inc->notes[0].t2 == T0 + 600 * S); /* the recurrence */
	incident_engine_free(e);
}

static void
test_incident_single_stray_failure_opens_nothing(void **state)
{
	struct incident_engine *e = engine();

	(void)state;
	feed(e, &r_up, 0, 0, "one 502");
	feed(e, &r_up, 3600, 0, "another 502 an hour later");
	incident_engine_finish(e);
	assert_int_equal(incident_engine_count(e), 0);
	incident_engine_free(e);
}

static void
test_incident_rollback_that_did_not_help(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;
	int                     i;

	(void)state;
	for (i = 0; i < 20; i++)
		feed(e, &r_db, i * 300, 0, "x");
	feed(e, &r_rb, 1200, 1, "Rollback to v1 complete");
	feed(e, &r_rec, 20 * 300, 0, "re-established");
	incident_engine_advance(e, T0 + 5 * 3600 * S);
	inc = incident_engine_get(e, 0);
	assert_non_null(inc);
	assert_int_equal(inc->nnotes, 1);
	assert_int_equal(inc->notes[0].kind, INCIDENT_NOTE_ROLLBACK);
	assert_string_equal(inc->notes[0].quote, "Rollback to v1 complete");
	assert_true(inc->notes[0].t1 == T0 + 1200 * S);
	assert_true(inc->notes[0].t2 == T0 + 19 * 300 * S);
	incident_engine_free(e);
}

static void
test_incident_tail_after_end_is_trimmed(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;

	(void)state;
	feed(e, &r_db, 0, 0, "x");
	feed(e, &r_db, 60, 0, "x");
	feed(e, &r_alert, 600, 1, "unrelated alert later");
	incident_engine_advance(e, T0 + 5 * 3600 * S);
	inc = incident_engine_get(e, 0);
	assert_null(entry(inc, "alert"));
	assert_true(inc->detected_ns == -1); /* the alert was trimmed */
	incident_engine_free(e);
}

static void
test_incident_zone_offset_between_sources_is_noted(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;
	int                     i;

	(void)state;
	for (i = 0; i <= 50; i++) {
		feed(e, &r_db, i * 60, 0, "x");
		feed(e, &r_up, 3600 + i * 60 + 2, 1, "y");
	}
	incident_engine_advance(e, T0 + 9 * 3600 * S);
	assert_int_equal(incident_engine_count(e), 1);
	inc = incident_engine_get(e, 0);
	assert_int_equal(inc->nnotes, 1);
	assert_int_equal(inc->notes[0].kind, INCIDENT_NOTE_SHIFTED);
	assert_int_equal(inc->notes[0].src_a, 0);
	assert_int_equal(inc->notes[0].src_b, 1);
	/* Shifted by an hour, give or take the three minutes allowed. */
	assert_true(llabs(inc->notes[0].shift_ns - 3600 * S) <= 180 * S);
	incident_engine_free(e);
}

static void
test_incident_weak_signal_needs_corroboration(void **state)
{
	struct incident_engine *e = engine();
	struct rule             weak = r_up;
	const struct incident  *inc;
	int                     i;

	(void)state;
	weak.open_min = 5;
	feed(e, &weak, 0, 0, "500"); /* sporadic: no incident */
	feed(e, &weak, 300, 0, "500");
	feed(e, &weak, 3300, 0, "502"); /* a burst: one */
	for (i = 0; i < 5; i++)
		feed(e, &weak, 3600 + i, 0, "502");
	feed(e, &weak, 7200, 0, "502"); /* onset with a db error */
	feed(e, &r_db, 7230, 1, "x");
	feed(e, &r_db, 7240, 1, "x");
	incident_engine_finish(e);
	assert_int_equal(incident_engine_count(e), 2);
	inc = incident_engine_get(e, 0);
	assert_int_equal((inc->start_ns - T0) / S, 3300);
	assert_int_equal(inc->entries[0].count, 6);
	inc = incident_engine_get(e, 1);
	assert_int_equal((inc->start_ns - T0) / S, 7200);
	incident_engine_free(e);
}

static void
test_incident_trigger_survives_a_burst_of_other_events(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;
	char                    msg[32];
	int                     i;

	(void)state;
	feed(e, &r_dep, -3000, 0, "Deploying release v9");
	for (i = 0; i < 1000; i++) { /* recoveries: health checks pass */
		snprintf(msg, sizeof(msg), "check %c ok", 'a' + i % 26);
		feed(e, &r_rec, -2000 + i, 1, msg);
	}
	feed(e, &r_db, 0, 0, "x");
	feed(e, &r_db, 10, 0, "x");
	incident_engine_finish(e);
	inc = incident_engine_get(e, 0);
	assert_non_null(inc);
	assert_non_null(entry(inc, "deploy"));
	assert_true(entry(inc, "deploy")->trigger);
	incident_engine_free(e);
}

/* What the listener saw. */
struct seen {
	int entries, closes;
	int last_count;
};

/* Counts entry updates and closes. */
static void
seen_cb(const struct incident *inc, const struct incident_entry *x, void *arg)
{
	struct seen *sn = arg;

	(void)inc;
	if (x == NULL)
		sn->closes++;
	else {
		sn->entries++;
		sn->last_count = (int)x->count;
	}
}

static void
test_incident_engine_set_cb_tells_of_entries_and_closes(void **state)
{
	struct incident_engine *e = engine();
	struct seen             sn = {0, 0, 0};

	(void)state;
	incident_engine_set_cb(e, seen_cb, &sn);
	feed(e, &r_db, 0, 0, "x");
	assert_int_equal(sn.entries, 0); /* pending: not an incident yet */
	feed(e, &r_db, 10, 0, "x");
	assert_int_equal(sn.entries, 2); /* both pending failures, one run */
	assert_int_equal(sn.last_count, 2);
	feed(e, &r_db, 20, 0, "x");
	assert_int_equal(sn.entries, 3);
	assert_int_equal(sn.last_count, 3);
	assert_int_equal(sn.closes, 0);
	incident_engine_advance(e, T0 + 3 * 3600 * S);
	assert_int_equal(sn.closes, 1);
	incident_engine_free(e);
}

static void
test_incident_add_note_and_find(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;
	char                    id[64];
	int                     i;

	(void)state;
	feed(e, &r_db, 0, 0, "x");
	feed(e, &r_db, 60, 0, "x");
	incident_engine_sync(e);
	inc = incident_engine_get(e, 0);
	snprintf(id, sizeof(id), "%s", inc->id);
	assert_ptr_equal(incident_engine_find(e, id), inc);
	assert_null(incident_engine_find(e, "no-such-incident"));
	assert_int_equal(incident_add_note(e, "nope", "hello", T0, NULL), -1);
	assert_int_equal(
	    incident_add_note(e, id, "team engaged", T0 + 30 * S, NULL), 0);
	inc = incident_engine_find(e, id);
	for (i = 0; i < inc->nentries; i++)
		if (strcmp(inc->entries[i].rule->category, "note") == 0)
			break;
	assert_true(i < inc->nentries);
	assert_string_equal(inc->entries[i].message, "team engaged");
	assert_true(inc->entries[i].first_ns == T0 + 30 * S);
	assert_int_equal(inc->entries[i].source, -1);
	incident_engine_free(e);
}

static void
test_incident_take_closed_streams_incidents_out(void **state)
{
	struct incident_conf    c;
	struct incident_engine *e;
	struct incident        *inc;
	int                     i, taken = 0;

	(void)state;
	incident_conf_default(&c);
	c.max_incidents = 3;
	e = incident_engine_new(&c);
	for (i = 0; i < 10; i++) { /* ten incidents, an hour apart */
		feed(e, &r_db, i * 3600, 0, "x");
		feed(e, &r_db, i * 3600 + 1, 0, "x");
		while ((inc = incident_engine_take_closed(e)) != NULL) {
			assert_true(inc->start_ns == T0 + taken * 3600 * S);
			taken++;
			incident_free(inc);
		}
	}
	incident_engine_finish(e);
	assert_int_equal(taken, 9);
	assert_int_equal(incident_engine_count(e), 1);
	assert_int_equal(incident_engine_dropped(e), 0);
	incident_engine_free(e);
}

static void
test_incident_max_incidents_drops_are_counted(void **state)
{
	struct incident_conf    c;
	struct incident_engine *e;
	int                     i;

	(void)state;
	incident_conf_default(&c);
	c.max_incidents = 3;
	e = incident_engine_new(&c);
	for (i = 0; i < 10; i++) {
		feed(e, &r_db, i * 3600, 0, "x");
		feed(e, &r_db, i * 3600 + 1, 0, "x");
	}
	incident_engine_finish(e);
	assert_int_equal(incident_engine_count(e), 3);
	assert_int_equal(incident_engine_dropped(e), 7);
	incident_engine_free(e);
}

static void
test_incident_trigger_flag_lands_on_the_trigger(void **state)
{
	struct incident_conf    c;
	struct incident_engine *e;
	const struct incident  *inc;

	(void)state;
	incident_conf_default(&c);
	c.max_entries = 1;
	e = incident_engine_new(&c);
	/* The deploy takes the only entry; the alert just before the
	 * failures joins too but is dropped at the bound, and must not
	 * clear the deploy's trigger flag. */
	feed(e, &r_dep, -600, 0, "Deploying release v2");
	feed(e, &r_alert, -30, 1, "alert firing");
	feed(e, &r_db, 0, 2, "x");
	feed(e, &r_db, 10, 2, "x");
	incident_engine_finish(e);
	inc = incident_engine_get(e, 0);
	assert_int_equal(inc->nentries, 1);
	assert_string_equal(inc->entries[0].rule->category, "deploy");
	assert_true(inc->entries[0].trigger);
	assert_true(inc->dropped > 0);
	incident_engine_free(e);
}

static void
test_incident_memory_budget_bounds_entries_and_counts_drops(void **state)
{
	struct incident_conf    c;
	struct incident_engine *e;
	const struct incident  *inc;
	char                    msg[64];
	int                     i;

	(void)state;
	incident_conf_default(&c);
	c.max_bytes = 16 * 1024;
	e = incident_engine_new(&c);
	feed(e, &r_db, 0, 0, "x");
	feed(e, &r_db, 1, 0, "x");
	for (i = 0; i < 1000; i++) { /* distinct alerts: one entry each */
		snprintf(msg, sizeof(msg), "alert firing: check %c%c",
		    'a' + i % 26, 'a' + i / 26 % 26);
		feed(e, &r_alert, 2 + i, 1, msg);
	}
	incident_engine_sync(e);
	assert_true(incident_engine_bytes(e) <= 16 * 1024);
	inc = incident_engine_get(e, 0);
	assert_true(inc->dropped > 0);
	assert_true(inc->nentries > 2 && inc->nentries < 1000);
	assert_int_equal(
	    inc->notes[inc->nnotes - 1].kind, INCIDENT_NOTE_DROPPED);
	incident_engine_free(e);
}

/*
 * Feeds an unclassified match of template tmpl at T0 + sec from log group
 * (file src) with text msg, as the lane makes it from the miner's answer.
 */
static void
feed_u(struct incident_engine *e, uint32_t tmpl, int64_t sec, int group,
    int src, const char *msg)
{
	static uint64_t seq;
	struct match    m;

	memset(&m, 0, sizeof(m));
	m.ts_ns = T0 + sec * S;
	snprintf(m.rule_id, sizeof(m.rule_id), "unclassified.new");
	m.cat = CATEGORY_UNCLASSIFIED;
	m.tmpl = tmpl;
	m.group = group;
	m.source = src;
	m.lineno = (uint64_t)(sec + 1000);
	m.seq = seq++;
	snprintf(m.title, sizeof(m.title), "new error pattern");
	snprintf(m.host, sizeof(m.host), "web%d", (int)(sec % 3));
	snprintf(m.message, sizeof(m.message), "%s", msg);
	incident_engine_feed(e, &m);
}

/* The number of entries of category cat. */
static int
entries_of(const struct incident *inc, const char *cat)
{
	int i, n = 0;

	for (i = 0; i < inc->nentries; i++)
		n += strcmp(inc->entries[i].rule->category, cat) == 0;
	return n;
}

static void
test_incident_unclassified_never_opens_and_joins_the_span(void **state)
{
	struct incident_engine      *e = engine();
	const struct incident       *inc;
	const struct incident_entry *x;
	int                          i;

	(void)state;
	/* Alone, any number of them opens nothing. */
	for (i = 0; i < 500; i++)
		feed_u(e, 1, -7200 + i, 5, 5, "ledger sync failed");
	incident_engine_advance(e, T0 - 600 * S);
	assert_int_equal(incident_engine_count(e), 0);
	/* Before the first failure: not in the incident. Between the first
	 * failure and the one that opens it: waiting, they join. */
	feed_u(e, 2, -30, 5, 5, "queue <*> stalled: timeout");
	feed(e, &r_db, 0, 0, "failed to connect");
	feed_u(e, 3, 20, 5, 5, "invoice poll failed (attempt <*>)");
	feed(e, &r_db, 60, 0, "failed to connect");
	/* During it: joins, one entry per template whatever the host. */
	for (i = 0; i < 5; i++)
		feed_u(
		    e, 3, 100 + i, 5, 5, "invoice poll failed (attempt <*>)");
	/* A template that generalised since: same entry, the newer text. */
	feed_u(e, 3, 200, 5, 5, "invoice <*> failed (attempt <*>)");
	feed(e, &r_db, 300, 0, "failed to connect");
	/* After the last failure: joins, and is trimmed at close. */
	feed_u(e, 4, 600, 5, 5, "cleanup failed");
	incident_engine_advance(e, T0 + 4 * 3600 * S);
	assert_int_equal(incident_engine_count(e), 1);
	inc = incident_engine_get(e, 0);
	assert_true(inc->start_ns == T0);
	assert_true(inc->end_ns == T0 + 300 * S);
	assert_int_equal(inc->failures, 3);
	assert_string_equal(inc->title, "Database connection errors");
	assert_string_equal(inc->id, "2024-03-15T09:00:00Z-db");
	assert_int_equal(entries_of(inc, "unclassified"), 1);
	x = entry(inc, "unclassified");
	assert_int_equal(x->count, 7);
	assert_true(x->first_ns == T0 + 20 * S);
	assert_true(x->last_ns == T0 + 200 * S);
	assert_string_equal(x->message, "invoice <*> failed (attempt <*>)");
	assert_string_equal(x->title, "new error pattern");
	assert_string_equal(x->rule->id, "unclassified.new");
	assert_string_equal(x->host, "web2"); /* the first line's */
	incident_engine_free(e);
}

static void
test_incident_unclassified_one_entry_per_template_and_log(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;

	(void)state;
	feed(e, &r_db, 0, 0, "failed to connect");
	feed(e, &r_db, 1, 0, "failed to connect");
	/* app.log.1 (file 7) and app.log (file 8) are one log, group 7:
	 * each file is mined on its own, the same text is one entry. */
	feed_u(e, 10, 5, 7, 7, "disk <*> failed");
	feed_u(e, 11, 6, 7, 8, "disk <*> failed");
	/* Another log's template of the same text is its own entry. */
	feed_u(e, 12, 7, 9, 9, "disk <*> failed");
	/* Two templates of one file are two entries. */
	feed_u(e, 10, 8, 7, 7, "disk <*> failed");
	feed_u(e, 13, 9, 7, 7, "fsck failed");
	feed(e, &r_db, 100, 0, "failed to connect"); /* entries end before */
	incident_engine_finish(e);
	inc = incident_engine_get(e, 0);
	assert_int_equal(entries_of(inc, "unclassified"), 3);
	assert_int_equal(entry(inc, "unclassified")->count, 3);
	assert_int_equal(entry(inc, "unclassified")->source, 7);
	assert_int_equal(entry(inc, "unclassified")->source_last, 7);
	incident_engine_free(e);
}

static void
test_incident_unclassified_bounded_per_incident(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;
	char                    msg[64];
	int                     i;

	(void)state;
	feed(e, &r_db, 0, 0, "failed to connect");
	feed(e, &r_db, 1, 0, "failed to connect");
	for (i = 0; i < INCIDENT_UC_MAX + 5; i++) {
		snprintf(msg, sizeof(msg), "step %d failed", i);
		feed_u(e, (uint32_t)(100 + i), 2 + i, 3, 3, msg);
		feed_u(e, (uint32_t)(100 + i), 3 + i, 3, 3, msg);
	}
	feed(e, &r_db, 100, 0, "failed to connect"); /* entries end before */
	incident_engine_finish(e);
	inc = incident_engine_get(e, 0);
	assert_int_equal(entries_of(inc, "unclassified"), INCIDENT_UC_MAX);
	assert_int_equal(inc->uc_dropped, 10);
	assert_int_equal(inc->dropped, 0);
	assert_int_equal(inc->notes[inc->nnotes - 1].kind, INCIDENT_NOTE_UC);
	assert_int_equal(inc->notes[inc->nnotes - 1].count, 10);
	incident_engine_free(e);
}

static void
test_incident_unclassified_do_not_push_out_an_alert(void **state)
{
	struct incident_engine *e = engine();
	const struct incident  *inc;
	int                     i;

	(void)state;
	feed(e, &r_alert, -300, 2, "alert firing: DatabaseDown");
	for (i = 0; i < 1000; i++) /* a flood of patterns before the start */
		feed_u(e, (uint32_t)(1 + i % 7), -299 + i * 299 / 1000, 4, 4,
		    "worker crashed");
	feed(e, &r_db, 0, 0, "failed to connect");
	feed(e, &r_db, 10, 0, "failed to connect");
	incident_engine_finish(e);
	inc = incident_engine_get(e, 0);
	assert_non_null(entry(inc, "alert"));
	assert_true(inc->detected_ns == T0 - 300 * S);
	assert_int_equal(entries_of(inc, "unclassified"), 0);
	incident_engine_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_incident_unclassified_never_opens_and_joins_the_span),
	    cmocka_unit_test(
		test_incident_unclassified_one_entry_per_template_and_log),
	    cmocka_unit_test(test_incident_unclassified_bounded_per_incident),
	    cmocka_unit_test(
		test_incident_unclassified_do_not_push_out_an_alert),
	    cmocka_unit_test(
		test_incident_engine_set_cb_tells_of_entries_and_closes),
	    cmocka_unit_test(test_incident_add_note_and_find),
	    cmocka_unit_test(test_incident_take_closed_streams_incidents_out),
	    cmocka_unit_test(test_incident_max_incidents_drops_are_counted),
	    cmocka_unit_test(test_incident_trigger_flag_lands_on_the_trigger),
	    cmocka_unit_test(
		test_incident_memory_budget_bounds_entries_and_counts_drops),
	    cmocka_unit_test(test_incident_coalesces_runs_and_names_trigger),
	    cmocka_unit_test(test_incident_open_at_end_of_input),
	    cmocka_unit_test(test_incident_two_incidents_stay_separate),
	    cmocka_unit_test(test_incident_recurrence_after_recovery_is_noted),
	    cmocka_unit_test(test_incident_single_stray_failure_opens_nothing),
	    cmocka_unit_test(test_incident_rollback_that_did_not_help),
	    cmocka_unit_test(test_incident_tail_after_end_is_trimmed),
	    cmocka_unit_test(
		test_incident_zone_offset_between_sources_is_noted),
	    cmocka_unit_test(test_incident_weak_signal_needs_corroboration),
	    cmocka_unit_test(
		test_incident_trigger_survives_a_burst_of_other_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
