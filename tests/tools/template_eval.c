/*
 * template_eval: runs log files through replay's per-line path
 * (source_line(), then rule_set_match() with the built-in pack), merges
 * the lines no rule matched in event-time order (a file's own order kept)
 * and offers them to the template miner, each file at a source of its
 * own, as replay and the daemon do. Prints one JSON object per
 * surfaced episode, one per file and the miner's counters, for
 * tests/tools/template_eval.py. Built by `make template-eval`.
 *
 * usage: template_eval [replay's --year/--tz/--source-tz] [-N] [-R] [-L]
 *            [miner settings, see --help] FILE...
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "in_file.h"
#include "linebuf.h"
#include "log.h"
#include "pipeline.h"
#include "record.h"
#include "rule.h"
#include "rule_file.h"
#include "source.h"
#include "template.h"
#include "tz.h"
#include "xmalloc.h"

#define EVAL_CHUNK (256 * 1024)

/* A line no rule matched, kept for the merge. */
struct eval_line {
	int64_t  ts_ns;
	uint64_t lineno;
	int      severity;
	size_t   off, len; /* of the message in the file's arena */
};

/* One input file and its unmatched lines. */
struct eval_file {
	struct source     src;
	struct eval_line *l;
	size_t            n, cap, next;
	char             *arena;
	size_t            alen, acap;
	uint64_t          matched, no_ts, skipped_cont;
	int64_t           first_ns, last_ns; /* of the lines kept */
	struct eval_run  *run;
};

/* An episode: consecutive surfaced lines of one template. */
struct eval_episode {
	uint32_t          id;
	enum template_why why;
	int               file, file_last, severity;
	int64_t           first_ns, last_ns, strong_ns;
	uint64_t          count, line_first, line_last;
	char             *text;
};

/* Everything one run holds. */
struct eval_run {
	struct conf           *o;
	struct rule_set       *rules; /* NULL: -R, every line is mined */
	struct template_conf   tc;
	struct template_miner *m;
	int                    continuations; /* 0 with -N */
	int                    per_line;      /* -L */
	int                    no_rules;      /* -R */
	struct eval_file      *f;
	int                    nf;
	struct eval_episode   *ep;
	int                    nep, capep;
	int                   *ep_of; /* by template id, -1: none */
	uint32_t               cap_of;
	double                 mine_s; /* CPU time of the mining loop */
};

/* Keeps an unmatched line of fd: its time, severity and message. */
static void
eval_keep(struct eval_file *fd, const struct record *r)
{
	struct eval_line *l;
	size_t            len = r->msg_len;

	if (len > TEMPLATE_LINE_MAX)
		len = TEMPLATE_LINE_MAX;
	if (fd->n == fd->cap) {
		fd->cap = fd->cap ? fd->cap * 2 : 1024;
		fd->l = xreallocarray(fd->l, fd->cap, sizeof(*fd->l));
	}
	while (fd->alen + len > fd->acap) {
		fd->acap = fd->acap ? fd->acap * 2 : 65536;
		fd->arena = xreallocarray(fd->arena, fd->acap, 1);
	}
	memcpy(fd->arena + fd->alen, r->msg, len);
	if (fd->n == 0 || r->ts_ns < fd->first_ns)
		fd->first_ns = r->ts_ns;
	if (fd->n == 0 || r->ts_ns > fd->last_ns)
		fd->last_ns = r->ts_ns;
	l = &fd->l[fd->n++];
	l->ts_ns = r->ts_ns;
	l->lineno = fd->src.lineno;
	l->severity = r->severity;
	l->off = fd->alen;
	l->len = len;
	fd->alen += len;
}

/* The per-line work of replay, then keeps the line if no rule took it. */
static void
eval_line_cb(const char *line, size_t len, uint64_t end, void *arg)
{
	struct eval_file *fd = arg;
	struct record    *r;
	struct rule_hit   h;

	(void)end;
	r = source_line(&fd->src, line, len);
	if (fd->run->rules != NULL &&
	    rule_set_match(fd->run->rules, r, &h) == 1) {
		fd->matched++;
		return;
	}
	if (!r->has_ts) {
		fd->no_ts++;
		return;
	}
	if (fd->src.continuation && !fd->run->continuations) {
		fd->skipped_cont++;
		return;
	}
	if (r->msg != NULL && r->msg_len > 0)
		eval_keep(fd, r);
}

/* Reads file i whole through the per-line path; -1 if it cannot be read. */
static int
eval_read(struct eval_run *run, int i, const char *path, char *buf)
{
	struct eval_file *fd = &run->f[i];
	struct in_file   *in;
	struct linebuf    lb;
	ssize_t           n;
	int               gz = 0;
	char              err[128];

	fd->run = run;
	source_init(&fd->src, path, path, i);
	if ((in = in_file_open(path, err, sizeof(err))) == NULL)
		return -1;
	if (pipeline_source_setup(run->o, &fd->src, 0, in_file_mtime(in)) == -1)
		fatalx("%s: unknown time zone", path);
	linebuf_init(&lb, run->o->max_line);
	while ((n = in_file_read(in, buf, EVAL_CHUNK)) > 0) {
		if (!gz && in_file_gzip_mtime(in) > 0 && !run->o->year)
			source_set_year(&fd->src, 0, in_file_gzip_mtime(in),
			    RECORD_YEAR_GZIP);
		gz = 1;
		linebuf_feed(&lb, buf, (size_t)n, eval_line_cb, fd);
	}
	linebuf_flush(&lb, eval_line_cb, fd);
	linebuf_free(&lb);
	in_file_close(in);
	return n == -1 ? -1 : 0;
}

/* The file whose next line is earliest (a file's order is kept), or -1. */
static int
eval_next(const struct eval_run *run)
{
	int64_t best = INT64_MAX;
	int     i, bi = -1;

	for (i = 0; i < run->nf; i++) {
		const struct eval_file *fd = &run->f[i];

		if (fd->next < fd->n && fd->l[fd->next].ts_ns < best) {
			best = fd->l[fd->next].ts_ns;
			bi = i;
		}
	}
	return bi;
}

/* Starts an episode for the answer a of a line of file i. */
static void
eval_episode_start(struct eval_run *run, int i, const struct eval_line *l,
    const struct template_answer *a)
{
	struct eval_episode *e;

	if (run->nep == run->capep) {
		run->capep = run->capep ? run->capep * 2 : 64;
		run->ep = xreallocarray(
		    run->ep, (size_t)run->capep, sizeof(*run->ep));
	}
	while (a->id >= run->cap_of) {
		run->ep_of = xreallocarray(
		    run->ep_of, run->cap_of * 2 + 64, sizeof(int));
		memset(run->ep_of + run->cap_of, 0xff,
		    (run->cap_of + 64) * sizeof(int));
		run->cap_of = run->cap_of * 2 + 64;
	}
	run->ep_of[a->id] = run->nep;
	e = &run->ep[run->nep++];
	memset(e, 0, sizeof(*e));
	e->id = a->id;
	e->why = a->why;
	e->file = i;
	e->severity = l->severity;
	e->first_ns = l->ts_ns;
	e->line_first = l->lineno;
	e->strong_ns = -1;
}

/* Counts a surfaced line into its template's episode. */
static void
eval_surfaced(struct eval_run *run, int i, const struct eval_line *l,
    const struct template_answer *a)
{
	struct eval_episode *e;

	if (a->start)
		eval_episode_start(run, i, l, a);
	e = &run->ep[run->ep_of[a->id]];
	e->file_last = i;
	e->last_ns = l->ts_ns;
	e->line_last = l->lineno;
	e->count = a->episode;
	if (a->strong && e->strong_ns == -1)
		e->strong_ns = l->ts_ns;
	free(e->text);
	e->text = xstrndup(a->text, a->text_len);
}

/* CPU seconds of the process (the driver's clock, never the miner's). */
static double
eval_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Offers every kept line to the miner in event-time order. */
static void
eval_mine(struct eval_run *run)
{
	struct template_answer a;
	struct eval_file      *fd;
	struct eval_line      *l;
	double                 t0 = eval_now();
	int                    i;

	while ((i = eval_next(run)) != -1) {
		fd = &run->f[i];
		l = &fd->l[fd->next++];
		if (template_miner_line(run->m, i, fd->arena + l->off, l->len,
			l->severity, l->ts_ns, l->lineno, &a) == 1)
			eval_surfaced(run, i, l, &a);
		if (run->per_line)
			printf("%s\t%" PRIu64 "\t%u\t%.*s\n", fd->src.name,
			    l->lineno, a.id, (int)a.text_len,
			    a.text ? a.text : "");
	}
	run->mine_s = eval_now() - t0;
}

/* Prints one JSON object and a newline; consumes o. */
static void
eval_print(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* Prints every episode, then every file, then the miner's counters. */
static void
eval_report(const struct eval_run *run)
{
	struct template_stats st;
	int                   i;

	for (i = 0; i < run->nep; i++) {
		const struct eval_episode *e = &run->ep[i];

		eval_print(json_pack("{s:s,s:I,s:s,s:s,s:I,s:I,s:o,s:I,s:I,"
				     "s:I,s:i,s:s}",
		    "why", template_why_name(e->why), "id", (json_int_t)e->id,
		    "file", run->f[e->file].src.name, "file_last",
		    run->f[e->file_last].src.name, "first_ns",
		    (json_int_t)e->first_ns, "last_ns", (json_int_t)e->last_ns,
		    "strong_ns",
		    e->strong_ns == -1 ? json_null()
				       : json_integer(e->strong_ns),
		    "count", (json_int_t)e->count, "line_first",
		    (json_int_t)e->line_first, "line_last",
		    (json_int_t)e->line_last, "severity", e->severity,
		    "template", e->text));
	}
	for (i = 0; i < run->nf; i++) {
		const struct eval_file *fd = &run->f[i];

		eval_print(json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		    "file", fd->src.name, "lines", (json_int_t)fd->src.lines,
		    "matched", (json_int_t)fd->matched, "no_ts",
		    (json_int_t)fd->no_ts, "skipped_continuations",
		    (json_int_t)fd->skipped_cont, "mined", (json_int_t)fd->n,
		    "first_ns", (json_int_t)fd->first_ns, "last_ns",
		    (json_int_t)fd->last_ns));
	}
	template_miner_stats(run->m, &st);
	eval_print(
	    json_pack("{s:{s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:I,s:I,s:I,s:f}}",
		"stats", "lines", (json_int_t)st.lines, "ignored",
		(json_int_t)st.ignored, "dropped", (json_int_t)st.dropped,
		"created", (json_int_t)st.created, "evicted",
		(json_int_t)st.evicted, "surfaced", (json_int_t)st.surfaced,
		"templates", st.templates, "template_bytes",
		(json_int_t)st.template_bytes, "bytes", (json_int_t)st.bytes,
		"max_bytes", (json_int_t)st.max_bytes, "mine_s", run->mine_s));
}

/* Prints how to run it and exits 2. */
static void __attribute__((noreturn)) eval_usage(void)
{
	fprintf(stderr,
	    "usage: template_eval [--year Y] [--tz ZONE] [--source-tz G=Z]\n"
	    "    [-N] skip continuation lines  [-R] no rules: mine all\n"
	    "    [-L] print each mined line's template id\n"
	    "    [--sim X] [--depth N] [--warm-lines N] [--warm-min M]\n"
	    "    [--short-min M] [--long-h H] [--spike-factor F]\n"
	    "    [--spike-min N] [--hold-min M] [--strong N] [--info]\n"
	    "    [--max-templates N] [--max-per-source N] [--novel-max X]\n"
	    "    [--dense-min N]\n"
	    "    FILE...\n");
	exit(2);
}

/* Applies one miner setting given as a long option (index k). */
static void
eval_setting(struct template_conf *c, int k, const char *v)
{
	const int64_t min = INT64_C(60) * 1000000000;
	double        d = strtod(v, NULL);

	switch (k) {
	case 0: c->sim = d; break;
	case 1: c->depth = (int)d; break;
	case 2: c->warm_lines = (uint64_t)d; break;
	case 3: c->warm_ns = (int64_t)(d * (double)min); break;
	case 4: c->short_ns = (int64_t)(d * (double)min); break;
	case 5: c->long_ns = (int64_t)(d * 60 * (double)min); break;
	case 6: c->spike_factor = d; break;
	case 7: c->spike_min = (int)d; break;
	case 8: c->hold_ns = (int64_t)(d * (double)min); break;
	case 9: c->strong_min = (int)d; break;
	case 10: c->max_templates = (int)d; break;
	case 11: c->max_per_source = (int)d; break;
	case 12: c->novel_max = d; break;
	case 13: c->dense_min = d; break;
	default: eval_usage();
	}
}

/* Parses the command line into run; returns the index of the first file. */
static int
eval_args(struct eval_run *run, int argc, char *argv[])
{
	static const struct option opts[] = {{"sim", 1, NULL, 0},
	    {"depth", 1, NULL, 0}, {"warm-lines", 1, NULL, 0},
	    {"warm-min", 1, NULL, 0}, {"short-min", 1, NULL, 0},
	    {"long-h", 1, NULL, 0}, {"spike-factor", 1, NULL, 0},
	    {"spike-min", 1, NULL, 0}, {"hold-min", 1, NULL, 0},
	    {"strong", 1, NULL, 0}, {"max-templates", 1, NULL, 0},
	    {"max-per-source", 1, NULL, 0}, {"novel-max", 1, NULL, 0},
	    {"dense-min", 1, NULL, 0}, {"year", 1, NULL, 'y'},
	    {"tz", 1, NULL, 't'}, {"source-tz", 1, NULL, 's'},
	    {"info", 0, NULL, 'i'}, {NULL, 0, NULL, 0}};
	int                        ch, k;

	while ((ch = getopt_long(argc, argv, "LNR", opts, &k)) != -1) {
		switch (ch) {
		case 0: eval_setting(&run->tc, k, optarg); break;
		case 'y':
			if (conf_option(run->o, CONF_OPT_YEAR, optarg) == -1)
				eval_usage();
			break;
		case 't':
			if (conf_flag(run->o, "--tz", optarg) == -1)
				eval_usage();
			break;
		case 's':
			if (conf_option(run->o, CONF_OPT_SOURCE_TZ, optarg) ==
			    -1)
				eval_usage();
			break;
		case 'i': run->tc.info_quiet = 0; break;
		case 'N': run->continuations = 0; break;
		case 'L': run->per_line = 1; break;
		case 'R': run->no_rules = 1; break;
		default: eval_usage();
		}
	}
	if (optind == argc)
		eval_usage();
	return optind;
}

/* Reads every file, mines the unmatched lines, prints the report. */
int
main(int argc, char *argv[])
{
	struct eval_run run;
	char           *buf, *dir;
	int             i, first, status = 0;

	log_init(0, -1);
	memset(&run, 0, sizeof(run));
	run.o = conf_new();
	template_conf_default(&run.tc);
	run.continuations = 1;
	first = eval_args(&run, argc, argv);
	if (!run.no_rules) {
		run.rules = rule_set_new();
		dir = rule_file_builtin_dir(
		    NULL, getenv("TIMELINED_RULES_DIR"));
		if (rule_file_load_builtin(run.rules, dir) != 0)
			fatalx("built-in rule pack %s: not loaded", dir);
		free(dir);
	}
	run.nf = argc - first;
	run.f = xcalloc((size_t)run.nf, sizeof(*run.f));
	buf = xmalloc(EVAL_CHUNK);
	for (i = 0; i < run.nf; i++)
		if (eval_read(&run, i, argv[first + i], buf) == -1) {
			log_warnx("%s: cannot be read", argv[first + i]);
			status = 1;
		}
	free(buf);
	run.m = template_miner_new(&run.tc);
	eval_mine(&run);
	if (!run.per_line)
		eval_report(&run);
	for (i = 0; i < run.nep; i++)
		free(run.ep[i].text);
	for (i = 0; i < run.nf; i++) {
		free(run.f[i].l);
		free(run.f[i].arena);
		source_free(&run.f[i].src);
	}
	free(run.ep);
	free(run.ep_of);
	free(run.f);
	template_miner_free(run.m);
	rule_set_free(run.rules);
	conf_free(run.o);
	tz_cache_free();
	return status;
}
