/*
 * progress: "replay: 512 MiB of 2.0 GiB (25%), 4.1M lines, 2 incidents"
 * on stderr, redrawn with a carriage return. Shown only for input over
 * 16 MiB and only when stderr is a terminal (or when forced on).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

#define PROGRESS_MIN_BYTES (16LL * 1024 * 1024)

/* Milliseconds on the monotonic clock. */
static int64_t
progress_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Decides whether to show progress: mode 1 on, 0 off, -1 if a tty. */
void
progress_init(struct progress *p, int mode, int64_t total)
{
	p->total = total;
	p->on = mode == 1 ||
	    (mode == -1 && isatty(STDERR_FILENO) &&
		total >= PROGRESS_MIN_BYTES);
	p->last_ms = progress_now_ms() - 250; /* the first update draws */
	p->drawn = 0;
}

/* Redraws the line if a quarter second has passed. */
void
progress_update(struct progress *p, int64_t done, uint64_t lines, int incidents)
{
	int64_t now = progress_now_ms();
	double  mib = (double)done / 1048576.0;

	if (!p->on || now - p->last_ms < 250)
		return;
	p->last_ms = now;
	p->drawn = 1;
	if (p->total > 0)
		log_raw("\rreplay: %.0f of %.0f MiB (%d%%), %llu %s, "
			"%d %s ",
		    mib, (double)p->total / 1048576.0,
		    (int)(100.0 * (double)done / (double)p->total),
		    (unsigned long long)lines, lines == 1 ? "line" : "lines",
		    incidents, incidents == 1 ? "incident" : "incidents");
	else
		log_raw("\rreplay: %.0f MiB, %llu %s, %d %s ", mib,
		    (unsigned long long)lines, lines == 1 ? "line" : "lines",
		    incidents, incidents == 1 ? "incident" : "incidents");
}

/* Clears the line. */
void
progress_done(struct progress *p)
{
	if (p->on && p->drawn)
		log_raw("\r\033[K");
}
