/*
 * main: flags and subcommands. Parses the command line into pipeline
 * options and calls one function per subcommand; no work happens here.
 */
#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "daemon.h"
#include "rule.h"
#include "rule_export.h"
#include "rule_file.h"
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
    "     timelined check [-c CONFIG] [--rules PATH] [--export-patterns[=rg|ere]]\n"
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
    "     run     the daemon: follows the configured files (globs,\n"
    "             rotation, truncation), receives syslog over UDP and TCP,\n"
    "             keeps the incidents live and, across restarts, in\n"
    "             state_dir. It runs in the foreground; see DAEMON.\n"
    "\n"
    "OPTIONS\n"
    "     -c FILE              configuration file (JSON; config/README.md); flags\n"
    "                          win over it.\n"
    "     --source-tz GLOB=ZONE\n"
    "                          zone for files whose base name matches GLOB;\n"
    "                          repeatable; wins over --tz. A zone written in\n"
    "                          the line itself wins over both.\n"
    "     --year YYYY          year of the first line for formats without one\n"
    "                          (RFC 3164 syslog; 1970..2200); default: from the\n"
    "                          full dates around them in the same file, else\n"
    "                          the gzip header's or the file's mtime (the clock\n"
    "                          if that is more than a day ahead of it), with\n"
    "                          December to January handled; replay reads a\n"
    "                          file whose mtime year no other input writes as\n"
    "                          the year they write, and says so. A time of day\n"
    "                          alone takes its date the same way (docs/times.md).\n"
    "     --format FMT         json, md (default), csv or html.\n"
    "     --since T, --until T keep events between these RFC 3339 times.\n"
    "     --rules PATH         extra rule file or directory; repeatable.\n"
    "     --progress, --no-progress\n"
    "                          force the progress line on stderr on or off\n"
    "                          (default: on for large input on a terminal).\n"
    "     --all                match: also print lines no rule matched.\n"
    "     --export-patterns[=rg|ere]\n"
    "                          check: print every rule's pattern for rg\n"
    "                          (default) or LC_ALL=C grep -E, one per line,\n"
    "                          for benchmarks; a translation may match more\n"
    "                          lines than the rule, never fewer.\n"
    "     -v                   more diagnostics; twice for debug output.\n"
    "     -h, --help           this text.   --version   the version.\n"
    "\n"
    "     ZONE is an IANA name (Africa/Lagos), UTC, or an offset (+01:00).\n"
    "     These set what the configuration file can set too (its key after\n"
    "     'file:'):\n"
    "\n"
    "@CONF@"
    "\n"
    "DAEMON\n"
    "     timelined run -c FILE reads its sources, state_dir, listen\n"
    "     address and the other daemon keys from FILE (config/README.md;\n"
    "     the replay flags above apply to it too). A restart, even after\n"
    "     kill -9, goes on from the last checkpoint (each second) and ends\n"
    "     with the incidents an uninterrupted run would have.\n"
    "     SIGHUP   reloads FILE and the rules, all or nothing: a bad new\n"
    "              configuration is reported as FILE:LINE and the old kept.\n"
    "     SIGTERM  commits a last checkpoint and stops (also SIGINT).\n"
    "     Under systemd (Type=notify) it reports READY, RELOADING, STOPPING\n"
    "     and WATCHDOG, and writes <N> priority prefixes for the journal.\n"
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
    "     TIMELINED_RULES_DIR                         overrides its location\n"
    "     STATE_DIR/state.json, state.json.prev       the daemon's checkpoint\n"
    "     STATE_DIR/incidents.jsonl                   closed incidents, notes\n"
    "     STATE_DIR/spool-*.log                       syslog received\n";

/* Options that are neither conf settings nor conf options. */
enum {
	OPT_PROGRESS = 256,
	OPT_NO_PROGRESS,
	OPT_ALL,
	OPT_VERSION,
	OPT_EXPORT,
	OPT_TABLE = 512 /* + index in conf's key table */
};

/* The options that conf does not describe: lists, output, the program. */
static const struct option fixed_opts[] = {
    {"source-tz", required_argument, NULL, CONF_OPT_SOURCE_TZ},
    {"year", required_argument, NULL, CONF_OPT_YEAR},
    {"format", required_argument, NULL, CONF_OPT_FORMAT},
    {"since", required_argument, NULL, CONF_OPT_SINCE},
    {"until", required_argument, NULL, CONF_OPT_UNTIL},
    {"config", required_argument, NULL, CONF_OPT_CONFIG},
    {"rules", required_argument, NULL, CONF_OPT_RULES},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"all", no_argument, NULL, OPT_ALL},
    {"export-patterns", optional_argument, NULL, OPT_EXPORT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION}};

#define NFIXED (sizeof(fixed_opts) / sizeof(fixed_opts[0]))
#define MAXOPT (NFIXED + 64)

/* getopt's table: the fixed options, then every flag of conf's table. */
static void
build_options(struct option *o, char names[][32])
{
	int    i, n = 0, has;
	size_t j;

	for (j = 0; j < NFIXED; j++)
		o[n++] = fixed_opts[j];
	for (i = 0; n < (int)MAXOPT - 1; i++) {
		int r = conf_key_option(i, names[n], sizeof(names[n]), &has);

		if (r < 0)
			break;
		if (r == 0)
			continue;
		o[n].name = names[n];
		o[n].has_arg = has ? required_argument : no_argument;
		o[n].flag = NULL;
		o[n].val = OPT_TABLE + i;
		n++;
	}
	memset(&o[n], 0, sizeof(o[n]));
}

/* Prints the manual, the table's options in place, and exits. */
static void __attribute__((noreturn)) usage(int status)
{
	FILE       *fp = status ? stderr : stdout;
	const char *at = strstr(usage_text, "@CONF@");

	fwrite(usage_text, 1, (size_t)(at - usage_text), fp);
	conf_help(fp);
	fputs(at + strlen("@CONF@"), fp);
	exit(status);
}

/* Applies one option to cf, or exits 2 (the setter said why). */
static void
option(struct conf *cf, const struct option *opts, int ch, char *arg)
{
	char flag[40];
	int  i, rc = 0;

	switch (ch) {
	case OPT_PROGRESS: cf->progress = 1; break;
	case OPT_NO_PROGRESS: cf->progress = 0; break;
	case OPT_ALL: cf->all = 1; break;
	case 'v': log_setverbose(log_getverbose() + 1); break;
	case 'h': usage(0);
	case OPT_VERSION: puts("timelined " TIMELINED_VERSION); exit(0);
	case 'c': rc = conf_option(cf, CONF_OPT_CONFIG, arg); break;
	default:
		if (ch >= CONF_OPT_SOURCE_TZ && ch <= CONF_OPT_CONFIG) {
			rc = conf_option(cf, ch, arg);
			break;
		}
		if (ch < OPT_TABLE)
			usage(2);
		for (i = 0; opts[i].name != NULL && opts[i].val != ch; i++)
			;
		snprintf(flag, sizeof(flag), "--%s", opts[i].name);
		rc = conf_flag(cf, flag, arg);
	}
	if (rc == -1)
		exit(2);
}

/* 1 once conf is the daemon's: it frees it (a reload swaps it). */
static int run_started;

/* Runs a subcommand with the remaining arguments. */
static int
run_command(const char *cmd, struct conf *cf, char **files, int n)
{
	int need_files = strcmp(cmd, "check") != 0 && strcmp(cmd, "run") != 0;

	if (need_files && n == 0) {
		log_warnx("%s: no FILE given (use - for standard input)", cmd);
		return 2;
	}
	if (strcmp(cmd, "replay") == 0)
		return pipeline_replay(cf, files, n);
	if (strcmp(cmd, "match") == 0)
		return pipeline_match(cf, files, n);
	if (strcmp(cmd, "parse") == 0)
		return pipeline_parse(cf, files, n);
	if (strcmp(cmd, "check") == 0)
		return pipeline_check(cf);
	if (n > 0) {
		log_warnx("run: takes no FILE (the sources are in the "
			  "configuration file)");
		return 2;
	}
	if (cf->state_dir == NULL || cf->nsources == 0) {
		log_warnx("run: needs a configuration (-c FILE) with state_dir "
			  "and sources (see config/README.md)");
		return 2;
	}
	run_started = 1;
	return daemon_run(cf);
}

/*
 * TIMELINED_CLOCK_OFFSET=S moves the daemon's clock S seconds (a test
 * hook: a daemon started at 23:59:50 on 31 December without changing the
 * machine's clock). Warned about, since a production daemon never has it.
 */
static int64_t
clock_skew(void)
{
	const char *s = getenv("TIMELINED_CLOCK_OFFSET");
	char       *end;
	long long   v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < -4000000000LL || v > 4000000000LL) {
		log_warnx("TIMELINED_CLOCK_OFFSET=%s: not seconds; ignored", s);
		return 0;
	}
	log_warnx("TIMELINED_CLOCK_OFFSET=%s: the clock is moved %lld s (a "
		  "test setting)",
	    s, v);
	return (int64_t)v * TSTAMP_NS_PER_S;
}

/*
 * timelined check --export-patterns=FLAVOR: the loaded rules' patterns
 * for another tool, one per line; 2 if a rule failed to load or export.
 */
static int
export_patterns(const struct conf *cf, const char *cmd, const char *flavor)
{
	struct rule_set *rs;
	int              fl = rule_export_flavor(flavor), errors;

	if (strcmp(cmd, "check") != 0 || fl == -1) {
		log_warnx(
		    "--export-patterns=%s: a check option; rg or ere", flavor);
		return 2;
	}
	rs = rule_set_new();
	errors = pipeline_load_rules(cf, rs);
	errors += rule_export_set(rs, fl, stdout);
	rule_set_free(rs);
	return errors > 0 ? 2 : 0;
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

/*
 * Where the built-in rule pack is: $TIMELINED_RULES_DIR, else beside the
 * executable (a development or installed tree), else the installed path.
 */
static char *
rules_dir(void)
{
	char    exe[PATH_MAX], *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		n = 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	return rule_file_builtin_dir(
	    n > 0 && slash != NULL ? exe : NULL, getenv("TIMELINED_RULES_DIR"));
}

/* 1 if cmd is a subcommand. */
static int
is_command(const char *cmd)
{
	static const char *const cmds[] = {
	    "replay", "match", "parse", "check", "run", NULL};
	int i;

	for (i = 0; cmds[i] != NULL; i++)
		if (strcmp(cmds[i], cmd) == 0)
			return 1;
	return 0;
}

/* Entry point: timelined COMMAND [options] [FILE...]. */
int
main(int argc, char *argv[])
{
	struct option opts[MAXOPT];
	static char   names[MAXOPT][32];
	struct conf  *cf;
	const char   *cmd, *export = NULL;
	int           ch, rc;

	log_init(0, -1);
	tz_init(getenv("TZDIR"), getenv("TZ"));
	if (argc < 2)
		usage(2);
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0)
		usage(0);
	if (strcmp(cmd, "--version") == 0) {
		puts("timelined " TIMELINED_VERSION);
		return 0;
	}
	if (!is_command(cmd)) {
		log_warnx("unknown command %s (see timelined --help)", cmd);
		return 2;
	}
	build_options(opts, names);
	cf = conf_new();
	cf->clock_skew_ns = clock_skew();
	cf->now_ns = wall_clock() + cf->clock_skew_ns;
	cf->rules_dir = rules_dir();
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:hv", opts, NULL)) != -1) {
		if (ch == OPT_EXPORT)
			export = optarg != NULL ? optarg : "rg";
		else
			option(cf, opts, ch, optarg);
	}
	if ((cf->file != NULL && conf_load(cf, cf->file) == -1) ||
	    conf_check(cf) == -1 || output_find(cf->format) == NULL) {
		if (output_find(cf->format) == NULL)
			log_warnx("--format %s: expected json, md, csv or html "
				  "(see timelined --help)",
			    cf->format);
		conf_free(cf);
		return 2;
	}
	rc = export != NULL
	    ? export_patterns(cf, cmd, export)
	    : run_command(cmd, cf, argv + optind, argc - optind);
	if (strcmp(cmd, "run") != 0 || !run_started)
		conf_free(
		    cf); /* the daemon frees its own (it swaps on reload) */
	tz_cache_free();
	return rc;
}
