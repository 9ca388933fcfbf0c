/*
 * journal: the daemon's closed incidents, kept across restarts in an
 * append-only file (state_dir/incidents.jsonl, one record per line: an
 * incident as the API shows it, or a note added to one later), and the
 * newest of them in memory for the API. What a checkpoint did not count
 * is cut off at start: the daemon reads those lines again and closes the
 * same incidents again. Incidents come back as the API's JSON and, for
 * the other outputs, as struct incident.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct incident;
struct journal;
struct json_t;
struct strtab;

struct journal *journal_open(const char *, uint64_t, int);
void            journal_free(struct journal *);
int             journal_add(struct journal *, struct json_t *);
int             journal_note(struct journal *, const char *, struct json_t *);
int             journal_sync(struct journal *);
int             journal_has(const struct journal *, const char *);
struct json_t  *journal_orphans(struct journal *);
uint64_t        journal_size(const struct journal *);
int             journal_count(const struct journal *);
struct json_t  *journal_get(const struct journal *, int);
struct json_t  *journal_find(struct journal *, const char *);
struct incident      *
journal_incident(struct journal *, struct json_t *, struct strtab *);
void journal_incident_free(struct incident *);

#endif /* JOURNAL_H */
