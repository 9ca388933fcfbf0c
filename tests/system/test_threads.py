"""System tests of replay's threads: the report is the same bytes whatever
the threads (--threads 1 is the main thread alone) and however big files
are cut into parts (--split-size), on many files, one big file, gzip,
rotated sets, standard input, closing inputs early (few descriptors), and
files whose parts begin in a state the lines before them decide: the New
Year with --year, W3C headers, the repeated fall-back hour, stack traces,
long and CR-terminated lines, lines out of order.
"""
import gzip
import os
import random
import resource
import subprocess
from datetime import datetime, timedelta, timezone

from common import BIN, replay_json

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", TZ="UTC")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
FAIL = ["Out of memory: Killed process {n} (java)",
        "connection to 10.0.0.5:5432 refused: could not connect to server",
        "upstream timed out (110: Connection timed out) while reading",
        "pq: sorry, too many clients already",
        "blk_update_request: I/O error, dev sda, sector {n}"]
OK = ["Started Session {n} of User ops.", "GET /api/v1/cart 200 {n}ms",
      "cache hit ratio {n}% over last minute", "user {n} logged in"]
START = datetime(2024, 3, 10, 0, 0, 0, tzinfo=timezone.utc)


def replay(d, args, threads, split=None, stdin=None, nofile=None):
    """(status, stdout) of a JSON replay with these threads and parts."""
    cmd = [BIN, "replay", "--format", "json", "--no-progress", "--tz", "UTC",
           "--threads", str(threads)]
    if split:
        cmd += ["--split-size", str(split)]

    def limit():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    p = subprocess.run(cmd + args, cwd=d, env=ENV, input=stdin,
                       capture_output=True, timeout=600, preexec_fn=limit)
    assert p.returncode in (0, 1), p.stderr.decode(errors="replace")
    return p.returncode, p.stdout


def same(d, args, stdin=None, nofile=None, splits=(65536, 100000),
         threads=(2, 3)):
    """Replays one way and every other; every report must be byte-equal.
    Returns the report (checked against the schema)."""
    base = replay(d, args, 1, stdin=stdin, nofile=nofile)
    for t in threads:
        for s in (None,) + tuple(splits):
            got = replay(d, args, t, s, stdin=stdin, nofile=nofile)
            assert got == base, "threads %d split %s differ from 1" % (t, s)
    return replay_json(base[1])


def message(rng, fail):
    return rng.choice(FAIL if fail else OK).format(n=rng.randrange(1, 10**6))


def burst(t):
    """Failures come in bursts: 10 minutes in every hour."""
    return (t // 60) % 60 < 10


def syslog(rng, n, t0=0, step=3, start=START, jitter=0, crlf=False):
    """n RFC 3164 lines from second t0 after start: stack traces, long
    lines, some out of order by up to jitter seconds, CRLF or lone CR."""
    out, t = [], t0
    for i in range(n):
        t += rng.randrange(step + 1)
        s = max(0, t - rng.randrange(jitter + 1)) if jitter else t
        d = start + timedelta(seconds=s)
        fail = burst(s) and rng.random() < 0.3
        line = "%s %2d %02d:%02d:%02d web%d app[%d]: %s" % (
            MONTHS[d.month - 1], d.day, d.hour, d.minute, d.second,
            rng.randrange(3), rng.randrange(99, 999), message(rng, fail))
        if rng.random() < 0.01:
            line += " " + "x" * rng.randrange(2000, 90000)
        end = "\n"
        if crlf:
            end = rng.choice(("\r\n", "\r", "\n"))
        out.append(line + end)
        if rng.random() < 0.05:
            out.append("java.lang.IllegalStateException: boom\n")
            out += ["\tat c.e.App.m%d(App.java:%d)\n" % (k, k)
                    for k in range(rng.randrange(1, 40))]
    return "".join(out)


def jsonl(rng, n, t0=0, step=2):
    out, t = [], t0
    for i in range(n):
        t += rng.randrange(step + 1)
        d = START + timedelta(seconds=t)
        fail = burst(t) and rng.random() < 0.3
        out.append('{"time":"%s.%03dZ","level":"%s","msg":"%s"}\n' % (
            d.strftime("%Y-%m-%dT%H:%M:%S"), rng.randrange(1000),
            "error" if fail else "info", message(rng, fail)))
    return "".join(out)


def test_threads_many_files(d):
    rng = random.Random(1)
    names = []
    for i in range(150):
        n = "app%03d.log" % i
        with open(os.path.join(d, n), "w") as f:
            f.write(syslog(rng, rng.randrange(0, 400), rng.randrange(0, 9000))
                    if i % 2 else jsonl(rng, rng.randrange(1, 400),
                                        rng.randrange(0, 9000)))
        names.append(n)
    doc = same(d, names + ["app007.log", "missing.log"], splits=())
    assert len(doc["sources"]) == 152 and doc["incidents"], doc["stats"]


def test_threads_one_big_file(d):
    rng = random.Random(2)
    with open(os.path.join(d, "big.log"), "wb") as f:
        f.write(b"\xef\xbb\xbf")
        f.write(syslog(rng, 30000, jitter=200).encode())
    doc = same(d, ["big.log"], threads=(2, 4))
    assert doc["incidents"] and doc["sources"][0]["continuation_lines"] > 0


def test_threads_cr_and_long_lines(d):
    rng = random.Random(3)
    with open(os.path.join(d, "cr.log"), "w", newline="") as f:
        f.write(syslog(rng, 15000, crlf=True))
    same(d, ["--max-line", "1024", "cr.log"], splits=(65536,))


def test_threads_new_year_with_year(d):
    # From 23:50 on New Year's Eve with --year: the year moves on in the
    # first part, so parts begun from a fresh guess are a year off.
    rng = random.Random(4)
    with open(os.path.join(d, "syslog"), "w") as f:
        f.write(syslog(rng, 30000, step=10, start=datetime(
            2023, 12, 31, 23, 50, 0, tzinfo=timezone.utc)))
    doc = same(d, ["--year", "2023", "syslog"], splits=(65536,),
               threads=(2, 4))
    assert doc["incidents"][-1]["start"].startswith("2024-01-0"), \
        doc["incidents"][-1]


def test_threads_long_stack_traces(d):
    # Traces longer than what is read before a part to guess its state:
    # a part may begin inside one, its lines belonging to a record before.
    rng = random.Random(9)
    rows, t = [], 0
    for i in range(20000):
        t += rng.randrange(3)
        dt = START + timedelta(seconds=t)
        fail = burst(t) and rng.random() < 0.3
        rows.append("%s.%03d %s 1 --- [main] c.e.App : %s\n" % (
            dt.strftime("%Y-%m-%d %H:%M:%S"), rng.randrange(1000),
            "ERROR" if fail else " INFO", message(rng, fail)))
        if rng.random() < 0.004:
            rows.append("java.lang.OutOfMemoryError: Java heap space\n")
            rows += ["\tat c.e.Deep.m%d(Deep.java:%d)\n" % (k, k)
                     for k in range(rng.randrange(2000, 6000))]
    with open(os.path.join(d, "app.log"), "w") as f:
        f.write("".join(rows))
    doc = same(d, ["app.log"], splits=(65536,), threads=(2, 4))
    assert doc["sources"][0]["continuation_lines"] > 10000, doc["sources"]


def test_threads_w3c_header(d):
    # Columns in an order of the file's own: lines read without the
    # header (a part begun from a fresh guess) are read wrong.
    rng = random.Random(5)
    rows = ["#Software: Microsoft Internet Information Services 10.0\n",
            "#Version: 1.0\n",
            "#Fields: time date sc-status cs-method cs-uri-stem c-ip "
            "time-taken\n"]
    t = 0
    for i in range(40000):
        t += rng.randrange(3)
        dt = START + timedelta(seconds=t)
        status = rng.choice((500, 503)) if burst(t) and rng.random() < 0.4 \
            else 200
        rows.append("%s %s %d GET /api/%d 10.1.1.%d %d\n" % (
            dt.strftime("%H:%M:%S"), dt.strftime("%Y-%m-%d"), status, i,
            i % 250, rng.randrange(900)))
    with open(os.path.join(d, "u_ex240310.log"), "w") as f:
        f.write("".join(rows))
    doc = same(d, ["u_ex240310.log"], splits=(65536,), threads=(2, 4))
    assert doc["incidents"], doc["stats"]


def test_threads_dst_fold(d):
    # America/New_York repeats 01:00-02:00 on 2024-11-03: times without a
    # zone, the file begins at 01:55 and goes on in the second 01:00.
    from zoneinfo import ZoneInfo
    rng = random.Random(6)
    t = datetime(2024, 11, 3, 5, 55, 0, tzinfo=timezone.utc)
    rows = []
    for i in range(40000):
        t += timedelta(seconds=rng.randrange(2))
        loc = t.astimezone(ZoneInfo("America/New_York"))
        fail = burst(int(t.timestamp())) and rng.random() < 0.3
        rows.append("%s,%03d %s [main] c.e.App - %s\n" % (
            loc.strftime("%Y-%m-%d %H:%M:%S"), rng.randrange(1000),
            "ERROR" if fail else "INFO", message(rng, fail)))
    with open(os.path.join(d, "app.log"), "w") as f:
        f.write("".join(rows))
    doc = same(d, ["--source-tz", "app.log=America/New_York", "app.log"],
               splits=(65536,), threads=(2, 4))
    assert any(i["start"].startswith("2024-11-03T06:0")
               for i in doc["incidents"]), doc["incidents"]


def test_threads_gzip_rotated_and_stdin(d):
    rng = random.Random(7)
    for name, t0 in (("api.log.2.gz", 0), ("api.log.1", 3000),
                     ("api.log", 6000)):
        data = jsonl(rng, 8000, t0).encode()
        if name.endswith(".gz"):
            with open(os.path.join(d, name), "wb") as f:
                f.write(gzip.compress(data, mtime=1710000000))
        else:
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    with open(os.path.join(d, "big.gz"), "wb") as f:
        f.write(gzip.compress(syslog(rng, 20000).encode(), mtime=1710000000))
    stdin = syslog(rng, 10000, 1000).encode()
    doc = same(d, ["--year", "2024", "api.log.2.gz", "api.log.1", "api.log",
                   "big.gz", "-"], stdin=stdin, splits=(65536,))
    assert doc["incidents"]


def test_threads_few_descriptors(d):
    # 80 files that all overlap in time, with 100 descriptors: inputs are
    # closed early and opened again where they stopped.
    rng = random.Random(8)
    names = []
    for i in range(80):
        n = "w%02d.log" % i
        with open(os.path.join(d, n), "w") as f:
            f.write(syslog(rng, 1500, 0, step=6))
        names.append(n)
    same(d, ["--year", "2024"] + names, nofile=100, splits=(65536,))


def test_threads_unclassified(d):
    # Lines no rule matches go to the template miner on the main thread in
    # the order one thread reads them: a new error-like line in a burst
    # surfaces as an unclassified entry, from files read in parts.
    rng = random.Random(10)
    for name, host in (("a.log", "web1"), ("b.log", "web2")):
        rows, t = [], 0
        for i in range(40000):
            t += rng.randrange(3)
            dt = START + timedelta(seconds=t)
            fail = burst(t) and t > 7200 and rng.random() < 0.3
            msg = message(rng, fail)
            if fail and rng.random() < 0.3:
                msg = "ERROR shard %d frobnication failed: widget %s" % (
                    rng.randrange(4), rng.choice(("stuck", "lost")))
            rows.append("%s %2d %02d:%02d:%02d %s app[%d]: %s\n" % (
                MONTHS[dt.month - 1], dt.day, dt.hour, dt.minute, dt.second,
                host, rng.randrange(99, 999), msg))
        with open(os.path.join(d, name), "w") as f:
            f.write("".join(rows))
    doc = same(d, ["--year", "2024", "a.log", "b.log"], splits=(65536,))
    rules = {e.get("rule") for i in doc["incidents"]
             for e in i.get("timeline", [])}
    assert any(r and r.startswith("unclassified.") for r in rules), rules


def test_threads_dates_from_the_file(d):
    # Stamps completed from the file's own dates: times of day alone over
    # three days (each midnight counted from the line before), and
    # year-less syslog dated by logfmt full dates across the New Year; a
    # year-less file read as the year the others write. Parts begun from a
    # guess must meet the same dates.
    rng = random.Random(11)
    rows, t = [], 0
    for i in range(60000):
        t += rng.randrange(9)
        dt = START + timedelta(seconds=t)
        fail = burst(t) and rng.random() < 0.3
        rows.append("%s.%03d app %s %s\n" % (
            dt.strftime("%H:%M:%S"), rng.randrange(1000),
            "ERROR" if fail else "INFO", message(rng, fail)))
    with open(os.path.join(d, "tod.log"), "w") as f:
        f.write("".join(rows))
    rows, t = [], 0
    eve = datetime(2023, 12, 31, 20, 0, 0, tzinfo=timezone.utc)
    for i in range(40000):
        t += rng.randrange(3)
        dt = eve + timedelta(seconds=t)
        fail = burst(t) and rng.random() < 0.3
        if i % 700 == 0:
            rows.append('ts=%s level=info msg="heartbeat %d"\n' % (
                dt.strftime("%Y-%m-%dT%H:%M:%SZ"), i))
        rows.append("%s %2d %02d:%02d:%02d web1 app[7]: %s\n" % (
            MONTHS[dt.month - 1], dt.day, dt.hour, dt.minute, dt.second,
            message(rng, fail)))
    with open(os.path.join(d, "journal.log"), "w") as f:
        f.write("".join(rows))
    with open(os.path.join(d, "api.log"), "w") as f:
        f.write(jsonl(rng, 20000))
    with open(os.path.join(d, "old.log"), "w") as f:
        f.write(syslog(rng, 20000, 3000))
    for n in ("tod.log", "journal.log", "api.log"):
        os.utime(os.path.join(d, n), (1699990000, 1699990000))
    os.utime(os.path.join(d, "old.log"), (1650000000, 1650000000))  # 2022
    doc = same(d, ["tod.log", "journal.log", "api.log", "old.log"],
               splits=(65536,), threads=(2, 4))
    assert any("old.log: no year in its lines" in w
               for w in doc["warnings"]), doc["warnings"]
    assert any(i["start"].startswith("2024-01-01")
               for i in doc["incidents"]), [i["start"]
                                            for i in doc["incidents"]]
