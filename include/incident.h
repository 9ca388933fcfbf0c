/*
 * incident: the incremental assembler. Matches go in, in event-time order;
 * incidents come out: failures open and extend them, a quiet period closes
 * them, repeated matches coalesce into entries with first/last/count,
 * deploys and config changes in the look-back window become triggers.
 * Replay and the daemon drive the same engine; it never reads a clock.
 */
#ifndef INCIDENT_H
#define INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "match.h"

struct incident_conf {
	int64_t quiet_ns;       /* no failure this long: closed */
	int64_t lookback_ns;    /* triggers looked for this far */
	int     min_failures;   /* failures needed to open one */
	int64_t open_window_ns; /* ...within this window */
	int     max_entries;    /* per incident */
	int     max_incidents;  /* kept; oldest closed ones go */
	size_t  max_bytes;      /* entries of every incident, together */
};

/*
 * A rule as incidents remember it. The engine owns these, so entries
 * outlive the rule set that classified them (a reload frees it).
 */
struct rule_ref {
	const char   *id;
	const char   *category; /* category_name(cat) */
	enum category cat;
	int           open_min;
	uint32_t      index; /* order in which the engine first saw it */
};

/* One timeline line: a match, or a run of the same rule coalesced. */
struct incident_entry {
	int                    id;
	const struct rule_ref *rule;
	int                    source;      /* file of the first match */
	int                    source_last; /* file of the last match */
	int                    group; /* rotation set: app.log.1.gz + app.log */
	int                    trigger; /* also listed as a trigger */
	uint32_t               tmpl;    /* unclassified: the template */
	int64_t                first_ns, last_ns;
	int32_t                first_off;
	int                    first_frac, last_frac;
	uint64_t               count;
	uint64_t               line_first, line_last; /* of first, last */
	uint64_t               line_lo, line_hi;      /* span, in source */
	uint32_t               key;
	const char            *host, *message, *title; /* in text */
	const char            *fields; /* "k\0v\0k\0v\0", in text */
	size_t                 fields_len;
	char                  *text; /* one block holding the strings */
};

#define INCIDENT_NOTE_MAX  8
#define INCIDENT_UC_MAX    20 /* unclassified entries per incident */
#define INCIDENT_QUOTE_MAX 81 /* 80 bytes of a quoted message, and a NUL */

/* What a note for the postmortem author says; outputs render the text. */
enum incident_note_kind {
	INCIDENT_NOTE_ROLLBACK, /* failures went on after the rollback */
	INCIDENT_NOTE_RECURRED, /* failures came back after a recovery */
	INCIDENT_NOTE_SHIFTED,  /* a source looks shifted by a zone */
	INCIDENT_NOTE_DROPPED,  /* entries over the per-incident bound */
	INCIDENT_NOTE_UC,       /* unclassified ones over their bound */
	INCIDENT_NOTE_TEXT      /* read back as text (the daemon's journal) */
};

/* A note as data: its kind, the times and sources it is about. */
struct incident_note {
	enum incident_note_kind kind;
	int64_t                 t1, t2; /* ROLLBACK: rollback, last failure;
					   RECURRED: recovery, recurrence */
	int                     src_a, src_b; /* SHIFTED: src_b vs src_a */
	int64_t                 shift_ns;     /* SHIFTED */
	uint64_t                count;        /* DROPPED, UC */
	char                    quote[INCIDENT_QUOTE_MAX]; /* ROLLBACK */
	char                   *text; /* TEXT: owned by a journal's copy */
};

struct incident {
	char                   id[64];
	char                   title[128];
	int                    seq;
	int                    open;
	int64_t                start_ns, end_ns;
	int                    start_frac, end_frac;
	int64_t                detected_ns;  /* -1: no alert */
	int64_t                mitigated_ns; /* -1: none found */
	int                    mitigated_entry;
	int64_t                last_failure_ns, last_recovery_ns;
	int64_t                recur_ns, recur_after_ns; /* 0: none */
	int                    last_failure_frac, last_recovery_frac;
	uint64_t               failures;
	uint64_t               dropped;    /* matches past max_entries/bytes */
	uint64_t               uc_dropped; /* unclassified past theirs */
	size_t                 bytes;      /* what its entries take */
	struct incident_entry *entries;
	int                    nentries, capentries;
	struct incident_note   notes[INCIDENT_NOTE_MAX];
	int                    nnotes;
	int                    dirty; /* derived parts need refreshing */
};

struct incident_engine;

/*
 * Told of each entry added or updated, and of incidents closing (entry
 * NULL). The incident's derived parts (title, milestones, notes) may be
 * stale until incident_engine_sync().
 */
typedef void (*incident_cb)(
    const struct incident *, const struct incident_entry *, void *);

void                    incident_conf_default(struct incident_conf *);
struct incident_engine *incident_engine_new(const struct incident_conf *);
void                    incident_engine_free(struct incident_engine *);
void                    incident_engine_set_conf(
		       struct incident_engine *, const struct incident_conf *);
void    incident_engine_set_cb(struct incident_engine *, incident_cb, void *);
void    incident_engine_feed(struct incident_engine *, const struct match *);
void    incident_engine_advance(struct incident_engine *, int64_t);
void    incident_engine_finish(struct incident_engine *);
void    incident_engine_sync(struct incident_engine *);
int64_t incident_engine_low_water(const struct incident_engine *);
int64_t incident_engine_now(const struct incident_engine *);
int     incident_engine_count(const struct incident_engine *);
const struct incident *incident_engine_get(const struct incident_engine *, int);
const struct incident *
incident_engine_find(const struct incident_engine *, const char *);
struct incident *incident_engine_take_closed(struct incident_engine *);
uint64_t         incident_engine_dropped(const struct incident_engine *);
size_t           incident_engine_bytes(const struct incident_engine *);
int              incident_add_note(
		 struct incident_engine *, const char *, const char *, int64_t, int *);
void incident_free(struct incident *);

#endif /* INCIDENT_H */
