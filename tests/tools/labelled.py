#!/usr/bin/env python3
"""Precision and recall of the rule pack on the labelled set.

usage: tests/tools/labelled.py ./timelined [tests/labelled/lines.tsv] [--md] [--min X]

Each TSV row is: expected category (or "none"), a source tag, the raw line;
or (tests/labelled/real-*/) category, software, source URL, raw line.
All lines go through `timelined match --all` (the real parser and rule
engine); the category of the rule that classified each line is compared
with its label. Prints a table per category and the misclassified lines;
with --md, the table as Markdown (for docs/rules-quality.md). Exits 1 if
any category's precision or recall is under --min (default 0).
"""
import collections
import json
import os
import subprocess
import sys
import tempfile


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    md = "--md" in sys.argv
    minv = 0.0
    for i, a in enumerate(sys.argv):
        if a == "--min" and i + 1 < len(sys.argv):
            minv = float(sys.argv[i + 1])
            args = [x for x in args if x != sys.argv[i + 1]]
    binary = os.path.abspath(args[0])
    path = args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), "..", "labelled", "lines.tsv")
    rows = []
    for n, l in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
        l = l.rstrip("\n")
        if not l or l.startswith("#"):
            continue
        parts = l.split("\t", 3)
        if len(parts) == 4:  # label, software, url, line
            parts = [parts[0], "%s %s" % (parts[1], parts[2]), parts[3]]
        else:
            parts = l.split("\t", 2)
        if len(parts) != 3:
            sys.exit("%s:%d: expected 3 or 4 tab-separated columns" % (path, n))
        rows.append(parts)
    with tempfile.TemporaryDirectory() as d:
        got = []
        # One file per line: each line's format is detected on its own.
        for i, (_, _, line) in enumerate(rows):
            p = os.path.join(d, "l%d.log" % i)
            with open(p, "w", encoding="utf-8") as f:
                f.write(line + "\n")
        files = [os.path.join(d, "l%d.log" % i) for i in range(len(rows))]
        out = subprocess.run([binary, "match", "--all", "--tz", "UTC", "--year", "2024"] + files,
                             capture_output=True, check=False).stdout.decode()
        by_src = {}
        for l in out.splitlines():
            o = json.loads(l)
            by_src[o["source"]] = o
        for i in range(len(rows)):
            o = by_src.get(files[i])
            got.append((o.get("category") or "none") if o else "none")
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    errors = []
    for (exp, tag, line), g in zip(rows, got):
        if exp == g:
            if exp != "none":
                tp[exp] += 1
            continue
        errors.append((exp, g, tag, line))
        if g != "none":
            fp[g] += 1
        if exp != "none":
            fn[exp] += 1
    cats = sorted(set(tp) | set(fp) | set(fn))
    bad = False
    lines = []
    if md:
        lines.append("| category | labelled | TP | FP | FN | precision | recall |")
        lines.append("|---|---|---|---|---|---|---|")
    for c in cats:
        p = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 1.0
        r = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 1.0
        bad |= p < minv or r < minv
        lab = tp[c] + fn[c]
        if md:
            lines.append("| %s | %d | %d | %d | %d | %.3f | %.3f |" % (c, lab, tp[c], fp[c], fn[c], p, r))
        else:
            lines.append("%-22s labelled %4d  tp %4d  fp %3d  fn %3d  precision %.3f  recall %.3f" % (c, lab, tp[c], fp[c], fn[c], p, r))
    T, F, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    summary = "%d lines (%d labelled none); overall precision %.3f, recall %.3f" % (
        len(rows), sum(1 for r in rows if r[0] == "none"), T / (T + F) if T + F else 1, T / (T + N) if T + N else 1)
    print("\n".join(lines))
    print(("\n" if md else "") + summary)
    if errors:
        print(("\n" if md else "") + "Misclassified (expected -> got):")
        for exp, g, tag, line in errors:
            print("%s%s -> %s  [%s]  %s" % ("- " if md else "  ", exp, g, tag, line[:160]))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
