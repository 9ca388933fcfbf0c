/*
 * litscan: the literal prefilter automaton. Literals are added, then built
 * once into a dense Aho-Corasick DFA over byte classes (bytes that occur in
 * no literal share class 0, letters fold to lower case), so a scan is one
 * table load per subject byte. It does not know what the ids mean.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "litscan.h"
#include "xmalloc.h"

struct litscan_lit {
	char  *s;
	size_t len;
	int    id;
};

struct litscan_out {
	int     id;
	int32_t next; /* next output of the same state, -1 */
};

struct litscan {
	struct litscan_lit *lits;
	int                 nlits;
	int                 litcap;

	uint8_t cls[256]; /* byte -> class, case-folded */
	int     nclass;

	/*
	 * delta[state * nclass + class] is the next state, encoded as
	 * (next * nclass) << 1 | terminal, so the scan loop needs neither a
	 * multiply nor a second table to know whether to look at outputs.
	 */
	uint32_t           *delta;
	int                 nstates;
	int                 statecap;
	int32_t            *outhead; /* per state: first own output, -1 */
	int32_t            *dict;    /* nearest proper suffix with outputs */
	struct litscan_out *out;
	int                 nout;
	int                 outcap;
};

/*
 * Returns the ASCII lower case of byte c; other bytes are unchanged. The
 * automaton compares folded bytes, so literals are extracted folded too.
 */
unsigned char
litscan_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Creates an empty automaton. */
struct litscan *
litscan_new(void)
{
	return xcalloc(1, sizeof(struct litscan));
}

/* Frees the built tables, keeping the literals. */
static void
litscan_clear(struct litscan *ls)
{
	free(ls->delta);
	free(ls->outhead);
	free(ls->dict);
	free(ls->out);
	ls->delta = NULL;
	ls->outhead = ls->dict = NULL;
	ls->out = NULL;
	ls->nstates = ls->statecap = ls->nout = ls->outcap = 0;
}

/* Frees an automaton; accepts NULL. */
void
litscan_free(struct litscan *ls)
{
	int i;

	if (ls == NULL)
		return;
	litscan_clear(ls);
	for (i = 0; i < ls->nlits; i++)
		free(ls->lits[i].s);
	free(ls->lits);
	free(ls);
}

/* Adds literal s (len > 0) reported as id; takes effect at the next build. */
void
litscan_add(struct litscan *ls, const char *s, size_t len, int id)
{
	struct litscan_lit *l;

	if (len == 0)
		return;
	if (ls->nlits == ls->litcap) {
		ls->litcap = ls->litcap ? ls->litcap * 2 : 16;
		ls->lits = xreallocarray(
		    ls->lits, ls->litcap, sizeof(*ls->lits));
	}
	l = &ls->lits[ls->nlits++];
	l->s = xstrndup(s, len);
	l->len = len;
	l->id = id;
}

/* Gives every folded byte that occurs in a literal its own class. */
static void
litscan_classes(struct litscan *ls)
{
	size_t j;
	int    i, c;

	memset(ls->cls, 0, sizeof(ls->cls));
	ls->nclass = 1;
	for (i = 0; i < ls->nlits; i++) {
		for (j = 0; j < ls->lits[i].len; j++) {
			c = litscan_fold(ls->lits[i].s[j]);
			if (ls->cls[c] == 0)
				ls->cls[c] = ls->nclass++;
		}
	}
	for (c = 'A'; c <= 'Z'; c++)
		ls->cls[c] = ls->cls[c - 'A' + 'a'];
}

/* Appends a state with no transitions and returns its number. */
static int
litscan_state(struct litscan *ls)
{
	size_t row = ls->nclass;

	if (ls->nstates == ls->statecap) {
		ls->statecap = ls->statecap ? ls->statecap * 2 : 64;
		ls->delta = xreallocarray(
		    ls->delta, ls->statecap * row, sizeof(*ls->delta));
		ls->outhead = xreallocarray(
		    ls->outhead, ls->statecap, sizeof(*ls->outhead));
	}
	memset(&ls->delta[ls->nstates * row], 0, row * sizeof(*ls->delta));
	ls->outhead[ls->nstates] = -1;
	return ls->nstates++;
}

/* Adds one literal to the trie, with id as an output of its last state. */
static void
litscan_insert(struct litscan *ls, const struct litscan_lit *l)
{
	size_t j, idx;
	int    s = 0, t;

	for (j = 0; j < l->len; j++) {
		idx = (size_t)s * ls->nclass + ls->cls[(unsigned char)l->s[j]];
		if (ls->delta[idx] == 0) {
			t = litscan_state(ls);
			ls->delta[idx] = t;
		}
		s = ls->delta[idx];
	}
	if (ls->nout == ls->outcap) {
		ls->outcap = ls->outcap ? ls->outcap * 2 : 16;
		ls->out = xreallocarray(ls->out, ls->outcap, sizeof(*ls->out));
	}
	ls->out[ls->nout].id = l->id;
	ls->out[ls->nout].next = ls->outhead[s];
	ls->outhead[s] = ls->nout++;
}

/* Returns the state after s on class c, while the table holds states. */
static uint32_t
litscan_next(const struct litscan *ls, int s, int c)
{
	return ls->delta[(size_t)s * ls->nclass + c];
}

/*
 * Turns the trie into a DFA: breadth first, each missing transition takes
 * the failure state's, and dict links each state to its nearest suffix
 * state that has outputs. Until a state is dequeued its row holds only trie
 * children (never 0, the root), which is how children are told from gaps.
 */
static void
litscan_links(struct litscan *ls)
{
	uint32_t *row;
	int32_t  *fail, *queue;
	int       head = 0, tail = 0, s, t, c, nc = ls->nclass;

	fail = xcalloc(ls->nstates, sizeof(*fail));
	queue = xcalloc(ls->nstates, sizeof(*queue));
	ls->dict = xcalloc(ls->nstates, sizeof(*ls->dict));
	ls->dict[0] = -1;
	queue[tail++] = 0;
	while (head < tail) {
		s = queue[head++];
		row = &ls->delta[(size_t)s * nc];
		for (c = 0; c < nc; c++) {
			t = row[c];
			if (t == 0) {
				if (s != 0)
					row[c] = litscan_next(ls, fail[s], c);
				continue;
			}
			fail[t] = s == 0 ? 0 : litscan_next(ls, fail[s], c);
			ls->dict[t] = ls->outhead[fail[t]] >= 0
			    ? fail[t]
			    : ls->dict[fail[t]];
			queue[tail++] = t;
		}
	}
	free(queue);
	free(fail);
}

/* Rewrites every transition into the encoded form the scan loop reads. */
static void
litscan_encode(struct litscan *ls)
{
	size_t   i, n = (size_t)ls->nstates * ls->nclass;
	uint32_t t;
	int      term;

	for (i = 0; i < n; i++) {
		t = ls->delta[i];
		term = ls->outhead[t] >= 0 || ls->dict[t] >= 0;
		ls->delta[i] = (t * ls->nclass) << 1 | term;
	}
}

/* Builds the automaton from every literal added so far. */
void
litscan_build(struct litscan *ls)
{
	int i;

	litscan_clear(ls);
	if (ls->nlits == 0)
		return;
	litscan_classes(ls);
	litscan_state(ls);
	for (i = 0; i < ls->nlits; i++)
		litscan_insert(ls, &ls->lits[i]);
	litscan_links(ls);
	litscan_encode(ls);
}

/* Sets the bits of every literal that ends at state s. */
static void
litscan_mark(const struct litscan *ls, int s, uint64_t *bits)
{
	int32_t o;

	for (; s >= 0; s = ls->dict[s]) {
		for (o = ls->outhead[s]; o >= 0; o = ls->out[o].next)
			bits[ls->out[o].id / 64] |= UINT64_C(1)
			    << (ls->out[o].id % 64);
	}
}

/* Sets in bits the id of every literal that occurs in s, ignoring case. */
void
litscan_scan(
    const struct litscan *ls, const char *s, size_t len, uint64_t *bits)
{
	const unsigned char *p = (const unsigned char *)s;
	const uint32_t      *delta = ls->delta;
	const uint8_t       *cls = ls->cls;
	uint32_t             v = 0;
	size_t               i;

	if (delta == NULL)
		return;
	for (i = 0; i < len; i++) {
		v = delta[(v >> 1) + cls[p[i]]];
		if (v & 1)
			litscan_mark(ls, (v >> 1) / ls->nclass, bits);
	}
}

/* Returns the number of automaton states, for statistics. */
int
litscan_states(const struct litscan *ls)
{
	return ls->nstates;
}
