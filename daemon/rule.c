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
#include "parser.h"
#include "record.h"
#include "rule.h"
#include "xmalloc.h"

#ifndef TIMELINED_RULES_DIR
#define TIMELINED_RULES_DIR "/usr/local/share/timelined/rules.d"
#endif

#define RULE_LIT_MAX       16 /* strings in one literal set */
#define RULE_REP_MAX       4  /* repeats of an item kept exact */
#define RULE_NEST_MAX      64 /* group nesting the parser follows */
#define RULE_CLASS_MAX     4  /* larger classes are "anything" */
#define RULE_LIT_MIN       3  /* shortest literal prefiltered on */
#define RULE_LIT_GOOD      4  /* shorter ones are reported by check */
#define RULE_MATCH_LIMIT   100000
#define RULE_DEPTH_LIMIT   1000
#define RULE_JIT_STACK_MIN (32 * 1024)
#define RULE_JIT_STACK_MAX (512 * 1024)
#define RULE_FILE_MAX      (16 * 1024 * 1024)
#define RULE_ID_MAX        128
#define RULE_PRIORITY_MAX  1000000

/* A set of strings; see rule_info for what it means. */
struct rule_lits {
	char *v[RULE_LIT_MAX];
	int   n;
};

/*
 * What the extractor knows about a piece of pattern: if exact, the piece
 * matches only strings in ex; in any case, every match contains one of the
 * strings in req (req empty: nothing is known).
 */
struct rule_info {
	int              exact;
	struct rule_lits ex;
	struct rule_lits req;
};

/* A concatenation being folded left to right. */
struct rule_fold {
	struct rule_lits run;    /* exact strings of the current run */
	struct rule_lits best;   /* best required set seen so far */
	int              broken; /* the concatenation is not exact */
};

/* The pattern parser's state. */
struct rule_rx {
	const char *p;
	const char *end;
	int         extended; /* (?x) in effect */
	int         quote;    /* inside \Q...\E */
	int         depth;
	int         fail; /* a construct it does not follow */
};

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
	struct rule_lits lits;
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

/*
 * Literal sets. Strings are NUL-terminated and folded to lower case, which
 * is why a NUL byte in a pattern ends a literal instead of joining one.
 */

/* Empties a set. */
static void
lits_free(struct rule_lits *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* Returns 1 if the set holds str. */
static int
lits_has(const struct rule_lits *s, const char *str)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return 1;
	return 0;
}

/* Adds str unless present; consumes str. The caller ensures room. */
static void
lits_add(struct rule_lits *s, char *str)
{
	if (lits_has(s, str))
		free(str);
	else
		s->v[s->n++] = str;
}

/* Makes dst a copy of src, emptying dst first. */
static void
lits_copy(struct rule_lits *dst, const struct rule_lits *src)
{
	int i;

	lits_free(dst);
	for (i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
	dst->n = src->n;
}

/* Makes s the set holding only str, of len bytes. */
static void
lits_set1(struct rule_lits *s, const char *str, size_t len)
{
	lits_free(s);
	s->v[0] = xstrndup(str, len);
	s->n = 1;
}

/* Adds every string of src to dst; -1 (dst unchanged) if too many. */
static int
lits_union(struct rule_lits *dst, const struct rule_lits *src)
{
	int i, extra = 0;

	for (i = 0; i < src->n; i++)
		extra += !lits_has(dst, src->v[i]);
	if (dst->n + extra > RULE_LIT_MAX)
		return -1;
	for (i = 0; i < src->n; i++)
		lits_add(dst, xstrdup(src->v[i]));
	return 0;
}

/* Replaces a with every a[i] followed by b[j]; -1 (a unchanged) if too many. */
static int
lits_cross(struct rule_lits *a, const struct rule_lits *b)
{
	struct rule_lits out = {.n = 0};
	char            *s;
	int              i, j;

	if (a->n * b->n > RULE_LIT_MAX)
		return -1;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			xasprintf(&s, "%s%s", a->v[i], b->v[j]);
			lits_add(&out, s);
		}
	}
	lits_free(a);
	*a = out;
	return 0;
}

/* Returns the length of the shortest string, -1 for an empty set. */
static int
lits_minlen(const struct rule_lits *s)
{
	int i, len, min = -1;

	for (i = 0; i < s->n; i++) {
		len = strlen(s->v[i]);
		if (min < 0 || len < min)
			min = len;
	}
	return min;
}

/*
 * Drops every string that contains another string of the set: a subject
 * holding the longer one holds the shorter, so the set means the same.
 */
static void
lits_reduce(struct rule_lits *s)
{
	int i, j, n = 0;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->n; j++)
			if (j != i && s->v[j] != NULL &&
			    strstr(s->v[i], s->v[j]) != NULL)
				break;
		if (j < s->n) {
			free(s->v[i]);
			s->v[i] = NULL;
		}
	}
	for (i = 0; i < s->n; i++)
		if (s->v[i] != NULL)
			s->v[n++] = s->v[i];
	s->n = n;
}

/* Orders strings for qsort. */
static int
rule_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The concatenation fold: exact pieces extend the current run (as a cross
 * product while it stays small); anything else closes the run. The best
 * required set is the one whose shortest string is longest, then the one
 * with fewer strings; a set holding "" requires nothing and never wins.
 */

/* Starts a fold with an empty run. */
static void
fold_init(struct rule_fold *f)
{
	memset(f, 0, sizeof(*f));
	lits_set1(&f->run, "", 0);
}

/* Makes cand the best required set if it beats the current one. */
static void
fold_consider(struct rule_fold *f, const struct rule_lits *cand)
{
	int min = lits_minlen(cand), best = lits_minlen(&f->best);

	if (min < 1)
		return;
	if (best < 0 || min > best || (min == best && cand->n < f->best.n))
		lits_copy(&f->best, cand);
}

/* Appends a piece that matches exactly the strings in ex. */
static void
fold_exact(struct rule_fold *f, const struct rule_lits *ex)
{
	if (lits_cross(&f->run, ex) == 0)
		return;
	fold_consider(f, &f->run);
	lits_copy(&f->run, ex);
	f->broken = 1;
}

/* Appends a piece that is not exact but requires one of req (or NULL). */
static void
fold_break(struct rule_fold *f, const struct rule_lits *req)
{
	fold_consider(f, &f->run);
	if (req != NULL)
		fold_consider(f, req);
	lits_set1(&f->run, "", 0);
	f->broken = 1;
}

/* Ends the fold, moving its result into out (which holds nothing yet). */
static void
fold_finish(struct rule_fold *f, struct rule_info *out)
{
	memset(out, 0, sizeof(*out));
	fold_consider(f, &f->run);
	out->exact = !f->broken;
	if (out->exact)
		out->ex = f->run;
	else
		lits_free(&f->run);
	out->req = f->best;
}

/* Appends item a repeated min to max times (max -1: unbounded). */
static void
fold_piece(struct rule_fold *f, const struct rule_info *a, int min, int max)
{
	struct rule_lits opt = {.n = 0};
	int              i;

	if (!a->exact) {
		fold_break(f, min > 0 ? &a->req : NULL);
		return;
	}
	if (min == 0 && max == 1 && a->ex.n < RULE_LIT_MAX) {
		lits_copy(&opt, &a->ex);
		lits_add(&opt, xstrdup(""));
		fold_exact(f, &opt);
		lits_free(&opt);
		return;
	}
	for (i = 0; i < min && i < RULE_REP_MAX; i++)
		fold_exact(f, &a->ex);
	if (max != min || min > RULE_REP_MAX)
		fold_break(f, NULL);
}

/* Frees what an info holds. */
static void
info_free(struct rule_info *a)
{
	lits_free(&a->ex);
	lits_free(&a->req);
	a->exact = 0;
}

/* Returns the ASCII lower case of c, as the prefilter automaton folds. */
static int
rule_fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Makes a an exact piece matching one byte (folded) or, for 0, anything. */
static void
info_byte(struct rule_info *a, int c)
{
	char b = rule_fold(c);

	memset(a, 0, sizeof(*a));
	if (c == 0)
		return;
	a->exact = 1;
	lits_set1(&a->ex, &b, 1);
}

/* Makes a a zero-width piece. */
static void
info_empty(struct rule_info *a)
{
	memset(a, 0, sizeof(*a));
	a->exact = 1;
	lits_set1(&a->ex, "", 0);
}

/* Makes a a piece about which nothing is known. */
static void
info_any(struct rule_info *a)
{
	memset(a, 0, sizeof(*a));
}

/*
 * Merges branch b (a folded sequence) into alternation a: the exact and the
 * required sets unite; one branch that requires nothing spoils the union.
 */
static void
info_alt(struct rule_info *a, const struct rule_info *b)
{
	if (!a->exact || !b->exact || lits_union(&a->ex, &b->ex) == -1) {
		lits_free(&a->ex);
		a->exact = 0;
	}
	if (lits_minlen(&a->req) < 1 || lits_minlen(&b->req) < 1 ||
	    lits_union(&a->req, &b->req) == -1)
		lits_free(&a->req);
}

/*
 * The pattern parser. It follows the PCRE2 syntax rule files use and gives
 * up (rx->fail) on anything else: a rule it gives up on simply has no
 * literal and runs its regex on every line. The pattern has already been
 * compiled, so it is well formed.
 */

static void rx_alt(struct rule_rx *, struct rule_info *);

/* Returns 1 if c is white space that extended mode ignores. */
static int
rx_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* Skips white space and # comments in extended mode. */
static void
rx_skip(struct rule_rx *rx)
{
	while (rx->extended && !rx->quote && rx->p < rx->end) {
		if (rx_space(*rx->p))
			rx->p++;
		else if (*rx->p == '#') {
			while (rx->p < rx->end && *rx->p != '\n')
				rx->p++;
		} else
			break;
	}
}

/* Skips up to and including the byte close; fails if there is none. */
static void
rx_skip_to(struct rule_rx *rx, char close)
{
	const char *q = memchr(rx->p, close, rx->end - rx->p);

	if (q == NULL)
		rx->fail = 1;
	else
		rx->p = q + 1;
}

/* Reads hex digits (at most max) as a byte value; -1 if over 255. */
static int
rx_hex(struct rule_rx *rx, int max)
{
	int v = 0, n = 0;

	while (rx->p < rx->end && n < max && isxdigit((unsigned char)*rx->p)) {
		v = v * 16 +
		    (isdigit((unsigned char)*rx->p)
			    ? *rx->p - '0'
			    : tolower((unsigned char)*rx->p) - 'a' + 10);
		if (v > 255)
			return -1;
		rx->p++;
		n++;
	}
	return v;
}

/* Reads \x's argument; returns the byte, 0 if not usable as a literal. */
static int
rx_esc_hex(struct rule_rx *rx)
{
	int v;

	if (rx->p < rx->end && *rx->p == '{') {
		rx->p++;
		v = rx_hex(rx, 8);
		rx_skip_to(rx, '}');
	} else
		v = rx_hex(rx, 2);
	return v < 0 ? 0 : v;
}

/*
 * Skips the argument of \g, \k, \p, \P or \o (escape letter e): a bracketed
 * name, a signed number (\g) or a single letter (\p, \P).
 */
static void
rx_esc_arg(struct rule_rx *rx, char e)
{
	char c;

	if (rx->p >= rx->end)
		return;
	c = *rx->p;
	if (c == '{' || c == '<' || c == '\'') {
		rx->p++;
		rx_skip_to(rx, c == '{' ? '}' : c == '<' ? '>' : '\'');
	} else if (e == 'p' || e == 'P')
		rx->p++;
	else if (e == 'g') {
		if (c == '-' || c == '+')
			rx->p++;
		while (rx->p < rx->end && isdigit((unsigned char)*rx->p))
			rx->p++;
	}
}

/* Values of rx_escape() other than a byte. */
#define RX_ZERO  (-1) /* zero width: \b \A \z ... */
#define RX_ANY   (-2) /* consumes something unknown: \d \w ... */
#define RX_QUOTE (-3) /* \Q */

/*
 * Reads the escape after a backslash: a byte value (1-255), or RX_*.
 * In a class \b is backspace and \Q is not followed.
 */
static int
rx_escape(struct rule_rx *rx, int in_class)
{
	static const char zero[] = "bBAzZGKE", ctl[] = "ntrfea",
			  ctlv[] = "\n\t\r\f\033\a";
	const char *q;
	char        c;
	int         v;

	if (rx->p >= rx->end) {
		rx->fail = 1;
		return RX_ANY;
	}
	c = *rx->p++;
	if (!isalnum((unsigned char)c))
		return (unsigned char)c;
	if (in_class && c == 'b')
		return '\b';
	if ((q = strchr(ctl, c)) != NULL)
		return (unsigned char)ctlv[q - ctl];
	if (c == 'x')
		return (v = rx_esc_hex(rx)) > 0 ? v : RX_ANY;
	if (strchr(zero, c) != NULL)
		return in_class ? RX_ANY : RX_ZERO;
	if (c == 'Q' && !in_class)
		return RX_QUOTE;
	if (strchr("gkpPo", c) != NULL)
		rx_esc_arg(rx, c);
	else if (c == 'c' && rx->p < rx->end)
		rx->p++;
	else if (isdigit((unsigned char)c)) {
		while (rx->p < rx->end && isdigit((unsigned char)*rx->p))
			rx->p++;
	} else if (c == 'N' && rx->p < rx->end && *rx->p == '{')
		rx->fail = 1;
	else if (strchr("dDwWsShHvVRNXC", c) == NULL)
		rx->fail = 1;
	return RX_ANY;
}

/* Skips a POSIX class such as [:alpha:] in a class; 1 if there was one. */
static int
rx_posix(struct rule_rx *rx)
{
	const char *q = rx->p + 2;
	char        kind;

	if (rx->end - rx->p < 2 || rx->p[0] != '[')
		return 0;
	kind = rx->p[1];
	if (kind != ':' && kind != '.' && kind != '=')
		return 0;
	if (q < rx->end && *q == '^')
		q++;
	while (q < rx->end && isalpha((unsigned char)*q))
		q++;
	if (rx->end - q < 2 || q[0] != kind || q[1] != ']') {
		rx->fail = 1;
		return 0;
	}
	rx->p = q + 2;
	return 1;
}

/* Parses one member of a class: a byte, or RX_ANY for \d, [:alpha:]... */
static int
rx_class_atom(struct rule_rx *rx)
{
	int c;

	if (rx_posix(rx) || rx->fail)
		return RX_ANY;
	c = (unsigned char)*rx->p++;
	if (c == '\\')
		c = rx_escape(rx, 1);
	return c == 0 ? RX_ANY : c;
}

/* Makes a exact if the class holds few bytes once folded, else anything. */
static void
rx_class_info(struct rule_info *a, const uint8_t *set, int wide)
{
	uint8_t folded[256] = {0};
	int     c, n = 0;
	char    b;

	info_any(a);
	for (c = 1; c < 256 && !wide; c++)
		if (set[c] && !folded[rule_fold(c)]++)
			n++;
	if (wide || n > RULE_CLASS_MAX)
		return;
	a->exact = 1;
	for (c = 1; c < 256; c++) {
		if (folded[c]) {
			b = c;
			lits_add(&a->ex, xstrndup(&b, 1));
		}
	}
}

/* Parses a class after '['. */
static void
rx_class(struct rule_rx *rx, struct rule_info *a)
{
	uint8_t set[256] = {0};
	int     wide = 0, first = 1, lo, hi;

	if (rx->p < rx->end && *rx->p == '^') {
		wide = 1;
		rx->p++;
	}
	while (rx->p < rx->end && (first || *rx->p != ']')) {
		first = 0;
		if ((lo = rx_class_atom(rx)) < 0) {
			wide = 1;
			continue;
		}
		hi = lo;
		if (rx->end - rx->p >= 2 && rx->p[0] == '-' &&
		    rx->p[1] != ']') {
			rx->p++;
			if ((hi = rx_class_atom(rx)) < lo)
				wide = 1;
		}
		for (; lo <= hi; lo++)
			set[lo] = 1;
	}
	if (rx->p >= rx->end)
		rx->fail = 1;
	else
		rx->p++;
	rx_class_info(a, set, wide);
}

/* What follows "(?": see rx_group_head(). */
enum rx_head {
	RX_HEAD_BODY, /* a group whose contents count */
	RX_HEAD_LOOK, /* a lookaround: zero width */
	RX_HEAD_DONE, /* a comment or a flag setting: zero width */
	RX_HEAD_FAIL
};

/* Parses inline flags after "(?"; only x matters to the extractor. */
static enum rx_head
rx_flags(struct rule_rx *rx, struct rule_info *a)
{
	int  on = 1;
	char c;

	while (rx->p < rx->end) {
		c = *rx->p++;
		if (c == ')') {
			info_empty(a);
			return RX_HEAD_DONE;
		}
		if (c == ':')
			return RX_HEAD_BODY;
		if (c == '-')
			on = 0;
		else if (c == '^')
			rx->extended = 0;
		else if (c == 'x')
			rx->extended = on;
		else if (strchr("imnsJU", c) == NULL)
			break;
	}
	rx->fail = 1;
	return RX_HEAD_FAIL;
}

/* Parses what follows "(?" up to the group's contents. */
static enum rx_head
rx_group_head(struct rule_rx *rx, struct rule_info *a)
{
	char c, d;

	if (rx->end - rx->p < 2) {
		rx->fail = 1;
		return RX_HEAD_FAIL;
	}
	c = *rx->p++;
	d = *rx->p;
	switch (c) {
	case '#':
		rx_skip_to(rx, ')');
		info_empty(a);
		return RX_HEAD_DONE;
	case ':':
	case '|':
	case '>': return RX_HEAD_BODY;
	case '=':
	case '!': return RX_HEAD_LOOK;
	case '<':
		if (d == '=' || d == '!') {
			rx->p++;
			return RX_HEAD_LOOK;
		}
		rx_skip_to(rx, '>');
		return RX_HEAD_BODY;
	case '\'': rx_skip_to(rx, '\''); return RX_HEAD_BODY;
	case 'P':
		if (d != '<')
			break;
		rx_skip_to(rx, '>');
		return RX_HEAD_BODY;
	}
	rx->p--;
	return rx_flags(rx, a);
}

/* Parses a group after '('; a lookaround counts as zero width. */
static void
rx_group(struct rule_rx *rx, struct rule_info *a)
{
	enum rx_head head = RX_HEAD_BODY;
	int          saved = rx->extended;

	info_any(a);
	if (rx->depth >= RULE_NEST_MAX || rx->p >= rx->end || *rx->p == '*') {
		rx->fail = 1;
		return;
	}
	if (*rx->p == '?') {
		rx->p++;
		head = rx_group_head(rx, a);
		/* (?x) stays in effect up to the end of the enclosing group. */
		if (head == RX_HEAD_DONE || head == RX_HEAD_FAIL)
			return;
	}
	rx->depth++;
	rx_alt(rx, a);
	rx->depth--;
	rx->extended = saved;
	if (rx->p >= rx->end || *rx->p != ')')
		rx->fail = 1;
	else
		rx->p++;
	if (head == RX_HEAD_LOOK) {
		info_free(a);
		info_empty(a);
	}
}

/* Leaves \Q mode if \E follows, so a quantifier binds to the last byte. */
static void
rx_quote_end(struct rule_rx *rx)
{
	if (rx->quote && rx->end - rx->p >= 2 && rx->p[0] == '\\' &&
	    rx->p[1] == 'E') {
		rx->p += 2;
		rx->quote = 0;
	}
}

/* Parses an escape outside a class as an item. */
static void
rx_esc_item(struct rule_rx *rx, struct rule_info *a)
{
	int v = rx_escape(rx, 0);

	if (v == RX_QUOTE) {
		rx->quote = 1;
		rx_quote_end(rx);
		info_empty(a);
	} else if (v == RX_ZERO)
		info_empty(a);
	else if (v == RX_ANY)
		info_any(a);
	else
		info_byte(a, v);
}

/* Parses one item (without its quantifier). */
static void
rx_atom(struct rule_rx *rx, struct rule_info *a)
{
	int c = (unsigned char)*rx->p++;

	if (rx->quote) {
		info_byte(a, c);
		rx_quote_end(rx);
		return;
	}
	switch (c) {
	case '\\': rx_esc_item(rx, a); break;
	case '[': rx_class(rx, a); break;
	case '(': rx_group(rx, a); break;
	case '^':
	case '$': info_empty(a); break;
	case '.': info_any(a); break;
	case '{':
		/* Whether "{2}" here is literal differs between versions. */
		if (rx->p < rx->end && isdigit((unsigned char)*rx->p))
			rx->fail = 1;
		info_byte(a, c);
		break;
	case '*':
	case '+':
	case '?':
		rx->fail = 1;
		info_any(a);
		break;
	default: info_byte(a, c);
	}
}

/* Reads a decimal number of at most 5 digits; -1 if none. */
static int
rx_number(struct rule_rx *rx)
{
	int v = -1, n = 0;

	while (rx->p < rx->end && isdigit((unsigned char)*rx->p) && n++ < 5)
		v = (v < 0 ? 0 : v * 10) + *rx->p++ - '0';
	return v;
}

/*
 * Reads {n}, {n,} or {n,m} at '{', leaving rx->p on the '}'. Returns 0 if
 * the brace is a literal. Forms that only newer PCRE2 versions read as
 * quantifiers ({,m}, spaces) make the extractor give up.
 */
static int
rx_braces(struct rule_rx *rx, int *min, int *max)
{
	const char *start = rx->p++;

	if (rx->p < rx->end && (*rx->p == ',' || rx_space(*rx->p)))
		rx->fail = 1;
	if (rx->p >= rx->end || !isdigit((unsigned char)*rx->p)) {
		rx->p = start;
		return 0;
	}
	*min = *max = rx_number(rx);
	if (rx->p < rx->end && *rx->p == ',') {
		rx->p++;
		*max = rx->p < rx->end && *rx->p == '}' ? -1 : rx_number(rx);
	}
	if (rx->p >= rx->end || *rx->p != '}' || (*max >= 0 && *max < *min)) {
		rx->fail = 1;
		rx->p = start;
		return 0;
	}
	return 1;
}

/* Reads the quantifier after an item into min and max (-1: unbounded). */
static void
rx_quant(struct rule_rx *rx, int *min, int *max)
{
	*min = *max = 1;
	if (rx->quote)
		return;
	rx_skip(rx);
	if (rx->p >= rx->end)
		return;
	if (*rx->p == '?')
		*min = 0;
	else if (*rx->p == '*') {
		*min = 0;
		*max = -1;
	} else if (*rx->p == '+')
		*max = -1;
	else if (*rx->p != '{' || !rx_braces(rx, min, max))
		return;
	rx->p++;
	if (rx->p < rx->end && (*rx->p == '?' || *rx->p == '+'))
		rx->p++;
	/* A second quantifier would repeat the first: not followed. */
	rx_skip(rx);
	if (rx->p < rx->end &&
	    (strchr("?*+", *rx->p) != NULL ||
		(*rx->p == '{' && rx->p + 1 < rx->end &&
		    isdigit((unsigned char)rx->p[1]))))
		rx->fail = 1;
}

/* Parses a concatenation up to '|', ')' or the end. */
static void
rx_seq(struct rule_rx *rx, struct rule_info *out)
{
	struct rule_fold f;
	struct rule_info a;
	int              min, max;

	fold_init(&f);
	for (;;) {
		rx_skip(rx);
		if (rx->fail || rx->p >= rx->end)
			break;
		if (!rx->quote && (*rx->p == '|' || *rx->p == ')'))
			break;
		rx_atom(rx, &a);
		rx_quant(rx, &min, &max);
		fold_piece(&f, &a, min, max);
		info_free(&a);
	}
	fold_finish(&f, out);
}

/* Parses an alternation up to ')' or the end. */
static void
rx_alt(struct rule_rx *rx, struct rule_info *out)
{
	struct rule_info b;

	rx_seq(rx, out);
	while (!rx->fail && rx->p < rx->end && *rx->p == '|') {
		rx->p++;
		rx_seq(rx, &b);
		info_alt(out, &b);
		info_free(&b);
	}
}

/* Finds the literals every match of the rule's pattern contains. */
static void
rule_extract(struct rule_ent *ent, const char *pattern, int extended)
{
	struct rule_rx   rx = {.p = pattern,
	      .end = pattern + strlen(pattern),
	      .extended = extended};
	struct rule_info top;

	rx_alt(&rx, &top);
	if (!rx.fail && rx.p == rx.end) {
		ent->lits = top.req;
		top.req.n = 0;
	}
	info_free(&top);
	lits_reduce(&ent->lits);
	ent->litmin = lits_minlen(&ent->lits);
	qsort(ent->lits.v, ent->lits.n, sizeof(*ent->lits.v), rule_cmp_str);
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
	lits_free(&ent->lits);
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
	rule_extract(ent, c->pattern, (opt & PCRE2_EXTENDED) != 0);
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
	for (i = 0; i < ent->lits.n; i++)
		litscan_add(
		    set->scan, ent->lits.v[i], strlen(ent->lits.v[i]), r);
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
 * Writes the rule's prefilter literals into buf as "a" "b" (bytes outside
 * printable ASCII as \xHH), or nothing if the rule runs on every line.
 * Returns the length written.
 */
size_t
rule_literals(const struct rule *r, char *buf, size_t size)
{
	const struct rule_ent *ent = (const struct rule_ent *)r;
	const unsigned char   *p;
	char                   tmp[8];
	size_t                 n = 0;
	int                    i;

	if (size == 0)
		return 0;
	for (i = 0; ent->litmin >= RULE_LIT_MIN && i < ent->lits.n; i++) {
		if (i > 0)
			n = rule_append(buf, size, n, " ", 1);
		n = rule_append(buf, size, n, "\"", 1);
		for (p = (unsigned char *)ent->lits.v[i]; *p != '\0'; p++) {
			if (*p >= ' ' && *p < 0x7f && *p != '"' && *p != '\\')
				snprintf(tmp, sizeof(tmp), "%c", *p);
			else
				snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			n = rule_append(buf, size, n, tmp, strlen(tmp));
		}
		n = rule_append(buf, size, n, "\"", 1);
	}
	buf[n] = '\0';
	return n;
}
