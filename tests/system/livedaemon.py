"""The real daemon for the API tests: `timelined run` on an ephemeral
loopback port with its own config, token, state directory and tailed log,
plain HTTP requests (http.client, so every status and header is seen as
sent), a Server-Sent Events client on a raw socket, log lines stamped
relative to now, and the process's resident memory.

Used by tests/system/test_api.py, test_alertmanager.py and the browser
harness tests/browser/daemon_run.
"""
import datetime
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

BIN = os.path.abspath(os.environ.get("TIMELINED_BIN", "./timelined"))
TOKEN = "api-test-token-0123456789abcdef"


def iso(t, frac=True):
    """RFC 3339 UTC of epoch seconds t (milliseconds unless frac is off)."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    if not frac:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def jline(t, level, msg, host="api-1"):
    """One JSON log line at epoch seconds t."""
    return json.dumps({"time": iso(t), "level": level, "host": host, "msg": msg}) + "\n"


DEPLOY = "Deploying release v9.1.0 (db driver pgx 5.6.0 -> 5.7.0)"
DBFAIL = ("failed to connect to `host=db2.internal user=shop database=shop`: "
          "dial error (dial tcp 10.9.9.9:5432: connect: connection refused)")
UPSTREAM = ("upstream timed out (110: Connection timed out) while reading "
            "response header from upstream")


def wait_for(pred, timeout, what, step=0.05):
    """Polls pred() until it returns something true; fails naming what."""
    end = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > end:
            raise AssertionError("timed out after %gs waiting for %s" % (timeout, what))
        time.sleep(step)


class Daemon:
    """timelined run in directory d. conf: extra top-level keys; token:
    write an api_token_file (else writing is off)."""

    def __init__(self, d, conf=None, token=True, sources=None, name="app"):
        self.d = d
        self.log = os.path.join(d, "app.log")
        if not os.path.exists(self.log):
            open(self.log, "w").close()
        self.state = os.path.join(d, "state")
        c = {"listen": "127.0.0.1:0", "state_dir": self.state,
             "sources": sources if sources is not None else
             [{"path": self.log, "tz": "UTC", "name": name}],
             "read_from_head": True}
        if token:
            path = os.path.join(d, "token")
            with open(path, "w") as f:
                f.write(TOKEN + "\n")
            os.chmod(path, 0o600)
            c["api_token_file"] = path
        c.update(conf or {})
        self.conf_path = os.path.join(d, "timelined.json")
        with open(self.conf_path, "w") as f:
            json.dump(c, f, indent=1)
        self.proc = None
        self.runs = 0
        self.addr = None

    # ---- the process ----------------------------------------------------

    def start(self, timeout=20):
        """Starts the daemon and waits until /healthz answers."""
        self.runs += 1
        self.err_path = os.path.join(self.d, "daemon-%d.err" % self.runs)
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen([BIN, "run", "-v", "-c", self.conf_path],
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        m = wait_for(lambda: self._listening(), timeout, "the API address in the log")
        self.addr = m.group(1)
        self.host, self.port = self.addr.rsplit(":", 1)
        self.port = int(self.port)
        wait_for(lambda: self.get("/healthz")[0] == 200, timeout, "/healthz")
        return self

    def _listening(self):
        """The 'HTTP API on' log line's match, or None (fails if it died)."""
        assert self.proc.poll() is None, "the daemon exited: %s" % self.stderr()
        return re.search(r"HTTP API on http://([0-9.:\[\]]+)/", self.stderr())

    def stderr(self):
        """What the daemon wrote to stderr in this run."""
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def stop(self):
        """SIGTERM; fails unless it exits 0 within 20 s."""
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=20)
        self.err.close()
        assert rc == 0, "exit %d: %s" % (rc, self.stderr()[-2000:])

    def kill9(self):
        """kill -9, as a crash."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.err.close()

    def close(self):
        """Makes sure the process is gone (after a failed check)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            self.err.close()

    def rss_kib(self):
        """Resident memory of the daemon, KiB (VmRSS)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    # ---- input ----------------------------------------------------------

    def append(self, text):
        """Appends text to the tailed log."""
        with open(self.log, "a") as f:
            f.write(text)

    # ---- HTTP -----------------------------------------------------------

    def request(self, method, path, body=None, headers=None, timeout=10):
        """One request on a fresh connection: (status, headers dict with
        lower-case names, body bytes)."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def get(self, path, headers=None):
        """GET: (status, headers, body bytes)."""
        return self.request("GET", path, headers=headers)

    def json(self, method, path, body=None, headers=None):
        """A request whose answer must be JSON: (status, decoded)."""
        st, h, b = self.request(method, path, body, headers)
        assert h.get("content-type", "").startswith("application/json"), (st, h, b[:200])
        return st, json.loads(b)

    def incidents(self, query=""):
        """GET /v1/incidents (200 required): the document."""
        st, doc = self.json("GET", "/v1/incidents" + query)
        assert st == 200, (st, doc)
        return doc

    def note(self, iid, text, token=TOKEN, ts=None):
        """POST a note: (status, decoded answer)."""
        body = {"text": text}
        if ts is not None:
            body["ts"] = ts
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return self.json("POST", "/v1/incidents/%s/notes" % iid, body, h)

    def metrics(self):
        """GET /metrics as text."""
        st, h, b = self.get("/metrics")
        assert st == 200 and h["content-type"].startswith("text/plain"), (st, h)
        return b.decode()

    def metric(self, name, labels=None):
        """One sample's value from /metrics, or None."""
        want = name
        if labels:
            want += "{" + ",".join('%s="%s"' % kv for kv in sorted(labels.items())) + "}"
        for line in self.metrics().splitlines():
            if line.startswith("#"):
                continue
            key, _, val = line.rpartition(" ")
            if key == want:
                return float(val)
        return None


class Stream:
    """A Server-Sent Events client of GET /v1/stream on a raw socket. A
    thread only receives (a reader that falls behind by 1 MiB is dropped,
    rightly, so it does nothing else); what arrived is parsed into fields
    and events when asked."""

    def __init__(self, daemon, last_id=None, query="", rcvbuf=None, read=True):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect((daemon.host, daemon.port))
        req = "GET /v1/stream%s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" % query
        if last_id is not None:
            req += "Last-Event-ID: %s\r\n" % last_id
        self.sock.sendall((req + "\r\n").encode())
        self.buf = bytearray()   # received, not parsed yet
        self.raw = b""           # the first 64 KiB as received
        self.head = None
        self.status = None
        self.body = bytearray()
        self._events = []        # dicts: id (str or None), event, data
        self._ids = []           # every id: field, in order
        self.retry = None
        self.closed = False
        self.cv = threading.Condition()
        if read:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        """Receives until the server closes."""
        while True:
            try:
                chunk = self.sock.recv(1 << 20)
            except OSError:
                chunk = b""
            with self.cv:
                if not chunk:
                    self.closed = True
                else:
                    self.buf += chunk
                self.cv.notify_all()
            if not chunk:
                return

    def _take(self):
        """Parses what was received (lock held)."""
        if len(self.raw) < 65536:
            self.raw += bytes(self.buf[:65536 - len(self.raw)])
        if self.head is None:
            at = self.buf.find(b"\r\n\r\n")
            if at < 0:
                return
            self.head = bytes(self.buf[:at])
            del self.buf[:at + 4]
            self.status = int(self.head.split(b" ", 2)[1])
            self.chunked = b"transfer-encoding: chunked" in self.head.lower()
        self._dechunk()
        self._parse()

    def _dechunk(self):
        """Moves the whole chunks at the start of buf into body."""
        if not self.chunked:
            self.body += self.buf
            del self.buf[:]
            return
        at = 0
        while True:
            eol = self.buf.find(b"\r\n", at)
            if eol < 0:
                break
            n = int(bytes(self.buf[at:eol]).split(b";")[0], 16)
            if len(self.buf) < eol + 2 + n + 2:
                break
            self.body += self.buf[eol + 2:eol + 2 + n]
            at = eol + 2 + n + 2
        del self.buf[:at]

    def _parse(self):
        """Takes the complete blocks (ended by a blank line) of the body."""
        at = 0
        while True:
            end = self.body.find(b"\n\n", at)
            if end < 0:
                break
            block = bytes(self.body[at:end])
            at = end + 2
            ev = {"id": None, "event": "message", "data": []}
            for line in block.decode().split("\n"):
                if line.startswith(":"):
                    continue
                k, _, v = line.partition(":")
                v = v[1:] if v.startswith(" ") else v
                if k == "id":
                    ev["id"] = v
                    self._ids.append(v)
                elif k == "event":
                    ev["event"] = v
                elif k == "data":
                    ev["data"].append(v)
                elif k == "retry":
                    self.retry = int(v)
            if ev["data"]:
                ev["data"] = json.loads("\n".join(ev["data"]))
                self._events.append(ev)
        del self.body[:at]

    @property
    def events(self):
        """The events so far."""
        with self.cv:
            self._take()
            return self._events

    @property
    def ids(self):
        """Every id: field so far, in order."""
        with self.cv:
            self._take()
            return self._ids

    def wait(self, pred, timeout=15, what="stream events"):
        """Waits until pred(self) holds."""
        end = time.time() + timeout
        with self.cv:
            while True:
                self._take()
                if pred(self):
                    return
                left = end - time.time()
                if left <= 0 or self.closed:
                    raise AssertionError("stream: %s (closed=%s, %d events, last ids %s)" % (
                        what, self.closed, len(self._events), self._ids[-3:]))
                self.cv.wait(min(left, 0.2))

    def last_id(self):
        """The last id: field seen (what EventSource would send back)."""
        ids = self.ids
        return ids[-1] if ids else None

    def close(self):
        """Closes the connection."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
