/*
 * Unit tests for skew: a source whose times look shifted, from the same
 * events seen in two sources; one event alone, or events in step, say
 * nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "category.h"
#include "incident.h"
#include "match.h"
#include "skew.h"
#include "tstamp.h"
#include "tz.h"

#define NS   TSTAMP_NS_PER_S
#define T0   INT64_C(1710493200) /* 2024-03-15T09:00:00Z */
#define SYS  0                   /* writes no zone: the suspect */
#define API  1                   /* writes its zone */
#define EDGE 2                   /* writes its zone */

/* A match of category cat in group g at t (s after T0), version v. */
static struct match
m(int g, int64_t t, enum category cat, const char *v, const char *msg)
{
	struct match x;

	memset(&x, 0, sizeof(x));
	x.group = x.source = g;
	x.ts_ns = (T0 + t) * NS;
	x.cat = cat;
	snprintf(x.message, sizeof(x.message), "%s", msg);
	if (v != NULL) {
		memcpy(x.fields, "version", 8);
		memcpy(x.fields + 8, v, strlen(v) + 1);
		x.fields_len = 8 + strlen(v) + 1;
	}
	return x;
}

/* skew_zoned_fn: every group but SYS writes its zone. */
static int
zoned(int g, void *arg)
{
	(void)arg;
	return g != SYS;
}

/* skew_name_fn. */
static const char *
name(int g, void *arg)
{
	static const char *const names[] = {"syslog", "api.log", "edge.log"};

	(void)arg;
	return names[g];
}

/* Feeds n matches and finishes; the number of findings in f. */
static int
run(const struct match *ms, int n, const struct incident *inc,
    struct skew_finding *f)
{
	struct skew *sk = skew_new();
	int          i, k;

	for (i = 0; i < n; i++) {
		skew_match(sk, &ms[i]);
		if (inc != NULL && i == n / 2)
			skew_incident(sk, inc);
	}
	k = skew_finish(sk, zoned, NULL, f, 4);
	skew_free(sk);
	return k;
}

/* Two releases an hour apart from their starts: syslog is an hour ahead. */
static void
test_skew_two_releases_agree(void **state)
{
	struct match ms[] = {
	    m(API, -3600 + 60, CATEGORY_RESTART, "v2.4.0",
		"api v2.4.0 starting"),
	    m(SYS, 0, CATEGORY_DEPLOY, "v2.4.0", "Deploying v2.4.0"),
	    m(SYS, 90, CATEGORY_DEPLOY, "v2.4.0", "Deployed v2.4.0"),
	    m(API, 3600, CATEGORY_RESTART, "2.3.9", "api 2.3.9 starting"),
	    m(SYS, 7200 - 30, CATEGORY_ROLLBACK, "v2.3.9", "Rolling back"),
	};
	struct skew_finding f[4];
	char                buf[512];

	(void)state;
	assert_int_equal(run(ms, 5, NULL, f), 1);
	assert_int_equal(f[0].group, SYS);
	assert_true(f[0].shift_ns == 3600 * NS);
	assert_int_equal(f[0].zone_off, 3600);
	assert_int_equal(f[0].count, 2);
	skew_describe(&f[0], name, NULL, buf, sizeof(buf));
	assert_string_equal(buf,
	    "syslog: its times look 1 h ahead of the other sources: syslog "
	    "logs a deploy of v2.4.0 at 2024-03-15T09:00:00Z, api.log its "
	    "start at 2024-03-15T08:01:00Z; 1 more event agrees: is its zone "
	    "UTC+1 (e.g. Africa/Lagos)? Set --source-tz");
}

/* One such event alone is not enough; nor a start inside the deploy. */
static void
test_skew_one_event_or_in_step_says_nothing(void **state)
{
	struct match one[] = {
	    m(API, -3600 + 60, CATEGORY_RESTART, "v2.4.0",
		"api v2.4.0 starting"),
	    m(SYS, 0, CATEGORY_DEPLOY, "v2.4.0", "Deploying v2.4.0"),
	};
	struct match step[] = {
	    m(API, -3600 + 60, CATEGORY_RESTART, "v2.4.0",
		"api v2.4.0 starting"),
	    m(SYS, 0, CATEGORY_DEPLOY, "v2.4.0", "Deploying v2.4.0"),
	    m(API, 60, CATEGORY_RESTART, "v2.4.0", "api v2.4.0 starting"),
	    m(API, 3600, CATEGORY_RESTART, "2.3.9", "api 2.3.9 starting"),
	    m(SYS, 7200 - 30, CATEGORY_ROLLBACK, "v2.3.9", "Rolling back"),
	    m(API, 7200, CATEGORY_RESTART, "2.3.9", "api 2.3.9 starting"),
	};
	struct skew_finding f[4];

	(void)state;
	assert_int_equal(run(one, 2, NULL, f), 0);
	assert_int_equal(run(step, 6, NULL, f), 0);
}

/* Two sources that both write their zone: a clock, not a zone; quiet. */
static void
test_skew_both_zoned_says_nothing(void **state)
{
	struct match ms[] = {
	    m(API, -3600, CATEGORY_RESTART, "v2.4.0", "api v2.4.0 starting"),
	    m(EDGE, 0, CATEGORY_DEPLOY, "v2.4.0", "Deploying v2.4.0"),
	    m(API, 3600, CATEGORY_RESTART, "2.3.9", "api 2.3.9 starting"),
	    m(EDGE, 7200, CATEGORY_ROLLBACK, "v2.3.9", "Rolling back"),
	};
	struct skew_finding f[4];

	(void)state;
	assert_int_equal(run(ms, 4, NULL, f), 0);
}

/*
 * A fix an hour after the failures (in api.log) stopped, and a release an
 * hour off its start, agree: syslog is an hour ahead.
 */
static void
test_skew_fix_after_failures_and_release_agree(void **state)
{
	static const struct rule_ref fail = {
	    "db", "db_connection_error", CATEGORY_DB_CONNECTION_ERROR, 0, 0};
	struct incident_entry x;
	struct incident       inc;
	struct match          ms[] = {
		     m(API, -3600 + 60, CATEGORY_RESTART, "v2.4.0",
			 "api v2.4.0 starting"),
		     m(SYS, 0, CATEGORY_DEPLOY, "v2.4.0", "Deploying v2.4.0"),
		     m(SYS, 2 * 3600 + 62, CATEGORY_CONFIG_CHANGE, NULL, "ufw allow"),
		     m(SYS, 2 * 3600 + 120, CATEGORY_CONFIG_CHANGE, NULL, "ufw reload"),
        };
	struct skew_finding f[4];

	(void)state;
	memset(&x, 0, sizeof(x));
	x.rule = &fail;
	x.group = API;
	x.first_ns = T0 * NS;
	x.last_ns = (T0 + 3600) * NS;
	memset(&inc, 0, sizeof(inc));
	inc.entries = &x;
	inc.nentries = 1;
	inc.last_failure_ns = x.last_ns;
	assert_int_equal(run(ms, 4, &inc, f), 1);
	assert_int_equal(f[0].group, SYS);
	assert_int_equal(f[0].count, 2);
	/* the fix alone says nothing */
	assert_int_equal(run(ms + 2, 2, &inc, f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skew_two_releases_agree),
	    cmocka_unit_test(test_skew_one_event_or_in_step_says_nothing),
	    cmocka_unit_test(test_skew_both_zoned_says_nothing),
	    cmocka_unit_test(test_skew_fix_after_failures_and_release_agree),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tz_cache_free();
	return rc;
}
