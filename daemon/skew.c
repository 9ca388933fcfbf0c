/*
 * skew: same events seen in two sources, to find a source whose times are
 * off by whole or half hours (a zone not set, or set wrong). Everything
 * is kept in small rings bounded in count and in event time; an item is
 * judged when nothing that could pair with it can still arrive, or at the
 * end. It says nothing on one event alone: a single coincidence is likely
 * (a half-hour grid give or take three minutes covers a fifth of the
 * clock); two agreeing are not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "category.h"
#include "incident.h"
#include "match.h"
#include "skew.h"
#include "timecheck.h"
#include "tstamp.h"
#include "tz.h"
#include "xmalloc.h"

#define NS         TSTAMP_NS_PER_S
#define SKEW_HALF  (1800 * NS)
#define SKEW_TOL   (TIMECHECK_TOLERANCE_S * NS)
#define SKEW_REACH (14 * 3600 * NS + SKEW_TOL) /* the widest zone gap */
#define SKEW_BURST (600 * NS) /* the lines of one deploy, at most apart */
#define SKEW_KEEP  (2 * SKEW_REACH + 3600 * NS) /* starts and actions */

#define SKEW_BURSTS    64
#define SKEW_STARTS    256
#define SKEW_ACTIONS   512
#define SKEW_INCIDENTS 32
#define SKEW_PAIRS     128
#define SKEW_GROUPS    16

/* Deploy or rollback lines of one version in one source. */
struct skew_burst {
	int     group;
	int64_t first, last;
	int32_t off;
	char    version[SKEW_VERSION_MAX];
	char    what[SKEW_WHAT_MAX];
};

/* A service announcing the version it starts. */
struct skew_start {
	int     group;
	int64_t t;
	int32_t off;
	char    version[SKEW_VERSION_MAX];
};

/* A change someone made: config change, rollback, deploy. */
struct skew_action {
	int     group;
	int64_t t;
	int32_t off;
	char    what[SKEW_WHAT_MAX];
};

/* When an incident's failures stopped, and in which sources they were. */
struct skew_inc {
	int64_t tf;
	int     last_group; /* the source of the last failure */
	int32_t last_off;
	int     groups[SKEW_GROUPS];
	int     ngroups;
};

/* What a burst's judge knows of one other source's starts. */
struct skew_side {
	int                      group;
	int                      inside; /* a start within the burst */
	const struct skew_start *near;   /* else the nearest */
	int64_t                  dist;
};

/*
 * Starts and actions are rings (oldest at head): there may be many, and
 * the oldest go first. Bursts and incidents are few.
 */
struct skew {
	int64_t            now;
	struct skew_burst  bursts[SKEW_BURSTS];
	struct skew_start  starts[SKEW_STARTS];
	struct skew_action actions[SKEW_ACTIONS];
	struct skew_inc    incs[SKEW_INCIDENTS];
	struct skew_pair   pairs[SKEW_PAIRS];
	int                nbursts, nincs, npairs;
	int                start_head, nstarts, action_head, nactions;
};

/* The i-th oldest start kept. */
static const struct skew_start *
skew_start_at(const struct skew *sk, int i)
{
	return &sk->starts[(sk->start_head + i) % SKEW_STARTS];
}

/* The i-th oldest action kept. */
static const struct skew_action *
skew_action_at(const struct skew *sk, int i)
{
	return &sk->actions[(sk->action_head + i) % SKEW_ACTIONS];
}

/* A new detector, empty. */
struct skew *
skew_new(void)
{
	struct skew *sk = xcalloc(1, sizeof(*sk));

	sk->now = INT64_MIN;
	return sk;
}

/* Frees a detector (NULL is fine). */
void
skew_free(struct skew *sk)
{
	free(sk);
}

/* Removes item i of an array of n items of size sz. */
static void
skew_drop(void *base, int *n, int i, size_t sz)
{
	char *p = base;

	memmove(p + (size_t)i * sz, p + (size_t)(i + 1) * sz,
	    (size_t)(*n - i - 1) * sz);
	(*n)--;
}

/* Keeps a pair, unless the list is full. */
static void
skew_pair_add(struct skew *sk, const struct skew_pair *p)
{
	if (sk->npairs < SKEW_PAIRS)
		sk->pairs[sk->npairs++] = *p;
}

/*
 * The version a match names in its "version" field, into out; 0 if it
 * has none that looks like one ("2.4.0": digits and a dot).
 */
static int
skew_version(const struct match *m, char *out, size_t n)
{
	const char *p = m->fields, *end = m->fields + m->fields_len, *v;

	while (p < end) {
		v = p + strlen(p) + 1;
		if (v >= end)
			break;
		if (strcmp(p, "version") == 0) {
			snprintf(out, n, "%s", v);
			return strpbrk(out, "0123456789") != NULL &&
			    strchr(out, '.') != NULL;
		}
		p = v + strlen(v) + 1;
	}
	return 0;
}

/* 1 if two versions are one, a leading "v" aside ("v2.4.0", "2.4.0"). */
static int
skew_same_version(const char *a, const char *b)
{
	if (*a == 'v' || *a == 'V')
		a++;
	if (*b == 'v' || *b == 'V')
		b++;
	return strcmp(a, b) == 0;
}

/* A category as a sentence says it: "config change". */
static void
skew_what(enum category cat, char *out, size_t n)
{
	char *p;

	snprintf(out, n, "%s", category_name(cat));
	for (p = out; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
}

/* 1 if a restart line tells of something going down, not starting. */
static int
skew_is_stop(const char *msg)
{
	static const char *const words[] = {
	    "stop", "shut", "exit", "terminat", "kill", "crash", NULL};
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcasestr(msg, words[i]) != NULL)
			return 1;
	return 0;
}

/*
 * The one whole number of half hours k (not 0, within a zone's reach)
 * that moves t into [lo, hi], or 0 when none or several do.
 */
static int64_t
skew_steps(int64_t t, int64_t lo, int64_t hi)
{
	int64_t a = lo - t, b = hi - t, k0, k1;

	k0 = a >= 0 ? (a + SKEW_HALF - 1) / SKEW_HALF : -(-a / SKEW_HALF);
	k1 = b >= 0 ? b / SKEW_HALF : -((-b + SKEW_HALF - 1) / SKEW_HALF);
	if (k0 != k1 || k0 == 0 || llabs(k0) * SKEW_HALF > SKEW_REACH)
		return 0;
	return k0;
}

/*
 * The side of group g among n (added when there is room), or NULL.
 */
static struct skew_side *
skew_side(struct skew_side *sides, int *n, int g)
{
	int i;

	for (i = 0; i < *n; i++)
		if (sides[i].group == g)
			return &sides[i];
	if (*n == SKEW_GROUPS)
		return NULL;
	memset(&sides[*n], 0, sizeof(sides[*n]));
	sides[*n].group = g;
	sides[*n].dist = INT64_MAX;
	return &sides[(*n)++];
}

/* Keeps the pair a burst and a start a half-hour grid apart make. */
static void
skew_burst_pair(struct skew *sk, const struct skew_burst *b,
    const struct skew_start *s, int64_t k)
{
	struct skew_pair p;

	memset(&p, 0, sizeof(p));
	p.kind = SKEW_RELEASE;
	p.a = b->group;
	p.b = s->group;
	p.ta = b->first;
	p.tb = s->t;
	p.d = k * SKEW_HALF;
	p.off_a = b->off;
	p.off_b = s->off;
	snprintf(p.version, sizeof(p.version), "%s", b->version);
	snprintf(p.what, sizeof(p.what), "%s", b->what);
	skew_pair_add(sk, &p);
}

/*
 * Judges a burst: for each other source that started its version within
 * reach, none inside the burst (give or take the tolerance), and the
 * nearest start a whole number of half hours off it, that is a pair.
 */
static void
skew_burst_judge(struct skew *sk, const struct skew_burst *b)
{
	struct skew_side         sides[SKEW_GROUPS], *sd;
	const struct skew_start *s;
	int64_t lo = b->first - SKEW_TOL, hi = b->last + SKEW_TOL, d, k;
	int     i, n = 0;

	for (i = 0; i < sk->nstarts; i++) {
		s = skew_start_at(sk, i);
		if (s->group == b->group ||
		    !skew_same_version(s->version, b->version) ||
		    (sd = skew_side(sides, &n, s->group)) == NULL)
			continue;
		sd->inside |= s->t >= lo && s->t <= hi;
		d = s->t < lo ? lo - s->t : s->t - hi;
		if (d < sd->dist) {
			sd->dist = d;
			sd->near = s;
		}
	}
	for (i = 0; i < n; i++)
		if (!sides[i].inside && sides[i].near != NULL &&
		    (k = skew_steps(sides[i].near->t, lo, hi)) != 0)
			skew_burst_pair(sk, b, sides[i].near, k);
}

/* 1 if group g had failures in the incident. */
static int
skew_inc_has(const struct skew_inc *in, int g)
{
	int i;

	for (i = 0; i < in->ngroups; i++)
		if (in->groups[i] == g)
			return 1;
	return 0;
}

/*
 * Judges an incident: the first action each other source logged after
 * its failures stopped, when a whole number of half hours after (a fix
 * logged by a source whose times are off), is a pair.
 */
static void
skew_inc_judge(struct skew *sk, const struct skew_inc *in)
{
	const struct skew_action *a;
	struct skew_pair          p;
	int                       seen[SKEW_GROUPS], nseen = 0, i, j;
	int64_t                   gap, k;

	for (i = 0; i < sk->nactions && nseen < SKEW_GROUPS; i++) {
		a = skew_action_at(sk, i);
		if (a->t <= in->tf || a->t > in->tf + SKEW_REACH ||
		    skew_inc_has(in, a->group))
			continue;
		for (j = 0; j < nseen && seen[j] != a->group; j++)
			;
		if (j < nseen)
			continue;
		seen[nseen++] = a->group;
		gap = a->t - in->tf;
		k = (gap + SKEW_HALF / 2) / SKEW_HALF;
		if (k == 0 || llabs(gap - k * SKEW_HALF) > SKEW_TOL)
			continue;
		memset(&p, 0, sizeof(p));
		p.kind = SKEW_FIX;
		p.a = a->group;
		p.b = in->last_group;
		p.ta = a->t;
		p.tb = in->tf;
		p.d = k * SKEW_HALF;
		p.off_a = a->off;
		p.off_b = in->last_off;
		snprintf(p.what, sizeof(p.what), "%s", a->what);
		skew_pair_add(sk, &p);
	}
}

/*
 * Judges and forgets what nothing can pair with any more (all when
 * flush), and forgets starts and actions too old to matter.
 */
static void
skew_expire(struct skew *sk, int flush)
{
	while (sk->nbursts > 0 &&
	    (flush || sk->now - sk->bursts[0].last > SKEW_REACH)) {
		skew_burst_judge(sk, &sk->bursts[0]);
		skew_drop(sk->bursts, &sk->nbursts, 0, sizeof(sk->bursts[0]));
	}
	while (
	    sk->nincs > 0 && (flush || sk->now - sk->incs[0].tf > SKEW_REACH)) {
		skew_inc_judge(sk, &sk->incs[0]);
		skew_drop(sk->incs, &sk->nincs, 0, sizeof(sk->incs[0]));
	}
	while (
	    sk->nstarts > 0 && sk->now - skew_start_at(sk, 0)->t > SKEW_KEEP) {
		sk->start_head = (sk->start_head + 1) % SKEW_STARTS;
		sk->nstarts--;
	}
	while (sk->nactions > 0 &&
	    sk->now - skew_action_at(sk, 0)->t > SKEW_KEEP) {
		sk->action_head = (sk->action_head + 1) % SKEW_ACTIONS;
		sk->nactions--;
	}
}

/* Adds a deploy or rollback line of version v to its burst. */
static void
skew_burst_add(struct skew *sk, const struct match *m, const char *v)
{
	struct skew_burst *b;
	int                i;

	for (i = sk->nbursts - 1; i >= 0; i--) {
		b = &sk->bursts[i];
		if (b->group == m->group && skew_same_version(b->version, v) &&
		    m->ts_ns - b->last <= SKEW_BURST) {
			if (m->ts_ns > b->last)
				b->last = m->ts_ns;
			return;
		}
	}
	if (sk->nbursts == SKEW_BURSTS) {
		skew_burst_judge(sk, &sk->bursts[0]);
		skew_drop(sk->bursts, &sk->nbursts, 0, sizeof(sk->bursts[0]));
	}
	b = &sk->bursts[sk->nbursts++];
	memset(b, 0, sizeof(*b));
	b->group = m->group;
	b->first = b->last = m->ts_ns;
	b->off = m->utc_offset;
	snprintf(b->version, sizeof(b->version), "%s", v);
	skew_what(m->cat, b->what, sizeof(b->what));
}

/* Keeps a start of version v. */
static void
skew_start_add(struct skew *sk, const struct match *m, const char *v)
{
	struct skew_start *s;

	if (sk->nstarts == SKEW_STARTS) { /* the oldest goes */
		sk->start_head = (sk->start_head + 1) % SKEW_STARTS;
		sk->nstarts--;
	}
	s = &sk->starts[(sk->start_head + sk->nstarts++) % SKEW_STARTS];
	s->group = m->group;
	s->t = m->ts_ns;
	s->off = m->utc_offset;
	snprintf(s->version, sizeof(s->version), "%s", v);
}

/* Keeps an action. */
static void
skew_action_add(struct skew *sk, const struct match *m)
{
	struct skew_action *a;

	if (sk->nactions == SKEW_ACTIONS) { /* the oldest goes */
		sk->action_head = (sk->action_head + 1) % SKEW_ACTIONS;
		sk->nactions--;
	}
	a = &sk->actions[(sk->action_head + sk->nactions++) % SKEW_ACTIONS];
	a->group = m->group;
	a->t = m->ts_ns;
	a->off = m->utc_offset;
	skew_what(m->cat, a->what, sizeof(a->what));
}

/* Takes one match, in event-time order. */
void
skew_match(struct skew *sk, const struct match *m)
{
	char v[SKEW_VERSION_MAX];
	int  has_v = skew_version(m, v, sizeof(v));

	if (m->ts_ns > sk->now)
		sk->now = m->ts_ns;
	if (has_v && (m->cat == CATEGORY_DEPLOY || m->cat == CATEGORY_ROLLBACK))
		skew_burst_add(sk, m, v);
	if (has_v && m->cat == CATEGORY_RESTART && !skew_is_stop(m->message))
		skew_start_add(sk, m, v);
	if (m->cat == CATEGORY_CONFIG_CHANGE || m->cat == CATEGORY_ROLLBACK ||
	    m->cat == CATEGORY_DEPLOY)
		skew_action_add(sk, m);
	skew_expire(sk, 0);
}

/* Takes an incident as it is written: when and where its failures were. */
void
skew_incident(struct skew *sk, const struct incident *inc)
{
	const struct incident_entry *x;
	struct skew_inc             *in;
	int                          i;

	if (sk->nincs == SKEW_INCIDENTS) {
		skew_inc_judge(sk, &sk->incs[0]);
		skew_drop(sk->incs, &sk->nincs, 0, sizeof(sk->incs[0]));
	}
	in = &sk->incs[sk->nincs++];
	memset(in, 0, sizeof(*in));
	in->tf = inc->last_failure_ns;
	in->last_group = -1;
	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (!category_is_failure(x->rule->cat))
			continue;
		if (!skew_inc_has(in, x->group) && in->ngroups < SKEW_GROUPS)
			in->groups[in->ngroups++] = x->group;
		if (x->last_ns == in->tf) {
			in->last_group = x->group;
			in->last_off = x->first_off;
		}
	}
	if (in->last_group < 0)
		sk->nincs--; /* no failure entry kept: nothing to go by */
}

/*
 * The source a pair says is off, from which side writes its zone: a, b,
 * or -1 when both or neither do.
 */
static int
skew_suspect(const struct skew_pair *p, skew_zoned_fn zoned, void *arg)
{
	int za = zoned(p->a, arg), zb = zoned(p->b, arg);

	if (!za && zb)
		return p->a;
	if (za && !zb)
		return p->b;
	return -1;
}

/* Adds pair p (its suspect s, shift d) to the findings; their count. */
static int
skew_tally(struct skew_finding *out, int n, int max, const struct skew_pair *p,
    int s, int64_t d)
{
	int     i;
	int32_t off = s == p->a ? p->off_a : p->off_b, zone;

	for (i = 0; i < n; i++)
		if (out[i].group == s && out[i].shift_ns == d) {
			out[i].count++;
			if (p->ta < out[i].first.ta)
				out[i].first = *p;
			return n;
		}
	if (n == max || !timecheck_zone_like(d / NS, off, &zone))
		return n;
	memset(&out[n], 0, sizeof(out[n]));
	out[n].group = s;
	out[n].shift_ns = d;
	out[n].zone_off = zone;
	out[n].count = 1;
	out[n].first = *p;
	return n + 1;
}

/*
 * Judges what is left and writes the findings (at most max) that two
 * events or more agree on, in order of their first event; their number.
 */
int
skew_finish(struct skew *sk, skew_zoned_fn zoned, void *arg,
    struct skew_finding *out, int max)
{
	struct skew_finding    *all;
	const struct skew_pair *p;
	int                     i, s, n = 0, kept = 0;

	skew_expire(sk, 1);
	all = xcalloc(SKEW_PAIRS, sizeof(*all));
	for (i = 0; i < sk->npairs; i++) {
		p = &sk->pairs[i];
		if ((s = skew_suspect(p, zoned, arg)) >= 0)
			n = skew_tally(
			    all, n, SKEW_PAIRS, p, s, s == p->a ? p->d : -p->d);
	}
	for (i = 0; i < n && kept < max; i++)
		if (all[i].count >= 2)
			out[kept++] = all[i];
	free(all);
	for (i = 1; i < kept; i++) /* few: insertion sort by first event */
		for (s = i; s > 0 && out[s].first.ta < out[s - 1].first.ta;
		     s--) {
			struct skew_finding t = out[s];

			out[s] = out[s - 1];
			out[s - 1] = t;
		}
	return kept;
}

/* Writes the time of a pair's event for a sentence. */
static void
skew_time(char *buf, size_t n, int64_t ns)
{
	tstamp_format(buf, n, ns, 0, 0);
}

/*
 * Writes what a finding says, naming sources with name(): "syslog: its
 * times look 1 h ahead of the other sources: ...: is its zone UTC+1 (e.g.
 * Africa/Lagos)? Set --source-tz". The length.
 */
size_t
skew_describe(const struct skew_finding *f, skew_name_fn name, void *arg,
    char *buf, size_t n)
{
	const struct skew_pair *p = &f->first;
	char                    ta[64], tb[64], gap[32], zone[32], ev[512];
	char                    more[64] = "", eg[64] = "";
	int                     len;

	skew_time(ta, sizeof(ta), p->ta);
	skew_time(tb, sizeof(tb), p->tb);
	timecheck_duration(gap, sizeof(gap), p->d / NS);
	if (p->kind == SKEW_RELEASE)
		snprintf(ev, sizeof(ev),
		    "%s logs a %s of %s at %s, %s its start at %s",
		    name(p->a, arg), p->what, p->version, ta, name(p->b, arg),
		    tb);
	else
		snprintf(ev, sizeof(ev),
		    "%s logs a %s at %s, %s after the failures in %s stopped "
		    "(%s)",
		    name(p->a, arg), p->what, ta, gap, name(p->b, arg), tb);
	if (f->count == 2)
		snprintf(more, sizeof(more), "; 1 more event agrees");
	else if (f->count > 2)
		snprintf(
		    more, sizeof(more), "; %d more events agree", f->count - 1);
	timecheck_duration(gap, sizeof(gap), f->shift_ns / NS);
	timecheck_zone_name(zone, sizeof(zone), f->zone_off);
	if (f->zone_off != 0 && tz_example(f->zone_off) != NULL)
		snprintf(eg, sizeof(eg), " (e.g. %s)", tz_example(f->zone_off));
	len = snprintf(buf, n,
	    "%s: its times look %s %s the other sources: %s%s: is its zone "
	    "%s%s? Set --source-tz",
	    name(f->group, arg), gap, f->shift_ns > 0 ? "ahead of" : "behind",
	    ev, more, zone, eg);
	return len < 0 ? 0 : (size_t)len;
}
