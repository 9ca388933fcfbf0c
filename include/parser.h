/*
 * parser: the table of log formats and per-source format detection. Each
 * format is a `const struct parser` with a pure parse function (line in,
 * record out, no state), so formats are tested alone with golden files.
 * Detection tries the format that read the previous line first, then all.
 */
#ifndef PARSER_H
#define PARSER_H

#include <stddef.h>

struct record;

struct parser {
	const char *name;
	/*
	 * Reads a line into r; 1 if the line is in this format, else 0. The
	 * time is kept as written, impossible values included: the caller
	 * (parser_detect) flags those with record_ts_bad().
	 */
	int (*parse)(const char *, size_t, struct record *);
};

/* Per-source detection state. */
struct parser_state {
	const struct parser *last;
};

/*
 * Every format's table, by the file that defines it. parser.c lists them
 * in detection order; a table declared here and not defined fails to link.
 */
extern const struct parser parser_json;         /* parser_json.c */
extern const struct parser parser_logfmt;       /* parser_logfmt.c */
extern const struct parser parser_rfc3164;      /* parser_syslog.c */
extern const struct parser parser_rfc5424;      /* parser_syslog.c */
extern const struct parser parser_clf;          /* parser_clf.c */
extern const struct parser parser_w3c;          /* parser_clf.c */
extern const struct parser parser_alb;          /* parser_clf.c */
extern const struct parser parser_squid;        /* parser_clf.c */
extern const struct parser parser_bgl;          /* parser_clf.c */
extern const struct parser parser_hpc;          /* parser_clf.c */
extern const struct parser parser_envoy;        /* parser_clf.c */
extern const struct parser parser_nagios;       /* parser_clf.c */
extern const struct parser parser_postgres;     /* parser_db.c */
extern const struct parser parser_mysql;        /* parser_db.c */
extern const struct parser parser_pgbouncer;    /* parser_db.c */
extern const struct parser parser_redis;        /* parser_db.c */
extern const struct parser parser_spring;       /* parser_java.c */
extern const struct parser parser_log4j;        /* parser_java.c */
extern const struct parser parser_kafka;        /* parser_java.c */
extern const struct parser parser_nginx_error;  /* parser_errlog.c */
extern const struct parser parser_apache_error; /* parser_errlog.c */
extern const struct parser parser_python;       /* parser_app.c */
extern const struct parser parser_golog;        /* parser_app.c */
extern const struct parser parser_klog;         /* parser_app.c */
extern const struct parser parser_hdfs;         /* parser_app.c */
extern const struct parser parser_logcat;       /* parser_app.c */
extern const struct parser parser_monit;        /* parser_app.c */
extern const struct parser parser_generic;      /* parser_generic.c */

const struct parser *parser_find(const char *);
const struct parser *parser_detect(struct parser_state *, struct record *);
const struct parser *const *parser_all(void);

#endif /* PARSER_H */
