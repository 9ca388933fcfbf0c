/*
 * log: diagnostics to stderr. Under systemd (JOURNAL_STREAM is set) each
 * line starts with a "<N>" syslog priority the journal understands;
 * otherwise with "timelined: ". Nothing else in the program writes to
 * stderr except the replay progress line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define LOG_RL_SLOTS  64 /* call sites tracked */
#define LOG_RL_BURST  10 /* messages of one call site per window */
#define LOG_RL_WINDOW 60 /* seconds */

static int log_verbose;
static int log_journal;
static int log_limit; /* rate-limit repeated warnings (the daemon) */

/* One call site's (one format's) count in the current window. */
static struct log_rl {
	const char *fmt;
	time_t      since;
	unsigned    shown, dropped;
} log_rl[LOG_RL_SLOTS];

/* Sets verbosity and whether to write journal priority prefixes. */
void
log_init(int verbose, int journal)
{
	log_verbose = verbose;
	log_journal = journal < 0 ? getenv("JOURNAL_STREAM") != NULL : journal;
}

/* Changes the verbosity: 0 warnings, 1 info, 2 debug. */
void
log_setverbose(int v)
{
	log_verbose = v;
}

/* Returns the verbosity. */
int
log_getverbose(void)
{
	return log_verbose;
}

/* Turns the rate limit on repeated warnings on (a daemon) or off. */
void
log_ratelimit(int on)
{
	log_limit = on;
	memset(log_rl, 0, sizeof(log_rl));
}

/* Writes the priority prefix. */
static void
log_prefix(int pri)
{
	if (log_journal)
		fprintf(stderr, "<%d>", pri);
	else
		fputs("timelined: ", stderr);
}

/*
 * 1 if a message of format fmt may be written now: at most LOG_RL_BURST
 * of one format per LOG_RL_WINDOW seconds; when a window with dropped
 * ones ends, how many were dropped is said first.
 */
static int
log_allowed(int pri, const char *fmt)
{
	struct timespec now;
	struct log_rl  *r = &log_rl[((uintptr_t)fmt >> 3) % LOG_RL_SLOTS];

	if (!log_limit || pri > 4)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (r->fmt != fmt || now.tv_sec - r->since >= LOG_RL_WINDOW) {
		if (r->fmt != NULL && r->dropped > 0) {
			log_prefix(4);
			fprintf(stderr,
			    "%u more warnings like \"%.60s\" were not shown\n",
			    r->dropped, r->fmt);
		}
		r->fmt = fmt;
		r->since = now.tv_sec;
		r->shown = r->dropped = 0;
	}
	if (r->shown < LOG_RL_BURST) {
		r->shown++;
		return 1;
	}
	r->dropped++;
	return 0;
}

/* Writes one line at priority pri, with errno's text when errnum is set. */
static void
log_vwrite(int pri, int errnum, const char *fmt, va_list ap)
{
	char buf[2048];

	if (!log_allowed(pri, fmt))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	flockfile(stderr); /* one line whole, whichever thread writes */
	log_prefix(pri);
	if (errnum)
		fprintf(stderr, "%s: %s\n", buf, strerror(errnum));
	else
		fprintf(stderr, "%s\n", buf);
	funlockfile(stderr);
}

/* Warns with errno's text appended. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int     saved = errno;

	va_start(ap, fmt);
	log_vwrite(4, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Warns. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(4, 0, fmt, ap);
	va_end(ap);
}

/* Informs, when verbose. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vwrite(6, 0, fmt, ap);
	va_end(ap);
}

/* Debug output, when very verbose. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	log_vwrite(7, 0, fmt, ap);
	va_end(ap);
}

/* Writes a message as is, without prefix or newline (progress lines). */
void
log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

/* Logs with errno's text and exits 1. */
void
fatal(const char *fmt, ...)
{
	va_list ap;
	int     saved = errno;

	va_start(ap, fmt);
	log_vwrite(2, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Logs and exits 1. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(2, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
