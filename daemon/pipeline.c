/*
 * pipeline: runs the stages in order for the one-shot subcommands.
 * parse stops after records, match after rules, replay merges every
 * source's matches into one UTC-ordered stream (a k-way merge with a
 * small reorder window per source) and feeds the incident engine.
 */
#include <fnmatch.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "in_file.h"
#include "linebuf.h"
#include "log.h"
#include "match.h"
#include "pipeline.h"
#include "progress.h"
#include "report.h"
#include "rule.h"
#include "source.h"
#include "tstamp.h"
#include "tz.h"
#include "utf8.h"
#include "xmalloc.h"

#define CHUNK    (256 * 1024)
#define HEAP_MAX 4096

/* One input being read: the file, its framing, its pending matches. */
struct feed {
	struct source               src;
	struct in_file             *f;
	struct linebuf              lb;
	struct rule_set            *rules;
	const struct pipeline_opts *opts;
	struct match               *pool; /* HEAP_MAX slots */
	struct match              **heap; /* min-heap by time, into pool */
	struct match              **freel;
	int                         nheap, nfree;
	int64_t                     max_ts; /* newest line time seen */
	uint64_t                    seq;
	int                         eof;
	int                         error;
	int                         gz_seen; /* gzip header read, year set */
	int                         mode;    /* what to do with each line */
	struct replay *replay; /* replay only: for the progress line */
};

/* What a replay's feeds share: the progress line and its counters. */
struct replay {
	struct feed            *feeds;
	int                     n;
	struct progress        *pg;
	struct incident_engine *e;
};

enum { FEED_PARSE, FEED_MATCH, FEED_REPLAY };

/* Sets the defaults: contract values, auto progress. */
void
pipeline_opts_default(struct pipeline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = "md";
	o->since_ns = INT64_MIN;
	o->until_ns = INT64_MAX;
	o->progress = -1;
	o->max_line = LINEBUF_DEFAULT_MAX;
	o->reorder_ns = 60 * TSTAMP_NS_PER_S;
	incident_conf_default(&o->inc);
}

/* Takes the incident settings of the config that no flag overrode. */
static void
pipeline_conf_incident(struct pipeline_opts *o, const struct conf *cf)
{
	if (cf->quiet_period_s && !(o->set & PIPELINE_SET_QUIET))
		o->inc.quiet_ns = cf->quiet_period_s * TSTAMP_NS_PER_S;
	if (cf->lookback_s && !(o->set & PIPELINE_SET_LOOKBACK))
		o->inc.lookback_ns = cf->lookback_s * TSTAMP_NS_PER_S;
	if (cf->min_failures && !(o->set & PIPELINE_SET_MINFAIL))
		o->inc.min_failures = cf->min_failures;
	if (cf->open_window_s)
		o->inc.open_window_ns = cf->open_window_s * TSTAMP_NS_PER_S;
	if (cf->max_entries)
		o->inc.max_entries = cf->max_entries;
	if (cf->max_incidents)
		o->inc.max_incidents = cf->max_incidents;
	if (cf->max_line && !(o->set & PIPELINE_SET_MAXLINE))
		o->max_line = (size_t)cf->max_line;
}

/*
 * Loads the configuration file and takes from it what the flags did not
 * say: zones (a source's "tz" applies to files matching its path), rules,
 * incident settings. Flags win. 0, or -1 if the file is bad (logged).
 */
int
pipeline_apply_conf(struct pipeline_opts *o, const char *path)
{
	struct conf *cf;
	int          i;

	if ((cf = conf_load(path)) == NULL)
		return -1;
	o->conf = cf;
	if (o->display_tz == NULL)
		o->display_tz = cf->display_tz;
	if (o->tz == NULL)
		o->tz = cf->tz;
	if (cf->no_default_rules)
		o->no_default_rules = 1;
	for (i = 0; i < cf->nrules && o->nrules < PIPELINE_MAX_RULES; i++)
		o->rules[o->nrules++] = cf->rules[i];
	for (i = 0; i < cf->nsources && o->nsrctz < PIPELINE_MAX_SRCTZ; i++) {
		if (cf->sources[i].path == NULL || cf->sources[i].tz == NULL)
			continue;
		o->srctz_glob[o->nsrctz] = cf->sources[i].path;
		o->srctz_zone[o->nsrctz++] = cf->sources[i].tz;
	}
	pipeline_conf_incident(o, cf);
	return 0;
}

/* Loads the built-in pack (unless disabled) and every --rules path. */
int
pipeline_load_rules(const struct pipeline_opts *o, struct rule_set *rs)
{
	int i, rc = 0;

	if (!o->no_default_rules && rule_set_load_builtin(rs) == -1)
		rc = -1;
	for (i = 0; i < o->nrules; i++)
		if (rule_set_load(rs, o->rules[i]) == -1)
			rc = -1;
	return rc;
}

/* The zone for a source: --source-tz by base name, else --tz, else local. */
static int
pipeline_zone(const struct pipeline_opts *o, struct source *src)
{
	char *copy = xstrdup(src->path), *real = realpath(src->path, NULL);
	const char      *base = basename(copy);
	const struct tz *tz;
	int              i, rc = 0;

	for (i = 0; i < o->nsrctz; i++)
		if (fnmatch(o->srctz_glob[i], base, 0) == 0 ||
		    fnmatch(o->srctz_glob[i], src->path, 0) == 0 ||
		    (real != NULL && fnmatch(o->srctz_glob[i], real, 0) == 0))
			break;
	if (i < o->nsrctz) {
		if ((tz = tz_get(o->srctz_zone[i])) == NULL)
			rc = -1;
		else
			source_set_zone(src, tz, RECORD_ZONE_SOURCE);
	} else if (o->tz != NULL) {
		if ((tz = tz_get(o->tz)) == NULL)
			rc = -1;
		else
			source_set_zone(src, tz, RECORD_ZONE_DEFAULT);
	}
	free(copy);
	free(real); /* from realpath(3): not ours to route via xmalloc */
	return rc;
}

/*
 * Sets a source's zone and year reference: --year, else the gzip
 * header's mtime, else the file's mtime, else now.
 */
int
pipeline_source_setup(const struct pipeline_opts *o, struct source *src,
    int64_t gz_mtime, int64_t mtime)
{
	if (pipeline_zone(o, src) == -1)
		return -1;
	if (o->year)
		source_set_year(src, o->year, 0, RECORD_YEAR_OPTION);
	else if (gz_mtime > 0)
		source_set_year(src, 0, gz_mtime, RECORD_YEAR_GZIP);
	else if (mtime > 0)
		source_set_year(src, 0, mtime, RECORD_YEAR_MTIME);
	else
		source_set_year(src, 0, (int64_t)time(NULL), RECORD_YEAR_CLOCK);
	return 0;
}

/* Swaps two heap slots. */
static void
feed_swap(struct feed *fd, int a, int b)
{
	struct match *t = fd->heap[a];

	fd->heap[a] = fd->heap[b];
	fd->heap[b] = t;
}

/* Pushes a match slot onto the feed's heap. */
static void
feed_push(struct feed *fd, struct match *m)
{
	int i = fd->nheap++, p;

	fd->heap[i] = m;
	while (i > 0 && match_cmp(fd->heap[p = (i - 1) / 2], fd->heap[i]) > 0) {
		feed_swap(fd, i, p);
		i = p;
	}
}

/* Pops the earliest match; the slot goes back after the caller used it. */
static struct match *
feed_pop(struct feed *fd)
{
	struct match *top = fd->heap[0];
	int           i = 0, c;

	fd->heap[0] = fd->heap[--fd->nheap];
	while ((c = 2 * i + 1) < fd->nheap) {
		if (c + 1 < fd->nheap &&
		    match_cmp(fd->heap[c + 1], fd->heap[c]) < 0)
			c++;
		if (match_cmp(fd->heap[i], fd->heap[c]) <= 0)
			break;
		feed_swap(fd, i, c);
		i = c;
	}
	return top;
}

/* Returns a popped slot to the free list. */
static void
feed_release(struct feed *fd, struct match *m)
{
	fd->freel[fd->nfree++] = m;
}

/* 1 if the earliest pending match can no longer be preceded. */
static int
feed_ready(const struct feed *fd)
{
	if (fd->nheap == 0)
		return 0;
	return fd->eof || fd->nfree == 0 ||
	    fd->heap[0]->ts_ns <= fd->max_ts - fd->opts->reorder_ns;
}

/* Prints one line's record as JSON (parse). */
static void
feed_print_record(struct feed *fd, const struct record *r)
{
	char    buf[64];
	json_t *o = json_object();
	char   *s;

	json_object_set_new(o, "source", json_string(fd->src.name));
	json_object_set_new(
	    o, "line", json_integer((json_int_t)fd->src.lineno));
	json_object_set_new(o, "format",
	    fd->src.format ? json_string(fd->src.format->name) : json_null());
	if (r->has_ts) {
		tstamp_format(buf, sizeof(buf), r->ts_ns, r->tm.frac_digits, 0);
		json_object_set_new(o, "ts", json_string(buf));
		tstamp_format(buf, sizeof(buf), r->ts_ns, r->tm.frac_digits,
		    r->utc_offset);
		json_object_set_new(o, "local", json_string(buf));
		json_object_set_new(o, "zone_src",
		    json_string(record_zone_src_name(r->zone_src)));
		json_object_set_new(o, "year_src",
		    json_string(record_year_src_name(r->year_src)));
	} else {
		json_object_set_new(o, "ts", json_null());
		json_object_set_new(o, "local", json_null());
		if (r->ts_bad)
			json_object_set_new(
			    o, "ts_error", json_string(r->ts_error));
	}
	if (r->ambiguous)
		json_object_set_new(o, "ambiguous", json_true());
	if (r->abbr_unresolved)
		json_object_set_new(
		    o, "zone_unresolved", json_string(r->tm.abbr));
	if (fd->src.continuation)
		json_object_set_new(o, "continuation", json_true());
	if (r->host[0])
		json_object_set_new(
		    o, "host", report_jstr(r->host, strlen(r->host)));
	if (r->program[0])
		json_object_set_new(
		    o, "program", report_jstr(r->program, strlen(r->program)));
	if (r->severity >= 0)
		json_object_set_new(o, "severity", json_integer(r->severity));
	json_object_set_new(o, "message", report_jstr(r->msg, r->msg_len));
	if (r->nfields > 0)
		json_object_set_new(o, "fields", report_jfields(r));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(o);
}

/* Prints a classified line as JSON (match); h is NULL for --all misses. */
static void
feed_print_match(
    struct feed *fd, const struct record *r, const struct rule_hit *h)
{
	char    buf[64];
	json_t *o = json_object();
	char   *s;
	int     i;

	json_object_set_new(o, "source", json_string(fd->src.name));
	json_object_set_new(
	    o, "line", json_integer((json_int_t)fd->src.lineno));
	if (r->has_ts) {
		tstamp_format(buf, sizeof(buf), r->ts_ns, r->tm.frac_digits, 0);
		json_object_set_new(o, "ts", json_string(buf));
	} else
		json_object_set_new(o, "ts", json_null());
	json_object_set_new(
	    o, "rule", h ? json_string(h->rule->id) : json_null());
	json_object_set_new(
	    o, "category", h ? json_string(h->rule->category) : json_null());
	json_object_set_new(o, "message", report_jstr(r->msg, r->msg_len));
	for (i = 0; h != NULL && i < h->ncap; i++)
		if (h->cap[i].val != NULL &&
		    json_object_get(o, h->cap[i].name) == NULL)
			json_object_set_new(o, h->cap[i].name,
			    report_jstr(h->cap[i].val, h->cap[i].val_len));
	if (h != NULL)
		json_object_set_new(o, "file",
		    json_sprintf("%s:%d", h->rule->file, h->rule->line));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(o);
}

/* Queues a match for the merge. */
static void
feed_queue(struct feed *fd, const struct record *r, const struct rule_hit *h)
{
	struct match *m;

	if (fd->nfree == 0)
		return; /* cannot happen: the merge drains first */
	m = fd->freel[--fd->nfree];
	match_from_hit(m, r, h);
	m->source = fd->src.index;
	m->group = fd->src.group;
	m->lineno = fd->src.lineno;
	m->seq = fd->seq++;
	feed_push(fd, m);
}

/* Handles one line of input: the per-line work of every subcommand. */
static void
feed_line_cb(const char *line, size_t len, void *arg)
{
	struct feed    *fd = arg;
	struct record  *r;
	struct rule_hit h;
	int             hit = 0;

	r = source_line(&fd->src, line, len);
	if (fd->mode == FEED_PARSE) {
		feed_print_record(fd, r);
		return;
	}
	if (r->has_ts && r->ts_ns > fd->max_ts)
		fd->max_ts = r->ts_ns;
	if ((hit = rule_set_match(fd->rules, r, &h)) == 1)
		fd->src.matched++;
	if (fd->mode == FEED_MATCH) {
		if (hit == 1 || fd->opts->all)
			feed_print_match(fd, r, hit == 1 ? &h : NULL);
		return;
	}
	if (hit == 1 && r->has_ts)
		feed_queue(fd, r, &h);
}

/* Opens a feed on path; -1 (logged) if it cannot be read. */
static int
feed_open(struct feed *fd, const struct pipeline_opts *o, const char *path,
    int index, struct rule_set *rs, int mode)
{
	int i;

	memset(fd, 0, sizeof(*fd));
	fd->opts = o;
	fd->rules = rs;
	fd->mode = mode;
	fd->max_ts = INT64_MIN;
	source_init(&fd->src, path, path, index);
	linebuf_init(&fd->lb, o->max_line);
	if ((fd->f = in_file_open(path)) == NULL) {
		fd->eof = fd->error = 1;
		return -1;
	}
	if (pipeline_source_setup(o, &fd->src, in_file_gzip_mtime(fd->f),
		in_file_mtime(fd->f)) == -1) {
		log_warnx("%s: unknown time zone in --tz or --source-tz", path);
		fd->eof = fd->error = 1;
		return -1;
	}
	if (mode == FEED_REPLAY) {
		fd->pool = xcalloc(HEAP_MAX, sizeof(*fd->pool));
		fd->heap = xcalloc(HEAP_MAX, sizeof(*fd->heap));
		fd->freel = xcalloc(HEAP_MAX, sizeof(*fd->freel));
		for (i = 0; i < HEAP_MAX; i++)
			fd->freel[fd->nfree++] = &fd->pool[i];
	}
	return 0;
}

/* Closes the feed's file and frees its buffers (not its source). */
static void
feed_close(struct feed *fd)
{
	in_file_close(fd->f);
	fd->f = NULL;
	linebuf_free(&fd->lb);
	free(fd->pool);
	free(fd->heap);
	free(fd->freel);
	fd->pool = NULL;
	fd->heap = fd->freel = NULL;
}

/* Redraws the progress line: bytes read of all files, lines, incidents. */
static void
replay_progress(const struct replay *rp)
{
	int64_t  done = 0;
	uint64_t lines = 0;
	int      i;

	for (i = 0; i < rp->n; i++) {
		if (rp->feeds[i].f != NULL)
			done += in_file_offset(rp->feeds[i].f);
		lines += rp->feeds[i].src.lines;
	}
	progress_update(rp->pg, done, lines, incident_engine_count(rp->e));
}

/* Reads and processes one chunk; at the end flushes and sets eof. */
static void
feed_fill(struct feed *fd, char *buf)
{
	ssize_t n;

	if (fd->eof)
		return;
	n = in_file_read(fd->f, buf, CHUNK);
	if (!fd->gz_seen && in_file_gzip_mtime(fd->f) > 0 && !fd->opts->year)
		source_set_year(
		    &fd->src, 0, in_file_gzip_mtime(fd->f), RECORD_YEAR_GZIP);
	fd->gz_seen = 1;
	if (n > 0) {
		linebuf_feed(&fd->lb, buf, (size_t)n, feed_line_cb, fd);
		if (fd->replay != NULL && fd->replay->pg != NULL)
			replay_progress(fd->replay);
		return;
	}
	if (n == -1)
		fd->error = 1;
	linebuf_flush(&fd->lb, feed_line_cb, fd);
	fd->src.truncated = fd->lb.truncated;
	fd->eof = 1;
}

/* Runs parse or match over each file in turn; the exit status. */
static int
pipeline_sequential(
    const struct pipeline_opts *o, char *const *files, int n, int mode)
{
	struct rule_set *rs = NULL;
	struct feed      fd;
	char            *buf;
	int              i, status = 0;

	if (mode == FEED_MATCH) {
		rs = rule_set_new();
		if (pipeline_load_rules(o, rs) == -1) {
			rule_set_free(rs);
			return 2;
		}
	}
	buf = xmalloc(CHUNK);
	for (i = 0; i < n; i++) {
		if (feed_open(&fd, o, files[i], i, rs, mode) == 0)
			while (!fd.eof)
				feed_fill(&fd, buf);
		if (fd.error)
			status = 1;
		feed_close(&fd);
		source_free(&fd.src);
	}
	free(buf);
	rule_set_free(rs);
	return status;
}

/* timelined parse: one JSON object per input line. */
int
pipeline_parse(const struct pipeline_opts *o, char *const *files, int n)
{
	return pipeline_sequential(o, files, n, FEED_PARSE);
}

/* timelined match: one JSON object per classified line. */
int
pipeline_match(const struct pipeline_opts *o, char *const *files, int n)
{
	return pipeline_sequential(o, files, n, FEED_MATCH);
}

/* Fills every feed until its earliest match is final; the earliest feed. */
static struct feed *
pipeline_next(struct feed *feeds, int n, char *buf)
{
	struct feed *best = NULL;
	int          i;

	for (i = 0; i < n; i++) {
		while (!feeds[i].eof && !feed_ready(&feeds[i]))
			feed_fill(&feeds[i], buf);
		if (feeds[i].nheap > 0 &&
		    (best == NULL ||
			match_cmp(feeds[i].heap[0], best->heap[0]) < 0))
			best = &feeds[i];
	}
	return best;
}

/* Feeds the merged stream of all files to the engine. */
static void
pipeline_merge(const struct pipeline_opts *o, struct feed *feeds, int n,
    struct incident_engine *e)
{
	char         *buf = xmalloc(CHUNK);
	struct feed  *fd;
	struct match *m;
	int64_t       last = INT64_MIN;

	while ((fd = pipeline_next(feeds, n, buf)) != NULL) {
		m = feed_pop(fd);
		if (m->ts_ns < last)
			fd->src.late++;
		else
			last = m->ts_ns;
		if (m->ts_ns >= o->since_ns && m->ts_ns <= o->until_ns)
			incident_engine_feed(e, m);
		feed_release(fd, m);
	}
	free(buf);
}

/* Builds the report from the feeds and prints it in the chosen format. */
static int
pipeline_output(const struct pipeline_opts *o, struct feed *feeds, int n,
    struct incident_engine *e)
{
	struct report rep;
	int           i, rc;

	memset(&rep, 0, sizeof(rep));
	rep.sources = xcalloc((size_t)n, sizeof(*rep.sources));
	for (i = 0; i < n; i++)
		rep.sources[i] = &feeds[i].src;
	rep.nsources = n;
	rep.engine = e;
	rep.generated_ns = (int64_t)time(NULL) * TSTAMP_NS_PER_S;
	rep.display_tz = tz_get(o->display_tz ? o->display_tz : "UTC");
	if (strcmp(o->format, "json") == 0)
		rc = out_json(stdout, &rep);
	else if (strcmp(o->format, "csv") == 0)
		rc = out_csv(stdout, &rep);
	else if (strcmp(o->format, "html") == 0)
		rc = out_html(stdout, &rep);
	else
		rc = out_md(stdout, &rep);
	free(rep.sources);
	return rc;
}

/* The newest line time over every feed, to judge what is still open. */
static int64_t
pipeline_end_time(const struct feed *feeds, int n)
{
	int64_t t = INT64_MIN;
	int     i;

	for (i = 0; i < n; i++)
		if (feeds[i].max_ts > t)
			t = feeds[i].max_ts;
	return t;
}

/* Says once per source what was read with a guess or not at all. */
static void
pipeline_warn_source(const struct source *src)
{
	if (src->unknown_zone > 0)
		log_warnx("%s: %llu timestamps carry a zone abbreviation that "
			  "is unknown or ambiguous (e.g. IST); read in %s: set "
			  "--source-tz if that is wrong",
		    src->name, (unsigned long long)src->unknown_zone,
		    tz_name(src->tz));
	if (src->truncated > 0)
		log_warnx("%s: %llu lines longer than the line limit were cut",
		    src->name, (unsigned long long)src->truncated);
	if (src->late > 0)
		log_info("%s: %llu matches arrived after the merge window; "
			 "they were still counted",
		    src->name, (unsigned long long)src->late);
}

/* Puts rotated files of one log ("app.log.1.gz", "app.log") in one set. */
static void
pipeline_groups(struct feed *feeds, int n)
{
	char a[1024], b[1024];
	int  i, j;

	for (i = 0; i < n; i++) {
		source_rotation_key(feeds[i].src.path, a, sizeof(a));
		for (j = 0; j < i; j++) {
			source_rotation_key(feeds[j].src.path, b, sizeof(b));
			if (strcmp(a, b) == 0) {
				feeds[i].src.group = feeds[j].src.group;
				break;
			}
		}
	}
}

/* timelined replay: reads every file, prints the timeline. */
int
pipeline_replay(const struct pipeline_opts *o, char *const *files, int n)
{
	struct rule_set        *rs = rule_set_new();
	struct incident_engine *e;
	struct feed            *feeds;
	struct progress         pg;
	struct replay           rp;
	const char            **names;
	int64_t                 total = 0;
	int                     i, status = 0;

	if (pipeline_load_rules(o, rs) == -1) {
		rule_set_free(rs);
		return 2;
	}
	feeds = xcalloc((size_t)n, sizeof(*feeds));
	for (i = 0; i < n; i++) {
		if (feed_open(&feeds[i], o, files[i], i, rs, FEED_REPLAY) == -1)
			status = 1;
		else
			total += in_file_size(feeds[i].f);
	}
	pipeline_groups(feeds, n);
	e = incident_engine_new(&o->inc);
	names = xcalloc((size_t)n, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = feeds[i].src.name;
	incident_engine_set_sources(e, names, n);
	progress_init(&pg, o->progress, total);
	rp.feeds = feeds;
	rp.n = n;
	rp.pg = pg.on ? &pg : NULL;
	rp.e = e;
	for (i = 0; i < n; i++)
		feeds[i].replay = &rp;
	pipeline_merge(o, feeds, n, e);
	progress_done(&pg);
	incident_engine_advance(e, pipeline_end_time(feeds, n));
	incident_engine_finish(e);
	for (i = 0; i < n; i++) {
		if (feeds[i].error)
			status = 1;
		feed_close(&feeds[i]);
		pipeline_warn_source(&feeds[i].src);
	}
	if (pipeline_output(o, feeds, n, e) == -1 && status == 0)
		status = 1;
	for (i = 0; i < n; i++)
		source_free(&feeds[i].src);
	free(feeds);
	incident_engine_free(e);
	free(names);
	rule_set_free(rs);
	return status;
}

/* timelined check: compiles every rule and runs its examples. */
int
pipeline_check(const struct pipeline_opts *o)
{
	struct rule_set *rs = rule_set_new();
	int              rc = 0, errors;

	if (pipeline_load_rules(o, rs) == -1)
		rc = 2;
	errors = rule_set_check(rs, 1);
	if (errors > 0)
		rc = 2;
	if (!o->quiet)
		printf("%d rules checked, %d errors\n", rule_set_count(rs),
		    errors);
	rule_set_free(rs);
	return rc;
}
