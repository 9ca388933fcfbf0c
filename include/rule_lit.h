/*
 * rule_lit: extracts from a PCRE2 pattern the literals every match must
 * contain (one of them), folded to lower case as the prefilter compares.
 * It reads pattern text only: no <pcre2.h>, no rules, no lines.
 */
#ifndef RULE_LIT_H
#define RULE_LIT_H

#include <stddef.h>

struct rule_lit;

struct rule_lit *rule_lit_extract(const char *, int);
void             rule_lit_free(struct rule_lit *);
int              rule_lit_count(const struct rule_lit *);
const char      *rule_lit_get(const struct rule_lit *, int);
int              rule_lit_min(const struct rule_lit *);
size_t           rule_lit_format(const struct rule_lit *, char *, size_t);

#endif /* RULE_LIT_H */
