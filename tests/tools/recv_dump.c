/*
 * recv_dump: runs syslog receivers (in_syslog) for the system tests and
 * prints, one JSON object per line on stdout: each bound address
 * {"listen", "addr"}, then each message {"peer", "len", "msg", "via"},
 * then at SIGTERM or SIGINT each receiver's counters {"stats", "via"}.
 *
 * usage: recv_dump [--max BYTES] [--peers N] [--idle S] [--free-after N]
 *                  [--udp ADDR]... [--tcp ADDR]...
 * --free-after N frees a receiver from inside its callback at its Nth
 * message, as a daemon dropping a source on reload would.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "in_syslog.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

#define RECV_DUMP_MAX 16 /* receivers */

struct recv_dump_rx {
	struct in_syslog *in;
	char              via[IN_SYSLOG_ADDR_LEN + 8]; /* "tcp ADDR" */
	unsigned long     seen;
	struct recv_dump *rd;
};

struct recv_dump {
	struct recv_dump_rx     rx[RECV_DUMP_MAX];
	int                     n;
	unsigned long           free_after;
	struct in_syslog_limits lim;
	int                     set_lim;
};

/* Prints one JSON object as a line and flushes it for the reader. */
static void
recv_dump_print(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s != NULL)
		printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

/* A JSON string of the message, made valid UTF-8 if it was not. */
static json_t *
recv_dump_text(const char *msg, size_t len)
{
	json_t *s = json_stringn(msg, len);
	char   *buf;

	if (s != NULL)
		return s;
	buf = xmalloc(len * 3 + 1);
	utf8_sanitize(msg, len, buf, len * 3 + 1);
	s = json_string(buf);
	free(buf);
	return s;
}

/* Prints one message; frees its receiver at the --free-after count. */
static void
recv_dump_msg_cb(const char *msg, size_t len, const char *peer, void *arg)
{
	struct recv_dump_rx *rx = arg;

	recv_dump_print(json_pack("{s:s, s:I, s:o, s:s}", "peer", peer, "len",
	    (json_int_t)len, "msg", recv_dump_text(msg, len), "via", rx->via));
	if (++rx->seen == rx->rd->free_after) {
		in_syslog_free(rx->in);
		rx->in = NULL;
	}
}

/* Prints a receiver's counters. */
static void
recv_dump_stats(const struct recv_dump_rx *rx)
{
	const struct in_syslog_stats *st;

	if (rx->in == NULL)
		return;
	st = in_syslog_stats(rx->in);
	recv_dump_print(
	    json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:s}",
		"stats", "messages", (json_int_t)st->messages, "bytes",
		(json_int_t)st->bytes, "cut", (json_int_t)st->cut, "dropped",
		(json_int_t)st->dropped, "overflow", (json_int_t)st->overflow,
		"peers", (json_int_t)st->peers, "peers_total",
		(json_int_t)st->peers_total, "timeouts",
		(json_int_t)st->timeouts, "via", rx->via));
}

/* Starts one receiver of the given protocol; exits if it cannot. */
static void
recv_dump_add(struct recv_dump *rd, struct event_base *base, const char *proto,
    const char *addr)
{
	struct recv_dump_rx *rx = &rd->rx[rd->n];

	if (rd->n == RECV_DUMP_MAX)
		fatalx("too many receivers");
	rx->rd = rd;
	rx->in = strcmp(proto, "udp") == 0
	    ? in_syslog_udp_new(base, addr, recv_dump_msg_cb, rx)
	    : in_syslog_tcp_new(base, addr, recv_dump_msg_cb, rx);
	if (rx->in == NULL)
		exit(1);
	if (rd->set_lim)
		in_syslog_set_limits(rx->in, &rd->lim);
	snprintf(
	    rx->via, sizeof(rx->via), "%s %s", proto, in_syslog_local(rx->in));
	recv_dump_print(json_pack(
	    "{s:s, s:s}", "listen", proto, "addr", in_syslog_local(rx->in)));
	rd->n++;
}

/* Says how to call the program and exits. */
static void
recv_dump_usage(void)
{
	fatalx("usage: recv_dump [--max B] [--peers N] [--idle S] "
	       "[--free-after N] [--udp ADDR]... [--tcp ADDR]...");
}

/* Reads a non-negative number argument; exits on a bad one. */
static unsigned long
recv_dump_num(const char *s)
{
	char         *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		fatalx("not a number: %s", s);
	return v;
}

/* Reads the limit flags; 1 if argv[i] was one (and takes its value). */
static int
recv_dump_limit(struct recv_dump *rd, const char *flag, const char *val)
{
	if (strcmp(flag, "--max") == 0)
		rd->lim.max_msg = recv_dump_num(val);
	else if (strcmp(flag, "--peers") == 0)
		rd->lim.max_peers = (unsigned)recv_dump_num(val);
	else if (strcmp(flag, "--idle") == 0)
		rd->lim.idle_s = (unsigned)recv_dump_num(val);
	else if (strcmp(flag, "--free-after") == 0)
		rd->free_after = recv_dump_num(val);
	else
		return 0;
	rd->set_lim = 1;
	return 1;
}

/* Stops the loop on SIGTERM or SIGINT. */
static void
recv_dump_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

/* Reads the flags, runs the receivers until a signal, prints counters. */
int
main(int argc, char **argv)
{
	static struct recv_dump rd;
	struct event_base      *base;
	struct event           *term, *intr;
	int                     i;

	log_init(0, 0);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	rd.lim.max_msg = IN_SYSLOG_MSG_DEFAULT;
	rd.lim.max_peers = IN_SYSLOG_PEERS_DEFAULT;
	rd.lim.idle_s = IN_SYSLOG_IDLE_DEFAULT;
	if (argc % 2 == 0)
		recv_dump_usage();
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--udp") == 0 ||
		    strcmp(argv[i], "--tcp") == 0)
			continue;
		if (!recv_dump_limit(&rd, argv[i], argv[i + 1]))
			recv_dump_usage();
	}
	for (i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--udp") == 0 ||
		    strcmp(argv[i], "--tcp") == 0)
			recv_dump_add(&rd, base, argv[i] + 2, argv[i + 1]);
	term = evsignal_new(base, SIGTERM, recv_dump_signal_cb, base);
	intr = evsignal_new(base, SIGINT, recv_dump_signal_cb, base);
	evsignal_add(term, NULL);
	evsignal_add(intr, NULL);
	event_base_dispatch(base);
	for (i = 0; i < rd.n; i++) {
		recv_dump_stats(&rd.rx[i]);
		in_syslog_free(rd.rx[i].in);
	}
	event_free(term);
	event_free(intr);
	event_base_free(base);
	return 0;
}
