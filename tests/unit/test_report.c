/*
 * Unit tests for the outputs through their table: the JSON written piece
 * by piece is laid out exactly as one dump of the whole document; notes
 * are rendered per output (UTC in JSON, the display zone in Markdown);
 * CSV quotes and lists warnings first; HTML inlines JSON that cannot end
 * its script element.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <cmocka.h>

#include "category.h"
#include "incident.h"
#include "match.h"
#include "report.h"
#include "strtab.h"
#include "tstamp.h"
#include "tz.h"

#define S  TSTAMP_NS_PER_S
#define T0 (INT64_C(1710493200) * S) /* 2024-03-15T09:00:00Z */

/* Feeds one match of category cat at T0 + sec. */
static void
feed(struct incident_engine *e, enum category cat, const char *rule,
    int64_t sec, const char *msg)
{
	struct match m;

	memset(&m, 0, sizeof(m));
	m.ts_ns = T0 + sec * S;
	m.cat = cat;
	snprintf(m.rule_id, sizeof(m.rule_id), "%s", rule);
	m.lineno = (uint64_t)sec + 1;
	snprintf(m.message, sizeof(m.message), "%s", msg);
	snprintf(m.title, sizeof(m.title), "%s", msg);
	incident_engine_feed(e, &m);
}

/* Writes a whole report with output o into a string (to free). */
static char *
render(
    const struct output *o, const struct report *rep, struct incident_engine *e)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *fp = open_memstream(&buf, &len);
	int    i;

	assert_non_null(fp);
	assert_int_equal(o->head(fp, rep), 0);
	for (i = 0; i < incident_engine_count(e); i++)
		assert_int_equal(
		    o->incident(fp, rep, incident_engine_get(e, i), i), 0);
	assert_int_equal(o->tail(fp, rep), 0);
	fclose(fp);
	return buf;
}

/* An engine holding one incident with a rollback that did not help. */
static struct incident_engine *
scene(void)
{
	struct incident_conf    c;
	struct incident_engine *e;
	int                     i;

	incident_conf_default(&c);
	e = incident_engine_new(&c);
	for (i = 0; i < 20; i++)
		feed(e, CATEGORY_DB_CONNECTION_ERROR, "t.db", i * 300,
		    "could not connect <b>");
	feed(e, CATEGORY_ROLLBACK, "t.rb", 1200,
	    "Rollback done at 2024-03-15T09:20:00Z");
	feed(e, CATEGORY_RECOVERY, "t.rec", 6000, "ok");
	incident_engine_finish(e);
	return e;
}

/* A report over one source and the engine's incidents. */
static void
report(struct report *rep, struct report_source *src, struct strtab *names,
    struct incident_engine *e, char **warn)
{
	memset(rep, 0, sizeof(*rep));
	memset(src, 0, sizeof(*src));
	src->name = "app.log";
	src->format = "json";
	src->tz = "UTC";
	src->tz_src = RECORD_ZONE_DEFAULT;
	src->lines = 42;
	rep->sources = src;
	rep->nsources = 1;
	strtab_intern(names, "app.log");
	rep->names = names;
	rep->display_tz = tz_get("Africa/Lagos");
	rep->generated_ns = T0;
	rep->nincidents = incident_engine_count(e);
	rep->warnings = warn;
	rep->nwarnings = 1;
}

static void
test_report_json_pieces_are_one_document(void **state)
{
	struct incident_engine *e = scene();
	struct strtab          *names = strtab_new();
	struct report_source    src;
	struct report           rep;
	char                   *warn[] = {"b.log could not be read"};
	char                   *out, *again;
	json_t                 *doc;

	(void)state;
	report(&rep, &src, names, e, warn);
	out = render(&output_json, &rep, e);
	doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	again = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	assert_non_null(again);
	assert_int_equal(strlen(out), strlen(again) + 1); /* and a newline */
	assert_memory_equal(out, again, strlen(again));
	/* Notes in JSON are UTC; a time quoted in a message stays as is. */
	assert_non_null(strstr(out, "the rollback at 2024-03-15T09:20:00Z"));
	free(again);
	json_decref(doc);
	free(out);
	incident_engine_free(e);
	strtab_free(names);
}

static void
test_report_markdown_notes_in_the_display_zone(void **state)
{
	struct incident_engine *e = scene();
	struct strtab          *names = strtab_new();
	struct report_source    src;
	struct report           rep;
	char                   *warn[] = {"b.log could not be read"};
	char                   *out;

	(void)state;
	report(&rep, &src, names, e, warn);
	out = render(&output_md, &rep, e);
	assert_non_null(strstr(out, "> **Warning:** b.log could not be read"));
	/* The rollback's time in WAT; the quoted message is not rewritten. */
	assert_non_null(strstr(out, "the rollback at 2024-03-15 10:20:00 WAT"));
	assert_non_null(strstr(out, "Rollback done at 2024-03-15T09:20:00Z"));
	assert_non_null(strstr(out, "could not connect \\<b>")); /* escaped */
	free(out);
	incident_engine_free(e);
	strtab_free(names);
}

static void
test_report_csv_warnings_first_and_quoting(void **state)
{
	struct incident_engine *e = scene();
	struct strtab          *names = strtab_new();
	struct report_source    src;
	struct report           rep;
	char                   *warn[] = {"a, \"b\" failed"};
	char                   *out, *row2;

	(void)state;
	report(&rep, &src, names, e, warn);
	out = render(&output_csv, &rep, e);
	row2 = strstr(out, "\r\n") + 2;
	assert_memory_equal(row2, ",,,,warning,", 12);
	assert_non_null(strstr(row2, "\"a, \"\"b\"\" failed\"\r\n"));
	free(out);
	incident_engine_free(e);
	strtab_free(names);
}

static void
test_report_html_json_cannot_close_the_script(void **state)
{
	struct incident_engine *e = scene();
	struct strtab          *names = strtab_new();
	struct report_source    src;
	struct report           rep;
	char                   *warn[] = {"</script><script>alert(1)"};
	char                   *out, *data;

	(void)state;
	report(&rep, &src, names, e, warn);
	out = render(&output_html, &rep, e);
	assert_null(strstr(out, "<!--TIMELINED_DATA-->"));
	data = strstr(out, "id=\"timelined-data\">{");
	assert_non_null(data);
	assert_null(strstr(data, "</script><script>alert"));
	assert_non_null(strstr(data, "\\u003c/script>\\u003cscript>alert"));
	assert_non_null(strstr(data, "could not connect \\u003cb>"));
	free(out);
	incident_engine_free(e);
	strtab_free(names);
}

static void
test_report_output_find(void **state)
{
	(void)state;
	assert_ptr_equal(output_find("json"), &output_json);
	assert_ptr_equal(output_find("html"), &output_html);
	assert_null(output_find("xml"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_report_json_pieces_are_one_document),
	    cmocka_unit_test(test_report_markdown_notes_in_the_display_zone),
	    cmocka_unit_test(test_report_csv_warnings_first_and_quoting),
	    cmocka_unit_test(test_report_html_json_cannot_close_the_script),
	    cmocka_unit_test(test_report_output_find),
	};
	int fail = cmocka_run_group_tests(tests, NULL, NULL);

	tz_cache_free();
	return fail;
}
