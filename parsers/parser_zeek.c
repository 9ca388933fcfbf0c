/*
 * parser_zeek: Zeek (formerly Bro) TSV logs. Header lines ("#separator",
 * "#fields", "#open"...) say how the records that follow are cut; they are
 * kept in the source's parser_hdr, and a record is read by them: its "ts"
 * column (epoch seconds), its columns as fields named by "#fields". A
 * record without a header is read by its leading epoch alone.
 */
#include <ctype.h>
#include <string.h>

#include "parser.h"
#include "record.h"
#include "scan.h"
#include "tstamp.h"

/* Reads "\x09" (as "#separator" writes it) or a plain byte; 0 if neither. */
static char
zeek_sep(const char *p, const char *end)
{
	int hi, lo;

	if (end - p == 4 && p[0] == '\\' && p[1] == 'x' &&
	    isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3])) {
		hi = isdigit((unsigned char)p[2])
		    ? p[2] - '0'
		    : (tolower((unsigned char)p[2]) - 'a' + 10);
		lo = isdigit((unsigned char)p[3])
		    ? p[3] - '0'
		    : (tolower((unsigned char)p[3]) - 'a' + 10);
		return (char)(hi * 16 + lo);
	}
	return end - p == 1 ? *p : 0;
}

/* The separator columns are cut at: the header's, else a tab. */
static char
zeek_sep_of(const struct parser_hdr *h)
{
	return h->sep != 0 ? h->sep : '\t';
}

/* The role of a Zeek column name, or -1. */
static int
zeek_role(const char *p, size_t n)
{
	static const struct {
		const char *name;
		int         role;
	} roles[] = {
	    {"ts", PARSER_COL_TS},
	    {"id.orig_h", PARSER_COL_CLIENT},
	    {"method", PARSER_COL_METHOD},
	    {"uri", PARSER_COL_URI},
	    {"status_code", PARSER_COL_STATUS},
	};
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strlen(roles[i].name) == n &&
		    memcmp(roles[i].name, p, n) == 0)
			return roles[i].role;
	return -1;
}

/* Keeps the "#fields" names in the header state, with their roles. */
static void
zeek_fields(struct parser_hdr *h, const char *p, const char *end)
{
	const char *e;
	char        sep = zeek_sep_of(h);
	size_t      n;
	int         role;

	memset(h->col, -1, sizeof(h->col));
	h->kind = PARSER_HDR_ZEEK;
	h->ncols = 0;
	h->names_len = 0;
	for (;; p = e + 1) {
		if ((e = memchr(p, sep, (size_t)(end - p))) == NULL)
			e = end;
		n = (size_t)(e - p);
		if (h->ncols == PARSER_HDR_COLS || n > UINT8_MAX ||
		    h->names_len + n > sizeof(h->names)) {
			h->kind = PARSER_HDR_NONE; /* wider than we keep */
			return;
		}
		memcpy(h->names + h->names_len, p, n);
		h->name_off[h->ncols] = (uint16_t)h->names_len;
		h->name_len[h->ncols] = (uint8_t)n;
		h->names_len += n;
		if ((role = zeek_role(p, n)) >= 0 && h->col[role] < 0)
			h->col[role] = (int8_t)h->ncols;
		h->ncols++;
		if (e == end)
			return;
	}
}

/* Reads "#open"'s "2017-04-16-21-36-10" (local time); 1 if read. */
static int
zeek_open_time(const char *p, const char *end, struct tstamp *t)
{
	memset(t, 0, sizeof(*t));
	return end - p == 19 && tstamp_ymd(p, end, '-', t) == 10 &&
	    p[10] == '-' && p[13] == '-' && p[16] == '-' &&
	    tstamp_digits(p + 11, end, 2, &t->hour) &&
	    tstamp_digits(p + 14, end, 2, &t->min) &&
	    tstamp_digits(p + 17, end, 2, &t->sec);
}

/*
 * Reads a Zeek header line: "#separator \x09", "#fields<TAB>ts<TAB>uid",
 * "#open<TAB>2017-04-16-21-36-10" (timed) and their kin. 1 if it is one.
 */
static int
zeek_directive(
    struct parser_hdr *h, const char *line, const char *end, struct record *r)
{
	static const char *const names[] = {"set_separator", "empty_field",
	    "unset_field", "path", "types", "fields", "open", "close", NULL};
	const char              *v;
	size_t                   n;
	int                      i;
	char                     sep;

	if (scan_prefix(line, end, "#separator ")) {
		if ((sep = zeek_sep(line + 11, end)) == 0)
			return 0;
		h->sep = sep;
	} else {
		for (i = 0; names[i] != NULL; i++) {
			n = strlen(names[i]);
			if (end - line > (ptrdiff_t)n + 1 &&
			    memcmp(line + 1, names[i], n) == 0 &&
			    line[1 + n] == zeek_sep_of(h))
				break;
		}
		if (names[i] == NULL)
			return 0;
		v = line + 2 + n;
		if (strcmp(names[i], "fields") == 0)
			zeek_fields(h, v, end);
		else if (names[i][0] == 'o' || names[i][0] == 'c')
			r->has_ts = zeek_open_time(v, end, &r->tm);
	}
	r->msg = line;
	r->msg_len = (size_t)(end - line);
	return 1;
}

/* Adds a column as a field named by the header, unless it is unset. */
static void
zeek_field(struct record *r, const struct parser_hdr *h, int i, const char *p,
    size_t n)
{
	if ((n == 1 && *p == '-') || (n == 7 && memcmp(p, "(empty)", 7) == 0))
		return;
	(void)record_add_field(
	    r, h->names + h->name_off[i], h->name_len[i], p, n);
}

/* Adds the normalised fields rules look for: status, method, path. */
static void
zeek_roles(struct record *r, const struct parser_hdr *h, const char *const *col,
    const size_t *len)
{
	static const struct {
		int         role;
		const char *name;
	} out[] = {
	    {PARSER_COL_STATUS, "status"},
	    {PARSER_COL_METHOD, "method"},
	    {PARSER_COL_URI, "path"},
	};
	size_t i;
	int    c;

	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		if ((c = h->col[out[i].role]) < 0 ||
		    (len[c] == 1 && col[c][0] == '-'))
			continue;
		scan_field(r, out[i].name, col[c], len[c]);
		if (out[i].role == PARSER_COL_STATUS && len[c] == 3 &&
		    col[c][0] >= '1' && col[c][0] <= '5')
			r->severity = col[c][0] == '5' ? 3
			    : col[c][0] == '4'         ? 4
						       : 6;
	}
}

/*
 * Reads a record by the "#fields" header: as many columns as it names,
 * an epoch in the "ts" column. Its columns become fields; the message is
 * the line after the time. 1 if read.
 */
static int
zeek_by_header(const struct parser_hdr *h, const char *line, const char *end,
    struct record *r)
{
	const char   *col[PARSER_HDR_COLS], *p = line, *e;
	size_t        len[PARSER_HDR_COLS];
	char          sep = zeek_sep_of(h);
	int           n = 0, i, ts = h->col[PARSER_COL_TS];
	struct tstamp t;

	for (;; p = e + 1) {
		if ((e = memchr(p, sep, (size_t)(end - p))) == NULL)
			e = end;
		col[n] = p;
		len[n++] = (size_t)(e - p);
		if (e == end || n == PARSER_HDR_COLS)
			break;
	}
	memset(&t, 0, sizeof(t));
	if (n != h->ncols || e != end || ts < 0 ||
	    tstamp_epoch(col[ts], col[ts] + len[ts], &t) != len[ts])
		return 0;
	r->has_ts = 1;
	r->tm = t;
	r->msg = ts == 0 && n > 1 ? col[1] : line;
	r->msg_len = (size_t)(end - r->msg);
	record_set_program(r, "zeek", 4);
	zeek_roles(r, h, col, len);
	for (i = 0; i < n; i++)
		if (i != ts)
			zeek_field(r, h, i, col[i], len[i]);
	return 1;
}

/*
 * Reads a Zeek record without its header: "1320279554.496300<TAB>..."
 * (an epoch with microseconds, then a tab). The message is what follows.
 */
static int
zeek_parse(const char *line, size_t len, struct record *r)
{
	const char   *end = scan_end(line, len);
	struct tstamp t;
	size_t        n;

	memset(&t, 0, sizeof(t));
	if (end - line < 19 || line[10] != '.' ||
	    (n = tstamp_epoch(line, end, &t)) != 17 || line[n] != '\t')
		return 0;
	r->has_ts = 1;
	r->tm = t;
	r->msg = line + n + 1;
	r->msg_len = (size_t)(end - r->msg);
	record_set_program(r, "zeek", 4);
	return 1;
}

/* Reads a Zeek line with the source's header state. */
static int
zeek_parse_st(
    struct parser_state *st, const char *line, size_t len, struct record *r)
{
	const char *end = scan_end(line, len);

	if (line < end && *line == '#')
		return zeek_directive(&st->hdr, line, end, r);
	if (st->hdr.kind == PARSER_HDR_ZEEK &&
	    zeek_by_header(&st->hdr, line, end, r))
		return 1;
	return zeek_parse(line, len, r);
}

const struct parser parser_zeek = {"zeek", zeek_parse, zeek_parse_st};
