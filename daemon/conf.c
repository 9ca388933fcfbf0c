/*
 * conf: the settings, their table and their two ways in. The table says
 * for each scalar setting its JSON key (and section), its flag, its type,
 * range and help; flags and the file go through the same setters, so a
 * range or a message is written once. The file is read with jansson and
 * checked: known keys only (a typo is an error, not a silent default),
 * the right types, zones that exist. Every error is logged as
 * FILE:LINE: message and the whole file is rejected, so a reload never
 * applies half a configuration.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "jsonpos.h"
#include "linebuf.h"
#include "log.h"
#include "tstamp.h"
#include "tz.h"
#include "xmalloc.h"

#define NS   TSTAMP_NS_PER_S
#define DAYS (86400 * 30)

/* How a setting is written and stored. */
enum conf_type {
	CONF_STR,     /* char *, owned */
	CONF_ZONE,    /* char *, a zone tz_get() knows */
	CONF_BOOL,    /* int 0/1; a flag takes no value and sets 1 */
	CONF_NOBOOL,  /* int 0/1, default 1; a flag ("--no-x") sets 0 */
	CONF_INT,     /* int */
	CONF_SIZE,    /* size_t */
	CONF_SECONDS, /* int64_t nanoseconds, written in seconds */
	CONF_MIB      /* size_t bytes, written in MiB */
};

/* One scalar setting. */
struct conf_key {
	const char    *name;    /* JSON key, or NULL: flag only */
	const char    *section; /* NULL: top level, else an object */
	const char    *flag;    /* "--quiet-period", or NULL: file only */
	const char    *arg;     /* the value's name in --help */
	enum conf_type type;
	size_t         off; /* in struct conf */
	int64_t        lo, hi;
	const char    *help;
};

#define OFF(f) offsetof(struct conf, f)

static const struct conf_key conf_keys[] = {
    {"tz", NULL, "--tz", "ZONE", CONF_ZONE, OFF(tz), 0, 0,
	"zone of timestamps that carry none (default: the machine's zone)"},
    {"display_tz", NULL, "--display-tz", "ZONE", CONF_ZONE, OFF(display_tz), 0,
	0,
	"zone of local times in md, csv and html and of JSON's local "
	"(default UTC)"},
    {"max_line", NULL, "--max-line", "BYTES", CONF_SIZE, OFF(max_line),
	LINEBUF_MIN, LINEBUF_MAX, "longer lines are cut and counted"},
    {"reorder_window_s", NULL, "--reorder-window", "S", CONF_SECONDS,
	OFF(reorder_ns), 0, 3600,
	"how far back in time a line may be behind the newest of its source; "
	"run waits this long before a line shows, so its default is 5"},
    {"no_default_rules", NULL, "--no-default-rules", NULL, CONF_BOOL,
	OFF(no_default_rules), 0, 1, "do not load the built-in rule pack"},
    {"unclassified", NULL, "--no-unclassified", NULL, CONF_NOBOOL,
	OFF(unclassified), 0, 1,
	"lines no rule matched are mined into templates, and a new or "
	"spiking error-like one joins an open incident as an unclassified "
	"entry (default true; the flag turns it off)"},
    {"quiet_period_s", "incident", "--quiet-period", "S", CONF_SECONDS,
	OFF(inc.quiet_ns), 1, DAYS,
	"seconds without a failure that close an incident"},
    {"lookback_s", "incident", "--lookback", "S", CONF_SECONDS,
	OFF(inc.lookback_ns), 0, DAYS,
	"seconds before the start searched for triggers"},
    {"open_window_s", "incident", "--open-window", "S", CONF_SECONDS,
	OFF(inc.open_window_ns), 1, 86400,
	"the window in which --min-failures must come"},
    {"min_failures", "incident", "--min-failures", "N", CONF_INT,
	OFF(inc.min_failures), 1, 1000,
	"failures within the open window needed to open an incident"},
    {"max_entries", "incident", "--max-entries", "N", CONF_INT,
	OFF(inc.max_entries), 10, 1000000,
	"timeline entries kept per incident; more are counted"},
    {"max_incidents", "incident", "--max-incidents", "N", CONF_INT,
	OFF(inc.max_incidents), 1, 1000000,
	"incidents kept in memory (replay writes closed ones out as it goes)"},
    {"max_memory_mib", "incident", "--max-memory", "MIB", CONF_MIB,
	OFF(inc.max_bytes), 1, 65536,
	"memory for timeline entries of all incidents; more are counted"},
    {"threads", NULL, "--threads", "N", CONF_INT, OFF(threads), 0, 8,
	"threads reading the inputs of replay; 0: one per online CPU, at "
	"most 8; 1: the main thread alone"},
    {"split_size", NULL, "--split-size", "BYTES", CONF_SIZE, OFF(split_size),
	65536, 1073741824,
	"replay with threads reads a plain file over twice this size in "
	"parts of about this size at once"},
    {"listen", NULL, NULL, NULL, CONF_STR, OFF(listen), 0, 0,
	"HTTP API address (daemon)"},
    {"state_dir", NULL, NULL, NULL, CONF_STR, OFF(state_dir), 0, 0,
	"where read positions and closed incidents are kept (daemon)"},
    {"api_token_file", NULL, NULL, NULL, CONF_STR, OFF(api_token_file), 0, 0,
	"file holding the bearer token for notes"},
    {"read_from_head", NULL, NULL, NULL, CONF_BOOL, OFF(read_from_head), 0, 1,
	"at the very first start, read files already there from their start "
	"(default: from their end, like tail -F) (daemon)"},
    {"inotify", NULL, NULL, NULL, CONF_BOOL, OFF(inotify), 0, 1,
	"false: find changes by polling only, once a second (NFS) (daemon)"},
    {"match_log", NULL, NULL, NULL, CONF_STR, OFF(match_log), 0, 0,
	"file to append every classified line to, as `match` prints it, "
	"each line once across restarts (daemon)"},
    {"match_log_all", NULL, NULL, NULL, CONF_BOOL, OFF(match_log_all), 0, 1,
	"match_log also gets the lines no rule matched (daemon)"},
};

#define CONF_NKEYS ((int)(sizeof(conf_keys) / sizeof(conf_keys[0])))

struct conf_ctx {
	const char    *file;
	struct jsonpos jp;  /* the file's text, to find lines of keys */
	size_t         obj; /* the object whose keys are being read */
	int            errors;
};

/* Logs an error about key at offset at of the text (JSONPOS_NONE: line 1). */
static void
conf_error_at(struct conf_ctx *c, size_t at, const char *key, const char *what)
{
	log_warnx(
	    "%s:%d: %s: %s", c->file, jsonpos_line(&c->jp, at), key, what);
	c->errors++;
}

/* Logs an error at the line of key in the object being read. */
static void
conf_error(struct conf_ctx *c, const char *key, const char *what)
{
	conf_error_at(c, jsonpos_key(&c->jp, c->obj, key), key, what);
}

/* Makes the value of key in the object being read the one being read. */
static size_t
conf_enter(struct conf_ctx *c, const char *key)
{
	size_t saved = c->obj;

	c->obj = jsonpos_value(&c->jp, jsonpos_key(&c->jp, c->obj, key));
	return saved;
}

/* A string value, duplicated, or NULL (with an error if not a string). */
static char *
conf_str(struct conf_ctx *c, const char *key, json_t *v)
{
	if (!json_is_string(v)) {
		conf_error(c, key, "expected a string");
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

/* A zone name that tz understands, or NULL with an error. */
static char *
conf_zone(struct conf_ctx *c, const char *key, json_t *v)
{
	char *s = conf_str(c, key, v);

	if (s != NULL && tz_get(s) == NULL) {
		conf_error(c, key, "unknown time zone");
		free(s);
		return NULL;
	}
	return s;
}

/* Creates a configuration holding the defaults. */
struct conf *
conf_new(void)
{
	struct conf *cf = xcalloc(1, sizeof(*cf));

	cf->max_line = LINEBUF_DEFAULT_MAX;
	cf->split_size = 8 * 1024 * 1024;
	cf->reorder_ns = 60 * NS;
	incident_conf_default(&cf->inc);
	cf->format = xstrdup("md");
	cf->since_ns = INT64_MIN;
	cf->until_ns = INT64_MAX;
	cf->progress = -1;
	cf->listen = xstrdup("127.0.0.1:8047");
	cf->state_dir = xstrdup("/var/lib/timelined");
	cf->inotify = 1;
	cf->unclassified = 1;
	return cf;
}

/* 1 if the key named name was set, by the file or a flag. */
int
conf_given(const struct conf *cf, const char *name)
{
	int i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].name != NULL &&
		    strcmp(conf_keys[i].name, name) == 0)
			return (cf->given >> i) & 1;
	return 0;
}

/* The address of key k's value in cf. */
static void *
conf_at(struct conf *cf, const struct conf_key *k)
{
	return (char *)cf + k->off;
}

/* Stores a string setting (NULL: unset), freeing the old one. */
static void
conf_put_str(struct conf *cf, const struct conf_key *k, const char *v)
{
	char **p = conf_at(cf, k);

	cf->given |= UINT64_C(1) << (k - conf_keys);
	free(*p);
	*p = v != NULL ? xstrdup(v) : NULL;
}

/* Stores a number setting already checked against the key's range. */
static void
conf_put_num(struct conf *cf, const struct conf_key *k, int64_t v)
{
	void *p = conf_at(cf, k);

	cf->given |= UINT64_C(1) << (k - conf_keys);
	switch (k->type) {
	case CONF_BOOL:
	case CONF_NOBOOL:
	case CONF_INT: *(int *)p = (int)v; break;
	case CONF_SIZE: *(size_t *)p = (size_t)v; break;
	case CONF_SECONDS: *(int64_t *)p = v * NS; break;
	case CONF_MIB: *(size_t *)p = (size_t)v << 20; break;
	default: break;
	}
}

/* The table index of flag ("--max-line"), or -1. */
static int
conf_key_by_flag(const char *flag)
{
	int i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].flag != NULL &&
		    strcmp(conf_keys[i].flag, flag) == 0)
			return i;
	return -1;
}

/* Remembers a flag so that a reload applies it again. */
static void
conf_remember(struct conf *cf, int key, const char *val)
{
	if (cf->nflags == CONF_MAX_FLAGS)
		return;
	cf->flags[cf->nflags].key = key;
	cf->flags[cf->nflags++].val = val != NULL ? xstrdup(val) : NULL;
}

/* Parses a whole number in [lo, hi]; 0, or -1 if it is not one. */
static int
conf_number(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
	char     *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}

/* Logs a bad flag value and what it should have been; -1. */
static int
conf_bad(const char *flag, const char *val, const char *why)
{
	log_warnx("%s %s: %s (see timelined --help)", flag, val, why);
	return -1;
}

/*
 * Applies a flag of the key table ("--max-line", "65536"; val NULL for a
 * flag without value). 0, or -1 (logged, naming the valid range).
 */
int
conf_flag(struct conf *cf, const char *flag, const char *val)
{
	const struct conf_key *k;
	char                   why[96];
	int64_t                v = 1;
	int                    i;

	if ((i = conf_key_by_flag(flag)) < 0)
		return conf_bad(flag, val ? val : "", "unknown option");
	k = &conf_keys[i];
	if (k->type == CONF_ZONE && tz_get(val) == NULL)
		return conf_bad(flag, val, "unknown time zone");
	if (k->type == CONF_STR || k->type == CONF_ZONE)
		conf_put_str(cf, k, val);
	else {
		if (k->type == CONF_NOBOOL)
			v = 0;
		else if (k->type != CONF_BOOL &&
		    conf_number(val, k->lo, k->hi, &v) == -1) {
			snprintf(why, sizeof(why),
			    "not a whole number in %lld..%lld",
			    (long long)k->lo, (long long)k->hi);
			return conf_bad(flag, val, why);
		}
		conf_put_num(cf, k, v);
	}
	cf->flagged |= UINT64_C(1) << i;
	conf_remember(cf, i, val);
	return 0;
}

/* --source-tz GLOB=ZONE. */
static int
conf_source_tz(struct conf *cf, const char *arg)
{
	const char *eq = strrchr(arg, '=');

	if (eq == NULL || eq == arg)
		return conf_bad("--source-tz", arg, "expected GLOB=ZONE");
	if (cf->nsrctz == CONF_MAX_SRCTZ)
		return conf_bad("--source-tz", arg, "too many");
	if (tz_get(eq + 1) == NULL)
		return conf_bad("--source-tz", arg, "unknown time zone");
	cf->srctz_glob[cf->nsrctz] = xstrndup(arg, (size_t)(eq - arg));
	cf->srctz_zone[cf->nsrctz++] = xstrdup(eq + 1);
	return 0;
}

/* Applies an option that is not in the key table; 0, or -1 (logged). */
static int
conf_option_apply(struct conf *cf, int opt, const char *arg)
{
	int64_t v;

	switch (opt) {
	case CONF_OPT_SOURCE_TZ: return conf_source_tz(cf, arg);
	case CONF_OPT_YEAR:
		if (conf_number(arg, 1970, 2200, &v) == -1)
			return conf_bad(
			    "--year", arg, "not a whole number in 1970..2200");
		cf->year = (int)v;
		return 0;
	case CONF_OPT_FORMAT:
		free(cf->format);
		cf->format = xstrdup(arg);
		return 0;
	case CONF_OPT_SINCE:
	case CONF_OPT_UNTIL:
		if (tstamp_rfc3339(arg,
			opt == CONF_OPT_SINCE ? &cf->since_ns : &cf->until_ns))
			return conf_bad(
			    opt == CONF_OPT_SINCE ? "--since" : "--until", arg,
			    "not an RFC 3339 time with a zone "
			    "(2024-03-15T09:00:00Z)");
		return 0;
	case CONF_OPT_RULES:
		if (cf->nrules == CONF_MAX_RULES)
			return conf_bad("--rules", arg, "too many");
		cf->rules[cf->nrules++] = xstrdup(arg);
		return 0;
	case CONF_OPT_CONFIG:
		free(cf->file);
		cf->file = xstrdup(arg);
		return 0;
	}
	return -1;
}

/* Applies an option that is not in the key table (CONF_OPT_*). */
int
conf_option(struct conf *cf, int opt, const char *arg)
{
	if (conf_option_apply(cf, opt, arg) == -1)
		return -1;
	conf_remember(cf, opt, arg);
	return 0;
}

/* Checks what no single setting can: 0, or -1 (logged). */
int
conf_check(const struct conf *cf)
{
	if (cf->since_ns > cf->until_ns) {
		log_warnx("--since is after --until: nothing could be shown");
		return -1;
	}
	return 0;
}

/*
 * For getopt: the flag of table key i without its "--" in name, and
 * whether it takes a value. 1 if key i has a flag, 0 if not, -1 past the
 * end of the table.
 */
int
conf_key_option(int i, char *name, size_t n, int *has_arg)
{
	if (i < 0 || i >= CONF_NKEYS)
		return -1;
	if (conf_keys[i].flag == NULL)
		return 0;
	snprintf(name, n, "%s", conf_keys[i].flag + 2);
	*has_arg = conf_keys[i].type != CONF_BOOL &&
	    conf_keys[i].type != CONF_NOBOOL;
	return 1;
}

/* The default of number key k as text ("1800"), from a fresh conf. */
static void
conf_default_text(
    const struct conf *d, const struct conf_key *k, char *buf, size_t n)
{
	const void *p = (const char *)d + k->off;
	long long   v = 0;

	switch (k->type) {
	case CONF_INT: v = *(const int *)p; break;
	case CONF_SIZE: v = (long long)*(const size_t *)p; break;
	case CONF_SECONDS: v = *(const int64_t *)p / NS; break;
	case CONF_MIB: v = (long long)(*(const size_t *)p >> 20); break;
	default: break;
	}
	snprintf(buf, n, "%lld", v);
}

/* Writes text word by word, lines of at most 78 columns from col 26. */
static void
conf_wrap(FILE *fp, const char *text, int col)
{
	const char *p = text, *sp;
	int         n;

	while (*p != '\0') {
		n = (int)strcspn(p, " ");
		if (col > 26 && col + 1 + n > 78) {
			fprintf(fp, "\n%26s", "");
			col = 26;
		} else if (col > 26 && p != text) {
			fputc(' ', fp);
			col++;
		}
		fwrite(p, 1, (size_t)n, fp);
		col += n;
		sp = p + n;
		p = *sp == ' ' ? sp + 1 : sp;
	}
	fputc('\n', fp);
}

/* Prints the table's flags for --help: name, value, help, range, key. */
void
conf_help(FILE *fp)
{
	const struct conf_key *k;
	struct conf           *d = conf_new();
	char                   head[48], text[320], def[32];
	int                    i, col;

	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		if (k->flag == NULL)
			continue;
		snprintf(head, sizeof(head), "%s%s%s", k->flag,
		    k->arg ? " " : "", k->arg ? k->arg : "");
		col = fprintf(fp, "     %-20s ", head);
		if (col > 26) {
			fprintf(fp, "\n%26s", "");
			col = 26;
		}
		conf_default_text(d, k, def, sizeof(def));
		if (k->type == CONF_BOOL || k->type == CONF_NOBOOL ||
		    k->type == CONF_ZONE)
			snprintf(text, sizeof(text), "%s; file: %s%s%s.",
			    k->help, k->section ? k->section : "",
			    k->section ? "." : "", k->name);
		else
			snprintf(text, sizeof(text),
			    "%s (%lld..%lld, default %s); file: %s%s%s.",
			    k->help, (long long)k->lo, (long long)k->hi, def,
			    k->section ? k->section : "", k->section ? "." : "",
			    k->name);
		conf_wrap(fp, text, col);
	}
	conf_free(d);
}

/* Reads one element of "sources", the object at offset at. */
static void
conf_source(struct conf_ctx *c, struct conf_source *s, json_t *o, size_t at)
{
	const char *k;
	json_t     *v;
	size_t      saved = c->obj;

	c->obj = at;
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "path") == 0)
			s->path = conf_str(c, k, v);
		else if (strcmp(k, "syslog_udp") == 0)
			s->syslog_udp = conf_str(c, k, v);
		else if (strcmp(k, "syslog_tcp") == 0)
			s->syslog_tcp = conf_str(c, k, v);
		else if (strcmp(k, "tz") == 0)
			s->tz = conf_zone(c, k, v);
		else if (strcmp(k, "name") == 0)
			s->name = conf_str(c, k, v);
		else
			conf_error(c, k, "unknown key in a source");
	}
	c->obj = saved;
	if (!!s->path + !!s->syslog_udp + !!s->syslog_tcp != 1)
		conf_error_at(c, at, "sources",
		    "each source needs exactly one of "
		    "path, syslog_udp, syslog_tcp");
}

/* Returns the offset of the value of the key being read's array. */
static size_t
conf_array(struct conf_ctx *c, const char *key)
{
	return jsonpos_value(&c->jp, jsonpos_key(&c->jp, c->obj, key));
}

/* Reads the "sources" array. */
static void
conf_sources(struct conf_ctx *c, struct conf *cf, json_t *a)
{
	char   what[80];
	size_t i, at;

	if (!json_is_array(a) || json_array_size(a) > CONF_MAX_SOURCES) {
		snprintf(what, sizeof(what),
		    "expected an array of at most %d objects",
		    CONF_MAX_SOURCES);
		conf_error(c, "sources", what);
		return;
	}
	at = jsonpos_first(&c->jp, conf_array(c, "sources"));
	for (i = 0; i < json_array_size(a); i++) {
		if (!json_is_object(json_array_get(a, i)))
			conf_error_at(c, at, "sources", "expected objects");
		else
			conf_source(c, &cf->sources[cf->nsources++],
			    json_array_get(a, i), at);
		at = jsonpos_next(&c->jp, at);
	}
}

/* Reads the "rules" array of paths. */
static void
conf_rules(struct conf_ctx *c, struct conf *cf, json_t *a)
{
	char    what[80];
	size_t  i, at;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) > CONF_MAX_RULES) {
		snprintf(what, sizeof(what),
		    "expected an array of at most %d paths", CONF_MAX_RULES);
		conf_error(c, "rules", what);
		return;
	}
	at = jsonpos_first(&c->jp, conf_array(c, "rules"));
	for (i = 0; i < json_array_size(a); i++) {
		v = json_array_get(a, i);
		if (json_is_string(v))
			cf->rules[cf->nrules++] = xstrdup(json_string_value(v));
		else
			conf_error_at(c, at, "rules", "expected a string");
		at = jsonpos_next(&c->jp, at);
	}
}

/*
 * Reads a file key of the table into cf: a value of the right type, in
 * range. A key a flag gave is checked all the same, but the flag wins.
 */
static void
conf_file_key(
    struct conf_ctx *c, struct conf *cf, const struct conf_key *k, json_t *v)
{
	int  keep = !(cf->flagged & (UINT64_C(1) << (k - conf_keys)));
	char why[96];

	switch (k->type) {
	case CONF_STR:
	case CONF_ZONE:
		if (!json_is_string(v))
			conf_error(c, k->name, "expected a string");
		else if (k->type == CONF_ZONE &&
		    tz_get(json_string_value(v)) == NULL)
			conf_error(c, k->name, "unknown time zone");
		else if (keep)
			conf_put_str(cf, k, json_string_value(v));
		break;
	case CONF_BOOL:
	case CONF_NOBOOL:
		if (!json_is_boolean(v))
			conf_error(c, k->name, "expected true or false");
		else if (keep)
			conf_put_num(cf, k, json_is_true(v));
		break;
	default:
		if (!json_is_integer(v) || json_integer_value(v) < k->lo ||
		    json_integer_value(v) > k->hi) {
			snprintf(why, sizeof(why),
			    "expected a whole number in %lld..%lld",
			    (long long)k->lo, (long long)k->hi);
			conf_error(c, k->name, why);
		} else if (keep)
			conf_put_num(cf, k, json_integer_value(v));
	}
}

/* The table key called name in section (NULL: top level), or NULL. */
static const struct conf_key *
conf_key_by_name(const char *section, const char *name)
{
	int i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].name != NULL &&
		    strcmp(conf_keys[i].name, name) == 0 &&
		    (section == NULL) == (conf_keys[i].section == NULL) &&
		    (section == NULL ||
			strcmp(section, conf_keys[i].section) == 0))
			return &conf_keys[i];
	return NULL;
}

/* Reads an object of section (NULL: the top level) through the table. */
static void conf_section(
    struct conf_ctx *c, struct conf *cf, const char *section, json_t *o);

/* Applies one key of an object: the table, a list, a section, a comment. */
static void
conf_file_one(struct conf_ctx *c, struct conf *cf, const char *section,
    const char *k, json_t *v)
{
	const struct conf_key *key = conf_key_by_name(section, k);
	size_t                 saved;

	if (key != NULL)
		conf_file_key(c, cf, key, v);
	else if (section == NULL && strcmp(k, "sources") == 0)
		conf_sources(c, cf, v);
	else if (section == NULL && strcmp(k, "rules") == 0)
		conf_rules(c, cf, v);
	else if (section == NULL && strcmp(k, "incident") == 0) {
		if (!json_is_object(v)) {
			conf_error(c, k, "expected an object");
			return;
		}
		saved = conf_enter(c, k);
		conf_section(c, cf, k, v);
		c->obj = saved;
	} else if (k[0] == '_' || strcmp(k, "comment") == 0)
		; /* comments: "_note": "..." */
	else if (section != NULL)
		conf_error(c, k, "unknown key in \"incident\"");
	else
		conf_error(c, k, "unknown key");
}

static void
conf_section(
    struct conf_ctx *c, struct conf *cf, const char *section, json_t *o)
{
	const char *k;
	json_t     *v;

	json_object_foreach(o, k, v) conf_file_one(c, cf, section, k, v);
}

/*
 * Reads the whole file, at most CONF_FILE_MAX bytes, into *text (NUL-
 * terminated) and *len; -1 (logged) if it cannot be read or is larger.
 */
static int
conf_slurp(const char *path, char **text, size_t *len)
{
	FILE  *fp;
	char  *buf;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	/* One byte more than allowed tells a file at the limit from a
	 * larger one, whatever stat says (a pipe, a file growing). */
	buf = xmalloc(CONF_FILE_MAX + 2);
	n = fread(buf, 1, CONF_FILE_MAX + 1, fp);
	if (ferror(fp))
		log_warn("%s", path);
	else if (n > CONF_FILE_MAX)
		log_warnx("%s: larger than %d bytes", path, CONF_FILE_MAX);
	else {
		fclose(fp);
		buf[n] = '\0';
		*text = buf;
		*len = n;
		return 0;
	}
	fclose(fp);
	free(buf);
	return -1;
}

/*
 * Logs why jansson refused the text: a repeated key with its line and
 * the line of its first occurrence, anything else as jansson says it.
 */
static void
conf_json_error(struct conf_ctx *c, const json_error_t *err)
{
	size_t k = JSONPOS_NONE, first;
	int    line;

	if (json_error_code(err) == json_error_duplicate_key)
		k = jsonpos_repeated(&c->jp, jsonpos_root(&c->jp), &first);
	if (k == JSONPOS_NONE) {
		log_warnx("%s:%d: %s", c->file, err->line > 0 ? err->line : 1,
		    err->text);
		return;
	}
	line = jsonpos_line(&c->jp, first);
	log_warnx("%s:%d: %.*s: repeated key (first at line %d)", c->file,
	    jsonpos_line(&c->jp, k), (int)(jsonpos_end(&c->jp, k) - k - 2),
	    c->jp.text + k + 1, line);
}

/*
 * Reads and checks the configuration file at path into cf; settings a
 * flag gave are kept. 0, or -1 after logging every error found (cf may
 * then hold part of the file: the caller discards it).
 */
int
conf_load(struct conf *cf, const char *path)
{
	struct conf_ctx c = {.file = path};
	json_error_t    err;
	json_t         *root;
	char           *text;
	size_t          len;

	if (conf_slurp(path, &text, &len) == -1)
		return -1;
	jsonpos_init(&c.jp, text, len);
	c.obj = jsonpos_root(&c.jp);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		conf_json_error(&c, &err);
	else if (!json_is_object(root))
		log_warnx("%s:1: expected a JSON object", path);
	if (json_is_object(root)) {
		if (cf->file != path) {
			free(cf->file);
			cf->file = xstrdup(path);
		}
		conf_section(&c, cf, NULL, root);
	} else
		c.errors++;
	json_decref(root);
	free(text);
	return c.errors > 0 ? -1 : 0;
}

/*
 * A fresh configuration for a reload: the defaults, the file read again
 * and the same flags applied again. NULL if the file has errors (logged):
 * the caller keeps the old one.
 */
struct conf *
conf_reload(const struct conf *old)
{
	struct conf *cf = conf_new();
	int          i, rc = 0;

	cf->now_ns = old->now_ns;
	cf->rules_dir = old->rules_dir ? xstrdup(old->rules_dir) : NULL;
	for (i = 0; i < old->nflags && rc == 0; i++)
		rc = old->flags[i].key >= CONF_OPT_SOURCE_TZ
		    ? conf_option(cf, old->flags[i].key, old->flags[i].val)
		    : conf_flag(cf, conf_keys[old->flags[i].key].flag,
			  old->flags[i].val);
	if (rc == 0 && cf->file != NULL)
		rc = conf_load(cf, cf->file);
	if (rc == 0)
		rc = conf_check(cf);
	if (rc != 0) {
		conf_free(cf);
		return NULL;
	}
	return cf;
}

/* Frees a configuration (NULL is fine). */
void
conf_free(struct conf *cf)
{
	int i;

	if (cf == NULL)
		return;
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].type == CONF_STR ||
		    conf_keys[i].type == CONF_ZONE)
			free(*(char **)conf_at(cf, &conf_keys[i]));
	for (i = 0; i < cf->nsources; i++) {
		free(cf->sources[i].path);
		free(cf->sources[i].syslog_udp);
		free(cf->sources[i].syslog_tcp);
		free(cf->sources[i].tz);
		free(cf->sources[i].name);
	}
	for (i = 0; i < cf->nrules; i++)
		free(cf->rules[i]);
	for (i = 0; i < cf->nsrctz; i++) {
		free(cf->srctz_glob[i]);
		free(cf->srctz_zone[i]);
	}
	for (i = 0; i < cf->nflags; i++)
		free(cf->flags[i].val);
	free(cf->file);
	free(cf->format);
	free(cf->rules_dir);
	free(cf);
}
