/*
 * log: diagnostics to stderr. Under systemd (JOURNAL_STREAM is set) each
 * line starts with a "<N>" syslog priority the journal understands;
 * otherwise with "timelined: ". Nothing else in the program writes to
 * stderr except the replay progress line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int log_verbose;
static int log_journal;

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

/* Writes one line at priority pri, with errno's text when errnum is set. */
static void
log_vwrite(int pri, int errnum, const char *fmt, va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>", pri);
	else
		fputs("timelined: ", stderr);
	if (errnum)
		fprintf(stderr, "%s: %s\n", buf, strerror(errnum));
	else
		fprintf(stderr, "%s\n", buf);
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
