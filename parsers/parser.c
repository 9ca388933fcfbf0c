/*
 * parser: the registry of log formats, in detection order (specific
 * formats before general ones), and per-source detection: the format that
 * read the previous line is tried first, then every format in order.
 * A line no format reads keeps msg = the whole line and has_ts = 0.
 */
#include <string.h>

#include "parser.h"
#include "record.h"

extern const struct parser parser_json, parser_rfc5424, parser_clf,
    parser_w3c, parser_rfc3164, parser_postgres, parser_mysql,
    parser_pgbouncer, parser_spring, parser_log4j, parser_kafka,
    parser_python, parser_nginx_error, parser_apache_error, parser_klog,
    parser_redis, parser_hdfs, parser_logcat, parser_golog, parser_squid,
    parser_logfmt, parser_generic, parser_alb, parser_bgl, parser_hpc;

static const struct parser *const parsers[] = {
	&parser_json, &parser_rfc5424, &parser_clf, &parser_w3c, &parser_alb,
	&parser_bgl, &parser_hpc, &parser_rfc3164, &parser_postgres, &parser_mysql, &parser_pgbouncer,
	&parser_spring, &parser_log4j, &parser_kafka, &parser_python,
	&parser_nginx_error, &parser_apache_error, &parser_klog,
	&parser_redis, &parser_hdfs, &parser_logcat, &parser_golog,
	&parser_squid, &parser_logfmt, &parser_generic, NULL
};

/* The NULL-terminated table of every format, in detection order. */
const struct parser *const *
parser_all(void)
{
	return parsers;
}

/* Finds a format by name; NULL if there is none. */
const struct parser *
parser_find(const char *name)
{
	int i;

	for (i = 0; parsers[i] != NULL; i++)
		if (strcmp(parsers[i]->name, name) == 0)
			return parsers[i];
	return NULL;
}

/* Tries one format on r, undoing what a failed attempt wrote. */
static int
parser_try(const struct parser *p, struct record *r)
{
	if (p->parse(r->line, r->len, r))
		return 1;
	record_reset(r, r->line, r->len);
	return 0;
}

/*
 * Reads r->line with the format that read the source's previous line, or
 * else the first format that recognises it. Returns that format, or NULL
 * when none does (r then holds the whole line as its message).
 */
const struct parser *
parser_detect(struct parser_state *st, struct record *r)
{
	const struct parser *last;
	int i;

	record_reset(r, r->line, r->len);
	/* The catch-all never sticks: it would shadow every specific format. */
	last = st != NULL && st->last != &parser_generic ? st->last : NULL;
	if (last != NULL && parser_try(last, r))
		return last;
	for (i = 0; parsers[i] != NULL; i++) {
		if (parsers[i] == last)
			continue;
		if (parser_try(parsers[i], r)) {
			if (st != NULL)
				st->last = parsers[i] == &parser_generic ? NULL :
				    parsers[i];
			return parsers[i];
		}
	}
	return NULL;
}
