/*
 * strtab: interns strings. Each distinct string gets a small id that
 * never changes and a copy that lives as long as the table, so names can
 * outlive whatever first said them (a tailed file that was rotated away,
 * a rule set replaced on reload). Ids are dense: 0, 1, 2 ...
 */
#ifndef STRTAB_H
#define STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab;

struct strtab *strtab_new(void);
void           strtab_free(struct strtab *);
uint32_t       strtab_intern(struct strtab *, const char *);
int            strtab_find(const struct strtab *, const char *, uint32_t *);
const char    *strtab_get(const struct strtab *, uint32_t);
uint32_t       strtab_count(const struct strtab *);

#endif /* STRTAB_H */
