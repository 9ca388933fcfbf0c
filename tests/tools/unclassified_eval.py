#!/usr/bin/env python3
"""What the unclassified signal adds to replay's timelines, as Markdown.

usage: tests/tools/unclassified_eval.py [--bin ./timelined] [--shared DIR]
           [--only scenarios|loghub|corpus]

Runs `timelined replay --format json` twice on each input, with the
signal (the default) and with --no-unclassified:
  1. every scenario (tests/scenarios/*/ and DIR/scenarios/*/) with its
     replay.args;
  2. each of the 16 loghub samples (DIR/corpus/loghub/*_2k.log) alone;
  3. each other file of DIR/corpus alone;
(corpus files with --tz UTC --year 2024, as tests/tools/corpus_review.py
reads them). For each it reports incidents gained or lost (by id; the
target is none), whether the rules' entries stayed the same (every
incident compared without its unclassified entries and entry ids), the
unclassified entries in timelines, and the lines the miner surfaced
(stats.unclassified.surfaced, whether or not an incident was there to
join; replay writes stats.unclassified only when it surfaced or left out
a line). Reads the corpus in place and copies nothing.
"""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS_ARGS = ["--tz", "UTC", "--year", "2024"]


def replay(binary, args, cwd, on):
    """The JSON report of replay on args in cwd, with the signal or not."""
    extra = [] if on else ["--no-unclassified"]
    p = subprocess.run([binary, "replay", "--format", "json", "--no-progress"] + extra + args,
                       cwd=cwd, capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"incidents": [], "stats": {}, "error": p.stderr.strip()[:200]}


def rules_only(inc):
    """An incident without its unclassified entries and entry ids."""
    inc = dict(inc)
    inc["timeline"] = [{k: v for k, v in x.items() if k != "id"}
                       for x in inc["timeline"] if x["category"] != "unclassified"]
    inc["categories"] = [c for c in inc["categories"] if c != "unclassified"]
    return inc


def compare(binary, args, cwd):
    """What the signal changed on one input: a dict of counts and entries."""
    on, off = replay(binary, args, cwd, True), replay(binary, args, cwd, False)
    ids_on = [i["id"] for i in on["incidents"]]
    ids_off = [i["id"] for i in off["incidents"]]
    same = [rules_only(i) for i in on["incidents"]] == [rules_only(i) for i in off["incidents"]]
    entries = [(i["id"], x) for i in on["incidents"] for x in i["timeline"]
               if x["category"] == "unclassified"]
    uc = on.get("stats", {}).get("unclassified", {})
    return {"incidents": len(ids_on), "gained": len(set(ids_on) - set(ids_off)),
            "lost": len(set(ids_off) - set(ids_on)), "same": same, "entries": entries,
            "surfaced": uc.get("surfaced", 0),
            "unmined": uc.get("unmined", 0), "error": on.get("error")}


def cell(t, n=90):
    """Text safe in a Markdown table cell, cut to n characters."""
    t = t.replace("|", "\\|").replace("`", "'")
    return t if len(t) <= n else t[:n - 1] + "…"


def entry_text(x):
    """One unclassified entry as a line of a table cell."""
    where = "%s:%d-%d" % (x["source"], x["line_first"], x["line_last"])
    return "%s x%d %s (%s): `%s`" % (x["title"], x["count"], x["first"][11:19], where,
                                     cell(x["message"]))


def scenarios(binary, shared):
    """Section 1: the scenarios; returns its totals."""
    dirs = sorted(glob.glob(os.path.join(ROOT, "tests", "scenarios", "*", "replay.args")))
    dirs += sorted(glob.glob(os.path.join(shared, "scenarios", "*", "replay.args")))
    print("### Scenarios\n")
    print("| scenario | incidents | gained/lost | rules' entries unchanged | "
          "unclassified entries (in incidents) | lines surfaced |")
    print("|---|---|---|---|---|---|")
    tot = new_totals()
    for ra in dirs:
        d = os.path.dirname(ra)
        r = compare(binary, shlex.split(open(ra).read()), d)
        add(tot, r)
        ents = "<br>".join(entry_text(x) for _, x in r["entries"]) or "-"
        print("| %s | %d | %d/%d | %s | %s | %d |" % (
            os.path.basename(d), r["incidents"], r["gained"], r["lost"],
            "yes" if r["same"] else "**no**", ents, r["surfaced"]))
    print()
    return tot


def new_totals():
    """Zeroed totals of a section."""
    return {"inputs": 0, "incidents": 0, "gained": 0, "lost": 0, "changed": 0,
            "entries": 0, "surfaced": 0, "unmined": 0, "with": 0}


def add(tot, r):
    """Adds one input's result to the totals."""
    tot["inputs"] += 1
    for k in ("incidents", "gained", "lost", "surfaced", "unmined"):
        tot[k] += r[k]
    tot["changed"] += not r["same"]
    tot["entries"] += len(r["entries"])
    tot["with"] += r["surfaced"] > 0


def corpus(binary, shared, loghub):
    """Section 2 or 3: corpus files, each alone; returns its totals."""
    base = os.path.join(shared, "corpus")
    if loghub:
        files = sorted(glob.glob(os.path.join(base, "loghub", "*_2k.log")))
    else:
        files = []
        for root, _, names in os.walk(base):
            if os.path.basename(root) == "loghub":
                continue
            files += [os.path.join(root, n) for n in names
                      if n not in ("LICENSE", "LICENSE.txt", "SOURCES.md")
                      and not n.endswith((".csv", ".md", ".zst"))]
        files.sort()
    print("### %s\n" % ("The loghub samples" if loghub else "The rest of the corpus"))
    print("| file | rule incidents | gained/lost | rules' entries unchanged | "
          "lines surfaced | unclassified entries |")
    print("|---|---|---|---|---|---|")
    tot = new_totals()
    for f in files:
        r = compare(binary, CORPUS_ARGS + [f], base)
        add(tot, r)
        if not loghub and not r["surfaced"] and not r["gained"] and not r["lost"] \
                and r["same"]:
            continue   # the rest: only the files where something happened
        ents = "<br>".join(entry_text(x) for _, x in r["entries"]) or "-"
        print("| %s | %d | %d/%d | %s | %d | %s |" % (
            os.path.relpath(f, base), r["incidents"], r["gained"], r["lost"],
            "yes" if r["same"] else "**no**", r["surfaced"], ents))
    print()
    return tot


def summary(rows):
    """The closing table: one row per section."""
    print("### Summary\n")
    print("| set | inputs | rule incidents | incidents gained | lost | inputs whose rule "
          "entries changed | lines surfaced (inputs) | unclassified entries "
          "in timelines | lines not mined |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, t in rows:
        print("| %s | %d | %d | %d | %d | %d | %d (%d) | %d | %d |" % (
            name, t["inputs"], t["incidents"], t["gained"], t["lost"], t["changed"],
            t["surfaced"], t["with"], t["entries"], t["unmined"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "timelined"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--only", choices=["scenarios", "loghub", "corpus"])
    o = ap.parse_args()
    binary = os.path.abspath(o.bin)
    rows = []
    if o.only in (None, "scenarios"):
        rows.append(("scenarios", scenarios(binary, o.shared)))
    if not os.path.isdir(os.path.join(o.shared, "corpus")):
        print("no corpus at %s: the corpus sections are skipped" % o.shared, file=sys.stderr)
    else:
        if o.only in (None, "loghub"):
            rows.append(("loghub samples", corpus(binary, o.shared, True)))
        if o.only in (None, "corpus"):
            rows.append(("rest of the corpus", corpus(binary, o.shared, False)))
    summary(rows)


if __name__ == "__main__":
    main()
