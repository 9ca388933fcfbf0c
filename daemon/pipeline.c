/*
 * pipeline: runs the stages in order for the one-shot subcommands.
 * parse stops after records, match after rules; replay reads every input
 * through its lane, merges the matches in UTC order and feeds the
 * incident engine (lines no rule matched go to the unclassified signal
 * on the way), then renders the report. Inputs are opened in order of
 * their first timestamp and only while they are needed, so the number of
 * inputs is bounded by neither file descriptors nor memory.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <fnmatch.h>
#include <stdarg.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "in_file.h"
#include "lane.h"
#include "linebuf.h"
#include "log.h"
#include "match.h"
#include "merge.h"
#include "out_jsonl.h"
#include "pipeline.h"
#include "pool.h"
#include "progress.h"
#include "report.h"
#include "rule.h"
#include "rule_check.h"
#include "rule_file.h"
#include "skew.h"
#include "source.h"
#include "strtab.h"
#include "timecheck.h"
#include "tstamp.h"
#include "tz.h"
#include "unclass.h"
#include "xmalloc.h"

#define PIPELINE_PROBE_MAX   (1024 * 1024) /* read for a first timestamp */
#define PIPELINE_MERGE_MAX   (64 * 1024)   /* pending matches, then forced */
#define PIPELINE_FD_SPARE    64 /* descriptors left for everything else */
#define PIPELINE_THREADS_MAX 8

/*
 * Loads the built-in pack (unless disabled) and every --rules path;
 * returns the number of errors logged (0: everything loaded).
 */
int
pipeline_load_rules(const struct conf *o, struct rule_set *rs)
{
	int i, errors = 0;

	if (!o->no_default_rules)
		errors += rule_file_load_builtin(rs, o->rules_dir);
	for (i = 0; i < o->nrules; i++)
		errors += rule_file_load(rs, o->rules[i]);
	return errors;
}

/*
 * The zone for timestamps without one in input path: --source-tz (by base
 * name, path or real path), else a configured source's "tz", else --tz,
 * else the machine's zone; *why says which. NULL for a zone not known.
 */
const struct tz *
pipeline_zone(const struct conf *o, const char *path, enum record_zone_src *why)
{
	char            *copy = xstrdup(path), *real = realpath(path, NULL);
	const char      *base = basename(copy), *zone = NULL, *glob;
	const struct tz *tz;
	int              i;

	for (i = 0; i < o->nsrctz + o->nsources && zone == NULL; i++) {
		glob = i < o->nsrctz ? o->srctz_glob[i]
				     : o->sources[i - o->nsrctz].path;
		if (glob == NULL ||
		    (i >= o->nsrctz && o->sources[i - o->nsrctz].tz == NULL))
			continue;
		if (fnmatch(glob, base, 0) == 0 ||
		    fnmatch(glob, path, 0) == 0 ||
		    (real != NULL && fnmatch(glob, real, 0) == 0))
			zone = i < o->nsrctz ? o->srctz_zone[i]
					     : o->sources[i - o->nsrctz].tz;
	}
	*why = zone != NULL ? RECORD_ZONE_SOURCE : RECORD_ZONE_DEFAULT;
	if (zone == NULL)
		zone = o->tz;
	tz = zone != NULL ? tz_get(zone) : tz_local();
	free(copy);
	free(real); /* from realpath(3): not ours to route via xmalloc */
	return tz;
}

/*
 * Sets a source's zone and year: --year, and the reference time for
 * stamps without a year or date: the gzip header's mtime, else the
 * file's, else now (an mtime in the future is not trusted: now). Partial
 * stamps are completed from the file's own dates first (source_set_align).
 */
int
pipeline_source_setup(
    const struct conf *o, struct source *src, int64_t gz_mtime, int64_t mtime)
{
	enum record_zone_src why;
	enum record_year_src ywhy;
	const struct tz     *tz = pipeline_zone(o, src->path, &why);
	int64_t              ref;

	if (tz == NULL)
		return -1;
	source_set_zone(src, tz, why);
	ref = timecheck_ref(
	    o->now_ns / TSTAMP_NS_PER_S, gz_mtime, mtime, &ywhy);
	source_set_year(src, o->year, ref, ywhy);
	src->mtime_s = gz_mtime > 0 ? gz_mtime : mtime;
	source_set_align(src, NULL);
	return 0;
}

/*
 * Opens an input and gives its lane the zone and year it needs; NULL
 * (logged) if it cannot be read, with the reason in err.
 */
struct in_file *
pipeline_open(const struct conf *o, struct lane *l, const char *path, char *err,
    size_t errlen)
{
	struct in_file *f;

	if ((f = in_file_open(path, err, errlen)) == NULL)
		return NULL;
	if (pipeline_source_setup(o, lane_source(l), in_file_gzip_mtime(f),
		in_file_mtime(f)) == -1) {
		log_warnx("%s: unknown time zone in --tz or --source-tz", path);
		snprintf(err, errlen, "unknown time zone");
		in_file_close(f);
		return NULL;
	}
	return f;
}

/*
 * The gzip header's mtime is only known once the first bytes are
 * inflated: the year reference of the lane's source follows it.
 */
static void
pipeline_gzip_year(const struct conf *o, struct lane *l, struct in_file *f)
{
	struct source       *src = lane_source(l);
	int64_t              gz = in_file_gzip_mtime(f);
	enum record_year_src why;
	int64_t              ref;

	if (gz > 0 && src->ref_src != RECORD_YEAR_GZIP &&
	    src->ref_src != RECORD_YEAR_CLOCK_GZIP) {
		ref = timecheck_ref(o->now_ns / TSTAMP_NS_PER_S, gz, 0, &why);
		source_set_ref(src, ref, why);
		src->mtime_s = gz;
	}
}

/*
 * Reads what the input has now, up to a chunk, into the lane (parse and
 * match: a line shows as soon as it comes): the byte count, 0 at the end
 * (the last line flushed) or -1 on a read error.
 */
static ssize_t
pipeline_stream(
    const struct conf *o, struct lane *l, struct in_file *f, char *buf)
{
	ssize_t n = in_file_read(f, buf, PIPELINE_CHUNK);

	pipeline_gzip_year(o, l, f);
	if (n > 0)
		lane_feed(l, buf, (size_t)n);
	else
		lane_flush(l);
	return n;
}

/*
 * Reads the rest of the chunk the lane is in (the stream's bytes in
 * PIPELINE_CHUNK steps), or up to stream offset limit if that comes
 * first, into the lane: the byte count, 0 at the end (the last line
 * flushed) or -1 on a read error. Replay reads so whether it reads in one
 * thread or many, with or without closing inputs early: the merge sees
 * the same chunks. buf holds PIPELINE_CHUNK bytes.
 */
ssize_t
pipeline_fill(const struct conf *o, struct lane *l, struct in_file *f,
    char *buf, uint64_t limit)
{
	uint64_t at = lane_offset(l);
	uint64_t to = (at / PIPELINE_CHUNK + 1) * PIPELINE_CHUNK;
	size_t   got = 0, want;
	ssize_t  r = 0;

	want = (size_t)((limit < to ? limit : to) - at);
	while (got < want && (r = in_file_read(f, buf + got, want - got)) > 0)
		got += (size_t)r;
	pipeline_gzip_year(o, l, f);
	if (got > 0) {
		lane_feed(l, buf, got);
		return (ssize_t)got;
	}
	lane_flush(l);
	return r;
}

/*
 * Reads an input for what its stamps are like, into scan: a chunk at
 * least, on until a timed line shows up (PIPELINE_PROBE_MAX at most),
 * and to its end when it has times of day without a date and no full
 * date (their dates are then counted back from the last one). The
 * oldest time read, or INT64_MAX.
 */
static int64_t
pipeline_probe_read(const struct conf *o, struct lane *l, struct in_file *f,
    char *buf, struct source_scan *scan)
{
	const struct source *src = lane_source(l);
	ssize_t              r = 1;
	int64_t              read = 0;

	while (((read == 0 || lane_min_ts(l) == INT64_MAX) &&
		   read < PIPELINE_PROBE_MAX) ||
	    (src->scan.partial > 0 && src->scan.full == 0)) {
		if ((r = pipeline_fill(o, l, f, buf, UINT64_MAX)) <= 0)
			break;
		read += r;
	}
	*scan = src->scan;
	scan->whole = r == 0;
	return lane_min_ts(l);
}

/*
 * 0 if path cannot be read twice: standard input, a pipe ("<(zcat x)"),
 * a device; 1 for a regular file, or one that cannot be looked at (its
 * open says why).
 */
static int
pipeline_rereadable(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return 0;
	return stat(path, &st) == -1 || S_ISREG(st.st_mode);
}

/*
 * Probes a named file for parse and match (what cannot be read twice is
 * not); -1 (logged) if it cannot be opened.
 */
static int
pipeline_probe_path(
    const struct conf *o, const char *path, char *buf, struct source_scan *scan)
{
	struct lane    *l;
	struct in_file *f;
	char            err[128];

	memset(scan, 0, sizeof(*scan));
	if (!pipeline_rereadable(path))
		return 0;
	l = lane_new(path, 0, o->max_line);
	if ((f = pipeline_open(o, l, path, err, sizeof(err))) == NULL) {
		lane_free(l);
		return -1;
	}
	pipeline_probe_read(o, l, f, buf, scan);
	in_file_close(f);
	lane_free(l);
	return 0;
}

/* What parse and match print for each line. */
struct pipeline_print {
	const struct conf *o;
	int                match;
};

/* Lane callback of parse and match: prints the line's JSON object. */
static void
pipeline_print_cb(struct lane *l, const struct lane_out *lo, void *arg)
{
	const struct pipeline_print *pp = arg;

	if (!pp->match)
		out_jsonl_record(stdout, l, lo);
	else if (lo->hit != NULL || pp->o->all)
		out_jsonl_match(stdout, l, lo);
}

/* Runs parse or match over each file in turn; the exit status. */
static int
pipeline_sequential(const struct conf *o, char *const *files, int n, int match)
{
	struct pipeline_print pp = {o, match};
	struct source_scan    scan;
	struct rule_set      *rs = NULL;
	struct in_file       *f;
	struct lane          *l;
	char                 *buf, err[128];
	ssize_t               r;
	int                   i, status = 0;

	if (match) {
		rs = rule_set_new();
		if (pipeline_load_rules(o, rs) != 0) {
			rule_set_free(rs);
			return 2;
		}
	}
	buf = xmalloc(PIPELINE_CHUNK);
	for (i = 0; i < n; i++) {
		if (pipeline_probe_path(o, files[i], buf, &scan) == -1) {
			status = 1;
			continue;
		}
		l = lane_new(files[i], (uint32_t)i, o->max_line);
		lane_set_rules(l, rs);
		lane_set_cb(l, pipeline_print_cb, &pp);
		if ((f = pipeline_open(o, l, files[i], err, sizeof(err))) ==
		    NULL)
			status = 1;
		else {
			source_set_align(lane_source(l), &scan);
			while ((r = pipeline_stream(o, l, f, buf)) > 0)
				;
			if (r == -1 || in_file_error(f) != NULL)
				status = 1;
			in_file_close(f);
		}
		lane_free(l);
	}
	free(buf);
	rule_set_free(rs);
	return status;
}

/* timelined parse: one JSON object per input line. */
int
pipeline_parse(const struct conf *o, char *const *files, int n)
{
	return pipeline_sequential(o, files, n, 0);
}

/* timelined match: one JSON object per classified line. */
int
pipeline_match(const struct conf *o, char *const *files, int n)
{
	return pipeline_sequential(o, files, n, 1);
}

/*
 * Replay. Each input is probed first for the time of its first timed
 * line, without keeping anything; the merge then knows how far back the
 * input can reach before it is opened, and opens it only when the merged
 * stream gets there (an input with no time in its first MiB is read
 * first: nothing says where it belongs). At most max_open inputs are open at once: past
 * that, the open input needed last is parked (closed, its lane asleep)
 * and resumed later at the start of its unfinished line.
 */

enum input_state { INPUT_NEW, INPUT_OPEN, INPUT_PARKED, INPUT_DONE };

struct replay;

/* One input of a replay. */
struct input {
	struct replay       *rp;
	int                  slot; /* in the merge: its index */
	const char          *path; /* borrowed from argv */
	uint32_t             id, group;
	enum input_state     state;
	struct lane         *lane;
	struct in_file      *f;
	int64_t              disk_off; /* of f, for progress */
	int64_t              size;     /* on disk, from the probe */
	int                  pinned;   /* standard input: never parked */
	struct source_scan   scan;     /* what the probe saw of its stamps */
	enum record_year_src ref_src;  /* where its year reference came from */
	int     year_sources; /* year-less lines read as of it (0: not) */
	int     pidx;         /* threads: its index in the pool */
	int     place;        /* threads: in the unclassified signal */
	int     placed;       /* threads: place was given */
	int64_t max_ts;       /* threads: newest line time read */
	struct report_source rs;
};

/* A replay in progress. */
struct replay {
	const struct conf      *o;
	struct input           *in;
	int                     n;
	struct rule_set        *rules;
	struct pool            *pool;       /* NULL: one thread */
	uint64_t               *limit_hits; /* threads: by rule */
	struct record           urec;       /* threads: a line for the signal */
	struct unclass         *unclass;    /* NULL: --no-unclassified */
	struct merge           *merge;
	struct incident_engine *engine;
	struct skew            *skew; /* same events seen shifted */
	struct strtab          *names;
	const struct output    *out;
	struct report           rep;  /* what incidents are written with */
	FILE                   *body; /* the incidents written so far */
	struct progress         pg;
	int64_t                 read_bytes;
	uint64_t                lines;
	int                     nopen, max_open;
	int64_t                 max_ts;
	char                   *buf;
	int                     status;
	struct strtab          *files; /* "dev:ino" of every input opened */
	int                    *file_input; /* its input, by strtab id */
	int                     stdin_seen;
	/* What --since and --until left out, to say when they cut one. */
	int64_t cut_before, cut_after; /* failures; INT64_MIN/MAX: none */
	int64_t first_start, last_failure;
	char    first_id[64], last_id[64];
	int     last_open;
};

/* How many inputs may be open at once: half of what the process may. */
static int
replay_max_open(void)
{
	struct rlimit rl;
	rlim_t        n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = rl.rlim_cur;
	if (n < 2 * PIPELINE_FD_SPARE + 8)
		return 4;
	n = (n - PIPELINE_FD_SPARE) / 2;
	return n > 4096 ? 4096 : (int)n;
}

/* Lane callback of replay: a match goes to the merge. */
static void
replay_match_cb(struct lane *l, const struct lane_out *lo, void *arg)
{
	struct input *in = arg;

	(void)l;
	in->rp->lines++;
	if (lo->m != NULL)
		merge_push(in->rp->merge, in->slot, lo->m);
}

/* Redraws the progress line. */
static void
replay_progress(struct replay *rp)
{
	progress_update(&rp->pg, rp->read_bytes, rp->lines,
	    incident_engine_count(rp->engine));
}

/* Marks an input that will not be read finished, with the zone it has. */
static void
replay_unread(struct replay *rp, struct input *in)
{
	const struct tz *tz = pipeline_zone(rp->o, in->path, &in->rs.tz_src);

	in->rs.tz = tz != NULL ? tz_name(tz) : "unknown";
	in->state = INPUT_DONE;
}

/*
 * Marks an input that cannot be read (why) finished; it still reports
 * the zone it would have been read in.
 */
static void
replay_input_error(struct replay *rp, struct input *in, const char *why)
{
	free(in->rs.error);
	in->rs.error = xstrdup(why);
	replay_unread(rp, in);
	rp->status = 1;
}

/*
 * Creates the input's lane, set up for replay; it has a place in the
 * unclassified signal from its first read to its end (lane_free).
 */
static struct lane *
replay_lane(struct replay *rp, struct input *in)
{
	struct lane *l = lane_new(in->path, in->id, rp->o->max_line);

	lane_set_group(l, in->group);
	lane_set_rules(l, rp->rules);
	lane_set_unclass(l, rp->unclass);
	lane_set_cb(l, replay_match_cb, in);
	return l;
}

/*
 * 1 if the input is a file (device dev, inode ino) an earlier input
 * already is (the same path twice, a hard link, - twice): it is read
 * once, and the report says so.
 */
static int
replay_duplicate_id(
    struct replay *rp, struct input *in, uint64_t dev, uint64_t ino)
{
	char     key[64];
	uint32_t k, id;

	snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)dev,
	    (unsigned long long)ino);
	k = strtab_count(rp->files);
	if ((id = strtab_intern(rp->files, key)) == k) {
		rp->file_input[k] = in - rp->in;
		return 0;
	}
	in->rs.duplicate_of = rp->in[rp->file_input[id]].path;
	replay_unread(rp, in);
	return 1;
}

/* replay_duplicate_id() for the file f reads. */
static int
replay_duplicate(struct replay *rp, struct input *in, struct in_file *f)
{
	uint64_t dev, ino;

	in_file_identity(f, &dev, &ino);
	return replay_duplicate_id(rp, in, dev, ino);
}

/*
 * Reads the first chunk of an input (more, up to a MiB, until a timed
 * line shows up) with a lane of its own that is thrown away: the oldest
 * time there, less the reorder window, is where the merge may expect the
 * input's first match. A small file is read whole, so a file whose times
 * jump around is placed right. INT64_MIN when no time is found soon
 * enough; MERGE_DONE when the input cannot be read.
 */
static int64_t
replay_probe(struct replay *rp, struct input *in)
{
	struct lane    *l = lane_new(in->path, in->id, rp->o->max_line);
	struct in_file *f;
	char            err[128];
	int64_t         first = INT64_MIN, min;

	if ((f = pipeline_open(rp->o, l, in->path, err, sizeof(err))) == NULL) {
		replay_input_error(rp, in, err);
		lane_free(l);
		return MERGE_DONE;
	}
	if (replay_duplicate(rp, in, f)) {
		in_file_close(f);
		lane_free(l);
		return MERGE_DONE;
	}
	in->size = in_file_size(f);
	if ((min = pipeline_probe_read(rp->o, l, f, rp->buf, &in->scan)) !=
	    INT64_MAX)
		first = min - rp->o->reorder_ns;
	in->ref_src = lane_source(l)->ref_src;
	in_file_close(f);
	lane_free(l);
	return first;
}

/* Parks the open input that the merge will need last, to free its fd. */
static void
replay_park_one(struct replay *rp)
{
	struct input *in, *best = NULL;
	int64_t       w, bw = INT64_MIN;
	int           i;

	for (i = 0; i < rp->n; i++) {
		in = &rp->in[i];
		if (in->state != INPUT_OPEN || in->pinned)
			continue;
		w = merge_watermark_of(rp->merge, in->slot);
		if (best == NULL || w > bw) {
			best = in;
			bw = w;
		}
	}
	if (best == NULL)
		return;
	lane_sleep(best->lane);
	in_file_close(best->f);
	best->f = NULL;
	best->state = INPUT_PARKED;
	rp->nopen--;
}

/* Opens (or reopens, where it stopped) an input; -1 if it failed. */
static int
replay_open(struct replay *rp, struct input *in)
{
	char err[128];

	if (rp->nopen >= rp->max_open)
		replay_park_one(rp);
	if (in->lane == NULL)
		in->lane = replay_lane(rp, in);
	if ((in->f = pipeline_open(
		 rp->o, in->lane, in->path, err, sizeof(err))) == NULL) {
		replay_input_error(rp, in, err);
		return -1;
	}
	source_set_align(lane_source(in->lane), &in->scan);
	if (in->year_sources)
		source_set_year_sources(
		    lane_source(in->lane), in->year_sources);
	if (in->state == INPUT_PARKED &&
	    in_file_skip(in->f, lane_resume_offset(in->lane)) == -1) {
		replay_input_error(rp, in, "shorter than when it was read");
		return -1;
	}
	in->disk_off = in_file_offset(in->f);
	in->state = INPUT_OPEN;
	rp->nopen++;
	return 0;
}

/* Ends an input: keeps its counters and frees what reading needed. */
static void
replay_finish(struct replay *rp, struct input *in)
{
	if (in->lane != NULL) {
		report_source_take(&in->rs, lane_source(in->lane));
		in->rs.truncated = lane_truncated(in->lane);
		in->rs.limit_hits = lane_limit_hits(in->lane);
		if (lane_max_ts(in->lane) > rp->max_ts)
			rp->max_ts = lane_max_ts(in->lane);
		lane_free(in->lane);
		in->lane = NULL;
	}
	if (in->f != NULL) {
		in_file_close(in->f);
		in->f = NULL;
		rp->nopen--;
	}
	in->state = INPUT_DONE;
	merge_watermark(rp->merge, in->slot, MERGE_DONE);
}

/*
 * Moves an input's watermark on after a chunk: the newest time read
 * (INT64_MIN: none yet) less the reorder window.
 */
static void
replay_watermark(struct replay *rp, struct input *in, int64_t max_ts)
{
	int64_t w;

	if (max_ts == INT64_MIN)
		return;
	w = max_ts - rp->o->reorder_ns;
	if (w > merge_watermark_of(rp->merge, in->slot))
		merge_watermark(rp->merge, in->slot, w);
}

/* Reads one chunk of an open input and moves its watermark. */
static void
replay_read(struct replay *rp, struct input *in)
{
	ssize_t n = pipeline_fill(rp->o, in->lane, in->f, rp->buf, UINT64_MAX);
	int64_t off = in_file_offset(in->f);
	const char *err;

	rp->read_bytes += off - in->disk_off;
	in->disk_off = off;
	if (rp->pg.on)
		replay_progress(rp);
	if (n <= 0) {
		if ((err = in_file_error(in->f)) != NULL) {
			in->rs.error = xstrdup(err);
			rp->status = 1;
		}
		replay_finish(rp, in);
		return;
	}
	replay_watermark(rp, in, lane_max_ts(in->lane));
}

/* Writes an incident to the body of the report. */
static void
replay_write(struct replay *rp, const struct incident *inc)
{
	if (rp->rep.nincidents == 0) {
		rp->first_start = inc->start_ns;
		snprintf(rp->first_id, sizeof(rp->first_id), "%s", inc->id);
	}
	rp->last_failure = inc->last_failure_ns;
	rp->last_open = inc->open;
	snprintf(rp->last_id, sizeof(rp->last_id), "%s", inc->id);
	rp->rep.entries_dropped += inc->dropped;
	skew_incident(rp->skew, inc);
	if (rp->out->incident(rp->body, &rp->rep, inc, rp->rep.nincidents) ==
	    -1)
		rp->status = 1;
	rp->rep.nincidents++;
}

/*
 * Writes out the incidents that closed, before the engine's bound could
 * drop them: they never change again, so none is kept.
 */
static void
replay_take_closed(struct replay *rp)
{
	struct incident *inc;

	while ((inc = incident_engine_take_closed(rp->engine)) != NULL) {
		replay_write(rp, inc);
		incident_free(inc);
	}
}

/* Feeds every final match of the merge to the engine. */
static void
replay_drain(struct replay *rp)
{
	struct match m;
	int          src;

	while (merge_pop(rp->merge, &m, &src)) {
		skew_match(rp->skew, &m);
		if (m.ts_ns >= rp->o->since_ns && m.ts_ns <= rp->o->until_ns)
			incident_engine_feed(rp->engine, &m);
		else if (match_is_failure(&m) && m.ts_ns < rp->o->since_ns &&
		    m.ts_ns > rp->cut_before)
			rp->cut_before = m.ts_ns;
		else if (match_is_failure(&m) && m.ts_ns > rp->o->until_ns &&
		    m.ts_ns < rp->cut_after)
			rp->cut_after = m.ts_ns;
		replay_take_closed(rp);
	}
}

/* Reads every input, always the one holding the merged stream back. */
static void
replay_run(struct replay *rp)
{
	struct input *in;
	int           s;

	for (;;) {
		replay_drain(rp);
		if ((s = merge_lowest(rp->merge)) < 0)
			break;
		in = &rp->in[s];
		if (in->state == INPUT_DONE) { /* cannot happen: kept safe */
			merge_watermark(rp->merge, s, MERGE_DONE);
			continue;
		}
		if (in->state != INPUT_OPEN && replay_open(rp, in) == -1) {
			replay_finish(rp, in);
			continue;
		}
		replay_read(rp, in);
	}
	replay_drain(rp);
}

/*
 * Names inputs and puts rotated files of one log ("app.log.1.gz",
 * "app.log") in one set: the id of the set's first input.
 */
static void
replay_name(struct replay *rp)
{
	struct strtab *keys = strtab_new();
	uint32_t      *first = xcalloc((size_t)rp->n, sizeof(*first));
	char           key[1024];
	uint32_t       k;
	int            i;

	for (i = 0; i < rp->n; i++) {
		rp->in[i].id = strtab_intern(rp->names, rp->in[i].path);
		rp->in[i].rs.name = rp->in[i].path;
		source_rotation_key(rp->in[i].path, key, sizeof(key));
		k = strtab_intern(keys, key);
		if (first[k] == 0) /* 0: no input yet; else id + 1 */
			first[k] = rp->in[i].id + 1;
		rp->in[i].group = first[k] - 1;
	}
	free(first);
	strtab_free(keys);
}

/*
 * Gives an input its merge slot; standard input is read first, once: 1
 * for it (or a second "-") and for a pipe, which are not probed.
 */
static int
replay_setup_one(struct replay *rp, struct input *in)
{
	in->rp = rp;
	in->slot = merge_source_add(rp->merge);
	if (strcmp(in->path, "-") == 0 && rp->stdin_seen++ > 0) {
		in->rs.duplicate_of = "-";
		replay_unread(rp, in);
		merge_watermark(rp->merge, in->slot, MERGE_DONE);
		log_warnx("-: standard input given twice: read once");
		return 1;
	}
	if (strcmp(in->path, "-") == 0) {
		in->pinned = 1; /* cannot be read twice: read now */
		rp->file_input[strtab_intern(rp->files, "stdin")] = (int)(in -
		    rp->in);
		return 1;
	}
	if (!pipeline_rereadable(in->path)) {
		in->pinned = 1; /* a pipe: a probe would eat its start */
		return 1;
	}
	return 0;
}

/* Sets every input's merge slot and where the merge may expect it. */
static void
replay_setup(struct replay *rp)
{
	struct input *in;
	int64_t       total = 0;
	int           i;

	for (i = 0; i < rp->n; i++) {
		in = &rp->in[i];
		if (replay_setup_one(rp, in))
			continue;
		merge_watermark(rp->merge, in->slot, replay_probe(rp, in));
		total += in->size;
		if (in->state == INPUT_DONE)
			merge_watermark(rp->merge, in->slot, MERGE_DONE);
	}
	progress_init(&rp->pg, rp->o->progress, total);
}

/*
 * Replay with threads. Probing and reading run in the pool's workers; the
 * main thread takes each input's chunks in the order the merge asks for
 * them, as replay_read() would read them, so the merge, the engine and
 * the report see what one thread gives.
 */

static void replay_align_years(struct replay *);

/* What probing an input in a worker found. */
struct replay_probed {
	int64_t  first; /* as replay_probe() */
	int64_t  size;
	uint64_t dev, ino;
	int      failed;
	char     err[128];
};

/* The probes of a replay, one per input. */
struct replay_probes {
	struct replay        *rp;
	struct replay_probed *pr;
};

/*
 * pool_map callback: replay_probe() of input i without the duplicate
 * check, which the main thread makes in input order.
 */
static void
replay_probe_cb(void *arg, int i, char *buf)
{
	struct replay_probes *ps = arg;
	const struct conf    *o = ps->rp->o;
	struct input         *in = &ps->rp->in[i];
	struct replay_probed *pr = &ps->pr[i];
	struct lane          *l;
	struct in_file       *f;
	int64_t               min;

	pr->first = INT64_MIN;
	if (in->pinned || in->state == INPUT_DONE)
		return;
	l = lane_new(in->path, in->id, o->max_line);
	if ((f = pipeline_open(o, l, in->path, pr->err, sizeof(pr->err))) ==
	    NULL) {
		pr->failed = 1;
		lane_free(l);
		return;
	}
	in_file_identity(f, &pr->dev, &pr->ino);
	pr->size = in_file_size(f);
	if ((min = pipeline_probe_read(o, l, f, buf, &in->scan)) != INT64_MAX)
		pr->first = min - o->reorder_ns;
	in->ref_src = lane_source(l)->ref_src;
	in_file_close(f);
	lane_free(l);
}

/*
 * pool_lane_fn: what replay_open() sets on an input's lane, in a worker:
 * the dates the probe saw ahead, the year the other inputs say.
 */
static void
replay_lane_setup(void *arg, struct lane *l)
{
	const struct input *in = arg;

	source_set_align(lane_source(l), &in->scan);
	if (in->year_sources)
		source_set_year_sources(lane_source(l), in->year_sources);
}

/* Where the merge may expect a probed input: as replay_probe() says. */
static int64_t
replay_probed(struct replay *rp, struct input *in, struct replay_probed *pr)
{
	if (pr->failed) {
		replay_input_error(rp, in, pr->err);
		return MERGE_DONE;
	}
	if (replay_duplicate_id(rp, in, pr->dev, pr->ino))
		return MERGE_DONE;
	in->size = pr->size;
	return pr->first;
}

/*
 * replay_setup() with threads: the inputs are probed in the workers, then
 * given to the pool, to be read ahead in the order the merge expects them.
 */
static void
replay_setup_mt(struct replay *rp)
{
	struct replay_probes ps = {
	    rp, xcalloc((size_t)rp->n + 1, sizeof(*ps.pr))};
	struct input *in;
	int64_t       total = 0;
	int           i;

	for (i = 0; i < rp->n; i++)
		replay_setup_one(rp, &rp->in[i]);
	pool_map(rp->pool, rp->n, replay_probe_cb, &ps);
	for (i = 0; i < rp->n; i++) {
		in = &rp->in[i];
		if (in->pinned || in->state == INPUT_DONE)
			continue;
		merge_watermark(
		    rp->merge, in->slot, replay_probed(rp, in, &ps.pr[i]));
		total += in->size;
		if (in->state == INPUT_DONE)
			merge_watermark(rp->merge, in->slot, MERGE_DONE);
	}
	replay_align_years(rp);
	for (i = 0; i < rp->n; i++) {
		in = &rp->in[i];
		in->max_ts = INT64_MIN;
		if (in->state != INPUT_DONE)
			in->pidx = pool_add(rp->pool, in->path, in->id,
			    in->group, merge_watermark_of(rp->merge, in->slot),
			    in->pinned, replay_lane_setup, in);
	}
	free(ps.pr);
	pool_start(rp->pool);
	progress_init(&rp->pg, rp->o->progress, total);
}

/*
 * Offers a line no rule matched to the unclassified signal, on the main
 * thread in the order lane_run() would: 1 if it surfaced it, m then the
 * match, placed as lane_run() places it.
 */
static int
replay_unclass(struct replay *rp, struct input *in, const struct pool_line *ln,
    struct match *m)
{
	struct record *r = &rp->urec;

	r->has_ts = 1;
	r->ts_ns = ln->ts_ns;
	r->utc_offset = ln->utc_offset;
	r->tm.frac_digits = ln->frac_digits;
	r->ambiguous = ln->ambiguous;
	r->severity = ln->severity;
	r->msg = ln->msg;
	r->msg_len = ln->msg_len;
	snprintf(r->host, sizeof(r->host), "%s", ln->host);
	if (!unclass_line(rp->unclass, &in->place, r, ln->lineno, m))
		return 0;
	m->source = (int)in->id;
	m->group = (int)in->group;
	m->lineno = ln->lineno;
	m->end_off = ln->end_off;
	m->seq = 0;
	return 1;
}

/* Ends an input with its last batch: as replay_finish(), from the pool. */
static void
replay_end(struct replay *rp, struct input *in, const struct pool_batch *b)
{
	if (b->open_failed)
		replay_input_error(rp, in, b->error);
	else if (b->error != NULL) {
		in->rs.error = xstrdup(b->error);
		rp->status = 1;
	}
	report_source_take(&in->rs, b->src);
	in->rs.truncated = b->truncated;
	in->rs.limit_hits = b->limit_hits;
	if (in->max_ts > rp->max_ts)
		rp->max_ts = in->max_ts;
	if (rp->unclass != NULL)
		unclass_detach(rp->unclass, in->place); /* as lane_free() */
	in->state = INPUT_DONE;
	merge_watermark(rp->merge, in->slot, MERGE_DONE);
}

/*
 * replay_read() with threads: takes the input's next chunk from the pool
 * (one batch, or several where parts of a file meet in it), pushes its
 * matches and moves the watermark.
 */
static void
replay_take(struct replay *rp, struct input *in)
{
	const struct pool_batch *b;
	struct match             m;
	struct pool_line         ln;
	size_t                   off;
	int                      i, last, k;

	if (!in->placed && rp->unclass != NULL)
		in->place = unclass_attach(rp->unclass); /* as replay_lane() */
	in->placed = 1;
	do {
		b = pool_next(rp->pool, in->pidx);
		for (off = 0; (k = pool_batch_next(b, &off, &m, &ln)) != 0;)
			if (k == POOL_MATCH || replay_unclass(rp, in, &ln, &m))
				merge_push(rp->merge, in->slot, &m);
		for (i = 0; i < b->nlimits; i++)
			rp->limit_hits[b->limits[i]]++;
		rp->lines += b->lines;
		rp->read_bytes += b->disk;
		if (b->max_ts > in->max_ts)
			in->max_ts = b->max_ts;
		last = b->chunk_done || b->end;
	} while (!last);
	if (rp->pg.on)
		replay_progress(rp);
	if (b->end) {
		replay_end(rp, in, b);
		return;
	}
	replay_watermark(rp, in, in->max_ts);
}

/* replay_run() with threads. */
static void
replay_run_mt(struct replay *rp)
{
	int s;

	for (;;) {
		replay_drain(rp);
		if ((s = merge_lowest(rp->merge)) < 0)
			break;
		if (rp->in[s].state == INPUT_DONE) /* cannot happen */
			merge_watermark(rp->merge, s, MERGE_DONE);
		else
			replay_take(rp, &rp->in[s]);
	}
	replay_drain(rp);
}

/* Adds a warning to the report, and says it on stderr unless quiet. */
static void replay_say(struct replay *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
replay_say(struct replay *rp, int quiet, const char *fmt, ...)
{
	va_list ap;
	char   *w;

	va_start(ap, fmt);
	if (vasprintf(&w, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	if (!quiet)
		log_warnx("%s", w);
	rp->rep.warnings = xreallocarray(rp->rep.warnings,
	    (size_t)rp->rep.nwarnings + 1, sizeof(*rp->rep.warnings));
	rp->rep.warnings[rp->rep.nwarnings++] = xstrdup(w);
	free(w); /* from vasprintf(3) */
}

/* How the source of a year reference reads in a sentence. */
static const char *
replay_ref_words(enum record_year_src why)
{
	switch (why) {
	case RECORD_YEAR_MTIME: return "its mtime";
	case RECORD_YEAR_GZIP: return "its gzip header";
	case RECORD_YEAR_CLOCK_MTIME:
		return "the clock (its mtime is in the future)";
	case RECORD_YEAR_CLOCK_GZIP:
		return "the clock (its gzip mtime is in the future)";
	default: return "the clock";
	}
}

/*
 * Reads a year-less input as of the year the others write when the year
 * its mtime (gzip header, the clock) gave is none of theirs, and says
 * so. Its probe placed it in the wrong year: it is read first.
 */
static void
replay_align_years(struct replay *rp)
{
	const struct source_scan **scans;
	struct input              *in;
	char                       others[64];
	int                        i, lo = 0, hi = 0;

	if (rp->o->year)
		return;
	scans = xcalloc((size_t)rp->n, sizeof(*scans));
	for (i = 0; i < rp->n; i++)
		if (rp->in[i].state != INPUT_DONE && !rp->in[i].pinned)
			scans[i] = &rp->in[i].scan;
	for (i = 0; i < rp->n; i++) {
		in = &rp->in[i];
		if (scans[i] == NULL ||
		    (in->year_sources = timecheck_sources_year(
			 scans, rp->n, i, &lo, &hi)) == 0)
			continue;
		merge_watermark(rp->merge, in->slot, INT64_MIN);
		if (lo == hi)
			snprintf(others, sizeof(others),
			    "every other source says %d", lo);
		else
			snprintf(others, sizeof(others),
			    "the other sources say %d to %d", lo, hi);
		replay_say(rp, 0,
		    "%s: no year in its lines; %s says %d, %s: read as %d",
		    in->path, replay_ref_words(in->ref_src),
		    in->scan.yearless_tm.year, others, in->year_sources);
	}
	free(scans);
}

/*
 * What the year reference and the last line say of a source's times:
 * an mtime in the future, a last line whole hours off its mtime.
 */
static void
replay_warn_times(struct replay *rp, const struct report_source *s)
{
	char        buf[512], t[64];
	const char *what = s->ref_src == RECORD_YEAR_GZIP ||
		s->ref_src == RECORD_YEAR_CLOCK_GZIP
	    ? "gzip header's mtime"
	    : "mtime";

	if ((s->ref_src == RECORD_YEAR_CLOCK_MTIME ||
		s->ref_src == RECORD_YEAR_CLOCK_GZIP) &&
	    s->from_ref > 0) {
		tstamp_format(t, sizeof(t), s->mtime_s * TSTAMP_NS_PER_S, 0, 0);
		replay_say(rp, 0,
		    "%s: its %s (%s) is more than a day after the clock: not "
		    "trusted; %llu lines without a year or date took theirs "
		    "from the clock",
		    s->name, what, t, (unsigned long long)s->from_ref);
	}
	if ((s->ref_src == RECORD_YEAR_MTIME ||
		s->ref_src == RECORD_YEAR_GZIP) &&
	    s->lines > 0 && s->last_ts_ns != INT64_MIN && !s->last_zoned &&
	    s->last_dated &&
	    timecheck_last_line(buf, sizeof(buf), s->name, s->last_ts_ns,
		s->last_off, s->mtime_s, what) > 0)
		replay_say(rp, 0, "%s", buf);
}

/* What a source's reading lost or guessed, as warnings. */
static void
replay_warn_source(struct replay *rp, const struct report_source *s)
{
	/* A read error was logged where it happened. */
	if (s->error != NULL && s->lines == 0)
		replay_say(rp, 1,
		    "%s could not be read (%s): the timeline lacks its lines",
		    s->name, s->error);
	else if (s->error != NULL)
		replay_say(rp, 1,
		    "%s could not be read whole (%s): the timeline lacks what "
		    "it holds after line %llu",
		    s->name, s->error, (unsigned long long)s->lines);
	if (s->duplicate_of != NULL)
		replay_say(rp, 0, "%s is the same file as %s: it was read once",
		    s->name, s->duplicate_of);
	if (s->invalid > 0)
		replay_say(rp, 0,
		    "%s: %llu lines have a timestamp that cannot be read or is "
		    "impossible (run timelined parse to see them): they are "
		    "not in the timeline",
		    s->name, (unsigned long long)s->invalid);
	if (s->unknown_zone > 0)
		replay_say(rp, 0,
		    "%s: %llu timestamps carry a zone abbreviation that is "
		    "unknown or ambiguous (e.g. IST, CST); read in %s: set "
		    "--source-tz if that is wrong",
		    s->name, (unsigned long long)s->unknown_zone, s->tz);
	if (s->truncated > 0)
		replay_say(rp, 0,
		    "%s: %llu lines longer than --max-line were cut to it",
		    s->name, (unsigned long long)s->truncated);
	replay_warn_times(rp, s);
	if (s->late > 0)
		log_info("%s: %llu matches arrived after the merge window; "
			 "they were still counted",
		    s->name, (unsigned long long)s->late);
}

/* What the skew callbacks read: the replay and its report's sources. */
struct replay_groups {
	struct replay              *rp;
	const struct report_source *srcs;
};

/* skew_zoned_fn: 1 if most timed lines of the group write their zone. */
static int
replay_group_zoned(int group, void *arg)
{
	const struct replay_groups *g = arg;
	uint64_t                    z = 0, u = 0;
	int                         i;

	for (i = 0; i < g->rp->n; i++)
		if ((int)g->rp->in[i].group == group) {
			z += g->srcs[i].zoned;
			u += g->srcs[i].unzoned;
		}
	return z > u;
}

/* skew_name_fn: a group's name, that of its first file. */
static const char *
replay_group_name(int group, void *arg)
{
	const struct replay_groups *g = arg;

	return strtab_get(g->rp->names, (uint32_t)group);
}

/*
 * Sources whose times look shifted by whole or half hours against the
 * others, from the same events seen in both, as warnings.
 */
static void
replay_warn_skew(struct replay *rp, const struct report_source *srcs)
{
	struct replay_groups g = {rp, srcs};
	struct skew_finding  f[8];
	char                 buf[768];
	int                  i, n;

	n = skew_finish(rp->skew, replay_group_zoned, &g, f, 8);
	for (i = 0; i < n; i++)
		if (skew_describe(
			&f[i], replay_group_name, &g, buf, sizeof(buf)) > 0)
			replay_say(rp, 0, "%s", buf);
}

/* Rules that gave up on lines at the PCRE2 limits, for the report. */
static void
replay_limits(struct replay *rp)
{
	struct report_limit *lim;
	int                  i, n = 0;

	lim = xcalloc((size_t)rule_set_count(rp->rules) + 1, sizeof(*lim));
	for (i = 0; i < rule_set_count(rp->rules); i++) {
		lim[n].lines = rp->pool != NULL
		    ? rp->limit_hits[i]
		    : rule_set_counts(rp->rules, i)->limit_hits;
		if (lim[n].lines == 0)
			continue;
		lim[n].rule = rule_set_get(rp->rules, i)->id;
		replay_say(rp, 0,
		    "rule %s gave up on %llu lines at the PCRE2 match limit: "
		    "they may have matched and are not in the timeline; "
		    "simplify its pattern (%s:%d)",
		    lim[n].rule, (unsigned long long)lim[n].lines,
		    rule_set_get(rp->rules, i)->file,
		    rule_set_get(rp->rules, i)->line);
		n++;
	}
	rp->rep.limits = lim;
	rp->rep.nlimits = n;
}

/* What the bounds and --since/--until left out, as warnings. */
static void
replay_warn_bounds(struct replay *rp)
{
	const struct conf *o = rp->o;
	char               t[64];

	rp->rep.incidents_dropped = incident_engine_dropped(rp->engine);
	rp->rep.forced = merge_forced(rp->merge);
	if (rp->rep.incidents_dropped > 0)
		replay_say(rp, 0,
		    "%llu incidents were not kept: more than "
		    "--max-incidents",
		    (unsigned long long)rp->rep.incidents_dropped);
	if (rp->rep.entries_dropped > 0)
		replay_say(rp, 0,
		    "%llu matches were left out of timelines at the per-"
		    "incident or memory bound (--max-entries, --max-memory); "
		    "each incident's notes say how many",
		    (unsigned long long)rp->rep.entries_dropped);
	if (rp->rep.forced > 0)
		replay_say(rp, 0,
		    "%llu matches were merged before their time was final: "
		    "more were pending than the merge holds; order may be off",
		    (unsigned long long)rp->rep.forced);
	if (rp->rep.nincidents > 0 && rp->cut_before != INT64_MIN &&
	    rp->first_start - rp->cut_before <= o->inc.quiet_ns) {
		tstamp_format(t, sizeof(t), rp->cut_before, 0, 0);
		replay_say(rp, 0,
		    "incident %s may have begun before --since: a failure at "
		    "%s was left out",
		    rp->first_id, t);
	}
	if (rp->rep.nincidents > 0 && rp->cut_after != INT64_MAX &&
	    (rp->last_open ||
		rp->cut_after - rp->last_failure <= o->inc.quiet_ns)) {
		tstamp_format(t, sizeof(t), rp->cut_after, 0, 0);
		replay_say(rp, 0,
		    "incident %s may have gone on after --until: a failure at "
		    "%s was left out",
		    rp->last_id, t);
	}
}

/* What the unclassified signal did, for the report; what it could not
 * mine, as warnings. */
static void
replay_warn_unclass(struct replay *rp)
{
	struct unclass_stats st;

	if (rp->unclass == NULL)
		return;
	unclass_stats(rp->unclass, &st);
	rp->rep.unclass.on = 1;
	rp->rep.unclass.lines = st.lines;
	rp->rep.unclass.surfaced = st.surfaced;
	rp->rep.unclass.unmined = st.unplaced + st.miner.dropped;
	if (st.unplaced > 0)
		replay_say(rp, 0,
		    "%llu lines no rule matched were not mined for "
		    "unclassified patterns: more files were being read at "
		    "once than the template miner has places for (%d)",
		    (unsigned long long)st.unplaced, st.places);
	if (st.miner.dropped > 0)
		replay_say(rp, 0,
		    "%llu lines no rule matched were not mined for "
		    "unclassified patterns: the template miner was full",
		    (unsigned long long)st.miner.dropped);
}

/* Copies the body (the incidents) to out; 0, or -1 on an error. */
static int
replay_copy(FILE *body, FILE *out)
{
	char   buf[65536];
	size_t n;

	if (fflush(body) == EOF || fseek(body, 0, SEEK_SET) == -1)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), body)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return -1;
	return ferror(body) ? -1 : 0;
}

/*
 * Finishes the report: the incidents still held go to the body, then the
 * head (now that the totals are known), the body and the tail to stdout.
 */
static int
replay_output(struct replay *rp)
{
	struct report_source *srcs;
	int                   i, rc = 0;

	incident_engine_sync(rp->engine);
	for (i = 0; i < incident_engine_count(rp->engine); i++)
		replay_write(rp, incident_engine_get(rp->engine, i));
	srcs = xcalloc((size_t)rp->n, sizeof(*srcs));
	for (i = 0; i < rp->n; i++) {
		srcs[i] = rp->in[i].rs;
		srcs[i].late = merge_late(rp->merge, rp->in[i].slot);
		if (srcs[i].format == NULL)
			srcs[i].format = "unknown";
		replay_warn_source(rp, &srcs[i]);
	}
	replay_warn_skew(rp, srcs);
	replay_limits(rp);
	replay_warn_bounds(rp);
	replay_warn_unclass(rp);
	rp->rep.sources = srcs;
	rp->rep.nsources = rp->n;
	if (rp->out->head(stdout, &rp->rep) == -1 ||
	    replay_copy(rp->body, stdout) == -1 ||
	    rp->out->tail(stdout, &rp->rep) == -1 || fflush(stdout) == EOF)
		rc = -1;
	free(srcs);
	return rc;
}

/* A temporary file for the body, or a memory stream when there is none. */
static FILE *
replay_body(void)
{
	static char  *mem;
	static size_t memlen;
	FILE         *fp;

	if ((fp = tmpfile()) != NULL)
		return fp;
	log_warn("tmpfile; keeping the report in memory");
	if ((fp = open_memstream(&mem, &memlen)) == NULL)
		fatal("open_memstream");
	return fp;
}

/* Frees what a replay holds. */
static void
replay_free(struct replay *rp)
{
	int i;

	for (i = 0; i < rp->n; i++) {
		lane_free(rp->in[i].lane);
		in_file_close(rp->in[i].f);
		free(rp->in[i].rs.error);
	}
	free(rp->in);
	free(rp->buf);
	merge_free(rp->merge);
	incident_engine_free(rp->engine);
	skew_free(rp->skew);
	if (rp->body != NULL)
		fclose(rp->body);
	strtab_free(rp->names);
	strtab_free(rp->files);
	free(rp->file_input);
	for (i = 0; i < rp->rep.nwarnings; i++)
		free(rp->rep.warnings[i]);
	free(rp->rep.warnings);
	free((void *)rp->rep.limits);
	pool_free(rp->pool);
	free(rp->limit_hits);
	rule_set_free(rp->rules);
	unclass_free(rp->unclass); /* after the lanes: they had places */
}

/*
 * How many threads read inputs: --threads, else one per online CPU, at
 * most PIPELINE_THREADS_MAX; 1 is the main thread alone.
 */
static int
replay_threads(const struct conf *o)
{
	long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > PIPELINE_THREADS_MAX ? PIPELINE_THREADS_MAX : (int)n;
}

/* timelined replay: reads every file, prints the timeline. */
int
pipeline_replay(const struct conf *o, char *const *files, int n)
{
	struct template_conf tc;
	struct replay        rp;
	int                  i;

	memset(&rp, 0, sizeof(rp));
	rp.o = o;
	rp.rules = rule_set_new();
	if (pipeline_load_rules(o, rp.rules) != 0) {
		rule_set_free(rp.rules);
		return 2;
	}
	rp.n = n;
	rp.in = xcalloc((size_t)n, sizeof(*rp.in));
	for (i = 0; i < n; i++)
		rp.in[i].path = files[i];
	rp.names = strtab_new();
	rp.merge = merge_new(PIPELINE_MERGE_MAX);
	rp.engine = incident_engine_new(&o->inc);
	rp.skew = skew_new();
	rp.buf = xmalloc(PIPELINE_CHUNK);
	rp.max_open = replay_max_open();
	rp.max_ts = INT64_MIN;
	rp.cut_before = INT64_MIN;
	rp.cut_after = INT64_MAX;
	rp.files = strtab_new();
	rp.file_input = xcalloc((size_t)n + 1, sizeof(*rp.file_input));
	if (o->unclassified) {
		template_conf_default(&tc);
		rp.unclass = unclass_new(&tc);
	}
	rp.out = output_find(o->format);
	rp.rep.names = rp.names;
	rp.rep.generated_ns = o->now_ns;
	rp.rep.display_tz = tz_get(o->display_tz ? o->display_tz : "UTC");
	rp.body = replay_body();
	replay_name(&rp);
	if ((i = replay_threads(o)) > 1) {
		rp.pool = pool_new(o, rp.rules, i, rp.max_open);
		rp.limit_hits = xcalloc((size_t)rule_set_count(rp.rules) + 1,
		    sizeof(*rp.limit_hits));
		replay_setup_mt(&rp);
		replay_run_mt(&rp);
	} else {
		replay_setup(&rp);
		replay_align_years(&rp);
		replay_run(&rp);
	}
	progress_done(&rp.pg);
	incident_engine_advance(rp.engine, rp.max_ts);
	replay_take_closed(&rp);
	incident_engine_finish(rp.engine);
	if (replay_output(&rp) == -1 && rp.status == 0)
		rp.status = 1;
	replay_free(&rp);
	return rp.status;
}

/*
 * timelined check: compiles every rule and runs its examples; the count
 * says every error, in loading and in examples. 2 if there was any.
 */
int
pipeline_check(const struct conf *o)
{
	struct rule_set *rs = rule_set_new();
	int              errors;

	errors = pipeline_load_rules(o, rs);
	errors += rule_check_set(rs, 1);
	printf("%d rules checked, %d errors\n", rule_set_count(rs), errors);
	rule_set_free(rs);
	return errors > 0 ? 2 : 0;
}
