/*
 * rule_export: the rule pack's patterns translated for other tools
 * (`timelined check --export-patterns`), so a benchmark can run grep -E
 * and rg on the same work. A translation may match more, never less.
 */
#ifndef RULE_EXPORT_H
#define RULE_EXPORT_H

#include <stddef.h>
#include <stdio.h>

struct rule;
struct rule_set;

/* The regex dialects patterns are exported to. */
enum rule_export_flavor {
	RULE_EXPORT_RG,  /* ripgrep's default engine (Rust regex), bytes */
	RULE_EXPORT_ERE, /* POSIX ERE with GNU \b, for LC_ALL=C grep -E */
	RULE_EXPORT_NFLAVORS
};

int rule_export_flavor(const char *);
int rule_export_pattern(const char *, const char *, const char *,
    enum rule_export_flavor, char *, size_t, const char **);
int rule_export_rule(const struct rule *, enum rule_export_flavor, char *,
    size_t, const char **);
int rule_export_set(const struct rule_set *, enum rule_export_flavor, FILE *);

#endif /* RULE_EXPORT_H */
