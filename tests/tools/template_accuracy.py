#!/usr/bin/env python3
"""Grouping accuracy of the template miner on the loghub samples.

usage: tests/tools/template_accuracy.py [--shared DIR] [--driver BIN] [-- DRIVER_ARGS...]

Every line of ../shared/corpus/loghub/*_2k.log is mined (template_eval -R -L:
no rules, one template id per line). The loghub *_templates.csv (Drain's
templates, reviewed by loghub) give the reference: a line belongs to the
most specific reference template whose pattern matches the end of the line.
Grouping accuracy (Zhu et al., ICSE-SEIP 2019) is the share of lines whose
mined group holds exactly the lines of their reference group. Lines that no
reference template matches are left out. Prints Markdown.
"""
import argparse
import collections
import csv
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def reference(csv_path):
    pats = []
    with open(csv_path, newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            tpl = row["EventTemplate"]
            parts = [re.escape(p) for p in tpl.split("<*>")]
            rx = "(?:.*?)".join(parts)
            rx = re.sub(r"(\\ )+", r"\\s+", rx)
            literal = len(tpl.replace("<*>", ""))
            frags = [p.strip() for p in tpl.split("<*>")]
            key = max(frags, key=len).split()
            key = max(key, key=len) if key else ""
            pats.append((literal, row["EventId"], key, re.compile(rx + r"\s*$")))
    pats.sort(key=lambda p: -p[0])
    return pats


def classify(line, pats):
    for _, eid, key, rx in pats:
        if key in line and rx.search(line):
            return eid
    return None


def accuracy(truth, pred):
    groups_t, groups_p = collections.defaultdict(set), collections.defaultdict(set)
    for k, v in truth.items():
        groups_t[v].add(k)
    for k, v in pred.items():
        groups_p[v].add(k)
    ok = sum(1 for k in truth if groups_t[truth[k]] == groups_p[pred[k]])
    return ok / len(truth) if truth else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--driver", default=os.path.join(ROOT, "build", "std", "template_eval"))
    ap.add_argument("extra", nargs="*")
    opts = ap.parse_args()
    files = sorted(glob.glob(os.path.join(opts.shared, "corpus", "loghub", "*_2k.log")))
    if not files:
        print("no loghub samples under %s" % opts.shared, file=sys.stderr)
        return 0
    env = dict(os.environ, TIMELINED_RULES_DIR=os.path.join(ROOT, "config", "rules.d"))
    print("| file | lines scored | reference templates | mined templates | grouping accuracy |")
    print("|---|---|---|---|---|")
    total_ok = total = 0
    for f in files:
        pats = reference(f + "_templates.csv")
        raw = open(f, encoding="utf-8", errors="replace").read().split("\n")
        p = subprocess.run([opts.driver, "-R", "-L", "--tz", "UTC", "--year", "2024"] + opts.extra + [f],
                           capture_output=True, text=True, env=env)
        pred, truth = {}, {}
        for line in p.stdout.splitlines():
            _, lineno, tid, _ = line.split("\t", 3)
            lineno = int(lineno)
            eid = classify(raw[lineno - 1], pats)
            if eid is None or tid == "0":
                continue
            truth[lineno] = eid
            pred[lineno] = tid
        ga = accuracy(truth, pred)
        total_ok += ga * len(truth)
        total += len(truth)
        print("| %s | %d | %d | %d | %.3f |" % (os.path.basename(f), len(truth), len(set(truth.values())),
                                              len(set(pred.values())), ga))
    print("| all | %d | | | %.3f |" % (total, total_ok / total if total else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
