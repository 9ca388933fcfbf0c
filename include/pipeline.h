/*
 * pipeline: the one module that knows the order of the stages:
 * bytes -> lines -> records -> matches -> (merge) -> incidents -> output.
 * The subcommands parse, match and replay are the pipeline cut at
 * different stages; the daemon feeds the same stages from its tails.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "incident.h"

#define PIPELINE_MAX_SRCTZ 64
#define PIPELINE_MAX_RULES 64

struct conf;
struct rule_set;
struct source;
struct tz;

struct pipeline_opts {
	const char          *tz;
	const char          *srctz_glob[PIPELINE_MAX_SRCTZ];
	const char          *srctz_zone[PIPELINE_MAX_SRCTZ];
	int                  nsrctz;
	int                  year;
	const char          *display_tz;
	const char          *format;
	const char          *rules[PIPELINE_MAX_RULES];
	int                  nrules;
	int                  no_default_rules;
	const char          *config;
	int64_t              since_ns, until_ns;
	int                  all;
	int                  progress; /* 1 on, 0 off, -1 if stderr is a tty */
	int                  quiet;
	size_t               max_line;
	int64_t              reorder_ns;
	int64_t              now_ns; /* the wall clock, read once in main */
	struct incident_conf inc;
	unsigned             set;  /* PIPELINE_SET_*: given as flags */
	struct conf         *conf; /* -c, loaded */
};

#define PIPELINE_SET_QUIET    0x01
#define PIPELINE_SET_LOOKBACK 0x02
#define PIPELINE_SET_MINFAIL  0x04
#define PIPELINE_SET_MAXLINE  0x08

void pipeline_opts_default(struct pipeline_opts *);
int  pipeline_apply_conf(struct pipeline_opts *, const char *);
int  pipeline_load_rules(const struct pipeline_opts *, struct rule_set *);
int  pipeline_source_setup(
     const struct pipeline_opts *, struct source *, int64_t, int64_t);
int pipeline_parse(const struct pipeline_opts *, char *const *, int);
int pipeline_match(const struct pipeline_opts *, char *const *, int);
int pipeline_replay(const struct pipeline_opts *, char *const *, int);
int pipeline_check(const struct pipeline_opts *);

#endif /* PIPELINE_H */
