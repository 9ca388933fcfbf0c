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
#include <sys/types.h>

#include "record.h"

#define PIPELINE_CHUNK (256 * 1024) /* replay reads inputs in such steps */

struct conf;
struct in_file;
struct lane;
struct rule_set;
struct source;
struct tz;

int pipeline_load_rules(const struct conf *, struct rule_set *);
const struct tz *
pipeline_zone(const struct conf *, const char *, enum record_zone_src *);
int
pipeline_source_setup(const struct conf *, struct source *, int64_t, int64_t);
struct in_file *
pipeline_open(const struct conf *, struct lane *, const char *, char *, size_t);
ssize_t pipeline_fill(
    const struct conf *, struct lane *, struct in_file *, char *, uint64_t);
int pipeline_parse(const struct conf *, char *const *, int);
int pipeline_match(const struct conf *, char *const *, int);
int pipeline_replay(const struct conf *, char *const *, int);
int pipeline_check(const struct conf *);

#endif /* PIPELINE_H */
