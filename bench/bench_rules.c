/*
 * bench_rules: times the per-line work of replay without input, merge or
 * output: a lane (framing, source_line()) without rules, then with the
 * rule set and the literal prefilter on (and with -o off: every regex on
 * every line, slow). Files are read into memory first, so the disk is
 * not measured; times are the process's CPU time, which a loaded machine
 * disturbs less than the wall clock. Prints one "key=value" line per
 * pass for bench/run --stages. Built by `make bench`; not in make check.
 *
 * usage: bench_rules [-o] [-r RULES] [-n MAXLINES] [-t ZONE] [-y YEAR]
 *        FILE...
 */
#include <sys/resource.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lane.h"
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
	uint64_t         lines;
	uint64_t         bytes;
	uint64_t         hits;
};

/* Seconds of CPU time this process has used. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

/* The lane's callback: counts lines, bytes and hits. */
static void
bench_line_cb(struct lane *l, const struct lane_out *lo, void *arg)
{
	struct bench_pass *bp = arg;

	(void)l;
	bp->lines++;
	bp->bytes += lo->rec->len + 1;
	bp->hits += lo->hit != NULL;
}

/* The bytes of f that hold its first max_lines lines (0: all). */
static size_t
bench_prefix(const struct bench_file *f, uint64_t max_lines, uint64_t *seen)
{
	const char *p = f->buf, *end = f->buf + f->len, *nl;

	if (max_lines == 0)
		return f->len;
	while (p < end && *seen < max_lines &&
	    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = nl + 1;
		(*seen)++;
	}
	return (size_t)(p - f->buf);
}

/* Runs one pass over all files; returns the seconds it took. */
static double
bench_pass_run(struct bench_pass *bp, const struct bench_file *files, int n)
{
	struct lane *l;
	uint64_t     seen = 0;
	double       t0;
	int          i;

	t0 = bench_now();
	for (i = 0; i < n; i++) {
		l = lane_new(files[i].path, (uint32_t)i, 0);
		lane_set_rules(l, bp->rules);
		lane_set_cb(l, bench_line_cb, bp);
		source_set_zone(lane_source(l), bp->zone, RECORD_ZONE_SOURCE);
		source_set_year(
		    lane_source(l), bp->year, 0, RECORD_YEAR_OPTION);
		lane_feed(l, files[i].buf,
		    bench_prefix(&files[i], bp->max_lines, &seen));
		lane_flush(l);
		lane_free(l);
	}
	return bench_now() - t0;
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
	printf("pass=%s lines=%" PRIu64 " bytes=%" PRIu64 " cpu_secs=%.3f "
	       "ns_per_byte=%.2f mb_per_s=%.1f hits=%" PRIu64,
	    name, bp->lines, bp->bytes, secs, secs * 1e9 / (double)bp->bytes,
	    (double)bp->bytes / 1e6 / secs, bp->hits);
	if (bp->rules != NULL) {
		st = rule_set_stats(bp->rules);
		printf(" regex_calls=%" PRIu64 " regex_per_line=%.3f "
		       "limit_hits=%" PRIu64,
		    st->candidates - calls0,
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
	    "usage: bench_rules [-o] [-r RULES] [-n MAXLINES] "
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
	int                ch, i, n, year = 2024, off = 0;
	uint64_t           max_lines = 0;

	log_init(0, -1);
	while ((ch = getopt(argc, argv, "n:or:t:y:")) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			max_lines = strtoull(optarg, &end, 10);
			if (errno || *end != '\0')
				bench_usage();
			break;
		case 'o': off = 1; break;
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
	/* A first pass warms what is filled lazily (zones, caches). */
	bench_pass_run(&bp, files, n);
	bench_report("parse", &bp, files, n);
	bp.rules = bench_rules_load(rules);
	printf("rules=%d\n", rule_set_count(bp.rules));
	rule_set_prefilter(bp.rules, 1);
	bench_report("prefilter_on", &bp, files, n);
	if (off) {
		rule_set_prefilter(bp.rules, 0);
		bench_report("prefilter_off", &bp, files, n);
	}

	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_kb=%ld\n", ru.ru_maxrss);
	rule_set_free(bp.rules);
	for (i = 0; i < n; i++)
		free(files[i].buf);
	free(files);
	tz_cache_free();
	return 0;
}
