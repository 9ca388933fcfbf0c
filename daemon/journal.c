/*
 * journal: incidents.jsonl. Each line is {"incident": {...}} (a closed
 * incident, the API's object) or {"note": {...entry...}, "to": "ID"} (a
 * note added to a closed incident). Lines are appended with one write
 * each and made durable by journal_sync() before a checkpoint counts
 * them. The newest incidents are kept in memory, bounded; an older one
 * is found by reading the file again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "category.h"
#include "incident.h"
#include "journal.h"
#include "log.h"
#include "strtab.h"
#include "tstamp.h"
#include "xmalloc.h"

#define JOURNAL_FILE    "incidents.jsonl"
#define JOURNAL_LINE    (16 * 1024 * 1024) /* longest line read back */
#define JOURNAL_ORPHANS 4096 /* notes to open incidents kept to re-apply */
#define JOURNAL_MEM     (16 << 20) /* JSON bytes of the incidents in memory */

struct journal {
	char              path[PATH_MAX];
	int               fd;
	uint64_t          size;
	json_t          **inc; /* in memory, oldest first */
	int               n, max;
	struct strtab    *rules; /* rule ids of incidents read back */
	struct rule_ref **refs;
	uint32_t          nrefs;
	json_t           *orphans; /* notes to incidents not closed (open) */
	size_t           *sz;      /* JSON bytes of each in memory */
	size_t            bytes;
};

/* Forgets the oldest incident in memory (it stays in the file). */
static void
journal_shift(struct journal *j)
{
	json_decref(j->inc[0]);
	j->bytes -= j->sz[0];
	memmove(j->inc, j->inc + 1, (size_t)(j->n - 1) * sizeof(*j->inc));
	memmove(j->sz, j->sz + 1, (size_t)(j->n - 1) * sizeof(*j->sz));
	j->n--;
}

/*
 * Keeps an incident in memory, the oldest going when there are max of
 * them or their JSON passes JOURNAL_MEM bytes (a few incidents of
 * max_entries each must not take the daemon past its MemoryMax). The
 * newest is always kept. Consumes o.
 */
static void
journal_keep(struct journal *j, json_t *o)
{
	size_t sz = json_dumpb(o, NULL, 0, JSON_COMPACT);

	while (j->n > 0 && (j->n == j->max || j->bytes + sz > JOURNAL_MEM))
		journal_shift(j);
	j->sz[j->n] = sz;
	j->inc[j->n++] = o;
	j->bytes += sz;
}

/* The in-memory incident with that id, or NULL. */
static json_t *
journal_mem(const struct journal *j, const char *id)
{
	int i;

	for (i = j->n - 1; i >= 0; i--)
		if (strcmp(json_string_value(json_object_get(j->inc[i], "id")),
			id) == 0)
			return j->inc[i];
	return NULL;
}

/* Adds a note entry to an incident object's timeline, in time order. */
static void
journal_apply_note(json_t *inc, json_t *entry)
{
	json_t     *tl = json_object_get(inc, "timeline");
	const char *ts = json_string_value(json_object_get(entry, "ts"));
	size_t      i;

	if (!json_is_array(tl) || ts == NULL)
		return;
	for (i = json_array_size(tl); i > 0; i--)
		if (strcmp(json_string_value(json_object_get(
			       json_array_get(tl, i - 1), "ts")),
			ts) <= 0)
			break;
	json_array_insert(tl, i, entry);
}

/* Applies one journal line to the memory; -1 if it is not one of ours. */
static int
journal_line(struct journal *j, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL), *inc, *note, *to;

	if (o == NULL)
		return -1;
	if ((inc = json_object_get(o, "incident")) != NULL &&
	    json_is_string(json_object_get(inc, "id")))
		journal_keep(j, json_incref(inc));
	else if ((note = json_object_get(o, "note")) != NULL &&
	    json_is_string(to = json_object_get(o, "to"))) {
		if ((inc = journal_mem(j, json_string_value(to))) != NULL)
			journal_apply_note(inc, note);
		else if (j->orphans != NULL &&
		    json_array_size(j->orphans) < JOURNAL_ORPHANS)
			json_array_append(j->orphans, o);
	} else {
		json_decref(o);
		return -1;
	}
	json_decref(o);
	return 0;
}

/* Reads the committed part of the file into memory; its length. */
static uint64_t
journal_load(struct journal *j, uint64_t committed)
{
	FILE    *fp = fdopen(dup(j->fd), "r");
	char    *line = NULL;
	size_t   cap = 0;
	ssize_t  n;
	uint64_t at = 0;

	if (fp == NULL)
		return 0;
	while (at < committed && (n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] != '\n' || at + (uint64_t)n > committed)
			break; /* a line written after the last checkpoint */
		if (journal_line(j, line, (size_t)n) == -1)
			log_warnx("%s: a line that is not an incident, "
				  "skipped",
			    j->path);
		at += (uint64_t)n;
	}
	free(line); /* from getline(3) */
	fclose(fp);
	return at;
}

/*
 * Opens dir's journal, cuts off what the checkpoint did not count
 * (committed bytes; those incidents will close again) and keeps the
 * newest max incidents in memory. NULL (logged) if it cannot be opened.
 */
struct journal *
journal_open(const char *dir, uint64_t committed, int max)
{
	struct journal *j = xcalloc(1, sizeof(*j));

	snprintf(j->path, sizeof(j->path), "%s/%s", dir, JOURNAL_FILE);
	j->max = max > 0 ? max : 1;
	j->inc = xcalloc((size_t)j->max, sizeof(*j->inc));
	j->sz = xcalloc((size_t)j->max, sizeof(*j->sz));
	j->rules = strtab_new();
	j->orphans = json_array();
	j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd == -1) {
		log_warn("%s", j->path);
		journal_free(j);
		return NULL;
	}
	j->size = journal_load(j, committed);
	if (ftruncate(j->fd, (off_t)j->size) == -1) {
		log_warn("%s", j->path);
		journal_free(j);
		return NULL;
	}
	return j;
}

/* Frees the journal (NULL is fine). */
void
journal_free(struct journal *j)
{
	uint32_t i;
	int      k;

	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	for (k = 0; k < j->n; k++)
		json_decref(j->inc[k]);
	for (i = 0; i < j->nrefs; i++) {
		free((char *)j->refs[i]->id);
		free(j->refs[i]);
	}
	free(j->refs);
	json_decref(j->orphans);
	strtab_free(j->rules);
	free(j->inc);
	free(j->sz);
	free(j);
}

/* Appends one record as a line; 0, or -1 (logged). Consumes o. */
static int
journal_append(struct journal *j, json_t *o)
{
	char   *s = json_dumps(o, JSON_COMPACT);
	size_t  n;
	ssize_t w;
	int     rc = 0;

	json_decref(o);
	if (s == NULL)
		return -1;
	n = strlen(s);
	s[n] = '\n'; /* json_dumps' NUL: one write for the whole line */
	if ((w = write(j->fd, s, n + 1)) != (ssize_t)(n + 1)) {
		log_warn("%s", j->path);
		if (w > 0 && ftruncate(j->fd, (off_t)j->size) == -1)
			log_warn("%s: a torn line stays", j->path);
		rc = -1;
	} else
		j->size += n + 1;
	free(s);
	return rc;
}

/* Records a closed incident (the API's object). Consumes inc. */
int
journal_add(struct journal *j, json_t *inc)
{
	journal_keep(j, json_incref(inc));
	return journal_append(j, json_pack("{s:o}", "incident", inc));
}

/*
 * Records a note added to closed incident id (entry: a timeline entry).
 * Consumes entry.
 */
int
journal_note(struct journal *j, const char *id, json_t *entry)
{
	json_t *inc = journal_mem(j, id);

	if (inc != NULL)
		journal_apply_note(inc, json_incref(entry));
	return journal_append(
	    j, json_pack("{s:o, s:s}", "note", entry, "to", id));
}

/*
 * The notes, read back at start, to incidents that were still open then
 * ({"note": entry, "to": id} each): the daemon adds them again when the
 * incident forms again, and takes them off this array.
 */
json_t *
journal_orphans(struct journal *j)
{
	return j->orphans;
}

/* 1 if an incident with that id is among those in memory. */
int
journal_has(const struct journal *j, const char *id)
{
	return journal_mem(j, id) != NULL;
}

/* Makes what was appended durable; 0, or -1 (logged). */
int
journal_sync(struct journal *j)
{
	if (fdatasync(j->fd) == -1) {
		log_warn("%s", j->path);
		return -1;
	}
	return 0;
}

/* Bytes of journal written. */
uint64_t
journal_size(const struct journal *j)
{
	return j->size;
}

/* How many closed incidents are in memory. */
int
journal_count(const struct journal *j)
{
	return j->n;
}

/* The i-th in memory, oldest first (borrowed), or NULL. */
json_t *
journal_get(const struct journal *j, int i)
{
	return i >= 0 && i < j->n ? j->inc[i] : NULL;
}

/*
 * The closed incident with that id (borrowed): from memory, else read
 * from the file (then kept in memory). NULL if there is none.
 */
json_t *
journal_find(struct journal *j, const char *id)
{
	struct journal tmp;
	json_t        *o;

	if ((o = journal_mem(j, id)) != NULL)
		return o;
	/* Read the whole file into a scratch memory of one incident. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.fd = j->fd;
	tmp.max = 1;
	tmp.inc = xcalloc(1, sizeof(*tmp.inc));
	tmp.sz = xcalloc(1, sizeof(*tmp.sz));
	snprintf(tmp.path, sizeof(tmp.path), "%s", j->path);
	o = NULL;
	if (lseek(j->fd, 0, SEEK_SET) == 0) {
		FILE   *fp = fdopen(dup(j->fd), "r");
		char   *line = NULL;
		size_t  cap = 0;
		ssize_t n;

		while (fp != NULL && (n = getline(&line, &cap, fp)) > 0)
			if (strstr(line, id) != NULL)
				journal_line(&tmp, line, (size_t)n);
		if (fp != NULL)
			fclose(fp);
		free(line); /* from getline(3) */
	}
	if (tmp.n == 1 &&
	    strcmp(json_string_value(json_object_get(tmp.inc[0], "id")), id) ==
		0) {
		o = tmp.inc[0];
		journal_keep(j, o);
	} else if (tmp.n == 1)
		json_decref(tmp.inc[0]);
	free(tmp.inc);
	free(tmp.sz);
	return o;
}

/* RFC 3339 text to ns and fraction digits; 0, or -1. */
static int
journal_ts(json_t *v, int64_t *ns, int *frac)
{
	const char   *s = json_string_value(v);
	struct tstamp t;

	memset(&t, 0, sizeof(t));
	if (s == NULL || tstamp_iso(s, s + strlen(s), &t) == 0)
		return -1;
	*ns = (tstamp_local_seconds(&t) - t.offset_s) * TSTAMP_NS_PER_S +
	    t.nsec;
	if (frac != NULL)
		*frac = t.frac_digits;
	return 0;
}

/* The rule ref of an entry read back (kept by the journal). */
static const struct rule_ref *
journal_ref(struct journal *j, const char *id, const char *cat)
{
	char             key[300];
	struct rule_ref *r;
	uint32_t         k;

	snprintf(key, sizeof(key), "%s:%s", cat, id);
	if (strtab_find(j->rules, key, &k))
		return j->refs[k];
	k = strtab_intern(j->rules, key);
	j->refs = xreallocarray(j->refs, k + 1, sizeof(*j->refs));
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(id);
	r->cat = category_from_name(cat);
	r->category = category_name(r->cat);
	r->index = k;
	j->refs[k] = r;
	j->nrefs = k + 1;
	return r;
}

/* Text of a member, or "". */
static const char *
journal_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Reads one timeline entry into x; its strings in one block. */
static void
journal_entry(struct journal *j, json_t *e, struct incident_entry *x,
    struct strtab *names)
{
	const char *host = journal_str(e, "host"), *msg, *title, *k;
	json_t     *fields = json_object_get(e, "fields"), *v;
	size_t      n, at = 0, hl, ml, tl, fl = 0;

	memset(x, 0, sizeof(*x));
	msg = journal_str(e, "message");
	title = journal_str(e, "title");
	x->rule = journal_ref(
	    j, journal_str(e, "rule"), journal_str(e, "category"));
	x->source = x->source_last = (int)strtab_intern(
	    names, journal_str(e, "source"));
	if (json_is_string(json_object_get(e, "source_last")))
		x->source_last = (int)strtab_intern(
		    names, journal_str(e, "source_last"));
	journal_ts(json_object_get(e, "first"), &x->first_ns, &x->first_frac);
	journal_ts(json_object_get(e, "last"), &x->last_ns, &x->last_frac);
	x->count = (uint64_t)json_integer_value(json_object_get(e, "count"));
	x->line_first = x->line_lo = (uint64_t)json_integer_value(
	    json_object_get(e, "line_first"));
	x->line_last = x->line_hi = (uint64_t)json_integer_value(
	    json_object_get(e, "line_last"));
	if (x->line_hi < x->line_lo) {
		x->line_lo = x->line_last;
		x->line_hi = x->line_first;
	}
	x->trigger = json_is_true(json_object_get(e, "trigger"));
	json_object_foreach(fields, k, v) fl += strlen(k) +
	    strlen(json_string_value(v) ? json_string_value(v) : "") + 2;
	hl = strlen(host) + 1;
	ml = strlen(msg) + 1;
	tl = strlen(title) + 1;
	x->text = xmalloc(hl + ml + tl + fl + 1);
	memcpy(x->text, host, hl);
	memcpy(x->text + hl, msg, ml);
	memcpy(x->text + hl + ml, title, tl);
	x->host = x->text;
	x->message = x->text + hl;
	x->title = x->text + hl + ml;
	x->fields = x->text + hl + ml + tl;
	json_object_foreach(fields, k, v)
	{
		n = strlen(k) + 1;
		memcpy(x->text + hl + ml + tl + at, k, n);
		at += n;
		n = strlen(json_string_value(v) ? json_string_value(v) : "") +
		    1;
		memcpy(x->text + hl + ml + tl + at,
		    json_string_value(v) ? json_string_value(v) : "", n);
		at += n;
	}
	x->fields_len = at;
}

/*
 * An incident read back from its JSON, to render in Markdown, CSV or
 * HTML; its source names are interned into names. Free it with
 * journal_incident_free().
 */
struct incident *
journal_incident(struct journal *j, json_t *o, struct strtab *names)
{
	struct incident *inc = xcalloc(1, sizeof(*inc));
	json_t          *tl = json_object_get(o, "timeline");
	json_t          *notes = json_object_get(o, "notes");
	size_t           i;

	snprintf(inc->id, sizeof(inc->id), "%s", journal_str(o, "id"));
	snprintf(inc->title, sizeof(inc->title), "%s", journal_str(o, "title"));
	inc->open = json_is_true(json_object_get(o, "open"));
	journal_ts(
	    json_object_get(o, "start"), &inc->start_ns, &inc->start_frac);
	journal_ts(json_object_get(o, "end"), &inc->end_ns, &inc->end_frac);
	inc->detected_ns = inc->mitigated_ns = -1;
	journal_ts(json_object_get(o, "detected"), &inc->detected_ns, NULL);
	journal_ts(json_object_get(o, "mitigated"), &inc->mitigated_ns, NULL);
	inc->last_failure_ns = inc->end_ns;
	inc->failures = (uint64_t)json_integer_value(
	    json_object_get(o, "failures"));
	inc->nentries = inc->capentries = (int)json_array_size(tl);
	inc->entries = xcalloc(
	    (size_t)inc->nentries + 1, sizeof(*inc->entries));
	for (i = 0; i < json_array_size(tl); i++) {
		journal_entry(
		    j, json_array_get(tl, i), &inc->entries[i], names);
		inc->entries[i].id = (int)i;
	}
	for (i = 0; i < json_array_size(notes) && i < INCIDENT_NOTE_MAX; i++) {
		inc->notes[i].kind = INCIDENT_NOTE_TEXT;
		inc->notes[i].text = xstrdup(
		    json_string_value(json_array_get(notes, i))
			? json_string_value(json_array_get(notes, i))
			: "");
		inc->nnotes++;
	}
	return inc;
}

/* Frees an incident journal_incident() made (NULL is fine). */
void
journal_incident_free(struct incident *inc)
{
	int i;

	if (inc == NULL)
		return;
	for (i = 0; i < inc->nnotes; i++)
		free(inc->notes[i].text);
	incident_free(inc);
}
