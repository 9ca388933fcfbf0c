/*
 * rule_export: translates each rule's PCRE2 pattern into ripgrep's or
 * grep -E's dialect for `timelined check --export-patterns`, so that the
 * benchmark compares timelined with tools doing the same work. Where a
 * dialect lacks a construct (lookarounds, back references, anchors of a
 * message that is not the line), the translation matches more lines,
 * never fewer. A rule of field conditions alone is exported as one of
 * them (a numeric range becomes a number token). It reads rule text
 * only; it neither compiles nor runs.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "rule_export.h"

#define EXP_NEST_MAX 64
#define EXP_NUM_MAX  1e15 /* larger bounds are read as unbounded */

/* What becomes of ^ and $, by the rule's subject. */
enum exp_anchor {
	EXP_ANCHOR_DROP,  /* the message: it starts and ends inside the line */
	EXP_ANCHOR_KEEP,  /* the line itself */
	EXP_ANCHOR_DELIM, /* a field: its value is a token of the line */
};

/* A set of bytes, one bit each. */
struct exp_set {
	uint8_t b[32];
};

/* One translation in progress: the pattern read, the text written. */
struct exp {
	const char             *p, *end;
	enum rule_export_flavor fl;
	enum exp_anchor         anchors;  /* what ^ and $ become */
	int                     caseless; /* (?i) in effect */
	int                     extended; /* (?x) in effect */
	int                     emitted;  /* a quantifier may follow */
	int                     depth;
	char                   *buf;
	size_t                  size, n;
	const char             *why; /* the first reason it failed */
};

static const char *const flavor_names[RULE_EXPORT_NFLAVORS] = {"rg", "ere"};

static void exp_alt(struct exp *);

/* Returns the flavor called name ("rg", "ere"), or -1. */
int
rule_export_flavor(const char *name)
{
	int i;

	for (i = 0; i < RULE_EXPORT_NFLAVORS; i++)
		if (strcmp(flavor_names[i], name) == 0)
			return i;
	return -1;
}

/* Adds byte c to s. */
static void
set_add(struct exp_set *s, int c)
{
	s->b[c >> 3] |= 1u << (c & 7);
}

/* Returns 1 if byte c is in s. */
static int
set_has(const struct exp_set *s, int c)
{
	return s->b[c >> 3] >> (c & 7) & 1;
}

/* Removes byte c from s. */
static void
set_del(struct exp_set *s, int c)
{
	s->b[c >> 3] &= ~(1u << (c & 7));
}

/* Adds every byte from lo to hi to s. */
static void
set_range(struct exp_set *s, int lo, int hi)
{
	for (; lo <= hi; lo++)
		set_add(s, lo);
}

/* Replaces s by the bytes it does not hold. */
static void
set_invert(struct exp_set *s)
{
	size_t i;

	for (i = 0; i < sizeof(s->b); i++)
		s->b[i] = ~s->b[i];
}

/* Returns the number of bytes in s. */
static int
set_count(const struct exp_set *s)
{
	int c, n = 0;

	for (c = 0; c < 256; c++)
		n += set_has(s, c);
	return n;
}

/* Adds the other case of every ASCII letter in s. */
static void
set_fold(struct exp_set *s)
{
	int c;

	for (c = 'a'; c <= 'z'; c++)
		if (set_has(s, c) || set_has(s, c - 'a' + 'A')) {
			set_add(s, c);
			set_add(s, c - 'a' + 'A');
		}
}

/*
 * Fills s with the bytes of PCRE2's class escape e (\d \w \s \h \v and
 * their negations, 8-bit tables without Unicode properties); 0 if e is
 * not one.
 */
static int
set_escape(struct exp_set *s, char e)
{
	memset(s, 0, sizeof(*s));
	switch (tolower((unsigned char)e)) {
	case 'd': set_range(s, '0', '9'); break;
	case 'w':
		set_range(s, '0', '9');
		set_range(s, 'a', 'z');
		set_range(s, 'A', 'Z');
		set_add(s, '_');
		break;
	case 's':
		set_range(s, '\t', '\r');
		set_add(s, ' ');
		break;
	case 'h':
		set_add(s, '\t');
		set_add(s, ' ');
		set_add(s, 0xa0);
		break;
	case 'v':
		set_range(s, '\n', '\r');
		set_add(s, 0x85);
		break;
	default: return 0;
	}
	if (isupper((unsigned char)e))
		set_invert(s);
	return 1;
}

/* Appends n bytes to the output; notes an overflow. */
static void
exp_put(struct exp *x, const char *s, size_t n)
{
	if (x->n + n >= x->size) {
		x->why = "the translation is too long";
		return;
	}
	memcpy(x->buf + x->n, s, n);
	x->n += n;
}

/* Appends a string to the output. */
static void
exp_puts(struct exp *x, const char *s)
{
	exp_put(x, s, strlen(s));
}

/* Appends one byte to the output. */
static void
exp_putc(struct exp *x, int c)
{
	char b = (char)c;

	exp_put(x, &b, 1);
}

/* Appends byte c as \xHH (ripgrep: a byte, since (?-u) is on). */
static void
exp_hex(struct exp *x, int c)
{
	char b[5];

	snprintf(b, sizeof(b), "\\x%02x", c & 0xff);
	exp_puts(x, b);
}

/* Appends byte c as a literal of the flavor, escaped as it needs. */
static void
exp_lit(struct exp *x, int c)
{
	static const char rg_meta[] = "\\.+*?()|[]{}^$#&-~";
	static const char ere_meta[] = "\\.[]()*+?{}|^$";

	if (x->fl == RULE_EXPORT_RG) {
		if (c > 0x20 && c < 0x7f && strchr(rg_meta, c) != NULL)
			exp_putc(x, '\\');
		if (c >= 0x20 && c < 0x7f)
			exp_putc(x, c);
		else
			exp_hex(x, c);
		return;
	}
	/* A pattern file cannot hold a newline or a NUL: any byte instead. */
	if (c == '\n' || c == '\0') {
		exp_putc(x, '.');
		return;
	}
	if (strchr(ere_meta, c) != NULL)
		exp_putc(x, '\\');
	exp_putc(x, c);
}

/* Writes a bracket item for ripgrep: alphanumerics bare, others \xHH. */
static void
exp_rg_item(struct exp *x, int c)
{
	if (isalnum(c))
		exp_putc(x, c);
	else
		exp_hex(x, c);
}

/* Writes s as a ripgrep class of byte ranges. */
static void
exp_rg_class(struct exp *x, const struct exp_set *s)
{
	int c, hi;

	exp_putc(x, '[');
	for (c = 0; c < 256; c++) {
		if (!set_has(s, c))
			continue;
		for (hi = c; hi < 255 && set_has(s, hi + 1); hi++)
			;
		exp_rg_item(x, c);
		if (hi > c + 1)
			exp_putc(x, '-');
		if (hi > c)
			exp_rg_item(x, hi);
		c = hi;
	}
	exp_putc(x, ']');
}

/*
 * Writes the members of s inside a POSIX bracket: ']' first, ranges of
 * plain bytes, then '^' where it cannot negate, '-' last.
 */
static void
exp_ere_items(struct exp *x, const struct exp_set *s)
{
	struct exp_set plain = *s;
	int            c, hi, any = 0, dash = set_has(s, '-');

	set_del(&plain, ']');
	set_del(&plain, '^');
	set_del(&plain, '-');
	if (set_has(s, ']')) {
		exp_putc(x, ']');
		any = 1;
	}
	for (c = 0; c < 256; c++) {
		if (!set_has(&plain, c))
			continue;
		for (hi = c; hi < 255 && set_has(&plain, hi + 1); hi++)
			;
		exp_putc(x, c);
		if (hi > c + 1)
			exp_putc(x, '-');
		if (hi > c)
			exp_putc(x, hi);
		c = hi;
		any = 1;
	}
	if (set_has(s, '^') && !any && dash) {
		exp_puts(x, "-^");
		return;
	}
	if (set_has(s, '^'))
		exp_putc(x, '^');
	if (dash)
		exp_putc(x, '-');
}

/*
 * Writes s as a POSIX bracket for LC_ALL=C grep. A line holds no
 * newline, so it is left out; a pattern file cannot hold a NUL, so a
 * class with one (or with most bytes) is written as the negation of the
 * rest, which matches NUL too.
 */
static void
exp_ere_class(struct exp *x, const struct exp_set *s)
{
	struct exp_set t = *s;

	set_del(&t, '\n');
	if (!set_has(&t, '\0') && set_count(&t) <= 128) {
		exp_putc(x, '[');
		exp_ere_items(x, &t);
		exp_putc(x, ']');
		return;
	}
	set_invert(&t);
	set_del(&t, '\n');
	set_del(&t, '\0');
	if (set_count(&t) == 0) {
		exp_putc(x, '.');
		return;
	}
	exp_puts(x, "[^");
	exp_ere_items(x, &t);
	exp_putc(x, ']');
}

/* Writes a byte set as one atom: a literal when it has one member. */
static void
exp_set_out(struct exp *x, struct exp_set *s)
{
	int c, n;

	if (x->caseless)
		set_fold(s);
	if ((n = set_count(s)) == 0) {
		x->why = "a class that matches nothing";
		return;
	}
	if (n == 1) {
		for (c = 0; !set_has(s, c); c++)
			;
		exp_lit(x, c);
	} else if (x->fl == RULE_EXPORT_RG)
		exp_rg_class(x, s);
	else
		exp_ere_class(x, s);
	x->emitted = 1;
}

/* Writes the literal byte c, as a two-case class when caseless. */
static void
exp_char(struct exp *x, int c)
{
	struct exp_set s;

	memset(&s, 0, sizeof(s));
	set_add(&s, c & 0xff);
	exp_set_out(x, &s);
}

/* Reads up to max digits of base at x->p into *v; the count read. */
static int
exp_number(struct exp *x, int base, int max, int *v)
{
	int n = 0, d;

	*v = 0;
	while (n < max && x->p < x->end) {
		d = *x->p;
		if (isdigit(d) && d - '0' < base)
			d -= '0';
		else if (base == 16 && isxdigit(d))
			d = tolower(d) - 'a' + 10;
		else
			break;
		*v = *v * base + d;
		x->p++;
		n++;
	}
	return n;
}

/* Reads the braced code of \x{...} or \o{...}; the byte, or -1. */
static int
exp_braced(struct exp *x, int base)
{
	int v;

	x->p++;
	if (exp_number(x, base, 8, &v) == 0 || x->p >= x->end || *x->p != '}' ||
	    v > 0xff) {
		x->why = "a character code above 0xff or malformed";
		return -1;
	}
	x->p++;
	return v;
}

/*
 * Reads the byte an escape stands for, after "\e" (e consumed): \t \n
 * \xHH \0oo \cX, or punctuation as itself. -1 if it stands for no byte.
 */
static int
exp_esc_byte(struct exp *x, char e)
{
	static const char simple[] = "t\tn\nr\rf\fe\033a\007";
	const char       *s;
	int               v;

	if ((s = strchr(simple, e)) != NULL && (s - simple) % 2 == 0)
		return (unsigned char)s[1];
	if (e == 'x' && x->p < x->end && *x->p == '{')
		return exp_braced(x, 16);
	if (e == 'o' && x->p < x->end && *x->p == '{')
		return exp_braced(x, 8);
	if (e == 'x') {
		exp_number(x, 16, 2, &v);
		return v;
	}
	if (e == '0') {
		exp_number(x, 8, 2, &v);
		return v;
	}
	if (e == 'c' && x->p < x->end)
		return toupper((unsigned char)*x->p++) ^ 0x40;
	if (!isalnum((unsigned char)e))
		return (unsigned char)e;
	x->why = "an escape with no translation";
	return -1;
}

/* Skips a back reference's name or number; it becomes ".*". */
static void
exp_backref(struct exp *x, char e)
{
	char close = 0;

	if (e != 'g' && e != 'k') {
		while (x->p < x->end && isdigit((unsigned char)*x->p))
			x->p++;
	} else if (x->p < x->end) {
		close = *x->p == '{' ? '}'
		    : *x->p == '<'   ? '>'
		    : *x->p == '\''  ? '\''
				     : 0;
		if (close == 0)
			while (x->p < x->end &&
			    (isdigit((unsigned char)*x->p) || *x->p == '-' ||
				*x->p == '+'))
				x->p++;
		else
			while (x->p < x->end && *x->p++ != close)
				;
	}
	exp_puts(x, ".*");
	x->emitted = 0;
}

/* Writes \Q...\E: every byte up to \E is a literal. */
static void
exp_quote(struct exp *x)
{
	while (x->p < x->end) {
		if (x->end - x->p >= 2 && x->p[0] == '\\' && x->p[1] == 'E') {
			x->p += 2;
			return;
		}
		exp_char(x, (unsigned char)*x->p++);
	}
}

/*
 * Writes the start (c '^') or end ('$') of the subject: kept on the
 * line, dropped in a message, and for a field a non-word byte or the
 * line's own edge (field values are delimited by quotes, spaces, '=').
 */
static void
exp_anchor(struct exp *x, char c)
{
	const char *open = x->fl == RULE_EXPORT_RG ? "(?:" : "(";

	if (x->anchors == EXP_ANCHOR_KEEP)
		exp_putc(x, c);
	if (x->anchors != EXP_ANCHOR_DELIM)
		return;
	exp_puts(x, open);
	exp_putc(x, c);
	exp_puts(x, "|[^0-9A-Z_a-z])");
}

/* Writes an anchor or word boundary; 1 if e was one. */
static int
exp_assertion(struct exp *x, char e)
{
	switch (e) {
	case 'b': exp_puts(x, "\\b"); break;
	case 'B': exp_puts(x, "\\B"); break;
	case 'A':
	case 'G': exp_anchor(x, '^'); break;
	case 'z':
	case 'Z': exp_anchor(x, '$'); break;
	case 'K': break;
	default: return 0;
	}
	x->emitted = 0;
	return 1;
}

/* Translates the escape after a backslash outside a class. */
static void
exp_escape(struct exp *x)
{
	struct exp_set s;
	char           e;
	int            c;

	if (x->p >= x->end) {
		x->why = "a trailing backslash";
		return;
	}
	e = *x->p++;
	if (set_escape(&s, e)) {
		exp_set_out(x, &s);
		return;
	}
	if (exp_assertion(x, e))
		return;
	if (e == 'Q') {
		exp_quote(x);
		return;
	}
	if (e == 'E')
		return;
	if ((e >= '1' && e <= '9') || e == 'g' || e == 'k') {
		exp_backref(x, e);
		return;
	}
	if ((c = exp_esc_byte(x, e)) >= 0)
		exp_char(x, c);
}

/* Adds the POSIX class at x->p ("[:alpha:]" after its '[') to s. */
static int
exp_posix(struct exp *x, struct exp_set *s)
{
	static const char *const names[] = {"alpha", "digit", "alnum", "upper",
	    "lower", "space", "blank", "punct", "print", "graph", "cntrl",
	    "xdigit", "word", "ascii", NULL};
	static int (*const tests[])(int) = {isalpha, isdigit, isalnum, isupper,
	    islower, isspace, isblank, ispunct, isprint, isgraph, iscntrl,
	    isxdigit, NULL, NULL};
	const char    *close, *name = x->p + 1;
	struct exp_set t;
	int            i, c, neg = *name == '^';

	close = memchr(name, ']', (size_t)(x->end - name));
	name += neg;
	for (i = 0; close != NULL && names[i] != NULL; i++)
		if (close - name == (long)strlen(names[i]) + 1 &&
		    strncmp(name, names[i], strlen(names[i])) == 0 &&
		    close[-1] == ':')
			break;
	if (close == NULL || names[i] == NULL) {
		x->why = "an unknown POSIX class";
		return -1;
	}
	memset(&t, 0, sizeof(t));
	for (c = 0; c < 128; c++)
		if (tests[i] != NULL ? tests[i](c) != 0
				     : i == 13 || isalnum(c) || c == '_')
			set_add(&t, c);
	if (neg)
		set_invert(&t);
	for (c = 0; c < 256; c++)
		if (set_has(&t, c))
			set_add(s, c);
	x->p = close + 1;
	return -2;
}

/*
 * Reads one class member into s: returns its byte (not yet added, it may
 * start a range), -2 when it was a set (\d, [:alpha:]) added already, -1
 * on error.
 */
static int
exp_class_atom(struct exp *x, struct exp_set *s)
{
	struct exp_set t;
	int            c = (unsigned char)*x->p++, v;

	if (c == '[' && x->p < x->end && *x->p == ':')
		return exp_posix(x, s);
	if (c != '\\')
		return c;
	if (x->p >= x->end) {
		x->why = "an unterminated class";
		return -1;
	}
	c = (unsigned char)*x->p++;
	if (set_escape(&t, (char)c)) {
		for (v = 0; v < 256; v++)
			if (set_has(&t, v))
				set_add(s, v);
		return -2;
	}
	if (c == 'b')
		return '\b';
	if (c >= '1' && c <= '7') {
		x->p--;
		exp_number(x, 8, 3, &v);
		return v;
	}
	return exp_esc_byte(x, (char)c);
}

/* Adds the range from lo to the member after the '-' at x->p to s. */
static int
exp_class_range(struct exp *x, struct exp_set *s, int lo)
{
	int hi;

	x->p++;
	if ((hi = exp_class_atom(x, s)) == -1)
		return -1;
	if (hi == -2) { /* [a-\d]: the '-' is a literal */
		set_add(s, lo);
		set_add(s, '-');
		return 0;
	}
	if (hi < lo) {
		x->why = "a range out of order";
		return -1;
	}
	set_range(s, lo, hi);
	return 0;
}

/* Translates a class after its '['. */
static void
exp_class(struct exp *x)
{
	struct exp_set s;
	int            c, neg = 0, first = 1;

	memset(&s, 0, sizeof(s));
	if (x->p < x->end && *x->p == '^') {
		neg = 1;
		x->p++;
	}
	for (;;) {
		if (x->p >= x->end) {
			x->why = "an unterminated class";
			return;
		}
		if (*x->p == ']' && !first)
			break;
		first = 0;
		if ((c = exp_class_atom(x, &s)) == -1)
			return;
		if (c >= 0 && x->end - x->p >= 2 && x->p[0] == '-' &&
		    x->p[1] != ']') {
			if (exp_class_range(x, &s, c) == -1)
				return;
		} else if (c >= 0)
			set_add(&s, c);
	}
	x->p++;
	if (x->caseless)
		set_fold(&s);
	if (neg)
		set_invert(&s);
	exp_set_out(x, &s);
}

/* Skips to just past the ')' that closes the group being skipped. */
static void
exp_skip_group(struct exp *x)
{
	int  depth = 1, in_class = 0;
	char c;

	while (x->p < x->end) {
		c = *x->p++;
		if (c == '\\' && x->p < x->end)
			x->p++;
		else if (in_class && c == ']')
			in_class = 0;
		else if (!in_class && c == '[') {
			in_class = 1;
			if (x->p < x->end && *x->p == '^')
				x->p++;
			if (x->p < x->end && *x->p == ']')
				x->p++;
		} else if (!in_class && c == '(')
			depth++;
		else if (!in_class && c == ')' && --depth == 0)
			return;
	}
	x->why = "a missing )";
}

/* Skips past the next close byte; "a missing" it when there is none. */
static void
exp_skip_to(struct exp *x, char close)
{
	const char *q = memchr(x->p, close, (size_t)(x->end - x->p));

	if (q == NULL)
		x->why = "a malformed group name";
	else
		x->p = q + 1;
}

/*
 * Applies inline flags after "(?" (i and x matter; m s n J U do not for
 * whole lines). Returns 1 if a group body follows (':'), 0 if the flags
 * hold to the end of the enclosing group (')'), -1 on error.
 */
static int
exp_flags(struct exp *x)
{
	int  on = 1;
	char c;

	while (x->p < x->end) {
		c = *x->p++;
		if (c == ')' || c == ':')
			return c == ':';
		if (c == '-')
			on = 0;
		else if (c == '^')
			x->caseless = x->extended = 0;
		else if (c == 'i')
			x->caseless = on;
		else if (c == 'x')
			x->extended = on;
		else if (strchr("msnJU", c) == NULL)
			break;
	}
	x->why = "a group construct with no translation";
	return -1;
}

/*
 * Reads what follows "(?": 1 if a group body follows, 0 if the group was
 * consumed whole (a comment, a lookaround, flags), -1 on error.
 */
static int
exp_group_head(struct exp *x)
{
	char c, d;

	if (x->p >= x->end) {
		x->why = "a missing )";
		return -1;
	}
	c = *x->p++;
	d = x->p < x->end ? *x->p : 0;
	switch (c) {
	case '#': exp_skip_to(x, ')'); return 0;
	case ':':
	case '|':
	case '>': return 1;
	case '=':
	case '!': exp_skip_group(x); return 0; /* lookarounds: dropped */
	case '<':
		if (d == '=' || d == '!') {
			exp_skip_group(x);
			return 0;
		}
		exp_skip_to(x, '>');
		return 1;
	case '\'': exp_skip_to(x, '\''); return 1;
	case 'P':
		if (d == '<') {
			exp_skip_to(x, '>');
			return 1;
		}
		if (d == '=') {
			exp_skip_to(x, ')');
			exp_puts(x, ".*");
			return 0;
		}
		break;
	}
	x->p--;
	return exp_flags(x);
}

/* Translates a group after its '(', its flags scoped to it. */
static void
exp_group(struct exp *x)
{
	int caseless = x->caseless, extended = x->extended, body = 1;

	if (x->depth >= EXP_NEST_MAX) {
		x->why = "groups nested too deep";
		return;
	}
	if (x->p < x->end && *x->p == '*') {
		x->why = "a verb with no translation";
		return;
	}
	if (x->p < x->end && *x->p == '?') {
		x->p++;
		if ((body = exp_group_head(x)) != 1) {
			x->emitted = 0;
			return;
		}
	}
	exp_puts(x, x->fl == RULE_EXPORT_RG ? "(?:" : "(");
	x->depth++;
	exp_alt(x);
	x->depth--;
	if (x->why == NULL && (x->p >= x->end || *x->p != ')'))
		x->why = "a missing )";
	x->p++;
	exp_putc(x, ')');
	x->caseless = caseless;
	x->extended = extended;
	x->emitted = 1;
}

/* 1 if x->p (just after '{') reads as a quantifier {n}, {n,} or {n,m}. */
static int
exp_is_braces(const struct exp *x)
{
	const char *q = x->p;

	if (q >= x->end || !isdigit((unsigned char)*q))
		return 0;
	while (q < x->end && isdigit((unsigned char)*q))
		q++;
	if (q < x->end && *q == ',')
		for (q++; q < x->end && isdigit((unsigned char)*q); q++)
			;
	return q < x->end && *q == '}';
}

/*
 * Writes a quantifier that starts with c, where the item before it was
 * written (one that was dropped, an anchor or lookaround, takes it
 * along). Lazy and possessive suffixes are dropped: the same lines match.
 */
static void
exp_quant(struct exp *x, char c)
{
	const char *start = x->p - 1;

	if (c == '{')
		x->p = (const char *)memchr(
			   x->p, '}', (size_t)(x->end - x->p)) +
		    1;
	if (x->emitted)
		exp_put(x, start, (size_t)(x->p - start));
	if (x->p < x->end && (*x->p == '?' || *x->p == '+'))
		x->p++;
	x->emitted = 0;
}

/* Translates one item of a sequence. */
static void
exp_item(struct exp *x)
{
	char c = *x->p++;

	if (x->extended && isspace((unsigned char)c))
		return;
	if (x->extended && c == '#') {
		while (x->p < x->end && *x->p != '\n')
			x->p++;
		return;
	}
	switch (c) {
	case '\\': exp_escape(x); break;
	case '[': exp_class(x); break;
	case '(': exp_group(x); break;
	case '.':
		exp_putc(x, '.');
		x->emitted = 1;
		break;
	case '^':
	case '$':
		exp_anchor(x, c);
		x->emitted = 0;
		break;
	case '*':
	case '+':
	case '?': exp_quant(x, c); break;
	default:
		if (c == '{' && exp_is_braces(x))
			exp_quant(x, c);
		else
			exp_char(x, (unsigned char)c);
	}
}

/* Translates alternatives up to the ')' closing the group, or the end. */
static void
exp_alt(struct exp *x)
{
	x->emitted = 0;
	while (x->why == NULL && x->p < x->end && *x->p != ')') {
		if (*x->p == '|') {
			x->p++;
			exp_putc(x, '|');
			x->emitted = 0;
			continue;
		}
		exp_item(x);
	}
}

/*
 * Translates pattern (with rule flags, "i" and "x", or NULL) on field (a
 * rule's "field": NULL for the message) into buf for flavor fl, to be
 * run on whole lines. Returns the length written, or -1 with *why saying
 * what has no translation.
 */
int
rule_export_pattern(const char *pattern, const char *flags, const char *field,
    enum rule_export_flavor fl, char *buf, size_t size, const char **why)
{
	struct exp x;

	memset(&x, 0, sizeof(x));
	x.p = pattern;
	x.end = pattern + strlen(pattern);
	x.fl = fl;
	if (field == NULL || strcmp(field, "message") == 0)
		x.anchors = EXP_ANCHOR_DROP;
	else
		x.anchors = strcmp(field, "line") == 0 ? EXP_ANCHOR_KEEP
						       : EXP_ANCHOR_DELIM;
	x.caseless = flags != NULL && strchr(flags, 'i') != NULL;
	x.extended = flags != NULL && strchr(flags, 'x') != NULL;
	x.buf = buf;
	x.size = size;
	/* Bytes, not UTF-8, and ASCII classes: the rules' PCRE2_NEVER_UTF. */
	if (fl == RULE_EXPORT_RG)
		exp_puts(&x, "(?-u:");
	exp_alt(&x);
	if (x.why == NULL && x.p < x.end)
		x.why = "an unmatched )";
	if (fl == RULE_EXPORT_RG)
		exp_putc(&x, ')');
	*why = x.why;
	if (x.why != NULL || size == 0)
		return -1;
	buf[x.n] = '\0';
	return (int)x.n;
}

/* Starts a translation into buf for flavor fl on a field's whole line. */
static void
exp_init(struct exp *x, enum rule_export_flavor fl, char *buf, size_t size)
{
	memset(x, 0, sizeof(*x));
	x->fl = fl;
	x->anchors = EXP_ANCHOR_DELIM;
	x->buf = buf;
	x->size = size;
	if (fl == RULE_EXPORT_RG)
		exp_puts(x, "(?-u:");
}

/* Writes "one of the digits from a to b". */
static void
exp_digit_range(struct exp *x, char a, char b)
{
	char t[6];

	if (a == b)
		exp_putc(x, a);
	else {
		snprintf(t, sizeof(t), "[%c-%c]", a, b);
		exp_puts(x, t);
	}
}

/* Writes n "any digit"s. */
static void
exp_any_digits(struct exp *x, size_t n)
{
	for (; n > 0; n--)
		exp_puts(x, "[0-9]");
}

/* 1 if the n bytes at s are all c. */
static int
exp_all(const char *s, size_t n, char c)
{
	for (; n > 0; n--, s++)
		if (*s != c)
			return 0;
	return 1;
}

/*
 * Writes a regex for the integers from lo to hi, both n digits long
 * (decimal strings, lo <= hi): the common first digit, else up to three
 * branches (lo's first digit, the digits between, hi's first digit).
 */
static void
exp_span(struct exp *x, const char *lo, const char *hi, size_t n)
{
	char a = lo[0], b = hi[0], nines[32], zeros[32];
	int  lo_branch = !exp_all(lo + 1, n - 1, '0');
	int  hi_branch = !exp_all(hi + 1, n - 1, '9');

	if (n == 0)
		return;
	if (a == b) {
		exp_putc(x, a);
		exp_span(x, lo + 1, hi + 1, n - 1);
		return;
	}
	memset(nines, '9', n - 1);
	memset(zeros, '0', n - 1);
	exp_puts(x, x->fl == RULE_EXPORT_RG ? "(?:" : "(");
	if (lo_branch) {
		exp_putc(x, a);
		exp_span(x, lo + 1, nines, n - 1);
		exp_putc(x, '|');
	}
	if (a + lo_branch <= b - hi_branch) {
		exp_digit_range(
		    x, (char)(a + lo_branch), (char)(b - hi_branch));
		exp_any_digits(x, n - 1);
		exp_putc(x, '|');
	}
	if (hi_branch) {
		exp_putc(x, b);
		exp_span(x, zeros, hi + 1, n - 1);
	} else
		x->n--; /* the last '|' */
	exp_putc(x, ')');
}

/*
 * Writes a regex for the integers from lo to hi (hi < 0: no bound),
 * one span per number of digits.
 */
static void
exp_int_range(struct exp *x, long long lo, long long hi)
{
	char   a[24], b[24];
	size_t d, dlo = (size_t)snprintf(a, sizeof(a), "%lld", lo);
	size_t dhi = hi < 0 ? dlo : (size_t)snprintf(b, sizeof(b), "%lld", hi);

	exp_puts(x, x->fl == RULE_EXPORT_RG ? "(?:" : "(");
	for (d = dlo; d <= dhi; d++) {
		if (d > dlo)
			exp_putc(x, '|');
		if (d > dlo)
			snprintf(a, sizeof(a), "1%0*d", (int)d - 1, 0);
		if (d < dhi || hi < 0)
			memset(b, '9', d);
		else
			snprintf(b, sizeof(b), "%lld", hi);
		exp_span(x, a, b, d);
	}
	if (hi < 0) {
		snprintf(b, sizeof(b), "|[1-9][0-9]{%zu,}", dlo);
		exp_puts(x, b);
	}
	exp_putc(x, ')');
}

/*
 * Narrows [*lo, *hi] (integer parts; *hi < 0 none) by the comparison
 * cond; 0, or -1 if cond is not a comparison. "!=" narrows nothing.
 */
static int
exp_compare(const char *cond, double *lo, double *hi)
{
	size_t n = strspn(cond, "<>=!");
	char  *end;
	double v;

	if (n == 0 || n > 2)
		return -1;
	v = strtod(cond + n, &end);
	if (end == cond + n)
		return -1;
	if (cond[0] == '>' || cond[0] == '=')
		*lo = fmax(*lo, floor(v));
	if (cond[0] == '<' || cond[0] == '=')
		*hi = *hi < 0 ? floor(v) : fmin(*hi, floor(v));
	return 0;
}

/*
 * Writes a token of the field's number for the comparisons of rule r on
 * field (their integer parts; a fraction, leading zeros and signs are
 * allowed, negative numbers whenever the range reaches below 0).
 */
static void
exp_numeric(struct exp *x, const struct rule *r, const char *field)
{
	double lo = -INFINITY, hi = -1;
	int    i;

	for (i = 0; i < r->nwhere; i++)
		if (strcmp(r->where_field[i], field) == 0 &&
		    exp_compare(r->where_cond[i], &lo, &hi) == -1)
			x->why = "a condition with no translation";
	exp_anchor(x, '^');
	exp_puts(x, x->fl == RULE_EXPORT_RG ? "(?:" : "(");
	if (lo < 0 || hi < 0 || hi >= EXP_NUM_MAX)
		exp_puts(x, "-[0-9]*(\\.[0-9]*)?|");
	if (lo <= 0)
		exp_puts(x, "\\.[0-9]+|");
	exp_puts(x, "\\+?0*");
	if (hi >= 0 && lo > hi)
		x->why = "comparisons no number meets";
	else
		exp_int_range(x, lo < 0 ? 0 : (long long)lo,
		    hi < 0 || hi >= EXP_NUM_MAX ? -1 : (long long)hi);
	exp_puts(x, "(\\.[0-9]*)?)");
	exp_anchor(x, '$');
}

/* 1 if cond is a comparison (">=500"), not a regex. */
static int
exp_is_comparison(const char *cond)
{
	size_t n = strspn(cond, "<>=!");

	return n > 0 && n <= 2 &&
	    (isdigit((unsigned char)cond[n]) || cond[n] == '-' ||
		cond[n] == '.' || cond[n] == '+');
}

/*
 * Translates rule r for flavor fl into buf: its pattern (the conditions
 * only narrow it further), or without one, one of its conditions: the
 * first regex, else the numeric range of the first compared field.
 * Returns the length, or -1 with *why.
 */
int
rule_export_rule(const struct rule *r, enum rule_export_flavor fl, char *buf,
    size_t size, const char **why)
{
	struct exp x;
	int        i;

	if (r->pattern != NULL)
		return rule_export_pattern(
		    r->pattern, r->flags, r->field, fl, buf, size, why);
	for (i = 0; i < r->nwhere; i++)
		if (!exp_is_comparison(r->where_cond[i]))
			return rule_export_pattern(r->where_cond[i], NULL,
			    r->where_field[i], fl, buf, size, why);
	*why = "no pattern and no condition";
	if (r->nwhere == 0)
		return -1;
	exp_init(&x, fl, buf, size);
	exp_numeric(&x, r, r->where_field[0]);
	if (fl == RULE_EXPORT_RG)
		exp_putc(&x, ')');
	*why = x.why;
	if (x.why != NULL || size == 0)
		return -1;
	buf[x.n] = '\0';
	return (int)x.n;
}

/*
 * Writes every rule, translated for fl, one per line to fp in load
 * order. A rule with no translation is reported as FILE:LINE and left
 * out; returns the number left out.
 */
int
rule_export_set(
    const struct rule_set *set, enum rule_export_flavor fl, FILE *fp)
{
	const struct rule *r;
	const char        *why;
	char               buf[8192];
	int                i, errors = 0;

	for (i = 0; i < rule_set_count(set); i++) {
		r = rule_set_get(set, i);
		if (rule_export_rule(r, fl, buf, sizeof(buf), &why) == -1) {
			rule_report(r->file, r->line, r->id,
			    "pattern not exported for %s: %s", flavor_names[fl],
			    why);
			errors++;
			continue;
		}
		fprintf(fp, "%s\n", buf);
	}
	return errors;
}
