/*
 * in_syslog: syslog receivers on one event_base. A UDP receiver takes one
 * message per datagram; a TCP receiver accepts many peers and tells each
 * frame's method by its first byte (RFC 6587: a digit is octet counting,
 * anything else ends at LF, NUL or CRLF). Messages go out as received, one
 * callback each; parsing them is the caller's (through a lane).
 */
#ifndef IN_SYSLOG_H
#define IN_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct in_syslog;
struct sockaddr_storage;

#define IN_SYSLOG_MSG_DEFAULT   65536 /* longest message kept, bytes */
#define IN_SYSLOG_MSG_MIN       480   /* RFC 5424 6.1: every receiver */
#define IN_SYSLOG_MSG_MAX       (16 * 1024 * 1024)
#define IN_SYSLOG_PEERS_DEFAULT 512  /* TCP peers connected at once */
#define IN_SYSLOG_IDLE_DEFAULT  3600 /* seconds a silent TCP peer is kept */
#define IN_SYSLOG_ADDR_LEN      64   /* "[v6 address]:port" and a NUL */

/*
 * Called once per message with its bytes (trailer and framing removed,
 * cut at the bound), its length and the sender's address as text
 * ("192.0.2.1", "2001:db8::1", no port). Both pointers are valid only
 * during the call. The callback may call in_syslog_free().
 */
typedef void (*in_syslog_cb)(const char *, size_t, const char *, void *);

/* Bounds; in_syslog_set_limits() applies them to connected peers too. */
struct in_syslog_limits {
	size_t   max_msg;   /* longer messages are cut here and counted */
	unsigned max_peers; /* TCP: more connections are refused, counted */
	unsigned idle_s; /* TCP: a peer silent this long is closed; 0 never */
};

/* Counters for /metrics; they only grow, except peers. */
struct in_syslog_stats {
	uint64_t messages;    /* delivered to the callback */
	uint64_t bytes;       /* read from the network, framing included */
	uint64_t cut;         /* messages longer than max_msg, cut */
	uint64_t dropped;     /* TCP connections refused: peer or fd limit */
	uint64_t overflow;    /* UDP datagrams the kernel dropped, queue full */
	uint64_t peers;       /* TCP peers connected now */
	uint64_t peers_total; /* TCP peers accepted since start */
	uint64_t timeouts;    /* TCP peers closed for being idle */
};

/* TCP framing, as pure functions over a peer's buffered bytes. */
enum in_syslog_framing {
	IN_SYSLOG_LF,    /* non-transparent: up to LF, NUL or CRLF */
	IN_SYSLOG_OCTET, /* octet counting: "LEN SP MSG" */
};

/* What a peer's stream is in the middle of skipping (the rest of a cut
 * frame); zeroed for a new peer. */
struct in_syslog_framer {
	uint64_t skip;    /* octet-counted bytes still to discard */
	int      skip_lf; /* discarding up to the next LF or NUL */
};

/* One frame found in a peer's buffered bytes. */
struct in_syslog_frame {
	const char            *msg;  /* inside the buffer given */
	size_t                 len;  /* at most max_msg */
	size_t                 used; /* bytes of the buffer to drain, always */
	int                    cut;  /* the message was longer than max_msg */
	enum in_syslog_framing framing;
};

int in_syslog_frame_next(struct in_syslog_framer *, const char *, size_t,
    size_t, struct in_syslog_frame *);
int in_syslog_frame_last(struct in_syslog_framer *, const char *, size_t,
    size_t, struct in_syslog_frame *);
int in_syslog_parse_addr(const char *, struct sockaddr_storage *, int *);

struct in_syslog *
in_syslog_udp_new(struct event_base *, const char *, in_syslog_cb, void *);
struct in_syslog      *
in_syslog_tcp_new(struct event_base *, const char *, in_syslog_cb, void *);
void in_syslog_free(struct in_syslog *);
void in_syslog_set_limits(struct in_syslog *, const struct in_syslog_limits *);
void in_syslog_get_limits(const struct in_syslog *, struct in_syslog_limits *);
const struct in_syslog_stats *in_syslog_stats(const struct in_syslog *);
const char                   *in_syslog_local(const struct in_syslog *);

#endif /* IN_SYSLOG_H */
