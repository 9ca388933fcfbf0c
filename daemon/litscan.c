/*
 * litscan: the literal prefilter. Literals are added, then built into a
 * filter of 4-byte grams: each literal is entered under the grams at a
 * few consecutive offsets of its own (the rarest in log text), so that a
 * scan need hash only every stride-th gram of the subject and test one
 * bit of a small bitmap; only where the bit is set does it look the gram
 * up and verify its literals. It reports exactly the literals that
 * occur, ignoring ASCII case; it does not know what the ids mean (rule.c
 * gives them meaning).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "litscan.h"
#include "xmalloc.h"

/*
 * The bitmap has 2^LITSCAN_BITS bits (32 KB, in L1/L2 cache): with the
 * built-in pack's ~800 literals at 4 grams each about 1% are set, so
 * almost every gram tested costs a load, a multiply and a bit test.
 */
#define LITSCAN_BITS       18
#define LITSCAN_STRIDE_MAX 4
#define LITSCAN_FOLD       0x20202020u /* sets bit 5 of each gram byte */
#define LITSCAN_MUL        0x9e3779b1u /* Knuth's multiplicative hash */
#define LITSCAN_UNCOMMON   1024        /* above any sum of 4 rarities */

/*
 * How rare each byte is in log text, -8 log2 of its frequency, by the
 * byte OR 0x20 as the hash sees it (255: never seen); a gram's is the sum
 * of its bytes'. And the 256 most frequent grams (folded, little-endian),
 * which are avoided whatever their bytes: "tion", "http", "erro". Both
 * made by `bench/bytefreq.py --grams 256` from 277 files of real logs of
 * many kinds (../shared/corpus without its docs, 6.89 MB), not from the
 * benchmark corpus. A poor choice costs verifications, never a literal.
 */
/* clang-format off */
static const uint8_t litscan_rarity[256] = { /* 16 bytes a row */
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	 26,122, 57, 80, 91, 70,103, 92, 69, 65, 56, 85, 61, 41, 43, 53,
	 35, 36, 40, 45, 45, 44, 47, 47, 48, 48, 43, 83, 99, 59, 97,108,
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	 85, 37, 50, 42, 42, 33, 49, 51, 53, 40, 71, 56, 44, 48, 39, 38,
	 48, 77, 39, 41, 38, 49, 57, 61, 63, 62, 73, 61, 69, 60, 87, 61,
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	159,166,145,158,154,169,161,163,149,161,158,154,161,174,155,159,
	155,161,166,151,153,136,163,163,174,151,158,159,153,169,169,154,
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
	145,142,133,141,153,150,159,145,145,150,148,158,151,147,154,150,
	151,147,155,150,148,158,159,163,139,154,150,139,137,148,147,140,
};

static const uint32_t litscan_common[256] = { /* sorted */
	0x20202020, 0x20206c75, 0x20206f66, 0x202d202d, 0x202d2065, 0x202d2a2d,
	0x20303120, 0x20316e69, 0x2039302f, 0x2039322d, 0x203a7265, 0x20636564,
	0x20646574, 0x20656761, 0x20676e69, 0x206c756a, 0x206d6f72, 0x206e6920,
	0x206e6f69, 0x206f666e, 0x206f7420, 0x20726f66, 0x20726f72, 0x20736574,
	0x20746567, 0x20746e65, 0x20746f6e, 0x20766f6e, 0x25386425, 0x2a2a2a2a,
	0x2d202d20, 0x2d2d2d2d, 0x2d30312d, 0x2d343230, 0x2d35302d, 0x2d353130,
	0x2d37302d, 0x2d373130, 0x2d39302d, 0x2d647269, 0x2e303120, 0x2e30312e,
	0x2e30312f, 0x2e31312e, 0x2e353030, 0x2e657475, 0x2e676f6c, 0x2e736664,
	0x2f36302f, 0x2f37312a, 0x302d3432, 0x302d3530, 0x302d3731, 0x302f3630,
	0x302f3731, 0x30303030, 0x30303033, 0x30303220, 0x30322031, 0x30322039,
	0x30322a2d, 0x303d6469, 0x31202d2a, 0x31203730, 0x31203731, 0x312d3031,
	0x312d3530, 0x312e3031, 0x312e3530, 0x3130322a, 0x3131202d, 0x31312e35,
	0x31333131, 0x313a3032, 0x316e696d, 0x32203930, 0x33313120, 0x34323032,
	0x35302d34, 0x35302d37, 0x35303032, 0x35313032, 0x35322e30, 0x353a3031,
	0x353a3331, 0x36302f37, 0x36312d35, 0x37302d35, 0x37313032, 0x39302f36,
	0x3a303020, 0x3a30313a, 0x3a303220, 0x3a323120, 0x3a35353a, 0x3a363120,
	0x3a383120, 0x3a6f672e, 0x3d646975, 0x61636f6c, 0x61656c20, 0x61666172,
	0x616e6166, 0x616e616d, 0x6172736d, 0x61746164, 0x61747320, 0x6174736e,
	0x61766f6e, 0x62616c20, 0x62633225, 0x63617020, 0x63656e6e, 0x63657220,
	0x63657865, 0x636f6c62, 0x64206f66, 0x64616572, 0x64656c69, 0x64657465,
	0x64687373, 0x646e756f, 0x646f6e20, 0x646f7020, 0x64726962, 0x65636572,
	0x65646f6e, 0x6567616e, 0x65686361, 0x65696c63, 0x656b726f, 0x656c6261,
	0x656c6564, 0x656c6961, 0x656c6966, 0x656d616e, 0x656d6974, 0x656d6f72,
	0x656e6961, 0x656e6e6f, 0x656e7265, 0x6572203a, 0x65727b20, 0x65736165,
	0x65737520, 0x65746174, 0x6574656c, 0x65746e69, 0x65747379, 0x65747962,
	0x65766965, 0x65767265, 0x6578652e, 0x66617267, 0x666e6920, 0x67616e61,
	0x676e6974, 0x676f6c20, 0x676f6c2e, 0x68737320, 0x68747561, 0x69616620,
	0x69656365, 0x696d6461, 0x69746172, 0x69746365, 0x6a3a632d, 0x6b636170,
	0x6b636f6c, 0x6b726f77, 0x6b736174, 0x6c616320, 0x6c656e72, 0x6c696166,
	0x6c696174, 0x6c707061, 0x6c756a2a, 0x6d657473, 0x6d697420, 0x6d6f6320,
	0x6d6f632e, 0x6d6f7266, 0x6e616661, 0x6e65696c, 0x6e657265, 0x6e69202c,
	0x6e696d64, 0x6e6e6f63, 0x6e6f6320, 0x6e6f6973, 0x6e6f6974, 0x6e726177,
	0x6e72656b, 0x6f646168, 0x6f666e69, 0x6f697461, 0x6f697463, 0x6f6c6220,
	0x6f6e2031, 0x6f6f6461, 0x6f726620, 0x6f726863, 0x6f727020, 0x6f727265,
	0x6f747563, 0x70657473, 0x706d6574, 0x706d6f63, 0x706f6f64, 0x70706120,
	0x70747468, 0x72617720, 0x72656761, 0x72656b20, 0x72656b72, 0x72657375,
	0x7265746e, 0x72657672, 0x72696274, 0x726f6620, 0x726f7272, 0x726f7461,
	0x726f7475, 0x72726520, 0x7361656c, 0x73626320, 0x73657479, 0x73676f6c,
	0x73757461, 0x74206465, 0x74616369, 0x74617473, 0x7463656e, 0x74656c65,
	0x74696e69, 0x746e6569, 0x746e6920, 0x746e6f63, 0x746f6e20, 0x74736f68,
	0x74737973, 0x74746820, 0x74756365, 0x7475706d, 0x74796220, 0x75636578,
	0x756a2a2d, 0x75706d6f, 0x75746174, 0x76696563, 0x766f6e20, 0x766f6e2a,
	0x76726573, 0x786f7270, 0x79786f72, 0x7f6b6c62,
};
/* clang-format on */

struct litscan_lit {
	unsigned char *s; /* folded to lower case */
	size_t         len;
	int            id;
	int            same; /* next literal with the same bytes, -1 */
};

/* A literal entered under the gram at offset off of the literal. */
struct litscan_ent {
	int      lit;
	uint32_t off;
	uint32_t first4; /* the literal's first gram, 0 if under 4 bytes */
	int      next;   /* next entry of the same gram, -1 */
};

/* A gram of the lookup table; first -1 is an empty slot. */
struct litscan_slot {
	uint32_t gram;
	int      first; /* its first entry */
};

struct litscan {
	struct litscan_lit *lits;
	int                 nlits;
	int                 litcap;

	size_t               stride; /* grams tested: every stride-th */
	uint64_t            *bitmap; /* bit hash(gram) of every gram */
	struct litscan_slot *slots;  /* open addressing by hash(gram) */
	uint32_t             slotmask;
	struct litscan_ent  *ents;
	int                  nents;
	int                  entcap;
	int                 *shorts; /* literals under 3 bytes, searched */
	int                  nshorts;
};

/*
 * Returns the ASCII lower case of byte c; other bytes are unchanged. The
 * filter compares folded bytes, so literals are extracted folded too.
 */
unsigned char
litscan_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The 4 bytes at p as a gram, bit 5 set in each: both cases are one. */
static inline uint32_t
litscan_gram(const unsigned char *p)
{
	uint32_t g;

	memcpy(&g, p, sizeof(g));
	return g | LITSCAN_FOLD;
}

/* The bitmap bit of gram g. */
static inline uint32_t
litscan_hash(uint32_t g)
{
	return (g * LITSCAN_MUL) >> (32 - LITSCAN_BITS);
}

/* Creates an empty filter. */
struct litscan *
litscan_new(void)
{
	return xcalloc(1, sizeof(struct litscan));
}

/* Frees the built tables, keeping the literals. */
static void
litscan_clear(struct litscan *ls)
{
	free(ls->bitmap);
	free(ls->slots);
	free(ls->ents);
	free(ls->shorts);
	ls->bitmap = NULL;
	ls->slots = NULL;
	ls->ents = NULL;
	ls->shorts = NULL;
	ls->slotmask = 0;
	ls->nents = ls->entcap = ls->nshorts = 0;
}

/* Frees a filter; accepts NULL. */
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
	size_t              i;

	if (len == 0)
		return;
	if (ls->nlits == ls->litcap) {
		ls->litcap = ls->litcap ? ls->litcap * 2 : 16;
		ls->lits = xreallocarray(
		    ls->lits, ls->litcap, sizeof(*ls->lits));
	}
	l = &ls->lits[ls->nlits++];
	l->s = xmalloc(len);
	for (i = 0; i < len; i++)
		l->s[i] = litscan_fold((unsigned char)s[i]);
	l->len = len;
	l->id = id;
	l->same = -1;
}

/* Returns the slot of gram g: where it is, or the empty slot it goes to. */
static struct litscan_slot *
litscan_slot(const struct litscan *ls, uint32_t g)
{
	uint32_t k = litscan_hash(g) & ls->slotmask;

	while (ls->slots[k].first >= 0 && ls->slots[k].gram != g)
		k = (k + 1) & ls->slotmask;
	return &ls->slots[k];
}

/*
 * The gram of literal l at offset j; a byte past its end (at most one:
 * see litscan_stride) is c.
 */
static uint32_t
litscan_gram_of(const struct litscan_lit *l, size_t j, unsigned char c)
{
	unsigned char b[4];
	size_t        i;

	for (i = 0; i < 4; i++)
		b[i] = j + i < l->len ? l->s[j + i] : c;
	return litscan_gram(b);
}

/* 1 if gram g is one of the most frequent in log text. */
static int
litscan_is_common(uint32_t g)
{
	size_t lo = 0, hi = sizeof(litscan_common) / sizeof(litscan_common[0]);
	size_t mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (litscan_common[mid] < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sizeof(litscan_common) / sizeof(litscan_common[0]) &&
	    litscan_common[lo] == g;
}

/*
 * How rare the gram at offset j of l is: the sum of its bytes' rarity,
 * far more if it is whole and not a frequent gram; a byte past the end
 * counts as common.
 */
static unsigned
litscan_score(const struct litscan_lit *l, size_t j)
{
	unsigned score = 0;
	size_t   i;

	for (i = j; i < j + 4 && i < l->len; i++)
		score += litscan_rarity[l->s[i] | 0x20];
	if (j + 4 <= l->len && !litscan_is_common(litscan_gram(l->s + j)))
		score += LITSCAN_UNCOMMON;
	return score;
}

/*
 * The stride: a literal of len bytes is entered under stride grams at
 * consecutive offsets, one of which every stride-th subject position
 * meets; each may reach one byte past the literal (a wildcard), so the
 * shortest literal of 3 bytes or more bounds it at len - 2.
 */
static size_t
litscan_stride(const struct litscan *ls)
{
	size_t s = LITSCAN_STRIDE_MAX;
	int    k;

	for (k = 0; k < ls->nlits; k++)
		if (ls->lits[k].len >= 3 && ls->lits[k].len - 2 < s)
			s = ls->lits[k].len - 2;
	return s;
}

/*
 * The first offset of the literal's window of stride grams: the window
 * whose most common gram is the rarest, so few subject positions match.
 * Only a literal of stride + 2 bytes has a gram reaching past its end.
 */
static size_t
litscan_window(const struct litscan_lit *l, size_t stride)
{
	unsigned *score = xcalloc(l->len, sizeof(*score)), worst, top = 0;
	size_t    o, j, best = 0;

	for (j = 0; j < l->len; j++)
		score[j] = litscan_score(l, j);
	for (o = 0; o + stride + 3 <= l->len; o++) {
		worst = UINT32_MAX;
		for (j = o; j < o + stride; j++)
			if (score[j] < worst)
				worst = score[j];
		if (worst > top) {
			top = worst;
			best = o;
		}
	}
	free(score);
	return best;
}

/* 1 if literals a and b have the same bytes. */
static int
litscan_same(const struct litscan_lit *a, const struct litscan_lit *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/*
 * 1 if literal k has the same bytes as a literal entered already under
 * gram g at offset off (two rules, one literal): k then joins that one's
 * list, so it is verified once per position.
 */
static int
litscan_dup(struct litscan *ls, int k, uint32_t off, uint32_t g)
{
	const struct litscan_ent *e;
	struct litscan_lit       *first;
	int                       i;

	for (i = litscan_slot(ls, g)->first; i >= 0; i = e->next) {
		e = &ls->ents[i];
		first = &ls->lits[e->lit];
		if (e->off == off && litscan_same(first, &ls->lits[k])) {
			ls->lits[k].same = first->same;
			first->same = k;
			return 1;
		}
	}
	return 0;
}

/* Enters literal k under gram g, its gram at offset off. */
static void
litscan_enter(struct litscan *ls, int k, uint32_t off, uint32_t g)
{
	struct litscan_slot *sl = litscan_slot(ls, g);
	struct litscan_ent  *e;
	uint32_t             h = litscan_hash(g);

	if (ls->nents == ls->entcap) {
		ls->entcap = ls->entcap ? ls->entcap * 2 : 256;
		ls->ents = xreallocarray(
		    ls->ents, ls->entcap, sizeof(*ls->ents));
	}
	e = &ls->ents[ls->nents];
	e->lit = k;
	e->off = off;
	e->first4 = ls->lits[k].len >= 4 ? litscan_gram(ls->lits[k].s) : 0;
	e->next = sl->first;
	sl->gram = g;
	sl->first = ls->nents++;
	ls->bitmap[h / 64] |= UINT64_C(1) << (h % 64);
}

/*
 * Enters literal k under the stride grams of its window; a gram that
 * reaches past the literal's end is entered once per value its last byte
 * can have as the hash sees it (OR 0x20: 128 values).
 */
static void
litscan_enter_lit(struct litscan *ls, int k)
{
	const struct litscan_lit *l = &ls->lits[k];
	size_t                    o = litscan_window(l, ls->stride), j;
	unsigned                  c;

	if (litscan_dup(ls, k, o, litscan_gram_of(l, o, ' ')))
		return;
	for (j = o; j < o + ls->stride; j++) {
		if (j + 4 <= l->len) {
			litscan_enter(ls, k, j, litscan_gram_of(l, j, 0));
			continue;
		}
		for (c = 0x20; c < 0x100; c = (c + 1) | 0x20)
			litscan_enter(ls, k, j, litscan_gram_of(l, j, c));
	}
}

/* Sizes the tables: the gram table a power of two over twice the grams. */
static void
litscan_alloc(struct litscan *ls)
{
	size_t n = 16, grams = 0;
	int    k;

	for (k = 0; k < ls->nlits; k++)
		if (ls->lits[k].len >= 3)
			grams += ls->stride +
			    127 * (ls->lits[k].len < ls->stride + 3);
	while (n < 2 * grams)
		n *= 2;
	ls->slots = xcalloc(n, sizeof(*ls->slots));
	for (k = 0; k < (int)n; k++)
		ls->slots[k].first = -1;
	ls->slotmask = (uint32_t)n - 1;
	ls->bitmap = xcalloc(
	    (UINT64_C(1) << LITSCAN_BITS) / 64, sizeof(*ls->bitmap));
	ls->shorts = xcalloc(ls->nlits + 1, sizeof(*ls->shorts));
}

/* Builds the filter from every literal added so far. */
void
litscan_build(struct litscan *ls)
{
	int k;

	litscan_clear(ls);
	ls->stride = litscan_stride(ls);
	litscan_alloc(ls);
	for (k = 0; k < ls->nlits; k++)
		ls->lits[k].same = -1;
	for (k = 0; k < ls->nlits; k++) {
		if (ls->lits[k].len < 3)
			ls->shorts[ls->nshorts++] = k;
		else
			litscan_enter_lit(ls, k);
	}
}

/*
 * Where a scan reports: every literal found sets its bit in all (unless
 * NULL), one that lies within [lo, hi) of the subject also in within.
 */
struct litscan_out {
	uint64_t *all;
	uint64_t *within; /* NULL: no window */
	size_t    lo, hi;
};

/* Sets the bits of literal k and of every literal with the same bytes. */
static void
litscan_mark(const struct litscan *ls, int k, uint64_t *bits)
{
	int id;

	for (; k >= 0; k = ls->lits[k].same) {
		id = ls->lits[k].id;
		bits[id / 64] |= UINT64_C(1) << (id % 64);
	}
}

/* Reports literal k, found at s[at]. */
static void
litscan_found(
    const struct litscan *ls, int k, size_t at, const struct litscan_out *out)
{
	if (out->all != NULL)
		litscan_mark(ls, k, out->all);
	if (out->within != NULL && at >= out->lo &&
	    at + ls->lits[k].len <= out->hi)
		litscan_mark(ls, k, out->within);
}

/* 1 if literal l occurs at s[at], ignoring case. */
static int
litscan_at(const struct litscan_lit *l, const unsigned char *s, size_t at)
{
	size_t j;

	for (j = 0; j < l->len; j++)
		if (litscan_fold(s[at + j]) != l->s[j])
			return 0;
	return 1;
}

/*
 * Verifies the literals of gram g, the gram at s[i], against subject s
 * of n bytes: where each would start, in bounds, its first gram first.
 */
static void
litscan_probe(const struct litscan *ls, uint32_t g, const unsigned char *s,
    size_t n, size_t i, const struct litscan_out *out)
{
	const struct litscan_ent *e;
	const struct litscan_lit *l;
	size_t                    at;
	int                       k;

	for (k = litscan_slot(ls, g)->first; k >= 0; k = e->next) {
		e = &ls->ents[k];
		l = &ls->lits[e->lit];
		if (i < e->off || (at = i - e->off) + l->len > n)
			continue;
		if (e->first4 != 0 && litscan_gram(s + at) != e->first4)
			continue;
		if (litscan_at(l, s, at))
			litscan_found(ls, e->lit, at, out);
	}
}

/* Searches s for the literals under 3 bytes, which no gram holds. */
static void
litscan_shorts(const struct litscan *ls, const unsigned char *s, size_t n,
    const struct litscan_out *out)
{
	const struct litscan_lit *l;
	size_t                    i;
	int                       k;

	for (k = 0; k < ls->nshorts; k++) {
		l = &ls->lits[ls->shorts[k]];
		for (i = 0; i + l->len <= n; i++)
			if (litscan_at(l, s, i))
				litscan_found(ls, ls->shorts[k], i, out);
	}
}

/* Tests the gram g at s[i] and verifies its literals if its bit is set. */
static inline void
litscan_test(const struct litscan *ls, uint32_t g, const unsigned char *s,
    size_t n, size_t i, const struct litscan_out *out)
{
	uint32_t h = litscan_hash(g);

	if (ls->bitmap[h / 64] >> (h % 64) & 1)
		litscan_probe(ls, g, s, n, i, out);
}

/*
 * One pass over s: each occurrence of a literal covers one tested
 * position with one of its grams; a gram that reaches one byte past the
 * subject's end is padded.
 */
static void
litscan_run(const struct litscan *ls, const unsigned char *s, size_t len,
    const struct litscan_out *out)
{
	unsigned char tail[4];
	size_t        i, stride = ls->stride;

	if (ls->bitmap == NULL)
		return;
	for (i = 0; i + 4 <= len; i += stride)
		litscan_test(ls, litscan_gram(s + i), s, len, i, out);
	if (i + 3 == len) {
		memcpy(tail, s + i, 3);
		tail[3] = ' ';
		litscan_test(ls, litscan_gram(tail), s, len, i, out);
	}
	if (ls->nshorts > 0)
		litscan_shorts(ls, s, len, out);
}

/* Sets in bits the id of every literal that occurs in s, ignoring case. */
void
litscan_scan(
    const struct litscan *ls, const char *s, size_t len, uint64_t *bits)
{
	struct litscan_out out = {bits, NULL, 0, 0};

	litscan_run(ls, (const unsigned char *)s, len, &out);
}

/*
 * Like litscan_scan() into all (unless NULL), and in the same pass sets
 * in within the id of every literal that occurs inside s[lo, hi): one
 * pass serves a line and a message that is a slice of it.
 */
void
litscan_scan_within(const struct litscan *ls, const char *s, size_t len,
    size_t lo, size_t hi, uint64_t *all, uint64_t *within)
{
	struct litscan_out out = {all, within, lo, hi};

	litscan_run(ls, (const unsigned char *)s, len, &out);
}
