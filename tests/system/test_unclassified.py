"""The unclassified signal, end to end: lines no rule matched are mined
into templates, and a new error pattern joins an incident the rules
opened as one `unclassified` entry, in replay and in the daemon alike; it
never opens an incident, and benign lines never make one.

The fixtures are made here: an hour of an application's ordinary syslog
lines, then database connection errors (a rule opens the incident) while
a line no rule knows, "ledger export failed for batch N, will retry",
repeats every 30 s.
"""
import calendar
import csv
import io
import json
import os
import signal
import subprocess
import time
import urllib.request

from common import BIN, replay_json, run, write
from test_live_replay import free_port, get, wait_for

REPLAY = ["replay", "--tz", "UTC", "--year", "2024"]
T0 = calendar.timegm((2024, 3, 15, 8, 0, 0))   # 08:00:00Z
INC = T0 + 3600                                # 09:00:00Z: the first failure


def syslog(t, msg, prog="app[1]"):
    """One RFC 3164 line at epoch t."""
    return time.strftime("%b %d %H:%M:%S", time.gmtime(t)) + " web1 %s: %s\n" % (prog, msg)


def ordinary(t0, t1):
    """(time, line) of an application's ordinary traffic, every 10 s."""
    out = []
    for i, t in enumerate(range(t0, t1, 10)):
        msg = ("served request id=%d in %dms" % (1000 + i, i % 90) if i % 2
               else "cache refresh done keys=%d" % (400 + i % 50))
        out.append((t, syslog(t, msg)))
    return out


def app_log(d, with_failures=True):
    """app.log: 08:00-09:30 of ordinary lines; from 09:00 database errors
    every 30 s (11) unless with_failures is false, and the unknown error
    every 30 s from 09:00:15 (9). Returns its path."""
    lines = ordinary(T0, INC + 1800)
    if with_failures:
        lines += [(INC + 30 * k, syslog(INC + 30 * k,
                   "could not connect to server: Connection refused")) for k in range(11)]
    lines += [(INC + 15 + 30 * k, syslog(INC + 15 + 30 * k,
               "ledger export failed for batch %d, will retry" % (17 + k))) for k in range(9)]
    lines.sort(key=lambda x: x[0])
    return write(d, "app.log", "".join(l for _, l in lines))


def unclassified(inc):
    """The incident's unclassified entries."""
    return [x for x in inc["timeline"] if x["category"] == "unclassified"]


def iso(t):
    """RFC 3339 UTC of epoch t."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def without_unclassified(inc):
    """The incident as the rules alone make it: unclassified entries and
    entry ids (numbered in order of creation) left out."""
    inc = dict(inc)
    inc["timeline"] = [{k: v for k, v in x.items() if k != "id"}
                       for x in inc["timeline"] if x["category"] != "unclassified"]
    inc["categories"] = [c for c in inc["categories"] if c != "unclassified"]
    return inc


def ledger_lines(path):
    """Line numbers of the unknown error in the file."""
    with open(path) as f:
        return [i + 1 for i, l in enumerate(f) if "ledger export" in l]


def test_a_new_error_pattern_joins_the_incident_as_one_entry(d):
    lines = ledger_lines(app_log(d))
    rc, out, err = run(REPLAY + ["--format", "json", "app.log"], d)
    assert rc == 0, err
    incs = replay_json(out)["incidents"]
    assert [i["start"] for i in incs] == [iso(INC)], incs
    u = unclassified(incs[0])
    assert len(u) == 1, u
    x = u[0]
    # the first one came between the first failure and the one that
    # opened the incident: it waited, and joined
    assert (x["count"], x["first"], x["last"]) == (9, iso(INC + 15), iso(INC + 255)), x
    assert x["message"] == "ledger export failed for batch <*>, will retry", x
    assert (x["title"], x["rule"]) == ("new error pattern", "unclassified.new"), x
    assert x["fields"] == {"why": "new"}, x
    assert (x["source"], x["line_first"], x["line_last"]) == ("app.log", lines[0], lines[-1]), x
    # the rules' incident is what it was without the signal
    rc, out, err = run(REPLAY + ["--format", "json", "--no-unclassified", "app.log"], d)
    assert rc == 0, err
    alone = replay_json(out)["incidents"]
    assert [without_unclassified(i) for i in incs] == [without_unclassified(i) for i in alone]
    # Markdown, CSV and the page say it too
    rc, out, err = run(REPLAY + ["--format", "md", "app.log"], d)
    md = [l for l in out.decode().splitlines() if "error pattern" in l]
    assert md == ["- 09:00:15-09:04:15 UTC  new error pattern x9 (app.log:%d-%d): "
                  "`ledger export failed for batch <*>, will retry`" % (lines[0], lines[-1])], md
    rc, out, err = run(REPLAY + ["--format", "csv", "app.log"], d)
    rows = [r for r in csv.reader(io.StringIO(out.decode())) if "unclassified" in r]
    assert len(rows) == 1 and "unclassified.new" in rows[0] and "9" in rows[0], rows
    rc, out, err = run(REPLAY + ["--format", "html", "app.log"], d)
    assert b"ledger export failed for batch" in out and b'"unclassified"' in out


def test_the_same_pattern_without_an_incident_opens_nothing(d):
    app_log(d, with_failures=False)
    rc, out, err = run(REPLAY + ["--format", "json", "app.log"], d)
    assert rc == 0, err
    assert replay_json(out)["incidents"] == []


def benign_log(d):
    """benign.log: three hours of ordinary lines, and from 09:20 lines no
    rule knows that are new but fine: counters of zero errors, retries
    that worked, a scanner's failed password, a new shard warming up."""
    lines = ordinary(T0, T0 + 3 * 3600)
    fine = ["batch done: %d items, 0 errors", "scheduler: 0 jobs failed, %d ok",
            "retrying after transient error (attempt 2/5) ... ok %d",
            "cache warmup finished for shard %d", "user u%d logged in from 10.0.0.5"]
    for k in range(60):
        t = T0 + 4800 + 20 * k
        lines.append((t, syslog(t, fine[k % len(fine)] % k)))
    for k in range(20):
        t = T0 + 4810 + 40 * k
        lines.append((t, syslog(t, "Failed password for invalid user admin%d from "
                                   "10.0.0.9 port 22 ssh2" % k, "sshd[2]")))
    lines.sort(key=lambda x: x[0])
    return write(d, "benign.log", "".join(l for _, l in lines))


def test_a_benign_file_never_gets_an_unclassified_entry(d):
    benign_log(d)
    # database errors elsewhere make an incident over the benign lines
    write(d, "db.log", "".join(
        syslog(T0 + 4700 + 20 * k, "could not connect to server: Connection refused", "db[3]")
        for k in range(60)))
    rc, out, err = run(REPLAY + ["--format", "json", "benign.log", "db.log"], d)
    assert rc == 0, err
    incs = replay_json(out)["incidents"]
    assert len(incs) == 1 and incs[0]["end"] == iso(T0 + 4700 + 20 * 59), incs
    assert unclassified(incs[0]) == [], unclassified(incs[0])
    rc, out, err = run(REPLAY + ["--format", "json", "benign.log"], d)
    assert replay_json(out)["incidents"] == []


def metrics(base):
    """/metrics as {name: value} (unlabelled ones)."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        text = r.read().decode()
    return {l.split()[0]: float(l.split()[1]) for l in text.splitlines()
            if l and not l.startswith("#") and "{" not in l}


def daemon(d, name, extra=None):
    """Starts `timelined run` over d/app.log from its start; (proc, base)."""
    port = free_port()
    conf = {"state_dir": os.path.join(d, name + ".state"),
            "listen": "127.0.0.1:%d" % port, "read_from_head": True,
            "sources": [{"path": os.path.join(d, "app.log")}]}
    conf.update(extra or {})
    path = write(d, name + ".json", json.dumps(conf))
    proc = subprocess.Popen([BIN, "run", "-c", path, "--tz", "UTC", "--year", "2024"],
                            stderr=open(os.path.join(d, name + ".err"), "w"))
    base = "http://127.0.0.1:%d" % port
    wait_for("the daemon", 20, lambda: _up(base))
    return proc, base


def _up(base):
    """True once /healthz answers."""
    try:
        return get(base + "/healthz")["status"] == "ok"
    except OSError:
        return False


def settled(base, last):
    """(/v1/incidents, /metrics) once the match at epoch last, the file's
    last, reached the engine: every one before it did."""
    wait_for("every match merged", 60, lambda: metrics(base).get(
        "timelined_event_time_seconds", 0) >= last)
    return get(base + "/v1/incidents"), metrics(base)


def test_the_daemon_shows_what_replay_shows_and_the_switch_works(d):
    app_log(d)
    rc, out, err = run(REPLAY + ["--format", "json", "app.log"], d)
    want = unclassified(replay_json(out)["incidents"][0])
    proc, base = daemon(d, "on")
    try:
        doc, m = settled(base, INC + 300)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    for x in unclassified(doc["incidents"][0]):
        x["source"] = os.path.basename(x["source"])   # the daemon's is the path
    assert [unclassified(i) for i in doc["incidents"]] == [want], doc
    assert m["timelined_unclassified_lines_total"] == 540 + 9, m  # no rule's
    assert m["timelined_unclassified_surfaced_total"] == 9, m
    assert m["timelined_unclassified_unmined_total"] == 0, m
    assert m["timelined_unclassified_templates"] >= 3, m
    proc, base = daemon(d, "off", {"unclassified": False})
    try:
        doc, m = settled(base, INC + 300)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert len(doc["incidents"]) == 1 and unclassified(doc["incidents"][0]) == [], doc
    assert m["timelined_unclassified_lines_total"] == 0, m


def test_the_daemon_surfaces_the_pattern_yet_opens_nothing(d):
    app_log(d, with_failures=False)
    proc, base = daemon(d, "alone")
    try:
        doc, m = settled(base, INC + 255)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert m["timelined_unclassified_surfaced_total"] == 9, m
    assert doc["incidents"] == [], doc


def test_kill_9_keeps_rule_matches_once_and_makes_the_pattern_again(d):
    # half the file, a checkpoint, kill -9, the rest: the rules' entries
    # are counted exactly once, and the pattern is made again from the
    # lines read again (the checkpoint's place is before the file's start)
    path = app_log(d)
    with open(path) as f:
        lines = f.readlines()
    cut = next(i for i, l in enumerate(lines) if l.startswith("Mar 15 09:02:10"))
    write(d, "app.log", "".join(lines[:cut]))
    proc, base = daemon(d, "k9")
    try:
        settled(base, INC + 120)
        time.sleep(2.5)   # a checkpoint (each second while something changed)
        assert metrics(base)["timelined_state_commits_total"] > 0
    finally:
        proc.kill()
        proc.wait(timeout=20)
    with open(path, "a") as f:
        f.write("".join(lines[cut:]))
    proc, base = daemon(d, "k9")
    try:
        doc, m = settled(base, INC + 300)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    rc, out, err = run(REPLAY + ["--format", "json", "app.log"], d)
    want = replay_json(out)["incidents"]
    for inc in doc["incidents"]:
        for x in inc["timeline"]:
            x["source"] = os.path.basename(x["source"])
    assert [i["timeline"] for i in doc["incidents"]] == [i["timeline"] for i in want], doc
    assert [x["count"] for x in want[0]["timeline"]] == [11, 9], want
