/*
 * litscan: a case-folding Aho-Corasick automaton over many literals. One
 * pass over a subject sets the bit of every literal id that occurs in it.
 * It knows bytes and ids, not rules or regexes; rule.c gives it meaning.
 */
#ifndef LITSCAN_H
#define LITSCAN_H

#include <stddef.h>
#include <stdint.h>

struct litscan;

struct litscan *litscan_new(void);
void            litscan_free(struct litscan *);
void            litscan_add(struct litscan *, const char *, size_t, int);
void            litscan_build(struct litscan *);
void litscan_scan(const struct litscan *, const char *, size_t, uint64_t *);
int  litscan_states(const struct litscan *);
unsigned char litscan_fold(unsigned char);

#endif /* LITSCAN_H */
