#!/usr/bin/env python3
"""Scores `timelined replay` against scenarios with a known timeline.

usage: tests/tools/score.py --bin ./timelined [--json] SCENARIO_DIR...

A scenario folder holds log files, `replay.args` (the arguments after
`replay --format json`, names relative to the folder) and `expected.json`
(docs/scenarios.md describes it):

  incidents[]     start, end (each within 60 s of the reported one);
                  key_events[]: {category (or a list), ts, [last]}: an
                  entry of that category whose ts is within 1 s, and when
                  `last` is given, whose last is within 60 s of it;
                  trigger: {category, ts}: among the incident's triggers;
                  optional: detected, mitigated (RFC 3339 or null, 60 s),
                  open (true/false).
  must_not_match  substrings of benign lines no timeline entry may show.

Expected incidents are paired with reported ones by the largest overlap of
[start, end]; a reported incident paired with none is an error. Every
replay output is also checked against docs/timelined.schema.json when the
python3-jsonschema module is installed. Prints one line per scenario and
`N passed, N failed`; exits 1 if any failed.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone

KEY_TOL = 1.0    # seconds: key events and triggers
EDGE_TOL = 60.0  # seconds: start, end, last, milestones
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "docs", "timelined.schema.json")


def ts(s):
    """Seconds since the epoch of an RFC 3339 time, or None."""
    if s is None:
        return None
    t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("time without a zone: %r" % s)
    return t.astimezone(timezone.utc).timestamp()


def validator():
    """A function that returns schema errors of a document, or None."""
    try:
        import jsonschema
    except ImportError:
        return None
    with open(SCHEMA) as f:
        v = jsonschema.Draft202012Validator(json.load(f))
    return lambda doc: ["schema: %s at %s" % (e.message[:120], "/".join(map(str, e.path)))
                        for e in v.iter_errors(doc)]


def replay(binary, sdir, timeout):
    """Runs the scenario's replay; the parsed JSON."""
    with open(os.path.join(sdir, "replay.args")) as f:
        args = shlex.split(f.read())
    p = subprocess.run([binary, "replay", "--format", "json", "--no-progress"] + args,
                       cwd=sdir, capture_output=True, timeout=timeout)
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip()
        raise RuntimeError("exit %d: %s" % (p.returncode, err[-300:]))
    return json.loads(p.stdout)


def span(inc):
    """[start, end] of a reported incident in seconds."""
    a = ts(inc.get("start"))
    return a, ts(inc.get("end")) or a


def pair(expected, got):
    """For each expected incident the index of its reported one, or None."""
    taken, out = set(), []
    for e in expected:
        e0, e1 = ts(e["start"]), ts(e["end"])
        best, bi = -1.0, None
        for k, g in enumerate(got):
            if k in taken:
                continue
            g0, g1 = span(g)
            near = g0 <= e1 + EDGE_TOL and g1 >= e0 - EDGE_TOL
            ov = max(0.0, min(e1, g1) - max(e0, g0))
            if near and ov > best:
                best, bi = ov, k
        if bi is not None:
            taken.add(bi)
        out.append(bi)
    return out


def check_key(inc, ke):
    """A problem with one key event of inc, or None."""
    t = ts(ke["ts"])
    cats = ke["category"] if isinstance(ke["category"], list) else [ke["category"]]
    hits = [x for x in inc.get("timeline") or []
            if x.get("category") in cats and abs(ts(x["ts"]) - t) <= KEY_TOL]
    if not hits:
        return "no %s entry at %s" % ("/".join(cats), ke["ts"])
    if "last" in ke and not any(abs(ts(x["last"]) - ts(ke["last"])) <= EDGE_TOL for x in hits):
        return "%s entry at %s should last until %s, got %s" % (
            "/".join(cats), ke["ts"], ke["last"], [x.get("last") for x in hits])
    return None


def check_milestones(inc, e):
    """Problems with the optional milestones of expected incident e."""
    probs = []
    for key in ("detected", "mitigated"):
        if key not in e:
            continue
        want, got = e[key], inc.get(key)
        if (want is None) != (got is None) or (
                want is not None and abs(ts(want) - ts(got)) > EDGE_TOL):
            probs.append("%s is %s, expected %s" % (key, got, want))
    if "open" in e and bool(inc.get("open")) != e["open"]:
        probs.append("open is %s, expected %s" % (inc.get("open"), e["open"]))
    return probs


def check_incident(n, inc, e):
    """Problems and number of key events found for one paired incident."""
    probs, found = [], 0
    g0, g1 = span(inc)
    if abs(g0 - ts(e["start"])) > EDGE_TOL:
        probs.append("starts %s, expected %s" % (inc["start"], e["start"]))
    if abs(g1 - ts(e["end"])) > EDGE_TOL:
        probs.append("ends %s, expected %s" % (inc.get("end"), e["end"]))
    for ke in e["key_events"]:
        p = check_key(inc, ke)
        probs += [p] if p else []
        found += p is None
    tr = e.get("trigger")
    if tr:
        t = ts(tr["ts"])
        if any(x.get("category") == tr["category"] and abs(ts(x["ts"]) - t) <= KEY_TOL
               for x in inc.get("triggers") or []):
            found += 1
        else:
            probs.append("trigger %s at %s not among triggers" % (tr["category"], tr["ts"]))
    probs += check_milestones(inc, e)
    return ["incident %d: %s" % (n, p) for p in probs], found


def score(sdir, binary, timeout, valid):
    """The result of one scenario as a dict."""
    with open(os.path.join(sdir, "expected.json")) as f:
        exp = json.load(f)
    out = replay(binary, sdir, timeout)
    probs = valid(out) if valid else []
    got = out.get("incidents") or []
    keys = sum(len(e["key_events"]) + bool(e.get("trigger")) for e in exp["incidents"])
    found = 0
    pairs = pair(exp["incidents"], got)
    for n, (e, k) in enumerate(zip(exp["incidents"], pairs), 1):
        if k is None:
            probs.append("incident %d (%s .. %s) not found" % (n, e["start"], e["end"]))
            continue
        p, f = check_incident(n, got[k], e)
        probs += p
        found += f
    for k, g in enumerate(got):
        if k not in pairs:
            probs.append("unexpected incident %s .. %s" % (g.get("start"), g.get("end")))
    benign = 0
    for g in got:
        for x in g.get("timeline") or []:
            if any(trap in (x.get("message") or "") for trap in exp.get("must_not_match", [])):
                benign += 1
                probs.append("benign line in timeline: %s" % x["message"][:100])
    return {"scenario": exp.get("scenario", os.path.basename(os.path.normpath(sdir))),
            "keys_total": keys, "keys_found": found, "incidents_expected": len(exp["incidents"]),
            "incidents_got": len(got), "false_entries": benign, "problems": probs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="./timelined")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--require-schema", action="store_true",
                    help="fail when python3-jsonschema is missing")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    valid = validator()
    if valid is None and a.require_schema:
        sys.exit("score: python3-jsonschema is missing (apt-get install python3-jsonschema)")
    if valid is None:
        print("note: python3-jsonschema not installed; outputs not checked against the schema")
    results = []
    for d in a.dirs:
        try:
            r = score(d, binary, a.timeout, valid)
        except Exception as ex:  # a crash or bad output fails the scenario, not the run
            r = {"scenario": os.path.basename(os.path.normpath(d)), "keys_total": 0,
                 "keys_found": 0, "incidents_expected": 0, "incidents_got": 0,
                 "false_entries": 0, "problems": ["replay failed: %s" % ex]}
        results.append(r)
        if not a.json:
            print("%s %s: key events %d/%d, incidents %d/%d, benign entries %d" % (
                "FAIL" if r["problems"] else "PASS", r["scenario"], r["keys_found"],
                r["keys_total"], r["incidents_got"], r["incidents_expected"], r["false_entries"]))
            for p in r["problems"][:12]:
                print("    " + p)
    failed = sum(1 for r in results if r["problems"])
    if a.json:
        print(json.dumps({"results": results, "passed": len(results) - failed, "failed": failed}, indent=1))
    else:
        print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
