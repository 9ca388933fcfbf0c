/*
 * conf: the JSON configuration file, read into a fresh struct conf (the
 * daemon swaps it whole on reload). Validates every key and reports
 * errors as FILE:LINE: message. Knows nothing of what the keys drive.
 */
#ifndef CONF_H
#define CONF_H

#include <stdint.h>

#define CONF_MAX_SOURCES 256
#define CONF_MAX_RULES   64
#define CONF_FILE_MAX    (1024 * 1024) /* bytes; a larger file is refused */

struct conf_source {
	char *path;       /* file or glob, or NULL */
	char *syslog_udp; /* "host:port", or NULL */
	char *syslog_tcp;
	char *tz;   /* NULL: the default zone */
	char *name; /* NULL: the path */
};

struct conf {
	char              *file;
	char              *listen;
	char              *state_dir;
	char              *display_tz;
	char              *tz;
	char              *api_token_file;
	struct conf_source sources[CONF_MAX_SOURCES];
	int                nsources;
	char              *rules[CONF_MAX_RULES];
	int                nrules;
	int                no_default_rules;
	int64_t            quiet_period_s, lookback_s, open_window_s;
	int                min_failures, max_entries, max_incidents;
	int64_t            max_line;
};

struct conf *conf_load(const char *);
void         conf_free(struct conf *);

#endif /* CONF_H */
