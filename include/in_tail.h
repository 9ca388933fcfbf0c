/*
 * in_tail: one file followed as it grows. A file is known by its device
 * and inode plus a hash of its first bytes (inode numbers are reused);
 * reading is bounded per call and feeds the file's lane; truncation in
 * place (copytruncate) restarts at 0, NUL padding skipped; a rename or a
 * delete leaves the file open to be read to its end. Resuming after a
 * restart checks the identity and the bytes just before the saved place.
 * No event loop here: the daemon decides when to read.
 */
#ifndef IN_TAIL_H
#define IN_TAIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lane.h"

#define TAIL_HEAD 256 /* bytes of a file's start in its identity */
#define TAIL_BACK 64  /* bytes before a saved place that must be the same */

/* Who a file is. */
struct tail_ident {
	uint64_t dev, ino;
	uint64_t head_hash; /* of the first head_len bytes */
	uint32_t head_len;
};

/* What a checkpoint keeps of a file to go on after a restart. */
struct tail_saved {
	struct tail_ident id;
	struct lane_mark  mark;
	uint64_t          back_hash; /* of the TAIL_BACK bytes before mark */
	uint64_t          size_seen; /* the file's size when it was saved */
	uint64_t          done; /* lines ending at or before were written out */
};

/* What tail_poll() found. */
enum tail_event {
	TAIL_QUIET = 0, /* nothing new */
	TAIL_READ = 1,  /* bytes were read */
	TAIL_TRUNCATED, /* the file shrank: read again from 0 */
	TAIL_END,       /* a file no longer at its path was read to its end */
	TAIL_ERROR      /* a read error (logged) */
};

struct tail;

struct tail    *tail_new(const char *, struct lane *);
void            tail_free(struct tail *);
int             tail_open(struct tail *, int);
int             tail_resume(struct tail *, const struct tail_saved *);
int             tail_open_fd(struct tail *, int, const struct tail_saved *);
enum tail_event tail_poll(struct tail *, char *, size_t, size_t *);
int             tail_moved(struct tail *);
void            tail_detach(struct tail *);
void            tail_repath(struct tail *, const char *);
struct stat;
int  tail_is(const struct tail *, const struct stat *);
void tail_flush(struct tail *);
int  tail_detached(const struct tail *);
void tail_save(const struct tail *, struct tail_saved *);
void tail_save_low(struct tail *, int64_t, struct tail_saved *);
int  tail_find_ident(const char *, const struct tail_ident *);
int  tail_before_truncation(struct tail *, struct tail_saved *);
int  tail_find_copy(
     const char *, const struct tail_saved *, uint64_t, char *, size_t);
void tail_open_copy(struct tail *, int, const struct tail_saved *);
int  tail_compressed(const void *, size_t);
const struct tail_ident *tail_ident(const struct tail *);
const char              *tail_path(const struct tail *);
struct lane             *tail_lane(struct tail *);
uint64_t                 tail_offset(const struct tail *);
uint64_t                 tail_truncations(const struct tail *);
int                      tail_fd(const struct tail *);

#endif /* IN_TAIL_H */
