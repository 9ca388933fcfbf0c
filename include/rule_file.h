/*
 * rule_file: loads rule files and directories (JSON, see docs/rules.md)
 * into a rule set, reporting every problem as FILE:LINE: message. It does
 * not compile patterns (rule.c does) nor read the environment: the caller
 * says where the built-in pack is.
 */
#ifndef RULE_FILE_H
#define RULE_FILE_H

struct rule_set;

int   rule_file_load(struct rule_set *, const char *);
int   rule_file_load_builtin(struct rule_set *, const char *);
char *rule_file_builtin_dir(const char *, const char *);

#endif /* RULE_FILE_H */
