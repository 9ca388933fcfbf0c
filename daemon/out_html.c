/*
 * out_html: the incident page of the daemon (page.h) with the report
 * inlined as JSON, so replay's HTML looks and reads like the live page:
 * one self-contained file, no external asset, that draws the timelines
 * itself. The JSON is the one out_json writes, with every '<' written as
 * \u003c so no log line can end the script element.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "report.h"

#define HTML_OPEN  "<script type=\"application/json\" id=\"timelined-data\">"
#define HTML_CLOSE "</script>"

/* Where the report goes in the page, or NULL if the mark is missing. */
static const char *
html_mark(void)
{
	return memmem(
	    page_html, page_html_len, PAGE_DATA_MARK, strlen(PAGE_DATA_MARK));
}

/* Copies n bytes of JSON text to fp with '<' escaped. */
static void
html_json(FILE *fp, const char *s, size_t n)
{
	const char *lt;

	while (n > 0 && (lt = memchr(s, '<', n)) != NULL) {
		fwrite(s, 1, (size_t)(lt - s), fp);
		fputs("\\u003c", fp);
		n -= (size_t)(lt - s) + 1;
		s = lt + 1;
	}
	fwrite(s, 1, n, fp);
}

/* Runs one part of the JSON writer into a buffer and copies it escaped. */
static int
html_part(FILE          *fp, int (*part)(FILE *, const struct report *),
    const struct report *rep)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *mem = open_memstream(&buf, &len);
	int    rc;

	if (mem == NULL)
		return -1;
	rc = part(mem, rep);
	if (fclose(mem) == EOF)
		rc = -1;
	if (rc == 0)
		html_json(fp, buf, len);
	free(buf); /* from open_memstream(3) */
	return rc == 0 && !ferror(fp) ? 0 : -1;
}

/* The page up to the report, and the report's head. */
static int
html_head(FILE *fp, const struct report *rep)
{
	const char *mark = html_mark();

	if (mark == NULL)
		return -1;
	fwrite(page_html, 1, (size_t)(mark - (const char *)page_html), fp);
	fputs(HTML_OPEN, fp);
	return html_part(fp, output_json.head, rep);
}

/* One incident of the report. */
static int
html_incident(
    FILE *fp, const struct report *rep, const struct incident *inc, int index)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *mem = open_memstream(&buf, &len);
	int    rc;

	if (mem == NULL)
		return -1;
	rc = output_json.incident(mem, rep, inc, index);
	if (fclose(mem) == EOF)
		rc = -1;
	if (rc == 0)
		html_json(fp, buf, len);
	free(buf); /* from open_memstream(3) */
	return rc == 0 && !ferror(fp) ? 0 : -1;
}

/* The report's tail and the rest of the page. */
static int
html_tail(FILE *fp, const struct report *rep)
{
	const char *mark = html_mark();
	size_t      skip = strlen(PAGE_DATA_MARK);

	if (html_part(fp, output_json.tail, rep) == -1)
		return -1;
	fputs(HTML_CLOSE, fp);
	fwrite(mark + skip, 1,
	    page_html_len - (size_t)(mark + skip - (const char *)page_html),
	    fp);
	return ferror(fp) ? -1 : 0;
}

const struct output output_html = {"html", html_head, html_incident, html_tail};
