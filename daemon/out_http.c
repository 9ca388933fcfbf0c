/*
 * out_http: the HTTP API. One general callback routes every request by
 * its decoded path; answers are built in memory (open_memstream) by the
 * daemon's writers and sent whole. Server-Sent Events go to each stream
 * client as they are published; the newest are kept so that a client
 * coming back with Last-Event-ID gets exactly what it missed, or a
 * `reset` when that is no longer kept. Event ids count up from the start
 * time in milliseconds times 1000, so ids of an earlier run of the daemon
 * are always older than this run's and get a reset.
 */
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "out_http.h"
#include "page.h"
#include "tstamp.h"
#include "xmalloc.h"

#define HTTP_TIMEOUT_S   30        /* to send a request; idle keep-alive */
#define HTTP_HEADERS_MAX 8192      /* request line and headers */
#define HTTP_BODY_LIMIT  (1 << 20) /* evhttp's own 413 past this */
#define HTTP_KEEPALIVE_S 15        /* a comment to every stream client */
#define HTTP_NOTE_MAX    512 /* a note's text: a timeline message's bound */
#define HTTP_TOKEN_MAX   4096
#define HTTP_NCODES      11 /* http_codes[], the last "other" */

/* A Server-Sent Events client. */
struct http_client {
	struct http              *h;
	struct evhttp_request    *req;
	struct evhttp_connection *evcon;
	struct http_client       *prev, *next;
};

/* A published event, kept for clients coming back. */
struct http_event {
	uint64_t id;
	char    *text; /* "id: ...\nevent: ...\ndata: ...\n\n" */
	size_t   len;
};

struct http {
	struct evhttp              *http;
	struct evhttp_bound_socket *sock;
	struct event               *ev_keepalive;
	struct http_host            host;
	char                        addr[80];
	char                       *token;
	struct http_client         *clients;
	int                         nclients;
	struct http_event           ring[HTTP_RING_EVENTS];
	int                         ring_head, ring_n; /* oldest, count */
	size_t                      ring_bytes;
	uint64_t base, last; /* ids: this run's first - 1, last */
	uint64_t sent;       /* the last id sent to the clients */
	uint64_t by_code[HTTP_NCODES];
	uint64_t dropped, refused, events;
};

static const int http_codes[HTTP_NCODES] = {
    200, 201, 400, 401, 403, 404, 405, 413, 500, 503, 0};

/* Counts a response by its status. */
static void
http_count(struct http *h, int code)
{
	int i;

	for (i = 0; i < HTTP_NCODES - 1 && http_codes[i] != code; i++)
		;
	h->by_code[i]++;
}

/* Sends buf with status code and content type; counts it. */
static void
http_send(struct http *h, struct evhttp_request *req, int code,
    const char *type, struct evbuffer *buf)
{
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	const char       *reason = code == 200 ? "OK"
		  : code == 201                ? "Created"
		  : code == 400                ? "Bad Request"
		  : code == 401                ? "Unauthorized"
		  : code == 403                ? "Forbidden"
		  : code == 404                ? "Not Found"
		  : code == 405                ? "Method Not Allowed"
		  : code == 413                ? "Payload Too Large"
		  : code == 503                ? "Service Unavailable"
					       : "Internal Server Error";

	evhttp_add_header(oh, "Content-Type", type);
	evhttp_add_header(oh, "Cache-Control", "no-store");
	evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
	http_count(h, code);
	evhttp_send_reply(req, code, reason, buf);
}

/* Sends a JSON value (consumed), pretty-printed, with status code. */
static void
http_send_json(struct http *h, struct evhttp_request *req, int code, json_t *v)
{
	struct evbuffer *buf = evbuffer_new();
	char            *s = json_dumps(v, JSON_INDENT(1) | JSON_ENSURE_ASCII);

	evbuffer_add(buf, s, strlen(s));
	evbuffer_add(buf, "\n", 1);
	free(s); /* from jansson's allocator: not ours to route */
	json_decref(v);
	http_send(h, req, code, "application/json", buf);
	evbuffer_free(buf);
}

/* Answers an error: {"error": what} with status code. */
static void
http_error(
    struct http *h, struct evhttp_request *req, int code, const char *what)
{
	http_send_json(h, req, code, json_pack("{s:s}", "error", what));
}

/* Sends what a writer put into a memory stream; 404 or 500 if it said so. */
static void
http_send_stream(struct http *h, struct evhttp_request *req, int rc, char *mem,
    size_t len, const char *type)
{
	struct evbuffer *buf;

	if (rc == -1)
		http_error(h, req, 404, "no incident with that id");
	else if (rc != 0)
		http_error(h, req, 500,
		    "could not render the answer (see the "
		    "daemon's log)");
	else {
		buf = evbuffer_new();
		evbuffer_add(buf, mem, len);
		http_send(h, req, 200, type, buf);
		evbuffer_free(buf);
	}
	free(mem); /* from open_memstream(3) */
}

/*
 * Runs a writer into memory and sends the result: GET /v1/incidents
 * (id NULL) or one incident in a format.
 */
static void
http_render(struct http *h, struct evhttp_request *req, const char *id,
    const char *fmt, const struct http_query *q)
{
	static const char *const types[][2] = {{"json", "application/json"},
	    {"md", "text/markdown; charset=utf-8"},
	    {"csv", "text/csv; charset=utf-8"},
	    {"html", "text/html; charset=utf-8"}};
	const char              *type = NULL;
	char                    *mem = NULL;
	size_t                   len = 0, i;
	FILE                    *fp;
	int                      rc;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i][0], fmt) == 0)
			type = types[i][1];
	if (type == NULL) {
		http_error(h, req, 404, "formats: json, md, csv, html");
		return;
	}
	if ((fp = open_memstream(&mem, &len)) == NULL) {
		http_error(h, req, 500, "out of memory");
		return;
	}
	rc = id == NULL ? h->host.incidents(h->host.arg, fp, q, h->last)
			: h->host.incident(h->host.arg, fp, id, fmt);
	if (fclose(fp) != 0 && rc == 0)
		rc = -2;
	http_send_stream(h, req, rc, mem, len, type);
}

/* The value of query parameter key, or NULL. */
static const char *
http_param(struct evkeyvalq *q, const char *key)
{
	return evhttp_find_header(q, key);
}

/* GET /v1/incidents?open=1&since=T. */
static void
http_incidents(struct http *h, struct evhttp_request *req, struct evkeyvalq *q)
{
	struct http_query hq = {0, INT64_MIN};
	const char       *open = http_param(q, "open"), *since;

	if (open != NULL && strcmp(open, "1") != 0 &&
	    strcmp(open, "true") != 0 && strcmp(open, "0") != 0 &&
	    strcmp(open, "false") != 0) {
		http_error(h, req, 400, "open: expected 1, true, 0 or false");
		return;
	}
	hq.open_only = open != NULL && (open[0] == '1' || open[0] == 't');
	if ((since = http_param(q, "since")) != NULL &&
	    tstamp_rfc3339(since, &hq.since_ns) == -1) {
		http_error(h, req, 400,
		    "since: expected an RFC 3339 time with a zone "
		    "(2024-03-15T09:00:00Z)");
		return;
	}
	http_render(h, req, NULL, "json", &hq);
}

/* 1 if the request carries the token, compared in constant time. */
static int
http_authorized(const struct http *h, struct evhttp_request *req)
{
	const char *auth = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	size_t   n, m, i;
	unsigned diff;

	if (h->token == NULL || auth == NULL ||
	    strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	auth += 7;
	n = strlen(auth);
	m = strlen(h->token);
	diff = (unsigned)(n != m);
	for (i = 0; i < m; i++) /* as long as the token, whatever was sent */
		diff |= (unsigned char)h->token[i] ^
		    (unsigned char)(i < n ? auth[i] : 0);
	return diff == 0;
}

/*
 * The body of a POST as JSON, or NULL after answering the error (no
 * token 401/403, too large 413, not JSON 400).
 */
static json_t *
http_body(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t           len = evbuffer_get_length(in);
	json_error_t     err;
	json_t          *v;
	char             what[256];

	if (h->token == NULL) {
		http_error(h, req, 403,
		    "no api_token_file is configured: "
		    "writing is off");
		return NULL;
	}
	if (!http_authorized(h, req)) {
		http_error(h, req, 401,
		    "expected Authorization: Bearer TOKEN (api_token_file)");
		return NULL;
	}
	if (len > HTTP_BODY_MAX) {
		http_error(h, req, 413, "the body is larger than 64 KiB");
		return NULL;
	}
	v = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, &err);
	if (v == NULL) {
		snprintf(what, sizeof(what), "body: not JSON: %s (line %d)",
		    err.text, err.line);
		http_error(h, req, 400, what);
	}
	return v;
}

/* POST /v1/incidents/ID/notes {"text": ..., "ts": ...}. */
static void
http_note(struct http *h, struct evhttp_request *req, const char *id)
{
	json_t     *body = http_body(h, req), *text, *ts, *entry = NULL;
	const char *t;
	int64_t     ns;
	int         rc;

	if (body == NULL)
		return;
	text = json_object_get(body, "text");
	ts = json_object_get(body, "ts");
	ns = h->host.now(h->host.arg);
	if (!json_is_object(body))
		http_error(h, req, 400, "body: expected a JSON object");
	else if (!json_is_string(text) ||
	    (t = json_string_value(text))[0] == '\0')
		http_error(h, req, 400, "text: expected a non-empty string");
	else if (strlen(t) > HTTP_NOTE_MAX)
		http_error(h, req, 413, "text: longer than 512 bytes");
	else if (ts != NULL && !json_is_null(ts) &&
	    (!json_is_string(ts) ||
		tstamp_rfc3339(json_string_value(ts), &ns) == -1))
		http_error(h, req, 400,
		    "ts: expected an RFC 3339 time with a zone "
		    "(2024-03-15T09:00:00Z)");
	else if ((rc = h->host.note(h->host.arg, id, t, ns, &entry)) == 0)
		http_send_json(h, req, 201, entry);
	else
		http_error(h, req,
		    rc == -1       ? 404
			: rc == -3 ? 400
				   : 500,
		    rc == -1       ? "no incident with that id"
			: rc == -3 ? "the incident's timeline is full"
				   : "the note could not be stored (see the "
				     "daemon's log)");
	json_decref(body);
}

/* POST /v1/alertmanager: Alertmanager's webhook (version 4). */
static void
http_alertmanager(struct http *h, struct evhttp_request *req)
{
	json_t *body = http_body(h, req), *alerts;
	int     taken = 0, dups = 0;

	if (body == NULL)
		return;
	alerts = json_object_get(body, "alerts");
	if (!json_is_array(alerts))
		http_error(h, req, 400,
		    "alerts: expected an array (an "
		    "Alertmanager webhook body)");
	else if (h->host.alerts(h->host.arg, alerts, &taken, &dups) != 0)
		http_error(h, req, 500,
		    "the alerts could not be stored (see "
		    "the daemon's log)");
	else
		http_send_json(h, req, 200,
		    json_pack(
			"{s:i, s:i}", "accepted", taken, "duplicates", dups));
	json_decref(body);
}

/* GET /metrics. */
static void
http_metrics_req(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *buf = evbuffer_new();

	h->host.metrics(h->host.arg, buf);
	http_metrics(h, buf);
	http_send(h, req, 200, "text/plain; version=0.0.4; charset=utf-8", buf);
	evbuffer_free(buf);
}

/* GET /: the live page. */
static void
http_page(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *buf = evbuffer_new();

	evbuffer_add_reference(buf, page_html, page_html_len, NULL, NULL);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Security-Policy",
	    "default-src 'none'; script-src 'unsafe-inline'; style-src "
	    "'unsafe-inline'; img-src data:; connect-src 'self'; base-uri "
	    "'none'; form-action 'none'; frame-ancestors 'none'");
	http_send(h, req, 200, "text/html; charset=utf-8", buf);
	evbuffer_free(buf);
}

/* The event at position i from the oldest kept. */
static struct http_event *
http_ring_at(struct http *h, int i)
{
	return &h->ring[(h->ring_head + i) % HTTP_RING_EVENTS];
}

/* Forgets the oldest kept event. */
static void
http_ring_shift(struct http *h)
{
	struct http_event *e = http_ring_at(h, 0);

	h->ring_bytes -= e->len;
	free(e->text);
	e->text = NULL;
	h->ring_head = (h->ring_head + 1) % HTTP_RING_EVENTS;
	h->ring_n--;
}

/* Unlinks and frees a client (its connection is evhttp's). */
static void
http_client_forget(struct http_client *c)
{
	struct http *h = c->h;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->nclients--;
	free(c);
}

/*
 * A stream client went away. evhttp detaches a request whose reply is
 * not finished from a connection that failed (EOF, timeout) and leaves it
 * to us: finishing it frees it.
 */
static void
http_client_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_client *c = arg;

	(void)evcon;
	if (evhttp_request_get_connection(c->req) == NULL)
		evhttp_send_reply_end(c->req);
	http_client_forget(c);
}

/* Drops a client that does not read what it is sent. */
static void
http_client_drop(struct http_client *c)
{
	struct evhttp_connection *evcon = c->evcon;

	c->h->dropped++;
	log_info("a stream client that does not keep up was dropped");
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	http_client_forget(c);
	evhttp_connection_free(evcon);
}

/*
 * A client's share of HTTP_STREAM_MEM: the unsent bytes it may hold
 * before it is dropped. Up to HTTP_CLIENT_BUF with a few clients, less
 * with many, so that all of them together stay within 1.5 x
 * HTTP_STREAM_MEM (a share, plus at most half a share from one tick).
 */
static size_t
http_client_share(const struct http *h)
{
	size_t share = HTTP_STREAM_MEM /
	    (size_t)(h->nclients > 0 ? h->nclients : 1);

	return share < HTTP_CLIENT_BUF ? share : HTTP_CLIENT_BUF;
}

/* The most bytes sent to each client at once; more is a reset. */
static size_t
http_burst_max(const struct http *h)
{
	size_t half = http_client_share(h) / 2;

	return half < HTTP_BURST_MAX ? half : HTTP_BURST_MAX;
}

/*
 * Whether a client may be sent more: one whose unsent bytes passed its
 * share is dropped (c is freed) and 0 returned.
 */
static int
http_client_fits(struct http_client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);

	if (bev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(bev)) >
		http_client_share(c->h)) {
		http_client_drop(c);
		return 0;
	}
	return 1;
}

/* Sends text to a client (a copy): 0, or -1 when it was dropped. */
static int
http_client_send(struct http_client *c, const char *text, size_t len)
{
	struct evbuffer *buf;

	if (!http_client_fits(c))
		return -1;
	buf = evbuffer_new();
	evbuffer_add(buf, text, len);
	evhttp_send_reply_chunk(c->req, buf);
	evbuffer_free(buf);
	return 0;
}

/*
 * Events sent to many clients by reference: each client's output holds
 * a reference, so a tick costs one copy however many clients wait.
 */
struct http_blob {
	size_t refs;
	size_t len;
	char   text[];
};

/* Builds the blob of the kept events after id up to to (n bytes). */
static struct http_blob *
http_blob_of(struct http *h, uint64_t id, uint64_t to, size_t n)
{
	struct http_blob  *b = xmalloc(sizeof(*b) + n);
	struct http_event *e;
	int                i;

	b->refs = 1;
	b->len = 0;
	for (i = 0; i < h->ring_n; i++)
		if ((e = http_ring_at(h, i))->id > id && e->id <= to) {
			memcpy(b->text + b->len, e->text, e->len);
			b->len += e->len;
		}
	return b;
}

/* Drops a reference; the last one frees the blob. */
static void
http_blob_unref(const void *data, size_t len, void *arg)
{
	struct http_blob *b = arg;

	(void)data;
	(void)len;
	if (--b->refs == 0)
		free(b);
}

/* Sends a blob to a client (a reference): 0, or -1 when dropped. */
static int
http_client_send_blob(struct http_client *c, struct http_blob *b)
{
	struct evbuffer *buf;

	if (!http_client_fits(c))
		return -1;
	buf = evbuffer_new();
	b->refs++;
	if (evbuffer_add_reference(buf, b->text, b->len, http_blob_unref, b) !=
	    0)
		b->refs--;
	evhttp_send_reply_chunk(c->req, buf);
	evbuffer_free(buf);
	return 0;
}

/* Sends text to every client. */
static void
http_broadcast(struct http *h, const char *text, size_t len)
{
	struct http_client *c, *next;

	for (c = h->clients; c != NULL; c = next) {
		next = c->next;
		http_client_send(c, text, len);
	}
}

/* Keeps stream connections alive through proxies and notices dead ones. */
static void
http_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	static const char ka[] = ": keepalive\n\n";

	(void)fd;
	(void)what;
	http_broadcast(arg, ka, sizeof(ka) - 1);
}

/*
 * Publishes an event: kept for clients coming back, and sent to every
 * stream client at the next http_flush(). Consumes data.
 */
void
http_publish(struct http *h, const char *event, json_t *data)
{
	struct http_event *e;
	char              *s = json_dumps(data, JSON_COMPACT), *text;
	size_t             len;

	json_decref(data);
	if (s == NULL)
		return;
	h->last++;
	len = (size_t)xasprintf(&text, "id: %llu\nevent: %s\ndata: %s\n\n",
	    (unsigned long long)h->last, event, s);
	free(s); /* from jansson's allocator */
	h->events++;
	while (h->ring_n > 0 &&
	    (h->ring_n == HTTP_RING_EVENTS ||
		h->ring_bytes + len > HTTP_RING_BYTES))
		http_ring_shift(h);
	e = http_ring_at(h, h->ring_n++);
	e->id = h->last;
	e->text = text;
	e->len = len;
	h->ring_bytes += len;
}

/* The id of the newest event (this run's first id - 1 before any). */
uint64_t
http_last_event(const struct http *h)
{
	return h->last;
}

/*
 * Tells a client to fetch everything again. The reset carries the id of
 * now, so the client's next reconnection resumes from here instead of
 * being reset again.
 */
static void
http_client_reset(struct http_client *c)
{
	char text[80];
	int  n;

	n = snprintf(text, sizeof(text), "id: %llu\nevent: reset\ndata: {}\n\n",
	    (unsigned long long)c->h->last);
	http_client_send(c, text, (size_t)n);
}

/*
 * Bytes of the events after id up to to, or SIZE_MAX when some of them
 * are no longer kept.
 */
static size_t
http_ring_bytes_after(struct http *h, uint64_t id, uint64_t to)
{
	struct http_event *e;
	size_t             n = 0;
	int                i;

	if (id < to && (h->ring_n == 0 || http_ring_at(h, 0)->id > id + 1))
		return SIZE_MAX;
	for (i = 0; i < h->ring_n; i++)
		if ((e = http_ring_at(h, i))->id > id && e->id <= to)
			n += e->len;
	return n;
}

/* Sends a client the kept events after id up to to (it may be dropped). */
static void
http_client_replay(
    struct http *h, struct http_client *c, uint64_t id, uint64_t to)
{
	struct http_blob *b = http_blob_of(
	    h, id, to, http_ring_bytes_after(h, id, to));

	http_client_send_blob(c, b);
	http_blob_unref(NULL, 0, b);
}

/*
 * Sends every client the events published since the last flush, or, when
 * they are more than http_burst_max() bytes (a catch-up, thousands of
 * entries in one tick), a reset: a client that reads has then never more
 * than that many bytes waiting from one tick, and only a client that does
 * not read reaches its share and is dropped.
 */
void
http_flush(struct http *h)
{
	struct http_client *c, *next;
	struct http_blob   *b;
	size_t              n;
	int                 reset;

	if (h->sent == h->last || h->clients == NULL) {
		h->sent = h->last;
		return;
	}
	n = http_ring_bytes_after(h, h->sent, h->last);
	reset = n > http_burst_max(h); /* the same for every client */
	b = reset ? NULL : http_blob_of(h, h->sent, h->last, n);
	for (c = h->clients; c != NULL; c = next) {
		next = c->next;
		if (reset)
			http_client_reset(c);
		else
			http_client_send_blob(c, b);
	}
	if (b != NULL)
		http_blob_unref(NULL, 0, b);
	h->sent = h->last;
}

/*
 * The events a client coming back with Last-Event-ID `from` missed, sent
 * to it; or a reset when they are not all kept (or from another run).
 */
static void
http_client_resume(struct http *h, struct http_client *c, const char *from)
{
	unsigned long long id;
	char              *end;

	errno = 0;
	id = strtoull(from, &end, 10);
	if (errno != 0 || *end != '\0' || end == from || id > h->sent ||
	    http_ring_bytes_after(h, id, h->sent) > http_burst_max(h))
		http_client_reset(c);
	else
		http_client_replay(h, c, id, h->sent);
}

/* GET /v1/stream: a new Server-Sent Events client. */
static void
http_stream(struct http *h, struct evhttp_request *req, struct evkeyvalq *q)
{
	struct evkeyvalq   *oh = evhttp_request_get_output_headers(req);
	struct http_client *c;
	const char         *from;
	char                hello[64];
	int                 n;

	if (h->nclients >= HTTP_CLIENTS_MAX) {
		h->refused++;
		http_error(h, req, 503, "too many stream clients");
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* The headers only: no client, and the connection goes on. */
		http_send(h, req, 200, "text/event-stream", NULL);
		return;
	}
	from = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Last-Event-ID");
	if (from == NULL)
		from = http_param(q, "last_event_id");
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	c->next = h->clients;
	if (h->clients != NULL)
		h->clients->prev = c;
	h->clients = c;
	h->nclients++;
	evhttp_connection_set_closecb(c->evcon, http_client_closed, c);
	evhttp_add_header(oh, "Content-Type", "text/event-stream");
	evhttp_add_header(oh, "Cache-Control", "no-store");
	evhttp_add_header(oh, "X-Accel-Buffering", "no");
	http_count(h, 200);
	evhttp_send_reply_start(req, 200, "OK");
	/* The reconnection delay, and where this client stands now. */
	n = snprintf(hello, sizeof(hello), "retry: 2000\n");
	http_client_send(c, hello, (size_t)n);
	if (from != NULL)
		http_client_resume(h, c, from);
	else {
		n = snprintf(hello, sizeof(hello), "id: %llu\n\n",
		    (unsigned long long)h->sent);
		http_client_send(c, hello, (size_t)n);
	}
}

/* Answers 405 unless the method is the one the path takes. */
static int
http_method(struct http *h, struct evhttp_request *req, int want)
{
	int cmd = (int)evhttp_request_get_command(req);

	if (cmd == want || (want == EVHTTP_REQ_GET && cmd == EVHTTP_REQ_HEAD))
		return 1;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    want == EVHTTP_REQ_GET ? "GET, HEAD" : "POST");
	http_error(
	    h, req, 405, want == EVHTTP_REQ_GET ? "use GET" : "use POST");
	return 0;
}

/*
 * Routes /v1/incidents/ID[/timeline.FMT|/notes]: rest is what follows
 * "/v1/incidents/", decoded.
 */
static void
http_incident_route(struct http *h, struct evhttp_request *req, char *rest)
{
	char *slash = strchr(rest, '/'), *sub = NULL;

	if (slash != NULL) {
		*slash = '\0';
		sub = slash + 1;
	}
	if (*rest == '\0') {
		http_error(h, req, 404, "no incident id in the path");
		return;
	}
	if (sub != NULL && strcmp(sub, "notes") == 0) {
		if (http_method(h, req, EVHTTP_REQ_POST))
			http_note(h, req, rest);
		return;
	}
	if (!http_method(h, req, EVHTTP_REQ_GET))
		return;
	if (sub == NULL)
		http_render(h, req, rest, "json", NULL);
	else if (strncmp(sub, "timeline.", 9) == 0 && strchr(sub, '/') == NULL)
		http_render(h, req, rest, sub + 9, NULL);
	else
		http_error(h, req, 404, "unknown path");
}

/* Every request: decode the path, route it. */
static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct http             *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char              *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	const char              *query = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq         q;
	char                    *path;
	size_t                   len;

	TAILQ_INIT(&q);
	if (raw == NULL || raw[0] != '/' ||
	    (path = evhttp_uridecode(raw, 0, &len)) == NULL) {
		http_error(h, req, 400, "a bad path");
		return;
	}
	if ((query != NULL && evhttp_parse_query_str(query, &q) != 0) ||
	    strlen(path) != len) { /* %00 inside */
		http_error(h, req, 400, "a bad query or path");
	} else if (strcmp(path, "/") == 0) {
		if (http_method(h, req, EVHTTP_REQ_GET))
			http_page(h, req);
	} else if (strcmp(path, "/healthz") == 0) {
		if (http_method(h, req, EVHTTP_REQ_GET))
			http_send_json(
			    h, req, 200, json_pack("{s:s}", "status", "ok"));
	} else if (strcmp(path, "/metrics") == 0) {
		if (http_method(h, req, EVHTTP_REQ_GET))
			http_metrics_req(h, req);
	} else if (strcmp(path, "/v1/incidents") == 0 ||
	    strcmp(path, "/v1/incidents/") == 0) {
		if (http_method(h, req, EVHTTP_REQ_GET))
			http_incidents(h, req, &q);
	} else if (strncmp(path, "/v1/incidents/", 14) == 0)
		http_incident_route(h, req, path + 14);
	else if (strcmp(path, "/v1/stream") == 0) {
		if (http_method(h, req, EVHTTP_REQ_GET))
			http_stream(h, req, &q);
	} else if (strcmp(path, "/v1/alertmanager") == 0) {
		if (http_method(h, req, EVHTTP_REQ_POST))
			http_alertmanager(h, req);
	} else
		http_error(h, req, 404,
		    "unknown path (see GET / and "
		    "docs/api.md)");
	evhttp_clear_headers(&q);
	free(path); /* from evhttp_uridecode */
}

/* Splits "host:port" or "[v6]:port"; 0, or -1. */
static int
http_split(const char *addr, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t      n;
	char       *end;
	long        p;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - addr);
	if (addr[0] == '[' && n >= 2 && addr[n - 1] == ']') {
		h = addr + 1;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || p < 0 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

/* Writes the address the socket got (the port, when 0 was asked). */
static void
http_local(struct http *h)
{
	struct sockaddr_storage ss;
	socklen_t               len = sizeof(ss);
	char                    host[64];
	evutil_socket_t         fd = evhttp_bound_socket_get_fd(h->sock);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;

		evutil_inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(h->addr, sizeof(h->addr), "[%s]:%d", host,
		    ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)&ss;

		evutil_inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(h->addr, sizeof(h->addr), "%s:%d", host,
		    ntohs(s4->sin_port));
	}
}

/*
 * Starts the API on listen ("127.0.0.1:8047"); NULL (logged) if the
 * address is bad or cannot be bound.
 */
struct http *
http_new(
    struct event_base *base, const char *listen, const struct http_host *host)
{
	struct http    *h = xcalloc(1, sizeof(*h));
	struct timeval  ka = {HTTP_KEEPALIVE_S, 0};
	struct timespec now;
	char            name[64];
	int             port;

	h->host = *host;
	clock_gettime(CLOCK_REALTIME, &now);
	h->base = (uint64_t)now.tv_sec * 1000000 +
	    (uint64_t)now.tv_nsec / 1000000 * 1000;
	h->last = h->sent = h->base;
	if (http_split(listen, name, sizeof(name), &port) == -1) {
		log_warnx(
		    "listen %s: expected HOST:PORT (127.0.0.1:8047)", listen);
		free(h);
		return NULL;
	}
	h->http = evhttp_new(base);
	evhttp_set_timeout(h->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(h->http, HTTP_HEADERS_MAX);
	evhttp_set_max_body_size(h->http, HTTP_BODY_LIMIT);
	/* Every method reaches the router, which answers 405 as JSON. */
	evhttp_set_allowed_methods(h->http, 0xffff);
	evhttp_set_gencb(h->http, http_request_cb, h);
	if ((h->sock = evhttp_bind_socket_with_handle(
		 h->http, name, (ev_uint16_t)port)) == NULL) {
		log_warn("listen %s: cannot bind", listen);
		http_free(h);
		return NULL;
	}
	http_local(h);
	h->ev_keepalive = event_new(base, -1, EV_PERSIST, http_keepalive_cb, h);
	event_add(h->ev_keepalive, &ka);
	return h;
}

/* Closes every connection and frees the API (NULL is fine). */
void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	while (h->clients != NULL) { /* closed by evhttp_free, not dropped */
		evhttp_connection_set_closecb(h->clients->evcon, NULL, NULL);
		http_client_forget(h->clients);
	}
	while (h->ring_n > 0)
		http_ring_shift(h);
	if (h->ev_keepalive != NULL)
		event_free(h->ev_keepalive);
	if (h->http != NULL)
		evhttp_free(h->http);
	free(h->token);
	free(h);
}

/*
 * Reads the bearer token from file (its first line); NULL turns writing
 * off. 0, or -1 (logged, the old token kept) if it cannot be read. A
 * token file others can read is warned about.
 */
int
http_set_token_file(struct http *h, const char *file)
{
	char        buf[HTTP_TOKEN_MAX + 2];
	struct stat st;
	ssize_t     n;
	int         fd;

	if (file == NULL) {
		free(h->token);
		h->token = NULL;
		return 0;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("api_token_file %s", file);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (fstat(fd, &st) == 0 && (st.st_mode & 0007) != 0)
		log_warnx(
		    "api_token_file %s: others can read it (chmod 640)", file);
	close(fd);
	if (n < 0) {
		log_warn("api_token_file %s", file);
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) < 16 || strlen(buf) > HTTP_TOKEN_MAX) {
		log_warnx("api_token_file %s: the token must be 16 to %d "
			  "bytes on the first line",
		    file, HTTP_TOKEN_MAX);
		return -1;
	}
	free(h->token);
	h->token = xstrdup(buf);
	return 0;
}

/*
 * Appends value as a Prometheus label value: quoted, with backslash,
 * double quote and newline escaped (a file name may hold any of them).
 */
void
http_label(struct evbuffer *buf, const char *value)
{
	const char *p;

	evbuffer_add(buf, "\"", 1);
	for (p = value; *p != '\0'; p++)
		if (*p == '\\' || *p == '"')
			evbuffer_add_printf(buf, "\\%c", *p);
		else if (*p == '\n')
			evbuffer_add(buf, "\\n", 2);
		else
			evbuffer_add(buf, p, 1);
	evbuffer_add(buf, "\"", 1);
}

/* The API's own counters, in Prometheus text format. */
void
http_metrics(const struct http *h, struct evbuffer *buf)
{
	int i;

	evbuffer_add_printf(buf,
	    "# HELP timelined_http_requests_total HTTP responses by status "
	    "code.\n# TYPE timelined_http_requests_total counter\n");
	for (i = 0; i < HTTP_NCODES; i++)
		if (http_codes[i] != 0)
			evbuffer_add_printf(buf,
			    "timelined_http_requests_total{code=\"%d\"} "
			    "%llu\n",
			    http_codes[i], (unsigned long long)h->by_code[i]);
		else
			evbuffer_add_printf(buf,
			    "timelined_http_requests_total{code=\"other\"} "
			    "%llu\n",
			    (unsigned long long)h->by_code[i]);
	evbuffer_add_printf(buf,
	    "# HELP timelined_stream_clients Server-Sent Events clients "
	    "connected.\n# TYPE timelined_stream_clients gauge\n"
	    "timelined_stream_clients %d\n"
	    "# HELP timelined_stream_clients_dropped_total Stream clients "
	    "dropped for not keeping up.\n"
	    "# TYPE timelined_stream_clients_dropped_total counter\n"
	    "timelined_stream_clients_dropped_total %llu\n"
	    "# HELP timelined_stream_clients_refused_total Stream clients "
	    "refused: too many.\n"
	    "# TYPE timelined_stream_clients_refused_total counter\n"
	    "timelined_stream_clients_refused_total %llu\n"
	    "# HELP timelined_stream_events_total Events published.\n"
	    "# TYPE timelined_stream_events_total counter\n"
	    "timelined_stream_events_total %llu\n",
	    h->nclients, (unsigned long long)h->dropped,
	    (unsigned long long)h->refused, (unsigned long long)h->events);
}

/* The address the API listens on ("127.0.0.1:8047"). */
const char *
http_address(const struct http *h)
{
	return h->addr;
}
