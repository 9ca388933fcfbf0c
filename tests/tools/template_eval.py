#!/usr/bin/env python3
"""What the unclassified signal (daemon/template.c) surfaces, as Markdown.

usage: tests/tools/template_eval.py [--shared DIR] [--only loghub|corpus|scenarios]
           [--driver BIN] [--timelined BIN] [-- DRIVER_ARGS...]

Runs build/std/template_eval (make template-eval) over
  1. ../shared/corpus/loghub/*_2k.log, each file alone (--tz UTC --year 2024);
  2. the rest of ../shared/corpus, each file alone, the same way;
  3. every scenario (../shared/scenarios/*/ and tests/scenarios/*/) with its
     replay.args,
and `timelined replay --format json` on the same corpus input for the
incidents the rules open. An episode (a run of surfaced lines of one
template) "joins" an incident when it overlaps [start - 10 min, end]; for
scenarios the windows are expected.json's. BGL and Thunderbird lines carry
loghub's alert label (first field, "-" for none): it is shown per episode.
DRIVER_ARGS (e.g. --spike-factor 20) go to the driver. Prints Markdown for
docs/unclassified.md; reads the corpus in place, copies nothing.
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
WARM_LINES, WARM_NS = 50, 1800 * 10**9  # template_conf_default()
LABELLED = ("BGL_2k.log", "Thunderbird_2k.log")


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


def ep_cell(ep, label=None):
    strong = " **strong**" if ep["strong_ns"] is not None else ""
    where = "%s:%d" % (os.path.basename(ep["file"]), ep["line_first"])
    if ep["file_last"] != ep["file"]:
        where += "-%s:%d" % (os.path.basename(ep["file_last"]), ep["line_last"])
    elif ep["line_last"] != ep["line_first"]:
        where += "-%d" % ep["line_last"]
    lab = " [label %s]" % label if label else ""
    return "%s x%d%s %s (%s)%s `%s`" % (ep["why"], ep["count"], strong, iso(ep["first_ns"]), where, lab,
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


def labels_of(path):
    if os.path.basename(path) not in LABELLED:
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.split(" ", 1)[0] for line in f]


def new_totals(name):
    return {"set": name, "files": 0, "warm": 0, "lines": 0, "mined": 0, "new": 0, "spike": 0, "strong": 0,
            "joined": 0, "incidents": 0, "alerts": 0, "labelled": 0}


def count(tot, eps, windows):
    for e in eps:
        tot[e["why"]] += 1
        tot["strong"] += e["strong_ns"] is not None
        tot["joined"] += joins(e, windows)


def section_files(title, files, opts, tot, show_empty):
    print("### %s\n" % title)
    print("| file | lines | mined | templates | episodes | strong | rule incidents | joining one | episodes: why, lines, first, where, template |")
    print("|---|---|---|---|---|---|---|---|---|")
    corpus = os.path.join(opts.shared, "corpus")
    for f in files:
        args = ["--tz", "UTC", "--year", "2024", f]
        eps, fl, st = run_driver(opts.driver, args, None, opts.extra)
        inc = rule_incidents(opts.timelined, args, None)
        labels = labels_of(f)
        tot["files"] += 1
        tot["incidents"] += len(inc)
        for x in fl:
            tot["lines"] += x["lines"]
            tot["mined"] += x["mined"]
            tot["warm"] += x["mined"] >= WARM_LINES and x["last_ns"] - x["first_ns"] >= WARM_NS
        count(tot, eps, inc)
        cells = []
        for e in eps:
            lab = labels[e["line_first"] - 1] if labels else None
            if lab is not None:
                tot["labelled"] += 1
                tot["alerts"] += lab != "-"
            cells.append(ep_cell(e, lab))
        if not eps and not show_empty:
            continue
        print("| %s | %d | %d | %d | %d | %d | %d | %d | %s |" % (
            os.path.relpath(f, corpus), sum(x["lines"] for x in fl), sum(x["mined"] for x in fl),
            st.get("templates", 0), len(eps), sum(e["strong_ns"] is not None for e in eps), len(inc),
            sum(joins(e, inc) for e in eps), "<br>".join(cells) or "-"))
    print()


def scenario_dirs(shared):
    dirs = sorted(glob.glob(os.path.join(shared, "scenarios", "*", "replay.args")))
    dirs += sorted(glob.glob(os.path.join(ROOT, "tests", "scenarios", "*", "replay.args")))
    return [os.path.dirname(d) for d in dirs]


def section_scenarios(opts, tot, leads):
    print("### Scenarios\n")
    print("Windows are expected.json's incidents; *during* means the episode overlaps "
          "[start - 10 min, end].\n")
    print("| scenario | mined | during the incidents | outside them |")
    print("|---|---|---|---|")
    for d in scenario_dirs(opts.shared):
        args = shlex.split(open(os.path.join(d, "replay.args")).read())
        exp = json.load(open(os.path.join(d, "expected.json")))
        windows = [(parse_iso(i["start"]), parse_iso(i["end"])) for i in exp.get("incidents", [])]
        eps, fl, _ = run_driver(opts.driver, args, d, opts.extra)
        tot["files"] += 1
        tot["incidents"] += len(windows)
        tot["mined"] += sum(x["mined"] for x in fl)
        count(tot, eps, windows)
        inside = [e for e in eps if joins(e, windows)]
        outside = [e for e in eps if not joins(e, windows)]
        for e in inside:
            if e["strong_ns"] is not None:
                start = min(s for s, end in windows if joins(e, [(s, end)]))
                leads.append("%s %+.0f s" % (os.path.basename(d), (start - e["strong_ns"]) / 1e9))
        print("| %s | %d | %s | %s |" % (
            os.path.basename(d), sum(x["mined"] for x in fl),
            "<br>".join(ep_cell(e) for e in inside) or "-",
            "<br>".join(ep_cell(e) for e in outside) or "-"))
    print()


def summary(tots, leads):
    print("### Summary\n")
    print("| set | files | long enough to warm | lines mined | episodes new | spike | strong | incidents (rules; scenarios: expected) | episodes joining one |")
    print("|---|---|---|---|---|---|---|---|---|")
    for t in tots:
        warm = str(t["warm"]) if t["set"] != "scenarios" else "-"
        print("| %s | %d | %s | %d | %d | %d | %d | %d | %d |" % (
            t["set"], t["files"], warm, t["mined"], t["new"], t["spike"], t["strong"], t["incidents"],
            t["joined"]))
    print()
    for t in tots:
        if t["labelled"]:
            print("Labelled (BGL, Thunderbird) episodes whose first line is a loghub alert: %d of %d.\n"
                  % (t["alerts"], t["labelled"]))
    if leads:
        print("Strong episodes during incidents, expected start minus the time they turned strong "
              "(positive: before the start): " + ", ".join(leads) + ".\n")


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
    tots, leads = [], []
    print("Driver settings: `%s`\n" % (" ".join(opts.extra) or "defaults"))
    if opts.only in (None, "loghub"):
        tots.append(new_totals("loghub"))
        section_files("loghub samples", corpus_files(opts.shared, True), opts, tots[-1], True)
    if opts.only in (None, "corpus"):
        tots.append(new_totals("rest of corpus"))
        section_files("The rest of the corpus (files with an episode)", corpus_files(opts.shared, False),
                      opts, tots[-1], False)
    if opts.only in (None, "scenarios"):
        tots.append(new_totals("scenarios"))
        section_scenarios(opts, tots[-1], leads)
    summary(tots, leads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
