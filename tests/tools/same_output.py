#!/usr/bin/env python3
"""Proves a change did not move any output: runs two binaries on the same
inputs and compares what they print, byte for byte.

usage: tests/tools/same_output.py OLD_BIN NEW_BIN [--shared DIR] [--only KIND]

Inputs: every scenario (tests/scenarios/*/ and DIR/scenarios/*/, replayed
with its replay.args in json, md, csv and html), every golden replay case,
and `parse` and `match --all` over every golden parse log and every file
of DIR/corpus (read in place; default DIR ../shared, skipped when absent),
plus one replay per corpus folder. Both binaries get the same rule pack
(TIMELINED_RULES_DIR=config/rules.d) and the same SOURCE_DATE_EPOCH;
generated_at is masked too, for binaries older than SOURCE_DATE_EPOCH.
Prints each case that differs with the first differing lines, then a
summary; exits 1 if any differs.
"""
import difflib
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENV = dict(os.environ, TIMELINED_RULES_DIR=os.path.join(ROOT, "config", "rules.d"),
           SOURCE_DATE_EPOCH="1700000000", TZ="UTC")
MASK = re.compile(rb'"generated_at": ?"[^"]*"')


def run(binary, args, cwd):
    """stdout, stderr and status of one run, generated_at masked."""
    p = subprocess.run([binary] + args, cwd=cwd, env=ENV, capture_output=True, timeout=600)
    return MASK.sub(b'"generated_at": "X"', p.stdout), p.stderr, p.returncode


def cases(shared):
    """(name, args, cwd) of every comparison."""
    scen = [os.path.join(ROOT, "tests", "scenarios", d)
            for d in sorted(os.listdir(os.path.join(ROOT, "tests", "scenarios")))]
    gold = os.path.join(ROOT, "tests", "golden", "replay")
    scen += [os.path.join(gold, d) for d in sorted(os.listdir(gold))]
    if shared and os.path.isdir(os.path.join(shared, "scenarios")):
        s = os.path.join(shared, "scenarios")
        scen += [os.path.join(s, d) for d in sorted(os.listdir(s))]
    for d in scen:
        if not os.path.isfile(os.path.join(d, "replay.args")):
            continue
        with open(os.path.join(d, "replay.args")) as f:
            args = shlex.split(f.read())
        for fmt in ("json", "md", "csv", "html"):
            yield ("replay-%s %s" % (fmt, os.path.relpath(d, ROOT)),
                   ["replay", "--no-progress", "--format", fmt] + args, d)
    files = []
    pdir = os.path.join(ROOT, "tests", "golden", "parse")
    files += [os.path.join(pdir, n) for n in sorted(os.listdir(pdir)) if n.endswith(".log")]
    corpus = os.path.join(shared, "corpus") if shared else None
    folders = []
    if corpus and os.path.isdir(corpus):
        for root, _, names in sorted(os.walk(corpus)):
            mine = [os.path.join(root, n) for n in sorted(names)
                    if n not in ("LICENSE", "LICENSE.txt", "SOURCES.md")
                    and not n.endswith((".csv", ".md"))]
            files += mine
            if mine:
                folders.append(mine)
    for f in files:
        for sub in (["parse"], ["match", "--all"]):
            yield ("%s %s" % (" ".join(sub), os.path.relpath(f, ROOT)),
                   sub + ["--tz", "UTC", "--year", "2024", f], ROOT)
    for mine in folders:
        yield ("replay-json %s/" % os.path.relpath(os.path.dirname(mine[0]), ROOT),
               ["replay", "--no-progress", "--format", "json", "--tz", "UTC",
                "--year", "2024"] + mine, ROOT)


def main():
    args = sys.argv[1:]
    shared = os.path.join(ROOT, "..", "shared")
    if "--shared" in args:
        i = args.index("--shared")
        shared = args[i + 1]
        del args[i:i + 2]
    only = None
    if "--only" in args:
        i = args.index("--only")
        only = args[i + 1]
        del args[i:i + 2]
    old, new = (os.path.abspath(a) for a in args[:2])
    n = bad = 0
    for name, cargs, cwd in cases(shared):
        if only and only not in name:
            continue
        n += 1
        a, b = run(old, cargs, cwd), run(new, cargs, cwd)
        if a[0] == b[0] and a[2] == b[2]:
            continue
        bad += 1
        print("DIFF %s (status %d -> %d)" % (name, a[2], b[2]))
        d = difflib.unified_diff(a[0].decode(errors="replace").splitlines(),
                                 b[0].decode(errors="replace").splitlines(), lineterm="", n=1)
        for line in list(d)[2:14]:
            print("    " + line[:200])
    print("same_output: %d cases, %d differ" % (n, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
