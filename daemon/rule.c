/*
 * rule: the rule engine. Loads rule files (JSON), compiles each pattern with
 * PCRE2 (8-bit, bytes not UTF, JIT when available), extracts from each
 * pattern the literals any match must contain, and matches a record by one
 * literal prefilter pass plus the regexes of the candidate rules only.
 * It knows records, not files being tailed, incidents or output.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>

#include "category.h"
#include "litscan.h"
#include "log.h"
#include "rule_lit.h"
#include "parser.h"
#include "record.h"
#include "rule.h"
#include "xmalloc.h"

#ifndef TIMELINED_RULES_DIR
#define TIMELINED_RULES_DIR "/usr/local/share/timelined/rules.d"
#endif

#define RULE_LIT_MIN       3 /* shortest literal prefiltered on */
#define RULE_LIT_GOOD      4 /* shorter ones are reported by check */
#define RULE_MATCH_LIMIT   100000
#define RULE_DEPTH_LIMIT   1000
#define RULE_JIT_STACK_MIN (32 * 1024)
#define RULE_JIT_STACK_MAX (512 * 1024)
#define RULE_FILE_MAX      (16 * 1024 * 1024)
#define RULE_ID_MAX        128
#define RULE_PRIORITY_MAX  1000000

enum rule_field_kind {
	RULE_FIELD_MESSAGE,
	RULE_FIELD_LINE,
	RULE_FIELD_PROGRAM,
	RULE_FIELD_HOST,
	RULE_FIELD_NAMED
};

/* One distinct subject field of the set and its subject for this line. */
struct rule_slot {
	enum rule_field_kind kind;
	const char          *name;    /* RULE_FIELD_NAMED: borrowed */
	int                  scanned; /* some rule on it has literals */
	uint64_t            *mask;    /* the rules on this field */
	uint64_t            *always;  /* those without a usable literal */
	const char          *s;       /* the subject, during a match */
	size_t               len;
	int                  present;
};

/* A rule and everything compiled from it. */
struct rule_ent {
	struct rule      pub; /* first: hits point here */
	pcre2_code      *code;
	const char      *names[RULE_MAX_CAPTURES]; /* in the name table */
	int              groups[RULE_MAX_CAPTURES];
	int              nnames;
	struct rule_lit *lits;   /* required literals, NULL if not compiled */
	int              litmin; /* shortest literal, -1 none */
	int              slot;
	int              rank; /* bit in the candidate set */
	int              builtin;
	char           **ex[2]; /* examples: [0] match, [1] no_match */
	int              nex[2];
};

struct rule_set {
	struct rule_ent **rules; /* load order */
	int               nrules;
	int               cap;

	/* Rebuilt after each load by rule_prepare(). */
	struct rule_ent **order; /* priority order; bit r is order[r] */
	struct rule_slot *slots;
	int               nslots;
	int               nwords;
	uint64_t         *bits; /* masks of all slots */
	uint64_t         *cand;
	uint64_t         *found;
	struct litscan   *scan;
	pcre2_match_data *md;

	pcre2_match_context *mctx;
	pcre2_jit_stack     *jstack;
	int                  prefilter;
	int                  builtin; /* loading the built-in pack */
	struct rule_stats    stats;
};

/* A rule file being loaded. */
struct rule_file {
	const char *path;
	char       *text;
	size_t      len;
	size_t     *elem; /* offset of each "rules" element */
	int         nelem;
};

/* One rule being loaded, for messages. */
struct rule_ctx {
	const struct rule_file *f;
	char                    name[RULE_ID_MAX + 8]; /* the id, or "#N" */
	int                     line;
	int                     errors;
	const char             *pattern;
	const char             *flags;
};

/*
 * Returns 1 if name is a category that counts as a failure, else 0; for
 * the modules that still hold category names.
 */
int
rule_category_is_failure(const char *name)
{
	return category_is_failure(category_from_name(name));
}

/* Sets bit i. */
static void
bit_set(uint64_t *bits, int i)
{
	bits[i / 64] |= UINT64_C(1) << (i % 64);
}

/* Returns bit i. */
static int
bit_get(const uint64_t *bits, int i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

/*
 * Loading. Every error names the file and line, so a user can fix a rule
 * pack in one pass: loading goes on after an error, and a rule with an
 * error is left out.
 */

/* Frees a rule and everything compiled from it; accepts NULL. */
static void
rule_ent_free(struct rule_ent *ent)
{
	int i, k;

	if (ent == NULL)
		return;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < ent->nex[k]; i++)
			free(ent->ex[k][i]);
		free(ent->ex[k]);
	}
	rule_lit_free(ent->lits);
	pcre2_code_free(ent->code);
	free(ent->pub.file);
	free(ent->pub.severity);
	free(ent->pub.field);
	free(ent->pub.title);
	free(ent->pub.category);
	free(ent->pub.id);
	free(ent);
}

/* Logs "FILE:LINE: rule ID: message". */
static void __attribute__((format(printf, 4, 0))) rule_vreport(
    const char *file, int line, const char *name, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_warnx("%s:%d: rule %s: %s", file, line, name, buf);
}

/* Logs a message about a loaded rule. */
static void __attribute__((format(printf, 2, 3)))
rule_report(const struct rule *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rule_vreport(r->file, r->line, r->id, fmt, ap);
	va_end(ap);
}

/* Logs an error in the rule being loaded and counts it. */
static void __attribute__((format(printf, 2, 3)))
rule_error(struct rule_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rule_vreport(c->f->path, c->line, c->name, fmt, ap);
	va_end(ap);
	c->errors++;
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
	close(fd);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

/* Returns the 1-based line number of offset off. */
static int
rule_file_line(const struct rule_file *f, size_t off)
{
	size_t i;
	int    line = 1;

	for (i = 0; i < off && i < f->len; i++)
		line += f->text[i] == '\n';
	return line;
}

/* Returns the offset of the first non-space byte at or after off. */
static size_t
rule_file_skipws(const struct rule_file *f, size_t off)
{
	while (off < f->len && isspace((unsigned char)f->text[off]))
		off++;
	return off;
}

/* Returns the offset just past the JSON string that starts at off. */
static size_t
rule_file_string(const struct rule_file *f, size_t off)
{
	for (off++; off < f->len && f->text[off] != '"'; off++)
		if (f->text[off] == '\\')
			off++;
	return off + 1;
}

/*
 * Returns the offset of the key "key" (followed by the string value val,
 * unless val is NULL) between from and to, or (size_t)-1.
 */
static size_t
rule_file_find(const struct rule_file *f, size_t from, size_t to,
    const char *key, const char *val)
{
	const char *t = f->text;
	size_t      i, k, klen = strlen(key), vlen = val ? strlen(val) : 0;

	for (i = from; i + klen + 2 <= to; i++) {
		if (t[i] != '"' || memcmp(t + i + 1, key, klen) != 0 ||
		    t[i + 1 + klen] != '"')
			continue;
		k = rule_file_skipws(f, i + klen + 2);
		if (k >= f->len || t[k] != ':')
			continue;
		if (val == NULL)
			return i;
		k = rule_file_skipws(f, k + 1);
		if (k + vlen + 2 <= f->len && t[k] == '"' &&
		    memcmp(t + k + 1, val, vlen) == 0 && t[k + 1 + vlen] == '"')
			return i;
	}
	return (size_t)-1;
}

/* Returns the offset just past "rules": [ at nesting depth 1, or 0. */
static size_t
rule_file_rules_at(const struct rule_file *f, size_t off, size_t end)
{
	if (end - off != 7 || memcmp(f->text + off, "\"rules\"", 7) != 0)
		return 0;
	end = rule_file_skipws(f, end);
	if (end >= f->len || f->text[end] != ':')
		return 0;
	end = rule_file_skipws(f, end + 1);
	return end < f->len && f->text[end] == '[' ? end + 1 : 0;
}

/*
 * Records where each element of the top-level "rules" array starts (at most
 * max of them), so that messages can point at a rule. The text is valid
 * JSON: jansson has read it.
 */
static void
rule_file_elements(struct rule_file *f, size_t max)
{
	size_t i = 0, j, k;
	int    depth = 0, found = 0, expect = 0;
	char   c;

	f->elem = xcalloc(max + 1, sizeof(*f->elem));
	while (i < f->len) {
		c = f->text[i];
		if (isspace((unsigned char)c)) {
			i++;
			continue;
		}
		if (expect && c != ']' && (size_t)f->nelem < max)
			f->elem[f->nelem++] = i;
		expect = 0;
		if (c == '"') {
			j = rule_file_string(f, i);
			k = found || depth != 1 ? 0
						: rule_file_rules_at(f, i, j);
			if (k != 0) {
				found = expect = 1;
				depth = 2;
			}
			i = k != 0 ? k : j;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth < 2 && found)
			break;
		else if (c == ',' && found && depth == 2)
			expect = 1;
		i++;
	}
}

/* Returns 1 if s is a valid rule id. */
static int
rule_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("._-", s[i]) == NULL)
			return 0;
	return i > 0 && i <= RULE_ID_MAX;
}

/* Sets up the context of element i: its name and line for messages. */
static void
rule_ctx_init(struct rule_ctx *c, const struct rule_file *f, int i, json_t *obj)
{
	json_t *id = json_object_get(obj, "id");
	size_t  start = 0, end = f->len, at = (size_t)-1;

	memset(c, 0, sizeof(*c));
	c->f = f;
	if (i < f->nelem) {
		start = f->elem[i];
		if (i + 1 < f->nelem)
			end = f->elem[i + 1];
	}
	if (json_is_string(id) && rule_id_valid(json_string_value(id))) {
		snprintf(c->name, sizeof(c->name), "%s", json_string_value(id));
		at = rule_file_find(f, start, end, "id", c->name);
	} else
		snprintf(c->name, sizeof(c->name), "#%d", i + 1);
	c->line = rule_file_line(f, at == (size_t)-1 ? start : at);
}

/* Returns v's string if it is a non-empty string, else NULL (logged). */
static const char *
rule_json_str(struct rule_ctx *c, const char *key, json_t *v)
{
	if (!json_is_string(v) || json_string_length(v) == 0) {
		rule_error(c, "\"%s\" must be a non-empty string", key);
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		rule_error(c, "\"%s\" contains a NUL byte", key);
		return NULL;
	}
	return json_string_value(v);
}

/* Reads "id". */
static void
rule_key_id(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	const char *s = rule_json_str(c, "id", v);

	if (s != NULL && !rule_id_valid(s))
		rule_error(c,
		    "\"id\" must be at most %d letters, digits, "
		    "'.', '_' or '-'",
		    RULE_ID_MAX);
	else if (s != NULL)
		ent->pub.id = xstrdup(s);
}

/* Reads "category". */
static void
rule_key_category(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	const char   *s = rule_json_str(c, "category", v);
	enum category cat = s != NULL ? category_from_name(s)
				      : CATEGORY_UNCLASSIFIED;

	if (s != NULL && cat == CATEGORY_UNCLASSIFIED)
		rule_error(c, "unknown category \"%s\"", s);
	else if (s != NULL) {
		ent->pub.category = xstrdup(s);
		ent->pub.cat = cat;
	}
}

/* Reads "pattern"; it is compiled once all keys are read. */
static void
rule_key_pattern(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	(void)ent;
	c->pattern = rule_json_str(c, "pattern", v);
}

/* Reads "flags": a string of i (caseless) and x (extended). */
static void
rule_key_flags(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	const char *s;

	(void)ent;
	if (!json_is_string(v)) {
		rule_error(c, "\"flags\" must be a string");
		return;
	}
	for (s = json_string_value(v); *s != '\0'; s++) {
		if (*s != 'i' && *s != 'x') {
			rule_error(
			    c, "unknown flag '%c' (flags are i and x)", *s);
			return;
		}
	}
	c->flags = json_string_value(v);
}

/* Reads "field"; "message" is the default and stored as NULL. */
static void
rule_key_field(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	const char *s = rule_json_str(c, "field", v);

	if (s != NULL && strcmp(s, "message") != 0)
		ent->pub.field = xstrdup(s);
}

/* Reads "priority". */
static void
rule_key_priority(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	if (!json_is_integer(v) || n < -RULE_PRIORITY_MAX ||
	    n > RULE_PRIORITY_MAX)
		rule_error(c, "\"priority\" must be an integer from %d to %d",
		    -RULE_PRIORITY_MAX, RULE_PRIORITY_MAX);
	else
		ent->pub.priority = n;
}

/*
 * Reads "open_min": how many matches of this rule within the opening
 * window it takes to open an incident on its own (weak signals such as a
 * single HTTP 5xx response need corroboration).
 */
static void
rule_key_open_min(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	if (!json_is_integer(v) || n < 1 || n > 100000)
		rule_error(
		    c, "\"open_min\" must be an integer from 1 to 100000");
	else
		ent->pub.open_min = (int)n;
}

/* Reads "severity". */
static void
rule_key_severity(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	const char *s = rule_json_str(c, "severity", v);

	if (s != NULL)
		ent->pub.severity = xstrdup(s);
}

/* Reads "title"; its placeholders are checked once the pattern compiled. */
static void
rule_key_title(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	const char *s = rule_json_str(c, "title", v);

	if (s != NULL)
		ent->pub.title = xstrdup(s);
}

/* Reads one list of examples, k: 0 "match", 1 "no_match". */
static void
rule_examples(
    struct rule_ctx *c, struct rule_ent *ent, int k, const char *key, json_t *v)
{
	size_t i, n = json_array_size(v);

	for (i = 0; i < n; i++)
		if (rule_json_str(c, key, json_array_get(v, i)) == NULL)
			return;
	if (!json_is_array(v) || n == 0) {
		rule_error(
		    c, "\"examples\".\"%s\" must be a list of lines", key);
		return;
	}
	ent->ex[k] = xcalloc(n, sizeof(*ent->ex[k]));
	for (i = 0; i < n; i++)
		ent->ex[k][ent->nex[k]++] = xstrdup(
		    json_string_value(json_array_get(v, i)));
}

/* Reads "examples": {"match": [...], "no_match": [...]}. */
static void
rule_key_examples(struct rule_ctx *c, struct rule_ent *ent, json_t *v)
{
	const char *key;
	json_t     *val;

	if (!json_is_object(v)) {
		rule_error(c, "\"examples\" must be an object");
		return;
	}
	json_object_foreach(v, key, val)
	{
		if (strcmp(key, "match") == 0 && ent->ex[0] == NULL)
			rule_examples(c, ent, 0, key, val);
		else if (strcmp(key, "no_match") == 0 && ent->ex[1] == NULL)
			rule_examples(c, ent, 1, key, val);
		else
			rule_error(c, "unknown key \"examples\".\"%s\"", key);
	}
}

static const struct {
	const char *key;
	void (*read)(struct rule_ctx *, struct rule_ent *, json_t *);
} rule_keys[] = {
    {"id", rule_key_id},
    {"category", rule_key_category},
    {"pattern", rule_key_pattern},
    {"flags", rule_key_flags},
    {"field", rule_key_field},
    {"priority", rule_key_priority},
    {"open_min", rule_key_open_min},
    {"severity", rule_key_severity},
    {"title", rule_key_title},
    {"examples", rule_key_examples},
};

/* Reads every key of a rule object; unknown keys are errors. */
static void
rule_read_keys(struct rule_ctx *c, struct rule_ent *ent, json_t *obj)
{
	const char *key;
	json_t     *val;
	size_t      i, n = sizeof(rule_keys) / sizeof(*rule_keys);

	json_object_foreach(obj, key, val)
	{
		for (i = 0; i < n; i++) {
			if (strcmp(key, rule_keys[i].key) == 0) {
				rule_keys[i].read(c, ent, val);
				break;
			}
		}
		if (i == n)
			rule_error(c, "unknown key \"%s\"", key);
	}
	if (json_object_get(obj, "id") == NULL)
		rule_error(c, "missing \"id\"");
	if (json_object_get(obj, "category") == NULL)
		rule_error(c, "missing \"category\"");
	if (json_object_get(obj, "pattern") == NULL)
		rule_error(c, "missing \"pattern\"");
}

/* Records the named groups, in group order, as the rule's captures. */
static void
rule_names(struct rule_ctx *c, struct rule_ent *ent)
{
	PCRE2_SPTR table, e;
	uint32_t   count, size, i;
	int        j, group;

	pcre2_pattern_info(ent->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(ent->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(ent->code, PCRE2_INFO_NAMETABLE, &table);
	if (count > RULE_MAX_CAPTURES) {
		rule_error(c, "more than %d named captures", RULE_MAX_CAPTURES);
		return;
	}
	for (i = 0; i < count; i++) {
		e = table + i * size;
		group = e[0] << 8 | e[1];
		for (j = ent->nnames; j > 0 && ent->groups[j - 1] > group;
		     j--) {
			ent->groups[j] = ent->groups[j - 1];
			ent->names[j] = ent->names[j - 1];
		}
		ent->groups[j] = group;
		ent->names[j] = (const char *)e + 2;
		ent->nnames++;
	}
}

/* Returns the length of the name of the {name} placeholder at s, or 0. */
static size_t
rule_placeholder(const char *s)
{
	size_t n = 1;

	if (s[0] != '{')
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n > 1 && s[n] == '}' ? n - 1 : 0;
}

/* Returns the index of the capture called name (len bytes), or -1. */
static int
rule_name_find(const struct rule_ent *ent, const char *name, size_t len)
{
	int i;

	for (i = 0; i < ent->nnames; i++)
		if (strncmp(ent->names[i], name, len) == 0 &&
		    ent->names[i][len] == '\0')
			return i;
	return -1;
}

/* Checks that every placeholder of the title names a capture. */
static void
rule_check_title(struct rule_ctx *c, struct rule_ent *ent)
{
	const char *t;
	size_t      n;

	for (t = ent->pub.title; t != NULL && *t != '\0'; t++) {
		if ((n = rule_placeholder(t)) == 0)
			continue;
		if (rule_name_find(ent, t + 1, n) == -1)
			rule_error(c,
			    "title uses {%.*s}, which the pattern "
			    "does not capture",
			    (int)n, t + 1);
		t += n + 1;
	}
}

/* Compiles the pattern (JIT if possible) and extracts its literals. */
static void
rule_compile(struct rule_ctx *c, struct rule_ent *ent)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE  off;
	uint32_t    opt = PCRE2_NEVER_UTF;
	int         err;

	if (c->flags != NULL && strchr(c->flags, 'i') != NULL)
		opt |= PCRE2_CASELESS;
	if (c->flags != NULL && strchr(c->flags, 'x') != NULL)
		opt |= PCRE2_EXTENDED;
	ent->code = pcre2_compile((PCRE2_SPTR)c->pattern, PCRE2_ZERO_TERMINATED,
	    opt, &err, &off, NULL);
	if (ent->code == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		rule_error(c, "pattern error at offset %zu: %s", (size_t)off,
		    (char *)msg);
		return;
	}
	/* Without JIT (unsupported CPU, no exec memory) PCRE2 interprets. */
	(void)pcre2_jit_compile(ent->code, PCRE2_JIT_COMPLETE);
	rule_names(c, ent);
	rule_check_title(c, ent);
	ent->lits = rule_lit_extract(c->pattern, (opt & PCRE2_EXTENDED) != 0);
	ent->litmin = rule_lit_min(ent->lits);
}

/* Checks that no rule already loaded has the same id. */
static void
rule_check_dup(
    struct rule_ctx *c, const struct rule_set *set, const struct rule_ent *ent)
{
	const struct rule *r;
	int                i;

	for (i = 0; i < set->nrules; i++) {
		r = &set->rules[i]->pub;
		if (strcmp(r->id, ent->pub.id) == 0) {
			rule_error(c, "duplicate id (first defined at %s:%d)",
			    r->file, r->line);
			return;
		}
	}
}

/* Appends a rule to the set. Consumes ent. */
static void
rule_add(struct rule_set *set, struct rule_ent *ent)
{
	if (set->nrules == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 64;
		set->rules = xreallocarray(
		    set->rules, set->cap, sizeof(*set->rules));
	}
	ent->pub.index = set->nrules;
	ent->builtin = set->builtin;
	if (ent->pub.title == NULL)
		ent->pub.title = xstrdup(ent->pub.id);
	set->rules[set->nrules++] = ent;
}

/* Loads element i of a file's "rules"; -1 (logged) if it has errors. */
static int
rule_load_one(
    struct rule_set *set, const struct rule_file *f, int i, json_t *obj)
{
	struct rule_ctx  c;
	struct rule_ent *ent;

	rule_ctx_init(&c, f, i, obj);
	if (!json_is_object(obj)) {
		rule_error(&c, "not an object");
		return -1;
	}
	ent = xcalloc(1, sizeof(*ent));
	ent->litmin = -1;
	ent->pub.file = xstrdup(f->path);
	ent->pub.line = c.line;
	rule_read_keys(&c, ent, obj);
	if (c.pattern != NULL)
		rule_compile(&c, ent);
	if (ent->pub.id != NULL)
		rule_check_dup(&c, set, ent);
	if (c.errors > 0) {
		rule_ent_free(ent);
		return -1;
	}
	rule_add(set, ent);
	return 0;
}

/* Returns the "rules" array of a file's top object, or NULL (logged). */
static json_t *
rule_file_rules(const struct rule_file *f, json_t *root)
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
		at = rule_file_find(f, 0, f->len, key, NULL);
		log_warnx("%s:%d: %s \"%s\"", f->path,
		    rule_file_line(f, at == (size_t)-1 ? 0 : at),
		    strcmp(key, "rules") == 0 ? "expected a list in"
					      : "unknown key",
		    key);
		return NULL;
	}
	if (rules == NULL)
		log_warnx("%s:1: missing \"rules\"", f->path);
	return rules;
}

/* Loads one rule file; -1 if anything in it was wrong. */
static int
rule_load_file(struct rule_set *set, const char *path)
{
	struct rule_file f = {.path = path};
	json_error_t     jerr;
	json_t          *root, *rules;
	size_t           i;
	int              rc = 0;

	if (rule_file_read(&f) == -1)
		return -1;
	root = json_loadb(f.text, f.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		log_warnx("%s:%d: %s", path, jerr.line > 0 ? jerr.line : 1,
		    jerr.text);
		rc = -1;
	} else if ((rules = rule_file_rules(&f, root)) == NULL)
		rc = -1;
	else {
		rule_file_elements(&f, json_array_size(rules));
		for (i = 0; i < json_array_size(rules); i++)
			if (rule_load_one(
				set, &f, i, json_array_get(rules, i)) == -1)
				rc = -1;
	}
	json_decref(root);
	free(f.elem);
	free(f.text);
	return rc;
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
rule_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.json of a directory, in name order. */
static int
rule_load_dir(struct rule_set *set, const char *dir)
{
	struct dirent *de;
	DIR           *d;
	char         **names = NULL, *path;
	size_t         n = 0, cap = 0, i;
	int            rc = 0;

	if ((d = opendir(dir)) == NULL) {
		log_warn("%s", dir);
		return -1;
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
		qsort(names, n, sizeof(*names), rule_cmp_str);
	for (i = 0; i < n; i++) {
		xasprintf(&path, "%s/%s", dir, names[i]);
		if (rule_load_file(set, path) == -1)
			rc = -1;
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

/*
 * Preparation: after each load the rules are put in priority order, each
 * gets a bit (its rank) in the candidate set and a slot (its subject
 * field), and one automaton is built over the literals of all of them.
 */

/* Frees what rule_prepare() built. */
static void
rule_unprepare(struct rule_set *set)
{
	pcre2_match_data_free(set->md);
	litscan_free(set->scan);
	free(set->bits);
	free(set->slots);
	free(set->order);
	set->md = NULL;
	set->scan = NULL;
	set->bits = set->cand = set->found = NULL;
	set->slots = NULL;
	set->order = NULL;
	set->nslots = 0;
}

/* Orders rules by priority, highest first, then in load order. */
static int
rule_cmp_priority(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a;
	const struct rule *y = *(struct rule *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->index - y->index;
}

/* Returns how a rule's field is read from a record. */
static enum rule_field_kind
rule_field_kind(const char *field)
{
	if (field == NULL)
		return RULE_FIELD_MESSAGE;
	if (strcmp(field, "line") == 0)
		return RULE_FIELD_LINE;
	if (strcmp(field, "program") == 0)
		return RULE_FIELD_PROGRAM;
	if (strcmp(field, "host") == 0)
		return RULE_FIELD_HOST;
	return RULE_FIELD_NAMED;
}

/* Returns the slot of the rule's field, adding the field if new. */
static int
rule_slot(struct rule_set *set, const struct rule_ent *ent)
{
	enum rule_field_kind kind = rule_field_kind(ent->pub.field);
	struct rule_slot    *sl;
	int                  k;

	for (k = 0; k < set->nslots; k++) {
		sl = &set->slots[k];
		if (sl->kind == kind &&
		    (kind != RULE_FIELD_NAMED ||
			strcmp(sl->name, ent->pub.field) == 0))
			return k;
	}
	sl = &set->slots[set->nslots];
	sl->kind = kind;
	sl->name = ent->pub.field;
	return set->nslots++;
}

/* Gives the rule of rank r its bits and its literals to the automaton. */
static void
rule_prepare_one(struct rule_set *set, struct rule_ent *ent, int r)
{
	struct rule_slot *sl = &set->slots[ent->slot];
	int               i;

	bit_set(sl->mask, r);
	if (ent->litmin < RULE_LIT_MIN) {
		bit_set(sl->always, r);
		return;
	}
	for (i = 0; i < rule_lit_count(ent->lits); i++)
		litscan_add(set->scan, rule_lit_get(ent->lits, i),
		    strlen(rule_lit_get(ent->lits, i)), r);
	sl->scanned = 1;
}

/* Returns the number of capture pairs the largest rule needs. */
static uint32_t
rule_max_pairs(const struct rule_set *set)
{
	uint32_t n, max = 0;
	int      i;

	for (i = 0; i < set->nrules; i++) {
		pcre2_pattern_info(
		    set->rules[i]->code, PCRE2_INFO_CAPTURECOUNT, &n);
		if (n > max)
			max = n;
	}
	return max + 1;
}

/* Builds the priority order, slots, masks, automaton and match data. */
static void
rule_prepare(struct rule_set *set)
{
	size_t words;
	int    r, k;

	rule_unprepare(set);
	set->order = xcalloc(set->nrules + 1, sizeof(*set->order));
	if (set->nrules > 0)
		memcpy(
		    set->order, set->rules, set->nrules * sizeof(*set->order));
	qsort(set->order, set->nrules, sizeof(*set->order), rule_cmp_priority);
	set->slots = xcalloc(set->nrules + 1, sizeof(*set->slots));
	for (r = 0; r < set->nrules; r++) {
		set->order[r]->rank = r;
		set->order[r]->slot = rule_slot(set, set->order[r]);
	}
	set->nwords = set->nrules / 64 + 1;
	words = set->nwords;
	set->bits = xcalloc((2 * set->nslots + 2) * words, sizeof(uint64_t));
	for (k = 0; k < set->nslots; k++) {
		set->slots[k].mask = set->bits + 2 * k * words;
		set->slots[k].always = set->slots[k].mask + words;
	}
	set->cand = set->bits + 2 * set->nslots * words;
	set->found = set->cand + words;
	set->scan = litscan_new();
	for (r = 0; r < set->nrules; r++)
		rule_prepare_one(set, set->order[r], r);
	litscan_build(set->scan);
	if ((set->md = pcre2_match_data_create(rule_max_pairs(set), NULL)) ==
	    NULL)
		fatalx("pcre2_match_data_create");
}

/* Creates an empty rule set with the prefilter on. */
struct rule_set *
rule_set_new(void)
{
	struct rule_set *set = xcalloc(1, sizeof(*set));

	set->prefilter = 1;
	if ((set->mctx = pcre2_match_context_create(NULL)) == NULL)
		fatalx("pcre2_match_context_create");
	pcre2_set_match_limit(set->mctx, RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(set->mctx, RULE_DEPTH_LIMIT);
	/* NULL without JIT support; the interpreter then needs none. */
	set->jstack = pcre2_jit_stack_create(
	    RULE_JIT_STACK_MIN, RULE_JIT_STACK_MAX, NULL);
	if (set->jstack != NULL)
		pcre2_jit_stack_assign(set->mctx, NULL, set->jstack);
	rule_prepare(set);
	return set;
}

/* Frees a rule set and all its rules; accepts NULL. */
void
rule_set_free(struct rule_set *set)
{
	int i;

	if (set == NULL)
		return;
	rule_unprepare(set);
	for (i = set->nrules - 1; i >= 0; i--)
		rule_ent_free(set->rules[i]);
	free(set->rules);
	pcre2_jit_stack_free(set->jstack);
	pcre2_match_context_free(set->mctx);
	free(set);
}

/* Loads a rule file, or every *.json of a directory; 0, or -1 if any error. */
int
rule_set_load(struct rule_set *set, const char *path)
{
	struct stat st;
	int         rc;

	if (stat(path, &st) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		rc = rule_load_dir(set, path);
	else
		rc = rule_load_file(set, path);
	rule_prepare(set);
	return rc;
}

/*
 * Returns the pack beside the executable if there is one: config/rules.d
 * (a development tree) or ../share/timelined/rules.d (an installed tree,
 * wherever PREFIX put it). NULL otherwise.
 */
static char *
rule_dev_dir(void)
{
	static const char *const rel[] = {
	    "config/rules.d", "../share/timelined/rules.d", NULL};
	struct stat st;
	char        exe[PATH_MAX], *slash, *dir;
	ssize_t     n;
	int         i;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	for (i = 0; rel[i] != NULL; i++) {
		xasprintf(&dir, "%s/%s", exe, rel[i]);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
		free(dir);
	}
	return NULL;
}

/*
 * Loads the built-in rule pack: $TIMELINED_RULES_DIR, else the pack
 * beside the executable, else the compile-time installed path.
 */
int
rule_set_load_builtin(struct rule_set *set)
{
	const char *dir = getenv("TIMELINED_RULES_DIR");
	char       *dev = NULL;
	int         rc;

	if (dir == NULL || *dir == '\0')
		dir = (dev = rule_dev_dir()) != NULL ? dev
						     : TIMELINED_RULES_DIR;
	set->builtin = 1;
	rc = rule_set_load(set, dir);
	set->builtin = 0;
	free(dev);
	return rc;
}

/* Returns the number of rules. */
int
rule_set_count(const struct rule_set *set)
{
	return set->nrules;
}

/* Returns rule i in load order, or NULL. */
const struct rule *
rule_set_get(const struct rule_set *set, int i)
{
	return i >= 0 && i < set->nrules ? &set->rules[i]->pub : NULL;
}

/* Turns the literal prefilter on or off (off: every regex runs). */
void
rule_set_prefilter(struct rule_set *set, int on)
{
	set->prefilter = on != 0;
}

/* Returns the engine's counters. */
const struct rule_stats *
rule_set_stats(const struct rule_set *set)
{
	return &set->stats;
}

/*
 * Matching. Nothing here allocates: the subjects are slices of the record,
 * the bit sets and the match data belong to the set.
 */

/* Points s at a record's field; 0 if the record does not have it. */
static int
rule_subject(const struct record *rec, const struct rule_slot *sl,
    const char **s, size_t *len)
{
	const struct record_field *f;

	switch (sl->kind) {
	case RULE_FIELD_MESSAGE:
		*s = rec->msg;
		*len = rec->msg_len;
		break;
	case RULE_FIELD_LINE:
		*s = rec->line;
		*len = rec->len;
		break;
	case RULE_FIELD_PROGRAM:
		*s = rec->program;
		*len = strnlen(rec->program, sizeof(rec->program));
		return *len > 0;
	case RULE_FIELD_HOST:
		*s = rec->host;
		*len = strnlen(rec->host, sizeof(rec->host));
		return *len > 0;
	case RULE_FIELD_NAMED:
		if ((f = record_field(rec, sl->name)) == NULL)
			return 0;
		*s = f->val;
		*len = f->val_len;
		break;
	}
	return *s != NULL;
}

/* Fills hit from the match data of a match of ent against s. */
static void
rule_fill(const struct rule_set *set, const struct rule_ent *ent, const char *s,
    struct rule_hit *hit)
{
	PCRE2_SIZE          *ov = pcre2_get_ovector_pointer(set->md);
	struct rule_capture *cap;
	int                  i, g;

	hit->rule = &ent->pub;
	hit->ncap = 0;
	for (i = 0; i < ent->nnames; i++) {
		g = ent->groups[i];
		if (ov[2 * g] == PCRE2_UNSET)
			continue;
		cap = &hit->cap[hit->ncap++];
		cap->name = ent->names[i];
		cap->val = s + ov[2 * g];
		cap->val_len = ov[2 * g + 1] - ov[2 * g];
	}
}

/* Runs one rule's regex on its subject: 1 match, 0 not (or a limit hit). */
static int
rule_try(struct rule_set *set, const struct rule_ent *ent, struct rule_hit *hit)
{
	const struct rule_slot *sl = &set->slots[ent->slot];
	int                     rc;

	set->stats.candidates++;
	rc = pcre2_match(
	    ent->code, (PCRE2_SPTR)sl->s, sl->len, 0, 0, set->md, set->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		/* Match or depth limit, JIT stack: the line is skipped. */
		set->stats.limit_hits++;
		return 0;
	}
	if (hit != NULL)
		rule_fill(set, ent, sl->s, hit);
	return 1;
}

/* ORs src into dst, masked by mask when it is not NULL. */
static void
bits_or(uint64_t *dst, const uint64_t *src, const uint64_t *mask, int n)
{
	int i;

	for (i = 0; i < n; i++)
		dst[i] |= mask != NULL ? src[i] & mask[i] : src[i];
}

/* Reads each slot's subject and marks the candidate rules in set->cand. */
static void
rule_candidates(struct rule_set *set, const struct record *rec)
{
	struct rule_slot *sl;
	size_t            bytes = set->nwords * sizeof(uint64_t);
	int               k;

	memset(set->cand, 0, bytes);
	for (k = 0; k < set->nslots; k++) {
		sl = &set->slots[k];
		sl->present = rule_subject(rec, sl, &sl->s, &sl->len);
		if (!sl->present)
			continue;
		if (!set->prefilter) {
			bits_or(set->cand, sl->mask, NULL, set->nwords);
			continue;
		}
		bits_or(set->cand, sl->always, NULL, set->nwords);
		if (!sl->scanned)
			continue;
		memset(set->found, 0, bytes);
		litscan_scan(set->scan, sl->s, sl->len, set->found);
		bits_or(set->cand, set->found, sl->mask, set->nwords);
	}
}

/*
 * Finds the highest-priority rule that matches the record: 1 and hit
 * filled, or 0. A regex that hits a limit counts as not matching.
 */
int
rule_set_match(
    struct rule_set *set, const struct record *rec, struct rule_hit *hit)
{
	uint64_t w;
	int      i;

	set->stats.lines++;
	rule_candidates(set, rec);
	for (i = 0; i < set->nwords; i++) {
		for (w = set->cand[i]; w != 0; w &= w - 1)
			if (rule_try(set,
				set->order[i * 64 + __builtin_ctzll(w)], hit))
				return 1;
	}
	return 0;
}

/*
 * Example checking: each example line is parsed as the pipeline would
 * parse it, then matched against its rule alone.
 */

/* Parses an example line into rec, whose scratch is buf. */
static void
rule_example_parse(struct record *rec, const char *line, char *buf, size_t cap)
{
	struct parser_state ps = {NULL};

	memset(rec, 0, sizeof(*rec));
	rec->scratch = buf;
	rec->scratch_cap = cap;
	record_reset(rec, line, strlen(line));
	parser_detect(&ps, rec);
}

/* Returns 1 if the prefilter makes ent a candidate for its slot's subject. */
static int
rule_prefilter_sees(struct rule_set *set, const struct rule_ent *ent)
{
	const struct rule_slot *sl = &set->slots[ent->slot];

	if (ent->litmin < RULE_LIT_MIN)
		return 1;
	memset(set->found, 0, set->nwords * sizeof(uint64_t));
	litscan_scan(set->scan, sl->s, sl->len, set->found);
	return bit_get(set->found, ent->rank);
}

/* Checks example n of list k (0 match, 1 no_match); 1 if it fails. */
static int
rule_check_example(struct rule_set *set, struct rule_ent *ent, int k, int n)
{
	struct rule_slot *sl = &set->slots[ent->slot];
	struct record     rec;
	const char       *line = ent->ex[k][n];
	size_t            cap = 2 * strlen(line) + 256;
	char             *buf = xmalloc(cap);
	int               got, bad = 0;

	rule_example_parse(&rec, line, buf, cap);
	sl->present = rule_subject(&rec, sl, &sl->s, &sl->len);
	got = sl->present && rule_try(set, ent, NULL);
	if (got != (k == 0)) {
		rule_report(&ent->pub,
		    k == 0 ? "example %d does not match: "
			     "\"%s\""
			   : "example %d matches but should not: \"%s\"",
		    n + 1, line);
		bad = 1;
	} else if (got && !rule_prefilter_sees(set, ent)) {
		rule_report(&ent->pub,
		    "example %d matches but the literal "
		    "prefilter misses it (a bug; please report): \"%s\"",
		    n + 1, line);
		bad = 1;
	}
	free(buf);
	return bad;
}

/* Checks one rule's examples and literals; returns its error count. */
static int
rule_check_rule(struct rule_set *set, struct rule_ent *ent, int warn_literals)
{
	int k, n, errors = 0;

	if (ent->nex[0] + ent->nex[1] == 0 && ent->builtin) {
		rule_report(&ent->pub, "no examples; built-in rules need them");
		errors++;
	} else if (ent->nex[0] + ent->nex[1] == 0)
		rule_report(&ent->pub, "warning: no examples");
	for (k = 0; k < 2; k++)
		for (n = 0; n < ent->nex[k]; n++)
			errors += rule_check_example(set, ent, k, n);
	/* A rule on a parsed field (an access log's status) only runs on
	 * lines that have that field: cheap whatever its literals. */
	if (warn_literals && ent->litmin < RULE_LIT_GOOD &&
	    (ent->pub.field == NULL || strcmp(ent->pub.field, "message") == 0 ||
		strcmp(ent->pub.field, "line") == 0))
		rule_report(&ent->pub,
		    "no distinctive literal of %d or more "
		    "bytes; it runs on most lines",
		    RULE_LIT_GOOD);
	return errors;
}

/*
 * Runs every rule's examples (and, if warn_literals, reports rules the
 * prefilter cannot help with). Returns the number of errors.
 */
int
rule_set_check(struct rule_set *set, int warn_literals)
{
	struct rule_stats saved = set->stats;
	int               i, errors = 0;

	for (i = 0; i < set->nrules; i++)
		errors += rule_check_rule(set, set->rules[i], warn_literals);
	set->stats = saved;
	return errors;
}

/* Appends len bytes of s to buf at n, truncating; returns the new n. */
static size_t
rule_append(char *buf, size_t size, size_t n, const char *s, size_t len)
{
	if (len > size - 1 - n)
		len = size - 1 - n;
	memcpy(buf + n, s, len);
	return n + len;
}

/* Returns the capture called name (len bytes) in hit, or NULL. */
static const struct rule_capture *
rule_hit_find(const struct rule_hit *hit, const char *name, size_t len)
{
	int i;

	for (i = 0; i < hit->ncap; i++)
		if (strncmp(hit->cap[i].name, name, len) == 0 &&
		    hit->cap[i].name[len] == '\0')
			return &hit->cap[i];
	return NULL;
}

/*
 * Writes the hit's title into buf with each {name} replaced by that
 * capture (empty if unset). Always NUL-terminates (size > 0); returns the
 * length written, which is less than size.
 */
size_t
rule_format_title(const struct rule_hit *hit, char *buf, size_t size)
{
	const struct rule_capture *cap;
	const char                *t;
	size_t                     n = 0, len;

	if (size == 0)
		return 0;
	for (t = hit->rule->title; *t != '\0' && n < size - 1; t++) {
		if ((len = rule_placeholder(t)) == 0) {
			buf[n++] = *t;
			continue;
		}
		if ((cap = rule_hit_find(hit, t + 1, len)) != NULL)
			n = rule_append(buf, size, n, cap->val, cap->val_len);
		t += len + 1;
	}
	buf[n] = '\0';
	return n;
}

/*
 * Writes the rule's prefilter literals into buf as "a" "b" (see
 * rule_lit_format), or nothing if the rule runs on every line. Returns
 * the length written.
 */
size_t
rule_literals(const struct rule *r, char *buf, size_t size)
{
	const struct rule_ent *ent = (const struct rule_ent *)r;

	if (ent->litmin >= RULE_LIT_MIN)
		return rule_lit_format(ent->lits, buf, size);
	if (size > 0)
		buf[0] = '\0';
	return 0;
}
