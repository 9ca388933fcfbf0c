#!/usr/bin/env python3
"""A stand-in for the daemon's HTTP API, for developing and testing the page.

usage: tests/tools/mock_api.py [--data REPORT.json] [--page FILE]
           [--host 127.0.0.1] [--port 0] [--token TOKEN] [--reveal SECONDS]
           [--first-id N] [--buffer N]

Serves GET / (the page file, read again on every request), the API of
docs/live-page.md (GET /v1/incidents, /v1/incidents/ID, the /v1/stream
Server-Sent Events with Last-Event-ID and `reset`, POST notes with a bearer
token) from a replay JSON report, and test hooks:

  POST /_test/push   {"type": "entry", "incident": ID, "entry": {...}}
                     {"type": "incident", "incident": {...}}  (summary)
                     {"type": "reset"}   {"type": "load", "report": {...}}
  POST /_test/drop   closes every open stream (clients reconnect)
  POST /_test/stream_delay {"seconds": S}  new streams wait S s before
                     they look at Last-Event-ID (a slow connection)
  GET  /_test/streams  the Last-Event-ID each stream connection came with

--reveal S replays the report's incidents as a live daemon would report
them, squeezed into S seconds. Python 3 standard library only; prints
"listening on http://HOST:PORT/" once ready. Not part of timelined.
"""
import argparse
import collections
import copy
import datetime
import json
import os
import queue
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import zoneinfo
except ImportError:  # pragma: no cover
    zoneinfo = None

MAX_BODY = 64 * 1024     # the daemon's limits and messages (out_http.c)
MAX_NOTE = 512
FAILURES = {"db_connection_error", "pool_exhaustion", "resource_exhaustion",
            "hardware_failure", "upstream_error", "external_dependency",
            "crash"}


def parse_ts(s):
    """Seconds since the epoch of an RFC 3339 string (ValueError if bad)."""
    if not isinstance(s, str) or "T" not in s.upper():
        raise ValueError("not an RFC 3339 time: %r" % (s,))
    d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    if d.tzinfo is None:
        raise ValueError("RFC 3339 time without an offset: %r" % (s,))
    return d.timestamp()


def fmt_ts(t):
    """RFC 3339 UTC string of epoch seconds (milliseconds when present)."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    if d.microsecond:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_ts(t, tz):
    """The `local` field: t in the display zone, with its offset."""
    zone = datetime.timezone.utc
    if tz and tz != "UTC" and zoneinfo is not None:
        try:
            zone = zoneinfo.ZoneInfo(tz)
        except Exception:
            pass
    return datetime.datetime.fromtimestamp(t, zone).isoformat(timespec="seconds")


def summary(inc):
    """An incident without its timeline, as the `incident` event carries it."""
    return {k: v for k, v in inc.items() if k != "timeline"}


class State:
    """Incidents, the event buffer and the open streams, under one lock."""

    def __init__(self, report, token, first_id, buffer_len):
        self.lock = threading.Lock()
        self.report = report
        self.token = token
        self.next_id = first_id
        self.buffer = collections.deque(maxlen=buffer_len)
        self.streams = []
        self.stream_log = []
        self.stream_delay = 0.0

    def find(self, iid):
        """The incident with this id, or None (lock held)."""
        for inc in self.report["incidents"]:
            if inc["id"] == iid:
                return inc
        return None

    def emit(self, kind, data, buffered=True):
        """Sends one event to every stream and keeps it for reconnections."""
        with self.lock:
            if buffered:
                eid = self.next_id
                self.next_id += 1
                self.buffer.append((eid, kind, json.dumps(data)))
            else:
                eid = self.next_id - 1
            for q in self.streams:
                q.put((eid, kind, json.dumps(data)))

    def backlog(self, last_id):
        """Events after last_id, or a reset when it is not in the buffer."""
        if last_id is None:
            return []
        first = self.buffer[0][0] if self.buffer else self.next_id
        if last_id < first - 1 or last_id >= self.next_id:
            return [(self.next_id - 1, "reset", "{}")]
        return [ev for ev in self.buffer if ev[0] > last_id]

    def upsert_entry(self, iid, entry):
        """Adds or replaces an entry; grows an open incident's end."""
        with self.lock:
            inc = self.find(iid)
            if inc is None:
                return False
            tl = inc.setdefault("timeline", [])
            tl[:] = [e for e in tl if e.get("id") != entry.get("id")]
            tl.append(entry)
            tl.sort(key=lambda e: parse_ts(e.get("first") or e["ts"]))
            cats = inc.setdefault("categories", [])
            if entry["category"] not in cats:
                cats.append(entry["category"])
            if inc.get("open"):
                last = parse_ts(entry.get("last") or entry["ts"])
                if last > parse_ts(inc.get("end") or inc["start"]):
                    inc["end"] = entry.get("last") or entry["ts"]
                inc["duration_s"] = int(parse_ts(inc["end"]) - parse_ts(inc["start"]))
        self.emit("entry", {"incident": iid, "entry": entry})
        return True

    def upsert_incident(self, summ):
        """Adds or replaces an incident's summary, keeping its timeline."""
        with self.lock:
            inc = self.find(summ["id"])
            if inc is None:
                inc = {"timeline": []}
                self.report["incidents"].append(inc)
            tl = inc.get("timeline", [])
            inc.clear()
            inc.update(summary(summ))
            inc["timeline"] = tl
        self.emit("incident", summary(summ))

    def add_note(self, iid, text, ts):
        """A note entry for incident iid, added and announced."""
        with self.lock:
            inc = self.find(iid)
            n = 1 + max([int(str(e.get("id", "#-1")).rsplit("#", 1)[-1])
                         for e in inc.get("timeline", []) if "#" in str(e.get("id"))] or [-1])
            tz = self.report.get("display_tz", "UTC")
        stamp = fmt_ts(ts)
        entry = {"id": "%s#%d" % (iid, n), "ts": stamp, "local": local_ts(ts, tz),
                 "category": "note", "rule": "note", "title": "Note",
                 "source": "api", "host": None, "message": text, "count": 1,
                 "first": stamp, "last": stamp}
        self.upsert_entry(iid, entry)
        return entry


class Handler(BaseHTTPRequestHandler):
    """One HTTP request against the shared State."""

    server_version = "timelined-mock/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        """Quiet unless MOCK_API_LOG is set."""
        if os.environ.get("MOCK_API_LOG"):
            sys.stderr.write("mock_api: " + fmt % args + "\n")

    def reply(self, code, obj=None, ctype="application/json", body=None):
        """Sends a whole response (JSON object or raw bytes)."""
        if body is None:
            body = (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def error(self, code, msg):
        """A JSON error answer."""
        self.reply(code, {"error": msg})

    def read_body(self):
        """The request body (at most MAX_BODY bytes) or None if larger."""
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            # Read it anyway (up to a bound) so the client sees our answer
            # rather than a reset connection.
            if n <= 1 << 20:
                self.rfile.read(n)
            else:
                self.close_connection = True
            return None
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        """The page, the API and the test hooks."""
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        path = url.path
        if path in ("/", "/index.html"):
            with open(self.server.page, "rb") as f:
                return self.reply(200, body=f.read(), ctype="text/html; charset=utf-8")
        if path == "/healthz":
            return self.reply(200, {"status": "ok"})
        if path == "/v1/incidents":
            return self.incidents(st, q)
        if path.startswith("/v1/incidents/"):
            iid = urllib.parse.unquote(path[len("/v1/incidents/"):])
            with st.lock:
                inc = copy.deepcopy(st.find(iid))
            if inc is None:
                return self.error(404, "no incident with that id")
            return self.reply(200, inc)
        if path == "/v1/stream":
            return self.stream(st)
        if path == "/_test/streams":
            with st.lock:
                return self.reply(200, list(st.stream_log))
        return self.error(404, "no such path: %s" % path)

    def incidents(self, st, q):
        """GET /v1/incidents with ?open=1 and ?since=RFC3339."""
        try:
            since = parse_ts(q["since"][0]) if "since" in q else None
        except ValueError as e:
            return self.error(400, str(e))
        with st.lock:
            rep = copy.deepcopy(st.report)
            rep["event_id"] = st.next_id - 1    # as the daemon: where the stream stood
        out = []
        for inc in rep["incidents"]:
            if q.get("open") == ["1"] and not inc.get("open"):
                continue
            if since is not None and not inc.get("open") and parse_ts(inc["end"]) < since:
                continue
            out.append(inc)
        rep["incidents"] = out
        rep["generated_at"] = fmt_ts(time.time())
        self.reply(200, rep)

    def stream(self, st):
        """GET /v1/stream: Server-Sent Events until the client goes away.
        Last-Event-ID comes as the header, else as ?last_event_id=."""
        lid = self.headers.get("Last-Event-ID")
        if lid is None:
            lid = (urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                   .get("last_event_id", [None])[0])
        time.sleep(st.stream_delay)     # /_test/stream_delay: a slow connection
        try:
            lid = int(lid) if lid is not None else None
        except ValueError:
            lid = -1
        q = queue.Queue()
        with st.lock:
            back = st.backlog(lid)
            cur = st.next_id - 1
            st.streams.append(q)
            st.stream_log.append({"last_event_id": lid,
                                  "reset": any(k == "reset" for _, k, _ in back)})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(b"retry: 1000\n\n")
            for ev in back:
                self.send_event(*ev)
            # An id without data dispatches nothing but sets the client's
            # Last-Event-ID, so even a client that saw no event yet
            # resumes (or is reset) correctly after a reconnection.
            self.wfile.write(b"id: %d\n\n" % cur)
            self.wfile.flush()
            while True:
                try:
                    ev = q.get(timeout=15)
                except queue.Empty:
                    self.wfile.write(b": keepalive\n\n")
                    self.wfile.flush()
                    continue
                if ev is None:
                    break
                self.send_event(*ev)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with st.lock:
                st.streams.remove(q)

    def send_event(self, eid, kind, data):
        """Writes one SSE event."""
        self.wfile.write(("id: %d\nevent: %s\ndata: %s\n\n" % (eid, kind, data)).encode())

    def do_POST(self):
        """Notes and the test hooks."""
        st = self.server.state
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/v1/incidents/") and path.endswith("/notes"):
            return self.note(st, urllib.parse.unquote(path[len("/v1/incidents/"):-len("/notes")]))
        body = self.read_body()
        if path == "/_test/drop":
            with st.lock:
                for q in st.streams:
                    q.put(None)
            return self.reply(200, {"ok": True})
        if path == "/_test/push":
            return self.push(st, body)
        if path == "/_test/stream_delay":
            st.stream_delay = float(json.loads(body or b"{}").get("seconds", 0))
            return self.reply(200, {"ok": True})
        return self.error(404, "no such path: %s" % path)

    def note(self, st, iid):
        """POST /v1/incidents/ID/notes."""
        auth = self.headers.get("Authorization", "")
        if auth != "Bearer " + st.token:
            self.read_body()
            return self.error(401, "expected Authorization: Bearer TOKEN (api_token_file)")
        body = self.read_body()
        if body is None:
            return self.error(413, "the body is larger than 64 KiB")
        with st.lock:
            known = st.find(iid) is not None
        if not known:
            return self.error(404, "no incident with that id")
        try:
            req = json.loads(body)
            text = req["text"]
            if not isinstance(text, str) or not text.strip():
                raise ValueError("text must be a non-empty string")
            ts = parse_ts(req["ts"]) if req.get("ts") is not None else time.time()
        except (ValueError, KeyError, TypeError) as e:
            return self.error(400, "bad note: %s" % e)
        if len(text.encode()) > MAX_NOTE:
            return self.error(413, "text: longer than %d bytes" % MAX_NOTE)
        self.reply(201, st.add_note(iid, text.strip(), ts))

    def push(self, st, body):
        """POST /_test/push: change the state and emit the event."""
        try:
            req = json.loads(body or b"{}")
            kind = req["type"]
        except (ValueError, KeyError) as e:
            return self.error(400, "bad push: %s" % e)
        if kind == "entry":
            if not st.upsert_entry(req["incident"], req["entry"]):
                return self.error(404, "no incident %s" % req["incident"])
        elif kind == "incident":
            st.upsert_incident(req["incident"])
        elif kind == "reset":
            st.emit("reset", {}, buffered=False)
        elif kind == "load":
            with st.lock:
                st.report = req["report"]
            st.emit("reset", {}, buffered=False)
        else:
            return self.error(400, "unknown push type %r" % kind)
        self.reply(200, {"ok": True})


TIME_KEYS = ("ts", "first", "last", "start", "end", "detected", "mitigated")


def shift(obj, by):
    """Moves every time field of a report (incidents, entries) by `by` seconds."""
    if isinstance(obj, list):
        return [shift(x, by) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for k, v in obj.items():
        if k in TIME_KEYS and isinstance(v, str):
            out[k] = fmt_ts(parse_ts(v) + by)
        else:
            out[k] = shift(v, by)
    return out


def reveal(st, full, seconds):
    """Replays a report's incidents over `seconds` as a live daemon would.

    The report's times are moved so that it ends now: the page sees a
    daemon catching up on recent logs, quickly.
    """
    last = max([parse_ts(e.get("last") or e["ts"]) for i in full["incidents"]
                for e in i["timeline"]] + [0])
    full = shift(full, time.time() - last)
    steps = []
    for inc in full["incidents"]:
        start = parse_ts(inc["start"])
        for e in inc["timeline"]:
            a, b = parse_ts(e.get("first") or e["ts"]), parse_ts(e.get("last") or e["ts"])
            n = e.get("count", 1)
            for k in range(1, min(n, 6) + 1):
                part = dict(e, count=max(1, n * k // min(n, 6)))
                t = a + (b - a) * (k - 1) / max(1, min(n, 6) - 1)
                part["last"] = fmt_ts(t)
                steps.append((max(t, start), 1, inc["id"], part))
        for k in ("detected", "mitigated"):
            if inc.get(k):
                steps.append((parse_ts(inc[k]), 0, inc["id"], k))
        steps.append((start, -1, inc["id"], "open"))
        steps.append((parse_ts(inc["end"]), 2, inc["id"], "close"))
    steps.sort(key=lambda s: (s[0], s[1]))
    if not steps:
        return
    t0, t1 = steps[0][0], steps[-1][0]
    scale = seconds / max(1.0, t1 - t0)
    wall0 = time.time()
    shown = {}
    for t, _, iid, what in steps:
        time.sleep(max(0.0, wall0 + (t - t0) * scale - time.time()))
        inc = next(i for i in full["incidents"] if i["id"] == iid)
        if isinstance(what, dict):
            st.upsert_entry(iid, what)
            continue
        summ = summary(inc)
        if what != "close":
            summ["open"] = True
            summ["end"] = fmt_ts(t)
            for k in ("detected", "mitigated"):
                if not shown.get((iid, k)):
                    summ[k] = None
            if what in ("detected", "mitigated"):
                shown[(iid, what)] = True
                summ[what] = inc[what]
        st.upsert_incident(summ)


def main():
    """Parses flags, loads the report and serves until killed."""
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="a `timelined replay --format json` report")
    ap.add_argument("--page", default=os.path.join(here, "..", "..", "daemon", "page", "index.html"))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default="test-token")
    ap.add_argument("--reveal", type=float, help="replay the report live over this many seconds")
    ap.add_argument("--first-id", type=int, default=None,
                    help="first event id (default: the start time in ms, so a restart's ids never repeat)")
    ap.add_argument("--buffer", type=int, default=1000, help="events kept for reconnecting clients")
    a = ap.parse_args()
    report = {"schema": "timelined/1", "display_tz": "UTC", "incidents": []}
    if a.data:
        with open(a.data) as f:
            report = json.load(f)
    full = copy.deepcopy(report)
    if a.reveal:
        report["incidents"] = []
    first = a.first_id if a.first_id is not None else int(time.time() * 1000)
    st = State(report, a.token, first, a.buffer)
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    srv.state = st
    srv.page = a.page
    print("listening on http://%s:%d/" % srv.server_address[:2], flush=True)
    if a.reveal:
        threading.Thread(target=reveal, args=(st, full, a.reveal), daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
