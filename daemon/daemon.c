/*
 * daemon: the event loop of `timelined run`. A tick (on a timer, and at
 * once when inotify says a watched directory changed) reads every
 * followed file a bounded amount, moves the merge into the incident
 * engine, writes closed incidents to the journal and, every second,
 * commits a checkpoint. Receivers append what they get to spool files
 * that are followed like any other, so every input is a file that can be
 * read again from a checkpoint. It owns the sources and their events; the
 * stages are lane, merge and incident, as in replay.
 */
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "in_syslog.h"
#include "in_tail.h"
#include "incident.h"
#include "journal.h"
#include "live.h"
#include "lane.h"
#include "log.h"
#include "match.h"
#include "merge.h"
#include "out_http.h"
#include "out_jsonl.h"
#include "pipeline.h"
#include "report.h"
#include "rule.h"
#include "source.h"
#include "state.h"
#include "strtab.h"
#include "tstamp.h"
#include "tz.h"
#include "unclass.h"
#include "xmalloc.h"

#define NS             TSTAMP_NS_PER_S
#define MS             (NS / 1000)
#define D_TICK_MS      100           /* the tick, when nothing wakes it */
#define D_CHUNK        (256 * 1024)  /* bytes read from a file per tick */
#define D_BUDGET       (4096 * 1024) /* bytes read per tick in all */
#define D_IDLE_NS      (2 * NS)      /* quiet this long: holds nothing back */
#define D_FLUSH_NS     (5 * NS)      /* a line without its newline is let go */
#define D_ROTATE_NS    (10 * NS)     /* a rotated file kept after its end */
#define D_HOLD_NS      (300 * NS)    /* a rotated file kept at most */
#define D_CKPT_NS      (1 * NS)      /* between checkpoints */
#define D_SCAN_NS      (1 * NS)      /* between glob and rotation checks */
#define D_SPOOL_MAX    (64LL << 20)  /* a spool file is rotated past this */
#define D_MERGE_MAX    (16 * 1024)   /* pending matches (1.5 KiB each) */
#define D_MAX_FILES    STATE_MAX_FILES /* files followed at once */
#define D_REORDER_NS   (5 * NS)        /* reorder_window_s when not set */
#define D_COPY_NOW     (64 << 20)      /* bytes of a copy read at once */
#define D_LAG_DECAY_NS (60 * NS)       /* a source's learnt disorder halves */

struct daemon;

/* One file being followed. */
struct follow {
	struct daemon *d;
	struct follow *next;
	struct tail   *tail;
	struct lane   *lane;
	char          *path;
	int            slot; /* in the merge */
	int            idle; /* its watermark is released */
	int64_t        grew_ns;
	int64_t        gone_ns, end_ns; /* detached; read to its end */
	int            dead;
	uint64_t       done;   /* lines ending at or before: in the match log */
	uint64_t       seen;   /* where the last line read ended */
	int64_t        newest; /* its newest match's time */
	int64_t        lag;    /* how far behind it its matches came */
	int64_t        lag_at; /* when lag was last halved */
};

/* A receiver and the spool file it appends to. */
struct spool {
	struct daemon    *d;
	struct in_syslog *rx;
	char             *addr, *path, *name;
	int               tcp, fd;
	int64_t           size;
};

struct daemon {
	struct conf            *conf;
	struct event_base      *base;
	struct event           *ev_tick, *ev_hup, *ev_term, *ev_int;
	struct event           *ev_inotify, *ev_watchdog;
	int                     ino_fd;
	struct rule_set        *rules;
	struct unclass         *unclass; /* the miner of unmatched lines */
	struct strtab          *names;
	struct strtab          *groupkeys; /* rotation keys of names */
	uint32_t               *groups, capgroups;
	struct merge           *merge;
	struct incident_engine *engine;
	struct journal         *journal;
	struct follow          *follows;
	struct spool           *spools;
	int                     nspools;
	char                   *buf;
	FILE                   *mlog;          /* the match log, or NULL */
	int64_t                 recover_until; /* closed before: journaled */
	int                     recovering;    /* event time not yet restored */
	int64_t                 fed_ts, fed_wall; /* the newest line fed */
	int64_t                 last_scan, last_ckpt;
	int                     dirty, started, stopping;
	uint64_t                commits, rotations, truncations, held_long;
	uint64_t                refused;
	struct live            *live; /* the HTTP API, or NULL */
	struct report_source   *gone; /* counts of follows that ended */
	int                     ngone, capgone;
	struct report_source   *shown; /* what sources() last made */
	int                     capshown;
};

/* The wall clock (with the test hook's skew) in ns. */
static int64_t
daemon_now(const struct daemon *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec + d->conf->clock_skew_ns;
}

/*
 * Runs the tick as soon as the loop is free. Activated without
 * EV_TIMEOUT, the persistent timer's next run counts from now; with
 * EV_TIMEOUT libevent counts it from the run it had planned, so each
 * early tick pushed the timer one period further away (a busy file or
 * receiver pushed it a minute away, and the last lines waited that long).
 */
static void
daemon_kick(struct daemon *d)
{
	event_active(d->ev_tick, 0, 0);
}

/*
 * Tells systemd how things stand ("READY=1", "RELOADING=1"...) through
 * $NOTIFY_SOCKET; nothing when it is not set.
 */
static void
daemon_notify(const char *msg)
{
	const char        *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t          len;
	int                fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* an abstract socket */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		len) == -1)
		log_debug("sd_notify %s: %s", msg, strerror(errno));
	close(fd);
}

/*
 * Learns how far behind its newest match a source's matches come (a
 * multi-threaded writer's lines are a little out of order): the merge
 * waits that long for it, at most reorder_window_s. A source in order
 * makes no one wait; one that is not makes others wait only as long as
 * it needs.
 */
static void
follow_disorder(struct follow *f, int64_t t)
{
	int64_t behind;

	if (t >= f->newest) {
		f->newest = t;
		return;
	}
	behind = f->newest - t;
	if (behind > f->d->conf->reorder_ns)
		behind = f->d->conf->reorder_ns;
	if (behind > f->lag)
		f->lag = behind;
}

/*
 * Lane callback: a match of a followed file goes to the merge; a line not
 * yet in the match log goes there (lines read again after a restart, up
 * to where the log had them, do not).
 */
static void
follow_match_cb(struct lane *l, const struct lane_out *lo, void *arg)
{
	struct follow *f = arg;
	struct daemon *d = f->d;

	if (lo->m != NULL) {
		follow_disorder(f, lo->m->ts_ns);
		merge_push(d->merge, f->slot, lo->m);
	}
	if (d->live != NULL && lo->hit != NULL)
		live_count_rule(d->live, lo->hit->rule->id);
	if (d->mlog != NULL && lo->end_off > f->done &&
	    (lo->hit != NULL || d->conf->match_log_all))
		out_jsonl_match(d->mlog, l, lo);
	f->seen = lo->end_off;
}

/*
 * The name a followed file's entries show: its configured source's
 * "name" (one name for every file of a glob, rotated ones included, so
 * that a rotation does not split a coalesced entry), else its path.
 */
static const char *
daemon_source_name(const struct daemon *d, const char *path)
{
	const struct conf_source *cs;
	int                       i;

	for (i = 0; i < d->nspools; i++)
		if (strcmp(d->spools[i].path, path) == 0)
			return d->spools[i].name;
	for (i = 0; i < d->conf->nsources; i++) {
		cs = &d->conf->sources[i];
		if (cs->name != NULL && cs->path != NULL &&
		    fnmatch(cs->path, path, FNM_PATHNAME) == 0)
			return cs->name;
	}
	return path;
}

/* The "tz" of the receiver whose spool path is, or NULL. */
static const char *
daemon_spool_tz(const struct daemon *d, const char *path)
{
	const struct conf_source *cs;
	const char               *addr;
	int                       i, k;

	for (i = 0; i < d->nspools; i++) {
		if (strcmp(d->spools[i].path, path) != 0)
			continue;
		for (k = 0; k < d->conf->nsources; k++) {
			cs = &d->conf->sources[k];
			addr = d->spools[i].tcp ? cs->syslog_tcp
						: cs->syslog_udp;
			if (cs->tz != NULL && addr != NULL &&
			    strcmp(d->spools[i].addr, addr) == 0)
				return cs->tz;
		}
	}
	return NULL;
}

/* Gives a follow's lane its rules, zone and the clock's year. */
static void
follow_setup(struct follow *f)
{
	const struct conf   *c = f->d->conf;
	enum record_zone_src why;
	const char          *spool_tz = daemon_spool_tz(f->d, f->path);
	const struct tz     *tz = spool_tz != NULL
		? tz_get(spool_tz)
		: pipeline_zone(c, f->path, &why);

	if (spool_tz != NULL)
		why = RECORD_ZONE_SOURCE; /* a receiver's "tz" */
	lane_set_rules(f->lane, f->d->rules);
	lane_set_unclass(f->lane, c->unclassified ? f->d->unclass : NULL);
	if (tz != NULL)
		source_set_zone(lane_source(f->lane), tz, why);
	if (c->year)
		source_set_year(
		    lane_source(f->lane), c->year, 0, RECORD_YEAR_OPTION);
}

/*
 * The rotation set of name ("app.log.1" and "app.log" are one, as in
 * replay): the names id of the first of the set seen, so a run of one
 * rule goes on as one entry across a rotation.
 */
static uint32_t
daemon_group(struct daemon *d, const char *name)
{
	char     key[PATH_MAX];
	uint32_t k;

	source_rotation_key(name, key, sizeof(key));
	k = strtab_intern(d->groupkeys, key);
	if (k >= d->capgroups) {
		d->groups = xreallocarray(
		    d->groups, (size_t)k * 2 + 16, sizeof(*d->groups));
		memset(d->groups + d->capgroups, 0,
		    ((size_t)k * 2 + 16 - d->capgroups) * sizeof(*d->groups));
		d->capgroups = k * 2 + 16;
	}
	if (d->groups[k] == 0) /* 0: none yet; else the id + 1 */
		d->groups[k] = strtab_intern(d->names, name) + 1;
	return d->groups[k] - 1;
}

/* A new follow of path (nothing opened yet), linked in. */
static struct follow *
follow_new(struct daemon *d, const char *path)
{
	struct follow *f = xcalloc(1, sizeof(*f));
	const char    *name = daemon_source_name(d, path);

	f->d = d;
	f->path = xstrdup(path);
	f->lane = lane_new(
	    name, strtab_intern(d->names, name), d->conf->max_line);
	lane_set_cb(f->lane, follow_match_cb, f);
	lane_set_group(f->lane, daemon_group(d, name));
	follow_setup(f);
	f->tail = tail_new(path, f->lane);
	f->slot = merge_source_add(d->merge);
	f->grew_ns = f->lag_at = daemon_now(d);
	f->newest = INT64_MIN;
	f->next = d->follows;
	d->follows = f;
	return f;
}

/* A follow's counters as a report shows them. */
static void
follow_counts(const struct follow *f, struct report_source *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->name = lane_source_const(f->lane)->name;
	report_source_take(rs, lane_source_const(f->lane));
	rs->truncated = lane_truncated(f->lane);
	rs->limit_hits = lane_limit_hits(f->lane);
	rs->late = merge_late(f->d->merge, f->slot);
}

/* Adds b's counters to a's. */
static void
daemon_counts_add(struct report_source *a, const struct report_source *b)
{
	a->lines += b->lines;
	a->matched += b->matched;
	a->no_ts += b->no_ts;
	a->continuations += b->continuations;
	a->truncated += b->truncated;
	a->late += b->late;
	a->unknown_zone += b->unknown_zone;
	a->invalid += b->invalid;
	a->limit_hits += b->limit_hits;
	a->format = b->format;
	a->tz = b->tz;
	a->tz_src = b->tz_src;
}

/* The entry of name in a list of counters, added if new. */
static struct report_source *
daemon_counts_of(
    struct report_source **list, int *n, int *cap, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i].name, name) == 0)
			return &(*list)[i];
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*list = xreallocarray(*list, (size_t)*cap, sizeof(**list));
	}
	memset(&(*list)[*n], 0, sizeof(**list));
	(*list)[*n].name = name;
	return &(*list)[(*n)++];
}

/* Frees a follow (unlinked by the caller), keeping its counters. */
static void
follow_free(struct follow *f)
{
	struct daemon       *d = f->d;
	struct report_source rs, *acc;

	follow_counts(f, &rs);
	rs.name = strtab_get(d->names, strtab_intern(d->names, rs.name));
	acc = daemon_counts_of(&d->gone, &d->ngone, &d->capgone, rs.name);
	daemon_counts_add(acc, &rs);
	merge_source_remove(f->d->merge, f->slot);
	tail_free(f->tail);
	lane_free(f->lane);
	free(f->path);
	free(f);
}

/* The follow at path that is still at it, or NULL. */
static struct follow *
daemon_following(const struct daemon *d, const char *path)
{
	struct follow *f;

	for (f = d->follows; f != NULL; f = f->next)
		if (!tail_detached(f->tail) && strcmp(f->path, path) == 0)
			return f;
	return NULL;
}

/* Starts following path: from its start, or (at_end) from its end. */
static void
daemon_follow(struct daemon *d, const char *path, int at_end)
{
	struct follow *f = follow_new(d, path);

	if (tail_open(f->tail, at_end) == -1)
		f->dead = 1;
	else
		log_info("%s: following from %s", path,
		    at_end ? "its end" : "its start");
}

/* Moves a follow's watermark after it read: its newest line, less the
 * disorder it has shown. */
static void
follow_watermark(struct follow *f)
{
	int64_t t = lane_max_ts(f->lane);

	if (t == INT64_MIN)
		return;
	merge_watermark(f->d->merge, f->slot, t - f->lag);
	f->idle = 0;
}

/* What a quiet follow does: lets a long-waiting line go, rests, ends. */
static void
follow_quiet(struct follow *f, int64_t now)
{
	if (lane_holding(f->lane) && now - f->grew_ns > D_FLUSH_NS)
		tail_flush(f->tail);
	if (!f->idle && now - f->grew_ns > D_IDLE_NS &&
	    !lane_holding(f->lane)) {
		f->idle = 1; /* a quiet source holds nothing back */
		merge_watermark(f->d->merge, f->slot, MERGE_DONE);
	}
}

static size_t follow_read(struct follow *, int64_t);

/*
 * A file was truncated in place: copytruncate copied it first, so the
 * lines it had past our place are in the copy. The copy is found beside
 * it by its first bytes and read from there to its end, so they are not
 * lost (unless the copy was compressed at once).
 */
static void
daemon_copy(struct follow *f)
{
	struct tail_saved s;
	struct follow    *c;
	char              name[PATH_MAX];
	size_t            total, got;
	int               fd;

	if (!tail_before_truncation(f->tail, &s) ||
	    (fd = tail_find_copy(f->path, &s, tail_ident(f->tail)->ino, name,
		 sizeof(name))) < 0)
		return;
	c = follow_new(f->d, name);
	tail_open_copy(c->tail, fd, &s);
	tail_detach(c->tail);
	c->gone_ns = daemon_now(f->d);
	log_info("%s: reading its copy %s from byte %llu to its end", f->path,
	    name, (unsigned long long)s.mark.offset);
	/* Now, before the file's new lines, so the file's lines keep their
	 * order (bounded: what is left waits for the next turns). */
	for (total = 0; total < D_COPY_NOW; total += got)
		if ((got = follow_read(c, c->gone_ns)) < D_CHUNK)
			break;
}

/* Reads what one follow gained; the bytes read. */
static size_t
follow_read(struct follow *f, int64_t now)
{
	size_t got = 0;

	if (!f->d->conf->year)
		source_set_year(
		    lane_source(f->lane), 0, now / NS, RECORD_YEAR_CLOCK);
	if (now - f->lag_at > D_LAG_DECAY_NS) { /* forget an old burst */
		f->lag /= 2;
		f->lag_at = now;
	}
	switch (tail_poll(f->tail, f->d->buf, D_CHUNK, &got)) {
	case TAIL_READ:
		f->grew_ns = now;
		f->end_ns = 0;
		follow_watermark(f);
		f->d->dirty = 1;
		break;
	case TAIL_TRUNCATED:
		log_info("%s: truncated in place: reading it again from the "
			 "start",
		    f->path);
		f->done = f->seen = 0;
		daemon_copy(f);
		f->d->truncations++;
		f->d->dirty = 1;
		break;
	case TAIL_END:
		if (f->end_ns == 0)
			f->end_ns = now;
		follow_quiet(f, now);
		break;
	case TAIL_ERROR: f->dead = 1; break;
	case TAIL_QUIET: follow_quiet(f, now); break;
	}
	return got;
}

/*
 * Drops follows that are done: a rotated file read to its end and quiet
 * for a while, or held too long (counted, logged), or one that failed.
 */
static void
daemon_reap(struct daemon *d, int64_t now)
{
	struct follow **pp = &d->follows, *f;

	while ((f = *pp) != NULL) {
		if (!f->dead && tail_detached(f->tail) &&
		    now - f->gone_ns > D_HOLD_NS) {
			log_warnx("%s: a rotated file still grew after %d s; "
				  "closed (the rest of it is not read)",
			    f->path, (int)(D_HOLD_NS / NS));
			d->held_long++;
			f->dead = 1;
		}
		if (!f->dead &&
		    !(f->end_ns != 0 && now - f->end_ns > D_ROTATE_NS))
			pp = &f->next;
		else {
			lane_flush(f->lane);
			*pp = f->next;
			follow_free(f);
			d->dirty = 1;
		}
	}
}

/* Reads every follow, a bounded amount each; 1 if more is waiting. */
static int
daemon_read(struct daemon *d, int64_t now)
{
	struct follow *f;
	size_t         total = 0, got;
	int            more = 0;

	for (f = d->follows; f != NULL && total < D_BUDGET; f = f->next) {
		if (f->dead)
			continue;
		got = follow_read(f, now);
		total += got;
		more |= got == D_CHUNK;
	}
	return more || total >= D_BUDGET;
}

/* Writes a closed incident to the journal, unless it was already. */
static void
daemon_closed(struct daemon *d, struct incident *inc)
{
	struct report rep;

	if (incident_engine_now(d->engine) <= d->recover_until ||
	    journal_has(d->journal, inc->id)) {
		if (d->live != NULL)
			live_closed(d->live, inc, 1);
		return; /* closed before the checkpoint: journaled then */
	}
	if (d->live != NULL)
		live_closed(d->live, inc, 0);
	memset(&rep, 0, sizeof(rep));
	rep.names = d->names;
	rep.display_tz = tz_get(
	    d->conf->display_tz ? d->conf->display_tz : "UTC");
	journal_add(d->journal, out_json_incident(&rep, inc));
	d->dirty = 1;
}

/* Moves every final match into the engine; closed incidents out. */
static void
daemon_drain(struct daemon *d)
{
	struct incident *inc;
	struct match     m;
	int              src;

	while (merge_pop(d->merge, &m, &src)) {
		incident_engine_feed(d->engine, &m);
		if (m.ts_ns > d->fed_ts) {
			d->fed_ts = m.ts_ns;
			d->fed_wall = daemon_now(d);
		}
		while ((inc = incident_engine_take_closed(d->engine)) != NULL) {
			daemon_closed(d, inc);
			incident_free(inc);
		}
	}
}

/* 1 if no source has anything to say: every follow quiet. */
static int
daemon_all_idle(const struct daemon *d)
{
	const struct follow *f;

	for (f = d->follows; f != NULL; f = f->next)
		if (!f->idle && !f->dead)
			return 0;
	return 1;
}

/*
 * The live closing rule: while every source is quiet, event time goes on
 * from the newest line at the pace of the wall clock, so an incident
 * whose failures stopped closes after its quiet period although no new
 * line comes. It goes on from the newest line, not from the clock, so
 * logs written with a skewed clock, or old logs copied in, close the same.
 * After a restart, event time first goes back to where the checkpoint
 * had it, closing again (not journaling again) what closed that way.
 */
static void
daemon_advance(struct daemon *d, int64_t now)
{
	struct incident *inc;

	if (!daemon_all_idle(d) || merge_pending(d->merge) > 0)
		return;
	if (d->recovering) {
		incident_engine_advance(d->engine, d->recover_until);
		d->recovering = 0;
	}
	if (d->fed_wall != 0 && now > d->fed_wall)
		incident_engine_advance(
		    d->engine, d->fed_ts + (now - d->fed_wall));
	while ((inc = incident_engine_take_closed(d->engine)) != NULL) {
		daemon_closed(d, inc);
		incident_free(inc);
	}
}

/* Makes the match log durable; 0, or -1 (logged). */
static int
daemon_mlog_sync(struct daemon *d)
{
	if (d->mlog == NULL)
		return 0;
	if (fflush(d->mlog) == EOF || fdatasync(fileno(d->mlog)) == -1) {
		log_warn("%s", d->conf->match_log);
		return -1;
	}
	return 0;
}

/*
 * Opens the match log, cut to what the checkpoint counted (the lines
 * after it are read again and written again); 0, or -1 (logged).
 */
static int
daemon_mlog_open(struct daemon *d, uint64_t committed)
{
	struct stat st;
	int         fd;

	if (d->conf->match_log == NULL)
		return 0;
	fd = open(d->conf->match_log, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1 || fstat(fd, &st) == -1 ||
	    ((uint64_t)st.st_size > committed &&
		ftruncate(fd, (off_t)committed) == -1) ||
	    lseek(fd, 0, SEEK_END) == -1 ||
	    (d->mlog = fdopen(fd, "a")) == NULL) {
		log_warn("match_log %s", d->conf->match_log);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/*
 * Commits a checkpoint: for each file the place its open state still
 * needs, the journal made durable first, then the checkpoint written
 * atomically. A restart goes on from there.
 */
static void
daemon_checkpoint(struct daemon *d)
{
	struct state      st;
	struct tail_saved s;
	struct follow    *f;
	int64_t           low = incident_engine_low_water(d->engine), m;
	int               i;

	if ((m = merge_oldest(d->merge)) < low)
		low = m;
	if (low != INT64_MIN)
		low -= d->conf->reorder_ns;
	state_init(&st);
	for (f = d->follows; f != NULL; f = f->next) {
		if (f->dead || tail_fd(f->tail) < 0)
			continue;
		tail_save_low(f->tail, low, &s);
		s.done = f->seen > f->done ? f->seen : f->done;
		state_add(&st, f->path, tail_detached(f->tail), &s);
	}
	for (i = 0; i < d->nspools; i++)
		if (d->spools[i].fd >= 0)
			fdatasync(d->spools[i].fd);
	if (journal_sync(d->journal) == 0 && daemon_mlog_sync(d) == 0) {
		st.journal = journal_size(d->journal);
		st.match_log = d->mlog != NULL ? (uint64_t)ftello(d->mlog) : 0;
		st.now_ns = incident_engine_now(d->engine);
		if (state_write(d->conf->state_dir, &st) == 0)
			d->commits++;
	}
	state_clear(&st);
	d->dirty = 0;
}

/* Checks each follow is still at its path; a moved one is drained. */
static void
daemon_check_moves(struct daemon *d)
{
	struct follow *f;

	for (f = d->follows; f != NULL; f = f->next)
		if (!f->dead && tail_moved(f->tail)) {
			log_info("%s: rotated or removed: reading the old file "
				 "to its end",
			    f->path);
			tail_detach(f->tail);
			f->gone_ns = daemon_now(d);
			d->rotations++;
		}
}

/* The follow whose open file st describes, or NULL. */
static struct follow *
daemon_by_ident(const struct daemon *d, const struct stat *st)
{
	struct follow *f;

	for (f = d->follows; f != NULL; f = f->next)
		if (!f->dead && tail_is(f->tail, st))
			return f;
	return NULL;
}

/*
 * 1 if path is a compressed file (gzip, xz, bzip2, zstd by their magic
 * bytes): a rotated log compressed after the daemon read it live, so
 * never followed (`timelined replay` reads old ones).
 */
static int
daemon_compressed(const char *path)
{
	unsigned char m[4];
	ssize_t       n = 0;
	int           fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) >= 0) {
		n = read(fd, m, sizeof(m));
		close(fd);
	}
	return n > 0 && tail_compressed(m, (size_t)n) == 1;
}

/* How many files are followed now. */
static int
daemon_nfollows(const struct daemon *d)
{
	const struct follow *f;
	int                  n = 0;

	for (f = d->follows; f != NULL; f = f->next)
		n++;
	return n;
}

/*
 * Takes one file a glob names: a file already followed under another
 * name (renamed by a rotation to a name we also follow) is followed at
 * its new name, not read again; a new one is followed, unless it is
 * compressed or the bound on open files is reached (counted, logged).
 */
static void
daemon_found(struct daemon *d, const char *path, int *nfiles)
{
	struct follow *f;
	struct stat    st;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return;
	if ((f = daemon_by_ident(d, &st)) != NULL) {
		if (strcmp(f->path, path) != 0) {
			log_info(
			    "%s: now at %s: going on there", f->path, path);
			free(f->path);
			f->path = xstrdup(path);
			tail_repath(f->tail, path);
			f->gone_ns = f->end_ns = 0;
		}
		return;
	}
	if (daemon_following(d, path) != NULL || daemon_compressed(path))
		return;
	if (*nfiles >= D_MAX_FILES) {
		if (d->refused++ == 0)
			log_warnx("%s: %d files followed already: not followed "
				  "(more are counted in files_refused)",
			    path, D_MAX_FILES);
		return;
	}
	/* Appeared while running: from its start. At the very first
	 * start, from its end unless read_from_head. */
	daemon_follow(d, path, !d->started && !d->conf->read_from_head);
	(*nfiles)++;
}

/* Follows every file a configured path or glob names now. */
static void
daemon_glob(struct daemon *d)
{
	glob_t g;
	size_t i;
	int    k, n = daemon_nfollows(d);

	for (k = 0; k < d->conf->nsources; k++) {
		if (d->conf->sources[k].path == NULL ||
		    glob(d->conf->sources[k].path, 0, NULL, &g) != 0)
			continue;
		for (i = 0; i < g.gl_pathc; i++)
			daemon_found(d, g.gl_pathv[i], &n);
		globfree(&g);
	}
	for (k = 0; k < d->nspools; k++)
		if (daemon_following(d, d->spools[k].path) == NULL &&
		    access(d->spools[k].path, F_OK) == 0)
			daemon_follow(d, d->spools[k].path, 0);
}

/* One turn of the loop: scan, read, merge, close, checkpoint. */
static void
daemon_tick(struct daemon *d)
{
	int64_t now = daemon_now(d);
	int     more;

	if (now - d->last_scan >= D_SCAN_NS) {
		d->last_scan = now;
		daemon_check_moves(d);
		daemon_glob(d);
	}
	more = daemon_read(d, now);
	daemon_drain(d);
	daemon_advance(d, now);
	daemon_reap(d, now);
	incident_engine_sync(d->engine);
	if (d->live != NULL)
		live_flush(d->live);
	if (d->mlog != NULL)
		fflush(
		    d->mlog); /* readers see it now; durable at checkpoints */
	if (d->dirty && now - d->last_ckpt >= D_CKPT_NS) {
		d->last_ckpt = now;
		daemon_checkpoint(d);
	}
	if (more) /* more is waiting: come back at once, after other events */
		daemon_kick(d);
}

/* The timer's callback. */
static void
daemon_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	daemon_tick(arg);
}

/* inotify said something changed in a watched directory: look now. */
static void
daemon_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	char           buf[8192];
	ssize_t        n;
	int            overflow = 0;
	size_t         i;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < (size_t)n;) {
			const struct inotify_event *ev =
			    (const struct inotify_event *)(buf + i);

			overflow |= (ev->mask & IN_Q_OVERFLOW) != 0;
			i += sizeof(*ev) + ev->len;
		}
	if (overflow)
		log_info("inotify queue overflowed: checking every file");
	d->last_scan = 0; /* a new file, a rotation: scan at once */
	daemon_kick(d);
}

/* Watches the directories of the configured paths (not for NFS: poll). */
static void
daemon_watch(struct daemon *d)
{
	char path[PATH_MAX], *dir;
	int  k;

	if (!d->conf->inotify)
		return; /* polling only (NFS) */
	if ((d->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("inotify: polling only");
		return;
	}
	for (k = 0; k < d->conf->nsources; k++) {
		if (d->conf->sources[k].path == NULL)
			continue;
		snprintf(path, sizeof(path), "%s", d->conf->sources[k].path);
		dir = dirname(path);
		if (strpbrk(dir, "*?[") == NULL &&
		    inotify_add_watch(d->ino_fd, dir,
			IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
			    IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB) == -1)
			log_warn("inotify %s: polling it", dir);
	}
	d->ev_inotify = event_new(
	    d->base, d->ino_fd, EV_READ | EV_PERSIST, daemon_inotify_cb, d);
	event_add(d->ev_inotify, NULL);
}

/* Rotates a spool file that grew past its bound. */
static void
spool_rotate(struct spool *sp)
{
	char old[PATH_MAX];

	snprintf(old, sizeof(old), "%s.1", sp->path);
	close(sp->fd);
	unlink(old);
	if (rename(sp->path, old) == -1)
		log_warn("%s", sp->path);
	sp->fd = open(
	    sp->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	sp->size = 0;
}

/*
 * Receiver callback: the message goes to the spool file, one line (a
 * newline inside it makes its continuation lines), to be read like a
 * file and checkpointed like one.
 */
static void
spool_cb(const char *msg, size_t len, const char *peer, void *arg)
{
	struct spool *sp = arg;
	struct iovec  iov[2];

	(void)peer;
	if (sp->fd < 0)
		return;
	iov[0].iov_base = (void *)msg;
	iov[0].iov_len = len;
	iov[1].iov_base = (void *)"\n";
	iov[1].iov_len = 1;
	if (writev(sp->fd, iov, 2) != (ssize_t)len + 1)
		log_warn("%s", sp->path);
	sp->size += (int64_t)len + 1;
	if (sp->size > D_SPOOL_MAX)
		spool_rotate(sp);
	daemon_kick(sp->d);
}

/* Opens the receivers and their spools; -1 (logged) if one cannot bind. */
static int
daemon_receivers(struct daemon *d)
{
	const struct conf_source *cs;
	struct spool             *sp;
	struct stat               st;
	char                      file[PATH_MAX], *p;
	int                       k;

	d->spools = xcalloc((size_t)d->conf->nsources + 2, sizeof(*d->spools));
	for (k = 0; k < d->conf->nsources; k++) {
		cs = &d->conf->sources[k];
		if (cs->syslog_udp == NULL && cs->syslog_tcp == NULL)
			continue;
		sp = &d->spools[d->nspools++];
		sp->d = d;
		sp->tcp = cs->syslog_tcp != NULL;
		sp->addr = xstrdup(sp->tcp ? cs->syslog_tcp : cs->syslog_udp);
		snprintf(file, sizeof(file), "%s/spool-%s-%s.log",
		    d->conf->state_dir, sp->tcp ? "tcp" : "udp", sp->addr);
		for (p = file + strlen(d->conf->state_dir) + 1; *p; p++)
			if (*p == '/' || *p == ':' || *p == '[' || *p == ']')
				*p = '_';
		sp->path = xstrdup(file);
		xasprintf(&sp->name, "%s", cs->name ? cs->name : file);
		if (cs->name == NULL)
			xasprintf(&sp->name, "syslog-%s:%s",
			    sp->tcp ? "tcp" : "udp", sp->addr);
		sp->fd = open(
		    file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (sp->fd >= 0 && fstat(sp->fd, &st) == 0)
			sp->size = st.st_size;
		sp->rx = sp->tcp
		    ? in_syslog_tcp_new(d->base, sp->addr, spool_cb, sp)
		    : in_syslog_udp_new(d->base, sp->addr, spool_cb, sp);
		if (sp->rx == NULL || sp->fd < 0)
			return -1;
		log_info("receiving syslog over %s on %s",
		    sp->tcp ? "TCP" : "UDP", in_syslog_local(sp->rx));
	}
	return 0;
}

/* Frees the receivers and closes their spools. */
static void
daemon_receivers_free(struct daemon *d)
{
	int i;

	for (i = 0; i < d->nspools; i++) {
		in_syslog_free(d->spools[i].rx);
		if (d->spools[i].fd >= 0)
			close(d->spools[i].fd);
		free(d->spools[i].addr);
		free(d->spools[i].path);
		free(d->spools[i].name);
	}
	free(d->spools);
	d->spools = NULL;
	d->nspools = 0;
}

/*
 * Goes on from a checkpointed file: at its path if it is still that
 * file; else (rotated while the daemon was down) found by its identity
 * in the same directory and read to its end, the path then read from its
 * start. What can be found nowhere is reported.
 */
static void
daemon_resume_file(struct daemon *d, const struct state_file *sf)
{
	struct follow *f = follow_new(d, sf->path);
	int            fd;

	f->done = sf->saved.done;
	if (!sf->gone && tail_resume(f->tail, &sf->saved) == 0) {
		log_info("%s: going on from byte %llu", sf->path,
		    (unsigned long long)sf->saved.mark.offset);
		return;
	}
	if ((fd = tail_find_ident(sf->path, &sf->saved.id)) >= 0 &&
	    tail_open_fd(f->tail, fd, &sf->saved) == 0) {
		log_info("%s: rotated while stopped: reading the old file from "
			 "byte %llu to its end",
		    sf->path, (unsigned long long)sf->saved.mark.offset);
		tail_detach(f->tail);
		f->gone_ns = daemon_now(d);
		return;
	}
	/* Read up to done; the mark is only where re-reading would start. */
	log_warnx("%s: the file read before the stop is gone or changed "
		  "(rotated and compressed, or truncated): lines after byte "
		  "%llu of it may be missing",
	    sf->path,
	    (unsigned long long)(sf->saved.done > sf->saved.mark.offset
		    ? sf->saved.done
		    : sf->saved.mark.offset));
	f->dead = 1;
}

/*
 * Starts from the checkpoint: the journal cut to what it counted, each
 * file resumed at its place, event time restored. Incidents that close
 * again up to that time were journaled before the stop.
 */
static int
daemon_recover(struct daemon *d)
{
	struct state st;
	int          i, rc = state_read(d->conf->state_dir, &st);

	if (rc == -1)
		log_warnx("%s: no usable checkpoint: starting afresh",
		    d->conf->state_dir);
	d->journal = journal_open(d->conf->state_dir, rc == 0 ? st.journal : 0,
	    d->conf->inc.max_incidents);
	if (d->journal == NULL ||
	    daemon_mlog_open(d, rc == 0 ? st.match_log : 0) == -1) {
		state_clear(&st);
		return -1;
	}
	if (rc != 0) {
		state_clear(&st);
		return 0;
	}
	d->started = 1; /* files new since then are read from their start */
	d->recover_until = st.now_ns;
	d->recovering = 1;
	for (i = 0; i < st.nfiles; i++)
		daemon_resume_file(d, &st.files[i]);
	for (i = 0; i < d->nspools; i++)
		if (state_find(&st, d->spools[i].path, 0) == NULL &&
		    daemon_following(d, d->spools[i].path) == NULL)
			daemon_follow(d, d->spools[i].path, 0);
	state_clear(&st);
	return 0;
}

/* Makes state_dir (0700) if it does not exist; -1 (logged) if it cannot. */
static int
daemon_state_dir(const struct conf *c)
{
	if (mkdir(c->state_dir, 0700) == -1 && errno != EEXIST) {
		log_warn("state_dir %s", c->state_dir);
		return -1;
	}
	return 0;
}

/* Loads the rules of conf c; the set, or NULL (logged). */
static struct rule_set *
daemon_rules(const struct conf *c)
{
	struct rule_set *rs = rule_set_new();

	if (pipeline_load_rules(c, rs) != 0) {
		rule_set_free(rs);
		return NULL;
	}
	return rs;
}

/*
 * SIGHUP: a fresh configuration and rule set, swapped in whole; a bad
 * one is reported (FILE:LINE) and the old one kept.
 */
static void
daemon_reload(struct daemon *d)
{
	struct conf     *c;
	struct rule_set *rs;
	struct follow   *f;

	daemon_notify("RELOADING=1");
	rs = NULL;
	if ((c = conf_reload(d->conf)) == NULL ||
	    (rs = daemon_rules(c)) == NULL ||
	    (d->live != NULL && live_set_conf(d->live, c) == -1)) {
		log_warnx("reload failed: the old configuration stays");
		rule_set_free(rs);
		conf_free(c);
		daemon_notify("READY=1\nSTATUS=reload failed; running on");
		return;
	}
	if (strcmp(c->listen ? c->listen : "",
		d->conf->listen ? d->conf->listen : "") != 0 ||
	    strcmp(c->state_dir, d->conf->state_dir) != 0) {
		log_warnx("reload: listen and state_dir change only at a "
			  "restart; the running ones stay");
		free(c->state_dir);
		c->state_dir = xstrdup(d->conf->state_dir);
		free(c->listen);
		c->listen = d->conf->listen ? xstrdup(d->conf->listen) : NULL;
	}
	rule_set_free(d->rules);
	d->rules = rs;
	c->clock_skew_ns = d->conf->clock_skew_ns;
	if (!conf_given(c, "reorder_window_s"))
		c->reorder_ns = D_REORDER_NS;
	conf_free(d->conf);
	d->conf = c;
	incident_engine_set_conf(d->engine, &c->inc);
	for (f = d->follows; f != NULL; f = f->next)
		follow_setup(f);
	d->last_scan = 0;
	log_info("reloaded %s: %d rules", c->file ? c->file : "the defaults",
	    rule_set_count(rs));
	daemon_notify("READY=1\nSTATUS=running");
}

/* Signals: SIGHUP reloads; SIGTERM and SIGINT stop after a checkpoint. */
static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		daemon_reload(d);
		return;
	}
	log_info("stopping on signal %d", (int)sig);
	daemon_notify("STOPPING=1");
	d->stopping = 1;
	event_base_loopbreak(d->base);
}

/* Tells systemd's watchdog we are alive. */
static void
daemon_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	daemon_notify("WATCHDOG=1");
}

/* Creates the loop's events: signals, the tick, systemd's watchdog. */
static void
daemon_events(struct daemon *d)
{
	struct timeval tick = {0, D_TICK_MS * 1000}, wd;
	const char    *usec = getenv("WATCHDOG_USEC");
	long long      us;

	d->ev_hup = evsignal_new(d->base, SIGHUP, daemon_signal_cb, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, daemon_signal_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, daemon_signal_cb, d);
	evsignal_add(d->ev_hup, NULL);
	evsignal_add(d->ev_term, NULL);
	evsignal_add(d->ev_int, NULL);
	d->ev_tick = event_new(d->base, -1, EV_PERSIST, daemon_tick_cb, d);
	event_add(d->ev_tick, &tick);
	if (usec != NULL && (us = strtoll(usec, NULL, 10)) > 0) {
		wd.tv_sec = (time_t)(us / 2 / 1000000);
		wd.tv_usec = (suseconds_t)(us / 2 % 1000000);
		d->ev_watchdog = event_new(
		    d->base, -1, EV_PERSIST, daemon_watchdog_cb, d);
		event_add(d->ev_watchdog, &wd);
	}
}

/* Frees an event (NULL is fine). */
static void
daemon_event_free(struct event *ev)
{
	if (ev != NULL)
		event_free(ev);
}

/* Frees everything the daemon holds, in reverse order of setup. */
static void
daemon_free(struct daemon *d)
{
	struct follow *f;

	daemon_event_free(d->ev_watchdog);
	daemon_event_free(d->ev_inotify);
	daemon_event_free(d->ev_tick);
	daemon_event_free(d->ev_int);
	daemon_event_free(d->ev_term);
	daemon_event_free(d->ev_hup);
	if (d->ino_fd >= 0)
		close(d->ino_fd);
	live_free(d->live);
	daemon_receivers_free(d);
	while ((f = d->follows) != NULL) {
		d->follows = f->next;
		follow_free(f);
	}
	free(d->gone);
	free(d->shown);
	journal_free(d->journal);
	if (d->mlog != NULL)
		fclose(d->mlog);
	incident_engine_free(d->engine);
	merge_free(d->merge);
	strtab_free(d->names);
	strtab_free(d->groupkeys);
	free(d->groups);
	unclass_free(d->unclass);
	rule_set_free(d->rules);
	if (d->base != NULL)
		event_base_free(d->base);
	free(d->buf);
}

/* Hook: the sources as reports show them, one per name. */
static int
daemon_sources(void *arg, const struct report_source **out)
{
	struct daemon       *d = arg;
	struct report_source rs;
	struct follow       *f;
	int                  i, n = 0;

	for (i = 0; i < d->ngone; i++)
		*daemon_counts_of(
		    &d->shown, &n, &d->capshown, d->gone[i].name) = d->gone[i];
	for (f = d->follows; f != NULL; f = f->next) {
		follow_counts(f, &rs);
		daemon_counts_add(
		    daemon_counts_of(&d->shown, &n, &d->capshown, rs.name),
		    &rs);
	}
	*out = d->shown;
	return n;
}

/* Writes one labelled counter line per source. */
static void
daemon_metric_sources(struct evbuffer *buf, const struct report_source *rs,
    int n, const char *name, const char *help, size_t off)
{
	int i;

	evbuffer_add_printf(buf,
	    "# HELP timelined_%s %s\n# TYPE timelined_%s counter\n", name, help,
	    name);
	for (i = 0; i < n; i++) {
		evbuffer_add_printf(buf, "timelined_%s{source=", name);
		http_label(buf, rs[i].name); /* a path: any byte but NUL */
		evbuffer_add_printf(buf, "} %llu\n",
		    (unsigned long long)*(
			const uint64_t *)((const char *)&rs[i] + off));
	}
}

/* Writes one metric without labels. */
static void
daemon_metric(struct evbuffer *buf, const char *name, const char *type,
    const char *help, double v)
{
	evbuffer_add_printf(buf,
	    "# HELP timelined_%s %s\n# TYPE timelined_%s %s\n"
	    "timelined_%s %.17g\n",
	    name, help, name, type, name, v);
}

/*
 * The receivers' counters: each family whole (HELP, TYPE, then a line
 * per receiver), as the text format requires.
 */
static void
daemon_metrics_receivers(const struct daemon *d, struct evbuffer *buf)
{
	static const char *const fam[3][2] = {
	    {"messages", "Syslog messages received."},
	    {"dropped",
		"Messages or connections dropped (limits, kernel "
		"queue)."},
	    {"cut", "Messages cut to the bound."}};
	const struct in_syslog_stats *st;
	uint64_t                      v;
	int                           f, i;

	for (f = 0; f < 3; f++) {
		evbuffer_add_printf(buf,
		    "# HELP timelined_receiver_%s_total %s\n"
		    "# TYPE timelined_receiver_%s_total counter\n",
		    fam[f][0], fam[f][1], fam[f][0]);
		for (i = 0; i < d->nspools; i++) {
			if (d->spools[i].rx == NULL)
				continue;
			st = in_syslog_stats(d->spools[i].rx);
			v = f == 0   ? st->messages
			    : f == 1 ? st->dropped + st->overflow
				     : st->cut;
			evbuffer_add_printf(buf,
			    "timelined_receiver_%s_total{receiver=", fam[f][0]);
			http_label(buf, d->spools[i].name);
			evbuffer_add_printf(
			    buf, "} %llu\n", (unsigned long long)v);
		}
	}
}

/* The unclassified signal's counters and the miner's memory. */
static void
daemon_metrics_unclass(const struct daemon *d, struct evbuffer *buf)
{
	struct unclass_stats st;

	unclass_stats(d->unclass, &st);
	daemon_metric(buf, "unclassified_lines_total", "counter",
	    "Timed lines no rule matched (offered to the template miner).",
	    (double)st.lines);
	daemon_metric(buf, "unclassified_unmined_total", "counter",
	    "Of them not mined: no place for their file, or the miner full.",
	    (double)(st.unplaced + st.miner.dropped));
	daemon_metric(buf, "unclassified_surfaced_total", "counter",
	    "Lines surfaced as unclassified matches.", (double)st.surfaced);
	daemon_metric(buf, "unclassified_templates", "gauge",
	    "Templates the miner holds.", (double)st.miner.templates);
	daemon_metric(buf, "unclassified_bytes", "gauge",
	    "Memory the miner holds.", (double)st.miner.bytes);
}

/* Hook: the daemon's counters for /metrics. */
static void
daemon_metrics(void *arg, struct evbuffer *buf)
{
	struct daemon              *d = arg;
	const struct report_source *rs;
	const struct follow        *f;
	int                         n = daemon_sources(d, &rs), open = 0;
	int64_t                     now = daemon_now(d);

	daemon_metric_sources(buf, rs, n, "lines_total", "Lines read.",
	    offsetof(struct report_source, lines));
	daemon_metric_sources(buf, rs, n, "lines_matched_total",
	    "Lines a rule classified.",
	    offsetof(struct report_source, matched));
	daemon_metric_sources(buf, rs, n, "lines_no_timestamp_total",
	    "Lines without a timestamp of their own.",
	    offsetof(struct report_source, no_ts));
	daemon_metric_sources(buf, rs, n, "lines_cut_total",
	    "Lines longer than max_line, cut.",
	    offsetof(struct report_source, truncated));
	daemon_metric_sources(buf, rs, n, "lines_late_total",
	    "Matches older than the reorder window allowed.",
	    offsetof(struct report_source, late));
	for (f = d->follows; f != NULL; f = f->next)
		open += !f->dead && tail_fd(f->tail) >= 0;
	daemon_metric(buf, "files_open", "gauge", "Files followed now.", open);
	daemon_metric(buf, "files_rotated_total", "counter",
	    "Files seen rotated away.", (double)d->rotations);
	daemon_metric(buf, "files_truncated_total", "counter",
	    "Files seen truncated in place.", (double)d->truncations);
	daemon_metric(buf, "files_held_too_long_total", "counter",
	    "Rotated files closed while they still grew.",
	    (double)d->held_long);
	daemon_metric(buf, "files_refused_total", "counter",
	    "Files not followed: too many.", (double)d->refused);
	daemon_metrics_receivers(d, buf);
	daemon_metric(buf, "ingest_lag_seconds", "gauge",
	    "How old the newest line was when it was read (its own clock).",
	    d->fed_wall ? (double)(d->fed_wall - d->fed_ts) / NS : 0);
	daemon_metric(buf, "event_time_seconds", "gauge",
	    "Event time the incidents have reached.",
	    incident_engine_now(d->engine) == INT64_MIN
		? 0
		: (double)incident_engine_now(d->engine) / NS);
	daemon_metric(buf, "seconds_since_last_line", "gauge",
	    "Seconds since a line was last taken in.",
	    d->fed_wall ? (double)(now - d->fed_wall) / NS : 0);
	daemon_metric(buf, "state_commits_total", "counter",
	    "Checkpoints committed.", (double)d->commits);
	daemon_metrics_unclass(d, buf);
}

/* Hook: a checkpoint now (a note was taken); 0, or -1. */
static int
daemon_commit(void *arg)
{
	struct daemon *d = arg;
	uint64_t       before = d->commits;

	daemon_checkpoint(d);
	return d->commits > before ? 0 : -1;
}

/* Hook: the wall clock. */
static int64_t
daemon_clock(void *arg)
{
	return daemon_now(arg);
}

/* Starts the HTTP API when listen is set; -1 (logged) if it cannot. */
static int
daemon_api(struct daemon *d)
{
	struct live_hooks h = {
	    d, daemon_sources, daemon_metrics, daemon_commit, daemon_clock};
	struct spool *sp;

	if (d->conf->listen == NULL || d->conf->listen[0] == '\0')
		return 0;
	d->live = live_new(
	    d->base, d->conf, d->engine, d->journal, d->names, &h);
	if (d->live == NULL)
		return -1;
	incident_engine_set_cb(d->engine, live_entry_cb, d->live);
	sp = &d->spools[d->nspools++]; /* the alerts, followed as a file */
	sp->d = d;
	sp->fd = -1;
	xasprintf(&sp->path, "%s/%s", d->conf->state_dir, LIVE_ALERT_SPOOL);
	sp->name = xstrdup(LIVE_ALERT_NAME);
	sp->addr = xstrdup("");
	return 0;
}

/* Sets the daemon up; 0, or -1 (logged) if it cannot run. */
static int
daemon_setup(struct daemon *d)
{
	struct template_conf tc;

	signal(SIGPIPE, SIG_IGN);
	if (daemon_state_dir(d->conf) == -1 ||
	    (d->rules = daemon_rules(d->conf)) == NULL ||
	    (d->base = event_base_new()) == NULL)
		return -1;
	template_conf_default(&tc);
	d->unclass = unclass_new(&tc);
	d->names = strtab_new();
	d->groupkeys = strtab_new();
	d->merge = merge_new(D_MERGE_MAX);
	d->engine = incident_engine_new(&d->conf->inc);
	d->buf = xmalloc(D_CHUNK);
	d->recover_until = INT64_MIN;
	if (daemon_receivers(d) == -1 || daemon_recover(d) == -1 ||
	    daemon_api(d) == -1)
		return -1;
	daemon_events(d);
	daemon_watch(d);
	return 0;
}

/*
 * timelined run: sets up, recovers, runs the loop until SIGTERM, then
 * commits a last checkpoint. Takes ownership of conf. The exit status.
 */
int
daemon_run(struct conf *conf)
{
	struct daemon d;
	int           rc = 0;

	memset(&d, 0, sizeof(d));
	log_ratelimit(1);
	if (!conf_given(conf, "reorder_window_s"))
		conf->reorder_ns = D_REORDER_NS; /* a line shows this soon */
	d.conf = conf;
	d.ino_fd = -1;
	if (daemon_setup(&d) == -1) {
		daemon_free(&d);
		conf_free(d.conf);
		return 2;
	}
	daemon_tick(&d); /* the first scan and catching up */
	d.started = 1;
	log_info("running: %d rules, state in %s", rule_set_count(d.rules),
	    d.conf->state_dir);
	daemon_notify("READY=1\nSTATUS=running");
	if (event_base_dispatch(d.base) == -1)
		rc = 1;
	daemon_drain(&d);
	daemon_checkpoint(&d);
	daemon_free(&d);
	conf_free(d.conf);
	return rc;
}
