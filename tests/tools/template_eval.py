#!/usr/bin/env python3
"""What the unclassified signal (daemon/template.c) surfaces, as Markdown.

usage: tests/tools/template_eval.py [--shared DIR] [--only loghub|corpus|scenarios]
           [--driver BIN] [--timelined BIN] [-- DRIVER_ARGS...]

Runs build/std/template_eval (make template-eval) over
  1. ../shared/corpus/loghub/*_2k.log, each file alone (--tz UTC --year 2024);
  2. the rest of ../shared/corpus, each file alone, the same way;
  3. every scenario (../shared/scenarios/*/ and tests/scenarios/*/) with its
     replay.args,
and `timelined replay --format json` on the same input for the incidents the
rules open. An episode (a run of surfaced lines of one template) "joins" an
incident when it overlaps [start - 10 min, end]; for scenarios the windows
are expected.json's. DRIVER_ARGS (e.g. --spike-factor 20) go to the driver.
Prints Markdown for docs/unclassified.md; reads the corpus in place.
"""
import argparse
import datetime
import glob
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
LEAD_NS = 600 * 10**9  # an episode this close before a start joins it


def iso(ns):
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 10**9)


def run_driver(driver, args, cwd, extra):
    env = dict(os.environ, TIMELINED_RULES_DIR=os.path.join(ROOT, "config", "rules.d"))
    p = subprocess.run([driver] + extra + args, cwd=cwd, capture_output=True, text=True, env=env)
    eps, files, stats = [], [], {}
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if "why" in o:
            eps.append(o)
        elif "stats" in o:
            stats = o["stats"]
        else:
            files.append(o)
    return eps, files, stats


def rule_incidents(timelined, args, cwd):
    p = subprocess.run([timelined, "replay", "--format", "json"] + args, cwd=cwd,
                       capture_output=True, text=True)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return []
    return [(parse_iso(i["start"]), parse_iso(i["end"])) for i in doc.get("incidents", [])]


def joins(ep, windows):
    return any(ep["first_ns"] <= end and ep["last_ns"] >= start - LEAD_NS for start, end in windows)


def short(t, n=110):
    t = t.replace("|", "\\|").replace("`", "'")
    return t if len(t) <= n else t[:n - 1] + "…"


def ep_cell(ep):
    strong = " **strong**" if ep["strong_ns"] is not None else ""
    where = "%s:%d" % (ep["file"], ep["line_first"])
    if ep["line_last"] != ep["line_first"] or ep["file_last"] != ep["file"]:
        where += "-%d" % ep["line_last"] if ep["file_last"] == ep["file"] else "-%s:%d" % (ep["file_last"], ep["line_last"])
    return "%s x%d%s %s (%s) `%s`" % (ep["why"], ep["count"], strong, iso(ep["first_ns"]), where,
                                      short(ep["template"]))


def corpus_files(shared, loghub):
    corpus = os.path.join(shared, "corpus")
    if loghub:
        return sorted(glob.glob(os.path.join(corpus, "loghub", "*_2k.log")))
    out = []
    for root, _, names in os.walk(corpus):
        if os.path.basename(root) == "loghub":
            continue
        for n in sorted(names):
            if n in ("LICENSE", "LICENSE.txt", "SOURCES.md") or n.endswith((".csv", ".md", ".zst")):
                continue
            out.append(os.path.join(root, n))
    return sorted(out)


def section_files(title, files, opts, totals, show_empty):
    print("### %s\n" % title)
    print("| file | lines | mined | templates | surfaced | strong | joins a rule incident | episodes |")
    print("|---|---|---|---|---|---|---|---|")
    corpus = os.path.join(opts.shared, "corpus")
    for f in files:
        args = ["--tz", "UTC", "--year", "2024", f]
        eps, fl, st = run_driver(opts.driver, args, None, opts.extra)
        inc = rule_incidents(opts.timelined, args, None) if eps else []
        mined = sum(x["mined"] for x in fl)
        strong = sum(1 for e in eps if e["strong_ns"] is not None)
        joined = sum(1 for e in eps if joins(e, inc))
        totals["files"] += 1
        totals["episodes"] += len(eps)
        totals["strong"] += strong
        totals["alone_strong"] += sum(1 for e in eps if e["strong_ns"] is not None and not joins(e, inc))
        totals["joined"] += joined
        if not eps and not show_empty:
            continue
        cells = "<br>".join(ep_cell(e) for e in eps) or "-"
        print("| %s | %d | %d | %d | %d | %d | %d of %d (%d incidents) | %s |" % (
            os.path.relpath(f, corpus), sum(x["lines"] for x in fl), mined, st.get("templates", 0),
            len(eps), strong, joined, len(eps), len(inc), cells))
    print()


def scenario_dirs(shared):
    dirs = sorted(glob.glob(os.path.join(shared, "scenarios", "*", "replay.args")))
    dirs += sorted(glob.glob(os.path.join(ROOT, "tests", "scenarios", "*", "replay.args")))
    return [os.path.dirname(d) for d in dirs]


def section_scenarios(opts, totals):
    print("### Scenarios\n")
    print("Windows are expected.json's incidents; *during* overlaps [start - 10 min, end], "
          "*lead* is how long before the expected start the episode began (or turned strong).\n")
    print("| scenario | mined | surfaced during (useful?) | surfaced outside (noise) | strong outside |")
    print("|---|---|---|---|---|")
    for d in scenario_dirs(opts.shared):
        args = shlex.split(open(os.path.join(d, "replay.args")).read())
        exp = json.load(open(os.path.join(d, "expected.json")))
        windows = [(parse_iso(i["start"]), parse_iso(i["end"])) for i in exp.get("incidents", [])]
        eps, fl, _ = run_driver(opts.driver, args, d, opts.extra)
        inside = [e for e in eps if joins(e, windows)]
        outside = [e for e in eps if not joins(e, windows)]
        strong_out = [e for e in outside if e["strong_ns"] is not None]
        totals["sc_inside"] += len(inside)
        totals["sc_outside"] += len(outside)
        totals["sc_strong_out"] += len(strong_out)
        totals["sc_strong_in"] += sum(1 for e in inside if e["strong_ns"] is not None)
        for e in inside:
            if e["strong_ns"] is None:
                continue
            start = min(s for s, end in windows if joins(e, [(s, end)]))
            lead = start - e["strong_ns"]
            totals["leads"].append((os.path.basename(d), lead / 1e9))
        print("| %s | %d | %s | %s | %d |" % (
            os.path.basename(d), sum(x["mined"] for x in fl),
            "<br>".join(ep_cell(e) for e in inside) or "-",
            "<br>".join(ep_cell(e) for e in outside) or "-", len(strong_out)))
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--driver", default=os.path.join(ROOT, "build", "std", "template_eval"))
    ap.add_argument("--timelined", default=os.path.join(ROOT, "timelined"))
    ap.add_argument("--only", choices=["loghub", "corpus", "scenarios"])
    ap.add_argument("extra", nargs="*")
    opts = ap.parse_args()
    opts.shared = os.path.abspath(opts.shared)
    opts.driver = os.path.abspath(opts.driver)
    opts.timelined = os.path.abspath(opts.timelined)
    if not os.path.isdir(os.path.join(opts.shared, "corpus")):
        print("no corpus at %s: nothing to evaluate" % opts.shared, file=sys.stderr)
        return 0
    totals = {"files": 0, "episodes": 0, "strong": 0, "alone_strong": 0, "joined": 0,
              "sc_inside": 0, "sc_outside": 0, "sc_strong_out": 0, "sc_strong_in": 0, "leads": []}
    print("Driver settings: `%s`\n" % (" ".join(opts.extra) or "defaults"))
    if opts.only in (None, "loghub"):
        section_files("loghub samples", corpus_files(opts.shared, True), opts, totals, True)
    if opts.only in (None, "corpus"):
        section_files("The rest of the corpus (files with an episode)", corpus_files(opts.shared, False),
                      opts, totals, False)
    if opts.only in (None, "scenarios"):
        section_scenarios(opts, totals)
    print("Totals: %d corpus files, %d episodes (%d strong, %d strong outside any rule incident, "
          "%d joining a rule incident); scenarios: %d episodes during incidents (%d strong), "
          "%d outside (%d strong)." % (
              totals["files"], totals["episodes"], totals["strong"], totals["alone_strong"], totals["joined"],
              totals["sc_inside"], totals["sc_strong_in"], totals["sc_outside"], totals["sc_strong_out"]))
    if totals["leads"]:
        print("\nStrong during incidents, seconds from turning strong to the expected start "
              "(positive: before it): " + ", ".join("%s %+.0f" % x for x in totals["leads"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
