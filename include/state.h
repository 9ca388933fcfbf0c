/*
 * state: the daemon's durable state in state_dir. A checkpoint (where to
 * go on reading each file, the event time reached, how much of the
 * journal it covers) is written whole and atomically: a temporary file,
 * fsync, the old checkpoint kept as the previous one, rename, fsync of
 * the directory. A torn or foreign checkpoint is reported and the previous
 * one used. The journal (journal.c) holds the closed incidents; a
 * checkpoint is committed only after the journal it counts is on disk.
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>

#include "in_tail.h"

#define STATE_VERSION   1
#define STATE_MAX_FILES 4096

/* One file's place in a checkpoint. */
struct state_file {
	char             *path; /* where it was opened */
	int               gone; /* it had left its path (rotated away) */
	struct tail_saved saved;
};

struct state {
	int64_t            now_ns;    /* the engine's event time */
	uint64_t           journal;   /* bytes of the journal it covers */
	uint64_t           match_log; /* bytes of the match log it covers */
	struct state_file *files;
	int                nfiles, capfiles;
};

void state_init(struct state *);
void state_clear(struct state *);
void state_add(struct state *, const char *, int, const struct tail_saved *);
int  state_write(const char *, const struct state *);
int  state_read(const char *, struct state *);
const struct state_file *state_find(const struct state *, const char *, int);

#endif /* STATE_H */
