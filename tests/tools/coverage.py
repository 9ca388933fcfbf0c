#!/usr/bin/env python3
"""Share of lines that get a timestamp, per corpus file.

usage: tests/tools/coverage.py ./timelined [--md] [--untimed] DIR_OR_FILE...

Runs `timelined parse --tz UTC` on each file (read in place) and counts:
lines, lines with their own timestamp, continuation lines (no timestamp of
their own, attached to the record before: stack traces, SQL, wrapped text),
records whose time was found but is unusable ("flagged": `ts_error`, such
as an impossible date or a time of day without a date), and lines with no
time at all. "share" is own timestamps over lines that are not
continuations: what a parser could have read. With --md, a Markdown table
for docs/coverage.md, with the formats detected. With --untimed, every
line that is neither timed nor a continuation, with the reason when the
parser gave one.
"""
import collections
import json
import os
import subprocess
import sys


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    if n in ("LICENSE", "LICENSE.txt", "SOURCES.md") or n.endswith((".csv", ".md")):
                        continue
                    yield os.path.join(root, n)
        else:
            yield p


def main():
    binary = os.path.abspath(sys.argv[1])
    md = "--md" in sys.argv
    untimed = "--untimed" in sys.argv
    paths = [a for a in sys.argv[2:] if a not in ("--md", "--untimed")]
    listed = []
    tot = collections.Counter()
    rows = []
    for f in files_of(paths):
        p = subprocess.run([binary, "parse", "--tz", "UTC", "--year", "2024", f], capture_output=True)
        c = collections.Counter()
        fmts = collections.Counter()
        for l in p.stdout.decode(errors="replace").splitlines():
            o = json.loads(l)
            c["lines"] += 1
            if o.get("continuation"):
                c["cont"] += 1
            elif o["ts"] is not None:
                c["own"] += 1
                fmts[o["format"] or "?"] += 1
            else:
                c["flagged" if o.get("ts_error") else "none"] += 1
                listed.append("%s:%d: [%s] %s" % (f.split("/corpus/")[-1], o["line"],
                                                 o.get("ts_error") or "no time",
                                                 o["message"][:100]))
        base = c["lines"] - c["cont"]
        share = 100.0 * c["own"] / base if base else 100.0
        rows.append((f, c, share, ",".join(k for k, _ in fmts.most_common(2))))
        tot.update(c)
    base = tot["lines"] - tot["cont"]
    if md:
        print("| file | lines | own timestamp | continuation | flagged | none | share | formats |")
        print("|---|---|---|---|---|---|---|---|")
    for f, c, share, fm in rows:
        name = f.split("/corpus/")[-1]
        if md:
            print("| %s | %d | %d | %d | %d | %d | %.1f%% | %s |" % (name, c["lines"], c["own"], c["cont"], c["flagged"], c["none"], share, fm))
        else:
            print("%-60s %6d own %6d cont %5d flagged %5d none %5d  %6.1f%%  %s" % (name, c["lines"], c["own"], c["cont"], c["flagged"], c["none"], share, fm))
    print("%sall: %d lines, %d with their own timestamp, %d continuation, %d flagged, %d without: %.2f%%" % (
        "\n" if md else "", tot["lines"], tot["own"], tot["cont"], tot["flagged"], tot["none"],
        100.0 * tot["own"] / base if base else 100))
    if untimed:
        print("\nuntimed lines (neither timed nor a continuation):")
        for l in listed:
            print(l)


if __name__ == "__main__":
    main()
