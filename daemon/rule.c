/*
 * rule: the rule engine. Compiles each rule's pattern and field conditions
 * with PCRE2 (8-bit, bytes not UTF, JIT when available), keeps the
 * literals any match must contain (rule_lit.c), and matches a record by
 * one literal prefilter pass plus the conditions and regexes of the
 * candidate rules only; formats titles. It knows records, not rule files
 * (rule_file.c), examples (rule_check.c), files being tailed, incidents or
 * output. <pcre2.h> is included here only.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "category.h"
#include "litscan.h"
#include "log.h"
#include "record.h"
#include "rule.h"
#include "rule_lit.h"
#include "xmalloc.h"

#define RULE_LIT_MIN       3 /* shortest literal prefiltered on */
#define RULE_MATCH_LIMIT   100000
#define RULE_DEPTH_LIMIT   1000
#define RULE_JIT_STACK_MIN (32 * 1024)
#define RULE_JIT_STACK_MAX (512 * 1024)
#define RULE_NUM_MAX       64 /* longest field value read as a number */

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
	uint64_t            *mask;    /* the rules prefiltered on this field */
	uint64_t            *always;  /* those without a usable literal */
	uint64_t   *need; /* the rules that need this field (any use) */
	const char *s;    /* the subject, during a match */
	size_t      len;
	int         present;
};

/* How a field condition ("where") tests its field. */
enum rule_op {
	RULE_OP_REGEX,
	RULE_OP_GE,
	RULE_OP_LE,
	RULE_OP_NE,
	RULE_OP_GT,
	RULE_OP_LT,
	RULE_OP_EQ
};

/* The spelling of each comparison, longest first (">=" before ">"). */
static const struct {
	const char  *s;
	enum rule_op op;
} rule_ops[] = {
    {">=", RULE_OP_GE},
    {"<=", RULE_OP_LE},
    {"!=", RULE_OP_NE},
    {">", RULE_OP_GT},
    {"<", RULE_OP_LT},
    {"=", RULE_OP_EQ},
};

/* One field condition of a rule, compiled. */
struct rule_cond {
	char            *field; /* NULL: the message */
	enum rule_op     op;
	double           num;  /* the comparison's operand */
	pcre2_code      *code; /* RULE_OP_REGEX */
	struct rule_lit *lits; /* RULE_OP_REGEX: its required literals */
	int              slot;
	int              capture; /* its value is a capture of the hit */
};

/* A rule and everything compiled from it. */
struct rule_ent {
	struct rule      pub;                      /* first: hits point here */
	pcre2_code      *code;                     /* NULL: conditions only */
	const char      *names[RULE_MAX_CAPTURES]; /* in the name table */
	int              groups[RULE_MAX_CAPTURES];
	int              nnames;
	struct rule_cond cond[RULE_MAX_WHERE]; /* comparisons first */
	int              ncond;
	struct rule_lit *plits; /* the pattern's literals, NULL none */
	/* The prefilter's subject: the pattern's or one condition's field,
	 * and the literals one of which it must contain (borrowed). */
	const char      *pre_field;
	struct rule_lit *lits;
	int              litmin; /* shortest literal, -1 none */
	int              slot;   /* of pre_field */
	int              pslot;  /* of the pattern's field */
	int              rank;   /* bit in the candidate set */
};

struct rule_set {
	struct rule_ent   **rules;  /* load order */
	struct rule_counts *counts; /* by load order: this set's own */
	int                 nrules;
	int                 cap;
	/* A share (rule_set_share()): rules, order, masks and prefilter are
	 * the parent's; the scratch, match data and counters its own. */
	const struct rule_set *parent;

	/* Rebuilt after each load by rule_set_prepare(). */
	struct rule_ent **order; /* priority order; bit r is order[r] */
	struct rule_slot *slots;
	int               nslots;
	int               nwords;
	uint64_t         *bits; /* masks of all slots */
	uint64_t         *cand;
	uint64_t         *found;
	uint64_t         *found_line; /* one pass over line and message */
	uint64_t         *found_msg;
	int               line_slot; /* scanned slots of each, -1 none */
	int               msg_slot;
	struct litscan   *scan;
	pcre2_match_data *md;
	pcre2_match_data *cmd; /* for conditions: whether, not where */

	pcre2_match_context *mctx;
	pcre2_jit_stack     *jstack;
	int                  prefilter;
	struct rule_stats    stats;
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
 * Adding. A rule file's definition is compiled here; every error is
 * logged with the file and line the definition carries and counted in it.
 */

/* Frees a rule and everything compiled from it; accepts NULL. */
static void
rule_ent_free(struct rule_ent *ent)
{
	int i, k;

	if (ent == NULL)
		return;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < ent->pub.nexamples[k]; i++)
			free(ent->pub.examples[k][i]);
		free(ent->pub.examples[k]);
	}
	for (i = ent->ncond - 1; i >= 0; i--) {
		rule_lit_free(ent->cond[i].lits);
		pcre2_code_free(ent->cond[i].code);
		free(ent->cond[i].field);
	}
	rule_lit_free(ent->plits);
	pcre2_code_free(ent->code);
	free(ent->pub.file);
	free(ent->pub.severity);
	for (k = 0; k < RULE_MAX_WHERE; k++) {
		free(ent->pub.where_cond[k]);
		free(ent->pub.where_field[k]);
	}
	free(ent->pub.flags);
	free(ent->pub.pattern);
	free(ent->pub.field);
	free(ent->pub.title);
	free(ent->pub.category);
	free(ent->pub.id);
	free(ent);
}

/* Logs "FILE:LINE: rule NAME: message" about a rule. */
void
rule_report(const char *file, int line, const char *name, const char *fmt, ...)
{
	char    buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s:%d: rule %s: %s", file, line, name, buf);
}

/* Logs an error in the definition being added and counts it there. */
static void __attribute__((format(printf, 2, 3)))
rule_error(struct rule_def *def, const char *fmt, ...)
{
	const char *name = def->name != NULL ? def->name : def->id;
	char        buf[1024];
	va_list     ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rule_report(def->file != NULL ? def->file : "-", def->line,
	    name != NULL ? name : "?", "%s", buf);
	def->errors++;
}

/* Records the named groups, in group order, as the rule's captures. */
static void
rule_names(struct rule_def *def, struct rule_ent *ent)
{
	PCRE2_SPTR table, e;
	uint32_t   count, size, i;
	int        j, group;

	pcre2_pattern_info(ent->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(ent->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(ent->code, PCRE2_INFO_NAMETABLE, &table);
	if (count > RULE_MAX_CAPTURES) {
		rule_error(
		    def, "more than %d named captures", RULE_MAX_CAPTURES);
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

/* Returns 1 if a condition of ent carries the field name (len bytes). */
static int
rule_cond_find(const struct rule_ent *ent, const char *name, size_t len)
{
	const struct rule_cond *c;
	int                     i;

	for (i = 0; i < ent->ncond; i++) {
		c = &ent->cond[i];
		if (c->capture && strncmp(c->field, name, len) == 0 &&
		    c->field[len] == '\0')
			return 1;
	}
	return 0;
}

/*
 * Checks that every placeholder of the title names a capture of the
 * pattern or a field of a condition.
 */
static void
rule_check_title(struct rule_def *def, struct rule_ent *ent)
{
	const char *t;
	size_t      n;

	for (t = ent->pub.title; t != NULL && *t != '\0'; t++) {
		if ((n = rule_placeholder(t)) == 0)
			continue;
		if (rule_name_find(ent, t + 1, n) == -1 &&
		    !rule_cond_find(ent, t + 1, n))
			rule_error(def,
			    "title uses {%.*s}, which the pattern "
			    "does not capture",
			    (int)n, t + 1);
		t += n + 1;
	}
}

/* Compiles the pattern (JIT if possible) and extracts its literals. */
static void
rule_compile(struct rule_def *def, struct rule_ent *ent)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE  off;
	uint32_t    opt = PCRE2_NEVER_UTF;
	int         err;

	if (def->flags != NULL && strchr(def->flags, 'i') != NULL)
		opt |= PCRE2_CASELESS;
	if (def->flags != NULL && strchr(def->flags, 'x') != NULL)
		opt |= PCRE2_EXTENDED;
	ent->code = pcre2_compile((PCRE2_SPTR)def->pattern,
	    PCRE2_ZERO_TERMINATED, opt, &err, &off, NULL);
	if (ent->code == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		rule_error(def, "pattern error at offset %zu: %s", (size_t)off,
		    (char *)msg);
		return;
	}
	/* Without JIT (unsupported CPU, no exec memory) PCRE2 interprets. */
	(void)pcre2_jit_compile(ent->code, PCRE2_JIT_COMPLETE);
	rule_names(def, ent);
	ent->plits = rule_lit_extract(
	    def->pattern, (opt & PCRE2_EXTENDED) != 0);
}

/*
 * Field conditions. A condition is a comparison (">=500": the field read
 * as a decimal number) or a regex; all of them and the pattern must hold.
 */

/* Returns the kind of field a name means. */
static enum rule_field_kind rule_field_kind(const char *);

/*
 * Reads s (len bytes, surrounding blanks allowed) as a decimal number
 * ("503", "-1.5"); 0 and *out set, or -1 if it is not one.
 */
static int
rule_number(const char *s, size_t len, double *out)
{
	const char *end = s + len;
	double      v = 0, scale = 1;
	int         neg = 0, digits = 0, frac = 0;

	if (len > RULE_NUM_MAX)
		return -1;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	for (; s < end; s++) {
		if (*s == '.' && !frac) {
			frac = 1;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -1;
		if (frac)
			scale /= 10;
		v = frac ? v + (*s - '0') * scale : v * 10 + (*s - '0');
		digits++;
	}
	if (digits == 0 || s < end)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/*
 * Reads the comparison at the start of cond into c; 0 if cond is a regex
 * instead (it does not start with <, >, = or !), 1 if it is a valid
 * comparison, -1 (reported) if not.
 */
static int
rule_cond_op(struct rule_def *def, struct rule_cond *c, const char *field,
    const char *cond)
{
	size_t n = strspn(cond, "<>=!"), i;

	if (n == 0)
		return 0;
	for (i = 0; i < sizeof(rule_ops) / sizeof(*rule_ops); i++)
		if (strlen(rule_ops[i].s) == n &&
		    strncmp(cond, rule_ops[i].s, n) == 0)
			break;
	if (i == sizeof(rule_ops) / sizeof(*rule_ops)) {
		rule_error(def,
		    "where \"%s\": unknown operator \"%.*s\" (comparisons "
		    "are >=, <=, >, <, = and !=)",
		    field, (int)n, cond);
		return -1;
	}
	c->op = rule_ops[i].op;
	if (rule_number(cond + n, strlen(cond + n), &c->num) == -1) {
		rule_error(def,
		    "where \"%s\": \"%s\" compares with \"%s\", "
		    "which is not a number",
		    field, cond, cond + n);
		return -1;
	}
	return 1;
}

/* Compiles a condition's regex; -1 (reported) on a pattern error. */
static int
rule_cond_regex(struct rule_def *def, struct rule_cond *c, const char *field,
    const char *cond)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE  off;
	int         err;

	c->op = RULE_OP_REGEX;
	c->code = pcre2_compile((PCRE2_SPTR)cond, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_UTF, &err, &off, NULL);
	if (c->code == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		rule_error(def, "where \"%s\": pattern error at offset %zu: %s",
		    field, (size_t)off, (char *)msg);
		return -1;
	}
	(void)pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);
	c->lits = rule_lit_extract(cond, 0);
	return 0;
}

/*
 * Compiles condition i of the definition into the rule, comparisons
 * before regexes (they are cheaper); reports every error.
 */
static void
rule_cond_add(struct rule_def *def, struct rule_ent *ent, int i)
{
	const char *field = def->where_field[i], *cond = def->where_cond[i];
	struct rule_cond *c, t;
	int               k, rc;

	if (field == NULL || *field == '\0' || cond == NULL) {
		rule_error(def, "where: empty field name or condition");
		return;
	}
	c = &ent->cond[ent->ncond];
	memset(c, 0, sizeof(*c));
	if ((rc = rule_cond_op(def, c, field, cond)) == 0)
		rc = rule_cond_regex(def, c, field, cond);
	if (rc == -1) {
		pcre2_code_free(c->code);
		return;
	}
	c->field = strcmp(field, "message") != 0 ? xstrdup(field) : NULL;
	c->capture = rule_field_kind(c->field) == RULE_FIELD_NAMED &&
	    rule_name_find(ent, field, strlen(field)) == -1 &&
	    !rule_cond_find(ent, field, strlen(field));
	/* Comparisons go first: this one moves before the regexes. */
	for (k = ent->ncond++; k > 0 && ent->cond[k].op != RULE_OP_REGEX &&
	     ent->cond[k - 1].op == RULE_OP_REGEX;
	     k--) {
		t = ent->cond[k - 1];
		ent->cond[k - 1] = ent->cond[k];
		ent->cond[k] = t;
	}
}

/* Returns 1 if field (NULL: the message) is present on some records only. */
static int
rule_field_narrow(const char *field)
{
	enum rule_field_kind k = rule_field_kind(field);

	return k != RULE_FIELD_MESSAGE && k != RULE_FIELD_LINE;
}

/*
 * Picks the prefilter's subject: of the pattern and the regex conditions,
 * the one whose shortest literal is longest (the pattern on a tie); when
 * none has a usable literal, a condition on a parsed field, so the rule
 * runs only on records that have it.
 */
static void
rule_choose_prefilter(struct rule_ent *ent)
{
	const struct rule_cond *c;
	int                     i, min;

	ent->pre_field = ent->pub.field;
	ent->lits = ent->plits;
	ent->litmin = ent->plits != NULL ? rule_lit_min(ent->plits) : -1;
	for (i = 0; i < ent->ncond; i++) {
		c = &ent->cond[i];
		min = c->lits != NULL ? rule_lit_min(c->lits) : -1;
		if (min > ent->litmin && min >= RULE_LIT_MIN) {
			ent->pre_field = c->field;
			ent->lits = c->lits;
			ent->litmin = min;
		}
	}
	if (ent->litmin >= RULE_LIT_MIN)
		return;
	for (i = 0; i < ent->ncond; i++) {
		c = &ent->cond[i];
		if (rule_field_kind(c->field) == RULE_FIELD_NAMED &&
		    (ent->code == NULL ||
			rule_field_kind(ent->pub.field) != RULE_FIELD_NAMED)) {
			ent->pre_field = c->field;
			ent->lits = c->lits;
			ent->litmin = c->lits != NULL ? rule_lit_min(c->lits)
						      : -1;
			return;
		}
	}
	if (ent->code == NULL && ent->ncond > 0) {
		ent->pre_field = ent->cond[0].field;
		ent->lits = ent->cond[0].lits;
		ent->litmin = ent->lits != NULL ? rule_lit_min(ent->lits) : -1;
	}
}

/*
 * Compiles the definition's conditions, checks the captures and the title
 * against them, and picks the prefilter's subject.
 */
static void
rule_conditions(struct rule_def *def, struct rule_ent *ent)
{
	int i, ncap = ent->nnames;

	for (i = 0; i < def->nwhere && i < RULE_MAX_WHERE; i++)
		rule_cond_add(def, ent, i);
	if (def->nwhere > RULE_MAX_WHERE)
		rule_error(
		    def, "more than %d field conditions", RULE_MAX_WHERE);
	for (i = 0; i < ent->ncond; i++)
		ncap += ent->cond[i].capture;
	if (ncap > RULE_MAX_CAPTURES)
		rule_error(def,
		    "more than %d named captures and condition fields",
		    RULE_MAX_CAPTURES);
	rule_check_title(def, ent);
	rule_choose_prefilter(ent);
	ent->pub.nwhere = ent->ncond;
	ent->pub.narrow = ent->code != NULL &&
	    rule_field_narrow(ent->pub.field);
	for (i = 0; i < ent->ncond; i++)
		ent->pub.narrow |= rule_field_narrow(ent->cond[i].field);
}

/* Checks that no rule already in the set has the same id. */
static void
rule_check_dup(struct rule_def *def, const struct rule_set *set)
{
	const struct rule *r;
	int                i;

	for (i = 0; i < set->nrules; i++) {
		r = &set->rules[i]->pub;
		if (strcmp(r->id, def->id) == 0) {
			rule_error(def, "duplicate id (first defined at %s:%d)",
			    r->file, r->line);
			return;
		}
	}
}

/* Returns a copy of s, or NULL for NULL. */
static char *
rule_strdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Returns a copy of n strings. */
static char **
rule_strings(const char *const *v, int n)
{
	char **copy = n > 0 ? xcalloc(n, sizeof(*copy)) : NULL;
	int    i;

	for (i = 0; i < n; i++)
		copy[i] = xstrdup(v[i]);
	return copy;
}

/* Makes a rule from a definition, its strings copied; not compiled yet. */
static struct rule_ent *
rule_ent_new(const struct rule_def *def)
{
	struct rule_ent *ent = xcalloc(1, sizeof(*ent));
	int              k;

	ent->litmin = -1;
	ent->pub.id = rule_strdup(def->id);
	ent->pub.cat = def->cat;
	ent->pub.category = xstrdup(category_name(def->cat));
	ent->pub.title = rule_strdup(def->title != NULL ? def->title : def->id);
	ent->pub.field = rule_strdup(def->field);
	ent->pub.pattern = rule_strdup(def->pattern);
	ent->pub.flags = rule_strdup(def->flags);
	for (k = 0; k < def->nwhere && k < RULE_MAX_WHERE; k++) {
		ent->pub.where_field[k] = rule_strdup(def->where_field[k]);
		ent->pub.where_cond[k] = rule_strdup(def->where_cond[k]);
	}
	ent->pub.severity = rule_strdup(def->severity);
	ent->pub.file = rule_strdup(def->file);
	ent->pub.line = def->line;
	ent->pub.priority = def->priority;
	ent->pub.open_min = def->open_min;
	ent->pub.builtin = def->builtin;
	for (k = 0; k < 2; k++) {
		ent->pub.examples[k] = rule_strings(
		    def->examples[k], def->nexamples[k]);
		ent->pub.nexamples[k] = def->nexamples[k];
	}
	return ent;
}

/*
 * Compiles a definition and appends the rule to the set (call
 * rule_set_prepare() before matching). Errors are logged as FILE:LINE:
 * rule NAME: message and added to def->errors. A definition that arrives
 * with errors (the reader's) is still compiled, so that one pass reports
 * everything, but not added. Returns 0 if the rule was added, else -1.
 */
int
rule_set_add(struct rule_set *set, struct rule_def *def)
{
	struct rule_ent *ent;

	if (set->parent != NULL)
		fatalx("rule_set_add: a share has its parent's rules");
	if (def->errors == 0 &&
	    (def->id == NULL || (def->pattern == NULL && def->nwhere == 0) ||
		def->cat == CATEGORY_UNCLASSIFIED))
		rule_error(def,
		    "id, category and pattern (or where) are "
		    "required");
	ent = rule_ent_new(def);
	if (def->pattern != NULL)
		rule_compile(def, ent);
	if (def->pattern == NULL || ent->code != NULL)
		rule_conditions(def, ent);
	if (def->id != NULL)
		rule_check_dup(def, set);
	if (def->errors > 0) {
		rule_ent_free(ent);
		return -1;
	}
	if (set->nrules == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 64;
		set->rules = xreallocarray(
		    set->rules, set->cap, sizeof(*set->rules));
		set->counts = xreallocarray(
		    set->counts, set->cap, sizeof(*set->counts));
	}
	memset(&set->counts[set->nrules], 0, sizeof(*set->counts));
	ent->pub.index = set->nrules;
	set->rules[set->nrules++] = ent;
	return 0;
}

/*
 * Preparation: after each load the rules are put in priority order, each
 * gets a bit (its rank) in the candidate set and a slot (its subject
 * field), and one prefilter is built over the literals of all of them.
 */

/* Frees what rule_set_prepare() built. */
static void
rule_unprepare(struct rule_set *set)
{
	pcre2_match_data_free(set->cmd);
	pcre2_match_data_free(set->md);
	if (set->parent == NULL) {
		litscan_free(set->scan);
		free(set->order);
	}
	free(set->bits);
	free(set->slots);
	set->md = set->cmd = NULL;
	set->scan = NULL;
	set->bits = set->cand = set->found = NULL;
	set->found_line = set->found_msg = NULL;
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

/* Returns the slot of a field (NULL: the message), adding it if new. */
static int
rule_slot(struct rule_set *set, const char *field)
{
	enum rule_field_kind kind = rule_field_kind(field);
	struct rule_slot    *sl;
	int                  k;

	for (k = 0; k < set->nslots; k++) {
		sl = &set->slots[k];
		if (sl->kind == kind &&
		    (kind != RULE_FIELD_NAMED || strcmp(sl->name, field) == 0))
			return k;
	}
	sl = &set->slots[set->nslots];
	sl->kind = kind;
	sl->name = field;
	return set->nslots++;
}

/* Gives a rule the slots of its prefilter subject, pattern, conditions. */
static void
rule_slots(struct rule_set *set, struct rule_ent *ent)
{
	int i;

	ent->slot = rule_slot(set, ent->pre_field);
	ent->pslot = rule_slot(set, ent->pub.field);
	for (i = 0; i < ent->ncond; i++)
		ent->cond[i].slot = rule_slot(set, ent->cond[i].field);
}

/* Gives the rule of rank r its bits and its literals to the prefilter. */
static void
rule_prepare_one(struct rule_set *set, struct rule_ent *ent, int r)
{
	struct rule_slot *sl = &set->slots[ent->slot];
	int               i;

	bit_set(sl->need, r);
	if (ent->code != NULL)
		bit_set(set->slots[ent->pslot].need, r);
	for (i = 0; i < ent->ncond; i++)
		bit_set(set->slots[ent->cond[i].slot].need, r);
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

/*
 * Finds the scanned line and message slots: when a record's message is a
 * slice of its line, one prefilter pass serves both.
 */
static void
rule_shared_slots(struct rule_set *set)
{
	int k;

	set->line_slot = set->msg_slot = -1;
	for (k = 0; k < set->nslots; k++) {
		if (!set->slots[k].scanned)
			continue;
		if (set->slots[k].kind == RULE_FIELD_LINE)
			set->line_slot = k;
		else if (set->slots[k].kind == RULE_FIELD_MESSAGE)
			set->msg_slot = k;
	}
}

/* Returns the number of capture pairs the largest rule needs. */
static uint32_t
rule_max_pairs(const struct rule_set *set)
{
	uint32_t n, max = 0;
	int      i;

	for (i = 0; i < set->nrules; i++) {
		if (set->rules[i]->code == NULL)
			continue;
		pcre2_pattern_info(
		    set->rules[i]->code, PCRE2_INFO_CAPTURECOUNT, &n);
		if (n > max)
			max = n;
	}
	return max + 1;
}

/*
 * Builds the priority order, slots, masks, prefilter and match data from
 * the rules added so far: needed after adding rules, before matching.
 */
void
rule_set_prepare(struct rule_set *set)
{
	size_t words;
	int    r, k, nfields = 1;

	if (set->parent != NULL)
		fatalx("rule_set_prepare: a share is prepared by its parent");
	rule_unprepare(set);
	set->order = xcalloc(set->nrules + 1, sizeof(*set->order));
	if (set->nrules > 0)
		memcpy(
		    set->order, set->rules, set->nrules * sizeof(*set->order));
	qsort(set->order, set->nrules, sizeof(*set->order), rule_cmp_priority);
	for (r = 0; r < set->nrules; r++)
		nfields += 2 + set->rules[r]->ncond;
	set->slots = xcalloc(nfields, sizeof(*set->slots));
	for (r = 0; r < set->nrules; r++) {
		set->order[r]->rank = r;
		rule_slots(set, set->order[r]);
	}
	set->nwords = set->nrules / 64 + 1;
	words = set->nwords;
	set->bits = xcalloc((3 * set->nslots + 4) * words, sizeof(uint64_t));
	for (k = 0; k < set->nslots; k++) {
		set->slots[k].mask = set->bits + 3 * k * words;
		set->slots[k].always = set->slots[k].mask + words;
		set->slots[k].need = set->slots[k].always + words;
	}
	set->cand = set->bits + 3 * set->nslots * words;
	set->found = set->cand + words;
	set->found_line = set->found + words;
	set->found_msg = set->found_line + words;
	set->scan = litscan_new();
	for (r = 0; r < set->nrules; r++)
		rule_prepare_one(set, set->order[r], r);
	litscan_build(set->scan);
	rule_shared_slots(set);
	if ((set->md = pcre2_match_data_create(rule_max_pairs(set), NULL)) ==
		NULL ||
	    (set->cmd = pcre2_match_data_create(1, NULL)) == NULL)
		fatalx("pcre2_match_data_create");
}

/* Gives a set its match context, limits and JIT stack. */
static void
rule_set_context(struct rule_set *set)
{
	if ((set->mctx = pcre2_match_context_create(NULL)) == NULL)
		fatalx("pcre2_match_context_create");
	pcre2_set_match_limit(set->mctx, RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(set->mctx, RULE_DEPTH_LIMIT);
	/* NULL without JIT support; the interpreter then needs none. */
	set->jstack = pcre2_jit_stack_create(
	    RULE_JIT_STACK_MIN, RULE_JIT_STACK_MAX, NULL);
	if (set->jstack != NULL)
		pcre2_jit_stack_assign(set->mctx, NULL, set->jstack);
}

/* Creates an empty rule set with the prefilter on. */
struct rule_set *
rule_set_new(void)
{
	struct rule_set *set = xcalloc(1, sizeof(*set));

	set->prefilter = 1;
	rule_set_context(set);
	rule_set_prepare(set);
	return set;
}

/*
 * Creates a share of a prepared set, for matching in another thread: the
 * compiled rules, their order, masks and prefilter are read from parent
 * (which must outlive it and not change meanwhile); the per-line scratch,
 * PCRE2 match data, JIT stack and counters are the share's own (zero).
 */
struct rule_set *
rule_set_share(const struct rule_set *parent)
{
	struct rule_set *set = xcalloc(1, sizeof(*set));
	size_t           words = (size_t)parent->nwords;

	set->parent = parent;
	set->rules = parent->rules;
	set->nrules = parent->nrules;
	set->counts = xcalloc((size_t)parent->nrules + 1, sizeof(*set->counts));
	set->order = parent->order;
	set->nslots = parent->nslots;
	set->nwords = parent->nwords;
	set->slots = xcalloc((size_t)parent->nslots + 1, sizeof(*set->slots));
	if (parent->nslots > 0)
		memcpy(set->slots, parent->slots,
		    (size_t)parent->nslots * sizeof(*set->slots));
	set->bits = xcalloc(4 * words, sizeof(uint64_t));
	set->cand = set->bits;
	set->found = set->cand + words;
	set->found_line = set->found + words;
	set->found_msg = set->found_line + words;
	set->line_slot = parent->line_slot;
	set->msg_slot = parent->msg_slot;
	set->scan = parent->scan;
	set->prefilter = parent->prefilter;
	if ((set->md = pcre2_match_data_create(rule_max_pairs(parent), NULL)) ==
		NULL ||
	    (set->cmd = pcre2_match_data_create(1, NULL)) == NULL)
		fatalx("pcre2_match_data_create");
	rule_set_context(set);
	return set;
}

/* Frees a rule set and its rules (a share: its own parts); accepts NULL. */
void
rule_set_free(struct rule_set *set)
{
	int i;

	if (set == NULL)
		return;
	rule_unprepare(set);
	for (i = set->nrules - 1; i >= 0 && set->parent == NULL; i--)
		rule_ent_free(set->rules[i]);
	if (set->parent == NULL)
		free(set->rules);
	free(set->counts);
	pcre2_jit_stack_free(set->jstack);
	pcre2_match_context_free(set->mctx);
	free(set);
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

/* Returns the counters of rule i (load order, as rule_set_get), or NULL. */
const struct rule_counts *
rule_set_counts(const struct rule_set *set, int i)
{
	return i >= 0 && i < set->nrules ? &set->counts[i] : NULL;
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

/*
 * Fills hit from the match data of the pattern's match (the named
 * captures) and from the subjects of the conditions that carry their
 * field.
 */
static void
rule_fill(const struct rule_set *set, const struct rule_ent *ent,
    struct rule_hit *hit)
{
	PCRE2_SIZE             *ov = pcre2_get_ovector_pointer(set->md);
	const char             *s = set->slots[ent->pslot].s;
	const struct rule_slot *sl;
	struct rule_capture    *cap;
	int                     i, g;

	hit->rule = &ent->pub;
	hit->ncap = 0;
	for (i = 0; i < ent->nnames && ent->code != NULL; i++) {
		g = ent->groups[i];
		if (ov[2 * g] == PCRE2_UNSET)
			continue;
		cap = &hit->cap[hit->ncap++];
		cap->name = ent->names[i];
		cap->val = s + ov[2 * g];
		cap->val_len = ov[2 * g + 1] - ov[2 * g];
	}
	for (i = 0; i < ent->ncond; i++) {
		if (!ent->cond[i].capture)
			continue;
		sl = &set->slots[ent->cond[i].slot];
		cap = &hit->cap[hit->ncap++];
		cap->name = ent->cond[i].field;
		cap->val = sl->s;
		cap->val_len = sl->len;
	}
}

/* Returns 1 if the comparison c holds for the number v. */
static int
rule_compare(const struct rule_cond *c, double v)
{
	switch (c->op) {
	case RULE_OP_GE: return v >= c->num;
	case RULE_OP_LE: return v <= c->num;
	case RULE_OP_NE: return v != c->num;
	case RULE_OP_GT: return v > c->num;
	case RULE_OP_LT: return v < c->num;
	case RULE_OP_EQ: return v == c->num;
	case RULE_OP_REGEX: break;
	}
	return 0;
}

/*
 * Tests one condition on its slot's subject: 1 it holds, 0 not (the
 * field is absent, or not a number for a comparison), -1 its regex hit a
 * limit.
 */
static int
rule_cond_eval(struct rule_set *set, const struct rule_cond *c)
{
	const struct rule_slot *sl = &set->slots[c->slot];
	double                  v;
	int                     rc;

	if (!sl->present)
		return 0;
	if (c->op != RULE_OP_REGEX)
		return rule_number(sl->s, sl->len, &v) == 0 &&
		    rule_compare(c, v);
	rc = pcre2_match(
	    c->code, (PCRE2_SPTR)sl->s, sl->len, 0, 0, set->cmd, set->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return rc < 0 ? -1 : 1;
}

/*
 * Runs one rule on the subjects of its slots: its conditions, then its
 * pattern. 1 match, 0 not, -1 a regex hit a match, depth or stack limit.
 */
static int
rule_run(struct rule_set *set, const struct rule_ent *ent)
{
	const struct rule_slot *sl = &set->slots[ent->pslot];
	int                     i, rc;

	for (i = 0; i < ent->ncond; i++)
		if ((rc = rule_cond_eval(set, &ent->cond[i])) != 1)
			return rc;
	if (ent->code == NULL)
		return 1;
	if (!sl->present)
		return 0;
	rc = pcre2_match(
	    ent->code, (PCRE2_SPTR)sl->s, sl->len, 0, 0, set->md, set->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return rc < 0 ? -1 : 1;
}

/*
 * Runs one rule on its subjects and counts the outcome: 1 match, 0 not
 * (or a limit hit).
 */
static int
rule_try(struct rule_set *set, struct rule_ent *ent, struct rule_hit *hit)
{
	int rc;

	set->stats.candidates++;
	rc = rule_run(set, ent);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		/* Match or depth limit, JIT stack: the line is skipped. */
		set->stats.limit_hits++;
		set->counts[ent->pub.index].limit_hits++;
		return 0;
	}
	set->stats.matches++;
	set->counts[ent->pub.index].matches++;
	if (hit != NULL)
		rule_fill(set, ent, hit);
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

/* Clears in dst the bits set in src. */
static void
bits_clear(uint64_t *dst, const uint64_t *src, int n)
{
	int i;

	for (i = 0; i < n; i++)
		dst[i] &= ~src[i];
}

/*
 * When the message is a slice of the line and both are scanned, finds the
 * literals of both in one pass over the line (the message's are those
 * inside its bytes) into found_line and found_msg; 1 if it did.
 */
static int
rule_scan_shared(struct rule_set *set, const struct record *rec)
{
	uintptr_t line = (uintptr_t)rec->line, msg = (uintptr_t)rec->msg;
	size_t    bytes = set->nwords * sizeof(uint64_t);

	if (!set->prefilter || set->line_slot < 0 || set->msg_slot < 0 ||
	    rec->line == NULL || rec->msg == NULL || msg < line ||
	    msg + rec->msg_len > line + rec->len)
		return 0;
	memset(set->found_line, 0, bytes);
	memset(set->found_msg, 0, bytes);
	litscan_scan_within(set->scan, rec->line, rec->len, msg - line,
	    msg - line + rec->msg_len, set->found_line, set->found_msg);
	return 1;
}

/*
 * Reads each slot's subject and marks the candidate rules in set->cand:
 * those whose literal is there (or that have none), less those that need
 * a field the record does not have.
 */
static void
rule_candidates(struct rule_set *set, const struct record *rec)
{
	struct rule_slot *sl;
	size_t            bytes = set->nwords * sizeof(uint64_t);
	int               k, shared = rule_scan_shared(set, rec);

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
		if (shared && (k == set->line_slot || k == set->msg_slot)) {
			bits_or(set->cand,
			    k == set->line_slot ? set->found_line
						: set->found_msg,
			    sl->mask, set->nwords);
			continue;
		}
		memset(set->found, 0, bytes);
		litscan_scan(set->scan, sl->s, sl->len, set->found);
		bits_or(set->cand, set->found, sl->mask, set->nwords);
	}
	for (k = 0; k < set->nslots; k++)
		if (!set->slots[k].present)
			bits_clear(set->cand, set->slots[k].need, set->nwords);
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

/* Points slot k at its subject in rec; 1 if rec has that field. */
static int
rule_load_slot(struct rule_set *set, int k, const struct record *rec)
{
	struct rule_slot *sl = &set->slots[k];

	sl->present = rule_subject(rec, sl, &sl->s, &sl->len);
	return sl->present;
}

/*
 * Points the slots of r (its prefilter subject, pattern, conditions) at
 * their subjects in rec; returns the rule's entry, or NULL if rec lacks
 * one of r's fields.
 */
static const struct rule_ent *
rule_subject_of(
    struct rule_set *set, const struct rule *r, const struct record *rec)
{
	const struct rule_ent *ent = (const struct rule_ent *)r;
	int                    i, ok;

	ok = rule_load_slot(set, ent->slot, rec);
	ok &= rule_load_slot(set, ent->pslot, rec) || ent->code == NULL;
	for (i = 0; i < ent->ncond; i++)
		ok &= rule_load_slot(set, ent->cond[i].slot, rec);
	return ok ? ent : NULL;
}

/*
 * Runs rule r alone on rec, whatever the priorities and the prefilter:
 * 1 it matches, 0 it does not (or rec lacks its field), -1 the regex hit
 * a match, depth or stack limit. Counts nothing: for checking examples.
 */
int
rule_set_try(
    struct rule_set *set, const struct rule *r, const struct record *rec)
{
	const struct rule_ent *ent = rule_subject_of(set, r, rec);

	return ent != NULL ? rule_run(set, ent) : 0;
}

/*
 * Returns 1 if the literal prefilter makes r a candidate for rec (r has
 * no usable literal, or one of its literals is in its field), else 0.
 */
int
rule_set_prefilter_sees(
    struct rule_set *set, const struct rule *r, const struct record *rec)
{
	const struct rule_ent  *ent = rule_subject_of(set, r, rec);
	const struct rule_slot *sl;

	if (ent == NULL)
		return 0;
	if (ent->litmin < RULE_LIT_MIN)
		return 1;
	sl = &set->slots[ent->slot];
	memset(set->found, 0, set->nwords * sizeof(uint64_t));
	litscan_scan(set->scan, sl->s, sl->len, set->found);
	return bit_get(set->found, ent->rank);
}

/* Returns the length of the rule's shortest required literal, -1 none. */
int
rule_literal_min(const struct rule *r)
{
	return ((const struct rule_ent *)r)->litmin;
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
