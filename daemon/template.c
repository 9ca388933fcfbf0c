/*
 * template: mines line templates online for the lines no rule matched.
 * A line is cut into tokens, variables are folded to "<*>", and the
 * template is found Drain's way: a leaf by source, token count and leading
 * tokens, then the most similar template there. Per template it keeps
 * counts, a short window and a decayed baseline, and decides whether the
 * line is surfaced (error-like and new, or spiking). No clock, no I/O.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "utf8.h"
#include "xmalloc.h"

#define TPL_NBUCKET   5  /* slots of the short window */
#define TPL_SCAN      64 /* held templates skipped when evicting */
#define TPL_TOKEN_VAR 64 /* a longer token is a variable */
#define TPL_WLEN      3  /* strlen(TEMPLATE_WILDCARD) */

#define TPL_ERR  0x01 /* an error word */
#define TPL_OK   0x02 /* a success word: not error-like by words */
#define TPL_AUTH 0x04 /* a credentials word: a client's failure */

/* A line cut into folded tokens, or a template's tokens. */
struct tpl_line {
	char     text[TEMPLATE_TEXT_MAX + 1];
	size_t   len;
	int      ntok;
	uint16_t off[TEMPLATE_TOKENS_MAX + 1]; /* off[ntok]: len + 1 */
	uint64_t nummask;                      /* tokens that were numbers */
};

/* One template: its tokens, where it lives, its counts and episode. */
struct tpl {
	uint32_t          id; /* 0: slot unused */
	int               source;
	uint32_t          path;         /* hash of the tree path */
	int               bnext;        /* next in its hash bucket */
	int               gprev, gnext; /* LRU over all, newest first */
	int               sprev, snext; /* LRU of its source */
	unsigned          flags;        /* TPL_ERR, TPL_OK, TPL_AUTH */
	uint64_t          count;
	int64_t           first_ns, last_ns;
	uint64_t          line_first, line_last;
	uint32_t          win[TPL_NBUCKET]; /* the short window */
	int64_t           epoch;            /* slot index of the newest line */
	double            base;    /* decayed count before the window */
	int64_t           base_ns; /* time base was brought to */
	enum template_why ep_why;  /* NONE: no episode */
	int64_t           ep_first_ns, ep_last_ns;
	uint64_t          ep_count, ep_line;
	struct tpl_line   tok;
};

/* What the miner knows of one source. */
struct tpl_src {
	int      used;
	uint64_t lines;
	int64_t  first_ns, now_ns;
	int      n;          /* templates */
	int      head, tail; /* its LRU, newest first */
	uint64_t once;       /* templates seen exactly once */
	uint64_t snap_once;  /* once and lines at snap_ns, before a run */
	uint64_t snap_lines; /* ...of creations (tpl_source_made()) */
	int64_t  snap_ns;
	int      snapped;
	double   recent;    /* lines, decayed over warm_ns */
	int64_t  recent_ns; /* time recent was brought to */
};

struct template_miner {
	struct template_conf conf;
	struct tpl          *t; /* slots 0 .. nt-1 in use */
	int                  nt, capt;
	int                 *bucket; /* heads, -1: empty */
	uint32_t             nbucket;
	struct tpl_src      *src;
	int                  nsrc;
	int                  ghead, gtail;
	int                  freel; /* slots of forgotten templates, by bnext */
	uint32_t             next_id;
	struct template_stats st;
	struct tpl_line       cur; /* the line being clustered */
};

/* ---- folding ---------------------------------------------------------- */

/* 1 if c may open a token around its core: brackets and quotes. */
static int
tpl_is_open(int c)
{
	switch (c) {
	case '(':
	case '[':
	case '{':
	case '<':
	case '"':
	case '\'':
	case '`': return 1;
	default: return 0;
	}
}

/* 1 if c may close a token around its core. */
static int
tpl_is_close(int c)
{
	switch (c) {
	case ')':
	case ']':
	case '}':
	case '>':
	case '"':
	case '\'':
	case '`':
	case ',':
	case ';':
	case ':':
	case '.':
	case '!':
	case '?': return 1;
	default: return 0;
	}
}

/* 1 if c is an ASCII letter. */
static int
tpl_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 if c is an ASCII digit. */
static int
tpl_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* 1 if c is a hex digit. */
static int
tpl_hex(int c)
{
	return tpl_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * 1 if s is a number as logs write them: a sign, digit groups joined by
 * '.' or ',', and units of up to three letters, repeated ("30000ms",
 * "1.5GB", "95%", "1h30m", "-3").
 */
static int
tpl_number(const char *s, size_t n)
{
	size_t i = 0, k;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i == n || !tpl_digit(s[i]))
		return 0;
	while (i < n) {
		while (i < n &&
		    (tpl_digit(s[i]) ||
			((s[i] == '.' || s[i] == ',') && i + 1 < n &&
			    tpl_digit(s[i + 1]))))
			i++;
		for (k = 0; i < n && (tpl_alpha(s[i]) || s[i] == '%'); k++)
			i++;
		if (k > 3 || (i < n && !tpl_digit(s[i])))
			return 0;
	}
	return 1;
}

/* 1 if s is only hex digits and dashes or colons, with a digit (ids). */
static int
tpl_hexish(const char *s, size_t n, int digits)
{
	size_t i, seps = 0, letters = 0;

	if (digits == 0)
		return 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '-' || s[i] == ':')
			seps++;
		else if (!tpl_hex(s[i]))
			return 0;
		else if (!tpl_digit(s[i]))
			letters++;
	}
	return n >= 6 && (letters > 0 || seps > 0);
}

/* 1 if s ends in ":port" after a host that is not a plain word. */
static int
tpl_hostport(const char *s, size_t n)
{
	const char *c = memrchr(s, ':', n);
	size_t      i, p;

	if (c == NULL || c == s)
		return 0;
	p = n - (size_t)(c - s) - 1;
	if (p == 0 || p > 5)
		return 0;
	for (i = 1; i <= p; i++)
		if (!tpl_digit(c[i]))
			return 0;
	return 1;
}

/*
 * Classifies a token's core: 0 a literal, 1 a variable, 2 a number.
 * Variables are what a line's author filled in: numbers with units, hex
 * and ids, addresses, host:port, dates and times, paths with digits,
 * long tokens, and words that are mostly digits.
 */
static int
tpl_class(const char *s, size_t n)
{
	size_t i, digits = 0, letters = 0, tz = 0, slash = 0;

	if (n > TPL_TOKEN_VAR)
		return 1;
	if (tpl_number(s, n)) /* an address or version is no count */
		return memchr(s, '.', n) != memrchr(s, '.', n) ? 1 : 2;
	for (i = 0; i < n; i++) {
		if (tpl_digit(s[i]))
			digits++;
		else if (tpl_alpha(s[i])) {
			letters++;
			tz += s[i] == 'T' || s[i] == 'Z';
		} else if (s[i] == '/' || s[i] == '\\')
			slash++;
	}
	if (digits == 0)
		return 0;
	if (letters == tz || slash > 0 || tpl_hexish(s, n, (int)digits) ||
	    tpl_hostport(s, n))
		return 1;
	return n >= 8 && digits >= 3 && digits * 4 >= n;
}

/* Appends b (n bytes) to the token being built in out (cap checked). */
static size_t
tpl_put(char *out, size_t o, size_t cap, const char *b, size_t n)
{
	if (o + n > cap)
		n = cap - o;
	memcpy(out + o, b, n);
	return o + n;
}

/* 1 if the token s..n is a quoted single value: 'x' or "x" or `x`. */
static int
tpl_quoted(const char *s, size_t n, size_t p, size_t q)
{
	return p > 0 && q > 0 && (s[0] == '"' || s[0] == '\'' || s[0] == '`') &&
	    memchr(s + n - q, s[0], q) != NULL;
}

/* 1 if s is a plain name: letters, '_', '-', '.' (a key before ':'). */
static int
tpl_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!tpl_alpha(s[i]) && s[i] != '_' && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return n > 0;
}

/*
 * Classifies a core that may be "key=value" or "name:number": the key is
 * kept (its length in *keep), the value classified. Returns as tpl_class.
 */
static int
tpl_class_kv(const char *core, size_t cn, size_t *keep)
{
	const char *eq = memchr(core, '=', cn);

	*keep = 0;
	if (eq != NULL && eq > core) {
		*keep = (size_t)(eq - core) + 1;
		if (*keep == cn)
			return 0;
		if (core[*keep] == '"' || core[*keep] == '\'')
			return 1;
		return tpl_class(core + *keep, cn - *keep) != 0;
	}
	eq = memchr(core, ':', cn);
	if (eq != NULL && tpl_name(core, (size_t)(eq - core)) &&
	    tpl_number(eq + 1, cn - (size_t)(eq - core) - 1)) {
		*keep = (size_t)(eq - core) + 1; /* id:123 keeps "id:" */
		return 1;
	}
	return tpl_class(core, cn);
}

/*
 * Folds one token into out (cap >= n + 3): the core between its brackets
 * and punctuation is classified, a key=value or name:number keeps its
 * key, a variable becomes "<*>". Sets *num for a number.
 */
static size_t
tpl_fold_token(const char *s, size_t n, char *out, size_t cap, int *num)
{
	size_t p = 0, q = 0, keep, o, cn;
	int    cls;

	*num = 0;
	if (n > TPL_TOKEN_VAR)
		return tpl_put(out, 0, cap, TEMPLATE_WILDCARD, TPL_WLEN);
	while (p < n && tpl_is_open((unsigned char)s[p]))
		p++;
	while (q < n - p && tpl_is_close((unsigned char)s[n - 1 - q]))
		q++;
	if ((cn = n - p - q) == 0)
		return tpl_put(out, 0, cap, s, n);
	if (tpl_quoted(s, n, p, q)) {
		cls = 1;
		keep = 0;
	} else
		cls = tpl_class_kv(s + p, cn, &keep);
	*num = cls == 2 && keep == 0;
	o = tpl_put(out, 0, cap, s, p + keep);
	o = cls ? tpl_put(out, o, cap, TEMPLATE_WILDCARD, TPL_WLEN)
		: tpl_put(out, o, cap, s + p + keep, cn - keep);
	return tpl_put(out, o, cap, s + n - q, q);
}

/* 1 if s is printable ASCII only: nothing for utf8_sanitize() to do. */
static int
tpl_plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Cuts a message into folded tokens. A line keeps at most
 * TEMPLATE_TOKENS_MAX tokens and TEMPLATE_TEXT_MAX bytes, counting each
 * token as at least "<*>" long so that any later merge still fits.
 * Returns the number of tokens.
 */
static int
tpl_fold_line(const char *msg, size_t len, struct tpl_line *l)
{
	char        buf[TEMPLATE_LINE_MAX + 1], tok[TPL_TOKEN_VAR + 8];
	const char *b = msg;
	size_t      n, i = 0, s, tl, need;
	int         num;

	if ((n = len) > TEMPLATE_LINE_MAX)
		n = TEMPLATE_LINE_MAX;
	if (!tpl_plain(msg, n)) {
		n = utf8_sanitize(msg, len, buf, sizeof(buf));
		b = buf;
	}
	l->len = 0;
	l->ntok = 0;
	l->nummask = 0;
	while (l->ntok < TEMPLATE_TOKENS_MAX) {
		while (i < n && b[i] == ' ')
			i++;
		if (i == n)
			break;
		for (s = i; i < n && b[i] != ' '; i++)
			;
		tl = tpl_fold_token(b + s, i - s, tok, sizeof(tok), &num);
		need = (l->ntok > 0) + (tl < TPL_WLEN ? TPL_WLEN : tl);
		if (l->len + need > TEMPLATE_TEXT_MAX)
			break;
		if (l->ntok > 0)
			l->text[l->len++] = ' ';
		l->off[l->ntok] = (uint16_t)l->len;
		memcpy(l->text + l->len, tok, tl);
		l->len += tl;
		if (num)
			l->nummask |= UINT64_C(1) << l->ntok;
		l->ntok++;
	}
	l->text[l->len] = '\0';
	l->off[l->ntok] = (uint16_t)(l->len + 1);
	return l->ntok;
}

/* Token i of l: its text and length. */
static const char *
tpl_tok(const struct tpl_line *l, int i, size_t *n)
{
	*n = (size_t)(l->off[i + 1] - l->off[i] - 1);
	return l->text + l->off[i];
}

/* 1 if token i of l is the wildcard. */
static int
tpl_is_wild(const struct tpl_line *l, int i)
{
	size_t      n;
	const char *s = tpl_tok(l, i, &n);

	return n == TPL_WLEN && memcmp(s, TEMPLATE_WILDCARD, TPL_WLEN) == 0;
}

/* ---- error words -------------------------------------------------------- */

/* The core of token i (brackets and punctuation off), lower-cased. */
static size_t
tpl_core(const struct tpl_line *l, int i, char *out, size_t cap)
{
	size_t      n, p = 0, q = 0, k;
	const char *s = tpl_tok(l, i, &n);

	while (p < n && tpl_is_open((unsigned char)s[p]))
		p++;
	while (q < n - p && tpl_is_close((unsigned char)s[n - 1 - q]))
		q++;
	n -= p + q;
	if (n >= cap)
		return 0;
	for (k = 0; k < n; k++) {
		out[k] = s[p + k];
		if (out[k] >= 'A' && out[k] <= 'Z')
			out[k] = (char)(out[k] - 'A' + 'a');
	}
	out[n] = '\0';
	return n;
}

/* 1 if w is in the NULL-terminated list. */
static int
tpl_in(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* Error words, matched whole on a token's lower-cased core. */
static const char *const tpl_err_words[] = {"error", "errors", "fail", "fails",
    "failed", "failing", "failure", "failures", "fatal", "exception",
    "exceptions", "panic", "panicked", "refused", "timeout", "timeouts",
    "unavailable", "denied", "cannot", "can't", "couldn't", "unable", "abort",
    "aborted", "aborting", "killed", "crash", "crashed", "crashing",
    "unreachable", "unhealthy", "deadlock", "segfault", "critical", "corrupted",
    "corruption", NULL};

/* Counted nouns: "errors: 3" is a counter, not an error. */
static const char *const tpl_counted[] = {"errors", "failures", "failed",
    "fails", "timeouts", "exceptions", "crashes", "aborted", "refused",
    "denied", NULL};

/* A word before an error word that makes it none: "no errors". */
static const char *const tpl_negators[] = {
    "no", "without", "zero", "0", "non", NULL};

/* Success words: "retrying after error ... ok" is not an error. */
static const char *const tpl_ok_words[] = {"ok", "succeeded", "success",
    "successful", "successfully", "recovered", "resolved", "restored", "done",
    NULL};

/*
 * Credentials words: a failed login or password is the client's failure
 * (a typo, a scanner), a security signal rather than an outage; words
 * alone do not make it error-like, an error severity still does.
 */
static const char *const tpl_auth_words[] = {"password", "authentication",
    "authenticate", "unauthenticated", "unauthorized", "credentials", NULL};

/* 1 if the raw token i of l ends in "Exception", "Error" or is "Errno". */
static int
tpl_error_class(const struct tpl_line *l, int i)
{
	static const char *const suf[] = {"Exception", "Error", NULL};
	char                     w[80];
	size_t                   n, k, p = 0;
	const char              *s = tpl_tok(l, i, &n);

	while (n > 0 && tpl_is_close((unsigned char)s[n - 1]))
		n--;
	while (p < n && tpl_is_open((unsigned char)s[p]))
		p++;
	if (n - p >= sizeof(w))
		return 0;
	memcpy(w, s + p, n - p);
	w[n - p] = '\0';
	for (k = 0; suf[k] != NULL; k++) {
		size_t sl = strlen(suf[k]);

		if (n - p > sl && strcmp(w + n - p - sl, suf[k]) == 0)
			return 1;
	}
	return strncmp(w, "Errno", 5) == 0;
}

/* 1 if the error word at i is a counter or negated: "3 failed", "no error". */
static int
tpl_counter(const struct tpl_line *l, int i, const char *w)
{
	char        prev[32];
	size_t      n;
	const char *s = tpl_tok(l, i, &n);

	if (i > 0 && (l->nummask & (UINT64_C(1) << (i - 1))))
		return 1;
	if (i > 0 && tpl_core(l, i - 1, prev, sizeof(prev)) > 0 &&
	    tpl_in(prev, tpl_negators))
		return 1;
	return tpl_in(w, tpl_counted) && i + 1 < l->ntok &&
	    (s[n - 1] == ':' || s[n - 1] == '=') &&
	    (l->nummask & (UINT64_C(1) << (i + 1)));
}

/* 1 if token i starts a two-word error: "timed out", "could not". */
static int
tpl_error_pair(const struct tpl_line *l, int i, const char *w)
{
	char next[16];

	if (i + 1 >= l->ntok || tpl_core(l, i + 1, next, sizeof(next)) == 0)
		return 0;
	return (strcmp(w, "timed") == 0 && strcmp(next, "out") == 0) ||
	    ((strcmp(w, "could") == 0 || strcmp(w, "can") == 0) &&
		strcmp(next, "not") == 0);
}

/* 1 if token i of l is an error word that counts. */
static int
tpl_error_word(const struct tpl_line *l, int i)
{
	char w[32];

	if (tpl_core(l, i, w, sizeof(w)) == 0)
		return tpl_error_class(l, i);
	if (!tpl_in(w, tpl_err_words) && !tpl_error_pair(l, i, w) &&
	    !tpl_error_class(l, i))
		return 0;
	return !tpl_counter(l, i, w);
}

/* TPL_ERR, TPL_OK and TPL_AUTH for the tokens of l. */
static unsigned
tpl_words(const struct tpl_line *l)
{
	unsigned flags = 0;
	char     w[32];
	int      i;

	for (i = 0; i < l->ntok; i++) {
		if (tpl_error_word(l, i))
			flags |= TPL_ERR;
		else if (tpl_core(l, i, w, sizeof(w)) == 0)
			continue;
		else if (tpl_in(w, tpl_ok_words))
			flags |= TPL_OK;
		else if (tpl_in(w, tpl_auth_words))
			flags |= TPL_AUTH;
	}
	return flags;
}

/* ---- the tree ------------------------------------------------------------ */

/* FNV-1a over n bytes, continuing h. */
static uint32_t
tpl_hash(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= 16777619u;
	}
	return h;
}

/*
 * The leaf of a line in Drain's fixed-depth tree, as a hash of its path:
 * source, token count, then the first depth tokens, a token with a digit
 * taking the wildcard branch. Internal nodes are implicit.
 */
static uint32_t
tpl_path(const struct template_miner *m, int source, const struct tpl_line *l)
{
	uint32_t    h = 2166136261u;
	const char *s;
	size_t      n, k;
	int         i, digit;

	h = tpl_hash(h, &source, sizeof(source));
	h = tpl_hash(h, &l->ntok, sizeof(l->ntok));
	for (i = 0; i < l->ntok && i < m->conf.depth; i++) {
		s = tpl_tok(l, i, &n);
		for (digit = 0, k = 0; k < n && !digit; k++)
			digit = tpl_digit(s[k]);
		if (digit)
			s = TEMPLATE_WILDCARD, n = TPL_WLEN;
		h = tpl_hash(h, s, n);
		h = tpl_hash(h, "", 1);
	}
	return h;
}

/*
 * Drain's similarity of line l to template t: equal tokens over the token
 * count, a wildcard matching a wildcard. -1 if they differ where either
 * has an error word: an error word is never folded into a variable.
 */
static double
tpl_similarity(const struct tpl_line *t, const struct tpl_line *l)
{
	const char *a, *b;
	size_t      an, bn;
	int         i, eq = 0;

	for (i = 0; i < l->ntok; i++) {
		a = tpl_tok(t, i, &an);
		b = tpl_tok(l, i, &bn);
		if (an == bn && memcmp(a, b, an) == 0)
			eq++;
		else if (tpl_error_word(l, i) ||
		    (!tpl_is_wild(t, i) && tpl_error_word(t, i)))
			return -1;
	}
	return (double)eq / (double)l->ntok;
}

/* Rewrites t's tokens with a wildcard wherever l differs; 1 if changed. */
static int
tpl_merge(struct tpl_line *t, const struct tpl_line *l)
{
	struct tpl_line out;
	const char     *a, *b;
	size_t          an, bn;
	int             i, changed = 0;

	out.len = 0;
	out.ntok = t->ntok;
	out.nummask = t->nummask & l->nummask;
	for (i = 0; i < t->ntok; i++) {
		a = tpl_tok(t, i, &an);
		b = tpl_tok(l, i, &bn);
		if (an != bn || memcmp(a, b, an) != 0) {
			changed |= !tpl_is_wild(t, i);
			a = TEMPLATE_WILDCARD, an = TPL_WLEN;
		}
		if (i > 0)
			out.text[out.len++] = ' ';
		out.off[i] = (uint16_t)out.len;
		memcpy(out.text + out.len, a, an);
		out.len += an;
	}
	out.text[out.len] = '\0';
	out.off[out.ntok] = (uint16_t)(out.len + 1);
	changed |= out.nummask != t->nummask;
	*t = out;
	return changed;
}

/*
 * The index of the best template for m->cur in its leaf, or -1; *same
 * says every token is already equal (nothing to merge).
 */
static int
tpl_find(struct template_miner *m, int source, uint32_t path, int *same)
{
	struct tpl *t;
	double      sim, best = -1;
	int         i, found = -1;

	for (i = m->bucket[path & (m->nbucket - 1)]; i != -1; i = t->bnext) {
		t = &m->t[i];
		if (t->path != path || t->source != source ||
		    t->tok.ntok != m->cur.ntok)
			continue;
		sim = tpl_similarity(&t->tok, &m->cur);
		if (sim > best ||
		    (sim == best && found != -1 && t->id < m->t[found].id)) {
			best = sim;
			found = i;
		}
	}
	*same = best == 1.0;
	return best >= m->conf.sim ? found : -1;
}

/* ---- lists ----------------------------------------------------------- */

/* Unlinks slot i from the global and its source's LRU lists. */
static void
tpl_lru_unlink(struct template_miner *m, int i)
{
	struct tpl     *t = &m->t[i];
	struct tpl_src *s = &m->src[t->source];

	if (t->gprev != -1)
		m->t[t->gprev].gnext = t->gnext;
	else
		m->ghead = t->gnext;
	if (t->gnext != -1)
		m->t[t->gnext].gprev = t->gprev;
	else
		m->gtail = t->gprev;
	if (t->sprev != -1)
		m->t[t->sprev].snext = t->snext;
	else
		s->head = t->snext;
	if (t->snext != -1)
		m->t[t->snext].sprev = t->sprev;
	else
		s->tail = t->sprev;
}

/* Links slot i at the head (newest) of both LRU lists. */
static void
tpl_lru_push(struct template_miner *m, int i)
{
	struct tpl     *t = &m->t[i];
	struct tpl_src *s = &m->src[t->source];

	t->gprev = -1;
	t->gnext = m->ghead;
	if (m->ghead != -1)
		m->t[m->ghead].gprev = i;
	m->ghead = i;
	if (m->gtail == -1)
		m->gtail = i;
	t->sprev = -1;
	t->snext = s->head;
	if (s->head != -1)
		m->t[s->head].sprev = i;
	s->head = i;
	if (s->tail == -1)
		s->tail = i;
}

/* Removes slot i from its hash bucket's chain. */
static void
tpl_bucket_unlink(struct template_miner *m, int i)
{
	int *p = &m->bucket[m->t[i].path & (m->nbucket - 1)];

	while (*p != i)
		p = &m->t[*p].bnext;
	*p = m->t[i].bnext;
}

/* 1 if t had an episode line within the hold time of its source's now. */
static int
tpl_held(const struct template_miner *m, const struct tpl *t)
{
	return t->ep_why != TEMPLATE_NONE &&
	    m->src[t->source].now_ns - t->ep_last_ns <= m->conf.hold_ns;
}

/*
 * A victim for eviction: the least recently seen template of the source
 * (per_source) or of all, skipping templates surfaced within the hold
 * time (up to TPL_SCAN of them). -1 if there is none.
 */
static int
tpl_victim(const struct template_miner *m, int source, int per_source)
{
	int i, k;

	i = per_source ? m->src[source].tail : m->gtail;
	for (k = 0; i != -1 && k < TPL_SCAN; k++) {
		if (!tpl_held(m, &m->t[i]))
			return i;
		i = per_source ? m->t[i].sprev : m->t[i].gprev;
	}
	return -1;
}

/* Frees slot i for reuse: off its lists, its source's count down. */
static void
tpl_evict(struct template_miner *m, int i)
{
	tpl_lru_unlink(m, i);
	tpl_bucket_unlink(m, i);
	m->src[m->t[i].source].n--;
	m->src[m->t[i].source].once -= m->t[i].count == 1;
	m->st.templates--;
	m->st.evicted++;
}

/*
 * A slot for a new template of source: a fresh one while under both caps
 * (the array grows by doubling up to the cap), else an evicted one; -1
 * when every candidate is held.
 */
static int
tpl_slot(struct template_miner *m, int source)
{
	int i, per = m->src[source].n >= m->conf.max_per_source;

	if (!per && m->freel != -1) {
		i = m->freel;
		m->freel = m->t[i].bnext;
		return i;
	}
	if (!per && m->nt < m->conf.max_templates) {
		if (m->nt == m->capt) {
			m->capt = m->capt * 2 > m->conf.max_templates
			    ? m->conf.max_templates
			    : m->capt * 2;
			m->t = xreallocarray(
			    m->t, (size_t)m->capt, sizeof(*m->t));
		}
		return m->nt++;
	}
	if ((i = tpl_victim(m, source, per)) != -1)
		tpl_evict(m, i);
	return i;
}

/* Makes a template of m->cur at path; its index, or -1 if no room. */
static int
tpl_create(struct template_miner *m, int source, uint32_t path)
{
	struct tpl *t;
	int         i;

	if ((i = tpl_slot(m, source)) == -1)
		return -1;
	t = &m->t[i];
	memset(t, 0, sizeof(*t));
	t->id = m->next_id++;
	t->source = source;
	t->path = path;
	t->tok = m->cur;
	t->flags = tpl_words(&t->tok);
	t->bnext = m->bucket[path & (m->nbucket - 1)];
	m->bucket[path & (m->nbucket - 1)] = i;
	tpl_lru_push(m, i);
	m->src[source].n++;
	m->st.templates++;
	m->st.created++;
	return i;
}

/* ---- rates and the decision --------------------------------------------- */

/* a / b rounded down (b > 0), also for negative a. */
static int64_t
tpl_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Adds n lines to t's baseline as of time at, decaying what it held. */
static void
tpl_base_add(const struct template_conf *c, struct tpl *t, int64_t at, double n)
{
	if (at > t->base_ns) {
		t->base *= exp(-(double)(at - t->base_ns) / (double)c->long_ns);
		t->base_ns = at;
	}
	t->base += n;
}

/*
 * Moves t's short window forward to slot e: the slots that leave it go
 * into the baseline at the end of their time.
 */
static void
tpl_window_move(const struct template_conf *c, struct tpl *t, int64_t e)
{
	int64_t width = c->short_ns / TPL_NBUCKET, b, last;
	int     k;

	last = e - TPL_NBUCKET < t->epoch ? e - TPL_NBUCKET : t->epoch;
	for (b = t->epoch - TPL_NBUCKET + 1; b <= last; b++) {
		k = (int)(((b % TPL_NBUCKET) + TPL_NBUCKET) % TPL_NBUCKET);
		if (t->win[k] > 0)
			tpl_base_add(c, t, (b + 1) * width, t->win[k]);
		t->win[k] = 0;
	}
	t->epoch = e;
}

/* Counts one line of t at ts (a line late in time joins the newest slot). */
static void
tpl_count(
    const struct template_conf *c, struct tpl *t, int64_t ts, uint64_t lineno)
{
	int64_t e = tpl_floordiv(ts, c->short_ns / TPL_NBUCKET);

	if (t->count == 0) {
		t->epoch = e;
		t->base_ns = ts;
		t->first_ns = ts;
		t->line_first = lineno;
	} else if (e > t->epoch)
		tpl_window_move(c, t, e);
	t->win[((t->epoch % TPL_NBUCKET) + TPL_NBUCKET) % TPL_NBUCKET]++;
	t->count++;
	if (ts > t->last_ns || t->count == 1)
		t->last_ns = ts;
	t->line_last = lineno;
}

/* 1 if the source has seen enough lines and event time to judge. */
static int
tpl_warm(const struct template_conf *c, const struct tpl_src *s)
{
	return s->lines >= c->warm_lines &&
	    s->now_ns - s->first_ns >= c->warm_ns;
}

/* Counts a line of source s at ts into its decayed recent count. */
static void
tpl_source_count(const struct template_conf *c, struct tpl_src *s, int64_t ts)
{
	if (ts > s->recent_ns) {
		if (c->warm_ns > 0)
			s->recent *= exp(
			    -(double)(ts - s->recent_ns) / (double)c->warm_ns);
		s->recent_ns = ts;
	}
	s->recent += 1;
}

/*
 * Notes that source s makes a template at ts. The counts the novelty
 * test reads are a snapshot, renewed at a creation once it is older than
 * hold_ns: an incident's burst of new templates (tracebacks, a dozen
 * errors at once) is judged against the source as it was before the
 * burst, a source that never stops making templates against itself.
 */
static void
tpl_source_made(const struct template_conf *c, struct tpl_src *s, int64_t ts)
{
	if (!s->snapped || ts - s->snap_ns > c->hold_ns) {
		s->snap_once = s->once;
		s->snap_lines = s->lines - 1;
		s->snap_ns = ts;
		s->snapped = 1;
	}
}

/*
 * 1 if the source had settled before the current run of creations:
 * templates seen once were at most novel_max of its lines. That share is
 * Good-Turing's estimate of the chance that the next line is a template
 * never seen: while it is high, the source is still being discovered and
 * "new" tells nothing. And it has recent traffic to compare with.
 */
static int
tpl_settled(const struct template_conf *c, const struct tpl_src *s)
{
	return (double)s->snap_once <= c->novel_max * (double)s->snap_lines &&
	    s->recent >= c->dense_min;
}

/*
 * The lines in t's short window if t spikes at ts, else 0: at least
 * spike_min lines in the window, at a rate over spike_factor times its
 * baseline rate (the lines before the window over the time the source was
 * seen before it, decayed).
 */
static uint64_t
tpl_spiking(const struct template_conf *c, const struct tpl_src *s,
    const struct tpl *t, int64_t ts)
{
	double  win = 0, base, norm, tau = (double)c->long_ns;
	int64_t seen = ts - c->short_ns - s->first_ns;
	int     k;

	for (k = 0; k < TPL_NBUCKET; k++)
		win += t->win[k];
	if (win < c->spike_min)
		return 0;
	if (seen <= 0)
		return (uint64_t)win;
	base = t->base * exp(-(double)(ts - t->base_ns) / tau);
	norm = tau * (1 - exp(-(double)seen / tau));
	return win * norm > c->spike_factor * base * (double)c->short_ns
	    ? (uint64_t)win
	    : 0;
}

/* 1 if the line is error-like: by severity, or by its template's words. */
static int
tpl_error_like(const struct template_conf *c, const struct tpl *t, int sev)
{
	if (sev >= 0 && sev <= 3)
		return 1;
	if (c->info_quiet && sev >= 5)
		return 0;
	return (t->flags & (TPL_ERR | TPL_OK | TPL_AUTH)) == TPL_ERR;
}

/*
 * Decides whether t's line at ts is surfaced: it continues an episode
 * (a line within hold_ns of the episode's last), or it is error-like and
 * new (created once its source was warm) or spiking; *start says it opened
 * an episode. Returns the why.
 */
static enum template_why
tpl_decide(struct template_miner *m, struct tpl *t, int created, int error,
    int64_t ts, uint64_t lineno, int *start)
{
	const struct template_conf *c = &m->conf;
	const struct tpl_src       *s = &m->src[t->source];
	enum template_why           why = TEMPLATE_NONE;
	uint64_t                    win = 0;

	*start = 0;
	if (t->ep_why != TEMPLATE_NONE && ts - t->ep_last_ns <= c->hold_ns) {
		t->ep_count++;
		if (ts > t->ep_last_ns)
			t->ep_last_ns = ts;
		return t->ep_why;
	}
	t->ep_why = TEMPLATE_NONE;
	if (!error || s->now_ns - ts > c->hold_ns || !tpl_warm(c, s))
		return TEMPLATE_NONE; /* a late line opens nothing */
	if (created && tpl_settled(c, s))
		why = TEMPLATE_NEW;
	else if ((win = tpl_spiking(c, s, t, ts)) > 0)
		why = TEMPLATE_SPIKE;
	if (why != TEMPLATE_NONE) {
		t->ep_why = why;
		t->ep_first_ns = t->ep_last_ns = ts;
		t->ep_count = why == TEMPLATE_SPIKE ? win : 1;
		t->ep_line = lineno;
		m->st.episodes[why]++;
		*start = 1;
	}
	return why;
}

/* Fills the answer for t. */
static void
tpl_answer(const struct template_miner *m, const struct tpl *t,
    enum template_why why, int error, struct template_answer *a)
{
	a->id = t->id;
	a->why = why;
	a->error = error;
	a->strong = why != TEMPLATE_NONE &&
	    t->ep_count >= (uint64_t)m->conf.strong_min;
	a->count = t->count;
	a->episode = why != TEMPLATE_NONE ? t->ep_count : 0;
	a->first_ns = t->first_ns;
	a->last_ns = t->last_ns;
	a->line_first = t->line_first;
	a->line_last = t->line_last;
	a->episode_ns = why != TEMPLATE_NONE ? t->ep_first_ns : 0;
	a->episode_line = why != TEMPLATE_NONE ? t->ep_line : 0;
	a->text = t->tok.text;
	a->text_len = t->tok.len;
}

/* ---- the API ----------------------------------------------------------- */

/* Sets the defaults that docs/unclassified.md measured. */
void
template_conf_default(struct template_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->depth = 2;
	c->sim = 0.5;
	c->max_templates = 8192;
	c->max_per_source = 1024;
	c->max_sources = 1024;
	c->warm_lines = 50;
	c->warm_ns = INT64_C(30) * 60 * 1000000000;
	c->novel_max = 0.05;
	c->dense_min = 5;
	c->short_ns = INT64_C(5) * 60 * 1000000000;
	c->long_ns = INT64_C(24) * 3600 * 1000000000;
	c->spike_factor = 10;
	c->spike_min = 10;
	c->hold_ns = INT64_C(10) * 60 * 1000000000;
	c->strong_min = 20;
	c->info_quiet = 1;
}

/* A new miner with conf c (copied); bad values are clamped. */
struct template_miner *
template_miner_new(const struct template_conf *c)
{
	struct template_miner *m = xcalloc(1, sizeof(*m));
	uint32_t               i;

	m->conf = *c;
	if (m->conf.depth < 0)
		m->conf.depth = 0;
	if (m->conf.max_templates < 1)
		m->conf.max_templates = 1;
	if (m->conf.max_per_source < 1)
		m->conf.max_per_source = 1;
	if (m->conf.max_sources < 1)
		m->conf.max_sources = 1;
	if (m->conf.short_ns < TPL_NBUCKET)
		m->conf.short_ns = TPL_NBUCKET;
	if (m->conf.long_ns < 1)
		m->conf.long_ns = 1;
	for (m->nbucket = 16; m->nbucket < (uint32_t)m->conf.max_templates;)
		m->nbucket *= 2;
	m->bucket = xreallocarray(NULL, m->nbucket, sizeof(*m->bucket));
	for (i = 0; i < m->nbucket; i++)
		m->bucket[i] = -1;
	m->capt = m->conf.max_templates < 16 ? m->conf.max_templates : 16;
	m->t = xcalloc((size_t)m->capt, sizeof(*m->t));
	m->ghead = m->gtail = m->freel = -1;
	m->next_id = 1;
	return m;
}

/* Frees m; NULL is fine. */
void
template_miner_free(struct template_miner *m)
{
	if (m == NULL)
		return;
	free(m->src);
	free(m->t);
	free(m->bucket);
	free(m);
}

/* The state of source id (made on first use), or NULL if out of range. */
static struct tpl_src *
tpl_source(struct template_miner *m, int id, int64_t ts)
{
	struct tpl_src *s;
	int             n, i;

	if (id < 0 || id >= m->conf.max_sources)
		return NULL;
	if (id >= m->nsrc) {
		for (n = m->nsrc ? m->nsrc : 8; n <= id;)
			n *= 2;
		if (n > m->conf.max_sources)
			n = m->conf.max_sources;
		m->src = xreallocarray(m->src, (size_t)n, sizeof(*m->src));
		memset(m->src + m->nsrc, 0, (size_t)(n - m->nsrc) * sizeof(*s));
		for (i = m->nsrc; i < n; i++)
			m->src[i].head = m->src[i].tail = -1;
		m->nsrc = n;
	}
	s = &m->src[id];
	if (!s->used) {
		s->used = 1;
		s->first_ns = s->now_ns = ts;
		m->st.sources++;
	}
	return s;
}

/*
 * Offers one line no rule matched: its source id, message, severity
 * (syslog 0..7, -1 unknown), UTC time and line number. Fills a (always)
 * and returns 1 if the line is surfaced, 0 if not, -1 if it was not
 * clustered (no tokens, source out of range, or no room).
 */
int
template_miner_line(struct template_miner *m, int source, const char *msg,
    size_t len, int severity, int64_t ts, uint64_t lineno,
    struct template_answer *a)
{
	struct tpl_src   *s;
	struct tpl       *t;
	enum template_why why;
	uint32_t          path;
	int               i, created = 0, error, start, same;

	memset(a, 0, sizeof(*a));
	m->st.lines++;
	if ((s = tpl_source(m, source, ts)) == NULL ||
	    tpl_fold_line(msg, len, &m->cur) == 0) {
		m->st.ignored++;
		return -1;
	}
	s->lines++;
	if (ts > s->now_ns)
		s->now_ns = ts;
	tpl_source_count(&m->conf, s, ts);
	path = tpl_path(m, source, &m->cur);
	if ((i = tpl_find(m, source, path, &same)) != -1) {
		if (!same && tpl_merge(&m->t[i].tok, &m->cur))
			m->t[i].flags = tpl_words(&m->t[i].tok);
	} else if ((i = tpl_create(m, source, path)) != -1) {
		tpl_source_made(&m->conf, s, ts);
		created = 1;
	} else {
		m->st.dropped++;
		return -1;
	}
	tpl_lru_unlink(m, i);
	tpl_lru_push(m, i);
	t = &m->t[i];
	tpl_count(&m->conf, t, ts, lineno);
	if (t->count <= 2) /* one more template seen once, or one fewer */
		s->once += t->count == 1 ? 1 : (uint64_t)-1;
	error = tpl_error_like(&m->conf, t, severity);
	why = tpl_decide(m, t, created, error, ts, lineno, &start);
	tpl_answer(m, t, why, error, a);
	a->start = start;
	m->st.surfaced += why != TEMPLATE_NONE;
	return why != TEMPLATE_NONE;
}

/*
 * Forgets source id: its templates are freed for reuse and its counts
 * reset, so the id can be given to another source, which starts cold.
 * Template ids are still never reused.
 */
void
template_miner_forget(struct template_miner *m, int source)
{
	struct tpl_src *s;
	int             i;

	if (source < 0 || source >= m->nsrc || !m->src[source].used)
		return;
	s = &m->src[source];
	while ((i = s->head) != -1) {
		tpl_lru_unlink(m, i);
		tpl_bucket_unlink(m, i);
		m->t[i].id = 0;
		m->t[i].bnext = m->freel;
		m->freel = i;
		m->st.templates--;
		m->st.forgotten++;
	}
	memset(s, 0, sizeof(*s));
	s->head = s->tail = -1;
	m->st.sources--;
}

/* Copies m's counters and memory use into st. */
void
template_miner_stats(const struct template_miner *m, struct template_stats *st)
{
	*st = m->st;
	st->template_bytes = sizeof(struct tpl);
	st->bytes = sizeof(*m) + (size_t)m->capt * sizeof(struct tpl) +
	    m->nbucket * sizeof(int) + (size_t)m->nsrc * sizeof(struct tpl_src);
	st->max_bytes = sizeof(*m) +
	    (size_t)m->conf.max_templates * sizeof(struct tpl) +
	    m->nbucket * sizeof(int) +
	    (size_t)m->conf.max_sources * sizeof(struct tpl_src);
}

/*
 * Folds msg as the miner does: tokens with variables as "<*>", joined by
 * one space, into out (cap bytes, NUL-terminated). Returns the length.
 */
size_t
template_fold(const char *msg, size_t len, char *out, size_t cap)
{
	struct tpl_line l;
	size_t          n;

	if (cap == 0)
		return 0;
	tpl_fold_line(msg, len, &l);
	if ((n = l.len) >= cap) /* cut at a space: tokens are whole UTF-8 */
		for (n = cap - 1; n > 0 && l.text[n] != ' ';)
			n--;
	memcpy(out, l.text, n);
	out[n] = '\0';
	return n;
}

/* 1 if msg, folded, has error words that count (not counters, no "ok"). */
int
template_error_words(const char *msg, size_t len)
{
	struct tpl_line l;

	tpl_fold_line(msg, len, &l);
	return (tpl_words(&l) & (TPL_ERR | TPL_OK | TPL_AUTH)) == TPL_ERR;
}

/* "new", "spike" or "none". */
const char *
template_why_name(enum template_why why)
{
	switch (why) {
	case TEMPLATE_NEW: return "new";
	case TEMPLATE_SPIKE: return "spike";
	default: return "none";
	}
}
