/*
 * conf: every setting of timelined in one struct, filled from defaults,
 * the JSON configuration file and command-line flags through one table of
 * keys (name, flag, type, range, help), so the file, the flags, their
 * error messages and --help agree. A reload builds a fresh struct (file
 * read again, the same flags applied again) and the caller swaps it whole.
 * Errors are logged as FILE:LINE: message. It knows what the settings
 * are, not what they drive.
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "incident.h"

#define CONF_MAX_SOURCES 256
#define CONF_MAX_RULES   64
#define CONF_MAX_SRCTZ   64
#define CONF_MAX_FLAGS   128
#define CONF_FILE_MAX    (1024 * 1024) /* bytes; a larger file is refused */

struct conf_source {
	char *path;       /* file or glob, or NULL */
	char *syslog_udp; /* "host:port", or NULL */
	char *syslog_tcp;
	char *tz;   /* NULL: the default zone */
	char *name; /* NULL: the path */
};

/* A flag as given, kept so that a reload can apply it again. */
struct conf_flag {
	int   key; /* index in the key table, or a CONF_OPT_* */
	char *val;
};

struct conf {
	char *file; /* -c, or NULL */

	/* Reading. */
	char   *tz;         /* zone of stamps without one; NULL: local */
	char   *display_tz; /* NULL: UTC */
	char   *srctz_glob[CONF_MAX_SRCTZ], *srctz_zone[CONF_MAX_SRCTZ];
	int     nsrctz;
	int     year; /* --year, or 0 */
	size_t  max_line;
	int64_t reorder_ns; /* disorder tolerated within a source */

	/* Rules. */
	char *rules[CONF_MAX_RULES];
	int   nrules;
	int   no_default_rules;

	/* The unclassified signal (template miner). */
	int unclassified; /* 1: on (the default) */

	/* Incidents. */
	struct incident_conf inc;

	/* Replay's threads. */
	int    threads;    /* 0: one per online CPU */
	size_t split_size; /* a larger plain file is read in parts */

	/* Output (replay, match). */
	char   *format;
	int64_t since_ns, until_ns;
	int     all;
	int     progress; /* 1 on, 0 off, -1 if stderr is a terminal */

	/* The daemon. */
	char              *listen;
	char              *state_dir;
	char              *api_token_file;
	int                read_from_head; /* first start: files from byte 0 */
	int                inotify;        /* 0: poll only */
	char              *match_log;      /* every classified line, or NULL */
	int                match_log_all;
	struct conf_source sources[CONF_MAX_SOURCES];
	int                nsources;

	/* Not settings: what this run is. */
	int64_t          now_ns;        /* the wall clock, read once in main */
	int64_t          clock_skew_ns; /* test hook: added to the clock */
	char            *rules_dir;     /* the built-in pack, found in main */
	uint64_t         flagged; /* table keys given as flags: they win */
	uint64_t         given;   /* table keys set by the file or a flag */
	struct conf_flag flags[CONF_MAX_FLAGS];
	int              nflags;
};

/* Options that are not in the key table (lists, replay-only). */
enum {
	CONF_OPT_SOURCE_TZ = 1000,
	CONF_OPT_YEAR,
	CONF_OPT_FORMAT,
	CONF_OPT_SINCE,
	CONF_OPT_UNTIL,
	CONF_OPT_RULES,
	CONF_OPT_CONFIG
};

struct conf *conf_new(void);
void         conf_free(struct conf *);
int          conf_flag(struct conf *, const char *, const char *);
int          conf_option(struct conf *, int, const char *);
int          conf_load(struct conf *, const char *);
int          conf_check(const struct conf *);
int          conf_given(const struct conf *, const char *);
struct conf *conf_reload(const struct conf *);
int          conf_key_option(int, char *, size_t, int *);
void         conf_help(FILE *);

#endif /* CONF_H */
