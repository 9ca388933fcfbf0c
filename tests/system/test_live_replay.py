"""Live equals replay: each scenario streamed into tailed files in time order.

For every scenario of tests/scenarios/ (and ../shared/scenarios/ when that
checkout is beside the repository) the lines of all its files are written,
in UTC order (`timelined parse` says each line's time), fast, into files a
running `timelined run` follows; then `GET /v1/incidents` must give the
same incident objects as `timelined replay --format json` on those same
files, with the scenario's own flags on both.

Replay ends its input and leaves the last incident open (or closes it at a
recovery); a daemon never ends its input. So that both close every
incident the same way, the test ends every stream with one more file
holding a single deploy line two days after the scenario (a match that
opens nothing and moves event time past every quiet period), and both
sides read it. Compressed scenario files are written decompressed (the
daemon never follows compressed files; replay reads the same plain copy).
"""
import calendar
import gzip
import json
import os
import shlex
import signal
import subprocess
import time
import urllib.request

from common import BIN, ROOT, free_port, run

SHARED = os.path.join(os.path.dirname(ROOT), "shared", "scenarios")


def scenarios():
    """(name, dir) of every scenario with replay.args."""
    found = []
    for base in (os.path.join(ROOT, "tests", "scenarios"), SHARED):
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            d = os.path.join(base, name)
            if os.path.exists(os.path.join(d, "replay.args")):
                found.append((name, d))
    return found


def split_args(d):
    """The scenario's flags and its files."""
    args = shlex.split(open(os.path.join(d, "replay.args")).read())
    flags, files, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and "=" not in a and a not in ("--progress", "--no-progress"):
            flags += [a, args[i + 1]]
            i += 2
        elif a.startswith("-"):
            flags.append(a)
            i += 1
        else:
            files.append(a)
            i += 1
    return flags, files


def read_lines(path):
    """The file's lines (bytes, newline kept), decompressed if gzip."""
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    lines = raw.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    return lines


def utc_order(d, flags, files, plain):
    """Every (time, file index, line index, bytes), in UTC order. A line
    without a time of its own (a continuation) keeps its place after the
    line before it."""
    out = []
    for k, f in enumerate(files):
        rc, so, se = run(["parse"] + [x for x in flags if x != "--display-tz"]
                         + [plain[k]], d, timeout=120)
        assert rc == 0, se
        times = [json.loads(x).get("ts") for x in so.splitlines() if x.strip()]
        lines = read_lines(plain[k])
        last = ""
        for i, line in enumerate(lines):
            ts = times[i] if i < len(times) and times[i] else last
            last = ts
            out.append((ts, k, i, line))
    # RFC 3339 UTC strings of one shape sort as times; ties keep file order
    out.sort(key=lambda t: (t[0], t[1], t[2]))
    return out


def get(url):
    """GET url as JSON."""
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def wait_for(what, deadline_s, fn):
    """Polls fn until it returns a true value; that value."""
    end = time.time() + deadline_s
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def lines_read(base):
    """Lines the daemon has read, per source, from /metrics."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        text = r.read().decode()
    got = {}
    for line in text.splitlines():
        if line.startswith("timelined_lines_total{source=\""):
            name = line.split('"')[1]
            got[name] = int(float(line.rsplit(" ", 1)[1]))
    return got


def sentinel(order):
    """(epoch, line): a deploy line two days after the scenario's last."""
    last = max(t[0] for t in order if t[0])
    epoch = calendar.timegm(time.strptime(last[:19], "%Y-%m-%dT%H:%M:%S")) + 2 * 86400
    return epoch, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)) + \
        " deploy: Deploying release v99.0.0 to production\n"


def metric(base, name):
    """The value of an unlabelled metric."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def live_vs_replay(tmp, name, d):
    """Streams scenario d into a daemon; returns (live, replay) incidents."""
    flags, files = split_args(d)
    live = os.path.join(tmp, name)
    os.makedirs(live)
    plain = []
    for f in files:   # the decompressed copies both sides read
        p = os.path.join(live, "src-" + os.path.basename(f).removesuffix(".gz"))
        with open(p, "wb") as fp:
            fp.writelines(read_lines(os.path.join(d, f)))
        plain.append(p)
    order = utc_order(d, flags, files, plain)
    names = [os.path.basename(p)[4:] for p in plain] + ["zz-sentinel.log"]
    port = free_port()
    conf = {"state_dir": os.path.join(tmp, name + ".state"),
            "listen": "127.0.0.1:%d" % port,
            "sources": [{"path": os.path.join(live, n), "name": n} for n in names]}
    cpath = os.path.join(tmp, name + ".json")
    with open(cpath, "w") as fp:
        json.dump(conf, fp)
    err = open(os.path.join(tmp, name + ".err"), "w")
    proc = subprocess.Popen([BIN, "run", "-c", cpath] + flags, stderr=err)
    base = "http://127.0.0.1:%d" % port
    try:
        wait_for("the daemon", 90, lambda: _up(base))
        outs = {}
        for n in names[:-1]:
            outs[n] = open(os.path.join(live, n), "ab")
        batch = 0
        for ts, k, i, line in order:
            outs[names[k]].write(line)
            batch += 1
            if batch % 20 == 0:
                for fp in outs.values():
                    fp.flush()
        for fp in outs.values():
            fp.close()
        want = {}
        for ts, k, i, line in order:
            want[names[k]] = want.get(names[k], 0) + 1
        wait_for("every line read", 60,
                 lambda: all(lines_read(base).get(n, 0) >= c for n, c in want.items()))
        epoch, line = sentinel(order)
        with open(os.path.join(live, "zz-sentinel.log"), "w") as fp:
            fp.write(line)
        # the sentinel's match reached the engine: everything before it did
        wait_for("the sentinel merged", 60,
                 lambda: (metric(base, "timelined_event_time_seconds") or 0) >= epoch)
        doc = wait_for("every incident closed", 60, lambda: _settled(base))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        err.close()
    rc, so, se = run(["replay", "--format", "json"] + flags +
                     names, live, timeout=120)
    assert rc == 0, se
    return doc["incidents"], json.loads(so)["incidents"]


def _up(base):
    """True once /healthz answers."""
    try:
        return get(base + "/healthz")["status"] == "ok"
    except OSError:
        return False


def _settled(base):
    """The document once no incident is open, and stable for a second."""
    doc = get(base + "/v1/incidents")
    if any(i.get("open") for i in doc["incidents"]):
        return None
    time.sleep(1)   # and one more look: nothing changed meanwhile
    again = get(base + "/v1/incidents")
    return again if again["incidents"] == doc["incidents"] else None


def test_live_equals_replay_on_every_scenario(tmp):
    """GET /v1/incidents after streaming == replay's incidents, per scenario."""
    bad = []
    for name, d in scenarios():
        live, rep = live_vs_replay(tmp, name, d)
        if live != rep:
            ids_l = [i["id"] for i in live]
            ids_r = [i["id"] for i in rep]
            bad.append("%s: live %s, replay %s" % (name, ids_l, ids_r))
            if ids_l == ids_r:
                for a, b in zip(live, rep):
                    for k in sorted(set(a) | set(b)):
                        if a.get(k) != b.get(k):
                            bad.append("  %s %s: live %s | replay %s" % (
                                a["id"], k, json.dumps(a.get(k))[:300],
                                json.dumps(b.get(k))[:300]))
    assert not bad, "\n".join(bad)


def test_live_closing_rule_closes_a_quiet_incident(tmp):
    """No line after the failures stop: the incident still closes once its
    quiet period has passed in event time, which goes on from the newest
    line at the wall clock's pace (docs/daemon.md), and lands in the
    journal; before that it is open."""
    logs = os.path.join(tmp, "logs")
    os.makedirs(logs)
    port = free_port()
    conf = {"state_dir": os.path.join(tmp, "state"), "listen": "127.0.0.1:%d" % port,
            "sources": [{"path": os.path.join(logs, "*.log"), "name": "app"}],
            "incident": {"quiet_period_s": 4}}
    cpath = os.path.join(tmp, "c.json")
    with open(cpath, "w") as fp:
        json.dump(conf, fp)
    err = open(os.path.join(tmp, "err"), "w")
    proc = subprocess.Popen([BIN, "run", "-c", cpath], stderr=err)
    base = "http://127.0.0.1:%d" % port
    try:
        wait_for("the daemon", 90, lambda: _up(base))
        # an hour in the past: the rule goes on from the newest line, not
        # from the clock, so old lines close the same way
        t0 = time.time() - 3600
        with open(os.path.join(logs, "app.log"), "w") as fp:
            for i in range(5):
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + i))
                fp.write("%s ERROR could not connect to server: Connection refused\n" % stamp)
        first = wait_for("the incident", 20, lambda: get(base + "/v1/incidents")["incidents"])
        assert first[0].get("open") is True
        closed = wait_for("it to close", 30, lambda: [
            i for i in get(base + "/v1/incidents")["incidents"] if not i.get("open")])
        assert closed[0]["id"] == first[0]["id"]
        assert closed[0]["end"] == first[0]["end"]   # closing adds no time
        journal = open(os.path.join(tmp, "state", "incidents.jsonl")).read()
        assert first[0]["id"] in journal
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        err.close()
