/*
 * conf: reads the configuration file with jansson and checks it: known
 * keys only (a typo is an error, not a silent default), the right types,
 * zones that exist. Every error is logged as FILE:LINE: message and the
 * whole file is rejected, so a reload never applies half a config.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "jsonpos.h"
#include "log.h"
#include "tz.h"
#include "xmalloc.h"

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
	size_t      saved;

	if (!json_is_object(o)) {
		conf_error(c, "incident", "expected an object");
		return;
	}
	saved = conf_enter(c, "incident");
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
	c->obj = saved;
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
 * Reads and checks the configuration at path. Returns a new conf, or
 * NULL after logging every error found.
 */
struct conf *
conf_load(const char *path)
{
	struct conf_ctx c = {.file = path};
	struct conf    *cf;
	json_error_t    err;
	json_t         *root, *v;
	const char     *k;
	char           *text;
	size_t          len;

	if (conf_slurp(path, &text, &len) == -1)
		return NULL;
	jsonpos_init(&c.jp, text, len);
	c.obj = jsonpos_root(&c.jp);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		conf_json_error(&c, &err);
	else if (!json_is_object(root))
		log_warnx("%s:1: expected a JSON object", path);
	if (!json_is_object(root)) {
		json_decref(root);
		free(text);
		return NULL;
	}
	cf = xcalloc(1, sizeof(*cf));
	cf->file = xstrdup(path);
	json_object_foreach(root, k, v) conf_key(&c, cf, k, v);
	json_decref(root);
	free(text);
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
