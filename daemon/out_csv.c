/*
 * out_csv: one row per timeline entry (RFC 4180 quoting), for
 * spreadsheets: incident, times in UTC and the display zone, category,
 * rule, source and lines, host, count, trigger, title, the rule's
 * captures, message; warnings first as rows of category "warning".
 */
#include <stdio.h>
#include <string.h>

#include "incident.h"
#include "report.h"
#include "rule.h"
#include "tstamp.h"

/* Writes a field, quoted when it holds a comma, quote or newline. */
static void
csv_field(FILE *fp, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, fp);
	else {
		fputc('"', fp);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s, fp);
		}
		fputc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

/* Writes the rule's captures as one field: "k=v; k=v". */
static void
csv_fields(FILE *fp, const struct incident_entry *x)
{
	const char *p = x->fields, *end = x->fields + x->fields_len, *k;
	char        buf[1100];
	size_t      n = 0;

	buf[0] = '\0';
	while (p < end) {
		k = p;
		p += strlen(p) + 1;
		if (p >= end)
			break;
		n += (size_t)snprintf(buf + n,
		    n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s=%s",
		    n ? "; " : "", k, p);
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		p += strlen(p) + 1;
	}
	csv_field(fp, buf, 0);
}

/* Writes one entry's row. */
static void
csv_row(FILE *fp, const struct report *rep, const struct incident *inc,
    const struct incident_entry *x)
{
	char a[64], b[64], c[64], n[32];

	tstamp_format(a, sizeof(a), x->first_ns, x->first_frac, 0);
	tstamp_format(b, sizeof(b), x->last_ns, x->last_frac, 0);
	report_local(rep, c, sizeof(c), x->first_ns, x->first_frac);
	csv_field(fp, inc->id, 0);
	csv_field(fp, a, 0);
	csv_field(fp, c, 0);
	csv_field(fp, b, 0);
	csv_field(fp, x->rule->category, 0);
	csv_field(fp, x->rule->id, 0);
	csv_field(fp, report_source_name(rep, x->source), 0);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)x->line_first);
	csv_field(fp, n, 0);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)x->line_last);
	csv_field(fp, n, 0);
	csv_field(fp, x->host, 0);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)x->count);
	csv_field(fp, n, 0);
	csv_field(fp, x->trigger ? "yes" : "", 0);
	csv_field(fp, x->title, 0);
	csv_fields(fp, x);
	csv_field(fp, x->message, 1);
}

/* The header row. */
static int
csv_head(FILE *fp, const struct report *rep)
{
	int i;

	fputs("incident,ts,local,last,category,rule,source,line_first,"
	      "line_last,host,count,trigger,title,fields,message\r\n",
	    fp);
	/* Warnings first, as rows of their own category. */
	for (i = 0; i < rep->nwarnings; i++) {
		fputs(",,,,warning,,,,,,,,,,", fp);
		csv_field(fp, rep->warnings[i], 1);
	}
	return ferror(fp) ? -1 : 0;
}

/* One incident's rows. */
static int
csv_incident(
    FILE *fp, const struct report *rep, const struct incident *inc, int index)
{
	int j;

	(void)index;
	for (j = 0; j < inc->nentries; j++)
		csv_row(fp, rep, inc, &inc->entries[j]);
	return ferror(fp) ? -1 : 0;
}

/* Nothing follows the rows. */
static int
csv_tail(FILE *fp, const struct report *rep)
{
	(void)rep;
	return ferror(fp) ? -1 : 0;
}

const struct output output_csv = {"csv", csv_head, csv_incident, csv_tail};
