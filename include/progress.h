/*
 * progress: the one-line progress report of long replays, redrawn in place
 * on stderr at most a few times a second, only when stderr is a terminal.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>

struct progress {
	int     on;
	int64_t total; /* bytes, 0 if unknown */
	int64_t last_ms;
	int     drawn;
};

void progress_init(struct progress *, int, int64_t);
void progress_update(struct progress *, int64_t, uint64_t, int);
void progress_done(struct progress *);

#endif /* PROGRESS_H */
