/*
 * strtab: string interning with an open-addressing hash of ids. The
 * strings are copied once and freed with the table; lookups never
 * allocate. Not for per-line data: only names (sources, rotation sets).
 */
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "xmalloc.h"

#define STRTAB_EMPTY UINT32_MAX

struct strtab {
	char    **str;  /* by id */
	uint32_t *hash; /* by id */
	uint32_t  n, cap;
	uint32_t *slot; /* ids, STRTAB_EMPTY where free */
	uint32_t  nslot;
};

/* FNV-1a of a string. */
static uint32_t
strtab_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Creates an empty table. */
struct strtab *
strtab_new(void)
{
	struct strtab *t = xcalloc(1, sizeof(*t));

	t->nslot = 64;
	t->slot = xreallocarray(NULL, t->nslot, sizeof(*t->slot));
	memset(t->slot, 0xff, t->nslot * sizeof(*t->slot));
	return t;
}

/* Frees the table and every string in it (NULL is fine). */
void
strtab_free(struct strtab *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->hash);
	free(t->slot);
	free(t);
}

/* The slot holding s (hash h), or the free slot where it would go. */
static uint32_t
strtab_probe(const struct strtab *t, const char *s, uint32_t h)
{
	uint32_t i = h & (t->nslot - 1), id;

	while ((id = t->slot[i]) != STRTAB_EMPTY &&
	    (t->hash[id] != h || strcmp(t->str[id], s) != 0))
		i = (i + 1) & (t->nslot - 1);
	return i;
}

/* Doubles the hash when it is half full. */
static void
strtab_grow(struct strtab *t)
{
	uint32_t id;

	if (2 * (t->n + 1) <= t->nslot)
		return;
	free(t->slot);
	t->nslot *= 2;
	t->slot = xreallocarray(NULL, t->nslot, sizeof(*t->slot));
	memset(t->slot, 0xff, t->nslot * sizeof(*t->slot));
	for (id = 0; id < t->n; id++)
		t->slot[strtab_probe(t, t->str[id], t->hash[id])] = id;
}

/* The id of s, adding a copy of it if it is new. */
uint32_t
strtab_intern(struct strtab *t, const char *s)
{
	uint32_t h = strtab_hash(s), i;

	i = strtab_probe(t, s, h);
	if (t->slot[i] != STRTAB_EMPTY)
		return t->slot[i];
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->str = xreallocarray(t->str, t->cap, sizeof(*t->str));
		t->hash = xreallocarray(t->hash, t->cap, sizeof(*t->hash));
	}
	t->str[t->n] = xstrdup(s);
	t->hash[t->n] = h;
	strtab_grow(t);
	t->slot[strtab_probe(t, s, h)] = t->n;
	return t->n++;
}

/* 1 and *id if s is in the table, else 0. */
int
strtab_find(const struct strtab *t, const char *s, uint32_t *id)
{
	uint32_t i = strtab_probe(t, s, strtab_hash(s));

	if (t->slot[i] == STRTAB_EMPTY)
		return 0;
	*id = t->slot[i];
	return 1;
}

/* The string of id, or NULL for an id never given out. */
const char *
strtab_get(const struct strtab *t, uint32_t id)
{
	return id < t->n ? t->str[id] : NULL;
}

/* How many strings the table holds. */
uint32_t
strtab_count(const struct strtab *t)
{
	return t->n;
}
