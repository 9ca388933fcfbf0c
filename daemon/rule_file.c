/*
 * rule_file: reads rule files (JSON) and directories of them into rule
 * definitions: known keys only, the right types, valid ids and categories,
 * the examples, and the file and line of each rule for messages. Each
 * definition goes to rule_set_add(), which compiles it; this module knows
 * nothing of PCRE2 or of lines. Where the built-in pack lives is decided
 * by the caller (rule_file_builtin_dir), not read from the environment.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "category.h"
#include "jsonpos.h"
#include "log.h"
#include "rule.h"
#include "rule_file.h"
#include "xmalloc.h"

#ifndef TIMELINED_RULES_DIR
#define TIMELINED_RULES_DIR "/usr/local/share/timelined/rules.d"
#endif

#define RULE_FILE_MAX          (16 * 1024 * 1024)
#define RULE_FILE_ID_MAX       128
#define RULE_FILE_PRIORITY_MAX 1000000
#define RULE_FILE_OPEN_MIN_MAX 100000

/* A rule file being loaded. */
struct rule_file {
	const char    *path;
	char          *text;
	size_t         len;
	struct jsonpos jp;
	size_t        *elem; /* offset of each "rules" element */
	int            nelem;
	int            builtin;
};

/* One rule being read: its definition and what messages need. */
struct rule_file_ctx {
	struct rule_file *f;
	struct rule_def   def;
	char              name[RULE_FILE_ID_MAX + 8]; /* the id, or "#N" */
	const char      **ex[2];                      /* def.examples */
};

/*
 * Loading. Every error names the file and line, so a user can fix a rule
 * pack in one pass: loading goes on after an error, and a rule with an
 * error is left out.
 */

/* Logs an error in the rule being read and counts it. */
static void __attribute__((format(printf, 2, 3)))
rule_file_error(struct rule_file_ctx *c, const char *fmt, ...)
{
	char    buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rule_report(c->f->path, c->def.line, c->name, "%s", buf);
	c->def.errors++;
}

/* Reads the whole file into f->text; -1 (logged) on failure. */
static int
rule_file_read(struct rule_file *f)
{
	struct stat st;
	ssize_t     n;
	int         fd;

	if ((fd = open(f->path, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		log_warn("%s", f->path);
		goto fail;
	}
	if (st.st_size > RULE_FILE_MAX) {
		log_warnx("%s: larger than %d bytes", f->path, RULE_FILE_MAX);
		goto fail;
	}
	f->text = xmalloc(st.st_size + 1);
	while (f->len < (size_t)st.st_size) {
		n = read(fd, f->text + f->len, st.st_size - f->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%s", f->path);
			goto fail;
		}
		if (n == 0)
			break;
		f->len += n;
	}
	f->text[f->len] = '\0';
	jsonpos_init(&f->jp, f->text, f->len);
	close(fd);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * Records where each element of the top-level "rules" array starts (at
 * most max of them), so that messages can point at a rule.
 */
static void
rule_file_elements(struct rule_file *f, size_t max)
{
	struct jsonpos *jp = &f->jp;
	size_t          e;

	f->elem = xcalloc(max + 1, sizeof(*f->elem));
	e = jsonpos_key(jp, jsonpos_root(jp), "rules");
	for (e = jsonpos_first(jp, jsonpos_value(jp, e));
	     e != JSONPOS_NONE && (size_t)f->nelem < max;
	     e = jsonpos_next(jp, e))
		f->elem[f->nelem++] = e;
}

/* Returns 1 if s is a valid rule id. */
static int
rule_file_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("._-", s[i]) == NULL)
			return 0;
	return i > 0 && i <= RULE_FILE_ID_MAX;
}

/*
 * Sets up the context of element i: its name and line for messages (the
 * line of its "id", else of its start).
 */
static void
rule_file_ctx_init(
    struct rule_file_ctx *c, struct rule_file *f, int i, json_t *obj)
{
	json_t *id = json_object_get(obj, "id");
	size_t  start = i < f->nelem ? f->elem[i] : JSONPOS_NONE;
	size_t  at = JSONPOS_NONE;

	memset(c, 0, sizeof(*c));
	c->f = f;
	if (json_is_string(id) && rule_file_id_valid(json_string_value(id))) {
		snprintf(c->name, sizeof(c->name), "%s", json_string_value(id));
		at = jsonpos_key(&f->jp, start, "id");
	} else
		snprintf(c->name, sizeof(c->name), "#%d", i + 1);
	c->def.name = c->name;
	c->def.file = f->path;
	c->def.line = jsonpos_line(&f->jp, at != JSONPOS_NONE ? at : start);
	c->def.builtin = f->builtin;
}

/* Returns v's string if it is a non-empty string, else NULL (logged). */
static const char *
rule_file_str(struct rule_file_ctx *c, const char *key, json_t *v)
{
	if (!json_is_string(v) || json_string_length(v) == 0) {
		rule_file_error(c, "\"%s\" must be a non-empty string", key);
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		rule_file_error(c, "\"%s\" contains a NUL byte", key);
		return NULL;
	}
	return json_string_value(v);
}

/* Reads "id". */
static void
rule_file_key_id(struct rule_file_ctx *c, json_t *v)
{
	const char *s = rule_file_str(c, "id", v);

	if (s != NULL && !rule_file_id_valid(s))
		rule_file_error(c,
		    "\"id\" must be at most %d letters, digits, "
		    "'.', '_' or '-'",
		    RULE_FILE_ID_MAX);
	else if (s != NULL)
		c->def.id = s;
}

/* Reads "category". */
static void
rule_file_key_category(struct rule_file_ctx *c, json_t *v)
{
	const char   *s = rule_file_str(c, "category", v);
	enum category cat = s != NULL ? category_from_name(s)
				      : CATEGORY_UNCLASSIFIED;

	if (s != NULL && cat == CATEGORY_UNCLASSIFIED)
		rule_file_error(c, "unknown category \"%s\"", s);
	else if (s != NULL)
		c->def.cat = cat;
}

/* Reads "pattern"; rule_set_add() compiles it. */
static void
rule_file_key_pattern(struct rule_file_ctx *c, json_t *v)
{
	c->def.pattern = rule_file_str(c, "pattern", v);
}

/* Reads "flags": a string of i (caseless) and x (extended). */
static void
rule_file_key_flags(struct rule_file_ctx *c, json_t *v)
{
	const char *s;

	if (!json_is_string(v)) {
		rule_file_error(c, "\"flags\" must be a string");
		return;
	}
	for (s = json_string_value(v); *s != '\0'; s++) {
		if (*s != 'i' && *s != 'x') {
			rule_file_error(
			    c, "unknown flag '%c' (flags are i and x)", *s);
			return;
		}
	}
	c->def.flags = json_string_value(v);
}

/* Reads "field"; "message" is the default and stored as NULL. */
static void
rule_file_key_field(struct rule_file_ctx *c, json_t *v)
{
	const char *s = rule_file_str(c, "field", v);

	if (s != NULL && strcmp(s, "message") != 0)
		c->def.field = s;
}

/* Reads "priority". */
static void
rule_file_key_priority(struct rule_file_ctx *c, json_t *v)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	if (!json_is_integer(v) || n < -RULE_FILE_PRIORITY_MAX ||
	    n > RULE_FILE_PRIORITY_MAX)
		rule_file_error(c,
		    "\"priority\" must be an integer from %d to %d",
		    -RULE_FILE_PRIORITY_MAX, RULE_FILE_PRIORITY_MAX);
	else
		c->def.priority = n;
}

/*
 * Reads "open_min": how many matches of this rule within the opening
 * window it takes to open an incident on its own (weak signals such as a
 * single HTTP 5xx response need corroboration).
 */
static void
rule_file_key_open_min(struct rule_file_ctx *c, json_t *v)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	if (!json_is_integer(v) || n < 1 || n > RULE_FILE_OPEN_MIN_MAX)
		rule_file_error(c,
		    "\"open_min\" must be an integer from 1 to %d",
		    RULE_FILE_OPEN_MIN_MAX);
	else
		c->def.open_min = (int)n;
}

/* Reads "severity". */
static void
rule_file_key_severity(struct rule_file_ctx *c, json_t *v)
{
	const char *s = rule_file_str(c, "severity", v);

	if (s != NULL)
		c->def.severity = s;
}

/* Reads "title"; rule_set_add() checks its placeholders. */
static void
rule_file_key_title(struct rule_file_ctx *c, json_t *v)
{
	const char *s = rule_file_str(c, "title", v);

	if (s != NULL)
		c->def.title = s;
}

/* Adds one condition on field to the definition; -1 (logged) if bad. */
static int
rule_file_cond(struct rule_file_ctx *c, const char *field, json_t *v)
{
	const char *cond;

	if (c->def.nwhere == RULE_MAX_WHERE) {
		rule_file_error(c, "\"where\" holds more than %d conditions",
		    RULE_MAX_WHERE);
		return -1;
	}
	if ((cond = rule_file_str(c, "where", v)) == NULL)
		return -1;
	c->def.where_field[c->def.nwhere] = field;
	c->def.where_cond[c->def.nwhere++] = cond;
	return 0;
}

/*
 * Reads "where": {"field": "condition" or ["condition", ...], ...}, at
 * most RULE_MAX_WHERE conditions in all; rule_set_add() parses them
 * (comparisons and regexes).
 */
static void
rule_file_key_where(struct rule_file_ctx *c, json_t *v)
{
	const char *key;
	json_t     *val;
	size_t      i;

	if (!json_is_object(v) || json_object_size(v) == 0) {
		rule_file_error(c,
		    "\"where\" must be an object of field "
		    "conditions");
		return;
	}
	json_object_foreach(v, key, val)
	{
		if (*key == '\0') {
			rule_file_error(c, "\"where\" has an empty field name");
			return;
		}
		if (!json_is_array(val)) {
			if (rule_file_cond(c, key, val) == -1)
				return;
			continue;
		}
		if (json_array_size(val) == 0) {
			rule_file_error(c,
			    "\"where\": an empty list of "
			    "conditions");
			return;
		}
		for (i = 0; i < json_array_size(val); i++)
			if (rule_file_cond(c, key, json_array_get(val, i)) ==
			    -1)
				return;
	}
}

/* Reads one list of examples, k: 0 "match", 1 "no_match". */
static void
rule_file_examples(struct rule_file_ctx *c, int k, const char *key, json_t *v)
{
	size_t i, n = json_array_size(v);

	for (i = 0; i < n; i++)
		if (rule_file_str(c, key, json_array_get(v, i)) == NULL)
			return;
	if (!json_is_array(v) || n == 0) {
		rule_file_error(
		    c, "\"examples\".\"%s\" must be a list of lines", key);
		return;
	}
	c->ex[k] = xcalloc(n, sizeof(*c->ex[k]));
	for (i = 0; i < n; i++)
		c->ex[k][i] = json_string_value(json_array_get(v, i));
	c->def.examples[k] = c->ex[k];
	c->def.nexamples[k] = n;
}

/* Reads "examples": {"match": [...], "no_match": [...]}. */
static void
rule_file_key_examples(struct rule_file_ctx *c, json_t *v)
{
	const char *key;
	json_t     *val;

	if (!json_is_object(v)) {
		rule_file_error(c, "\"examples\" must be an object");
		return;
	}
	json_object_foreach(v, key, val)
	{
		if (strcmp(key, "match") == 0 && c->ex[0] == NULL)
			rule_file_examples(c, 0, key, val);
		else if (strcmp(key, "no_match") == 0 && c->ex[1] == NULL)
			rule_file_examples(c, 1, key, val);
		else
			rule_file_error(
			    c, "unknown key \"examples\".\"%s\"", key);
	}
}

static const struct {
	const char *key;
	void (*read)(struct rule_file_ctx *, json_t *);
} rule_file_keys[] = {
    {"id", rule_file_key_id},
    {"category", rule_file_key_category},
    {"pattern", rule_file_key_pattern},
    {"flags", rule_file_key_flags},
    {"field", rule_file_key_field},
    {"priority", rule_file_key_priority},
    {"open_min", rule_file_key_open_min},
    {"severity", rule_file_key_severity},
    {"title", rule_file_key_title},
    {"where", rule_file_key_where},
    {"examples", rule_file_key_examples},
};

/* Reads every key of a rule object; unknown keys are errors. */
static void
rule_file_read_keys(struct rule_file_ctx *c, json_t *obj)
{
	const char *key;
	json_t     *val;
	size_t      i, n = sizeof(rule_file_keys) / sizeof(*rule_file_keys);

	json_object_foreach(obj, key, val)
	{
		for (i = 0; i < n; i++) {
			if (strcmp(key, rule_file_keys[i].key) == 0) {
				rule_file_keys[i].read(c, val);
				break;
			}
		}
		if (i == n)
			rule_file_error(c, "unknown key \"%s\"", key);
	}
	if (json_object_get(obj, "id") == NULL)
		rule_file_error(c, "missing \"id\"");
	if (json_object_get(obj, "category") == NULL)
		rule_file_error(c, "missing \"category\"");
	if (json_object_get(obj, "pattern") == NULL &&
	    json_object_get(obj, "where") == NULL)
		rule_file_error(c, "missing \"pattern\" (or \"where\")");
}

/* Loads element i of a file's "rules"; returns its error count. */
static int
rule_file_one(struct rule_set *set, struct rule_file *f, int i, json_t *obj)
{
	struct rule_file_ctx c;

	rule_file_ctx_init(&c, f, i, obj);
	if (!json_is_object(obj)) {
		rule_file_error(&c, "not an object");
		return c.def.errors;
	}
	rule_file_read_keys(&c, obj);
	/* Compiled even after an error, to report the pattern's own. */
	rule_set_add(set, &c.def);
	free(c.ex[0]);
	free(c.ex[1]);
	return c.def.errors;
}

/* Returns the "rules" array of a file's top object, or NULL (logged). */
static json_t *
rule_file_rules(struct rule_file *f, json_t *root)
{
	const char *key;
	json_t     *val, *rules = NULL;
	size_t      at;

	if (!json_is_object(root)) {
		log_warnx(
		    "%s:1: expected an object {\"rules\": [...]}", f->path);
		return NULL;
	}
	json_object_foreach(root, key, val)
	{
		if (strcmp(key, "rules") == 0 && json_is_array(val)) {
			rules = val;
			continue;
		}
		at = jsonpos_key(&f->jp, jsonpos_root(&f->jp), key);
		log_warnx("%s:%d: %s \"%s\"", f->path, jsonpos_line(&f->jp, at),
		    strcmp(key, "rules") == 0 ? "expected a list in"
					      : "unknown key",
		    key);
		return NULL;
	}
	if (rules == NULL)
		log_warnx("%s:1: missing \"rules\"", f->path);
	return rules;
}

/* Loads one rule file; returns the number of errors (logged). */
static int
rule_file_load_file(struct rule_set *set, const char *path, int builtin)
{
	struct rule_file f = {.path = path, .builtin = builtin};
	json_error_t     jerr;
	json_t          *root, *rules;
	size_t           i;
	int              errors = 0;

	if (rule_file_read(&f) == -1)
		return 1;
	root = json_loadb(f.text, f.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		log_warnx("%s:%d: %s", path, jerr.line > 0 ? jerr.line : 1,
		    jerr.text);
		errors = 1;
	} else if ((rules = rule_file_rules(&f, root)) == NULL)
		errors = 1;
	else {
		rule_file_elements(&f, json_array_size(rules));
		for (i = 0; i < json_array_size(rules); i++)
			errors += rule_file_one(
			    set, &f, i, json_array_get(rules, i));
	}
	json_decref(root);
	free(f.elem);
	free(f.text);
	return errors;
}

/* Returns 1 if name is a rule file name: *.json, not hidden. */
static int
rule_file_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 &&
	    strcmp(name + len - 5, ".json") == 0;
}

/* Orders strings for qsort. */
static int
rule_file_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.json of a directory, in name order; the error count. */
static int
rule_file_load_dir(struct rule_set *set, const char *dir, int builtin)
{
	struct dirent *de;
	DIR           *d;
	char         **names = NULL, *path;
	size_t         n = 0, cap = 0, i;
	int            errors = 0;

	if ((d = opendir(dir)) == NULL) {
		log_warn("%s", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!rule_file_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), rule_file_cmp_str);
	for (i = 0; i < n; i++) {
		xasprintf(&path, "%s/%s", dir, names[i]);
		errors += rule_file_load_file(set, path, builtin);
		free(path);
		free(names[i]);
	}
	free(names);
	return errors;
}

/* Loads a file or directory into the set, then prepares the set. */
static int
rule_file_load_path(struct rule_set *set, const char *path, int builtin)
{
	struct stat st;
	int         errors;

	if (stat(path, &st) == -1) {
		log_warn("%s", path);
		return 1;
	}
	if (S_ISDIR(st.st_mode))
		errors = rule_file_load_dir(set, path, builtin);
	else
		errors = rule_file_load_file(set, path, builtin);
	rule_set_prepare(set);
	return errors;
}

/*
 * Loads a rule file, or every *.json of a directory, into the set. Every
 * problem is logged as FILE:LINE: message; a rule with an error is left
 * out, the others load. Returns the number of errors (0: all loaded).
 */
int
rule_file_load(struct rule_set *set, const char *path)
{
	return rule_file_load_path(set, path, 0);
}

/* Loads the built-in pack from dir: as rule_file_load(), examples required. */
int
rule_file_load_builtin(struct rule_set *set, const char *dir)
{
	return rule_file_load_path(set, dir, 1);
}

/*
 * Returns where the built-in pack is, to be freed: env_value (the value of
 * $TIMELINED_RULES_DIR) unless NULL or empty; else config/rules.d (a
 * development tree) or ../share/timelined/rules.d (an installed tree,
 * wherever PREFIX put it) under exe_dir, the executable's directory (NULL:
 * unknown), the first that is a directory; else the compile-time
 * installed path.
 */
char *
rule_file_builtin_dir(const char *exe_dir, const char *env_value)
{
	static const char *const rel[] = {
	    "config/rules.d", "../share/timelined/rules.d", NULL};
	struct stat st;
	char       *dir;
	int         i;

	if (env_value != NULL && *env_value != '\0')
		return xstrdup(env_value);
	for (i = 0; exe_dir != NULL && rel[i] != NULL; i++) {
		xasprintf(&dir, "%s/%s", exe_dir, rel[i]);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
		free(dir);
	}
	return xstrdup(TIMELINED_RULES_DIR);
}
