/*
 * bench_rules: times the per-line work of replay without input, merge or
 * output: source_line() alone, then source_line() + rule_set_match() with
 * the literal prefilter on and off. Files are read into memory first, so
 * the disk is not measured. Prints one "key=value" line per pass for
 * bench/run. Built by `make bench`; not part of `make check`.
 *
 * usage: bench_rules [-r RULES] [-n MAXLINES] [-t ZONE] [-y YEAR] FILE...
 */
#include <sys/resource.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "linebuf.h"
#include "log.h"
#include "record.h"
#include "rule.h"
#include "rule_file.h"
#include "source.h"
#include "tz.h"
#include "xmalloc.h"

/* One input file, held in memory. */
struct bench_file {
	const char *path;
	char       *buf;
	size_t      len;
};

/* One timed pass over every file. */
struct bench_pass {
	struct rule_set *rules; /* NULL: parse only */
	const struct tz *zone;
	int              year;
	uint64_t         max_lines; /* 0: all */
	struct source    src;
	uint64_t         lines;
	uint64_t         bytes;
	uint64_t         hits;
};

/* Seconds on the monotonic clock. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads path whole into f; exits on failure (a benchmark, not a daemon). */
static void
bench_read(struct bench_file *f, const char *path)
{
	FILE  *fp;
	size_t cap = 1 << 20, n;

	if ((fp = fopen(path, "rb")) == NULL)
		fatal("%s", path);
	f->path = path;
	f->len = 0;
	f->buf = xmalloc(cap);
	while ((n = fread(f->buf + f->len, 1, cap - f->len, fp)) > 0) {
		f->len += n;
		if (f->len == cap) {
			f->buf = xreallocarray(f->buf, 2, cap);
			cap *= 2;
		}
	}
	if (ferror(fp))
		fatal("%s", path);
	fclose(fp);
}

/* The per-line work: as pipeline.c's feed_line_cb, without the output. */
static void
bench_line_cb(const char *line, size_t len, void *arg)
{
	struct bench_pass *bp = arg;
	struct record     *r;
	struct rule_hit    h;

	if (bp->max_lines && bp->lines >= bp->max_lines)
		return;
	bp->lines++;
	bp->bytes += len + 1;
	r = source_line(&bp->src, line, len);
	if (bp->rules != NULL && rule_set_match(bp->rules, r, &h) == 1)
		bp->hits++;
}

/* Runs one pass over all files; returns the seconds it took. */
static double
bench_pass_run(struct bench_pass *bp, const struct bench_file *files, int n)
{
	struct linebuf lb;
	double         t0;
	int            i;

	linebuf_init(&lb, 0);
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		source_init(&bp->src, files[i].path, files[i].path, i);
		source_set_zone(&bp->src, bp->zone, RECORD_ZONE_SOURCE);
		source_set_year(&bp->src, bp->year, 0, RECORD_YEAR_OPTION);
		linebuf_feed(
		    &lb, files[i].buf, files[i].len, bench_line_cb, bp);
		linebuf_flush(&lb, bench_line_cb, bp);
		source_free(&bp->src);
	}
	t0 = bench_now() - t0;
	linebuf_free(&lb);
	return t0;
}

/* Runs a pass and prints its line: name, counts, rates, regex calls. */
static void
bench_report(const char *name, struct bench_pass *bp,
    const struct bench_file *files, int n)
{
	const struct rule_stats *st;
	uint64_t                 calls0 = 0, lines0 = 0;
	double                   secs;

	if (bp->rules != NULL) {
		st = rule_set_stats(bp->rules);
		calls0 = st->candidates;
		lines0 = st->lines;
	}
	bp->lines = bp->bytes = bp->hits = 0;
	secs = bench_pass_run(bp, files, n);
	printf("pass=%s lines=%" PRIu64 " bytes=%" PRIu64 " secs=%.3f "
	       "lines_per_s=%.0f mb_per_s=%.1f hits=%" PRIu64,
	    name, bp->lines, bp->bytes, secs, (double)bp->lines / secs,
	    (double)bp->bytes / 1e6 / secs, bp->hits);
	if (bp->rules != NULL) {
		st = rule_set_stats(bp->rules);
		printf(" regex_per_line=%.3f limit_hits=%" PRIu64,
		    (double)(st->candidates - calls0) /
			(double)(st->lines - lines0),
		    st->limit_hits);
	}
	printf("\n");
	fflush(stdout);
}

/* Prints how to run it and exits 2. */
static void __attribute__((noreturn)) bench_usage(void)
{
	fprintf(stderr,
	    "usage: bench_rules [-r RULES] [-n MAXLINES] "
	    "[-t ZONE] [-y YEAR] FILE...\n");
	exit(2);
}

/* Loads the pack at path (a file or directory) or the built-in one. */
static struct rule_set *
bench_rules_load(const char *path)
{
	struct rule_set *set = rule_set_new();
	char            *dir;
	int              rc;

	if (path != NULL)
		rc = rule_file_load(set, path);
	else {
		dir = rule_file_builtin_dir(
		    NULL, getenv("TIMELINED_RULES_DIR"));
		rc = rule_file_load_builtin(set, dir);
		free(dir);
	}
	if (rc != 0 || rule_set_count(set) == 0)
		fatalx("%s: no rules loaded", path ? path : "built-in pack");
	return set;
}

/* Reads the files, then times the three passes over them. */
int
main(int argc, char *argv[])
{
	struct bench_file *files;
	struct bench_pass  bp;
	struct rusage      ru;
	const char        *rules = NULL, *zone = "UTC";
	char              *end;
	int                ch, i, n, year = 2024;
	uint64_t           max_lines = 0;

	log_init(0, -1);
	while ((ch = getopt(argc, argv, "n:r:t:y:")) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			max_lines = strtoull(optarg, &end, 10);
			if (errno || *end != '\0')
				bench_usage();
			break;
		case 'r': rules = optarg; break;
		case 't': zone = optarg; break;
		case 'y': year = (int)strtol(optarg, NULL, 10); break;
		default: bench_usage();
		}
	}
	if ((n = argc - optind) == 0)
		bench_usage();
	files = xcalloc((size_t)n, sizeof(*files));
	for (i = 0; i < n; i++)
		bench_read(&files[i], argv[optind + i]);

	memset(&bp, 0, sizeof(bp));
	bp.year = year;
	bp.max_lines = max_lines;
	if ((bp.zone = tz_get(zone)) == NULL)
		fatalx("%s: unknown time zone", zone);
	bench_report("parse", &bp, files, n);
	bp.rules = bench_rules_load(rules);
	printf("rules=%d\n", rule_set_count(bp.rules));
	rule_set_prefilter(bp.rules, 1);
	bench_report("prefilter_on", &bp, files, n);
	rule_set_prefilter(bp.rules, 0);
	bench_report("prefilter_off", &bp, files, n);

	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_kb=%ld\n", ru.ru_maxrss);
	rule_set_free(bp.rules);
	for (i = 0; i < n; i++)
		free(files[i].buf);
	free(files);
	tz_cache_free();
	return 0;
}
