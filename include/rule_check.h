/*
 * rule_check: `timelined check` on a loaded rule set: every rule's
 * examples, parsed as the pipeline parses lines and matched by that rule
 * alone, and the rules the literal prefilter cannot skip.
 */
#ifndef RULE_CHECK_H
#define RULE_CHECK_H

struct rule_set;

int rule_check_set(struct rule_set *, int);

#endif /* RULE_CHECK_H */
