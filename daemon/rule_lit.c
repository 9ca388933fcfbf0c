/*
 * rule_lit: the required literals of a PCRE2 pattern: strings one of which
 * every match contains, so the prefilter can skip a rule on lines holding
 * none of them. A hand-written walker over the pattern syntax; it gives up
 * (no literal) on what it does not follow. It knows patterns, not PCRE2's
 * API, rules or lines.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "litscan.h"
#include "rule_lit.h"
#include "xmalloc.h"

#define RULE_LIT_MAX       64 /* strings in a required set */
#define RULE_LIT_EXACT_MAX 16 /* strings in an exact set (cross products) */
#define RULE_LIT_REP_MAX   4  /* repeats of an item kept exact */
#define RULE_LIT_NEST_MAX  64 /* group nesting the parser follows */
#define RULE_LIT_CLASS_MAX 4  /* larger classes are "anything" */

/* A set of strings; see lit_info for what it means. */
struct rule_lit {
	char **v;
	int    n;
	int    cap;
};

/*
 * What the extractor knows about a piece of pattern: if exact, the piece
 * matches only strings in ex; in any case, every match contains one of the
 * strings in req (req empty: nothing is known).
 */
struct lit_info {
	int             exact;
	struct rule_lit ex;
	struct rule_lit req;
};

/* A concatenation being folded left to right. */
struct lit_fold {
	struct rule_lit run;    /* exact strings of the current run */
	struct rule_lit best;   /* best required set seen so far */
	int             broken; /* the concatenation is not exact */
};

/* The pattern parser's state. */
struct lit_rx {
	const char *p;
	const char *end;
	int         extended; /* (?x) in effect */
	int         quote;    /* inside \Q...\E */
	int         depth;
	int         fail; /* a construct it does not follow */
};

/*
 * Literal sets. Strings are NUL-terminated and folded to lower case, which
 * is why a NUL byte in a pattern ends a literal instead of joining one.
 */

/* Empties a set, releasing its strings and its array. */
static void
lits_free(struct rule_lit *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Appends str, growing the array; consumes str. */
static void
lits_push(struct rule_lit *s, char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = str;
}

/* Returns 1 if the set holds str. */
static int
lits_has(const struct rule_lit *s, const char *str)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return 1;
	return 0;
}

/* Adds str unless present; consumes str. */
static void
lits_add(struct rule_lit *s, char *str)
{
	if (lits_has(s, str))
		free(str);
	else
		lits_push(s, str);
}

/* Makes dst a copy of src, emptying dst first. */
static void
lits_copy(struct rule_lit *dst, const struct rule_lit *src)
{
	int i;

	lits_free(dst);
	for (i = 0; i < src->n; i++)
		lits_push(dst, xstrdup(src->v[i]));
}

/* Makes s the set holding only str, of len bytes. */
static void
lits_set1(struct rule_lit *s, const char *str, size_t len)
{
	lits_free(s);
	lits_push(s, xstrndup(str, len));
}

/* Adds every string of src to dst; -1 (dst unchanged) if over max. */
static int
lits_union(struct rule_lit *dst, const struct rule_lit *src, int max)
{
	int i, extra = 0;

	for (i = 0; i < src->n; i++)
		extra += !lits_has(dst, src->v[i]);
	if (dst->n + extra > max)
		return -1;
	for (i = 0; i < src->n; i++)
		lits_add(dst, xstrdup(src->v[i]));
	return 0;
}

/* Replaces a with every a[i] followed by b[j]; -1 (a unchanged) if too many. */
static int
lits_cross(struct rule_lit *a, const struct rule_lit *b)
{
	struct rule_lit out = {.n = 0};
	char           *s;
	int             i, j;

	if (a->n * b->n > RULE_LIT_EXACT_MAX)
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
lits_minlen(const struct rule_lit *s)
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
lits_reduce(struct rule_lit *s)
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

/*
 * Adds every string of src to the required set dst, then drops the
 * strings that contain another (they require nothing more); -1 if more
 * than RULE_LIT_MAX remain. Merging first lets a long alternation whose
 * branches share words ("fail", "failed", "failure") keep a literal.
 */
static int
lits_union_req(struct rule_lit *dst, const struct rule_lit *src)
{
	int i;

	for (i = 0; i < src->n; i++)
		lits_add(dst, xstrdup(src->v[i]));
	lits_reduce(dst);
	return dst->n > RULE_LIT_MAX ? -1 : 0;
}

/* Orders strings for qsort. */
static int
lits_cmp(const void *a, const void *b)
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
fold_init(struct lit_fold *f)
{
	memset(f, 0, sizeof(*f));
	lits_set1(&f->run, "", 0);
}

/* Makes cand the best required set if it beats the current one. */
static void
fold_consider(struct lit_fold *f, const struct rule_lit *cand)
{
	int min = lits_minlen(cand), best = lits_minlen(&f->best);

	if (min < 1)
		return;
	if (best < 0 || min > best || (min == best && cand->n < f->best.n))
		lits_copy(&f->best, cand);
}

/* Appends a piece that matches exactly the strings in ex. */
static void
fold_exact(struct lit_fold *f, const struct rule_lit *ex)
{
	if (lits_cross(&f->run, ex) == 0)
		return;
	fold_consider(f, &f->run);
	lits_copy(&f->run, ex);
	f->broken = 1;
}

/* Appends a piece that is not exact but requires one of req (or NULL). */
static void
fold_break(struct lit_fold *f, const struct rule_lit *req)
{
	fold_consider(f, &f->run);
	if (req != NULL)
		fold_consider(f, req);
	lits_set1(&f->run, "", 0);
	f->broken = 1;
}

/* Ends the fold, moving its result into out (which holds nothing yet). */
static void
fold_finish(struct lit_fold *f, struct lit_info *out)
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
fold_piece(struct lit_fold *f, const struct lit_info *a, int min, int max)
{
	struct rule_lit opt = {.n = 0};
	int             i;

	if (!a->exact) {
		fold_break(f, min > 0 ? &a->req : NULL);
		return;
	}
	if (min == 0 && max == 1 && a->ex.n < RULE_LIT_EXACT_MAX) {
		lits_copy(&opt, &a->ex);
		lits_add(&opt, xstrdup(""));
		fold_exact(f, &opt);
		lits_free(&opt);
		return;
	}
	for (i = 0; i < min && i < RULE_LIT_REP_MAX; i++)
		fold_exact(f, &a->ex);
	if (max != min || min > RULE_LIT_REP_MAX)
		fold_break(f, NULL);
}

/* Frees what an info holds. */
static void
info_free(struct lit_info *a)
{
	lits_free(&a->ex);
	lits_free(&a->req);
	a->exact = 0;
}

/* Makes a an exact piece matching one byte (folded) or, for 0, anything. */
static void
info_byte(struct lit_info *a, int c)
{
	char b = litscan_fold(c);

	memset(a, 0, sizeof(*a));
	if (c == 0)
		return;
	a->exact = 1;
	lits_set1(&a->ex, &b, 1);
}

/* Makes a a zero-width piece. */
static void
info_empty(struct lit_info *a)
{
	memset(a, 0, sizeof(*a));
	a->exact = 1;
	lits_set1(&a->ex, "", 0);
}

/* Makes a a piece about which nothing is known. */
static void
info_any(struct lit_info *a)
{
	memset(a, 0, sizeof(*a));
}

/*
 * Merges branch b (a folded sequence) into alternation a: the exact and the
 * required sets unite; one branch that requires nothing spoils the union.
 */
static void
info_alt(struct lit_info *a, const struct lit_info *b)
{
	if (!a->exact || !b->exact ||
	    lits_union(&a->ex, &b->ex, RULE_LIT_EXACT_MAX) == -1) {
		lits_free(&a->ex);
		a->exact = 0;
	}
	if (lits_minlen(&a->req) < 1 || lits_minlen(&b->req) < 1 ||
	    lits_union_req(&a->req, &b->req) == -1)
		lits_free(&a->req);
}

/*
 * The pattern parser. It follows the PCRE2 syntax rule files use and gives
 * up (rx->fail) on anything else: a rule it gives up on simply has no
 * literal and runs its regex on every line. The pattern has already been
 * compiled, so it is well formed.
 */

static void rx_alt(struct lit_rx *, struct lit_info *);

/* Returns 1 if c is white space that extended mode ignores. */
static int
rx_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* Skips white space and # comments in extended mode. */
static void
rx_skip(struct lit_rx *rx)
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
rx_skip_to(struct lit_rx *rx, char close)
{
	const char *q = memchr(rx->p, close, rx->end - rx->p);

	if (q == NULL)
		rx->fail = 1;
	else
		rx->p = q + 1;
}

/* Reads hex digits (at most max) as a byte value; -1 if over 255. */
static int
rx_hex(struct lit_rx *rx, int max)
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
rx_esc_hex(struct lit_rx *rx)
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
rx_esc_arg(struct lit_rx *rx, char e)
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
rx_escape(struct lit_rx *rx, int in_class)
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
rx_posix(struct lit_rx *rx)
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
rx_class_atom(struct lit_rx *rx)
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
rx_class_info(struct lit_info *a, const uint8_t *set, int wide)
{
	uint8_t folded[256] = {0};
	int     c, n = 0;
	char    b;

	info_any(a);
	for (c = 1; c < 256 && !wide; c++)
		if (set[c] && !folded[litscan_fold(c)]++)
			n++;
	if (wide || n > RULE_LIT_CLASS_MAX)
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
rx_class(struct lit_rx *rx, struct lit_info *a)
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
rx_flags(struct lit_rx *rx, struct lit_info *a)
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
rx_group_head(struct lit_rx *rx, struct lit_info *a)
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
rx_group(struct lit_rx *rx, struct lit_info *a)
{
	enum rx_head head = RX_HEAD_BODY;
	int          saved = rx->extended;

	info_any(a);
	if (rx->depth >= RULE_LIT_NEST_MAX || rx->p >= rx->end ||
	    *rx->p == '*') {
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
rx_quote_end(struct lit_rx *rx)
{
	if (rx->quote && rx->end - rx->p >= 2 && rx->p[0] == '\\' &&
	    rx->p[1] == 'E') {
		rx->p += 2;
		rx->quote = 0;
	}
}

/* Parses an escape outside a class as an item. */
static void
rx_esc_item(struct lit_rx *rx, struct lit_info *a)
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
rx_atom(struct lit_rx *rx, struct lit_info *a)
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
rx_number(struct lit_rx *rx)
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
rx_braces(struct lit_rx *rx, int *min, int *max)
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
rx_quant(struct lit_rx *rx, int *min, int *max)
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
rx_seq(struct lit_rx *rx, struct lit_info *out)
{
	struct lit_fold f;
	struct lit_info a;
	int             min, max;

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
rx_alt(struct lit_rx *rx, struct lit_info *out)
{
	struct lit_info b;

	rx_seq(rx, out);
	while (!rx->fail && rx->p < rx->end && *rx->p == '|') {
		rx->p++;
		rx_seq(rx, &b);
		info_alt(out, &b);
		info_free(&b);
	}
}

/*
 * Returns the literals every match of pattern contains, sorted and without
 * a string that holds another; empty if nothing is known. The pattern has
 * compiled (it is well formed); extended: compiled with PCRE2_EXTENDED.
 */
struct rule_lit *
rule_lit_extract(const char *pattern, int extended)
{
	struct lit_rx    rx = {.p = pattern,
	       .end = pattern + strlen(pattern),
	       .extended = extended};
	struct lit_info  top;
	struct rule_lit *out = xcalloc(1, sizeof(*out));

	rx_alt(&rx, &top);
	if (!rx.fail && rx.p == rx.end) {
		*out = top.req;
		memset(&top.req, 0, sizeof(top.req));
	}
	info_free(&top);
	lits_reduce(out);
	if (out->n > 1) /* v is NULL when empty */
		qsort(out->v, out->n, sizeof(*out->v), lits_cmp);
	return out;
}

/* Frees a literal set; accepts NULL. */
void
rule_lit_free(struct rule_lit *s)
{
	if (s == NULL)
		return;
	lits_free(s);
	free(s);
}

/* Returns the number of literals. */
int
rule_lit_count(const struct rule_lit *s)
{
	return s->n;
}

/* Returns literal i (folded to lower case), or NULL. */
const char *
rule_lit_get(const struct rule_lit *s, int i)
{
	return i >= 0 && i < s->n ? s->v[i] : NULL;
}

/* Returns the length of the shortest literal, -1 if there is none. */
int
rule_lit_min(const struct rule_lit *s)
{
	return lits_minlen(s);
}

/* Appends s to buf at n, truncating and terminating; returns the new n. */
static size_t
lit_append(char *buf, size_t size, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len > size - 1 - n)
		len = size - 1 - n;
	memcpy(buf + n, s, len);
	buf[n + len] = '\0';
	return n + len;
}

/*
 * Writes the literals into buf as "a" "b", bytes outside printable ASCII
 * (and '"', '\') as \xHH. Truncates; always NUL-terminates (size > 0).
 * Returns the length written.
 */
size_t
rule_lit_format(const struct rule_lit *s, char *buf, size_t size)
{
	const unsigned char *p;
	char                 tmp[8];
	size_t               n = 0;
	int                  i;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < s->n; i++) {
		n = lit_append(buf, size, n, i > 0 ? " \"" : "\"");
		for (p = (unsigned char *)s->v[i]; *p != '\0'; p++) {
			if (*p >= ' ' && *p < 0x7f && *p != '"' && *p != '\\')
				snprintf(tmp, sizeof(tmp), "%c", *p);
			else
				snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			n = lit_append(buf, size, n, tmp);
		}
		n = lit_append(buf, size, n, "\"");
	}
	return n;
}
