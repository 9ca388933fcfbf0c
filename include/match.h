/*
 * match: a line a rule classified (or one the template miner surfaced as
 * unclassified), detached from its line buffer so it can wait in the
 * merge window and feed the incident engine: time, rule, where it came
 * from (source and line number), host, message and the rule's captures.
 * Fixed size: no allocation per match.
 */
#ifndef MATCH_H
#define MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "category.h"

struct record;
struct rule_hit;
struct rule_ref;
struct template_answer;

#define MATCH_MESSAGE_MAX 513 /* 512 bytes of UTF-8 and a NUL */
#define MATCH_TITLE_MAX   256
#define MATCH_FIELDS_MAX  512
#define MATCH_HOST_MAX    64
#define MATCH_RULE_MAX    129 /* a rule id of 128 bytes and a NUL */

struct match {
	int64_t  ts_ns;      /* UTC */
	int32_t  utc_offset; /* of the time as written */
	int      frac_digits;
	int      ambiguous;
	int      source; /* index of the source (file) */
	int      group;  /* the first file of its rotation set */
	uint64_t lineno;
	uint64_t end_off; /* stream offset past the line */
	uint64_t seq;     /* arrival order, for stable sorting */
	uint32_t tmpl;    /* unclassified: the template's id; else 0 */
	/* The rule, by value: a match can outlive its rule set (reload). */
	char                   rule_id[MATCH_RULE_MAX];
	enum category          cat;
	int                    open_min;
	const struct rule_ref *ref; /* set by the incident engine */
	char                   host[MATCH_HOST_MAX];
	char                   message[MATCH_MESSAGE_MAX];
	char                   title[MATCH_TITLE_MAX];
	char                   fields[MATCH_FIELDS_MAX]; /* "k\0v\0k\0v\0" */
	size_t                 fields_len;
};

void
match_from_hit(struct match *, const struct record *, const struct rule_hit *);
void match_from_template(
    struct match *, const struct record *, const struct template_answer *);
int    match_is_failure(const struct match *);
int    match_cmp(const struct match *, const struct match *);
size_t match_packed_size(const struct match *);
size_t match_pack(const struct match *, char *);
size_t match_unpack(struct match *, const char *);

#endif /* MATCH_H */
