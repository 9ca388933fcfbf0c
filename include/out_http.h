/*
 * out_http: the daemon's HTTP API on libevent's evhttp. It routes
 * requests, enforces the limits (request size, body size, timeouts,
 * stream clients and their buffers), checks the bearer token in constant
 * time, answers errors as JSON, keeps the Server-Sent Events replay
 * buffer and counts requests by status. What the answers say comes from
 * the daemon through struct http_host; this module never touches the
 * engine or the journal.
 */
#ifndef OUT_HTTP_H
#define OUT_HTTP_H

#include <stdint.h>
#include <stdio.h>

struct event_base;
struct evbuffer;
struct http;
struct json_t;

#define HTTP_BODY_MAX    (64 * 1024) /* a POST body; more is 413 */
#define HTTP_CLIENTS_MAX 2048        /* stream clients at once */
#define HTTP_CLIENT_BUF  (1 << 20)   /* unsent bytes before a drop */
#define HTTP_BURST_MAX   (1 << 19)   /* sent at once; more: a reset */
#define HTTP_STREAM_MEM  (32 << 20)  /* unsent bytes of all clients */
#define HTTP_RING_EVENTS 4096        /* events kept for Last-Event-ID */
#define HTTP_RING_BYTES  (8 << 20)

/* A GET /v1/incidents query. */
struct http_query {
	int     open_only; /* ?open=1 */
	int64_t since_ns;  /* ?since=T: incidents ending at or after; else
			      INT64_MIN */
};

/*
 * What the daemon answers with. Each writer returns 0, -1 for an unknown
 * incident (404) or -2 when it failed (500, logged).
 */
struct http_host {
	void *arg;
	int (*incidents)(void *, FILE *, const struct http_query *, uint64_t);
	int (*incident)(void *, FILE *, const char *, const char *);
	/* A note: 0 (*entry set), -1 unknown incident, -2 failed, -3 full. */
	int (*note)(
	    void *, const char *, const char *, int64_t, struct json_t **);
	/* Alertmanager's alerts array: 0 (counts set) or -2. */
	int (*alerts)(void *, struct json_t *, int *, int *);
	void (*metrics)(void *, struct evbuffer *);
	int64_t (*now)(void *);
};

struct http          *
http_new(struct event_base *, const char *, const struct http_host *);
void     http_free(struct http *);
int      http_set_token_file(struct http *, const char *);
void     http_publish(struct http *, const char *, struct json_t *);
void     http_flush(struct http *);
uint64_t http_last_event(const struct http *);
void     http_metrics(const struct http *, struct evbuffer *);
void     http_label(struct evbuffer *, const char *);
const char *http_address(const struct http *);

#endif /* OUT_HTTP_H */
