#!/usr/bin/env python3
"""Share of lines that get a timestamp, per corpus file.

usage: tests/tools/coverage.py ./timelined [--md] DIR_OR_FILE...

Runs `timelined parse --tz UTC` on each file (read in place) and counts:
lines, lines with their own timestamp, continuation lines (no timestamp of
their own, attached to the record before: stack traces, SQL, wrapped text),
and lines with none at all. "share" is own timestamps over lines that are
not continuations: what a parser could have read. With --md, a Markdown
table for docs/coverage.md, with the formats detected.
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
    paths = [a for a in sys.argv[2:] if a != "--md"]
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
                c["none"] += 1
        base = c["lines"] - c["cont"]
        share = 100.0 * c["own"] / base if base else 100.0
        rows.append((f, c, share, ",".join(k for k, _ in fmts.most_common(2))))
        tot.update(c)
    base = tot["lines"] - tot["cont"]
    if md:
        print("| file | lines | own timestamp | continuation | none | share | formats |")
        print("|---|---|---|---|---|---|---|")
    for f, c, share, fm in rows:
        name = f.split("/corpus/")[-1]
        if md:
            print("| %s | %d | %d | %d | %d | %.1f%% | %s |" % (name, c["lines"], c["own"], c["cont"], c["none"], share, fm))
        else:
            print("%-60s %6d own %6d cont %5d none %5d  %6.1f%%  %s" % (name, c["lines"], c["own"], c["cont"], c["none"], share, fm))
    print("%sall: %d lines, %d with their own timestamp, %d continuation, %d without: %.2f%%" % (
        "\n" if md else "", tot["lines"], tot["own"], tot["cont"], tot["none"], 100.0 * tot["own"] / base if base else 100))


if __name__ == "__main__":
    main()
