/*
 * Unit tests for the template miner: folding, error words, clustering,
 * new and spiking templates against a warm baseline, episodes, bounds
 * and eviction, determinism; through the public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "template.h"

#define S   INT64_C(1000000000)
#define MIN (60 * S)
#define T0  (INT64_C(1710493200) * S) /* 2024-03-15T09:00:00Z */

/* Offers msg from src at T0 + ns; returns the miner's answer code. */
static int
feed(struct template_miner *m, int src, const char *msg, int sev, int64_t ns,
    struct template_answer *a)
{
	static uint64_t lineno;

	return template_miner_line(
	    m, src, msg, strlen(msg), sev, T0 + ns, ++lineno, a);
}

/* Feeds 40 minutes of two benign templates, a line every 10 s. */
static void
warm_up(struct template_miner *m, int src)
{
	struct template_answer a;
	char                   msg[128];
	int                    i;

	for (i = 0; i < 240; i++) {
		snprintf(msg, sizeof(msg),
		    i % 2 ? "GET /api/items/%d 200 %dms"
			  : "cache hit ratio=0.%d keys=%d",
		    i, i * 7 % 300);
		assert_int_equal(feed(m, src, msg, 6, i * 10 * S, &a), 0);
	}
}

/* A miner with the defaults. */
static struct template_miner *
miner(void)
{
	struct template_conf c;

	template_conf_default(&c);
	return template_miner_new(&c);
}

/* Asserts that msg folds to want. */
static void
assert_fold(const char *msg, const char *want)
{
	char out[TEMPLATE_TEXT_MAX + 1];

	template_fold(msg, strlen(msg), out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_template_fold_variables(void **state)
{
	(void)state;
	assert_fold("took 30000ms, 1.5GB at 95% after 1h30m",
	    "took <*>, <*> at <*> after <*>");
	assert_fold("from 10.0.0.12:5432 and [2001:db8::1] id 0x7fff5a3c",
	    "from <*> and [<*>] id <*>");
	assert_fold("trace 550e8400-e29b-41d4-a716-446655440000 hash 9f86d081",
	    "trace <*> hash <*>");
	assert_fold("at 2024-03-15T12:30:01.123Z or 12:30:01,123 on 2024-03-15",
	    "at <*> or <*> on <*>");
	assert_fold("open /var/lib/pg/16/main failed; /etc/hosts kept",
	    "open <*> failed; /etc/hosts kept");
	assert_fold("user 'alice' db \"orders\" key=\"x y\" n=12 level=info",
	    "user '<*>' db \"<*>\" key=<*> y\" n=<*> level=info");
	assert_fold("broker kafka-2:9092 id:17 (attempt 3/5)",
	    "broker <*> id:<*> (attempt <*>)");
	assert_fold("block blk_-1608999687919862906 job_1445144423722_0020",
	    "block <*> <*>");
	assert_fold("  spaced\tout   words  ", "spaced out words");
}

static void
test_template_fold_bounds(void **state)
{
	char   line[4096], out[TEMPLATE_TEXT_MAX + 1];
	size_t n = 0;
	int    i;

	(void)state;
	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(
		    line + n, sizeof(line) - n, "w%c ", 'a' + i % 26);
	n = template_fold(line, n, out, sizeof(out));
	assert_true(n <= TEMPLATE_TEXT_MAX);
	assert_int_equal(n, 3 * TEMPLATE_TOKENS_MAX - 1); /* token cap */
	/* Invalid UTF-8 comes out as U+FFFD, never as raw bytes. */
	n = template_fold("bad \xff\xfe byte", 11, out, sizeof(out));
	assert_string_equal(out, "bad \xef\xbf\xbd\xef\xbf\xbd byte");
	/* A short buffer cuts between tokens. */
	n = template_fold("alpha beta gamma", 16, out, 12);
	assert_string_equal(out, "alpha beta");
}

static void
test_template_error_words(void **state)
{
	static const struct {
		const char *msg;
		int         want;
	} cases[] = {
	    {"Connection refused", 1},
	    {"java.io.IOException: broken pipe", 1},
	    {"upstream timed out while reading", 1},
	    {"could not open relation", 1},
	    {"invoice batch 42 done: 120 invoices, 0 errors", 0},
	    {"pool stats: total=10 errors=0", 0},
	    {"summary errors: 3 warnings: 1", 0},
	    {"3 failed, 7 ok", 0},
	    {"gateway 10.0.0.7 unreachable", 1},
	    {"driver 8.1.0 failed to load", 1},
	    {"no errors found", 0},
	    {"retrying after transient error (attempt 2/5) ... ok", 0},
	    {"request.timeout.ms = 30000", 0},
	    {"systemctl reset-failed api.service", 0},
	    {"cURL error 28: Operation timed out", 1},
	    {"Failed password for root from 10.0.0.9 port 22 ssh2", 0},
	    {"pam_unix(sshd:auth): authentication failure; user=root", 0},
	    {"all good", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
		    template_error_words(cases[i].msg, strlen(cases[i].msg)),
		    cases[i].want);
}

static void
test_template_cluster(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;
	uint32_t               id;

	(void)state;
	feed(m, 0, "session opened for user alice by cron", 6, 0, &a);
	id = a.id;
	assert_string_equal(a.text, "session opened for user alice by cron");
	feed(m, 0, "session opened for user bob by cron", 6, S, &a);
	assert_int_equal(a.id, id);
	assert_string_equal(a.text, "session opened for user <*> by cron");
	assert_int_equal(a.count, 2);
	/* Another length, another leaf. */
	feed(m, 0, "session opened for user bob", 6, 2 * S, &a);
	assert_int_not_equal(a.id, id);
	/* Too different: a template of its own. */
	feed(m, 0, "session closed early, peer went away", 6, 3 * S, &a);
	assert_int_not_equal(a.id, id);
	/* An error word is never folded into a variable. */
	feed(m, 0, "backup of volume data succeeded", 6, 4 * S, &a);
	id = a.id;
	feed(m, 0, "backup of volume data failed", 6, 5 * S, &a);
	assert_int_not_equal(a.id, id);
	/* The same line from another source is another template. */
	feed(m, 1, "backup of volume data failed", 6, 6 * S, &a);
	assert_int_not_equal(a.id, id);
	template_miner_free(m);
}

static void
test_template_new_after_warm(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;
	int64_t                t = 41 * MIN;

	(void)state;
	/* Before the source is warm, a new error is baseline. */
	assert_int_equal(
	    feed(m, 0, "disk quota check failed for tenant 7", 3, 0, &a), 0);
	warm_up(m, 0);
	assert_int_equal(
	    feed(m, 0, "payment gateway unreachable: giving up", -1, t, &a), 1);
	assert_int_equal(a.why, TEMPLATE_NEW);
	assert_true(a.start);
	assert_int_equal(a.episode, 1);
	assert_string_equal(template_why_name(a.why), "new");
	/* The next one within the hold time continues the episode. */
	assert_int_equal(feed(m, 0, "payment gateway unreachable: giving up",
			     -1, t + MIN, &a),
	    1);
	assert_false(a.start);
	assert_int_equal(a.episode, 2);
	assert_int_equal(a.line_last - a.line_first, 1);
	/* New but not error-like, or error words at info level: nothing. */
	assert_int_equal(feed(m, 0, "tenant 9 archived", -1, t + MIN, &a), 0);
	assert_int_equal(
	    feed(m, 0, "retry budget exhausted: failed", 6, t + MIN, &a), 0);
	/* Error severity needs no error word. */
	assert_int_equal(
	    feed(m, 0, "tenant 12 slow path engaged", 3, t + MIN, &a), 1);
	/* After the hold time the episode is over, and never new again. */
	assert_int_equal(feed(m, 0, "payment gateway unreachable: giving up",
			     -1, t + 30 * MIN, &a),
	    0);
	assert_int_equal(a.count, 3);
	template_miner_free(m);
}

static void
test_template_spike(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;
	int64_t                t;
	int                    i, rc = 0;

	(void)state;
	/* Traffic, and an error once every ten minutes: the baseline. */
	for (t = 0; t < 160 * MIN; t += 10 * S) {
		feed(m, 0, "GET /api/items 200", 6, t, &a);
		if (t % (10 * MIN) == 0)
			assert_int_equal(
			    feed(m, 0, "lock wait timeout on table orders", -1,
				t + S, &a),
			    0);
	}
	/* Then thirty in two minutes. */
	for (i = 0; i < 30 && rc == 0; i++)
		rc = feed(m, 0, "lock wait timeout on table orders", -1,
		    161 * MIN + i * 4 * S, &a);
	assert_int_equal(rc, 1);
	assert_int_equal(a.why, TEMPLATE_SPIKE);
	assert_true(a.start);
	assert_int_equal(a.episode, 10); /* the window that made it a spike */
	assert_false(a.strong);
	for (; i < 30; i++)
		feed(m, 0, "lock wait timeout on table orders", -1,
		    161 * MIN + i * 4 * S, &a);
	assert_true(a.strong);
	template_miner_free(m);
}

static void
test_template_steady_no_spike(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;
	int64_t                t;

	(void)state;
	/* A steady error rate, however high, is its own baseline. */
	for (t = 0; t < 180 * MIN; t += 5 * S)
		assert_int_equal(
		    feed(m, 0, "upstream connect error, retrying", -1, t, &a),
		    0);
	template_miner_free(m);
}

static void
test_template_unsettled_source(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;
	char                   msg[64];
	int                    i;

	(void)state;
	/* Every line a template of its own: "new" means nothing here. */
	for (i = 0; i < 300; i++) {
		snprintf(msg, sizeof(msg), "event%c%c happened", 'a' + i % 26,
		    'a' + i / 26);
		feed(m, 0, msg, 6, i * 10 * S, &a);
	}
	assert_int_equal(
	    feed(m, 0, "subsystem crashed hard", -1, 3000 * S, &a), 0);
	template_miner_free(m);
}

static void
test_template_burst_after_settled(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;
	char                   msg[96];
	int                    i;

	(void)state;
	warm_up(m, 0);
	/* An incident's traceback: thirty frames never seen, all at once... */
	for (i = 0; i < 30; i++) {
		snprintf(msg, sizeof(msg), "at com.example.Frame%c%c.call",
		    'a' + i % 26, 'a' + i / 26);
		assert_int_equal(feed(m, 0, msg, -1, 41 * MIN + i * S, &a), 0);
	}
	/* ...does not hide the error that follows: the source is judged as
	 * it was before the burst. */
	assert_int_equal(feed(m, 0, "payment gateway unreachable: giving up",
			     -1, 41 * MIN + 31 * S, &a),
	    1);
	assert_int_equal(a.why, TEMPLATE_NEW);
	template_miner_free(m);
}

static void
test_template_sparse_source(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;
	int                    i;

	(void)state;
	/* A line every ten minutes for ten hours: warm, but too sparse for
	 * a new template to stand out against recent traffic. */
	for (i = 0; i < 60; i++)
		feed(m, 0, "nightly sync ok", 6, i * 10 * MIN, &a);
	assert_int_equal(
	    feed(m, 0, "sync target unreachable", -1, 600 * MIN, &a), 0);
	template_miner_free(m);
}

static void
test_template_late_line(void **state)
{
	struct template_miner *m = miner();
	struct template_answer a;

	(void)state;
	warm_up(m, 0);
	/* A line an hour behind the source's newest opens nothing. */
	assert_int_equal(
	    feed(m, 0, "replica fell behind: fatal", -1, 0, &a), 0);
	template_miner_free(m);
}

static void
test_template_bounds_eviction(void **state)
{
	struct template_conf   c;
	struct template_miner *m;
	struct template_answer a;
	struct template_stats  st;
	uint32_t               held;
	char                   msg[64];
	int                    i;

	(void)state;
	template_conf_default(&c);
	c.max_templates = 6;
	c.max_per_source = 4;
	c.warm_lines = 1;
	c.warm_ns = 0;
	c.novel_max = 1;
	c.dense_min = 0;
	m = template_miner_new(&c);
	assert_int_equal(feed(m, 0, "alpha failed", -1, 0, &a), 1);
	held = a.id;
	for (i = 0; i < 20; i++) {
		snprintf(
		    msg, sizeof(msg), "%c%c quiet line", 'a' + i, 'a' + i % 3);
		feed(m, i % 2, msg, 6, i * S, &a);
	}
	template_miner_stats(m, &st);
	assert_true(st.templates <= 6);
	assert_true(st.evicted > 0);
	assert_int_equal(st.sources, 2);
	assert_true(st.bytes <= st.max_bytes);
	assert_true(st.template_bytes > TEMPLATE_TEXT_MAX);
	/* Surfaced within the hold time: kept, same id, same episode. */
	assert_int_equal(feed(m, 0, "alpha failed", -1, 30 * S, &a), 1);
	assert_int_equal(a.id, held);
	assert_int_equal(a.episode, 2);
	/* Out-of-range sources and empty lines are not clustered. */
	assert_int_equal(feed(m, -1, "x", -1, 0, &a), -1);
	assert_int_equal(feed(m, c.max_sources, "x", -1, 0, &a), -1);
	assert_int_equal(feed(m, 0, "   ", -1, 0, &a), -1);
	template_miner_free(m);
	template_miner_free(NULL);
}

static void
test_template_forget_frees_a_source(void **state)
{
	struct template_conf   c;
	struct template_miner *m;
	struct template_answer a;
	struct template_stats  st;
	uint32_t               old;
	char                   msg[64];
	int                    i;

	(void)state;
	template_conf_default(&c);
	c.max_templates = 8;
	m = template_miner_new(&c);
	warm_up(m, 1);
	assert_int_equal(feed(m, 0, "gamma failed", -1, 0, &a), 0);
	old = a.id;
	for (i = 0; i < 5; i++) {
		snprintf(msg, sizeof(msg), "%c quiet %c", 'a' + i, 'z' - i);
		feed(m, 0, msg, 6, i * S, &a);
	}
	template_miner_stats(m, &st);
	assert_int_equal(st.sources, 2);
	assert_int_equal(st.templates, 8);
	template_miner_forget(m, 0);
	template_miner_stats(m, &st);
	assert_int_equal(st.sources, 1);
	assert_int_equal(st.templates, 2); /* source 1's two */
	assert_int_equal(st.forgotten, 6);
	/* The place starts cold: its lines are baseline again, new ids. */
	assert_int_equal(feed(m, 0, "gamma failed", -1, 60 * MIN, &a), 0);
	assert_int_not_equal(a.id, old);
	assert_int_equal(a.count, 1);
	/* Freed slots are reused before anything is evicted. */
	for (i = 0; i < 5; i++) {
		snprintf(msg, sizeof(msg), "%c other %c", 'a' + i, 'z' - i);
		feed(m, 0, msg, 6, 60 * MIN + i * S, &a);
	}
	template_miner_stats(m, &st);
	assert_int_equal(st.templates, 8);
	assert_int_equal(st.evicted, 0);
	/* Source 1 kept its baseline: still warm, so a new error shows. */
	assert_int_equal(
	    feed(m, 1, "ledger sync failed hard", -1, 41 * MIN, &a), 1);
	template_miner_forget(m, 0); /* twice, or unknown: nothing */
	template_miner_forget(m, 0);
	template_miner_forget(m, 500);
	template_miner_forget(m, -1);
	template_miner_free(m);
}

/* Runs a fixed mixed input through m, folding every answer into a hash. */
static uint32_t
replay_hash(struct template_miner *m)
{
	struct template_answer a;
	uint32_t               h = 2166136261u;
	char                   msg[96];
	int                    i, rc;
	size_t                 k;

	for (i = 0; i < 3000; i++) {
		snprintf(msg, sizeof(msg), "%s %d from node%d",
		    i % 97 == 0      ? "write failed"
			: i % 5 == 0 ? "cache miss"
				     : "request served",
		    i * 31 % 1000, i % 4);
		rc = feed(m, i % 3, msg, i % 11 == 0 ? 3 : 6, i * 2 * S, &a);
		h = (h ^ (uint32_t)rc ^ a.id ^ (uint32_t)a.why) * 16777619u;
		for (k = 0; k < a.text_len; k++)
			h = (h ^ (unsigned char)a.text[k]) * 16777619u;
	}
	return h;
}

static void
test_template_deterministic(void **state)
{
	struct template_miner *m1 = miner(), *m2 = miner();

	(void)state;
	assert_int_equal(replay_hash(m1), replay_hash(m2));
	template_miner_free(m1);
	template_miner_free(m2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template_fold_variables),
	    cmocka_unit_test(test_template_fold_bounds),
	    cmocka_unit_test(test_template_error_words),
	    cmocka_unit_test(test_template_cluster),
	    cmocka_unit_test(test_template_new_after_warm),
	    cmocka_unit_test(test_template_spike),
	    cmocka_unit_test(test_template_steady_no_spike),
	    cmocka_unit_test(test_template_unsettled_source),
	    cmocka_unit_test(test_template_burst_after_settled),
	    cmocka_unit_test(test_template_sparse_source),
	    cmocka_unit_test(test_template_late_line),
	    cmocka_unit_test(test_template_bounds_eviction),
	    cmocka_unit_test(test_template_forget_frees_a_source),
	    cmocka_unit_test(test_template_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
