#!/usr/bin/env python3
"""Writes the benchmark corpus: realistic log lines in five formats
(RFC 3164 syslog, JSON lines, nginx access log, PostgreSQL, Spring Boot),
one file per format, about --mb megabytes in all, into --out, each file
spread over the same --hours (default 48) from 2024-03-10 00:00 UTC.

The corpus is deterministic: the same --seed and --mb give the same bytes.
Failures (about 2% of lines) come in bursts, the way incidents do: inside
a 15-minute window every 4 hours (the first 2 hours in) a third of the
lines fail, outside it a stray failure about once an hour. A deploy
precedes each burst, an alert fires in it, a recovery follows it. A stamp
file records what was generated, so a second run with the same arguments
does nothing.

Usage: bench/gen.py [--mb 200] [--seed 1] [--hours 48] [--out bench/out]
"""

import argparse
import hashlib
import os
import random
import sys
from datetime import datetime, timedelta, timezone

START = datetime(2024, 3, 10, 0, 0, 0, tzinfo=timezone.utc)
WINDOW_EVERY = 4 * 3600     # an incident window every 4 hours,
WINDOW_AT = 2 * 3600        # starting 2 hours into each period
WINDOW_LEN = 15 * 60        # and lasting 15 minutes
P_FAIL_IN = 0.32            # failure share of lines inside a window
P_FAIL_OUT = 0.00001        # and outside: rare strays, so windows stay apart
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

HOSTS = ["web1", "web2", "api-1", "api-2", "db1", "worker-3"]
PATHS = ["/", "/api/v1/products?page=%d", "/api/v1/cart", "/api/v1/orders",
         "/static/app.%x.js", "/static/style.%x.css", "/healthz",
         "/api/v1/users/%d", "/api/v1/search?q=item%d", "/favicon.ico"]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.6261.94 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 "
    "Safari/604.1",
    "curl/8.5.0", "kube-probe/1.29", "python-requests/2.31.0",
]


def in_window(t):
    """True if second t of the corpus is inside an incident window."""
    return WINDOW_AT <= (t % WINDOW_EVERY) < WINDOW_AT + WINDOW_LEN


def is_failure(rng, t):
    """Draws whether the line at second t is a failure."""
    return rng.random() < (P_FAIL_IN if in_window(t) else P_FAIL_OUT)


def ip(rng):
    return "%d.%d.%d.%d" % (rng.choice((10, 105, 197, 41)),
                            rng.randrange(256), rng.randrange(256),
                            rng.randrange(1, 255))


class Clock:
    """Each file's own clock: steps of a random few hundred milliseconds."""

    def __init__(self, rng, mean_step_ms):
        self.rng = rng
        self.ms = 0
        self.mean = mean_step_ms
        self.fired = {}

    def tick(self):
        self.ms += 1 + int(self.rng.expovariate(1.0 / self.mean))
        return self.ms

    def dt(self):
        return START + timedelta(milliseconds=self.ms)

    def second(self):
        return self.ms // 1000

    def marker(self, every_s, offset_s):
        """True for the first line at or after offset_s into each period
        of every_s seconds: one deploy, alert or recovery per window."""
        s = self.second()
        if s < offset_s:
            return False
        period = (s - offset_s) // every_s
        if period <= self.fired.get(offset_s, -1):
            return False
        self.fired[offset_s] = period
        return True


# --- syslog (RFC 3164, UTC, year-less) -------------------------------------

SYSLOG_OK = [
    ("sshd", "Accepted publickey for ops from {ip} port {port} ssh2: "
             "ED25519 SHA256:4bYv0m8Qe1cJx2uKpN7rTz3wLhA9sD6fG0iE5oU1yXk"),
    ("sshd", "pam_unix(sshd:session): session opened for user ops(uid=1002) "
             "by (uid=0)"),
    ("CRON", "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"),
    ("systemd", "Started Session {n} of User ops."),
    ("kernel", "[{up}.{us:06d}] eth0: renamed from veth{x:x}"),
    ("dhclient", "DHCPACK of {ip} from 10.0.0.1"),
    ("nginx", "worker process {pid} exited with code 0"),
    ("postfix/smtp", "{x:X}: to=<ops@example.com>, relay=mx.example.com"
                     "[{ip}]:25, delay=0.4, status=sent (250 2.0.0 OK)"),
]
SYSLOG_FAIL = [
    ("kernel", "[{up}.{us:06d}] Out of memory: Killed process {pid} (java) "
               "total-vm:8123456kB, anon-rss:4012345kB, file-rss:0kB"),
    ("kernel", "[{up}.{us:06d}] blk_update_request: I/O error, dev sda, "
               "sector {n} op 0x0:(READ) flags 0x0"),
    ("kernel", "[{up}.{us:06d}] app[{pid}]: segfault at 0 ip "
               "00007f3a{x:08x} sp 00007ffd{x:08x} error 4 in libc.so.6"),
    ("systemd", "api.service: Main process exited, code=killed, "
                "status=9/KILL"),
    ("systemd", "api.service: Failed with result 'oom-kill'."),
]


def syslog_line(rng, c, fail):
    d = c.dt()
    prog, tmpl = rng.choice(SYSLOG_FAIL if fail else SYSLOG_OK)
    msg = tmpl.format(ip=ip(rng), port=rng.randrange(1024, 65535),
                      n=rng.randrange(1, 10**6), up=c.second() + 86400,
                      us=rng.randrange(10**6), x=rng.getrandbits(32),
                      pid=rng.randrange(100, 60000))
    if not fail and c.marker(WINDOW_EVERY, WINDOW_AT - 600):
        prog, msg = "apt", ("Upgrade: libpq5:amd64 (15.5-0+deb12u1, "
                            "16.2-1.pgdg120+1)")
    pid = "" if prog == "kernel" else "[%d]" % rng.randrange(100, 60000)
    return "%s %2d %02d:%02d:%02d %s %s%s: %s\n" % (
        MONTHS[d.month - 1], d.day, d.hour, d.minute, d.second,
        rng.choice(HOSTS), prog, pid, msg)


# --- JSON lines ----------------------------------------------------------

JSON_OK = [
    "GET /api/v1/cart -> 200 ({n}ms)",
    "POST /api/v1/orders -> 200 ({n}ms)",
    "db pool stats: total=20 idle={idle} in_use={use} waiting=0 errors=0",
    "cache hit ratio {pct}% over last minute",
    "user {n} logged in",
    "payment authorised order={x:x} amount={n}.{pct:02d} EUR",
]
JSON_FAIL = [
    "dial tcp 10.0.0.5:5432: connect: connection refused",
    "db pool exhausted: timeout acquiring connection after 30000ms "
    "(total=20 idle=0 waiting={n})",
    "upstream payments-gateway returned 503 Service Unavailable",
    "call to https://api.stripe.com/v1/charges timed out after 10s",
    "pq: sorry, too many clients already",
    "panic: runtime error: invalid memory address or nil pointer dereference",
]


def json_line(rng, c, fail):
    d = c.dt()
    extra = ""
    if not fail and c.marker(WINDOW_EVERY, WINDOW_AT - 300):
        msg, lvl = "Deploying release v2.%d.%d" % (c.second() // 86400,
                                                  c.second() % 7), "info"
    elif not fail and c.marker(WINDOW_EVERY, WINDOW_AT + 120):
        msg, lvl = "alert firing", "warn"
        extra = ',"alertname":"ApiErrorRate","severity":"critical"'
    elif not fail and c.marker(WINDOW_EVERY, WINDOW_AT + WINDOW_LEN + 60):
        msg, lvl = "health check passing again, service restored", "info"
    elif not fail and c.marker(WINDOW_EVERY, WINDOW_AT + WINDOW_LEN + 90):
        msg, lvl = "alert resolved", "info"
        extra = ',"alertname":"ApiErrorRate","severity":"critical"'
    else:
        msg = rng.choice(JSON_FAIL if fail else JSON_OK).format(
            n=rng.randrange(5, 900), idle=rng.randrange(0, 20),
            use=rng.randrange(0, 20), pct=rng.randrange(100),
            x=rng.getrandbits(40))
        lvl = "error" if fail else rng.choice(("info", "info", "debug"))
    return ('{"time":"%s.%03dZ","level":"%s","host":"%s","service":"api",'
            '"trace_id":"%032x","msg":"%s"%s}\n' % (
                d.strftime("%Y-%m-%dT%H:%M:%S"), d.microsecond // 1000, lvl,
                rng.choice(HOSTS[2:4]), rng.getrandbits(128), msg, extra))


# --- nginx access (combined) --------------------------------------------------

def access_line(rng, c, fail):
    d = c.dt()
    path = rng.choice(PATHS)
    if "%" in path:
        path = path % rng.randrange(1, 5000)
    method = "POST" if path.endswith("orders") else "GET"
    status = rng.choice((502, 503, 504, 500)) if fail else rng.choice(
        (200, 200, 200, 200, 200, 304, 301, 404))
    size = 157 if fail else rng.randrange(200, 60000)
    return ('%s - - [%02d/%s/%d:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d '
            '"%s" "%s"\n' % (ip(rng), d.day, MONTHS[d.month - 1], d.year,
                             d.hour, d.minute, d.second, method, path,
                             status, size,
                             rng.choice(("-", "https://shop.example/")),
                             rng.choice(AGENTS)))


# --- PostgreSQL ----------------------------------------------------------

PG_OK = [
    "LOG:  checkpoint starting: time",
    "LOG:  checkpoint complete: wrote {n} buffers (7.9%); 0 WAL file(s) "
    "added, 0 removed, 1 recycled; write=239.657 s, sync=0.004 s, "
    "total=240.057 s; sync files=41, longest=0.002 s, average=0.001 s",
    "LOG:  connection received: host=10.0.{a}.{b} port={port}",
    "LOG:  connection authorized: user=app database=shop "
    "application_name=api",
    "LOG:  duration: {n}.{b:03d} ms  statement: SELECT * FROM orders "
    "WHERE id = {port}",
    "LOG:  automatic vacuum of table \"shop.public.sessions\": index scans: 1",
]
PG_FAIL = [
    "FATAL:  sorry, too many clients already",
    "FATAL:  remaining connection slots are reserved for non-replication "
    "superuser connections",
    "FATAL:  password authentication failed for user \"app\"",
    "ERROR:  could not extend file \"base/16384/2619\": No space left on "
    "device",
    "LOG:  server process (PID {n}) was terminated by signal 9: Killed",
    "PANIC:  could not write to file \"pg_wal/xlogtemp.{n}\": "
    "No space left on device",
]


def pg_line(rng, c, fail):
    d = c.dt()
    msg = rng.choice(PG_FAIL if fail else PG_OK).format(
        n=rng.randrange(1, 99999), a=rng.randrange(256), b=rng.randrange(256),
        port=rng.randrange(1024, 65535))
    if not fail and c.marker(WINDOW_EVERY, WINDOW_AT + WINDOW_LEN + 30):
        msg = "LOG:  database system is ready to accept connections"
    return "%s.%03d UTC [%d] %s\n" % (d.strftime("%Y-%m-%d %H:%M:%S"),
                                      d.microsecond // 1000,
                                      rng.randrange(1000, 30000), msg)


# --- Spring Boot ---------------------------------------------------------

SPRING_OK = [
    ("c.example.api.PlaybackController", "search query served hits={n} "
                                         "took={ms}ms"),
    ("c.example.api.SessionService", "session refreshed user_id={n}"),
    ("o.s.web.servlet.DispatcherServlet", "Completed initialization in "
                                          "{ms} ms"),
    ("c.example.orders.OrderService", "order {n} placed, {ms} items"),
    ("com.zaxxer.hikari.HikariPool", "HikariPool-1 - Pool stats (total=20, "
                                     "active={ms}, idle=3, waiting=0)"),
]
SPRING_FAIL = [
    ("o.h.engine.jdbc.spi.SqlExceptionHelper", "HikariPool-1 - Connection is "
     "not available, request timed out after 30000ms."),
    ("o.a.c.c.C.[.[.[/].[dispatcherServlet]", "Servlet.service() for servlet "
     "[dispatcherServlet] threw exception"),
    ("c.example.payments.StripeClient", "I/O error on POST request for "
     "\"https://api.stripe.com/v1/charges\": Read timed out"),
    ("o.s.b.a.jdbc.DataSourceHealthIndicator", "DataSource health check "
     "failed"),
]
STACK = [
    "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is "
    "not available, request timed out after 30000ms.",
    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException("
    "HikariPool.java:696)",
    "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:197)",
    "\tat com.example.orders.OrderRepository.save(OrderRepository.java:88)",
]


def spring_line(rng, c, fail):
    d = c.dt()
    logger, tmpl = rng.choice(SPRING_FAIL if fail else SPRING_OK)
    msg = tmpl.format(n=rng.randrange(1, 10**6), ms=rng.randrange(1, 400))
    head = "%s.%03d %5s 1 --- [nio-8080-exec-%d] %-40s : %s\n" % (
        d.strftime("%Y-%m-%d %H:%M:%S"), d.microsecond // 1000,
        "ERROR" if fail else rng.choice(("INFO", "INFO", "DEBUG", "WARN")),
        rng.randrange(1, 11), logger[:40], msg)
    if fail and rng.random() < 0.3:
        return head + "\n".join(STACK) + "\n"
    return head


FORMATS = [
    # name, file, writer, share of bytes
    ("syslog", "syslog", syslog_line, 0.20),
    ("json", "api.jsonl", json_line, 0.25),
    ("access", "access.log", access_line, 0.25),
    ("postgres", "postgresql.log", pg_line, 0.15),
    ("spring", "app.log", spring_line, 0.15),
]


def mean_line(writer, seed):
    """Average bytes per line of writer, from a sample of its lines."""
    rng = random.Random(seed)
    c = Clock(rng, 200)
    size = 0
    for _ in range(2000):
        c.tick()
        size += len(writer(rng, c, is_failure(rng, c.second())))
    return size / 2000.0


def write_one(path, writer, nbytes, seed, span_s):
    """Writes lines from writer into path until nbytes; returns counts.
    The clock's mean step spreads the file over about span_s seconds."""
    mean_ms = span_s * 1000.0 / max(1.0, nbytes / mean_line(writer, seed))
    rng = random.Random(seed)
    c = Clock(rng, mean_ms)
    lines = fails = size = 0
    buf = []
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        while size < nbytes:
            c.tick()
            fail = is_failure(rng, c.second())
            s = writer(rng, c, fail)
            buf.append(s)
            size += len(s)
            lines += s.count("\n")
            fails += fail
            if len(buf) >= 4096:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))
    return lines, fails, size


def stamp_of(args):
    """What identifies a corpus: the arguments and this script's text."""
    with open(os.path.abspath(__file__), "rb") as f:
        h = hashlib.sha256(f.read()).hexdigest()[:16]
    return "mb=%s seed=%s hours=%s gen=%s\n" % (args.mb, args.seed,
                                                 args.hours, h)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=200.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--hours", type=float, default=48.0,
                    help="time the corpus spans (default 48)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    stamp = os.path.join(args.out, ".stamp")
    want = stamp_of(args)
    if os.path.exists(stamp) and open(stamp).read() == want:
        print("gen: %s is up to date (%s)" % (args.out, want.strip()))
        return 0
    if os.path.exists(stamp):
        os.unlink(stamp)
    total = int(args.mb * 1e6)
    tl = tf = tb = 0
    for i, (name, fname, writer, share) in enumerate(FORMATS):
        lines, fails, size = write_one(os.path.join(args.out, fname), writer,
                                       int(total * share),
                                       args.seed * 1000 + i,
                                       args.hours * 3600)
        print("gen: %-14s %9d lines %7.1f MB %5.2f%% failures" % (
            fname, lines, size / 1e6, 100.0 * fails / max(lines, 1)))
        tl, tf, tb = tl + lines, tf + fails, tb + size
    print("gen: %-14s %9d lines %7.1f MB %5.2f%% failure records" % (
        "total", tl, tb / 1e6, 100.0 * tf / max(tl, 1)))
    with open(stamp, "w") as f:
        f.write(want)
    return 0


if __name__ == "__main__":
    sys.exit(main())
