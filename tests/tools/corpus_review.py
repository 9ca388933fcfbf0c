#!/usr/bin/env python3
"""Per-rule review of the rule pack over ../shared/corpus (read in place).

usage: tests/tools/corpus_review.py ./timelined [CORPUS_DIR] [--tsv] > docs/corpus-review.md

Runs `timelined match` over every corpus file (each file on its own, so its
format is detected on its own) and prints, per rule, how many lines it
matched, in how many files, and up to three distinct sample messages, as
Markdown, for a human to read for false positives. Rules with no corpus
match are listed too (their examples are then the only evidence).

With --tsv, prints instead every matched line as `file:line <TAB> rule
<TAB> category <TAB> message`, sorted, so that two runs (before and after
a rule change) can be compared with diff and every new match read.
"""
import collections
import json
import os
import subprocess
import sys


def main():
    tsv = "--tsv" in sys.argv
    argv = [a for a in sys.argv if a != "--tsv"]
    binary = os.path.abspath(argv[1])
    corpus = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "corpus")
    corpus = os.path.abspath(corpus)
    files = []
    for root, _, names in os.walk(corpus):
        for n in sorted(names):
            if n in ("LICENSE", "SOURCES.md") or n.endswith((".csv", ".md", ".zst")):
                continue
            files.append(os.path.join(root, n))
    counts, filesets = collections.Counter(), collections.defaultdict(set)
    samples = collections.defaultdict(list)
    cats = {}
    total = 0
    every = []
    for f in sorted(files):
        p = subprocess.run([binary, "match", "--tz", "UTC", "--year", "2024", f], capture_output=True)
        for l in p.stdout.decode(errors="replace").splitlines():
            o = json.loads(l)
            r = o["rule"]
            counts[r] += 1
            total += 1
            cats[r] = o["category"]
            rel = os.path.relpath(f, corpus)
            filesets[r].add(rel)
            every.append("%s:%d\t%s\t%s\t%s" % (rel, o["line"], r, o["category"], o["message"].replace("\t", " ")))
            msg = o["message"][:140]
            if len(samples[r]) < 3 and all(msg != s for s, _ in samples[r]):
                samples[r].append((msg, "%s:%d" % (rel, o["line"])))
    if tsv:
        print("\n".join(sorted(every)))
        return
    rules = []
    for name in sorted(os.listdir(os.path.join(os.path.dirname(binary), "config", "rules.d"))):
        if name.endswith(".json"):
            for r in json.load(open(os.path.join(os.path.dirname(binary), "config", "rules.d", name)))["rules"]:
                rules.append((r["id"], r["category"]))
    print("# Rule pack over the corpus\n")
    print("Made with `tests/tools/corpus_review.py ./timelined > docs/corpus-review.md` over %d files of "
          "`../shared/corpus` (%d matched lines). The review of these samples for false positives "
          "is in docs/rules-quality.md.\n" % (len(files), total))
    print("| rule | category | lines | files | samples (message, where) |")
    print("|---|---|---|---|---|")
    for rid, cat in sorted(rules, key=lambda x: (-counts[x[0]], x[0])):
        s = "<br>".join("`%s` (%s)" % (m.replace("|", "\\|").replace("`", "'"), w) for m, w in samples[rid]) or "-"
        print("| %s | %s | %d | %d | %s |" % (rid, cat, counts[rid], len(filesets[rid]), s))


if __name__ == "__main__":
    main()
