/*
 * live: what the running daemon shows and takes over HTTP. It answers
 * the API from the engine's open incidents and the journal's closed ones
 * (reading both, changing neither on a GET), turns the engine's changes
 * into stream events, stores notes durably (in the engine or the journal,
 * then a checkpoint before the answer), spools Alertmanager's alerts as
 * log lines the daemon follows like a file, deduplicated, and writes the
 * metrics. The HTTP mechanics are out_http's.
 */
#ifndef LIVE_H
#define LIVE_H

#include <stdint.h>

struct conf;
struct evbuffer;
struct event_base;
struct incident;
struct incident_engine;
struct incident_entry;
struct journal;
struct report_source;
struct strtab;

#define LIVE_ALERT_SPOOL "spool-alertmanager.log"
#define LIVE_ALERT_NAME  "alertmanager"

/* What live asks of the daemon. */
struct live_hooks {
	void *arg;
	/* The sources as reports show them; the array is the daemon's. */
	int (*sources)(void *, const struct report_source **);
	void (*metrics)(void *, struct evbuffer *); /* the daemon's own */
	int (*commit)(void *);                      /* checkpoint now: 0 */
	int64_t (*now)(void *);                     /* the wall clock */
};

struct live;

struct live *
live_new(struct event_base *, const struct conf *, struct incident_engine *,
    struct journal *, struct strtab *, const struct live_hooks *);
void live_free(struct live *);
int  live_set_conf(struct live *, const struct conf *);
void
live_entry_cb(const struct incident *, const struct incident_entry *, void *);
void        live_closed(struct live *, const struct incident *, int);
void        live_flush(struct live *);
void        live_count_rule(struct live *, const char *);
const char *live_address(const struct live *);

#endif /* LIVE_H */
