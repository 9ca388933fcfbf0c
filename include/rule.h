/*
 * rule: the PCRE2 rule engine. Loads rule files (JSON), compiles every
 * pattern with JIT, finds each line's candidate rules with one literal
 * prefilter pass and runs only their regexes. It knows records, not files
 * or incidents; <pcre2.h> is included here only in rule.c.
 */
#ifndef RULE_H
#define RULE_H

#include <stddef.h>
#include <stdint.h>

#include "category.h"

struct record;
struct rule_set;

#define RULE_MAX_CAPTURES 16

/* A loaded rule; read-only outside rule.c. */
struct rule {
	char         *id;       /* "postgres.too_many_clients" */
	char         *category; /* its name; until every module uses cat */
	enum category cat;
	char         *title;    /* "{db}: too many clients" */
	char         *field;    /* NULL: the message */
	char         *severity; /* NULL or "error", "critical"... */
	char         *file;     /* where it was defined */
	int           line;
	int           priority; /* higher wins when several match */
	int           open_min; /* matches needed to open alone; 0: 1 */
	int           index;    /* position in the set */
};

/* One capture of a match: slices into the subject, valid during the call. */
struct rule_capture {
	const char *name;
	const char *val;
	size_t      val_len;
};

/* The answer of rule_set_match(). */
struct rule_hit {
	const struct rule  *rule;
	struct rule_capture cap[RULE_MAX_CAPTURES];
	int                 ncap;
};

/* Counters the engine keeps, for stats and the benchmark. */
struct rule_stats {
	uint64_t lines;      /* records offered */
	uint64_t candidates; /* regex calls made */
	uint64_t limit_hits; /* lines skipped at the match limit */
};

struct rule_set   *rule_set_new(void);
void               rule_set_free(struct rule_set *);
int                rule_set_load(struct rule_set *, const char *);
int                rule_set_load_builtin(struct rule_set *);
int                rule_set_count(const struct rule_set *);
const struct rule *rule_set_get(const struct rule_set *, int);
void               rule_set_prefilter(struct rule_set *, int);
int rule_set_match(struct rule_set *, const struct record *, struct rule_hit *);
int rule_set_check(struct rule_set *, int);
const struct rule_stats *rule_set_stats(const struct rule_set *);
size_t rule_format_title(const struct rule_hit *, char *, size_t);
size_t rule_literals(const struct rule *, char *, size_t);
int    rule_category_is_failure(const char *);

#endif /* RULE_H */
