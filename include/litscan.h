/*
 * litscan: a case-folding filter over many literals (hashed 4-byte
 * grams, verified). One pass over a subject sets the bit of every literal
 * id that occurs in it, exactly. It knows bytes and ids, not rules or
 * regexes; rule.c gives it meaning.
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
void litscan_scan_within(const struct litscan *, const char *, size_t, size_t,
    size_t, uint64_t *, uint64_t *);
unsigned char litscan_fold(unsigned char);

#endif /* LITSCAN_H */
