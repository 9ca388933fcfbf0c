/*
 * main: flags and subcommands. Parses the command line into pipeline
 * options and calls one function per subcommand; no work happens here.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "pipeline.h"
#include "report.h"
#include "tstamp.h"
#include "tz.h"

#define TIMELINED_VERSION "0.1.0"

static const char usage_text[] =
    "NAME\n"
    "     timelined - reconstruct incident timelines from logs\n"
    "\n"
    "SYNOPSIS\n"
    "     timelined replay [options] FILE...\n"
    "     timelined match [options] [--all] FILE...\n"
    "     timelined parse [--tz ZONE] [--source-tz GLOB=ZONE] [--year Y] FILE...\n"
    "     timelined check [-c CONFIG] [--rules PATH]\n"
    "     timelined run [-c CONFIG]\n"
    "\n"
    "DESCRIPTION\n"
    "     timelined reads logs in many formats (syslog, JSON lines, logfmt,\n"
    "     access logs, PostgreSQL, MySQL, Java, Python, Go, Kubernetes ...),\n"
    "     reads each line's timestamp in its own zone, classifies lines with\n"
    "     PCRE2 rules (database errors, pool exhaustion, OOM, deploys,\n"
    "     rollbacks, alerts, recoveries ...) and groups them into incidents\n"
    "     with a timeline: what happened when, in UTC, with the evidence.\n"
    "\n"
    "     replay  reads whole files (plain or gzip, - for standard input),\n"
    "             merges them in UTC order and prints the incidents.\n"
    "     match   prints one JSON object per line a rule classified (with\n"
    "             --all, every line), naming the rule and its file.\n"
    "     parse   prints one JSON object per line: format, ts (UTC), local\n"
    "             time, where its zone and year came from, the message.\n"
    "     check   compiles every rule and runs its examples; prints errors\n"
    "             as FILE:LINE: rule ID: message and exits 2 on any.\n"
    "     run     the daemon (tails sources, serves the HTTP API).\n"
    "\n"
    "OPTIONS\n"
    "     --tz ZONE            zone of timestamps that carry none (default:\n"
    "                          the machine's zone). ZONE is an IANA name\n"
    "                          (Africa/Lagos), UTC, or an offset (+01:00).\n"
    "     --source-tz GLOB=ZONE\n"
    "                          zone for files whose base name matches GLOB;\n"
    "                          repeatable; wins over --tz. A zone written in\n"
    "                          the line itself wins over both.\n"
    "     --year YYYY          year of the first line for formats without one\n"
    "                          (RFC 3164 syslog); default: from the gzip\n"
    "                          header or the file's mtime, with December to\n"
    "                          January handled.\n"
    "     --display-tz ZONE    zone of local times in md, csv and html\n"
    "                          (default UTC); JSON is UTC plus a local field.\n"
    "     --format FMT         json, md (default), csv or html.\n"
    "     --since T, --until T keep events between these RFC 3339 times.\n"
    "     -c FILE              configuration file (JSON; see config/README.md).\n"
    "     --rules PATH         extra rule file or directory; repeatable.\n"
    "     --no-default-rules   do not load the built-in rule pack.\n"
    "     --quiet-period S     seconds without failure that close an incident\n"
    "                          (default 1800).\n"
    "     --lookback S         seconds before the start searched for triggers\n"
    "                          (default 7200).\n"
    "     --min-failures N     failures within 10 minutes needed to open an\n"
    "                          incident (default 2).\n"
    "     --max-line BYTES     longer lines are cut and counted (default 65536).\n"
    "     --progress, --no-progress\n"
    "                          force the progress line on stderr on or off\n"
    "                          (default: on for large input on a terminal).\n"
    "     --all                match: also print lines no rule matched.\n"
    "     -v                   more diagnostics; twice for debug output.\n"
    "     -h, --help           this text.   --version   the version.\n"
    "\n"
    "EXIT STATUS\n"
    "     0 done; 1 a file could not be read (the others are still processed,\n"
    "     each failure named on stderr); 2 bad usage or bad configuration.\n"
    "\n"
    "EXAMPLES\n"
    "     timelined replay --year 2024 --source-tz 'syslog*=Africa/Lagos' \\\n"
    "         --display-tz Africa/Lagos /var/log/syslog app.log.gz\n"
    "     timelined parse /var/log/syslog | head\n"
    "     timelined match --all --rules my-rules.json app.log\n"
    "\n"
    "FILES\n"
    "     /usr/local/share/timelined/rules.d/*.json   the built-in rule pack\n"
    "     TIMELINED_RULES_DIR                         overrides its location\n";

enum {
	OPT_TZ = 256,
	OPT_SOURCE_TZ,
	OPT_YEAR,
	OPT_DISPLAY_TZ,
	OPT_FORMAT,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_RULES,
	OPT_NO_DEFAULT_RULES,
	OPT_QUIET,
	OPT_LOOKBACK,
	OPT_MIN_FAILURES,
	OPT_MAX_LINE,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_ALL,
	OPT_VERSION
};

static const struct option long_opts[] = {
    {"tz", required_argument, NULL, OPT_TZ},
    {"source-tz", required_argument, NULL, OPT_SOURCE_TZ},
    {"year", required_argument, NULL, OPT_YEAR},
    {"display-tz", required_argument, NULL, OPT_DISPLAY_TZ},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"config", required_argument, NULL, 'c'},
    {"rules", required_argument, NULL, OPT_RULES},
    {"no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES},
    {"quiet-period", required_argument, NULL, OPT_QUIET},
    {"lookback", required_argument, NULL, OPT_LOOKBACK},
    {"min-failures", required_argument, NULL, OPT_MIN_FAILURES},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"all", no_argument, NULL, OPT_ALL}, {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION}, {NULL, 0, NULL, 0}};

/* Prints the manual and exits with status. */
static void __attribute__((noreturn)) usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

/* Reports a bad option value and exits 2. */
static void __attribute__((noreturn))
bad(const char *opt, const char *val, const char *why)
{
	log_warnx("%s %s: %s (see timelined --help)", opt, val, why);
	exit(2);
}

/* Parses a whole number in [lo, hi] or exits 2. */
static long long
num(const char *opt, const char *s, long long lo, long long hi)
{
	char     *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		bad(opt, s, "not a number in range");
	return v;
}

/* Parses an RFC 3339 time with a zone into UTC nanoseconds, or exits 2. */
static int64_t
rfc3339(const char *opt, const char *s)
{
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	n = tstamp_iso(s, s + strlen(s), &t);
	if (n == 0 || n != strlen(s) || t.zone != TSTAMP_ZONE_OFFSET)
		bad(opt, s,
		    "not an RFC 3339 time with a zone "
		    "(2024-03-15T09:00:00Z)");
	return (tstamp_local_seconds(&t) - t.offset_s) * TSTAMP_NS_PER_S +
	    t.nsec;
}

/* Checks that a zone name is understood, or exits 2. */
static const char *
zone(const char *opt, const char *s)
{
	if (tz_get(s) == NULL)
		bad(opt, s, "unknown time zone");
	return s;
}

/* Handles --source-tz GLOB=ZONE. */
static void
source_tz(struct pipeline_opts *o, char *arg)
{
	char *eq = strrchr(arg, '=');

	if (eq == NULL || eq == arg)
		bad("--source-tz", arg, "expected GLOB=ZONE");
	if (o->nsrctz == PIPELINE_MAX_SRCTZ)
		bad("--source-tz", arg, "too many");
	*eq = '\0';
	o->srctz_glob[o->nsrctz] = arg;
	o->srctz_zone[o->nsrctz++] = zone("--source-tz", eq + 1);
}

/* Applies one option to o. */
static void
option(struct pipeline_opts *o, int ch, char *arg)
{
	switch (ch) {
	case OPT_TZ: o->tz = zone("--tz", arg); break;
	case OPT_SOURCE_TZ: source_tz(o, arg); break;
	case OPT_YEAR: o->year = (int)num("--year", arg, 1970, 2200); break;
	case OPT_DISPLAY_TZ: o->display_tz = zone("--display-tz", arg); break;
	case OPT_FORMAT:
		if (output_find(arg) == NULL)
			bad("--format", arg, "expected json, md, csv or html");
		o->format = arg;
		break;
	case OPT_SINCE: o->since_ns = rfc3339("--since", arg); break;
	case OPT_UNTIL: o->until_ns = rfc3339("--until", arg); break;
	case 'c': o->config = arg; break;
	case OPT_RULES:
		if (o->nrules == PIPELINE_MAX_RULES)
			bad("--rules", arg, "too many");
		o->rules[o->nrules++] = arg;
		break;
	case OPT_NO_DEFAULT_RULES: o->no_default_rules = 1; break;
	case OPT_QUIET:
		o->inc.quiet_ns = num("--quiet-period", arg, 1, 86400 * 30) *
		    TSTAMP_NS_PER_S;
		o->set |= PIPELINE_SET_QUIET;
		break;
	case OPT_LOOKBACK:
		o->inc.lookback_ns = num("--lookback", arg, 0, 86400 * 30) *
		    TSTAMP_NS_PER_S;
		o->set |= PIPELINE_SET_LOOKBACK;
		break;
	case OPT_MIN_FAILURES:
		o->inc.min_failures = (int)num("--min-failures", arg, 1, 1000);
		o->set |= PIPELINE_SET_MINFAIL;
		break;
	case OPT_MAX_LINE:
		o->max_line = (size_t)num(
		    "--max-line", arg, 256, 16 * 1024 * 1024);
		o->set |= PIPELINE_SET_MAXLINE;
		break;
	case OPT_PROGRESS: o->progress = 1; break;
	case OPT_NO_PROGRESS: o->progress = 0; break;
	case OPT_ALL: o->all = 1; break;
	case 'v': log_setverbose(log_getverbose() + 1); break;
	case 'h': usage(0);
	case OPT_VERSION: puts("timelined " TIMELINED_VERSION); exit(0);
	default: usage(2);
	}
}

/* Runs a subcommand with the remaining arguments. */
static int
run_command(const char *cmd, struct pipeline_opts *o, char **files, int n)
{
	int need_files = strcmp(cmd, "check") != 0 && strcmp(cmd, "run") != 0;

	if (need_files && n == 0) {
		log_warnx("%s: no FILE given (use - for standard input)", cmd);
		return 2;
	}
	if (strcmp(cmd, "replay") == 0)
		return pipeline_replay(o, files, n);
	if (strcmp(cmd, "match") == 0)
		return pipeline_match(o, files, n);
	if (strcmp(cmd, "parse") == 0)
		return pipeline_parse(o, files, n);
	if (strcmp(cmd, "check") == 0)
		return pipeline_check(o);
	log_warnx("%s: the daemon is not part of this build yet", cmd);
	return 2;
}

/*
 * The wall clock, read once here and passed down: stages never read it.
 * SOURCE_DATE_EPOCH (reproducible-builds.org) fixes it, so a report's
 * generated_at can be reproduced.
 */
static int64_t
wall_clock(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char       *end;
	long long   v;

	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0' && v >= 0 && v < 253402300800LL)
			return (int64_t)v * TSTAMP_NS_PER_S;
		log_warnx("SOURCE_DATE_EPOCH=%s: not seconds since 1970; "
			  "using the clock",
		    s);
	}
	return (int64_t)time(NULL) * TSTAMP_NS_PER_S;
}

/* Entry point: timelined COMMAND [options] [FILE...]. */
int
main(int argc, char *argv[])
{
	struct pipeline_opts o;
	const char          *cmd;
	int                  ch, rc;

	log_init(0, -1);
	if (argc < 2)
		usage(2);
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0)
		usage(0);
	if (strcmp(cmd, "--version") == 0)
		option(&o, OPT_VERSION, NULL);
	if (strcmp(cmd, "replay") && strcmp(cmd, "match") &&
	    strcmp(cmd, "parse") && strcmp(cmd, "check") &&
	    strcmp(cmd, "run")) {
		log_warnx("unknown command %s (see timelined --help)", cmd);
		return 2;
	}
	pipeline_opts_default(&o);
	o.now_ns = wall_clock();
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:hv", long_opts, NULL)) != -1)
		option(&o, ch, optarg);
	if (o.config != NULL && pipeline_apply_conf(&o, o.config) == -1)
		return 2;
	rc = run_command(cmd, &o, argv + optind, argc - optind);
	conf_free(o.conf);
	tz_cache_free();
	return rc;
}
