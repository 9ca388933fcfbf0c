#!/usr/bin/env python3
"""Lines that show a time but get none: every file of the folders given is
read with `timelined parse --tz UTC --year 2024` (in place), and a line
whose text holds something that reads as a time (a clock "09:13:20",
"30:21.756", an ISO date, a 10-digit epoch) while its record has
"ts": null is listed with its reason (ts_error). Continuation lines carry
their record's time and are not counted.

usage: tests/tools/visible_times.py ./timelined DIR... [--max N]

Prints "visible: V lines with a time, missed: M", then the missed lines;
exits 1 if M > N (default 0). Folders that do not exist are skipped, so
`make check` runs it on ../shared/corpus/lnav only when that is there.
"""
import json
import os
import re
import subprocess
import sys

TIME = re.compile(rb"(?<![\d.:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d])"
                  rb"|(?<![\d.:])[0-5]\d:[0-5]\d[.,]\d+"
                  rb"|\b(?:19|20)\d\d-[01]\d-[0-3]\d\b"
                  rb"|\b1[3-7]\d{8}(?:\.\d+)?\b")


def files_of(folder):
    """Every log file under folder, sorted."""
    for root, _, names in sorted(os.walk(folder)):
        for n in sorted(names):
            if n in ("LICENSE", "LICENSE.txt", "SOURCES.md") or n.endswith((".csv", ".md")):
                continue
            yield os.path.join(root, n)


def missed(binary, path):
    """(lines with a visible time, [(line number, reason, text)] missed)."""
    with open(path, "rb") as f:
        raw = f.read().replace(b"\r\n", b"\n").split(b"\n")
    p = subprocess.run([binary, "parse", "--tz", "UTC", "--year", "2024", path],
                       capture_output=True, check=False)
    seen, out = 0, []
    for l in p.stdout.decode(errors="replace").splitlines():
        o = json.loads(l)
        n = o["line"]
        text = raw[n - 1] if n - 1 < len(raw) else b""
        if not TIME.search(text):
            continue
        seen += 1
        if o["ts"] is None and not o.get("continuation"):
            out.append((n, o.get("ts_error") or "no time",
                        text[:120].decode(errors="replace")))
    return seen, out


def main():
    args = sys.argv[1:]
    limit = 0
    if "--max" in args:
        i = args.index("--max")
        limit = int(args[i + 1])
        del args[i:i + 2]
    binary = os.path.abspath(args[0])
    total, lost = 0, []
    for d in args[1:]:
        if not os.path.isdir(d):
            print("visible_times: %s absent, skipped" % d)
            continue
        for f in files_of(d):
            seen, out = missed(binary, f)
            total += seen
            lost += [(f, n, why, t) for n, why, t in out]
    print("visible: %d lines with a time, missed: %d" % (total, len(lost)))
    for f, n, why, t in lost:
        print("%s:%d: [%s] %s" % (f, n, why, t))
    return 1 if len(lost) > limit else 0


if __name__ == "__main__":
    sys.exit(main())
