/*
 * fuzz_parse: libFuzzer target for the per-line path of replay. The input
 * is framed into lines by linebuf; each line goes through a lane (the
 * same lane_line() replay and the daemon run: source, rules, match), and
 * then through every parser alone. Each line is copied into a heap buffer of exactly its length (no
 * NUL, no newline after it) so that AddressSanitizer reports a parser that
 * reads past len. Built and run by `make fuzz`; not part of `make check`.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lane.h"
#include "linebuf.h"
#include "log.h"
#include "match.h"
#include "parser.h"
#include "record.h"
#include "rule.h"
#include "rule_file.h"
#include "source.h"
#include "tz.h"

#define FUZZ_RULES_PACK "config/rules.d"
#define FUZZ_RULES_OWN  "tests/fuzz/rules.json"
#define FUZZ_CHUNK      509                 /* odd, so lines straddle chunks */
#define FUZZ_REF_S      INT64_C(1710500000) /* 2024-03-15 */

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What every input shares: set up once, on the first input. */
struct fuzz {
	struct rule_set *rules;
	const struct tz *zone;
	struct linebuf   lb;
};

/* The state of one input: its lane, and a checksum nobody reads. */
struct fuzz_input {
	struct fuzz      *fz;
	struct lane      *lane;
	volatile unsigned sink;
};

static struct fuzz fuzz_state;

/* Reports a broken promise about a record or match and crashes. */
static void __attribute__((noreturn)) fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_parse: %s\n", what);
	abort();
}

/* Loads path into a fresh set; the set if it has rules, else NULL. */
static struct rule_set *
fuzz_rules_from(const char *path)
{
	struct rule_set *set = rule_set_new();

	if (rule_file_load(set, path) == 0 && rule_set_count(set) > 0)
		return set;
	rule_set_free(set);
	return NULL;
}

/*
 * 1 if dir holds a rule file. An empty pack directory is not handed to
 * rule_file_load(): at the time of writing, rule_load_dir() passed NULL to
 * qsort() for an empty directory, which UBSan reports before any input.
 */
static int
fuzz_dir_has_rules(const char *dir)
{
	struct dirent *de;
	DIR           *d;
	size_t         n;
	int            found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		found = de->d_name[0] != '.' && n > 5 &&
		    strcmp(de->d_name + n - 5, ".json") == 0;
	}
	closedir(d);
	return found;
}

/*
 * Loads the built-in pack, or, while the pack is empty or does not load,
 * the fuzzer's own small rule file. Paths are relative to the repository
 * (make runs the fuzzer from there); $FUZZ_RULES overrides both.
 */
static void
fuzz_setup(struct fuzz *fz)
{
	const char *env = getenv("FUZZ_RULES");

	if (env != NULL && *env != '\0')
		fz->rules = fuzz_rules_from(env);
	else if (!fuzz_dir_has_rules(FUZZ_RULES_PACK) ||
	    (fz->rules = fuzz_rules_from(FUZZ_RULES_PACK)) == NULL)
		fz->rules = fuzz_rules_from(FUZZ_RULES_OWN);
	if (fz->rules == NULL)
		fuzz_fail("no rules loaded");
	fprintf(stderr, "fuzz_parse: %d rules\n", rule_set_count(fz->rules));
	if ((fz->zone = tz_get("Europe/Berlin")) == NULL)
		fuzz_fail("no zone Europe/Berlin");
	linebuf_init(&fz->lb, 0);
	/* Bad input is logged at a rate limit; keep the fuzzer's output. */
	log_init(0, -1);
}

/* Reads n bytes at p so that ASan checks them; folds them into *sink. */
static void
fuzz_touch(volatile unsigned *sink, const char *p, size_t n)
{
	unsigned h = *sink;
	size_t   i;

	for (i = 0; i < n; i++)
		h = h * 31 + (unsigned char)p[i];
	*sink = h;
}

/* 1 if [p, p+n) lies inside [base, base+len); an empty slice always does. */
static int
fuzz_inside(const char *p, size_t n, const char *base, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

	if (n == 0)
		return 1;
	return p != NULL && base != NULL && a >= b && a - b <= len &&
	    n <= len - (a - b);
}

/*
 * Checks what the README promises of a record: msg and every field slice
 * point into the line or the scratch, host and program are terminated
 * within their arrays. A broken promise aborts (the fuzzer's crash).
 */
static void
fuzz_check_record(volatile unsigned *sink, const struct record *r)
{
	const char *sc = r->scratch;
	size_t      scl = r->scratch_len;
	int         i;

	if (r->scratch_len > r->scratch_cap ||
	    memchr(r->host, '\0', sizeof(r->host)) == NULL ||
	    memchr(r->program, '\0', sizeof(r->program)) == NULL ||
	    r->nfields < 0 || r->nfields > RECORD_MAX_FIELDS)
		fuzz_fail("record: scratch, host, program or nfields broken");
	if (!fuzz_inside(r->msg, r->msg_len, r->line, r->len) &&
	    !fuzz_inside(r->msg, r->msg_len, sc, scl))
		fuzz_fail("record: msg outside the line and the scratch");
	fuzz_touch(sink, r->msg, r->msg_len);
	for (i = 0; i < r->nfields; i++) {
		const struct record_field *f = &r->fields[i];

		/* Keys may also be string constants ("status"). */
		if (!fuzz_inside(f->val, f->val_len, r->line, r->len) &&
		    !fuzz_inside(f->val, f->val_len, sc, scl))
			fuzz_fail("record: a field value outside the line "
				  "and the scratch");
		fuzz_touch(sink, f->key, f->key_len);
		fuzz_touch(sink, f->val, f->val_len);
	}
}

/* Checks a rule hit's captures and the match the lane built from it. */
static void
fuzz_hit(struct fuzz_input *in, const struct lane_out *lo)
{
	const struct record   *r = lo->rec;
	const struct rule_hit *h = lo->hit;
	const struct match    *m = lo->m;
	int                    i;

	for (i = 0; i < h->ncap; i++)
		if (h->cap[i].val != NULL) {
			if (!fuzz_inside(h->cap[i].val, h->cap[i].val_len,
				r->line, r->len) &&
			    !fuzz_inside(h->cap[i].val, h->cap[i].val_len,
				r->scratch, r->scratch_len) &&
			    !fuzz_inside(h->cap[i].val, h->cap[i].val_len,
				r->host, sizeof(r->host)) &&
			    !fuzz_inside(h->cap[i].val, h->cap[i].val_len,
				r->program, sizeof(r->program)))
				fuzz_fail("rule hit: a capture outside its "
					  "subject");
			fuzz_touch(&in->sink, h->cap[i].val, h->cap[i].val_len);
		}
	if (m == NULL)
		return;
	if (memchr(m->message, '\0', sizeof(m->message)) == NULL ||
	    memchr(m->title, '\0', sizeof(m->title)) == NULL ||
	    memchr(m->host, '\0', sizeof(m->host)) == NULL ||
	    m->fields_len > sizeof(m->fields))
		fuzz_fail("match: a string not terminated in its array");
	fuzz_touch(&in->sink, m->message, strlen(m->message));
	fuzz_touch(&in->sink, m->title, strlen(m->title));
	(void)match_is_failure(m);
}

/* The lane's callback: checks the record, the hit and the match. */
static void
fuzz_lane_cb(struct lane *l, const struct lane_out *lo, void *arg)
{
	struct fuzz_input *in = arg;

	(void)l;
	fuzz_check_record(&in->sink, lo->rec);
	if (lo->hit != NULL)
		fuzz_hit(in, lo);
}

/* Feeds the line to each parser alone, with an exactly-sized scratch. */
static void
fuzz_parsers(struct fuzz_input *in, const char *line, size_t len)
{
	const struct parser *const *all = parser_all();
	struct record               r;
	int                         i;

	memset(&r, 0, sizeof(r));
	r.scratch_cap = 2 * len + 16;
	if ((r.scratch = malloc(r.scratch_cap)) == NULL)
		abort();
	for (i = 0; all[i] != NULL; i++) {
		record_reset(&r, line, len);
		if (all[i]->parse(line, len, &r))
			fuzz_check_record(&in->sink, &r);
	}
	free(r.scratch);
}

/* One framed line: the replay path on an exact copy, then each parser. */
static void
fuzz_line_cb(const char *line, size_t len, uint64_t end, void *arg)
{
	struct fuzz_input *in = arg;
	char              *copy;

	/* malloc(0) under ASan is a valid pointer no byte of which is ours. */
	if ((copy = malloc(len)) == NULL && len > 0)
		abort();
	if (len > 0)
		memcpy(copy, line, len);
	lane_line(in->lane, copy, len, end);
	fuzz_parsers(in, copy, len);
	free(copy);
}

/*
 * libFuzzer's entry point. Each input gets a fresh source, so a crash
 * reproduces from its input file alone; the rules, the zone and the line
 * buffer are shared.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz      *fz = &fuzz_state;
	struct fuzz_input in;
	const char       *p = (const char *)data;
	size_t            off, n;

	if (fz->rules == NULL)
		fuzz_setup(fz);
	memset(&in, 0, sizeof(in));
	in.fz = fz;
	in.lane = lane_new("fuzz", 0, 0);
	lane_set_rules(in.lane, fz->rules);
	lane_set_cb(in.lane, fuzz_lane_cb, &in);
	source_set_zone(lane_source(in.lane), fz->zone, RECORD_ZONE_SOURCE);
	source_set_year(lane_source(in.lane), 0, FUZZ_REF_S, RECORD_YEAR_MTIME);
	for (off = 0; off < size; off += n) {
		n = size - off < FUZZ_CHUNK ? size - off : FUZZ_CHUNK;
		linebuf_feed(&fz->lb, p + off, n, fuzz_line_cb, &in);
	}
	linebuf_flush(&fz->lb, fuzz_line_cb, &in);
	lane_free(in.lane);
	return 0;
}
