#!/usr/bin/env python3
"""The daemon under load: lines per second, CPU, line-to-API delay.

usage: bench/daemon.py [./timelined] [--rate 100000] [--files 16] [--seconds 20]
                       [--warmup 3] [--trace]

Starts `timelined run` following FILES files in a temporary directory,
then appends RATE lines a second across them (in batches every 10 ms, each
line stamped with the time it is written, a real mix: access-log, syslog
and application lines, 1 in 200 a failure a rule classifies), for SECONDS.
After WARMUP seconds (a file that has had no line yet holds the merge
for its first 2 s), every 50 ms one of the failure lines is a probe: the time it was written is
kept, and a client on GET /v1/stream notes when the entry it joins shows
its count (the stream is published from the same state as
GET /v1/incidents, at the same moment). Prints the rate reached, the
daemon's CPU (user+system from /proc, in cores), its peak RSS, and the
p50/p99/max of probe-written to probe-shown.
"""
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def arg(name, default):
    """--name VALUE from argv."""
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def free_port():
    """A free TCP port on 127.0.0.1."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def stamp(t):
    """RFC 3339 UTC with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int(t % 1 * 1000)


BENIGN = [
    '{ts} INFO GET /api/v1/items/{n} 200 12ms user={n}',
    '{ts} INFO worker {n} processed job batch-{n} in 35ms',
    '{ts} DEBUG cache hit key=item:{n} ttl=300',
    '{ts} INFO request_id={n} method=POST path=/api/v1/orders status=201 duration_ms=48',
]
FAIL = '{ts} ERROR could not connect to server: Connection refused'
PROBE = ('{ts} ERROR upstream connect error or disconnect/reset before headers. '
         'reset reason: connection failure (probe {n})')


def cpu_and_rss(pid):
    """(user+system seconds, peak RSS in KiB) of pid."""
    st = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(st[11]) + int(st[12])) / ticks
    rss = 0
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            rss = int(line.split()[1])
    return cpu, rss


def stream(base, seen, stop):
    """Reads the stream; records when each count of the probes' entry shows."""
    req = urllib.request.Request(base + "/v1/stream")
    with urllib.request.urlopen(req, timeout=120) as r:
        event = None
        for raw in r:
            if stop.is_set():
                return
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "entry":
                e = json.loads(line[6:])["entry"]
                if e["rule"] == "envoy.upstream_failure":
                    now = time.time()
                    for k in range(len(seen), e["count"]):
                        seen.append(now)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--")
                             else "./timelined")
    rate, nfiles, secs = arg("--rate", 100000), arg("--files", 16), arg("--seconds", 20)
    tmp = tempfile.mkdtemp(prefix="timelined-bench-")
    port = free_port()
    conf = {"state_dir": tmp + "/state", "listen": "127.0.0.1:%d" % port,
            "sources": [{"path": tmp + "/logs/*.log"}],
            "incident": {"quiet_period_s": 3600, "max_entries": 2000}}
    os.makedirs(tmp + "/logs")
    files = [open("%s/logs/app%02d.log" % (tmp, i), "a") for i in range(nfiles)]
    with open(tmp + "/c.json", "w") as f:
        json.dump(conf, f)
    proc = subprocess.Popen([binary, "run", "-c", tmp + "/c.json"], stderr=open(tmp + "/err", "w"))
    base = "http://127.0.0.1:%d" % port
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    seen, stop = [], threading.Event()
    th = threading.Thread(target=stream, args=(base, seen, stop), daemon=True)
    th.start()
    time.sleep(0.5)
    rnd = random.Random(1)
    written, probes = 0, []
    cpu0, _ = cpu_and_rss(proc.pid)
    t0 = time.time()
    warm = arg("--warmup", 3.0)   # files start empty: held 2 s (docs/daemon.md)
    next_probe = t0 + warm
    while time.time() - t0 < secs:
        tick = time.time()
        want = int((tick - t0) * rate) - written
        for i in range(max(0, want)):
            f = files[(written + i) % nfiles]
            ts = stamp(time.time())
            if (written + i) % 200 == 0:
                f.write(FAIL.format(ts=ts) + "\n")
            else:
                f.write(rnd.choice(BENIGN).format(ts=ts, n=written + i) + "\n")
        written += max(0, want)
        if tick >= next_probe:   # all in one file: one entry, count k = probe k
            probes.append(time.time())
            files[0].write(PROBE.format(ts=stamp(probes[-1]), n=len(probes)) + "\n")
            next_probe += 0.05
        for f in files:
            f.flush()
        time.sleep(max(0, 0.01 - (time.time() - tick)))
    elapsed = time.time() - t0
    cpu1, rss = cpu_and_rss(proc.pid)
    time.sleep(3)
    stop.set()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    raw = [seen[k] - probes[k] for k in range(min(len(seen), len(probes)))]
    if "--trace" in sys.argv:
        print(" ".join("%.0f" % (x * 1000) for x in raw))
    delays = sorted(raw)

    def pct(p):
        return delays[min(len(delays) - 1, int(p * len(delays)))] * 1000 if delays else float("nan")

    print("lines written   %d in %.1f s = %.0f lines/s across %d files"
          % (written + len(probes), elapsed, (written + len(probes)) / elapsed, nfiles))
    print("daemon CPU      %.2f cores (user+system)" % ((cpu1 - cpu0) / elapsed))
    print("daemon peak RSS %.1f MiB" % (rss / 1024))
    print("probes shown    %d of %d; write to API: p50 %.0f ms, p99 %.0f ms, max %.0f ms"
          % (len(seen), len(probes), pct(0.5), pct(0.99), pct(1.0) if delays else float("nan")))


if __name__ == "__main__":
    main()
