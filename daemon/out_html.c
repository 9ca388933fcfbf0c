/*
 * out_html: one self-contained page (inline CSS and SVG, no external
 * assets): per incident the summary, a visual timeline with one lane per
 * category (runs as bars, single events as ticks, milestones as lines)
 * and the same timeline as the Markdown, HTML-escaped.
 */
#include <stdio.h>
#include <string.h>

#include "incident.h"
#include "report.h"
#include "rule.h"
#include "tstamp.h"
#include "tz.h"

#define SVG_W    960
#define SVG_LEFT 170
#define SVG_LANE 22

static const char *const lanes[] = {"deploy", "config_change", "rollback",
    "restart", "alert", "note", "db_connection_error", "pool_exhaustion",
    "resource_exhaustion", "hardware_failure", "upstream_error",
    "external_dependency", "crash", "recovery", NULL};

/* Writes s with &, <, >, " escaped. */
static void
html_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* Lane index of a category. */
static int
html_lane(const char *cat)
{
	int i;

	for (i = 0; lanes[i] != NULL; i++)
		if (strcmp(lanes[i], cat) == 0)
			return i;
	return 0;
}

/* "10:00:01 WAT" in the display zone. */
static void
html_time(const struct report *rep, char *buf, size_t n, int64_t ns)
{
	char iso[64];

	report_local(rep, iso, sizeof(iso), ns, 0);
	iso[19] = '\0';
	snprintf(buf, n, "%.10s %.8s %.15s", iso, iso + 11,
	    rep->display_tz ? tz_abbr_at(rep->display_tz, ns / TSTAMP_NS_PER_S)
			    : "UTC");
}

/* The time span the picture covers: earliest entry to the end. */
static void
html_span(const struct incident *inc, int64_t *t0, int64_t *t1)
{
	int i;

	*t0 = inc->start_ns;
	*t1 = inc->end_ns;
	for (i = 0; i < inc->nentries; i++) {
		if (inc->entries[i].first_ns < *t0)
			*t0 = inc->entries[i].first_ns;
		if (inc->entries[i].last_ns > *t1)
			*t1 = inc->entries[i].last_ns;
	}
	if (*t1 <= *t0)
		*t1 = *t0 + 60 * TSTAMP_NS_PER_S;
}

/* x coordinate of time t. */
static double
html_x(int64_t t, int64_t t0, int64_t t1)
{
	return SVG_LEFT +
	    (double)(t - t0) / (double)(t1 - t0) * (SVG_W - SVG_LEFT - 10);
}

/*
 * A vertical milestone line with its label; the k-th label goes one row
 * lower so close milestones stay readable, and labels near the right
 * edge end at their line.
 */
static void
html_milestone(FILE *fp, double x, int h, int k, const char *label)
{
	int right = x > SVG_W * 0.8;

	fprintf(fp,
	    "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" "
	    "class=\"ms\"/><text x=\"%.1f\" y=\"%d\" class=\"msl\"%s>%s"
	    "</text>\n",
	    x, x, h + 2 + 12 * k, right ? x - 2 : x + 2, h + 12 + 12 * k,
	    right ? " text-anchor=\"end\"" : "", label);
}

/* One entry as a bar (a run) or a tick (a single event). */
static void
html_mark(FILE *fp, const struct report *rep, const struct incident_entry *x,
    int64_t t0, int64_t t1)
{
	double a = html_x(x->first_ns, t0, t1), b = html_x(x->last_ns, t0, t1);
	int    y = html_lane(x->rule->category) * SVG_LANE + 4;
	char   when[64];

	html_time(rep, when, sizeof(when), x->first_ns);
	fprintf(fp,
	    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" "
	    "class=\"c-%s%s\"><title>",
	    a, y, b - a < 3 ? 3 : b - a, x->rule->category,
	    rule_category_is_failure(x->rule->category) ? " fail" : "");
	html_text(fp, when);
	fprintf(fp, " %s x%llu: ", x->rule->id, (unsigned long long)x->count);
	html_text(fp, x->message);
	fputs("</title></rect>\n", fp);
}

/* The time axis: the first and last time the picture covers. */
static void
html_axis(FILE *fp, const struct report *rep, int64_t t0, int64_t t1, int y)
{
	char a[64], b[64];

	html_time(rep, a, sizeof(a), t0);
	html_time(rep, b, sizeof(b), t1);
	fprintf(fp,
	    "<text x=\"%d\" y=\"%d\" class=\"lane\">%s</text>"
	    "<text x=\"%d\" y=\"%d\" class=\"lane\" text-anchor=\"end\">%s"
	    "</text>\n",
	    SVG_LEFT, y, a, SVG_W - 10, y, b);
}

/* The SVG picture of one incident. */
static void
html_svg(FILE *fp, const struct report *rep, const struct incident *inc)
{
	int64_t t0, t1;
	int     i, h = 0;

	for (i = 0; lanes[i] != NULL; i++)
		h += SVG_LANE;
	html_span(inc, &t0, &t1);
	fprintf(fp,
	    "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\">"
	    "\n",
	    SVG_W, h + 66);
	for (i = 0; lanes[i] != NULL; i++)
		fprintf(fp,
		    "<text x=\"4\" y=\"%d\" class=\"lane\">%s</text>"
		    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>"
		    "\n",
		    i * SVG_LANE + 15, lanes[i], SVG_LEFT, i * SVG_LANE + 11,
		    SVG_W - 10, i * SVG_LANE + 11);
	for (i = 0; i < inc->nentries; i++)
		html_mark(fp, rep, &inc->entries[i], t0, t1);
	html_milestone(fp, html_x(inc->start_ns, t0, t1), h, 0, "start");
	if (inc->detected_ns >= 0)
		html_milestone(
		    fp, html_x(inc->detected_ns, t0, t1), h, 1, "detected");
	if (inc->mitigated_ns >= 0)
		html_milestone(
		    fp, html_x(inc->mitigated_ns, t0, t1), h, 2, "mitigated");
	html_milestone(fp, html_x(inc->end_ns, t0, t1), h, 3, "end");
	html_axis(fp, rep, t0, t1, h + 60);
	fputs("</svg>\n", fp);
}

/* The summary list of one incident. */
static void
html_summary(FILE *fp, const struct report *rep, const struct incident *inc)
{
	char a[64];

	fputs("<dl>", fp);
	html_time(rep, a, sizeof(a), inc->start_ns);
	fprintf(fp, "<dt>Start</dt><dd>%s</dd>", a);
	if (inc->detected_ns >= 0) {
		html_time(rep, a, sizeof(a), inc->detected_ns);
		fprintf(fp, "<dt>Detected</dt><dd>%s</dd>", a);
	}
	if (inc->mitigated_ns >= 0) {
		html_time(rep, a, sizeof(a), inc->mitigated_ns);
		fprintf(fp, "<dt>Mitigated</dt><dd>%s</dd>", a);
	}
	html_time(rep, a, sizeof(a), inc->end_ns);
	fprintf(fp,
	    "<dt>End</dt><dd>%s%s</dd><dt>Duration</dt><dd>%lld s"
	    "</dd></dl>\n",
	    a, inc->open ? " (open)" : "",
	    (long long)((inc->end_ns - inc->start_ns) / TSTAMP_NS_PER_S));
}

/* The timeline as a list, one item per entry. */
static void
html_list(FILE *fp, const struct report *rep, const struct incident *inc)
{
	const struct incident_entry *x;
	char                         a[64], b[64];
	int                          i;

	fputs("<ol class=\"tl\">\n", fp);
	for (i = 0; i < inc->nentries; i++) {
		x = &inc->entries[i];
		html_time(rep, a, sizeof(a), x->first_ns);
		fprintf(
		    fp, "<li class=\"c-%s\"><time>%s", x->rule->category, a);
		if (x->count > 1) {
			html_time(rep, b, sizeof(b), x->last_ns);
			fprintf(fp, " &ndash; %s", b);
		}
		fprintf(fp, "</time> <b>%s</b>", x->rule->category);
		if (x->count > 1)
			fprintf(fp, " x%llu", (unsigned long long)x->count);
		if (x->host[0]) {
			fputs(" on ", fp);
			html_text(fp, x->host);
		}
		fputs(" <code>", fp);
		html_text(fp, report_source_name(rep, x->source));
		fprintf(
		    fp, ":%llu</code>: ", (unsigned long long)x->line_first);
		if (strlen(x->message) < 40 && x->title[0] != '\0') {
			html_text(fp, x->title);
			fputs(" &middot; ", fp);
		}
		html_text(fp, x->message);
		fputs(x->trigger ? " <em>(suspected trigger)</em></li>\n"
				 : "</li>\n",
		    fp);
	}
	fputs("</ol>\n", fp);
}

/* One incident section. */
static int
html_incident(
    FILE *fp, const struct report *rep, const struct incident *inc, int index)
{
	char note[512];
	int  i;

	(void)index;
	fputs("<section><h2>", fp);
	html_text(fp, inc->title);
	fprintf(fp, "</h2><p class=\"id\">%s</p>\n", inc->id);
	html_summary(fp, rep, inc);
	html_svg(fp, rep, inc);
	html_list(fp, rep, inc);
	if (inc->nnotes > 0) {
		fputs("<h3>Notes</h3><ul>", fp);
		for (i = 0; i < inc->nnotes; i++) {
			report_note(rep, &inc->notes[i], note, sizeof(note), 0);
			fputs("<li>", fp);
			html_text(fp, note);
			fputs("</li>", fp);
		}
		fputs("</ul>\n", fp);
	}
	fputs("</section>\n", fp);
	return ferror(fp) ? -1 : 0;
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>Incident timeline</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\n"
    "section{border-top:1px solid #ccc;margin-top:2em}\n"
    "dl{display:grid;grid-template-columns:8em auto}dt{font-weight:bold}\n"
    ".lane,.msl{font-size:11px;fill:#555}.grid{stroke:#eee}\n"
    ".ms{stroke:#000;stroke-dasharray:3 3}\n"
    "rect{fill:#4a7}rect.fail{fill:#c33}.c-deploy,.c-config_change{fill:#37c}\n"
    "rect.c-rollback{fill:#c80}rect.c-alert{fill:#e90}rect.c-note{fill:#888}\n"
    "ol.tl li{margin:.2em 0}time{font-family:monospace}.id{color:#666}\n"
    "</style></head><body>\n<h1>Incident timeline</h1>\n";

/* The page's head and the incident count. */
static int
html_begin(FILE *fp, const struct report *rep)
{
	int n = rep->nincidents, i;

	fputs(html_head, fp);
	fprintf(fp, "<p>%d incident%s; times in %s.</p>\n", n,
	    n == 1 ? "" : "s",
	    rep->display_tz ? tz_name(rep->display_tz) : "UTC");
	for (i = 0; i < rep->nwarnings; i++) {
		fputs("<p class=\"warn\"><b>Warning:</b> ", fp);
		html_text(fp, rep->warnings[i]);
		fputs("</p>\n", fp);
	}
	return ferror(fp) ? -1 : 0;
}

/* Closes the page. */
static int
html_end(FILE *fp, const struct report *rep)
{
	(void)rep;
	fputs("</body></html>\n", fp);
	return ferror(fp) ? -1 : 0;
}

const struct output output_html = {"html", html_begin, html_incident, html_end};
