/*
 * unclass: feeds the template miner the lines no rule matched and turns
 * what it surfaces into unclassified matches. Each input (a lane) gets a
 * place, one of the miner's sources, while it is read: its lines, in its
 * own order, are all that place's miner state depends on, so replay and
 * the daemon, which interleave inputs differently, decide the same. A
 * place given back is forgotten (its templates freed) and given to the
 * next input; lines of an input without one are counted, not mined.
 */
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "record.h"
#include "template.h"
#include "unclass.h"
#include "xmalloc.h"

struct unclass {
	struct template_miner *miner;
	int                   *free; /* places not given, a stack */
	int                    nfree;
	struct unclass_stats   st;
};

/* A signal with its own miner of conf c; every place free. */
struct unclass *
unclass_new(const struct template_conf *c)
{
	struct unclass *u = xcalloc(1, sizeof(*u));
	int             i, n = c->max_sources > 0 ? c->max_sources : 1;

	u->miner = template_miner_new(c);
	u->free = xcalloc((size_t)n, sizeof(*u->free));
	for (i = 0; i < n; i++) /* the lowest place on top */
		u->free[u->nfree++] = n - 1 - i;
	u->st.places = n;
	return u;
}

/* Frees u; NULL is fine. */
void
unclass_free(struct unclass *u)
{
	if (u == NULL)
		return;
	template_miner_free(u->miner);
	free(u->free);
	free(u);
}

/* A place for an input about to be read, or -1 when none is free. */
int
unclass_attach(struct unclass *u)
{
	if (u->nfree == 0)
		return -1;
	u->st.placed++;
	return u->free[--u->nfree];
}

/* Gives a place back (-1: none): its templates are forgotten. */
void
unclass_detach(struct unclass *u, int place)
{
	if (place < 0)
		return;
	template_miner_forget(u->miner, place);
	u->free[u->nfree++] = place;
	u->st.placed--;
}

/*
 * Offers a timed line that no rule matched (its record r and line
 * number) from the input at *place; an input without a place (-1) gets
 * one if one was given back since. 1 if the miner surfaced the line: m
 * is then filled as an unclassified match (the caller says where it came
 * from); else 0.
 */
int
unclass_line(struct unclass *u, int *place, const struct record *r,
    uint64_t lineno, struct match *m)
{
	struct template_answer a;

	if (!r->has_ts || r->msg == NULL || r->msg_len == 0)
		return 0;
	u->st.lines++;
	if (*place == -1 && (*place = unclass_attach(u)) == -1) {
		u->st.unplaced++;
		return 0;
	}
	/* Not clustered (-1) is counted by the miner: ignored, dropped. */
	if (template_miner_line(u->miner, *place, r->msg, r->msg_len,
		r->severity, r->ts_ns, lineno, &a) != 1)
		return 0;
	match_from_template(m, r, &a);
	u->st.surfaced++;
	return 1;
}

/* Copies the counters, the miner's among them, into st. */
void
unclass_stats(const struct unclass *u, struct unclass_stats *st)
{
	*st = u->st;
	template_miner_stats(u->miner, &st->miner);
}
