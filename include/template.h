/*
 * template: an online log-template miner for the lines no rule classified
 * (Drain: a fixed-depth tree by token count and leading tokens, then a
 * similarity threshold), with a baseline rate per template and source, so
 * that an error-like template that is new or spiking can be surfaced as an
 * "unclassified" entry. Event time only, bounded, no clock; it does not
 * build entries or incidents: the caller turns its answers into them.
 */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#define TEMPLATE_TOKENS_MAX 48   /* tokens of a line clustered; rest ignored */
#define TEMPLATE_TEXT_MAX   320  /* bytes of a template's text, NUL apart */
#define TEMPLATE_LINE_MAX   2048 /* bytes of a message read */
#define TEMPLATE_WILDCARD   "<*>"

/* Why a line is surfaced. */
enum template_why {
	TEMPLATE_NONE = 0,
	TEMPLATE_NEW,  /* first seen in a warm, settled source */
	TEMPLATE_SPIKE /* short-window rate far over its baseline */
};

struct template_conf {
	int      depth;          /* leading tokens on the tree path */
	double   sim;            /* similarity needed to join a template */
	int      max_templates;  /* in total */
	int      max_per_source; /* per source */
	int      max_sources;    /* source ids are 0 .. max_sources - 1 */
	uint64_t warm_lines;     /* a source is warm after this many lines */
	int64_t  warm_ns;        /* ...and this much event time */
	double   novel_max;      /* new: once-seen templates / lines at most */
	double   dense_min;      /* new: lines in the last warm_ns (decayed) */
	int64_t  short_ns;       /* the short window (spikes) */
	int64_t  long_ns;        /* the baseline's decay time */
	double   spike_factor;   /* short rate must exceed factor x baseline */
	int      spike_min;      /* ...with this many lines in the window */
	int64_t  hold_ns;        /* an episode lasts while gaps are shorter */
	int      strong_min;     /* episode lines that make it strong */
	int      info_quiet;     /* severity 5..7 is never error-like */
};

/*
 * The answer for one line. text points into the miner and is valid until
 * its next call; it is valid UTF-8, variables shown as "<*>".
 */
struct template_answer {
	uint32_t          id;      /* stable for the miner's life; 0: none */
	enum template_why why;     /* TEMPLATE_NONE: not surfaced */
	int               error;   /* the line is error-like */
	int               start;   /* this line opened the episode */
	int               strong;  /* the episode has strong_min lines */
	uint64_t          count;   /* lines of the template so far */
	uint64_t          episode; /* lines of the current episode */
	int64_t           first_ns, last_ns;     /* of the template */
	uint64_t          line_first, line_last; /* of the template */
	int64_t           episode_ns;            /* the episode's first line */
	uint64_t          episode_line;
	const char       *text;
	size_t            text_len;
};

/* Counters and sizes, for stats and the documentation. */
struct template_stats {
	uint64_t lines;       /* lines offered */
	uint64_t ignored;     /* no tokens, or a source id out of range */
	uint64_t dropped;     /* no room: every candidate for eviction held */
	uint64_t created;     /* templates made */
	uint64_t evicted;     /* templates dropped for room */
	uint64_t forgotten;   /* templates of sources forgotten */
	uint64_t surfaced;    /* lines surfaced */
	uint64_t episodes[3]; /* episodes started, by why */
	int      templates;   /* alive now */
	int      sources;     /* source slots in use */
	size_t   template_bytes; /* memory per template */
	size_t   bytes;          /* memory held now */
	size_t   max_bytes;      /* at the configured caps */
};

struct template_miner;

void                   template_conf_default(struct template_conf *);
struct template_miner *template_miner_new(const struct template_conf *);
void                   template_miner_free(struct template_miner *);
void                   template_miner_forget(struct template_miner *, int);
int template_miner_line(struct template_miner *, int, const char *, size_t, int,
    int64_t, uint64_t, struct template_answer *);
void
template_miner_stats(const struct template_miner *, struct template_stats *);
size_t      template_fold(const char *, size_t, char *, size_t);
int         template_error_words(const char *, size_t);
const char *template_why_name(enum template_why);

#endif /* TEMPLATE_H */
