/*
 * in_syslog: UDP and TCP syslog receivers. TCP frames are told apart per
 * frame (RFC 6587) by small pure functions; every peer is a private struct
 * freed in one place. Messages leave as received, cut at a bound; parsing
 * them, and what a message means, belong to the caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "in_syslog.h"
#include "log.h"
#include "xmalloc.h"

#define IN_SYSLOG_LEN_DIGITS 9     /* MSG-LEN digits read: under 1 GB */
#define IN_SYSLOG_SLACK      32    /* room for "LEN SP" or a CRLF trailer */
#define IN_SYSLOG_UDP_MAX    65536 /* no datagram is longer */
#define IN_SYSLOG_UDP_BURST  64    /* datagrams read per callback */
#define IN_SYSLOG_RCVBUF     (1024 * 1024)
#define IN_SYSLOG_BACKLOG    512
#define IN_SYSLOG_FD_RESERVE 32 /* fds kept for the rest of the daemon */
#define IN_SYSLOG_DEFER_S    1  /* accept paused this long near the limit */

/* Errors logged once per receiver. */
#define IN_SYSLOG_WARN_ACCEPT 0x1
#define IN_SYSLOG_WARN_PEERS  0x2
#define IN_SYSLOG_WARN_FDS    0x4
#define IN_SYSLOG_WARN_RECV   0x8

struct in_syslog_peer {
	struct in_syslog       *in;
	struct bufferevent     *bev;
	struct in_syslog_framer framer;
	char                    addr[INET6_ADDRSTRLEN];
	int                     dead; /* closed; freed after the callback */
	TAILQ_ENTRY(in_syslog_peer) entry;
};

struct in_syslog {
	struct event_base      *base;
	in_syslog_cb            cb;
	void                   *arg;
	char                    name[IN_SYSLOG_ADDR_LEN + 16]; /* for logs */
	char                    local[IN_SYSLOG_ADDR_LEN]; /* bound address */
	struct in_syslog_limits lim;
	struct in_syslog_stats  st;
	int                     fd;  /* UDP socket, or -1 */
	struct event           *udp; /* UDP: readable */
	char                   *buf; /* UDP: one datagram */
	size_t                  bufsz;
	struct evconnlistener  *lev;   /* TCP */
	struct event           *defer; /* TCP: re-enables accept */
	TAILQ_HEAD(, in_syslog_peer) peers;
	int      busy; /* inside the caller's callback */
	int      dead; /* freed while busy; freed after it */
	unsigned warned;
};

/*
 * Framing. Each function looks at the bytes buffered for one peer, never
 * past n, and says how many of them to drain; none keeps a pointer.
 */

/* Drains the rest of a cut frame and blank trailers; returns the bytes. */
static size_t
in_syslog_frame_skip(struct in_syslog_framer *fr, const char *p, size_t n)
{
	size_t at = 0;

	if (fr->skip > 0) {
		at = fr->skip < n ? (size_t)fr->skip : n;
		fr->skip -= at;
		if (fr->skip > 0)
			return at;
	}
	if (fr->skip_lf) {
		while (at < n && p[at] != '\n' && p[at] != '\0')
			at++;
		if (at == n)
			return n;
		at++;
		fr->skip_lf = 0;
	}
	while (at < n && (p[at] == '\n' || p[at] == '\r' || p[at] == '\0'))
		at++;
	return at;
}

/*
 * Reads an octet-counting header "LEN SP" (LEN without a leading zero).
 * 1 with *len and *hlen set; 0 if the bytes so far could still be one;
 * -1 if this frame is not octet-counted.
 */
static int
in_syslog_octet_header(const char *p, size_t n, uint64_t *len, size_t *hlen)
{
	uint64_t v = 0;
	size_t   i;

	if (n == 0 || p[0] < '1' || p[0] > '9')
		return -1;
	for (i = 0;
	     i < n && i < IN_SYSLOG_LEN_DIGITS && p[i] >= '0' && p[i] <= '9';
	     i++)
		v = v * 10 + (uint64_t)(p[i] - '0');
	if (i == n)
		return 0;
	if (p[i] != ' ')
		return -1;
	*len = v;
	*hlen = i + 1;
	return 1;
}

/* Drops the trailers a sender may leave on a message: LF, CRLF, NUL. */
static void
in_syslog_trim(struct in_syslog_frame *f)
{
	while (f->len > 0 &&
	    (f->msg[f->len - 1] == '\n' || f->msg[f->len - 1] == '\r' ||
		f->msg[f->len - 1] == '\0'))
		f->len--;
}

/*
 * An octet-counted frame of len bytes after a header of hlen: whole, or
 * its first max bytes with the rest left to fr->skip. 0: need more.
 */
static int
in_syslog_frame_octet(struct in_syslog_framer *fr, const char *p, size_t n,
    size_t max, uint64_t len, size_t hlen, struct in_syslog_frame *f)
{
	size_t body = n - hlen, take;

	f->framing = IN_SYSLOG_OCTET;
	f->msg = p + hlen;
	if (len <= max) {
		if (body < len)
			return 0;
		f->len = (size_t)len;
		f->used += hlen + f->len;
		in_syslog_trim(f);
		return 1;
	}
	if (body < max)
		return 0;
	take = body < len ? body : (size_t)len;
	f->len = max;
	f->cut = 1;
	f->used += hlen + take;
	fr->skip = len - take;
	return 1;
}

/* Index of the first LF or NUL in p[0..n), or n. */
static size_t
in_syslog_find_end(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != '\n' && p[i] != '\0'; i++)
		;
	return i;
}

/*
 * A frame ending at LF, NUL or CRLF: whole, or, when no trailer comes
 * within max bytes, its first max with the rest skipped up to the next
 * trailer. 0: need more.
 */
static int
in_syslog_frame_lf(struct in_syslog_framer *fr, const char *p, size_t n,
    size_t max, struct in_syslog_frame *f)
{
	size_t lim = n < max + 2 ? n : max + 2, i = in_syslog_find_end(p, lim);

	f->framing = IN_SYSLOG_LF;
	f->msg = p;
	if (i < lim) {
		f->len = i;
		f->used += i + 1;
		if (f->len > 0 && p[f->len - 1] == '\r')
			f->len--;
	} else if (n < max + 2)
		return 0;
	else {
		f->len = max + 1; /* cut below */
		f->used += lim;
		fr->skip_lf = 1;
	}
	if (f->len > max) {
		f->len = max;
		f->cut = 1;
	}
	in_syslog_trim(f);
	return 1;
}

/*
 * Finds the next frame in a peer's buffered bytes p[0..n), messages kept
 * up to max bytes. 1: a frame in *f; 0: none until more bytes arrive.
 * Either way the caller drains f->used bytes. A frame starting with a
 * digit is octet-counted; any other (garbage included) ends at LF, so a
 * confused stream is in step again at the next line.
 */
int
in_syslog_frame_next(struct in_syslog_framer *fr, const char *p, size_t n,
    size_t max, struct in_syslog_frame *f)
{
	uint64_t len = 0;
	size_t   at, hlen = 0;
	int      r;

	memset(f, 0, sizeof(*f));
	at = in_syslog_frame_skip(fr, p, n);
	f->used = at;
	if (at == n)
		return 0;
	p += at;
	n -= at;
	if ((r = in_syslog_octet_header(p, n, &len, &hlen)) == 0)
		return 0;
	if (r == 1)
		return in_syslog_frame_octet(fr, p, n, max, len, hlen, f);
	return in_syslog_frame_lf(fr, p, n, max, f);
}

/*
 * At the end of a peer's stream, after in_syslog_frame_next() returned 0:
 * the unterminated rest as a last frame (an octet-counted one that came
 * short is marked cut). 1: a frame in *f; 0: nothing left. Drain f->used.
 */
int
in_syslog_frame_last(struct in_syslog_framer *fr, const char *p, size_t n,
    size_t max, struct in_syslog_frame *f)
{
	uint64_t len;
	size_t   at, hlen;

	memset(f, 0, sizeof(*f));
	at = in_syslog_frame_skip(fr, p, n);
	f->used = n;
	if (at == n)
		return 0;
	p += at;
	n -= at;
	f->msg = p;
	f->len = n;
	if (in_syslog_octet_header(p, n, &len, &hlen) == 1) {
		f->framing = IN_SYSLOG_OCTET;
		f->msg += hlen;
		f->len -= hlen;
		f->cut = 1;
	}
	if (f->len > max) {
		f->len = max;
		f->cut = 1;
	}
	in_syslog_trim(f);
	return f->len > 0;
}

/*
 * Addresses.
 */

/* Reads a port "0".."65535"; -1 if s is not one. */
static int
in_syslog_port(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > 65535)
			return -1;
	}
	return (int)v;
}

/*
 * Reads a literal "192.0.2.1:514" or "[2001:db8::1]:514" (port 0: any
 * free port) into ss and its length into *sslen. 0, or -1 if malformed.
 */
int
in_syslog_parse_addr(const char *s, struct sockaddr_storage *ss, int *sslen)
{
	struct sockaddr_in  *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char                 host[IN_SYSLOG_ADDR_LEN];
	const char          *colon;
	int                  port;

	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(s, ':')) == NULL ||
	    (size_t)(colon - s) >= sizeof(host) ||
	    (port = in_syslog_port(colon + 1)) < 0)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*sin);
		return 0;
	}
	if (host[0] != '[' || colon - s < 3 || colon[-1] != ']')
		return -1;
	host[colon - s - 1] = '\0';
	if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
		return -1;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	*sslen = sizeof(*sin6);
	return 0;
}

/* Writes sa's address as text (an IPv4-mapped one as IPv4); "?" if none. */
static void
in_syslog_addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	const struct sockaddr_in6 *sin6 = (const void *)sa;
	const void                *a = NULL;
	int                        af = sa->sa_family;

	if (af == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (af == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		af = AF_INET;
		a = &sin6->sin6_addr.s6_addr[12];
	} else if (af == AF_INET6)
		a = &sin6->sin6_addr;
	if (a == NULL || inet_ntop(af, a, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}

/* Writes the address fd is bound to, "[v6]:port" or "v4:port". */
static void
in_syslog_local_text(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t               len = sizeof(ss);
	char                    a[INET6_ADDRSTRLEN];
	int                     port;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(buf, size, "?");
		return;
	}
	in_syslog_addr_text((struct sockaddr *)&ss, a, sizeof(a));
	port = ntohs(ss.ss_family == AF_INET6
		? ((struct sockaddr_in6 *)&ss)->sin6_port
		: ((struct sockaddr_in *)&ss)->sin_port);
	snprintf(
	    buf, size, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", a, port);
}

/*
 * Receivers: life cycle, delivery and the rule that nothing is freed
 * under a running callback.
 */

/* Makes a receiver with default limits, not yet bound. */
static struct in_syslog *
in_syslog_alloc(struct event_base *base, const char *proto, const char *addr,
    in_syslog_cb cb, void *arg)
{
	struct in_syslog *in = xcalloc(1, sizeof(*in));

	in->base = base;
	in->cb = cb;
	in->arg = arg;
	in->fd = -1;
	in->lim.max_msg = IN_SYSLOG_MSG_DEFAULT;
	in->lim.max_peers = IN_SYSLOG_PEERS_DEFAULT;
	in->lim.idle_s = IN_SYSLOG_IDLE_DEFAULT;
	snprintf(in->name, sizeof(in->name), "syslog %s %s", proto, addr);
	TAILQ_INIT(&in->peers);
	return in;
}

/*
 * A socket of type bound to addr, non-blocking and close-on-exec; -1
 * after logging why.
 */
static int
in_syslog_bind(struct in_syslog *in, const char *addr, int type)
{
	struct sockaddr_storage ss;
	int                     len, fd, on = 1;

	if (in_syslog_parse_addr(addr, &ss, &len) == -1) {
		log_warnx("%s: not an address: want 192.0.2.1:514 or "
			  "[2001:db8::1]:514",
		    in->name);
		return -1;
	}
	if ((fd = socket(
		 ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", in->name);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) == -1) {
		log_warn("%s: bind", in->name);
		close(fd);
		return -1;
	}
	in_syslog_local_text(fd, in->local, sizeof(in->local));
	snprintf(in->name, sizeof(in->name), "syslog %s %s",
	    type == SOCK_DGRAM ? "udp" : "tcp", in->local);
	return fd;
}

/* Hands one message to the caller and counts it; empty ones are not. */
static void
in_syslog_deliver(
    struct in_syslog *in, const struct in_syslog_frame *f, const char *peer)
{
	if (f->len == 0)
		return;
	in->st.messages++;
	if (f->cut)
		in->st.cut++;
	in->busy++;
	in->cb(f->msg, f->len, peer, in->arg);
	in->busy--;
}

/* Releases one peer: the only place a peer is freed. */
static void
in_syslog_peer_free(struct in_syslog_peer *peer)
{
	struct in_syslog *in = peer->in;

	TAILQ_REMOVE(&in->peers, peer, entry);
	in->st.peers--;
	bufferevent_free(peer->bev);
	free(peer);
}

/* Releases everything, in the reverse order of set-up. */
static void
in_syslog_free_now(struct in_syslog *in)
{
	while (!TAILQ_EMPTY(&in->peers))
		in_syslog_peer_free(TAILQ_FIRST(&in->peers));
	if (in->defer != NULL)
		event_free(in->defer);
	if (in->lev != NULL)
		evconnlistener_free(in->lev);
	if (in->udp != NULL)
		event_free(in->udp);
	if (in->fd != -1)
		close(in->fd);
	free(in->buf);
	free(in);
}

/*
 * Ends every callback of ours: what was closed or freed while the
 * caller's callback ran (peer, or the whole receiver) goes now.
 */
static void
in_syslog_after_cb(struct in_syslog *in, struct in_syslog_peer *peer)
{
	if (in->dead)
		in_syslog_free_now(in);
	else if (peer != NULL && peer->dead)
		in_syslog_peer_free(peer);
}

/*
 * Frees a receiver: its listener or socket, every peer, every event. From
 * inside its own callback it is only stopped, and freed once that returns.
 */
void
in_syslog_free(struct in_syslog *in)
{
	if (in == NULL)
		return;
	if (in->busy == 0) {
		in_syslog_free_now(in);
		return;
	}
	in->dead = 1;
	if (in->lev != NULL)
		evconnlistener_disable(in->lev);
	if (in->udp != NULL)
		event_del(in->udp);
}

/* The counters; the pointer stays valid until in_syslog_free(). */
const struct in_syslog_stats *
in_syslog_stats(const struct in_syslog *in)
{
	return &in->st;
}

/* The address actually bound ("127.0.0.1:40321" for port 0). */
const char *
in_syslog_local(const struct in_syslog *in)
{
	return in->local;
}

/* Copies the limits in force. */
void
in_syslog_get_limits(const struct in_syslog *in, struct in_syslog_limits *lim)
{
	*lim = in->lim;
}

/* Applies a peer's input bound and idle timeout to its bufferevent. */
static void
in_syslog_peer_limits(struct in_syslog_peer *peer)
{
	const struct in_syslog_limits *lim = &peer->in->lim;
	struct timeval                 idle = {(time_t)lim->idle_s, 0};

	/* Reading stops with this much buffered; framing always makes
	 * progress on it, so the peer never stalls. */
	bufferevent_setwatermark(
	    peer->bev, EV_READ, 0, lim->max_msg + IN_SYSLOG_SLACK);
	bufferevent_set_timeouts(peer->bev, lim->idle_s ? &idle : NULL, NULL);
}

/* Sizes the UDP datagram buffer for max_msg. */
static void
in_syslog_udp_buffer(struct in_syslog *in)
{
	size_t size = in->lim.max_msg < IN_SYSLOG_UDP_MAX ? in->lim.max_msg
							  : IN_SYSLOG_UDP_MAX;

	if (in->fd == -1 || size == in->bufsz)
		return;
	free(in->buf);
	in->buf = xmalloc(size);
	in->bufsz = size;
}

/*
 * Changes the limits (message size clamped to [IN_SYSLOG_MSG_MIN,
 * IN_SYSLOG_MSG_MAX], at least one peer); connected peers get them too.
 */
void
in_syslog_set_limits(struct in_syslog *in, const struct in_syslog_limits *lim)
{
	struct in_syslog_peer *peer;

	in->lim = *lim;
	if (in->lim.max_msg < IN_SYSLOG_MSG_MIN)
		in->lim.max_msg = IN_SYSLOG_MSG_MIN;
	if (in->lim.max_msg > IN_SYSLOG_MSG_MAX)
		in->lim.max_msg = IN_SYSLOG_MSG_MAX;
	if (in->lim.max_peers == 0)
		in->lim.max_peers = 1;
	TAILQ_FOREACH(peer, &in->peers, entry)
	in_syslog_peer_limits(peer);
	in_syslog_udp_buffer(in);
}

/*
 * UDP: one message per datagram.
 */

/*
 * Asks for a larger kernel queue (a burst waits there while the loop is
 * busy) and for its drop count; both best effort.
 */
static void
in_syslog_udp_options(int fd)
{
	int size = IN_SYSLOG_RCVBUF;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
#ifdef SO_RXQ_OVFL
	{
		int on = 1;

		setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
	}
#endif
}

/* Reads the kernel's count of datagrams dropped on a full queue. */
static void
in_syslog_udp_overflow(struct in_syslog *in, struct msghdr *mh)
{
#ifdef SO_RXQ_OVFL
	struct cmsghdr *c;
	uint32_t        drops;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(&drops, CMSG_DATA(c), sizeof(drops));
			in->st.overflow = drops;
		}
#else
	(void)in;
	(void)mh;
#endif
}

/*
 * Receives one datagram into in->buf: its length before any cut, 0 when
 * none is waiting, -1 on error. The sender's address goes to peer.
 */
static ssize_t
in_syslog_udp_recv(struct in_syslog *in, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	union {
		char           b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec  iov = {in->buf, in->bufsz};
	struct msghdr mh = {.msg_name = &ss,
	    .msg_namelen = sizeof(ss),
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.b,
	    .msg_controllen = sizeof(ctl.b)};
	ssize_t       n;

	/* MSG_TRUNC: Linux returns a longer datagram's real length. */
	if ((n = recvmsg(in->fd, &mh, MSG_TRUNC)) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
		    ? 0
		    : -1;
	in_syslog_udp_overflow(in, &mh);
	in_syslog_addr_text((struct sockaddr *)&ss, peer, peerlen);
	return n;
}

/* Reads a bounded burst of datagrams, one message each. */
static void
in_syslog_udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct in_syslog      *in = arg;
	struct in_syslog_frame f;
	char                   peer[INET6_ADDRSTRLEN];
	ssize_t                n;
	int                    i;

	(void)fd;
	(void)what;
	for (i = 0; i < IN_SYSLOG_UDP_BURST && !in->dead; i++) {
		if ((n = in_syslog_udp_recv(in, peer, sizeof(peer))) == 0)
			break;
		if (n == -1) {
			if (!(in->warned & IN_SYSLOG_WARN_RECV))
				log_warn("%s: recvmsg", in->name);
			in->warned |= IN_SYSLOG_WARN_RECV;
			break;
		}
		memset(&f, 0, sizeof(f));
		f.msg = in->buf;
		f.len = (size_t)n < in->bufsz ? (size_t)n : in->bufsz;
		f.cut = (size_t)n > in->lim.max_msg;
		if (f.len > in->lim.max_msg)
			f.len = in->lim.max_msg;
		in->st.bytes += (uint64_t)n;
		in_syslog_trim(&f);
		in_syslog_deliver(in, &f, peer);
	}
	in_syslog_after_cb(in, NULL);
}

/*
 * Starts a UDP receiver on addr ("127.0.0.1:514", "[::1]:514"); cb gets
 * every message. NULL after logging why.
 */
struct in_syslog *
in_syslog_udp_new(
    struct event_base *base, const char *addr, in_syslog_cb cb, void *arg)
{
	struct in_syslog *in = in_syslog_alloc(base, "udp", addr, cb, arg);

	if ((in->fd = in_syslog_bind(in, addr, SOCK_DGRAM)) == -1)
		goto fail;
	in_syslog_udp_options(in->fd);
	in_syslog_udp_buffer(in);
	in->udp = event_new(
	    base, in->fd, EV_READ | EV_PERSIST, in_syslog_udp_cb, in);
	if (in->udp == NULL || event_add(in->udp, NULL) == -1) {
		log_warnx("%s: cannot add its event", in->name);
		goto fail;
	}
	return in;
fail:
	in_syslog_free_now(in);
	return NULL;
}

/*
 * TCP: peers, their frames, and accepting within the limits.
 */

/* Delivers every whole frame buffered for peer, stopping if freed. */
static void
in_syslog_peer_frames(struct in_syslog_peer *peer)
{
	struct in_syslog      *in = peer->in;
	struct evbuffer       *input = bufferevent_get_input(peer->bev);
	struct in_syslog_frame f;
	size_t                 n, all, want = in->lim.max_msg + IN_SYSLOG_SLACK;
	const char            *p;
	int                    r;

	while (!in->dead && (all = evbuffer_get_length(input)) > 0) {
		/* Frames are read in place; bytes are moved together only
		 * for a frame that straddles two of libevent's chunks. */
		n = evbuffer_get_contiguous_space(input);
		p = (const char *)evbuffer_pullup(input, (ev_ssize_t)n);
		r = in_syslog_frame_next(
		    &peer->framer, p, n, in->lim.max_msg, &f);
		if (r == 0 && f.used == 0 && n < all && n < want) {
			n = all < want ? all : want;
			p = (const char *)evbuffer_pullup(input, (ev_ssize_t)n);
			r = in_syslog_frame_next(
			    &peer->framer, p, n, in->lim.max_msg, &f);
		}
		if (r == 1)
			in_syslog_deliver(in, &f, peer->addr);
		in->st.bytes += f.used;
		evbuffer_drain(input, f.used);
		if (r == 0 && f.used == 0)
			break;
	}
}

/* Delivers what a closing peer left unterminated. */
static void
in_syslog_peer_flush(struct in_syslog_peer *peer)
{
	struct in_syslog      *in = peer->in;
	struct evbuffer       *input = bufferevent_get_input(peer->bev);
	struct in_syslog_frame f;
	size_t                 n = evbuffer_get_length(input);
	const char            *p;

	if (n == 0 || in->dead)
		return;
	p = (const char *)evbuffer_pullup(input, (ev_ssize_t)n);
	if (in_syslog_frame_last(&peer->framer, p, n, in->lim.max_msg, &f))
		in_syslog_deliver(in, &f, peer->addr);
	in->st.bytes += n;
	evbuffer_drain(input, n);
}

/* Frames what a peer sent. */
static void
in_syslog_peer_read_cb(struct bufferevent *bev, void *arg)
{
	struct in_syslog_peer *peer = arg;
	struct in_syslog      *in = peer->in;

	(void)bev;
	in_syslog_peer_frames(peer);
	in_syslog_after_cb(in, peer);
}

/* A peer closed, failed or went idle: its last frame, then it goes. */
static void
in_syslog_peer_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct in_syslog_peer *peer = arg;
	struct in_syslog      *in = peer->in;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		in->st.timeouts++;
	if (what & BEV_EVENT_ERROR)
		log_debug("%s: peer %s: %s", in->name, peer->addr,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	in_syslog_peer_frames(peer);
	in_syslog_peer_flush(peer);
	peer->dead = 1;
	in_syslog_after_cb(in, peer);
}

/* Makes a peer for an accepted connection and starts reading it. */
static void
in_syslog_peer_new(
    struct in_syslog *in, evutil_socket_t fd, const struct sockaddr *sa)
{
	struct in_syslog_peer *peer = xcalloc(1, sizeof(*peer));
	int                    on = 1;

	peer->in = in;
	in_syslog_addr_text(sa, peer->addr, sizeof(peer->addr));
	/* A sender that vanished without closing frees its slot at last. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	peer->bev = bufferevent_socket_new(in->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (peer->bev == NULL) {
		log_warnx("%s: peer %s: no bufferevent", in->name, peer->addr);
		evutil_closesocket(fd);
		free(peer);
		return;
	}
	TAILQ_INSERT_TAIL(&in->peers, peer, entry);
	in->st.peers++;
	in->st.peers_total++;
	bufferevent_setcb(peer->bev, in_syslog_peer_read_cb, NULL,
	    in_syslog_peer_event_cb, peer);
	in_syslog_peer_limits(peer);
	bufferevent_enable(peer->bev, EV_READ);
}

/* Stops accepting for a while; connections wait in the kernel's queue. */
static void
in_syslog_defer_accept(struct in_syslog *in)
{
	struct timeval tv = {IN_SYSLOG_DEFER_S, 0};

	evconnlistener_disable(in->lev);
	evtimer_add(in->defer, &tv);
}

/* Accepts again after a pause. */
static void
in_syslog_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct in_syslog *in = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(in->lev);
}

/*
 * 1 if fd, the lowest free descriptor when accept() returned it, lies in
 * the reserve under the process's limit: the daemon is near running out.
 */
static int
in_syslog_fd_near_limit(evutil_socket_t fd)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return (rlim_t)fd + IN_SYSLOG_FD_RESERVE >= rl.rlim_cur;
}

/* Refuses a connection over a limit: counted, logged once per kind. */
static void
in_syslog_refuse(
    struct in_syslog *in, evutil_socket_t fd, unsigned warn, const char *why)
{
	evutil_closesocket(fd);
	in->st.dropped++;
	if (!(in->warned & warn))
		log_warnx("%s: %s: refusing connections (counted as dropped)",
		    in->name, why);
	in->warned |= warn;
}

/* A new connection: a peer, or refused at the peer or descriptor limit. */
static void
in_syslog_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct in_syslog *in = arg;

	(void)lev;
	(void)salen;
	if (in_syslog_fd_near_limit(fd)) {
		in_syslog_refuse(
		    in, fd, IN_SYSLOG_WARN_FDS, "near the open file limit");
		in_syslog_defer_accept(in);
	} else if (in->st.peers >= in->lim.max_peers)
		in_syslog_refuse(in, fd, IN_SYSLOG_WARN_PEERS, "peer limit");
	else
		in_syslog_peer_new(in, fd, sa);
}

/* accept() failed (out of descriptors or memory): pause, log once. */
static void
in_syslog_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct in_syslog *in = arg;
	int               err = EVUTIL_SOCKET_ERROR();

	(void)lev;
	if (!(in->warned & IN_SYSLOG_WARN_ACCEPT))
		log_warnx("%s: accept: %s; pausing %d s", in->name,
		    evutil_socket_error_to_string(err), IN_SYSLOG_DEFER_S);
	in->warned |= IN_SYSLOG_WARN_ACCEPT;
	in_syslog_defer_accept(in);
}

/*
 * Starts a TCP receiver on addr ("127.0.0.1:6514", "[::1]:6514"), both
 * framings on the one port; cb gets every message. NULL after logging.
 */
struct in_syslog *
in_syslog_tcp_new(
    struct event_base *base, const char *addr, in_syslog_cb cb, void *arg)
{
	struct in_syslog *in = in_syslog_alloc(base, "tcp", addr, cb, arg);
	int               fd;

	if ((fd = in_syslog_bind(in, addr, SOCK_STREAM)) == -1)
		goto fail;
	in->lev = evconnlistener_new(base, in_syslog_accept_cb, in,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, IN_SYSLOG_BACKLOG,
	    fd);
	if (in->lev == NULL) {
		log_warn("%s: listen", in->name);
		close(fd);
		goto fail;
	}
	evconnlistener_set_error_cb(in->lev, in_syslog_accept_error_cb);
	if ((in->defer = evtimer_new(base, in_syslog_defer_cb, in)) == NULL) {
		log_warnx("%s: cannot make its timer", in->name);
		goto fail;
	}
	return in;
fail:
	in_syslog_free_now(in);
	return NULL;
}
