/*
 * conf: reads the configuration file with jansson and checks it: known
 * keys only (a typo is an error, not a silent default), the right types,
 * zones that exist. Every error is logged as FILE:LINE: message and the
 * whole file is rejected, so a reload never applies half a config.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "tz.h"
#include "xmalloc.h"

struct conf_ctx {
	const char *file;
	char       *text; /* the file, to find lines of keys */
	int         errors;
};

/* The line of the first `"key"` in the file text, or 1. */
static int
conf_line(const struct conf_ctx *c, const char *key)
{
	char        pat[160];
	const char *p;
	int         line = 1;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	if (c->text == NULL || (p = strstr(c->text, pat)) == NULL)
		return 1;
	for (const char *q = c->text; q < p; q++)
		line += *q == '\n';
	return line;
}

/* Logs an error at the line of key. */
static void
conf_error(struct conf_ctx *c, const char *key, const char *what)
{
	log_warnx("%s:%d: %s: %s", c->file, conf_line(c, key), key, what);
	c->errors++;
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

/* A whole number in [lo, hi], or lo with an error. */
static int64_t
conf_int(struct conf_ctx *c, const char *key, json_t *v, int64_t lo, int64_t hi)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		conf_error(c, key, "expected a whole number in range");
		return lo;
	}
	return (int64_t)json_integer_value(v);
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

/* Reads the "incident" object. */
static void
conf_incident(struct conf_ctx *c, struct conf *cf, json_t *o)
{
	const char *k;
	json_t     *v;

	if (!json_is_object(o)) {
		conf_error(c, "incident", "expected an object");
		return;
	}
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "quiet_period_s") == 0)
			cf->quiet_period_s = conf_int(c, k, v, 1, 30 * 86400);
		else if (strcmp(k, "lookback_s") == 0)
			cf->lookback_s = conf_int(c, k, v, 0, 30 * 86400);
		else if (strcmp(k, "open_window_s") == 0)
			cf->open_window_s = conf_int(c, k, v, 1, 86400);
		else if (strcmp(k, "min_failures") == 0)
			cf->min_failures = (int)conf_int(c, k, v, 1, 1000);
		else if (strcmp(k, "max_entries") == 0)
			cf->max_entries = (int)conf_int(c, k, v, 10, 1000000);
		else if (strcmp(k, "max_incidents") == 0)
			cf->max_incidents = (int)conf_int(c, k, v, 1, 1000000);
		else
			conf_error(c, k, "unknown key in \"incident\"");
	}
}

/* Reads one element of "sources". */
static void
conf_source(struct conf_ctx *c, struct conf_source *s, json_t *o)
{
	const char *k;
	json_t     *v;

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
	if (!!s->path + !!s->syslog_udp + !!s->syslog_tcp != 1)
		conf_error(c, "sources",
		    "each source needs exactly one of "
		    "path, syslog_udp, syslog_tcp");
}

/* Reads the "sources" array. */
static void
conf_sources(struct conf_ctx *c, struct conf *cf, json_t *a)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > CONF_MAX_SOURCES) {
		conf_error(c, "sources",
		    "expected an array of at most 256 "
		    "objects");
		return;
	}
	for (i = 0; i < json_array_size(a); i++) {
		if (!json_is_object(json_array_get(a, i))) {
			conf_error(c, "sources", "expected objects");
			continue;
		}
		conf_source(
		    c, &cf->sources[cf->nsources++], json_array_get(a, i));
	}
}

/* Reads the "rules" array of paths. */
static void
conf_rules(struct conf_ctx *c, struct conf *cf, json_t *a)
{
	size_t i;
	char  *s;

	if (!json_is_array(a) || json_array_size(a) > CONF_MAX_RULES) {
		conf_error(c, "rules", "expected an array of at most 64 paths");
		return;
	}
	for (i = 0; i < json_array_size(a); i++)
		if ((s = conf_str(c, "rules", json_array_get(a, i))) != NULL)
			cf->rules[cf->nrules++] = s;
}

/* Applies one top-level key. */
static void
conf_key(struct conf_ctx *c, struct conf *cf, const char *k, json_t *v)
{
	if (strcmp(k, "listen") == 0)
		cf->listen = conf_str(c, k, v);
	else if (strcmp(k, "state_dir") == 0)
		cf->state_dir = conf_str(c, k, v);
	else if (strcmp(k, "display_tz") == 0)
		cf->display_tz = conf_zone(c, k, v);
	else if (strcmp(k, "tz") == 0)
		cf->tz = conf_zone(c, k, v);
	else if (strcmp(k, "api_token_file") == 0)
		cf->api_token_file = conf_str(c, k, v);
	else if (strcmp(k, "sources") == 0)
		conf_sources(c, cf, v);
	else if (strcmp(k, "rules") == 0)
		conf_rules(c, cf, v);
	else if (strcmp(k, "no_default_rules") == 0 && json_is_boolean(v))
		cf->no_default_rules = json_is_true(v);
	else if (strcmp(k, "incident") == 0)
		conf_incident(c, cf, v);
	else if (strcmp(k, "max_line") == 0)
		cf->max_line = conf_int(c, k, v, 256, 16 * 1024 * 1024);
	else if (k[0] == '_' || strcmp(k, "comment") == 0)
		; /* comments: "_note": "..." */
	else
		conf_error(c, k, "unknown key");
}

/* Reads the whole file into memory (bounded), or NULL. */
static char *
conf_slurp(const char *path)
{
	FILE  *fp;
	char  *buf;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	buf = xmalloc(1024 * 1024 + 1);
	n = fread(buf, 1, 1024 * 1024, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/*
 * Reads and checks the configuration at path. Returns a new conf, or
 * NULL after logging every error found.
 */
struct conf *
conf_load(const char *path)
{
	struct conf_ctx c = {path, NULL, 0};
	struct conf    *cf;
	json_error_t    err;
	json_t         *root, *v;
	const char     *k;

	if ((c.text = conf_slurp(path)) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if ((root = json_loads(c.text, JSON_REJECT_DUPLICATES, &err)) == NULL ||
	    !json_is_object(root)) {
		log_warnx("%s:%d: %s", path, root ? 1 : err.line,
		    root ? "expected a JSON object" : err.text);
		json_decref(root);
		free(c.text);
		return NULL;
	}
	cf = xcalloc(1, sizeof(*cf));
	cf->file = xstrdup(path);
	json_object_foreach(root, k, v) conf_key(&c, cf, k, v);
	json_decref(root);
	free(c.text);
	if (c.errors > 0) {
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
	for (i = 0; i < cf->nsources; i++) {
		free(cf->sources[i].path);
		free(cf->sources[i].syslog_udp);
		free(cf->sources[i].syslog_tcp);
		free(cf->sources[i].tz);
		free(cf->sources[i].name);
	}
	for (i = 0; i < cf->nrules; i++)
		free(cf->rules[i]);
	free(cf->file);
	free(cf->listen);
	free(cf->state_dir);
	free(cf->display_tz);
	free(cf->tz);
	free(cf->api_token_file);
	free(cf);
}
