/*
 * skew: finds an input whose times look shifted by whole or half hours
 * against another's, from the same event seen in both: a deploy or
 * rollback of a version in one and the start of that version in the
 * other, and the first action one input logs after an incident's
 * failures (in others) stopped. A finding needs two such events that
 * agree. Replay feeds every match in time order and every incident it
 * writes; it reads no clock and knows no zone but what it is told.
 */
#ifndef SKEW_H
#define SKEW_H

#include <stddef.h>
#include <stdint.h>

struct incident;
struct match;
struct skew;

#define SKEW_VERSION_MAX 32
#define SKEW_WHAT_MAX    64

/* The same event seen in two sources: a at ta, b at tb. */
struct skew_pair {
	int     kind; /* SKEW_RELEASE, SKEW_FIX */
	int     a, b; /* groups: a's time should be b's */
	int64_t ta, tb;
	int64_t d;            /* how far a reads after b: whole half hours */
	int32_t off_a, off_b; /* the offsets their lines were read with */
	char    version[SKEW_VERSION_MAX]; /* RELEASE: what was started */
	char    what[SKEW_WHAT_MAX]; /* a's category ("deploy", "rollback") */
};

enum { SKEW_RELEASE, SKEW_FIX };

/* A source that looks shifted, and the events that say so. */
struct skew_finding {
	int              group;    /* the source whose times look off */
	int64_t          shift_ns; /* ahead of the truth (negative: behind) */
	int32_t          zone_off; /* the offset that would make it right */
	int              count;    /* events that agree */
	struct skew_pair first;    /* the first of them */
};

/* 1 if the group's lines carry their zone (so it is the one to trust). */
typedef int (*skew_zoned_fn)(int, void *);
/* The name of a group, for sentences. */
typedef const char *(*skew_name_fn)(int, void *);

struct skew *skew_new(void);
void         skew_free(struct skew *);
void         skew_match(struct skew *, const struct match *);
void         skew_incident(struct skew *, const struct incident *);
int
skew_finish(struct skew *, skew_zoned_fn, void *, struct skew_finding *, int);
size_t skew_describe(
    const struct skew_finding *, skew_name_fn, void *, char *, size_t);

#endif /* SKEW_H */
