"""The HTTP API of the real daemon (daemon/out_http.c, daemon/live.c):
real requests on loopback against `timelined run` tailing a real file.
What it answers (replay's document, each format), what it refuses and
how (unknown ids, bad JSON, oversized and slow bodies, tokens, paths that
climb), the event stream (reconnection with Last-Event-ID misses nothing,
reset otherwise, 1,000 idle clients, a client that never reads), that a
GET never changes the engine, notes across kill -9, and /metrics as
Prometheus text.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time

from common import BIN, replay_json, sanitized
from livedaemon import (DBFAIL, DEPLOY, TOKEN, UPSTREAM, Daemon, Stream, iso,
                        jline, wait_for)


def db_incident_lines(t0, host="api-1", n=3):
    """A deploy, then n connection failures 30 s apart, before t0."""
    text = jline(t0 - 900, "info", DEPLOY, host)
    for k in range(n):
        text += jline(t0 - 300 + 30 * k, "error", DBFAIL, host)
    return text


def one_incident(dm, timeout=15):
    """Waits for exactly one incident; returns it."""
    return wait_for(lambda: (lambda i: i[0] if len(i) == 1 else None)(
        dm.incidents()["incidents"]), timeout, "one incident")


def replayed(d, text, extra=()):
    """`timelined replay --format json` of text as a file named app."""
    path = os.path.join(d, "replay", "app")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([BIN, "replay", "--format", "json", "--tz", "UTC",
                        "--reorder-window", "5"] + list(extra) + ["app"],
                       cwd=os.path.dirname(path), capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    return replay_json(p.stdout)


def strip_local(v):
    """v without the fields that depend on when it was asked."""
    if isinstance(v, dict):
        return {k: strip_local(x) for k, x in v.items() if k not in ("generated_at",)}
    if isinstance(v, list):
        return [strip_local(x) for x in v]
    return v


# ---- what it answers -------------------------------------------------------

def test_api_answers_replays_document_in_every_format(d):
    t0 = time.time()
    text = db_incident_lines(t0) + jline(t0 - 100, "error", UPSTREAM)
    dm = Daemon(d).start()
    try:
        dm.append(text)
        inc = wait_for(lambda: (lambda i: i[0] if i and len(i[0]["timeline"]) == 3 else None)(
            dm.incidents()["incidents"]), 15, "the incident with 3 entries")
        doc = dm.incidents()
        replay_json(json.dumps(doc))             # the schema holds
        assert isinstance(doc["event_id"], int), doc.keys()
        # The same incident replay makes of the same lines, open included.
        rep = replayed(d, text)["incidents"]
        assert len(rep) == 1 and rep[0]["open"] is True, rep
        assert strip_local(inc) == strip_local(rep[0]), (inc, rep[0])
        iid = inc["id"]
        st, one = dm.json("GET", "/v1/incidents/" + iid)
        assert st == 200 and one == inc, (st, one)
        # The id as the page sends it (':' kept) and fully escaped.
        st, esc = dm.json("GET", "/v1/incidents/" + iid.replace(":", "%3A"))
        assert st == 200 and esc["id"] == iid, st
        kinds = {"md": "text/markdown", "csv": "text/csv", "html": "text/html",
                 "json": "application/json"}
        for fmt, ctype in kinds.items():
            st, h, b = dm.get("/v1/incidents/%s/timeline.%s" % (iid, fmt))
            assert st == 200 and h["content-type"].startswith(ctype), (fmt, st, h)
            assert h["cache-control"] == "no-store", h
            body = b.decode()
            assert "connection refused" in body, (fmt, body[:300])
        assert json.loads(dm.get("/v1/incidents/%s/timeline.json" % iid)[2]) == inc
        md = dm.get("/v1/incidents/%s/timeline.md" % iid)[2].decode()
        assert "Database connection errors after deploy" in md, md[:400]
        # Filters: open only, since.
        assert [i["id"] for i in dm.incidents("?open=1")["incidents"]] == [iid]
        assert [i["id"] for i in dm.incidents("?open=true")["incidents"]] == [iid]
        assert dm.incidents("?since=" + iso(t0 + 3600))["incidents"] == []
        assert len(dm.incidents("?since=" + iso(t0 - 3600))["incidents"]) == 1
        # The page, health, HEAD.
        st, h, b = dm.get("/")
        assert st == 200 and h["content-type"].startswith("text/html"), (st, h)
        assert "default-src 'none'" in h["content-security-policy"], h
        assert b"<!--TIMELINED_DATA-->" in b, "not the live page"
        st, h, b = dm.request("HEAD", "/healthz")
        assert st == 200 and b == b"", (st, b)
        # HEAD of the stream: its headers, no client left behind, and the
        # connection serves the next request.
        c = http.client.HTTPConnection(dm.host, dm.port, timeout=5)
        c.request("HEAD", "/v1/stream")
        r = c.getresponse()
        assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream", r.status
        r.read()
        c.request("GET", "/healthz")
        assert c.getresponse().status == 200
        c.close()
        assert dm.metric("timelined_stream_clients") == 0
        assert dm.json("GET", "/healthz") == (200, {"status": "ok"})
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


# ---- what it refuses -------------------------------------------------------

def raw(dm, data, timeout=5):
    """Sends raw bytes on a fresh connection; what comes back until the
    server closes or timeout passes (then ends with b'<open>')."""
    s = socket.create_connection((dm.host, dm.port))
    s.settimeout(timeout)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                return out
            out += c
    except socket.timeout:
        return out + b"<open>"
    except ConnectionResetError:
        return out + b"<reset>"
    finally:
        s.close()


def error_of(dm, method, path, body=None, headers=None):
    """(status, error text) of a request that must fail with JSON."""
    st, v = dm.json(method, path, body, headers)
    assert st >= 400 and set(v) == {"error"} and v["error"], (st, v)
    return st, v["error"]


def test_api_refuses_bad_requests_with_json_errors(d):
    t0 = time.time()
    dm = Daemon(d).start()
    try:
        dm.append(db_incident_lines(t0))
        iid = one_incident(dm)["id"]
        auth = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
        notes = "/v1/incidents/%s/notes" % iid
        # Unknown ids and paths, in every place an id goes.
        for path in ("/v1/incidents/nope", "/v1/incidents/nope/timeline.md",
                     "/v1/incidents/%s-x" % iid, "/v1/incidents//timeline.md",
                     "/v1/incidents/%s/timeline.xml" % iid, "/v1/incidents/%s/x" % iid,
                     "/v1/incidents/%s/" % iid, "/v1/nope", "/metrics/", "/index.html"):
            assert error_of(dm, "GET", path)[0] == 404, path
        assert error_of(dm, "POST", "/v1/incidents/nope/notes", {"text": "x"}, auth)[0] == 404
        # Paths that climb never reach a file: only 404 (or 400), as JSON.
        passwd = open("/etc/passwd").read().split(":")[0]
        for path in ("/../../../../etc/passwd", "/v1/incidents/../../etc/passwd",
                     "/v1/incidents/..%2F..%2F..%2Fetc%2Fpasswd",
                     "/v1/incidents/%2e%2e%2f%2e%2e%2fetc%2fpasswd/timeline.md",
                     "/v1/incidents/%s/timeline.md/../../../etc/passwd" % iid,
                     "/v1/incidents/%s/timeline.%%2e%%2e%%2fetc%%2fpasswd" % iid,
                     "/%2e%2e/%2e%2e/etc/passwd", "/v1/incidents/..%5c..%5cetc%5cpasswd",
                     "/v1/incidents/%s%%00/timeline.md" % iid, "/v1/stream%00"):
            st, h, b = dm.get(path)
            assert st in (400, 404) and h["content-type"] == "application/json", (path, st)
            assert ("%s:x:0:0" % passwd).encode() not in b, path
        # Bad parameters.
        assert error_of(dm, "GET", "/v1/incidents?since=yesterday")[0] == 400
        assert error_of(dm, "GET", "/v1/incidents?open=maybe")[0] == 400
        assert error_of(dm, "GET", "/v1/incidents?%zz")[0] == 400
        # Methods: the path's own is named in Allow; others get 405 too.
        for m, path, allow in (("POST", "/v1/incidents", "GET"), ("GET", notes, "POST"),
                               ("POST", "/v1/incidents/" + iid, "GET"),
                               ("GET", "/v1/alertmanager", "POST"),
                               ("DELETE", "/v1/incidents/" + iid, "GET"),
                               ("PUT", notes, "POST"), ("PATCH", "/metrics", "GET")):
            st, h, b = dm.request(m, path, b"{}" if m != "GET" else None, auth)
            assert st == 405 and allow in h.get("allow", ""), (m, path, st, h)
            assert set(json.loads(b)) == {"error"}, b
        # Bad bodies.
        for body, what in ((b"{\"text\":", "not JSON"), (b"{\"text\": \"x\"} trailing", "not JSON"),
                           (b"\xff\xfe{}", "not JSON"), (b"", "not JSON"),
                           (b"[1]", "JSON object"), (b"{}", "text"),
                           (b"{\"text\": \"\"}", "text"), (b"{\"text\": 5}", "text"),
                           (b"{\"text\": \"x\", \"ts\": \"yesterday\"}", "ts"),
                           (b"{\"text\": \"x\", \"ts\": 1700000000}", "ts"),
                           (b"{\"text\": \"x\", \"ts\": \"2024-03-15T09:00:00\"}", "ts")):
            st, err = error_of(dm, "POST", notes, body, auth)
            assert st == 400 and what in err, (body, st, err)
        assert error_of(dm, "POST", "/v1/alertmanager", {"alert": []}, auth)[0] == 400
        # A note's text is at most 512 bytes (the contract's message), never cut.
        st, err = error_of(dm, "POST", notes, {"text": "\u00e9" * 257}, auth)
        assert st == 413 and "512 bytes" in err, (st, err)
        st, e = dm.note(iid, "\u00e9" * 256)
        assert st == 201 and e["message"] == "\u00e9" * 256, (st, e)
        # Oversized bodies: 64 KiB is ours (JSON), past 1 MiB evhttp's own.
        st, err = error_of(dm, "POST", notes, b"{\"text\": \"%s\"}" % (b"a" * 70000), auth)
        assert st == 413 and "64 KiB" in err, (st, err)
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Length: %d\r\n\r\n" % (notes, TOKEN, 2 << 20)).encode()
        got = raw(dm, head)
        assert got.startswith(b"HTTP/1.1 413 ") and not got.endswith(b"<open>"), got[:200]
        got = raw(dm, head.replace(b"Content-Length: 2097152",
                                   b"Transfer-Encoding: chunked") + b"200000\r\n" + b"a" * 100000)
        assert got.startswith(b"HTTP/1.1 413 "), got[:200]
        # Headers past 8 KiB: refused, the connection closed.
        got = raw(dm, b"GET /v1/incidents HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 4") and not got.endswith(b"<open>"), got[:200]
        # Tokens: missing, wrong (shorter, longer, same length), wrong scheme.
        for h in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "},
                  {"Authorization": "Bearer " + TOKEN[:-1]},
                  {"Authorization": "Bearer " + TOKEN + "x"},
                  {"Authorization": "Bearer " + TOKEN[:-1] + "X"},
                  {"Authorization": "Basic " + TOKEN}, {"Authorization": TOKEN},
                  {"Authorization": "Bearer  " + TOKEN}):
            st, err = error_of(dm, "POST", notes, {"text": "should not be added"}, h)
            assert st == 401 and "Bearer" in err, (h, st, err)
            st, err = error_of(dm, "POST", "/v1/alertmanager", {"alerts": []}, h)
            assert st == 401, (h, st)
        # The scheme is case-insensitive (RFC 7235).
        st, e = dm.json("POST", notes, {"text": "lower-case scheme"},
                        {"Authorization": "bearer " + TOKEN})
        assert st == 201, (st, e)
        # Nothing refused was added; the two good notes were, once.
        texts = [x["message"] for x in dm.json("GET", "/v1/incidents/" + iid)[1]["timeline"]
                 if x["category"] == "note"]
        assert texts == ["\u00e9" * 256, "lower-case scheme"], texts
        # Every answer of ours was counted by its status (evhttp's own
        # 413 and 400 never reach the router).
        for code, n in (("201", 2), ("400", 17), ("401", 18), ("403", 0), ("404", 19),
                        ("405", 7), ("413", 2), ("500", 0), ("503", 0), ("other", 0)):
            got = dm.metric("timelined_http_requests_total", {"code": code})
            assert got == n, (code, got, n)
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def test_api_writing_is_off_without_a_token_file(d):
    t0 = time.time()
    dm = Daemon(d, token=False).start()
    try:
        dm.append(db_incident_lines(t0))
        iid = one_incident(dm)["id"]
        for h in ({}, {"Authorization": "Bearer " + TOKEN}):
            st, err = error_of(dm, "POST", "/v1/incidents/%s/notes" % iid, {"text": "x"}, h)
            assert st == 403 and "api_token_file" in err, (st, err)
            st, err = error_of(dm, "POST", "/v1/alertmanager", {"alerts": []}, h)
            assert st == 403, st
        assert [x for x in one_incident(dm)["timeline"] if x["category"] == "note"] == []
        # Reading needs no token.
        assert dm.get("/v1/incidents/%s/timeline.md" % iid)[0] == 200
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def test_api_token_is_read_again_on_sighup(d):
    import signal
    t0 = time.time()
    dm = Daemon(d).start()
    try:
        dm.append(db_incident_lines(t0))
        iid = one_incident(dm)["id"]
        assert dm.note(iid, "with the first token")[0] == 201
        new = "rotated-token-" + "9" * 20
        with open(os.path.join(d, "token"), "w") as f:
            f.write(new + "\n")
        dm.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: dm.json("POST", "/v1/alertmanager", {"alerts": []},
                                 {"Authorization": "Bearer " + TOKEN})[0] == 401,
                 10, "the old token refused")      # (an empty webhook: no side effect)
        assert dm.note(iid, "old token", token=TOKEN)[0] == 401
        assert dm.note(iid, "with the rotated token", token=new)[0] == 201
        # A token file that cannot be read: the reload is refused whole,
        # the token in force stays.
        os.unlink(os.path.join(d, "token"))
        dm.proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert dm.note(iid, "still the rotated token", token=new)[0] == 201
        notes = [e["message"] for e in dm.json("GET", "/v1/incidents/" + iid)[1]["timeline"]
                 if e["category"] == "note"]
        assert notes == ["with the first token", "with the rotated token",
                         "still the rotated token"], notes
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def test_api_slow_body_is_cut_at_30s_and_blocks_nobody(d):
    dm = Daemon(d).start()
    try:
        idle = Stream(dm)           # a stream client is not cut: keepalives
        s = socket.create_connection((dm.host, dm.port))
        s.sendall(("POST /v1/alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Length: 1000\r\n\r\n{\"alerts\": [" % TOKEN).encode())
        s2 = socket.create_connection((dm.host, dm.port))
        s2.sendall(b"GET /v1/incidents HTTP/1.1\r\nHost: x\r\n")   # headers never end
        t = time.time()
        # Meanwhile everyone else is served at once.
        for _ in range(20):
            a = time.time()
            assert dm.get("/healthz")[0] == 200
            assert time.time() - a < 1
        s.settimeout(60)
        s2.settimeout(60)
        assert s.recv(4096) == b"", "a stalled body got an answer"
        assert s2.recv(4096) == b""
        took = time.time() - t
        assert 25 <= took <= 40, took
        assert dm.get("/healthz")[0] == 200
        idle.wait(lambda s: b": keepalive\n\n" in s.raw, what="a keepalive")
        assert not idle.closed
        assert dm.metric("timelined_stream_clients") == 1
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


# ---- the event stream ------------------------------------------------------

def model_of(events, into=None):
    """What a client knows after applying stream events: incident id ->
    (summary, {entry id: entry}), as the page keeps it."""
    m = into if into is not None else {}
    for ev in events:
        if ev["event"] == "incident":
            m.setdefault(ev["data"]["id"], [None, {}])[0] = ev["data"]
        elif ev["event"] == "entry":
            m.setdefault(ev["data"]["incident"], [None, {}])[1][ev["data"]["entry"]["id"]] = \
                ev["data"]["entry"]
    return m


def model_of_snapshot(doc):
    """The same shape from GET /v1/incidents."""
    return {i["id"]: [{k: v for k, v in i.items() if k != "timeline"},
                      {e["id"]: e for e in i["timeline"]}] for i in doc["incidents"]}


def settled(dm, stream, pred=lambda doc: True):
    """Waits until the snapshot satisfies pred and the daemon has
    published all it will (its event id stays put and the stream has it);
    returns the snapshot."""
    def same():
        a = dm.incidents()
        time.sleep(0.4)
        b = dm.incidents()
        return b if pred(b) and a["event_id"] == b["event_id"] and \
            stream.last_id() == str(b["event_id"]) else None
    return wait_for(same, 30, "the stream to settle (dropped: %s)"
                    % dm.metric("timelined_stream_clients_dropped_total"))


def test_stream_reconnect_with_last_event_id_misses_nothing(d):
    t0 = time.time()
    dm = Daemon(d).start()
    try:
        ref = Stream(dm)                      # connected all along
        b = Stream(dm)
        b.wait(lambda s: s.ids, what="the hello id")
        assert b.status == 200 and b.retry == 2000 and len(b.ids) == 1, (b.status, b.retry, b.ids)
        assert b.ids[0] == str(dm.incidents()["event_id"]), b.ids
        dm.append(db_incident_lines(t0))
        b.wait(lambda s: len(s.events) >= 3, what="the first events")
        b.close()
        seen = b.last_id()
        # While it is away: more failures, a new entry, a note, a second source's lines.
        dm.append(jline(t0 - 200, "error", DBFAIL) + jline(t0 - 100, "error", UPSTREAM))
        iid = one_incident(dm)["id"]
        assert dm.note(iid, "paged the DBA")[0] == 201
        dm.append(jline(t0 - 90, "error", UPSTREAM, host="api-2"))
        snap = settled(dm, ref)
        missed = [e for e in ref.events if int(e["id"]) > int(seen)]
        assert len(missed) >= 4, missed
        for how in ({"last_id": seen}, {"query": "?last_event_id=" + seen}):
            c = Stream(dm, **how)
            c.wait(lambda s: len(s.events) >= len(missed), what="the missed events (%s)" % how)
            time.sleep(0.3)
            assert c.events == missed, (how, c.events[:2], missed[:2])
            c.close()
        # The header wins over the query (EventSource sends the header).
        c = Stream(dm, last_id=seen, query="?last_event_id=1")
        c.wait(lambda s: len(s.events) >= len(missed))
        assert c.events == missed
        # The reference saw every id, one by one, and its events rebuild
        # exactly the snapshot, notes and all.
        ids = [int(i) for i in ref.ids]
        assert ids == list(range(ids[0], ids[0] + len(ids))), ids
        assert model_of(ref.events) == model_of_snapshot(snap), \
            (model_of(ref.events), model_of_snapshot(snap))
        # And B's first part plus what it got back rebuilds it too.
        assert model_of(missed, model_of(b.events)) == model_of_snapshot(snap)
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def test_stream_reset_when_events_are_not_kept_or_from_an_earlier_run(d):
    t0 = time.time()
    dm = Daemon(d).start()
    try:
        dm.append(db_incident_lines(t0))
        ref = Stream(dm)
        one_incident(dm)
        snap = settled(dm, ref)
        now = str(snap["event_id"])
        for bad in ("1", "0", "abc", "-1", "", str(int(now) + 1), now + "0",
                    "18446744073709551616"):
            c = Stream(dm, last_id=bad)
            c.wait(lambda s: s.events, what="a reset for %r" % bad)
            assert [e["event"] for e in c.events] == ["reset"], (bad, c.events)
            # The reset carries where the stream stands, so the next
            # reconnection resumes instead of being reset again.
            assert c.ids == [now], (bad, c.ids, now)
            c.close()
        c = Stream(dm, last_id=now)
        time.sleep(0.5)
        assert c.events == [] and b"retry: 2000\n" in c.raw, (c.events, c.raw)
        c.close()
        # A restart: ids of the earlier run are all reset, the new ones grow.
        # (Clients still connected at a stop were not dropped for being slow.)
        dm.stop()
        assert "does not keep up" not in dm.stderr(), dm.stderr()
        dm.start()
        c = Stream(dm, last_id=now)
        c.wait(lambda s: s.events, what="a reset after the restart")
        assert c.events[0]["event"] == "reset", c.events
        assert int(c.ids[0]) > int(now), (c.ids, now)
        snap2 = settled(dm, c)
        assert model_of(c.events[1:]) == model_of_snapshot(snap2)
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def follows(stream, snap):
    """The stream's events are every id one by one, but where a reset
    jumps ahead (the client refetches then), up to the snapshot's."""
    ids = [int(i) for i in stream.ids]
    kinds = {int(e["id"]): e["event"] for e in stream.events}
    for a, b in zip(ids, ids[1:]):
        assert b == a + 1 or b > a and kinds.get(b) == "reset", (a, b, kinds.get(b))
    assert ids[-1] == snap["event_id"], (ids[-1], snap["event_id"])
    resets = [k for k, e in enumerate(stream.events) if e["event"] == "reset"]
    if not resets:
        assert model_of(stream.events) == model_of_snapshot(snap)


def alert_lines(t0, n, seed, start=3000):
    """n distinct alert notifications (each its own entry of ~1 KB)
    with a connection failure every 100, so they all join one incident."""
    import random
    import string
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        t = t0 - start + i * 0.3
        if i % 100 == 0:
            out.append(jline(t, "error", DBFAIL))
        w = "".join(rnd.choice(string.ascii_lowercase) for _ in range(16))
        out.append(jline(t + 0.1, "warn", "Subject: [FIRING:1] HighLatency%s (api-1 critical) %s"
                         % (w, "x" * 450)))
    out.append(jline(t0 - start + n * 0.3, "error", DBFAIL))
    return out


def entries_total(doc):
    """Timeline entries of every incident of a snapshot."""
    return sum(len(i["timeline"]) for i in doc["incidents"])


def test_stream_client_that_never_reads_is_dropped_while_ingestion_goes_on(d):
    t0 = time.time()
    dm = Daemon(d, conf={"incident": {"max_entries": 50000}}).start()
    try:
        stuck = Stream(dm, rcvbuf=4096, read=False)
        good = Stream(dm)
        good.wait(lambda s: s.ids)
        # A steady flow, ~7 MB of events in 15 s: ~50 KB a tick, so a
        # reader has seconds of slack before it holds 1 MiB unread.
        lines = alert_lines(t0, 7000, 1)
        for k in range(0, len(lines), 50):
            dm.append("".join(lines[k:k + 50]))
            time.sleep(0.1)
        wait_for(lambda: dm.metric("timelined_lines_total", {"source": "app"}) == len(lines),
                 60, "every line read")
        snap = settled(dm, good, lambda doc: entries_total(doc) == 7001)
        assert dm.metric("timelined_stream_clients_dropped_total") == 1
        assert dm.metric("timelined_stream_clients") == 1
        assert "does not keep up was dropped" in dm.stderr()
        # The reader was never dropped and missed nothing: every id one by
        # one, but where a reset (a catch-up burst) told it to refetch.
        assert not good.closed
        follows(good, snap)
        # The stuck one's connection was closed: what it holds ends.
        stuck.sock.settimeout(20)
        while stuck.sock.recv(1 << 20):
            pass
        # 4096 events are kept: the first ones are gone, so a reset.
        c = Stream(dm, last_id=good.ids[0])
        c.wait(lambda s: s.events)
        assert c.events[0]["event"] == "reset", c.events[0]
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def test_many_stuck_stream_clients_hold_bounded_memory_together(d):
    """300 clients that never read: each may hold its share of 32 MiB
    (~107 KiB), not 1 MiB, and a tick's events are one copy referenced by
    every client, so together they cost the daemon ~20 MiB, not 300 (75
    MiB measured before); all are dropped and a reader beside them misses
    nothing."""
    t0 = time.time()
    dm = Daemon(d, conf={"incident": {"max_entries": 50000}}).start()
    try:
        good = Stream(dm)
        good.wait(lambda s: s.ids)
        stuck = [Stream(dm, rcvbuf=4096, read=False) for _ in range(300)]
        wait_for(lambda: dm.metric("timelined_stream_clients") == 301, 20,
                 "301 stream clients")
        before = dm.rss_kib()
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                try:
                    peak[0] = max(peak[0], dm.rss_kib())
                except AssertionError:   # the daemon has gone: the test says why
                    return
                time.sleep(0.05)
        threading.Thread(target=sample, daemon=True).start()
        lines = alert_lines(t0, 7000, 3)
        for k in range(0, len(lines), 50):
            dm.append("".join(lines[k:k + 50]))
            time.sleep(0.1)
        wait_for(lambda: dm.metric("timelined_lines_total", {"source": "app"}) == len(lines),
                 60, "every line read")
        wait_for(lambda: dm.metric("timelined_stream_clients_dropped_total") == 300,
                 30, "the 300 stuck clients dropped")
        done.set()   # before the snapshots: a 7,001-entry one is ~40 MiB
        grew = peak[0] - before
        snap = settled(dm, good, lambda doc: entries_total(doc) == 7001)
        print("  RSS %d KiB before, peak +%d KiB with 300 stuck stream clients"
              % (before, grew))
        assert dm.metric("timelined_stream_clients_dropped_total") == 300
        assert dm.metric("timelined_stream_clients") == 1
        assert not good.closed
        follows(good, snap)
        if not sanitized():   # ASan keeps freed memory in quarantine
            assert grew < 48 * 1024, (before, peak[0])
        for s in stuck:
            s.sock.close()
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def test_stream_burst_larger_than_a_client_buffer_drops_nobody(d):
    t0 = time.time()
    dm = Daemon(d, conf={"incident": {"max_entries": 50000}}).start()
    try:
        good = [Stream(dm) for _ in range(3)]
        for g in good:
            g.wait(lambda s: s.ids)
        lines = alert_lines(t0, 8000, 2)
        dm.append("".join(lines))                  # ~7 MB of events at once
        wait_for(lambda: dm.metric("timelined_lines_total", {"source": "app"}) == len(lines),
                 60, "every line read")
        snap = settled(dm, good[0], lambda doc: entries_total(doc) == 8001)
        assert dm.metric("timelined_stream_clients_dropped_total") == 0
        assert dm.metric("timelined_stream_clients") == 3
        for g in good:
            assert not g.closed
            assert [e["event"] for e in g.events].count("reset") >= 1
            follows(g, snap)
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()



def open_streams(dm, n):
    """n stream clients that wait idle (raw sockets, hello read)."""
    socks = []
    for _ in range(n):
        s = socket.create_connection((dm.host, dm.port))
        s.sendall(b"GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    for s in socks:
        s.settimeout(10)
        got = s.recv(4096)
        assert got.startswith(b"HTTP/1.1 200 "), got[:100]
    return socks


def test_stream_1000_idle_clients_cost_little_and_2048_is_the_limit(d):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 4200:
        return   # cannot open 2049 connections here
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4200), hard))
    t0 = time.time()
    dm = Daemon(d).start()
    socks = []
    try:
        dm.append(db_incident_lines(t0))
        one_incident(dm)
        time.sleep(1)
        before = dm.rss_kib()
        socks = open_streams(dm, 1000)
        assert dm.metric("timelined_stream_clients") == 1000
        after = dm.rss_kib()
        print("  RSS %d KiB before, %d KiB with 1,000 idle stream clients: %.1f KiB each"
              % (before, after, (after - before) / 1000))
        assert after - before < 16 * 1024, (before, after)   # generous: 16 KiB each
        # An event reaches all of them.
        dm.append(jline(t0 - 100, "error", UPSTREAM))
        for s in socks[::50]:
            got = b""
            while b"event: entry" not in got:
                got += s.recv(65536)
        # 2,048 at once, the next one is refused with 503 and counted.
        socks += open_streams(dm, 1048)
        assert dm.metric("timelined_stream_clients") == 2048
        st, h, b = dm.get("/v1/stream")
        assert st == 503 and "too many" in json.loads(b)["error"], (st, b)
        assert dm.metric("timelined_stream_clients_refused_total") == 1
        # Others are still served; clients that leave are forgotten.
        assert dm.get("/healthz")[0] == 200
        for s in socks[:1500]:
            s.close()
        wait_for(lambda: dm.metric("timelined_stream_clients") == 548, 20, "1,500 clients gone")
        socks = socks[1500:]
        assert Stream(dm).wait(lambda s: s.ids) is None
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        for s in socks:
            s.close()
        dm.close()


# ---- reading changes nothing ------------------------------------------------

def incident_lines(t0):
    """Two incidents' worth of lines over the last hour: one that closes
    (quiet period 300 s) and one still open, with deploys, restarts,
    alerts, recoveries and repeated failures from two hosts."""
    out = []
    for k in range(40):
        t = t0 - 3600 + k * 5
        out.append(jline(t, "error", DBFAIL, "api-%d" % (k % 2)))
        if k % 7 == 0:
            out.append(jline(t + 1, "error", UPSTREAM, "api-%d" % (k % 2)))
    out.append(jline(t0 - 3000, "info", "Health check passed, service restored", "api-1"))
    out.append(jline(t0 - 1300, "info", DEPLOY, "api-1"))
    for k in range(60):
        out.append(jline(t0 - 1200 + k * 10, "error", DBFAIL, "api-%d" % (k % 3)))
    return out


def final_incidents(dm):
    """The incidents, without what depends on when they were asked."""
    doc = dm.incidents()
    return doc["incidents"]


def test_get_never_changes_the_engine(d):
    t0 = time.time()
    lines = incident_lines(t0)
    conf = {"incident": {"quiet_period_s": 300}}
    results = []
    for hammer in (True, False):
        sub = os.path.join(d, "hammer" if hammer else "quiet")
        os.makedirs(sub)
        dm = Daemon(sub, conf=conf).start()
        stop = threading.Event()
        counts = []
        threads = []
        try:
            if hammer:
                def reader():
                    n = 0
                    while not stop.is_set():
                        doc = dm.incidents()
                        for inc in doc["incidents"]:
                            for fmt in ("md", "csv", "html", "json"):
                                dm.get("/v1/incidents/%s/timeline.%s" % (inc["id"], fmt))
                            dm.get("/v1/incidents/" + inc["id"])
                        dm.incidents("?open=1")
                        dm.get("/metrics")
                        n += 1
                    counts.append(n)
                threads = [threading.Thread(target=reader) for _ in range(3)]
                for th in threads:
                    th.start()
                streams = [Stream(dm) for _ in range(3)]
            for k in range(0, len(lines), 7):
                dm.append("".join(lines[k:k + 7]))
                time.sleep(0.05)
            wait_for(lambda: dm.metric("timelined_lines_total", {"source": "app"}) == len(lines),
                     30, "every line read")
            time.sleep(3)        # past the idle release of the merge
            stop.set()
            for th in threads:
                th.join()
            results.append(final_incidents(dm))
            if hammer:
                assert sum(counts) >= 10, counts      # the GETs did run meanwhile
                for s in streams:
                    s.close()
            dm.stop()
        finally:
            stop.set()
            dm.close()
    hammered, quiet = results
    assert len(quiet) == 2 and [i.get("open") for i in quiet] == [None, True], \
        [(i["id"], i.get("open")) for i in quiet]
    assert hammered == quiet, (hammered, quiet)


# ---- notes across a crash --------------------------------------------------

def notes_of(dm):
    """incident id -> [(ts, message)] of its note entries."""
    return {i["id"]: [(e["ts"], e["message"]) for e in i["timeline"] if e["category"] == "note"]
            for i in dm.incidents()["incidents"]}


def test_notes_survive_kill9_once(d):
    t0 = time.time()
    lines = incident_lines(t0)
    dm = Daemon(d, conf={"incident": {"quiet_period_s": 300}}).start()
    try:
        dm.append("".join(lines))
        incs = wait_for(lambda: (lambda i: i if len(i) == 2 and i[1].get("open") else None)(
            dm.incidents()["incidents"]), 20, "a closed and an open incident")
        closed, open_ = incs[0]["id"], incs[1]["id"]
        posted = {}
        for iid, text, ts in ((closed, "root cause: the pgx upgrade", iso(t0 - 3500)),
                              (open_, "paged the DBA on call", None),
                              (open_, "failing over to db3 \u2014 \u00e9t\u00e9", iso(t0 - 30)),
                              (closed, "postmortem owner: ana", None)):
            st, e = dm.note(iid, text, ts=ts)
            assert st == 201 and e["message"] == text and e["category"] == "note", (st, e)
            if ts is not None:                      # as precise as given
                assert e["ts"] == ts, (e["ts"], ts)
            else:                                   # the clock, to the ms
                assert re.fullmatch(r"[-0-9]{10}T[:0-9]{8}(\.[0-9]{3})?Z", e["ts"]), e["ts"]
            posted.setdefault(iid, []).append((e["ts"], text))
        want = {k: sorted(v) for k, v in posted.items()}
        assert {k: sorted(v) for k, v in notes_of(dm).items()} == want
        dm.kill9()                                  # at once after the 201s
        for how in ("kill -9", "SIGTERM", "kill -9 with more lines", "SIGTERM again"):
            dm.start()
            try:
                wait_for(lambda: {k: sorted(v) for k, v in notes_of(dm).items()} == want,
                         20, "the notes after a restart (%s)" % how)
            except AssertionError:
                raise AssertionError((how, notes_of(dm), want,
                                      [(i["id"], i.get("open")) for i in dm.incidents()["incidents"]]))
            if how in ("kill -9", "kill -9 with more lines"):
                dm.stop()
            elif how == "SIGTERM":
                # The open incident grows after the restart; the notes stay once.
                dm.append(jline(t0 - 5, "error", DBFAIL, "api-9"))
                wait_for(lambda: dm.metric("timelined_lines_total", {"source": "app"})
                         == len(lines) + 1, 20, "the new line")
                time.sleep(1.5)                     # a checkpoint
                dm.kill9()
        assert dm.metric("timelined_notes_total") == 0   # none added in this run
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


# ---- /metrics ---------------------------------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LNAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
LVALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"(%s)(?:\{((?:%s=%s)(?:,%s=%s)*,?)?\})? (\S+)(?: (-?[0-9]+))?$"
                    % (NAME, LNAME, LVALUE, LNAME, LVALUE))
PAIR = re.compile(r"(%s)=(%s)" % (LNAME, LVALUE))


def unescape(v):
    """A label value's text (quotes off, \\\\ \\" \\n read)."""
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v[1:-1])


def parse_prometheus(text):
    """Checks text against the Prometheus text format 0.0.4 and returns
    {family: {"type", "help", "samples": {(name, labels): value}}}."""
    fams, order, seen_done = {}, [], set()
    assert text.endswith("\n"), "no final newline"
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d: %r" % (n, line)
        assert line.strip() == line and line, where
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                assert re.fullmatch(NAME, name), where
                f = fams.setdefault(name, {"type": None, "help": None, "samples": {}})
                assert name not in seen_done, "family %s split: %s" % (name, where)
                if parts[1] == "TYPE":
                    assert f["type"] is None and not f["samples"], "late or second TYPE: " + where
                    assert len(parts) == 4 and parts[3] in (
                        "counter", "gauge", "histogram", "summary", "untyped"), where
                    f["type"] = parts[3]
                else:
                    assert f["help"] is None, "second HELP: " + where
                    f["help"] = parts[3] if len(parts) == 4 else ""
                    assert not re.search(r"\\[^\\n]", f["help"]), where
                if not order or order[-1] != name:
                    if order:
                        seen_done.add(order[-1])
                    order.append(name)
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample: " + where
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        assert value in ("NaN", "+Inf", "-Inf") or re.fullmatch(
            r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", value), where
        pairs = tuple(sorted((k, unescape(v)) for k, v in PAIR.findall(labels)))
        assert len({k for k, _ in pairs}) == len(pairs), "repeated label: " + where
        fam = name
        assert fam not in seen_done, "family %s split: %s" % (fam, where)
        if not order or order[-1] != fam:
            if order:
                seen_done.add(order[-1])
            order.append(fam)
        f = fams.setdefault(fam, {"type": None, "help": None, "samples": {}})
        assert (name, pairs) not in f["samples"], "repeated sample: " + where
        f["samples"][(name, pairs)] = float(value)
    for name, f in fams.items():
        assert f["type"] is not None and f["help"], "%s: no TYPE or HELP" % name
        if f["type"] == "counter":
            assert name.endswith("_total"), "counter %s without _total" % name
            assert all(v >= 0 for v in f["samples"].values()), name
    return fams


def test_metrics_parse_as_prometheus_text_with_any_file_name(d):
    t0 = time.time()
    logs = os.path.join(d, "logs")
    os.makedirs(logs)
    names = ["app.log", 'we"ird\\name.log', "new\nline.log", "caf\u00e9 {x=1}.log"]
    for k, name in enumerate(names):
        with open(os.path.join(logs, name), "w") as f:
            f.write("no timestamp here\n")        # (not a continuation: first)
            f.write(db_incident_lines(t0, "h%d" % k, n=2 + k))
    dm = Daemon(d, sources=[{"path": os.path.join(logs, "*.log"), "tz": "UTC"},
                            {"syslog_udp": "127.0.0.1:0", "name": 'rx "udp"'},
                            {"syslog_tcp": "127.0.0.1:0", "name": "rx\\tcp"}]).start()
    try:
        one_incident(dm)
        Stream(dm).wait(lambda s: s.ids)
        dm.get("/nope")
        fams = wait_for(lambda: (lambda f: f if sum(f["timelined_lines_total"]["samples"].values())
                                 == 4 * 4 + 6 else None)(parse_prometheus(dm.metrics())),
                        20, "every line counted")

        def by(fam, label):
            return {dict(k[1]).get(label): v for k, v in fams[fam]["samples"].items()}
        # Every file by its own name, read back through the escapes.
        lines = by("timelined_lines_total", "source")
        want = {os.path.join(logs, n): 4 + k for k, n in enumerate(names)}
        assert {k: v for k, v in lines.items() if k.startswith(logs)} == want, lines
        assert set(by("timelined_lines_matched_total", "source")) == set(lines)
        assert {k: v for k, v in by("timelined_lines_no_timestamp_total", "source").items()
                if k.startswith(logs)} == {k: 1 for k in want}
        assert {k: v for k, v in by("timelined_lines_matched_total", "source").items()
                if k.startswith(logs)} == {k: v - 1 for k, v in want.items()}
        rules = by("timelined_rule_matches_total", "rule")
        assert rules["pgx.connect_failed"] == 2 + 3 + 4 + 5 and rules["deploy.release_start"] == 4, rules
        assert by("timelined_http_requests_total", "code")["404"] == 1
        for fam, kind in (("timelined_incidents_open", "gauge"), ("timelined_ingest_lag_seconds", "gauge"),
                          ("timelined_stream_clients", "gauge"),
                          ("timelined_stream_clients_dropped_total", "counter"),
                          ("timelined_stream_clients_refused_total", "counter"),
                          ("timelined_stream_events_total", "counter"),
                          ("timelined_notes_total", "counter"), ("timelined_alerts_total", "counter"),
                          ("timelined_alerts_duplicate_total", "counter"),
                          ("timelined_state_commits_total", "counter"),
                          ("timelined_event_time_seconds", "gauge"),
                          ("timelined_seconds_since_last_line", "gauge")):
            assert fams[fam]["type"] == kind and len(fams[fam]["samples"]) == 1, fam
        assert list(fams["timelined_incidents_open"]["samples"].values()) == [1]
        assert list(fams["timelined_stream_clients"]["samples"].values()) == [1]
        # Each receiver by its name, in every receiver family.
        for what in ("messages", "dropped", "cut"):
            assert set(by("timelined_receiver_%s_total" % what, "receiver")) == \
                {'rx "udp"', "rx\\tcp"}, what
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        dm.close()


def test_metrics_parser_refuses_what_prometheus_would(d):
    # The check above can fail: each of these breaks the format.
    good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n"
    parse_prometheus(good)
    for bad in (good.replace('x="1"', 'x="a"b"'), good.replace('x="1"', 'x="a\\qb"'),
                good.replace('x="1"', "x=1"), good.replace('x="1"', '1x="1"'),
                good.replace("} 2", "} two"), good + "a_total{x=\"1\"} 3\n",
                good.replace("# TYPE a_total counter\n", "") + "# TYPE a_total counter\n",
                good + "# HELP b B.\n# TYPE b gauge\nb 1\na_total{x=\"2\"} 1\n",
                good.replace("a_total", "a"), good.replace('x="1"', 'x="new\nline"'),
                good[:-1]):
        try:
            parse_prometheus(bad)
        except AssertionError:
            continue
        raise AssertionError("accepted: %r" % bad)
