"""Helpers the system tests share: run the real binary, write files, read
its JSON (every replay report is checked against docs/timelined.schema.json).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

BIN = os.path.abspath(os.environ.get("TIMELINED_BIN", "./timelined"))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_validator = None


def sanitized():
    """True if BIN is the ASan+UBSan build (make SANITIZE=1): its memory
    use is that of the sanitizer (shadow memory, quarantine), not ours."""
    try:
        with open(BIN, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


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


# The daemon (`timelined run`): started with its own configuration, state
# directory and ports, observed through its match log, journal and stderr.

def wait_until(pred, timeout, what, diag=None):
    """Polls pred() until it holds; fails after timeout seconds naming what
    did not happen (and diag(), when given, for the evidence)."""
    end = time.time() + timeout
    while True:
        if pred():
            return
        if time.time() > end:
            raise AssertionError("timed out after %g s waiting for %s%s" % (
                timeout, what, "\n" + diag() if diag else ""))
        time.sleep(0.05)


def free_port(kind=socket.SOCK_STREAM):
    """A loopback port nothing listens on now (for a key that needs one)."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_match_log(path):
    """The objects of a match log; a last line without its newline (a
    daemon killed while writing it) is not one yet."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for i, l in enumerate(data.split(b"\n")[:-1]):
        try:
            out.append(json.loads(l))
        except ValueError:
            raise AssertionError("%s:%d: not JSON (a torn line?): %r" % (path, i + 1, l[:200]))
    return out


def read_journal(state_dir):
    """The closed incidents of a daemon's incidents.jsonl, in order."""
    path = os.path.join(state_dir, "incidents.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    return [json.loads(l)["incident"] for l in data.split(b"\n")[:-1]
            if l.strip() and b'"incident"' in l[:20]]


class Daemon:
    """One `timelined run -v -c CONF` in directory d: its configuration
    (a dict, written as d/NAME.json), its stderr (d/NAME.err, kept across
    restarts) and its match log. Defaults: state in d/state, the match log
    d/match.log with every line, zones UTC, the API on a free port."""

    def __init__(self, d, sources, name="daemon", env=None, args=(), **keys):
        self.d = d
        self.conf = {"state_dir": os.path.join(d, "state"),
                     "match_log": os.path.join(d, "match.log"),
                     "match_log_all": True, "tz": "UTC",
                     "listen": "127.0.0.1:%d" % free_port(),
                     "sources": sources}
        self.conf.update(keys)
        self.conf_path = os.path.join(d, name + ".json")
        self.err_path = os.path.join(d, name + ".err")
        self.env = dict(os.environ, **(env or {}))
        self.args = list(args)
        self.p = None
        self.err_at = 0
        self.write_conf()

    def write_conf(self, text=None):
        """Writes the configuration file (the dict, or text as it is)."""
        with open(self.conf_path, "w") as f:
            f.write(text if text is not None else json.dumps(self.conf, indent=1))

    def start(self, ready=True):
        """Starts the daemon; waits for its 'running' line unless told not."""
        self.err_at = os.path.getsize(self.err_path) if os.path.exists(self.err_path) else 0
        with open(self.err_path, "ab") as err:
            self.p = subprocess.Popen([BIN, "run", "-v", "-c", self.conf_path] + self.args,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=err, env=self.env)
        if ready:
            self.wait(lambda: "timelined: running:" in self.stderr(True), 30, "the daemon to start")
        return self

    def stderr(self, this_run=False):
        """What the daemon wrote to stderr (all runs, or this run only)."""
        with open(self.err_path, "rb") as f:
            if this_run:
                f.seek(self.err_at)
            return f.read().decode(errors="replace")

    def diag(self):
        """The end of stderr, for a failure message."""
        return "daemon stderr (end):\n" + self.stderr()[-3000:]

    def wait(self, pred, timeout, what, diag=None):
        """wait_until(), failing at once if the daemon died; diag() adds
        to stderr in a failure's message."""
        def evidence():
            return (diag() + "\n" if diag else "") + self.diag()

        def check():
            if self.p is not None and self.p.poll() is not None:
                raise AssertionError("the daemon exited (%s) while waiting for %s\n%s" % (
                    self.p.returncode, what, evidence()))
            return pred()
        wait_until(check, timeout, what, evidence)

    def matches(self):
        """The match log's objects."""
        return read_match_log(self.conf["match_log"])

    def journal(self):
        """Closed incidents in the state directory's journal."""
        return read_journal(self.conf["state_dir"])

    def signal(self, sig):
        """Sends sig to the daemon."""
        self.p.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM: the daemon checkpoints and exits 0."""
        if self.p is None:
            return
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=timeout)
        self.p = None
        assert rc == 0, "exit status %d\n%s" % (rc, self.diag())

    def kill9(self):
        """SIGKILL: no last checkpoint."""
        if self.p is not None and self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.p = None

    def close(self):
        """Makes sure the daemon is gone (after a failed check)."""
        self.kill9()
