/*
 * out_jsonl: one JSON object per line on a stream, for the parse and
 * match subcommands: how each line was read (format, time, zone and
 * year provenance) or how it was classified (rule, category, captures).
 */
#ifndef OUT_JSONL_H
#define OUT_JSONL_H

#include <stdio.h>

struct lane;
struct lane_out;

int out_jsonl_record(FILE *, const struct lane *, const struct lane_out *);
int out_jsonl_match(FILE *, const struct lane *, const struct lane_out *);

#endif /* OUT_JSONL_H */
