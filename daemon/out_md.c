/*
 * out_md: the postmortem draft. A summary table (start, detection,
 * mitigation, end, duration, impact, suspected trigger), the timeline in
 * the display zone with the zone on every time and runs as ranges, each
 * line citing its file and line numbers, then notes for the author.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "category.h"
#include "incident.h"
#include "report.h"
#include "rule.h"
#include "tstamp.h"
#include "tz.h"

/* Writes ns as "2024-03-15 10:00:01 WAT" (date) or "10:00:01 WAT". */
static void
md_time(
    const struct report *rep, char *buf, size_t n, int64_t ns, int with_date)
{
	report_time(rep, buf, n, ns, with_date);
}

/* Writes a duration as "2 h 57 min", "14 min 49 s" or "12 s". */
static void
md_duration(char *buf, size_t n, int64_t ns)
{
	int64_t s = ns / TSTAMP_NS_PER_S;

	if (s < 0)
		s = -s;
	if (s >= 3600)
		snprintf(buf, n, "%lld h %02lld min", (long long)(s / 3600),
		    (long long)(s / 60 % 60));
	else if (s >= 60)
		snprintf(buf, n, "%lld min %02lld s", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(buf, n, "%lld s", (long long)s);
}

/* Writes a count with thousands separators: 4,213. */
static void
md_count(char *buf, size_t n, uint64_t v)
{
	char   raw[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(raw, sizeof(raw), "%llu", (unsigned long long)v);
	for (i = 0; i < len && o + 2 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
}

/* Writes text with Markdown's active characters escaped. */
static void
md_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\`*_[]<|", *s) != NULL)
			fputc('\\', fp);
		fputc(*s, fp);
	}
}

/* The evidence: "api.json.log:1200-98231". */
static void
md_evidence(FILE *fp, const struct report *rep, const struct incident_entry *x)
{
	uint64_t lo = x->line_first, hi = x->line_last;

	if (x->source_last != x->source) {
		fprintf(fp, "(%s:%llu to %s:%llu)",
		    report_source_name(rep, x->source), (unsigned long long)lo,
		    report_source_name(rep, x->source_last),
		    (unsigned long long)hi);
		return;
	}
	lo = x->line_lo; /* every line of the run: first to last in the file */
	hi = x->line_hi;
	fprintf(fp, "(%s:%llu", report_source_name(rep, x->source),
	    (unsigned long long)lo);
	if (hi != lo)
		fprintf(fp, "-%llu", (unsigned long long)hi);
	fputc(')', fp);
}

/* 1 if the incident's entries fall on more than one local date. */
static int
md_spans_days(const struct report *rep, const struct incident *inc)
{
	char    a[64], b[64];
	int64_t lo = inc->start_ns, hi = inc->end_ns;
	int     i;

	for (i = 0; i < inc->nentries; i++) {
		if (inc->entries[i].first_ns < lo)
			lo = inc->entries[i].first_ns;
		if (inc->entries[i].last_ns > hi)
			hi = inc->entries[i].last_ns;
	}
	report_local(rep, a, sizeof(a), lo, 0);
	report_local(rep, b, sizeof(b), hi, 0);
	return strncmp(a, b, 10) != 0;
}

/*
 * Writes text as a code span (a template's "<*>" stays readable): fenced
 * with two backticks and spaces when it holds one.
 */
static void
md_code(FILE *fp, const char *s)
{
	const char *fence = strchr(s, '`') != NULL ? "`` " : "`";

	fputs(fence, fp);
	fputs(s, fp);
	fputs(strchr(s, '`') != NULL ? " ``" : "`", fp);
}

/*
 * What an entry is called in its bullet: its category, or for an
 * unclassified one its title ("new error pattern").
 */
static const char *
md_label(const struct incident_entry *x)
{
	return x->rule->cat == CATEGORY_UNCLASSIFIED ? x->title
						     : x->rule->category;
}

/*
 * Writes what happened: the message, the evidence itself. A short message
 * ("alert firing" of a logfmt line) says too little, so then the rule's
 * title with its captures ("Alert firing: PostgresDown") comes first.
 */
static void
md_what(FILE *fp, const struct incident_entry *x)
{
	if (strlen(x->message) < 40 && x->title[0] != '\0' &&
	    strcmp(x->title, x->rule->id) != 0) {
		md_text(fp, x->title);
		if (strcasestr(x->title, x->message) != NULL)
			return;
		fputs(" (", fp);
		md_text(fp, x->message);
		fputc(')', fp);
		return;
	}
	md_text(fp, x->message);
}

/* One timeline bullet. */
static void
md_entry(FILE *fp, const struct report *rep, const struct incident *inc,
    const struct incident_entry *x)
{
	char a[64], b[64], cnt[32];
	int  days = md_spans_days(rep, inc);

	md_time(rep, a, sizeof(a), x->first_ns, days);
	md_time(rep, b, sizeof(b), x->last_ns, days);
	md_count(cnt, sizeof(cnt), x->count);
	if (x->count > 1 && strcmp(a, b) == 0) /* all in one second */
		fprintf(fp, "- %s  %s x%s", a, md_label(x), cnt);
	else if (x->count > 1) {
		*strrchr(a, ' ') = '\0';
		fprintf(fp, "- %s%s%s  %s x%s", a, days ? " to " : "-", b,
		    md_label(x), cnt);
	} else
		fprintf(fp, "- %s  %s", a, md_label(x));
	if (x->host[0] && x->rule->cat != CATEGORY_UNCLASSIFIED)
		fprintf(fp, " on %s", x->host); /* a pattern spans the log's */
	if (x->rule->cat == CATEGORY_NOTE) {    /* a person wrote it: no file */
		fputs(": ", fp);
		md_text(fp, x->message);
		fputc('\n', fp);
		return;
	}
	fputc(' ', fp);
	md_evidence(fp, rep, x);
	fputs(": ", fp);
	if (x->rule->cat == CATEGORY_UNCLASSIFIED)
		md_code(fp, x->message); /* a template: "<*>" for variables */
	else
		md_what(fp, x);
	if (x->trigger)
		fputs(" **(suspected trigger)**", fp);
	fputc('\n', fp);
}

/* The impact line: each failure category with its total and sources. */
static void
md_impact(FILE *fp, const struct incident *inc)
{
	const struct incident_entry *x, *y;
	char                         cnt[32];
	uint64_t                     total;
	int                          i, j, nsrc, first = 1;

	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (!rule_category_is_failure(x->rule->category))
			continue;
		for (j = 0; j < i; j++) /* the category's first entry only */
			if (strcmp(inc->entries[j].rule->category,
				x->rule->category) == 0)
				break;
		if (j < i)
			continue;
		total = 0;
		nsrc = 0;
		for (j = i; j < inc->nentries; j++) {
			y = &inc->entries[j];
			if (strcmp(y->rule->category, x->rule->category) == 0) {
				total += y->count;
				nsrc++;
			}
		}
		md_count(cnt, sizeof(cnt), total);
		fprintf(fp, "%s%s x%s (%d entr%s)", first ? "" : "; ",
		    x->rule->category, cnt, nsrc, nsrc == 1 ? "y" : "ies");
		first = 0;
	}
	fputs(first ? "none |\n" : " |\n", fp);
}

/* The suspected trigger line. */
static void
md_trigger(FILE *fp, const struct report *rep, const struct incident *inc)
{
	const struct incident_entry *x, *t = NULL;
	char                         a[64], d[32], cnt[32];
	int                          i;

	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		if (x->trigger && (t == NULL || x->first_ns > t->first_ns))
			t = x;
	}
	if (t == NULL) {
		fputs("| Suspected trigger | none found in the look-back "
		      "window |\n",
		    fp);
		return;
	}
	md_time(rep, a, sizeof(a), t->first_ns, 0);
	md_duration(d, sizeof(d), inc->start_ns - t->first_ns);
	md_count(cnt, sizeof(cnt), t->count);
	fprintf(fp, "| Suspected trigger | %s%s%s at %s, %s before the start: ",
	    t->rule->category, t->count > 1 ? " x" : "",
	    t->count > 1 ? cnt : "", a, d);
	md_text(fp, t->message);
	fputc(' ', fp);
	md_evidence(fp, rep, t);
	fputs(" |\n", fp);
}

/* The summary table of one incident. */
static void
md_summary(FILE *fp, const struct report *rep, const struct incident *inc)
{
	char a[64], d[32];

	fputs("| | |\n|---|---|\n", fp);
	md_time(rep, a, sizeof(a), inc->start_ns, 1);
	fprintf(fp, "| Start | %s (first failure) |\n", a);
	if (inc->detected_ns >= 0) {
		md_time(rep, a, sizeof(a), inc->detected_ns, 1);
		md_duration(d, sizeof(d), inc->detected_ns - inc->start_ns);
		fprintf(fp,
		    "| Detected | %s (first alert, %s after the "
		    "start) |\n",
		    a, d);
	} else
		fputs("| Detected | no alert found |\n", fp);
	if (inc->mitigated_ns >= 0) {
		md_time(rep, a, sizeof(a), inc->mitigated_ns, 1);
		fprintf(fp, "| Mitigated | %s |\n", a);
	}
	md_time(rep, a, sizeof(a), inc->end_ns, 1);
	fprintf(fp, "| End | %s%s |\n", a,
	    inc->open ? " (still open at the "
			"end of the input)"
		      : "");
	md_duration(d, sizeof(d), inc->end_ns - inc->start_ns);
	fprintf(fp, "| Duration | %s |\n| Impact signals | ", d);
	md_impact(fp, inc);
	md_trigger(fp, rep, inc);
}

/* Writes one incident: title, summary, timeline, notes. */
static int
md_incident(
    FILE *fp, const struct report *rep, const struct incident *inc, int index)
{
	char note[512];
	int  i;

	(void)index;
	fprintf(fp, "## %s\n\nIncident `%s`%s\n\n", inc->title, inc->id,
	    inc->open ? " (open)" : "");
	md_summary(fp, rep, inc);
	fprintf(fp, "\n### Timeline (%s)\n\n",
	    rep->display_tz ? tz_name(rep->display_tz) : "UTC");
	for (i = 0; i < inc->nentries; i++)
		md_entry(fp, rep, inc, &inc->entries[i]);
	if (inc->nnotes > 0) {
		fputs("\n### Notes\n\n", fp);
		for (i = 0; i < inc->nnotes; i++) {
			report_note(rep, &inc->notes[i], note, sizeof(note), 1);
			fputs("- ", fp);
			md_text(fp, note);
			fputc('\n', fp);
		}
	}
	fputc('\n', fp);
	return ferror(fp) ? -1 : 0;
}

/* The sources table: how each file was read, so a reader can check. */
static void
md_sources(FILE *fp, const struct report *rep)
{
	const struct report_source *s;
	int                         i;

	fputs("## Sources\n\n| source | format | zone | lines | matched | "
	      "without timestamp |\n|---|---|---|---|---|---|\n",
	    fp);
	for (i = 0; i < rep->nsources; i++) {
		s = &rep->sources[i];
		fputs("| ", fp);
		md_text(fp, s->name);
		fprintf(fp, " | %s | %s (%s) | %llu | %llu | %llu |\n",
		    s->format, s->tz, record_zone_src_name(s->tz_src),
		    (unsigned long long)s->lines,
		    (unsigned long long)s->matched,
		    (unsigned long long)s->no_ts);
	}
	fputs("\nTimes written with a zone or offset in the line use it; "
	      "the zone column applies to the others.\n",
	    fp);
}

/* The title line and the totals. */
static int
md_head(FILE *fp, const struct report *rep)
{
	uint64_t lines = 0, matched = 0;
	int      i, n = rep->nincidents;

	for (i = 0; i < rep->nsources; i++) {
		lines += rep->sources[i].lines;
		matched += rep->sources[i].matched;
	}
	fprintf(fp,
	    "# Incident timeline\n\n%d incident%s in %llu line%s from "
	    "%d source%s (%llu line%s matched a rule).\n\n",
	    n, n == 1 ? "" : "s", (unsigned long long)lines,
	    lines == 1 ? "" : "s", rep->nsources, rep->nsources == 1 ? "" : "s",
	    (unsigned long long)matched, matched == 1 ? "" : "s");
	for (i = 0; i < rep->nwarnings; i++) {
		fputs("> **Warning:** ", fp);
		md_text(fp, rep->warnings[i]);
		fputs("\n", fp);
	}
	if (rep->nwarnings > 0)
		fputs("\n", fp);
	return ferror(fp) ? -1 : 0;
}

/* The sources table closes the draft. */
static int
md_tail(FILE *fp, const struct report *rep)
{
	md_sources(fp, rep);
	return ferror(fp) ? -1 : 0;
}

const struct output output_md = {"md", md_head, md_incident, md_tail};
