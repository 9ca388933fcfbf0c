/*
 * unclass: the second signal. Lines no rule matched go to the template
 * miner, each input file to a place of its own in it, and a line whose
 * error-like template the miner surfaces (new, or spiking) becomes a
 * match of category unclassified. It owns the miner and its places
 * (bounded: the miner's sources); it does not know incidents.
 */
#ifndef UNCLASS_H
#define UNCLASS_H

#include <stddef.h>
#include <stdint.h>

#include "template.h"

struct match;
struct record;
struct unclass;

/* What the signal has done, for reports and metrics. */
struct unclass_stats {
	uint64_t              lines;    /* timed lines no rule matched */
	uint64_t              unplaced; /* ...not mined: no place free */
	uint64_t              surfaced; /* matches made */
	int                   placed;   /* places given now */
	int                   places;   /* the miner's sources */
	struct template_stats miner;
};

struct unclass *unclass_new(const struct template_conf *);
void            unclass_free(struct unclass *);
int             unclass_attach(struct unclass *);
void            unclass_detach(struct unclass *, int);
int             unclass_line(
		struct unclass *, int *, const struct record *, uint64_t, struct match *);
void unclass_stats(const struct unclass *, struct unclass_stats *);

#endif /* UNCLASS_H */
