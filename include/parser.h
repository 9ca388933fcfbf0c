/*
 * parser: the table of log formats and per-source format detection. Each
 * format is a `const struct parser` with a pure parse function (line in,
 * record out, no state), so formats are tested alone with golden files.
 * Detection tries the format that read the previous line first, then all.
 */
#ifndef PARSER_H
#define PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "tstamp.h"

struct record;
struct parser_state;

struct parser {
	const char *name;
	/*
	 * Reads a line into r; 1 if the line is in this format, else 0. The
	 * time is kept as written, impossible values included: the caller
	 * (parser_detect) flags those with record_ts_bad().
	 */
	int (*parse)(const char *, size_t, struct record *);
	/*
	 * Optional: reads a line with the source's state, for formats whose
	 * header lines say how to read the records (W3C "#Fields:", Zeek
	 * "#fields"); tried instead of parse when the source is known.
	 */
	int (*parse_st)(
	    struct parser_state *, const char *, size_t, struct record *);
};

/* The columns a header names that a parser reads by role. */
enum parser_col {
	PARSER_COL_DATE,
	PARSER_COL_TIME,
	PARSER_COL_TS, /* epoch seconds */
	PARSER_COL_METHOD,
	PARSER_COL_URI,
	PARSER_COL_STATUS,
	PARSER_COL_CLIENT,
	PARSER_COL_NROLES
};

/* What kind of header a source's header lines were. */
enum parser_hdr_kind { PARSER_HDR_NONE = 0, PARSER_HDR_W3C, PARSER_HDR_ZEEK };

#define PARSER_HDR_COLS  48  /* columns a header may name */
#define PARSER_HDR_NAMES 768 /* bytes of column names kept */

/*
 * What a source's header lines said: the columns ("#Fields:", "#fields"),
 * the date of records that carry only a time (W3C "#Date:"), an offset
 * (W3C "#GMT-Offset:"), the separator (Zeek). Bounded; no allocation.
 */
struct parser_hdr {
	enum parser_hdr_kind kind;
	int                  ncols;
	int8_t               col[PARSER_COL_NROLES]; /* -1: not named */
	uint16_t             name_off[PARSER_HDR_COLS];
	uint8_t              name_len[PARSER_HDR_COLS];
	char                 names[PARSER_HDR_NAMES];
	size_t               names_len;
	struct tstamp        date; /* year, mon, day of "#Date:" */
	int                  has_date;
	int32_t              offset_s;
	int                  has_offset;
	char                 sep;
};

#define PARSER_MAX 48 /* formats in the registry, at most */

/* Per-source detection state. */
struct parser_state {
	const struct parser *last;
	struct parser_hdr    hdr;
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
extern const struct parser parser_s3;           /* parser_clf.c */
extern const struct parser parser_uwsgi;        /* parser_clf.c */
extern const struct parser parser_zeek;         /* parser_zeek.c */
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
extern const struct parser parser_tai64n;       /* parser_app.c */
extern const struct parser parser_apt;          /* parser_app.c */
extern const struct parser parser_history;      /* parser_app.c */
extern const struct parser parser_strace;       /* parser_app.c */
extern const struct parser parser_tcf;          /* parser_app.c */
extern const struct parser parser_generic;      /* parser_generic.c */

const struct parser *parser_find(const char *);
int parser_can_start(const struct parser *, const char *, size_t);
const struct parser *parser_detect(struct parser_state *, struct record *);
const struct parser *const *parser_all(void);

#endif /* PARSER_H */
