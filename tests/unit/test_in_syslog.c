/*
 * Unit tests for in_syslog: the framing functions on byte strings, the
 * address reader, and the receivers on loopback sockets (both framings,
 * cut messages, the peer limit, idle peers, freeing from a callback).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "in_syslog.h"

#define MAXGOT 64

struct got {
	char   msg[MAXGOT][256];
	size_t len[MAXGOT];
	int    cut[MAXGOT];
	char   peer[64];
	int    n;
};

/* Keeps a copy of one frame (its first 255 bytes). */
static void
got_add(struct got *g, const char *p, size_t n, int cut)
{
	size_t k = n < 255 ? n : 255;

	if (g->n == MAXGOT)
		return;
	memcpy(g->msg[g->n], p, k);
	g->msg[g->n][k] = '\0';
	g->len[g->n] = n;
	g->cut[g->n++] = cut;
}

/*
 * Frames a stream fed in chunks of step bytes the way the receiver does:
 * a buffer that never holds more than max + 32 bytes, drained as told.
 */
static void
frame_stream(const char *s, size_t n, size_t step, size_t max, struct got *g)
{
	struct in_syslog_framer fr;
	struct in_syslog_frame  f;
	char                   *buf = malloc(max + 32);
	size_t                  have = 0, off = 0, take;
	int                     r;

	memset(&fr, 0, sizeof(fr));
	memset(g, 0, sizeof(*g));
	while (off < n || have > 0) {
		take = n - off < step ? n - off : step;
		if (take > max + 32 - have)
			take = max + 32 - have;
		memcpy(buf + have, s + off, take);
		have += take;
		off += take;
		do {
			r = in_syslog_frame_next(&fr, buf, have, max, &f);
			if (r == 1)
				got_add(g, f.msg, f.len, f.cut);
			assert_true(f.used <= have);
			memmove(buf, buf + f.used, have - f.used);
			have -= f.used;
		} while (r == 1 || f.used > 0);
		/* with a full buffer, framing must always make progress */
		assert_true(have < max + 32);
		if (off == n) {
			if (in_syslog_frame_last(&fr, buf, have, max, &f))
				got_add(g, f.msg, f.len, f.cut);
			have = 0;
		}
	}
	free(buf);
}

static void
test_in_syslog_octet_counted_as_rsyslog_sends(void **state)
{
	/* RSYSLOG_SyslogRFC5424Format: no trailer between frames. */
	const char *s =
	    "51 <133>1 2024-03-15T09:00:01Z vm app - - - first line"
	    "53 <133>1 2024-03-15T09:00:02Z vm app - - - second line\n";
	struct got g;
	size_t     step;

	(void)state;
	for (step = 1; step <= strlen(s); step++) {
		frame_stream(s, strlen(s), step, 8192, &g);
		assert_int_equal(g.n, 2);
		assert_string_equal(g.msg[0],
		    "<133>1 2024-03-15T09:00:01Z vm app - - - first line");
		/* the LF inside the count (SyslogProtocol23Format) is dropped */
		assert_string_equal(g.msg[1],
		    "<133>1 2024-03-15T09:00:02Z vm app - - - second line");
		assert_int_equal(g.cut[0] + g.cut[1], 0);
	}
}

static void
test_in_syslog_lf_nul_and_crlf_trailers(void **state)
{
	const char s[] =
	    "<13>one\n<13>two\r\n<13>three\0<13>four\n\n\r\n<13>five";
	struct got g;

	(void)state;
	frame_stream(s, sizeof(s) - 1, 3, 8192, &g);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.msg[0], "<13>one");
	assert_string_equal(g.msg[1], "<13>two");
	assert_string_equal(g.msg[2], "<13>three");
	assert_string_equal(g.msg[3], "<13>four");
	/* the last one had no trailer: delivered at the end of the stream */
	assert_string_equal(g.msg[4], "<13>five");
}

static void
test_in_syslog_frame_next_needs_more(void **state)
{
	struct in_syslog_framer fr;
	struct in_syslog_frame  f;

	(void)state;
	memset(&fr, 0, sizeof(fr));
	assert_int_equal(in_syslog_frame_next(&fr, "12", 2, 8192, &f), 0);
	assert_int_equal(f.used, 0);
	assert_int_equal(
	    in_syslog_frame_next(&fr, "12 <13>ab", 9, 8192, &f), 0);
	assert_int_equal(f.used, 0);
	assert_int_equal(in_syslog_frame_next(&fr, "<13>abc", 7, 8192, &f), 0);
	assert_int_equal(f.used, 0);
	assert_int_equal(in_syslog_frame_next(&fr, "\n\n<1", 4, 8192, &f), 0);
	assert_int_equal(f.used, 2);
	assert_int_equal(in_syslog_frame_next(&fr, "3 <13>a", 7, 8192, &f), 1);
	assert_int_equal(f.framing, IN_SYSLOG_OCTET);
	assert_int_equal(f.len, 3);
	assert_memory_equal(f.msg, "<13", 3);
	assert_int_equal(f.used, 5);
}

static void
test_in_syslog_long_octet_frame_cut_and_skipped(void **state)
{
	char       s[3000];
	struct got g;
	size_t     n, step;

	(void)state;
	/* a 2000-byte frame with max 500, then a short one */
	n = (size_t)snprintf(s, sizeof(s), "2000 <13>");
	memset(s + n, 'x', 1996);
	n += 1996;
	n += (size_t)snprintf(s + n, sizeof(s) - n, "9 <13>after");
	for (step = 1; step < 2100; step += 97) {
		frame_stream(s, n, step, 500, &g);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.len[0], 500);
		assert_int_equal(g.cut[0], 1);
		assert_memory_equal(g.msg[0], "<13>xxxx", 8);
		assert_string_equal(g.msg[1], "<13>after");
		assert_int_equal(g.cut[1], 0);
	}
}

static void
test_in_syslog_long_lf_frame_cut_and_skipped(void **state)
{
	char       s[3000];
	struct got g;
	size_t     n, step;

	(void)state;
	memcpy(s, "<13>", 4);
	memset(s + 4, 'y', 1996);
	n = 2000;
	n += (size_t)snprintf(s + n, sizeof(s) - n, "\n<13>after\n");
	for (step = 1; step < 2100; step += 89) {
		frame_stream(s, n, step, 500, &g);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.len[0], 500);
		assert_int_equal(g.cut[0], 1);
		assert_string_equal(g.msg[1], "<13>after");
	}
}

static void
test_in_syslog_lf_frame_at_the_bound(void **state)
{
	char       s[1200];
	struct got g;

	(void)state;
	/* exactly max bytes then CRLF: whole */
	memset(s, 'a', 500);
	memcpy(s + 500, "\r\n", 2);
	frame_stream(s, 502, 502, 500, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], 500);
	assert_int_equal(g.cut[0], 0);
	/* max + 1 bytes then LF: cut, and the next frame is intact */
	memset(s, 'b', 501);
	memcpy(s + 501, "\n<1>z\n", 6);
	frame_stream(s, 507, 507, 500, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[0], 500);
	assert_int_equal(g.cut[0], 1);
	assert_string_equal(g.msg[1], "<1>z");
}

static void
test_in_syslog_garbage_keeps_sync(void **state)
{
	/* neither digit nor '<'; a date is not a length; 10 digits is too
	 * long for one; each is read up to its LF, and what follows is in
	 * step. */
	const char *s = "hello world\n2024-03-15 09:00:01 plain line\n"
			"1234567890 too long\n<13>ok\n7 <13>oct";
	struct got  g;

	(void)state;
	frame_stream(s, strlen(s), 5, 8192, &g);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.msg[0], "hello world");
	assert_string_equal(g.msg[1], "2024-03-15 09:00:01 plain line");
	assert_string_equal(g.msg[2], "1234567890 too long");
	assert_string_equal(g.msg[3], "<13>ok");
	assert_string_equal(g.msg[4], "<13>oct");
}

static void
test_in_syslog_short_last_frame_is_cut(void **state)
{
	const char *s = "100 <13>only part of it";
	struct got  g;

	(void)state;
	frame_stream(s, strlen(s), 4, 8192, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], "<13>only part of it");
	assert_int_equal(g.cut[0], 1);
}

static void
test_in_syslog_parse_addr_literals_only(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6    *sin6 = (struct sockaddr_in6 *)&ss;
	int                     len;

	(void)state;
	assert_int_equal(in_syslog_parse_addr("127.0.0.1:514", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 514);
	assert_int_equal(in_syslog_parse_addr("[::1]:6514", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 6514);
	assert_int_equal(len, sizeof(*sin6));
	assert_int_equal(in_syslog_parse_addr("0.0.0.0:0", &ss, &len), 0);
	assert_int_equal(in_syslog_parse_addr("::1:514", &ss, &len), -1);
	assert_int_equal(in_syslog_parse_addr("localhost:514", &ss, &len), -1);
	assert_int_equal(in_syslog_parse_addr("1.2.3.4:65536", &ss, &len), -1);
	assert_int_equal(in_syslog_parse_addr("1.2.3.4:", &ss, &len), -1);
	assert_int_equal(in_syslog_parse_addr("1.2.3.4", &ss, &len), -1);
	assert_int_equal(in_syslog_parse_addr("[::1]", &ss, &len), -1);
	assert_int_equal(in_syslog_parse_addr("[]:1", &ss, &len), -1);
}

/*
 * Receivers on loopback.
 */

struct rx {
	struct event_base *base;
	struct in_syslog  *in;
	struct got         g;
	int                want;    /* break the loop at this many */
	int                free_at; /* free the receiver at this many */
};

/* Keeps each message; frees the receiver or stops the loop as asked. */
static void
rx_cb(const char *msg, size_t len, const char *peer, void *arg)
{
	struct rx *rx = arg;

	got_add(&rx->g, msg, len, 0);
	snprintf(rx->g.peer, sizeof(rx->g.peer), "%s", peer);
	if (rx->g.n == rx->free_at) {
		in_syslog_free(rx->in);
		rx->in = NULL;
	}
	if (rx->g.n == rx->want)
		event_base_loopbreak(rx->base);
}

/* Ends a loop run that waited long enough. */
static void
rx_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Runs the loop until rx_cb breaks it or ms milliseconds pass. */
static void
rx_run(struct rx *rx, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct event  *t = evtimer_new(rx->base, rx_timeout_cb, rx->base);

	evtimer_add(t, &tv);
	event_base_dispatch(rx->base);
	event_free(t);
}

/* A socket of type connected to the receiver's bound address. */
static int
rx_connect(struct rx *rx, int type)
{
	struct sockaddr_storage ss;
	int                     len, fd;

	assert_int_equal(
	    in_syslog_parse_addr(in_syslog_local(rx->in), &ss, &len), 0);
	fd = socket(ss.ss_family, type, 0);
	assert_true(fd >= 0);
	assert_int_equal(
	    connect(fd, (struct sockaddr *)&ss, (socklen_t)len), 0);
	return fd;
}

/*
 * 1 once the receiver has closed fd (read gives end of file), running the
 * loop meanwhile: libevent closes a freed bufferevent's socket from it.
 */
static int
rx_closed(struct rx *rx, int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char          c;
	int           i;

	for (i = 0; i < 30; i++) {
		rx_run(rx, 100);
		if (poll(&p, 1, 0) == 1)
			return read(fd, &c, 1) == 0;
	}
	return 0;
}

/* Starts a TCP (tcp = 1) or UDP receiver on 127.0.0.1 with limits. */
static void
rx_start(struct rx *rx, int tcp, size_t max_msg, unsigned peers)
{
	struct in_syslog_limits lim;

	memset(rx, 0, sizeof(*rx));
	rx->base = event_base_new();
	rx->in = tcp ? in_syslog_tcp_new(rx->base, "127.0.0.1:0", rx_cb, rx)
		     : in_syslog_udp_new(rx->base, "127.0.0.1:0", rx_cb, rx);
	assert_non_null(rx->in);
	in_syslog_get_limits(rx->in, &lim);
	lim.max_msg = max_msg;
	lim.max_peers = peers;
	in_syslog_set_limits(rx->in, &lim);
}

/* Frees the receiver (if the test has not) and the loop. */
static void
rx_stop(struct rx *rx)
{
	in_syslog_free(rx->in);
	event_base_free(rx->base);
}

static void
test_in_syslog_tcp_both_framings_one_port(void **state)
{
	struct rx rx;
	int       fd;

	(void)state;
	rx_start(&rx, 1, 8192, 8);
	fd = rx_connect(&rx, SOCK_STREAM);
	rx.want = 3;
	assert_int_equal(write(fd, "7 <13>one<13>t", 14), 14);
	rx_run(&rx, 200);
	assert_int_equal(write(fd, "wo\n9 <13>three", 14), 14);
	rx_run(&rx, 3000);
	assert_int_equal(rx.g.n, 3);
	assert_string_equal(rx.g.msg[0], "<13>one");
	assert_string_equal(rx.g.msg[1], "<13>two");
	assert_string_equal(rx.g.msg[2], "<13>three");
	assert_string_equal(rx.g.peer, "127.0.0.1");
	assert_int_equal(in_syslog_stats(rx.in)->peers, 1);
	assert_int_equal(in_syslog_stats(rx.in)->bytes, 28);
	close(fd);
	rx_run(&rx, 200);
	assert_int_equal(in_syslog_stats(rx.in)->peers, 0);
	assert_int_equal(in_syslog_stats(rx.in)->peers_total, 1);
	assert_int_equal(in_syslog_stats(rx.in)->messages, 3);
	rx_stop(&rx);
}

static void
test_in_syslog_tcp_long_message_cut_and_counted(void **state)
{
	struct rx rx;
	char      big[100 * 1024];
	int       fd;

	(void)state;
	rx_start(&rx, 1, 8192, 8);
	fd = rx_connect(&rx, SOCK_STREAM);
	memset(big, 'z', sizeof(big));
	memcpy(big, "<13>", 4);
	big[sizeof(big) - 1] = '\n';
	rx.want = 2;
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(write(fd, "<13>next\n", 9), 9);
	rx_run(&rx, 3000);
	assert_int_equal(rx.g.n, 2);
	assert_int_equal(rx.g.len[0], 8192);
	assert_string_equal(rx.g.msg[1], "<13>next");
	assert_int_equal(in_syslog_stats(rx.in)->cut, 1);
	close(fd);
	rx_stop(&rx);
}

static void
test_in_syslog_tcp_peer_limit_refuses_and_counts(void **state)
{
	struct rx rx;
	int       a, b;

	(void)state;
	rx_start(&rx, 1, 8192, 1);
	a = rx_connect(&rx, SOCK_STREAM);
	rx_run(&rx, 100);
	b = rx_connect(&rx, SOCK_STREAM);
	rx_run(&rx, 100);
	/* the second connection was closed by the receiver */
	assert_true(rx_closed(&rx, b));
	assert_int_equal(in_syslog_stats(rx.in)->dropped, 1);
	assert_int_equal(in_syslog_stats(rx.in)->peers, 1);
	rx.want = 1;
	assert_int_equal(write(a, "<13>still\n", 10), 10);
	rx_run(&rx, 3000);
	assert_string_equal(rx.g.msg[0], "<13>still");
	close(a);
	close(b);
	rx_stop(&rx);
}

static void
test_in_syslog_tcp_idle_peer_closed(void **state)
{
	struct in_syslog_limits lim;
	struct rx               rx;
	int                     fd;

	(void)state;
	rx_start(&rx, 1, 8192, 8);
	in_syslog_get_limits(rx.in, &lim);
	lim.idle_s = 1;
	in_syslog_set_limits(rx.in, &lim);
	fd = rx_connect(&rx, SOCK_STREAM);
	assert_int_equal(write(fd, "<13>unterminated", 16), 16);
	rx.want = 1;
	rx_run(&rx, 3000);
	/* its partial frame was delivered when it was closed */
	assert_int_equal(rx.g.n, 1);
	assert_string_equal(rx.g.msg[0], "<13>unterminated");
	assert_true(rx_closed(&rx, fd));
	assert_int_equal(in_syslog_stats(rx.in)->timeouts, 1);
	assert_int_equal(in_syslog_stats(rx.in)->peers, 0);
	close(fd);
	rx_stop(&rx);
}

static void
test_in_syslog_tcp_freed_from_its_callback(void **state)
{
	struct rx rx;
	int       fd, fd2;

	(void)state;
	rx_start(&rx, 1, 8192, 8);
	fd = rx_connect(&rx, SOCK_STREAM);
	fd2 = rx_connect(&rx, SOCK_STREAM);
	rx_run(&rx, 100);
	rx.free_at = 1;
	assert_int_equal(write(fd, "<13>a\n<13>b\n<13>c\n", 18), 18);
	rx_run(&rx, 300);
	/* freed at the first message; the rest were never delivered, and
	 * both peers went with it (ASan checks the rest) */
	assert_int_equal(rx.g.n, 1);
	assert_null(rx.in);
	close(fd);
	close(fd2);
	rx_stop(&rx);
}

static void
test_in_syslog_udp_datagrams_cut_and_freed_from_callback(void **state)
{
	struct rx rx;
	char      big[2000];
	int       fd;

	(void)state;
	rx_start(&rx, 0, 100, 8); /* clamped to IN_SYSLOG_MSG_MIN */
	fd = rx_connect(&rx, SOCK_DGRAM);
	memset(big, 'u', sizeof(big));
	rx.want = 2;
	assert_int_equal(send(fd, "<13>dgram\n", 10, 0), 10);
	assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	rx_run(&rx, 3000);
	assert_int_equal(rx.g.n, 2);
	assert_string_equal(rx.g.msg[0], "<13>dgram");
	assert_int_equal(rx.g.len[1], IN_SYSLOG_MSG_MIN);
	assert_int_equal(in_syslog_stats(rx.in)->cut, 1);
	assert_int_equal(in_syslog_stats(rx.in)->bytes, 2010);
	rx.free_at = 3;
	rx.want = 0;
	assert_int_equal(send(fd, "<13>x", 5, 0), 5);
	assert_int_equal(send(fd, "<13>y", 5, 0), 5);
	rx_run(&rx, 300);
	assert_int_equal(rx.g.n, 3);
	assert_null(rx.in);
	close(fd);
	rx_stop(&rx);
}

static void
test_in_syslog_bind_errors_return_null(void **state)
{
	struct event_base *base = event_base_new();
	struct in_syslog  *a, *b;

	(void)state;
	assert_null(in_syslog_tcp_new(base, "localhost:514", rx_cb, NULL));
	assert_null(in_syslog_udp_new(base, "192.0.2.1:9", rx_cb, NULL));
	a = in_syslog_tcp_new(base, "[::1]:0", rx_cb, NULL);
	if (a != NULL) { /* IPv6 may be off on this machine */
		assert_memory_equal(in_syslog_local(a), "[::1]:", 6);
		b = in_syslog_tcp_new(base, in_syslog_local(a), rx_cb, NULL);
		assert_null(b);
	}
	in_syslog_free(a);
	in_syslog_free(NULL);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_syslog_octet_counted_as_rsyslog_sends),
	    cmocka_unit_test(test_in_syslog_lf_nul_and_crlf_trailers),
	    cmocka_unit_test(test_in_syslog_frame_next_needs_more),
	    cmocka_unit_test(test_in_syslog_long_octet_frame_cut_and_skipped),
	    cmocka_unit_test(test_in_syslog_long_lf_frame_cut_and_skipped),
	    cmocka_unit_test(test_in_syslog_lf_frame_at_the_bound),
	    cmocka_unit_test(test_in_syslog_garbage_keeps_sync),
	    cmocka_unit_test(test_in_syslog_short_last_frame_is_cut),
	    cmocka_unit_test(test_in_syslog_parse_addr_literals_only),
	    cmocka_unit_test(test_in_syslog_tcp_both_framings_one_port),
	    cmocka_unit_test(test_in_syslog_tcp_long_message_cut_and_counted),
	    cmocka_unit_test(test_in_syslog_tcp_peer_limit_refuses_and_counts),
	    cmocka_unit_test(test_in_syslog_tcp_idle_peer_closed),
	    cmocka_unit_test(test_in_syslog_tcp_freed_from_its_callback),
	    cmocka_unit_test(
		test_in_syslog_udp_datagrams_cut_and_freed_from_callback),
	    cmocka_unit_test(test_in_syslog_bind_errors_return_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
