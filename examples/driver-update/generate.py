#!/usr/bin/env python3
"""Writes the driver-update example logs (syslog, api.log, postgresql.log,
access.log, alerts.log) into this folder.

Run once; the output is committed. Deterministic (fixed seed), so running it
again gives the same bytes. The story and the expected times are in README.md.

All instants below are written in UTC and rendered into each file's own
zone: syslog and postgresql.log in WAT (Africa/Lagos, UTC+1, no DST),
access.log with +0100 offsets, api.log and alerts.log in UTC ("Z").
"""
import os
import random
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
WAT = timezone(timedelta(hours=1), "WAT")
rnd = random.Random(20240315)


def U(hms, ms=0):
    """2024-03-15 HH:MM:SS UTC (+ms)."""
    h, m, s = (int(x) for x in hms.split(":"))
    return datetime(2024, 3, 15, h, m, s, ms * 1000, tzinfo=timezone.utc)


def W(hms, ms=0):
    """2024-03-15 HH:MM:SS WAT (+ms), returned as UTC."""
    return U(hms, ms) - timedelta(hours=1)


# ---- the key instants (UTC) -------------------------------------------
DEPLOY = W("09:45:12")          # 08:45:12Z
DEPLOYED = W("09:46:37")        # 08:46:37Z
FIRST_ERR = U("09:00:01", 207)  # 10:00:01.207 WAT: first failure (api.log)
ALERT1 = U("09:02:30")          # PostgresConnectionFailures firing
ALERT2 = U("09:04:00")          # ShopApiHighErrorRate firing
RB_START = W("11:05:20")        # 10:05:20Z
RB_DONE = W("11:06:48")         # 10:06:48Z
FIX = W("12:31:40")             # 11:31:40Z, sudo ufw allow ...
LAST_ERR = U("11:31:37", 840)   # last pgx error in api.log
LAST_5XX = W("12:31:39")        # last 504 in access.log (11:31:39Z)
POOL_OK = U("11:31:44", 502)    # recovery: pool re-established
RESOLVED2 = U("11:35:30")       # ShopApiHighErrorRate resolved
RESOLVED1 = U("11:36:30")       # PostgresConnectionFailures resolved (end)


def between(a, b, step_s, jitter_s):
    """Instants from a to b, about every step_s seconds."""
    t = a
    out = []
    while True:
        t = t + timedelta(seconds=step_s + rnd.uniform(-jitter_s, jitter_s))
        if t >= b:
            return out
        out.append(t)


def write(name, rows):
    rows.sort(key=lambda r: r[0])
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        for _, line in rows:
            f.write(line + "\n")
    print(f"{name}: {len(rows)} lines")


# ---- syslog: RFC 3164, local time WAT, host web1 ----------------------
def sl(t, prog, msg):
    lt = t.astimezone(WAT)
    stamp = lt.strftime("%b ") + f"{lt.day:2d}" + lt.strftime(" %H:%M:%S")
    return (t, f"{stamp} web1 {prog}: {msg}")


syslog = []
session_no = [811]
for hour in range(9, 13):  # Debian's hourly cron at :17
    syslog.append(sl(W(f"{hour:02d}:17:01"), f"CRON[{rnd.randint(20000, 32000)}]",
                     "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"))
for t in between(W("09:00:00"), W("13:00:00"), 600, 240):
    pid = rnd.randint(3000, 32000)
    ip = f"10.0.9.{rnd.randint(10, 60)}"
    port = rnd.randint(32768, 60999)
    kind = rnd.choice(["accept", "accept", "session", "disconnect"])
    if kind == "accept":
        syslog.append(sl(t, f"sshd[{pid}]", f"Accepted publickey for ops from {ip} port {port} ssh2: ED25519 SHA256:4bYv0m8Qe1cJx2uKpN7rTz3wLhA9sD6fG0iE5oU1yXk"))
        syslog.append(sl(t + timedelta(seconds=1), f"sshd[{pid}]", "pam_unix(sshd:session): session opened for user ops(uid=1002) by (uid=0)"))
    elif kind == "session":
        session_no[0] += rnd.randint(1, 9)
        syslog.append(sl(t, "systemd-logind[611]", f"New session {session_no[0]} of user ops."))
    else:
        syslog.append(sl(t, f"sshd[{pid}]", f"Received disconnect from {ip} port {port}:11: disconnected by user"))
syslog += [
    sl(W("09:27:44"), "systemd[1]", "Starting systemd-tmpfiles-clean.service - Cleanup of Temporary Directories..."),
    sl(W("09:27:44"), "systemd[1]", "systemd-tmpfiles-clean.service: Deactivated successfully."),
    sl(W("09:27:44"), "systemd[1]", "Finished systemd-tmpfiles-clean.service - Cleanup of Temporary Directories."),
    sl(W("09:44:58"), "sshd[4398]", "Accepted publickey for deploy from 10.0.9.5 port 50122 ssh2: ED25519 SHA256:Qm1c7yH2dXvB8nR0tLs5aPz4KjE3wU9gF6oI2eY7hTc"),
    sl(W("09:44:58"), "sshd[4398]", "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)"),
    sl(DEPLOY, "deploy[4410]", "Deploying release v2.4.0 (db driver pgx 5.5.0 -> 5.6.0)"),
    sl(W("09:45:31"), "deploy[4410]", "Uploaded shop-api_2.4.0_linux_amd64.tar.gz to api-1 (18.2 MB)"),
    sl(DEPLOYED, "deploy[4410]", "Release v2.4.0 deployed to api-1 (2 services restarted)"),
    sl(W("09:46:39"), "sshd[4398]", "pam_unix(sshd:session): session closed for user deploy"),
    sl(W("11:04:51"), "sshd[5077]", "Accepted publickey for deploy from 10.0.9.5 port 50388 ssh2: ED25519 SHA256:Qm1c7yH2dXvB8nR0tLs5aPz4KjE3wU9gF6oI2eY7hTc"),
    sl(W("11:04:51"), "sshd[5077]", "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)"),
    sl(RB_START, "deploy[5102]", "Rolling back release v2.4.0 -> v2.3.9"),
    sl(RB_DONE, "deploy[5102]", "Rollback to v2.3.9 complete"),
    sl(W("11:06:50"), "sshd[5077]", "pam_unix(sshd:session): session closed for user deploy"),
    sl(W("12:30:58"), "sudo", "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/sbin/ufw status numbered"),
    sl(W("12:30:58"), "sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by ops(uid=1002)"),
    sl(W("12:30:58"), "sudo", "pam_unix(sudo:session): session closed for user root"),
    sl(FIX, "sudo", "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/sbin/ufw allow from 10.0.2.0/24 to any port 5432 proto tcp"),
    sl(FIX, "sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by ops(uid=1002)"),
    sl(W("12:31:41"), "sudo", "pam_unix(sudo:session): session closed for user root"),
]
# ufw drops the api's SYNs (the ufw log rate limit lets only a few through)
uptime0 = 1843200.0
for t in [W("10:00:02"), W("10:14:37"), W("10:41:09"), W("11:06:12"),
          W("11:06:13"), W("11:32:50"), W("12:05:26"), W("12:31:22")]:
    up = uptime0 + (t - W("00:00:00")).total_seconds() + rnd.random()
    syslog.append(sl(t, "kernel", f"[{up:.6f}] [UFW BLOCK] IN=ens4 OUT= MAC=42:01:0a:00:02:0f:42:01:0a:00:02:01:08:00 SRC=10.0.2.21 DST=10.0.2.15 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID={rnd.randint(1000, 65000)} DF PROTO=TCP SPT={rnd.randint(32768, 60999)} DPT=5432 WINDOW=64240 RES=0x00 SYN URGP=0"))
write("syslog", syslog)


# ---- api.log: JSON lines, UTC ----------------------------------------
def js(t, level, msg):
    ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    msg = msg.replace("\\", "\\\\").replace('"', '\\"')
    return (t, f'{{"time":"{ts}","level":"{level}","host":"api-1","msg":"{msg}"}}')


PGX = ("failed to connect to `host=db1.internal user=shop database=shop`: "
       "dial error (dial tcp 10.0.2.15:5432: connect: connection timed out)")
paths = ["/api/v1/products?page=1", "/api/v1/products?page=2", "/api/v1/cart",
         "/api/v1/products/4471", "/api/v1/orders", "/api/v1/products/918",
         "/api/v1/search?q=sandals"]
api = []
for t in between(U("08:30:00"), U("12:00:00"), 240, 90):
    in_outage = FIRST_ERR < t < POOL_OK
    p = rnd.choice(paths)
    method = "POST" if p == "/api/v1/orders" else "GET"
    if in_outage and rnd.random() < (0.5 if t < RB_DONE else 0.85):
        continue  # errors below; fewer successes during the outage
    api.append(js(t, "info", f"{method} {p} -> 200 ({rnd.randint(6, 90)}ms)"))
t = U("08:30:00")
while t < U("12:00:00"):  # pool stats every 10 min while healthy
    if not (FIRST_ERR - timedelta(minutes=1) < t < POOL_OK):
        api.append(js(t, "info", "db pool stats: total=20 idle=18 in_use=2 waiting=0 errors=0"))
    t += timedelta(minutes=10)
api.append(js(U("09:30:00"), "warn", "db pool stats: total=6 idle=0 in_use=6 waiting=9 errors=41"))
api.append(js(U("10:30:00"), "warn", "db pool stats: total=0 idle=0 in_use=0 waiting=17 errors=212"))
api.append(js(U("11:20:00"), "warn", "db pool stats: total=0 idle=0 in_use=0 waiting=15 errors=388"))
# deploy at 08:46 and rollback at 10:06 restart the service
api += [
    js(U("08:46:02", 114), "info", "received SIGTERM, draining connections (timeout 30s)"),
    js(U("08:46:09", 530), "info", "shop-api v2.3.9 stopped"),
    js(U("08:46:12", 8), "info", "shop-api v2.4.0 starting (pgx 5.6.0, go1.22.1)"),
    js(U("08:46:12", 377), "info", "listening on :8080"),
    js(U("10:06:02", 871), "info", "received SIGTERM, draining connections (timeout 30s)"),
    js(U("10:06:04", 12), "info", "shop-api v2.4.0 stopped"),
    js(U("10:06:06", 240), "info", "shop-api v2.3.9 starting (pgx 5.5.0, go1.22.1)"),
    js(U("10:06:06", 601), "info", "listening on :8080"),
]
errs = [FIRST_ERR] + between(FIRST_ERR, RB_DONE, 300, 120) \
    + between(RB_DONE, LAST_ERR, 150, 60) + [LAST_ERR]
for i, t in enumerate(errs):
    if i % 5 == 3:
        api.append(js(t, "error", f"GET /api/v1/cart -> 500 ({rnd.randint(10001, 10060)}ms): {PGX}"))
    else:
        api.append(js(t, "error", PGX))
api.append(js(POOL_OK, "info", "database connection pool re-established (20/20 connections healthy)"))
write("api.log", api)


# ---- postgresql.log: log_line_prefix '%m [%p] ', WAT --------------------
def pg(t, pid, msg):
    lt = t.astimezone(WAT)
    return (t, lt.strftime("%Y-%m-%d %H:%M:%S.") + f"{lt.microsecond // 1000:03d} WAT [{pid}] {msg}")


pglog = []
lsn = 0x35A113409
t = W("09:30:00") + timedelta(seconds=rnd.randint(0, 20))
while t < W("13:00:00"):  # checkpoint_timeout = 5min
    wrote = rnd.randint(300, 4200)
    took = rnd.uniform(200, 270)
    redo = lsn + rnd.randint(4096, 65536)
    lsn = redo + wrote * 8192 + rnd.randint(0, 8191)
    # a timed checkpoint is skipped when no WAL was written since the last
    # one: some are, while the api can hardly reach the database
    if not (W("10:20:00") < t < W("11:50:00")) or rnd.random() < 0.5:
        pglog.append(pg(t, 1187, "LOG:  checkpoint starting: time"))
        pglog.append(pg(t + timedelta(seconds=took), 1187,
                        f"LOG:  checkpoint complete: wrote {wrote} buffers ({wrote / 163.84:.1f}%); 0 WAL file(s) added, 0 removed, 1 recycled; "
                        f"write={took - 0.4:.3f} s, sync=0.004 s, total={took:.3f} s; sync files=41, longest=0.002 s, average=0.001 s; "
                        f"distance={wrote * 8} kB, estimate={wrote * 8 + 912} kB; lsn={lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}, redo lsn={redo >> 32:X}/{redo & 0xFFFFFFFF:X}"))
    t += timedelta(minutes=5, seconds=rnd.uniform(-2, 2))
pglog.append(pg(W("10:00:03"), 2354, "FATAL:  canceling authentication due to timeout"))
for t in [W("10:00:41"), W("10:09:18"), W("10:27:55"), W("11:06:33"), W("11:06:35"),
          W("11:24:02"), W("11:58:47"), W("12:19:12")]:
    pid = rnd.randint(2360, 9800)
    if rnd.random() < 0.6:
        pglog.append(pg(t + timedelta(milliseconds=rnd.randint(0, 999)), pid, "FATAL:  canceling authentication due to timeout"))
    else:
        pglog.append(pg(t + timedelta(milliseconds=rnd.randint(0, 999)), pid, "LOG:  could not receive data from client: Connection timed out"))
pglog.append(pg(W("10:51:16", 402), 4518, "LOG:  automatic vacuum of table \"shop.public.cart_items\": index scans: 1"))
pglog.append(pg(W("12:41:05", 77), 7120, "LOG:  automatic vacuum of table \"shop.public.sessions\": index scans: 0"))
write("postgresql.log", pglog)


# ---- access.log: nginx combined, +0100 ----------------------------------
agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
          "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36",
          "okhttp/4.12.0"]


def ng(t, path, status, size, method="GET"):
    lt = t.astimezone(WAT)
    ip = f"{rnd.choice([102, 105, 129, 197])}.{rnd.randint(1, 254)}.{rnd.randint(1, 254)}.{rnd.randint(1, 254)}"
    return (t, f'{ip} - - [{lt.strftime("%d/%b/%Y:%H:%M:%S")} +0100] "{method} {path} HTTP/1.1" {status} {size} "-" "{rnd.choice(agents)}"')


access = []
for t in between(W("09:30:00"), W("13:00:00"), 150, 70):
    t = t.replace(microsecond=0)
    p = rnd.choice(paths + ["/", "/static/app.3f9c1e.js"])
    m = "POST" if p == "/api/v1/orders" else "GET"
    if FIRST_ERR < t < LAST_5XX and p.startswith("/api") and rnd.random() < (0.4 if t < RB_DONE else 0.8):
        access.append(ng(t, p, rnd.choice([502, 504]), 0, m))
    else:
        access.append(ng(t, p, 200, rnd.randint(900, 48000), m))
for t in [W("10:00:06"), W("10:00:19"), W("11:06:09"), W("11:06:27"), W("11:48:03")]:
    access.append(ng(t, "/api/v1/cart", 502, 157))
access.append(ng(LAST_5XX, "/api/v1/products?page=1", 504, 167))
access = [(t, l.replace('" 502 0 ', '" 502 157 ').replace('" 504 0 ', '" 504 167 ')) for t, l in access]
write("access.log", access)


# ---- alerts.log: Alertmanager logfmt, UTC ---------------------------------
def am(t, level, msg, rest):
    ts = t.strftime("%Y-%m-%dT%H:%M:%S")
    ts += (f".{t.microsecond // 1000:03d}Z" if t.microsecond else "Z")
    return (t, f'ts={ts} level={level} caller=notify.go:132 msg="{msg}" {rest}')


PGA = "alertname=PostgresConnectionFailures severity=critical instance=api-1:9100"
APA = "alertname=ShopApiHighErrorRate severity=page service=shop-api"
alerts = []
for t in between(U("08:00:00"), U("12:00:00"), 1500, 600):
    alerts.append(am(t, "debug", "Notify success", "component=dispatcher receiver=oncall-slack integration=slack[0] attempts=1"))
alerts += [
    am(ALERT1, "warn", "alert firing", PGA),
    am(ALERT2, "warn", "alert firing", APA),
    am(RESOLVED2, "info", "alert resolved", APA),
    am(RESOLVED1, "info", "alert resolved", PGA),
]
write("alerts.log", alerts)
