"""Syslog receivers (daemon/in_syslog.c) on loopback, through their test
driver tests/tools/recv_dump (make recv-dump; RECV_DUMP names it): real
senders (util-linux logger over UDP and TCP with both framings, a real
rsyslogd relaying a file with its own config and work directory, 200
Python clients at once), then what arrived, read back with timelined
parse for the hosts and times.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from common import ROOT, parse_lines, run, write

HOST = socket.gethostname()
MAX = 65536  # IN_SYSLOG_MSG_DEFAULT


def recv_dump_bin():
    """The driver built by make (RECV_DUMP), or the plain build's."""
    path = os.environ.get("RECV_DUMP") or os.path.join(ROOT, "build", "std", "tools", "recv_dump")
    path = os.path.abspath(path)
    assert os.path.exists(path), "%s missing: run make recv-dump" % path
    return path


class Dump:
    """recv_dump running on ephemeral loopback ports, its output collected
    by a thread: listen lines, then messages, then counters at SIGTERM."""

    def __init__(self, d, listen, extra=()):
        args = [recv_dump_bin()] + list(extra)
        for proto, addr in listen:
            args += ["--" + proto, addr]
        self.err = open(os.path.join(d, "recv_dump.err"), "w")
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err)
        self.objs = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait(lambda: len(self.of("listen")) == len(listen), 10, "listening")
        self.addrs = [o["addr"] for o in self.of("listen")]

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.objs.append(json.loads(line))
                self.cv.notify_all()
        with self.cv:
            self.objs.append({"eof": True})
            self.cv.notify_all()

    def of(self, key):
        """Every output object carrying key."""
        return [o for o in self.objs if key in o]

    def msgs(self, via=None):
        """Messages received, all or through one listener."""
        return [o for o in self.of("msg") if via is None or o["via"].endswith(" " + via)]

    def wait(self, pred, timeout, what):
        """Waits until pred() holds; fails naming what did not arrive."""
        end = time.time() + timeout
        with self.cv:
            while not pred():
                left = end - time.time()
                assert left > 0 and not self.of("eof"), "timed out waiting for %s; stderr: %s" % (
                    what, open(self.err.name).read()[-2000:])
                self.cv.wait(min(left, 0.5))

    def port(self, i):
        """The port of the i-th listener."""
        return int(self.addrs[i].rsplit(":", 1)[1])

    def stop(self):
        """SIGTERM, exit status 0, and each listener's counters by address."""
        self.p.send_signal(signal.SIGTERM)
        assert self.p.wait(timeout=20) == 0, open(self.err.name).read()[-2000:]
        self.wait(lambda: self.of("eof"), 10, "end of output")
        return {o["via"].split(" ", 1)[1]: o["stats"] for o in self.of("stats")}

    def kill(self):
        """Makes sure the driver is gone (after a failed check)."""
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.err.close()


def parsed(d, msgs):
    """The messages as timelined parse reads them (one per line)."""
    path = write(d, "received.log", "".join(m["msg"] + "\n" for m in msgs))
    st, out, err = run(["parse", "--tz", "UTC", path], d)
    assert st == 0, err
    recs = parse_lines(out)
    assert len(recs) == len(msgs)
    return recs


def logger(*args, stdin=None):
    """Runs util-linux logger; fails the test if it fails."""
    p = subprocess.run(["logger"] + list(args), input=stdin, capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr.decode(errors="replace")


def has_ipv6():
    """1 if ::1 can be bound here."""
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def test_syslog_recv_logger_udp_tcp_both_framings(d):
    listen = [("udp", "127.0.0.1:0"), ("tcp", "127.0.0.1:0")]
    if has_ipv6():
        listen += [("tcp", "[::1]:0")]
    rd = Dump(d, listen)
    try:
        up, tp = str(rd.port(0)), str(rd.port(1))
        logger("--udp", "-n", "127.0.0.1", "-P", up, "-t", "t_udp", "udp rfc5424")
        logger("--udp", "--rfc3164", "-n", "127.0.0.1", "-P", up, "-t", "t_udp3164", "udp rfc3164")
        logger("--tcp", "-n", "127.0.0.1", "-P", tp, "-t", "t_lf", stdin=b"lf one\nlf two\nlf three\n")
        logger("--tcp", "--octet-count", "-n", "127.0.0.1", "-P", tp, "-t", "t_oct",
               stdin=b"oct one\noct [two] with \"quotes\"\noct three\n")
        logger("--tcp", "--octet-count", "--rfc3164", "-n", "127.0.0.1", "-P", tp, "-t", "t_oct3164",
               "octet rfc3164")
        if len(listen) == 3:
            logger("--tcp", "-n", "::1", "-P", str(rd.port(2)), "-t", "t_v6", "over ipv6")
        want = 9 + (len(listen) == 3)
        rd.wait(lambda: len(rd.msgs()) >= want, 20, "%d logger messages" % want)
        stats = rd.stop()
    finally:
        rd.kill()
    msgs = rd.msgs()
    assert len(msgs) == want, [m["msg"] for m in msgs]
    recs = parsed(d, msgs)
    got = {}
    for m, r in zip(msgs, recs):
        assert m["len"] == len(m["msg"].encode())
        assert m["peer"] == ("::1" if "[::1]" in m["via"] else "127.0.0.1"), m
        assert r["format"] in ("rfc5424", "rfc3164"), r
        # the sender's hostname (RFC 3164 headers carry its first label)
        assert r["host"] == (HOST.split(".")[0] if r["format"] == "rfc3164" else HOST), r
        got.setdefault(r["program"], []).append(r["message"])
    assert got["t_udp"] == ["udp rfc5424"]
    assert got["t_udp3164"] == ["udp rfc3164"]
    assert got["t_lf"] == ["lf one", "lf two", "lf three"]
    assert got["t_oct"] == ["oct one", "oct [two] with \"quotes\"", "oct three"]
    assert got["t_oct3164"] == ["octet rfc3164"]
    assert stats[rd.addrs[1]]["peers_total"] == 3 and stats[rd.addrs[1]]["peers"] == 0
    assert stats[rd.addrs[0]]["messages"] == 2 and stats[rd.addrs[1]]["messages"] == 7
    assert sum(s["cut"] + s["dropped"] for s in stats.values()) == 0


def test_syslog_recv_big_messages_whole_or_cut_and_counted(d):
    rd = Dump(d, [("udp", "127.0.0.1:0"), ("tcp", "127.0.0.1:0")])
    eight = b"8" * 8192
    big = b"B" * (100 * 1024)
    try:
        up, tp = str(rd.port(0)), str(rd.port(1))
        logger("--udp", "--size", "9000", "-n", "127.0.0.1", "-P", up, "-t", "big_udp", stdin=eight + b"\n")
        logger("--tcp", "--size", "9000", "-n", "127.0.0.1", "-P", tp, "-t", "big_lf", stdin=eight + b"\n")
        logger("--tcp", "--octet-count", "--size", "200000", "-n", "127.0.0.1", "-P", tp,
               "-t", "huge_oct", stdin=big + b"\nafter huge octet\n")
        logger("--tcp", "--size", "200000", "-n", "127.0.0.1", "-P", tp,
               "-t", "huge_lf", stdin=big + b"\nafter huge lf\n")
        rd.wait(lambda: len(rd.msgs()) >= 6, 20, "6 big messages")
        stats = rd.stop()
    finally:
        rd.kill()
    by_tag = {}
    for m in rd.msgs():
        tag = re.match(r"<\d+>1 \S+ \S+ (\S+) ", m["msg"]).group(1)
        by_tag.setdefault(tag, []).append(m)
    for tag in ("big_udp", "big_lf"):
        (m,) = by_tag[tag]
        assert m["msg"].endswith(" " + eight.decode()), (tag, m["len"])
    for tag, after in (("huge_oct", "after huge octet"), ("huge_lf", "after huge lf")):
        cut, nxt = by_tag[tag]
        assert cut["len"] == MAX and cut["msg"].endswith("BBBB"), (tag, cut["len"])
        # the rest of the cut frame was skipped, the next one is whole
        assert nxt["msg"].endswith("] " + after), nxt["msg"]
    assert stats[rd.addrs[1]]["cut"] == 2 and stats[rd.addrs[0]]["cut"] == 0


def client_frame(i, k):
    """Message k of client i: octet-counted for even clients, LF for odd."""
    msg = "<14>1 2024-03-15T09:00:%02dZ client-%d app - - - message %d of client %d" % (k, i, k, i)
    if i % 2 == 0:
        return b"%d %s" % (len(msg.encode()), msg.encode()), msg
    return msg.encode() + b"\n", msg


def test_syslog_recv_200_clients_at_once(d):
    rd = Dump(d, [("tcp", "127.0.0.1:0")])
    n, per = 200, 5
    try:
        socks = [socket.create_connection(("127.0.0.1", rd.port(0)), timeout=10) for _ in range(n)]
        want = []
        # every client connected before any sends; then sends interleaved,
        # each frame in two writes so frames straddle reads
        for k in range(per):
            for i, s in enumerate(socks):
                frame, msg = client_frame(i, k)
                s.sendall(frame[:7])
                want.append(msg)
            for i, s in enumerate(socks):
                s.sendall(client_frame(i, k)[0][7:])
        for s in socks:
            s.close()
        rd.wait(lambda: len(rd.msgs()) >= n * per, 30, "%d messages" % (n * per))
        time.sleep(0.5)  # nothing more (no duplicates) may come
        stats = rd.stop()[rd.addrs[0]]
    finally:
        rd.kill()
    msgs = rd.msgs()
    assert sorted(m["msg"] for m in msgs) == sorted(want)
    assert all(m["peer"] == "127.0.0.1" for m in msgs)
    assert stats["peers_total"] == n and stats["peers"] == 0 and stats["dropped"] == 0, stats
    assert stats["messages"] == n * per
    recs = parsed(d, msgs)
    for m, r in zip(msgs, recs):
        assert r["host"] == re.match(r"\S+ \S+ (\S+)", m["msg"]).group(1), r


def test_syslog_recv_peer_limit_refuses_and_counts(d):
    rd = Dump(d, [("tcp", "127.0.0.1:0")], ["--peers", "3"])
    try:
        socks = []
        for i in range(5):
            socks.append(socket.create_connection(("127.0.0.1", rd.port(0)), timeout=10))
            time.sleep(0.1)  # accepted in this order
        refused = 0
        for s in socks[3:]:
            s.settimeout(10)
            refused += s.recv(1) == b""
        assert refused == 2
        for i, s in enumerate(socks[:3]):
            s.sendall(b"<13>kept %d\n" % i)
        rd.wait(lambda: len(rd.msgs()) >= 3, 20, "3 messages")
        for s in socks:
            s.close()
        stats = rd.stop()[rd.addrs[0]]
    finally:
        rd.kill()
    assert sorted(m["msg"] for m in rd.msgs()) == ["<13>kept 0", "<13>kept 1", "<13>kept 2"]
    assert stats["dropped"] == 2 and stats["peers_total"] == 3, stats


def test_syslog_recv_freed_from_its_own_callback(d):
    # the receiver is freed by the message callback at the 3rd message of
    # a burst; nothing after it is delivered and the driver exits cleanly
    # (under make SANITIZE=1 a use after free would abort it)
    rd = Dump(d, [("tcp", "127.0.0.1:0"), ("udp", "127.0.0.1:0")], ["--free-after", "3"])
    try:
        s = socket.create_connection(("127.0.0.1", rd.port(0)), timeout=10)
        s.sendall(b"".join(b"<13>tcp %d\n" % i for i in range(10)))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(10):
            u.sendto(b"<13>udp %d" % i, ("127.0.0.1", rd.port(1)))
        rd.wait(lambda: len(rd.msgs()) >= 6, 20, "6 messages")
        time.sleep(0.5)
        s.close()
        rd.stop()
    finally:
        rd.kill()
    got = [m["msg"] for m in rd.msgs()]
    assert [g for g in got if "tcp" in g] == ["<13>tcp 0", "<13>tcp 1", "<13>tcp 2"]
    assert [g for g in got if "udp" in g] == ["<13>udp 0", "<13>udp 1", "<13>udp 2"]


# rsyslog: a real relay, started by the test on loopback with its own
# configuration, pid file and work directory; never the system's.

def rsyslogd():
    """rsyslogd's path, installing Debian's package when it is missing
    (as root or through sudo, like make deps); (None, why) if it cannot."""
    for path in (shutil.which("rsyslogd"), "/usr/sbin/rsyslogd"):
        if path and os.path.exists(path):
            return path, None
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and not shutil.which("sudo"):
        return None, "rsyslogd is missing and neither root nor sudo can install it"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    apt = sudo + ["apt-get", "-o", "DPkg::Lock::Timeout=600"]
    for args in (["update", "-qq"], ["install", "-y", "-qq", "rsyslog"]):
        p = subprocess.run(apt + args, env=env, capture_output=True, timeout=900)
        if p.returncode != 0:
            return None, "apt-get %s failed: %s" % (args[0], p.stderr.decode(errors="replace")[-300:])
    if os.path.exists("/usr/sbin/rsyslogd"):
        return "/usr/sbin/rsyslogd", None
    return None, "rsyslog installed but no rsyslogd"


RSYSLOG_CONF = """\
global(workDirectory="{work}" localHostname="relayhost")
module(load="imfile")
input(type="imfile" file="{log}" tag="app:" facility="local0" severity="notice")
if $syslogtag != "app:" then stop
# the relay line of docs/syslog.md
*.* action(type="omfwd" target="127.0.0.1" port="{octet}" protocol="tcp"
           TCP_Framing="octet-counted" template="RSYSLOG_SyslogRFC5424Format")
# rsyslog's defaults: LF framing, RSYSLOG_TraditionalForwardFormat
*.* action(type="omfwd" target="127.0.0.1" port="{trad}" protocol="tcp")
"""

ACCESS = '203.0.113.9 - - [15/Mar/2024:09:00:01 +0100] "GET /api HTTP/1.1" 502 157 "-" "curl/8.0"'
JSONL = '{"time":"2024-03-15T09:00:02Z","level":"error","msg":"pool timeout"}'


def test_syslog_recv_rsyslog_relays_both_framings(d):
    path, why = rsyslogd()
    if path is None:
        print("SKIP test_syslog_recv_rsyslog_relays_both_framings: rsyslog cannot be installed:", why)
        return
    first = ["plain first line", ACCESS, JSONL, "brackets [x] and caf\u00e9", "L" * 6000]
    later = ["appended while running", "second appended"]
    log = write(d, "app.log", "".join(l + "\n" for l in first))
    os.mkdir(os.path.join(d, "work"))
    rd = Dump(d, [("tcp", "127.0.0.1:0"), ("tcp", "127.0.0.1:0")])
    rs = None
    try:
        conf = write(d, "rsyslog.conf", RSYSLOG_CONF.format(
            work=os.path.join(d, "work"), log=log, octet=rd.port(0), trad=rd.port(1)))
        rs = subprocess.Popen([path, "-n", "-f", conf, "-i", os.path.join(d, "rsyslogd.pid")],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "rsyslogd.err"), "w"))
        rd.wait(lambda: len(rd.msgs()) >= 2 * len(first), 30, "the file's lines from rsyslog")
        with open(log, "a") as f:
            f.write("".join(l + "\n" for l in later))
        n = len(first) + len(later)
        rd.wait(lambda: len(rd.msgs()) >= 2 * n, 30, "the appended lines from rsyslog")
        rs.terminate()
        assert rs.wait(timeout=20) == 0
        stats = rd.stop()
    finally:
        if rs is not None and rs.poll() is None:
            rs.kill()
            rs.wait()
        rd.kill()
    octet, trad = rd.msgs(rd.addrs[0]), rd.msgs(rd.addrs[1])
    # RFC 5424, octet counted, no trailer: the line whole after the header
    lines = [re.fullmatch(r"<133>1 \S+ relayhost app - - - (.*)", m["msg"], re.S) for m in octet]
    assert all(lines), [m["msg"][:80] for m in octet]
    assert [l.group(1) for l in lines] == first + later
    # RFC 3164 header, LF framed
    lines = [re.fullmatch(r"<133>\w{3} [ \d]\d \d\d:\d\d:\d\d relayhost app: (.*)", m["msg"], re.S) for m in trad]
    assert all(lines), [m["msg"][:80] for m in trad]
    assert [l.group(1) for l in lines] == first + later
    assert all(s["cut"] == 0 and s["peers_total"] == 1 for s in stats.values()), stats
    # read back: the relay's name is the host; a relayed line that carries
    # its own time (with a zone) keeps it, not the relay's read time
    for msgs in (octet, trad):
        recs = parsed(d, msgs)
        assert all(r["host"] == "relayhost" for r in recs), recs
        assert recs[1]["ts"] == "2024-03-15T08:00:01Z", recs[1]
        assert recs[2]["ts"] == "2024-03-15T09:00:02Z", recs[2]
