"""Helpers the system tests share: run the real binary, write files, read
its JSON (every replay report is checked against docs/timelined.schema.json).
"""
import json
import os
import subprocess
import sys

BIN = os.path.abspath(os.environ.get("TIMELINED_BIN", "./timelined"))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_validator = None


def run(args, cwd, stdin=None, env=None, timeout=120):
    """Runs timelined with args in cwd: (status, stdout bytes, stderr text)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([BIN] + args, cwd=cwd, input=stdin, capture_output=True, env=e, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def write(d, name, text, mode="w"):
    """Writes text to d/name; returns the path."""
    path = os.path.join(d, name)
    with open(path, mode) as f:
        f.write(text)
    return path


def parse_lines(out):
    """The JSON objects of parse or match output."""
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


def replay_json(out):
    """A replay report, parsed and validated against the schema."""
    global _validator
    doc = json.loads(out)
    if _validator is None:
        import jsonschema
        with open(os.path.join(ROOT, "docs", "timelined.schema.json")) as f:
            _validator = jsonschema.Draft202012Validator(json.load(f))
    errors = ["%s at %s" % (e.message[:200], "/".join(map(str, e.path)))
              for e in _validator.iter_errors(doc)]
    assert not errors, errors[:5]
    return doc
