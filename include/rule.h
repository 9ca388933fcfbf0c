/*
 * rule: the PCRE2 rule engine. Compiles rule definitions (rule_file.c
 * reads them from files) with JIT, finds each line's candidate rules with
 * one literal prefilter pass and runs only their regexes. It knows
 * records, not files or incidents; <pcre2.h> is included in rule.c only.
 */
#ifndef RULE_H
#define RULE_H

#include <stddef.h>
#include <stdint.h>

#include "category.h"

struct record;
struct rule_set;

#define RULE_MAX_CAPTURES 16
#define RULE_MAX_WHERE    8 /* field conditions of one rule */

/* A loaded rule; read-only outside rule.c. */
struct rule {
	char         *id;       /* "postgres.too_many_clients" */
	char         *category; /* its name; until every module uses cat */
	enum category cat;
	char         *title;    /* "{db}: too many clients" */
	char         *field;    /* NULL: the message */
	char         *pattern;  /* as written, for rule_export.c */
	char         *flags;    /* NULL, or "i" caseless, "x" extended */
	char         *severity; /* NULL or "error", "critical"... */
	char         *file;     /* where it was defined */
	int           line;
	int           priority; /* higher wins when several match */
	int           open_min; /* matches needed to open alone; 0: 1 */
	int           index;    /* position in the set */
	int           builtin;  /* from the built-in pack */
	int           nwhere;   /* field conditions ("where") */
	char         *where_field[RULE_MAX_WHERE]; /* as written, for */
	char         *where_cond[RULE_MAX_WHERE];  /* rule_export.c */
	int           narrow;      /* runs only on records that have a
				      parsed field (an access log's status) */
	char        **examples[2]; /* lines: [0] match, [1] no_match */
	int           nexamples[2];
};

/*
 * A rule as a file defines it, for rule_set_add(). Strings are borrowed;
 * NULL means absent. name, file and line are where messages point.
 */
struct rule_def {
	const char   *name; /* the id, or "#N" without a valid one */
	const char   *id;
	enum category cat;
	const char   *pattern; /* NULL: the conditions alone */
	const char   *flags;   /* "i" caseless, "x" extended */
	const char   *field;   /* NULL: the message */
	const char   *severity;
	const char   *title; /* NULL: the id */
	/* "where": field name -> ">=500" (a comparison) or a regex. */
	const char        *where_field[RULE_MAX_WHERE];
	const char        *where_cond[RULE_MAX_WHERE];
	int                nwhere;
	const char *const *examples[2];
	int                nexamples[2];
	const char        *file;
	int                line;
	int                priority;
	int                open_min;
	int                builtin;
	int                errors; /* found so far: the rule is not added */
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
	uint64_t matches;    /* records a rule classified */
	uint64_t limit_hits; /* regex calls given up at a limit, all rules */
};

/* One rule's counters, for the outputs and metrics. */
struct rule_counts {
	uint64_t matches;    /* records it classified */
	uint64_t limit_hits; /* records it gave up on at a match, depth or
				stack limit (counted as not matching) */
};

struct rule_set   *rule_set_new(void);
struct rule_set   *rule_set_share(const struct rule_set *);
void               rule_set_free(struct rule_set *);
int                rule_set_add(struct rule_set *, struct rule_def *);
void               rule_set_prepare(struct rule_set *);
int                rule_set_count(const struct rule_set *);
const struct rule *rule_set_get(const struct rule_set *, int);
void               rule_set_prefilter(struct rule_set *, int);
int rule_set_match(struct rule_set *, const struct record *, struct rule_hit *);
int rule_set_try(struct rule_set *, const struct rule *, const struct record *);
int rule_set_prefilter_sees(
    struct rule_set *, const struct rule *, const struct record *);
const struct rule_stats  *rule_set_stats(const struct rule_set *);
const struct rule_counts *rule_set_counts(const struct rule_set *, int);
size_t rule_format_title(const struct rule_hit *, char *, size_t);
size_t rule_literals(const struct rule *, char *, size_t);
int    rule_literal_min(const struct rule *);
void   rule_report(const char *, int, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));
int rule_category_is_failure(const char *);

#endif /* RULE_H */
