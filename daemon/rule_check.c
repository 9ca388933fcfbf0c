/*
 * rule_check: what `timelined check` runs on a loaded rule set. Each
 * example line is parsed as the pipeline parses lines (format detection,
 * then the rule's field) and matched by its own rule alone; rules the
 * prefilter cannot help are reported. This is where the rule engine meets
 * the parsers, so that rule.c need not know them.
 */
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "record.h"
#include "rule.h"
#include "rule_check.h"
#include "xmalloc.h"

#define RULE_CHECK_LIT_GOOD 4 /* shorter literals are reported */

/* Parses an example line into rec, whose scratch is buf. */
static void
rule_check_parse(struct record *rec, const char *line, char *buf, size_t cap)
{
	struct parser_state ps = {NULL};

	memset(rec, 0, sizeof(*rec));
	rec->scratch = buf;
	rec->scratch_cap = cap;
	record_reset(rec, line, strlen(line));
	parser_detect(&ps, rec);
}

/*
 * Checks example n of list k (0 match, 1 no_match); 1 if it fails. An
 * example on which the regex hit a limit is counted in *limits.
 */
static int
rule_check_example(
    struct rule_set *set, const struct rule *r, int k, int n, int *limits)
{
	struct record rec;
	const char   *line = r->examples[k][n];
	size_t        cap = 2 * strlen(line) + 256;
	char         *buf = xmalloc(cap);
	int           got, rc, bad = 0;

	rule_check_parse(&rec, line, buf, cap);
	rc = rule_set_try(set, r, &rec);
	*limits += rc == -1;
	got = rc == 1;
	if (got != (k == 0)) {
		rule_report(r->file, r->line, r->id,
		    k == 0 ? "example %d does not match: "
			     "\"%s\""
			   : "example %d matches but should not: \"%s\"",
		    n + 1, line);
		bad = 1;
	} else if (got && !rule_set_prefilter_sees(set, r, &rec)) {
		rule_report(r->file, r->line, r->id,
		    "example %d matches but the literal "
		    "prefilter misses it (a bug; please report): \"%s\"",
		    n + 1, line);
		bad = 1;
	}
	free(buf);
	return bad;
}

/* Checks one rule's examples and literals; returns its error count. */
static int
rule_check_rule(struct rule_set *set, const struct rule *r, int warn_literals)
{
	int k, n, errors = 0, limits = 0;

	if (r->nexamples[0] + r->nexamples[1] == 0 && r->builtin) {
		rule_report(r->file, r->line, r->id,
		    "no examples; built-in rules need them");
		errors++;
	} else if (r->nexamples[0] + r->nexamples[1] == 0)
		rule_report(r->file, r->line, r->id, "warning: no examples");
	for (k = 0; k < 2; k++)
		for (n = 0; n < r->nexamples[k]; n++)
			errors += rule_check_example(set, r, k, n, &limits);
	/* On a real line the rule would be given up the same way. */
	if (limits > 0) {
		rule_report(r->file, r->line, r->id,
		    "%d example%s hit the PCRE2 match or depth limit (such "
		    "lines count as not matching)",
		    limits, limits > 1 ? "s" : "");
		errors++;
	}
	/* A rule on a parsed field (an access log's status), by its field
	 * or a condition, only runs on lines that have that field: cheap
	 * whatever its literals. */
	if (warn_literals && rule_literal_min(r) < RULE_CHECK_LIT_GOOD &&
	    !r->narrow)
		rule_report(r->file, r->line, r->id,
		    "no distinctive literal of %d or more "
		    "bytes; it runs on most lines",
		    RULE_CHECK_LIT_GOOD);
	return errors;
}

/*
 * Runs every rule's examples (and, if warn_literals, reports rules the
 * prefilter cannot help with). Returns the number of errors. The set's
 * counters do not move.
 */
int
rule_check_set(struct rule_set *set, int warn_literals)
{
	int i, errors = 0;

	for (i = 0; i < rule_set_count(set); i++)
		errors += rule_check_rule(
		    set, rule_set_get(set, i), warn_literals);
	return errors;
}
