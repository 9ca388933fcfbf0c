"""The daemon, `timelined run` (issue 9): the real binary following real
files through appends, rotations of every kind (by hand and by a real
logrotate), kill -9 at random moments, syslog from logger and a real
rsyslogd, SIGHUP, a New Year, broken checkpoints and long lines. It is
watched through what it writes: the match log (every line, each line
carries a sequence number, so a lost or doubled line shows), the
journal of closed incidents and stderr.
"""
import collections
import datetime
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time

from common import Daemon, replay_json, run, wait_until, write

# After every expected line arrived, a doubled one could still come from
# a later look at the files (a scan each second, a rotated file kept 10 s
# after its end): nothing marks "no more will come", so this long.
SETTLE = 1.5


def stamp(t=None):
    """t (default now) as RFC 3339 UTC with milliseconds."""
    t = time.time() if t is None else t
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Writer:
    """Numbered lines, 'TS web1 app[7]: seq=NNNNNNN TEXT', the number
    counting across every file written."""

    def __init__(self):
        self.n = 0

    def lines(self, k, text="request served"):
        """The next k lines, each with its newline."""
        out = []
        for _ in range(k):
            self.n += 1
            out.append("%s web1 app[7]: seq=%07d %s\n" % (stamp(), self.n, text))
        return out

    def write(self, path, k, text="request served", fd=None):
        """Appends k lines to path (or to the open file fd); their numbers."""
        first = self.n + 1
        data = "".join(self.lines(k, text)).encode()
        if fd is not None:
            os.write(fd, data)
        else:
            with open(path, "ab") as f:
                f.write(data)
        return list(range(first, self.n + 1))


def seqs(matches):
    """The sequence numbers of the match log's lines, in its order."""
    out = []
    for m in matches:
        g = re.search(r"seq=(\d+)", m["message"])
        if g:
            out.append(int(g.group(1)))
    return out


def wait_seqs(dm, want, timeout=20):
    """Waits until every number of want is in the match log."""
    want = set(want)
    dm.wait(lambda: want <= set(seqs(dm.matches())), timeout, "lines",
            lambda: "missing %s" % describe(want - set(seqs(dm.matches()))))


def describe(nums):
    """A short text for a set of numbers."""
    nums = sorted(nums)
    return "%d: %s%s" % (len(nums), nums[:20], " ..." if len(nums) > 20 else "")


def assert_once(got, want, what=""):
    """Every number of want exactly once in got, and nothing else."""
    c = collections.Counter(got)
    lost = set(want) - set(c)
    dup = sorted(n for n, k in c.items() if k > 1)
    extra = set(c) - set(want)
    assert not lost and not dup and not extra, "%s lost %s; doubled %s; unexpected %s" % (
        what, describe(lost), describe(dup), describe(extra))


def wait_opened(dm, path, n):
    """Waits until the daemon opened a new file at path n times (it says
    so on stderr at once; the match log is written out each second)."""
    said = "%s: following from its start" % path
    dm.wait(lambda: dm.stderr().count(said) >= n, 20, "%s opened %d times" % (path, n))


def assert_ours(matches):
    """Every line of the match log is one the test wrote (none read from
    a compressed file, none made of the pieces of two)."""
    foreign = [m["message"][:80] for m in matches
               if not re.fullmatch(r"seq=\d{7} .*", m["message"])]
    assert not foreign, "%d lines not written by the test: %s" % (len(foreign), foreign[:5])


def settled_once(dm, want):
    """Waits for want, lets doubles show, stops the daemon, checks once."""
    wait_seqs(dm, want)
    time.sleep(SETTLE)
    dm.stop()
    assert_ours(dm.matches())
    assert_once(seqs(dm.matches()), want)


def logdir(d):
    """d/logs, made."""
    path = os.path.join(d, "logs")
    os.makedirs(path, exist_ok=True)
    return path


# 1. Files: append, rotations, truncation, deletion, symlinks, globs.

def test_daemon_append_from_end_then_restart_from_checkpoint(d):
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    before = w.write(log, 3)  # there before the first start: not read
    dm = Daemon(d, [{"path": log, "name": "app"}])
    try:
        dm.start()
        assert "app.log: following from its end" in dm.stderr(), dm.diag()
        want = w.write(log, 5)
        wait_seqs(dm, want)
        dm.stop()
        want += w.write(log, 4)  # while it is stopped
        dm.start()
        assert "going on from byte" in dm.stderr(True), dm.diag()
        want += w.write(log, 4)
        settled_once(dm, want)
        assert not set(before) & set(seqs(dm.matches()))
    finally:
        dm.close()


def rename_rotation(d, pattern, **keys):
    """mv app.log app.log.1 while a writer still holds it, then a new
    app.log; twice. pattern: the source's path (exact or a glob)."""
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    open(log, "w").close()
    dm = Daemon(d, [{"path": pattern % log, "name": "app"}], **keys)
    try:
        dm.start()
        want = []
        for r in range(2):
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            want += w.write(log, 5, fd=fd)
            if r == 1:
                os.rename(log + ".1", log + ".2")
            os.rename(log, log + ".1")
            want += w.write(None, 3, fd=fd)  # the writer has not reopened yet
            os.close(fd)
            want += w.write(log, 1)
            # the daemon must have opened the new file before it is
            # renamed in its turn, or (exact path) it never sees it
            wait_opened(dm, log, r + 1)
            want += w.write(log, 4)
        settled_once(dm, want)
        return dm.stderr()
    finally:
        dm.close()


def test_daemon_rename_rotation_exact_path(d):
    err = rename_rotation(d, "%s")
    assert "rotated or removed: reading the old file to its end" in err, err


def test_daemon_rename_rotation_glob_goes_on_under_new_name(d):
    err = rename_rotation(d, "%s*")
    assert re.search(r"app\.log: now at \S+app\.log\.1: going on there", err), err


def test_daemon_rename_rotation_polling_only(d):
    rename_rotation(d, "%s", inotify=False)


def test_daemon_copytruncate_shorter_and_rewritten_longer(d):
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    try:
        dm.start()
        want = w.write(log, 20)
        wait_seqs(dm, want)  # read up to the end before the rotation
        shutil.copy(log, log + ".1")
        os.truncate(log, 0)
        want += w.write(log, 3)  # shorter than before: seen as a shrink
        wait_seqs(dm, want)
        shutil.copy(log, log + ".2")
        # truncated and written past the old end before the daemon looks:
        # the same size or more, but another head
        with open(log, "r+b") as f:
            f.truncate(0)
            f.write("".join(w.lines(30)).encode())
        want += list(range(w.n - 29, w.n + 1))
        settled_once(dm, want)
        assert "truncated in place" in dm.stderr(), dm.diag()
    finally:
        dm.close()


def test_daemon_copytruncate_lines_unread_at_the_truncation_come_from_the_copy(d):
    # The daemon is stopped (SIGSTOP) while lines are written and the file
    # is copied and truncated: the lines it had not read are only in the
    # copy. It finds the copy by its first bytes and reads it from where it
    # was, before the truncated file's new lines: nothing lost, in order.
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    try:
        dm.start()
        want = w.write(log, 20)
        wait_seqs(dm, want)
        dm.signal(signal.SIGSTOP)
        want += w.write(log, 50)          # unread at the truncation
        shutil.copy(log, log + ".1")
        os.truncate(log, 0)
        want += w.write(log, 5)           # shorter than before
        dm.signal(signal.SIGCONT)
        settled_once(dm, want)
        got = seqs(dm.matches())
        assert got == sorted(got), "out of order"
        assert "reading its copy" in dm.stderr(), dm.diag()
    finally:
        dm.close()


def test_daemon_copytruncate_writer_without_append_leaves_nuls(d):
    # A writer that does not use O_APPEND goes on at its own offset after
    # the truncation: the file starts with a hole of NUL bytes.
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    try:
        dm.start()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT, 0o644)
        want = w.write(None, 10, fd=fd)
        wait_seqs(dm, want)
        shutil.copy(log, log + ".1")
        os.truncate(log, 0)
        want += w.write(None, 5, fd=fd)
        os.close(fd)
        with open(log, "rb") as f:
            assert f.read(1) == b"\0"  # the hole is there
        settled_once(dm, want)
        assert all("\0" not in m["message"] for m in dm.matches())
    finally:
        dm.close()


def test_daemon_copytruncate_under_a_fast_writer(d):
    # copytruncate loses what the writer adds between the copy and the
    # truncation, and the daemon cannot read what it had not read before
    # the truncation (it is only in the copy, which it does not follow):
    # the lines it misses are one run just before the first line of the
    # truncated file. Everything after is there, nothing twice.
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    stop = threading.Event()

    def writer():
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        while not stop.is_set():
            w.write(None, 20, fd=fd)
            time.sleep(0.002)
        os.close(fd)

    try:
        dm.start()
        t = threading.Thread(target=writer)
        t.start()
        rot = 0
        try:
            for rot in range(1, 4):
                time.sleep(0.4)
                shutil.copy(log, "%s.%d" % (log, rot))
                os.truncate(log, 0)
            time.sleep(0.4)
        finally:
            stop.set()
            t.join()
        with open(log) as f:
            after = seqs({"message": l} for l in f)
        wait_seqs(dm, after)
        time.sleep(SETTLE)
        dm.stop()
        assert_ours(dm.matches())
        got = seqs(dm.matches())
        c = collections.Counter(got)
        assert not [n for n, k in c.items() if k > 1], "doubled lines"
        assert got == sorted(got), "out of order"
        missing = sorted(set(range(1, w.n + 1)) - set(got))
        # at most one run of missing lines per truncation
        runs = [n for i, n in enumerate(missing) if i == 0 or missing[i - 1] != n - 1]
        assert len(runs) <= rot, "lines missing in %d places: %s" % (len(runs), describe(missing))
        assert w.n > 1000 and len(missing) < w.n / 4, (w.n, describe(missing))
        assert dm.stderr().count("truncated in place") >= rot, dm.diag()
    finally:
        stop.set()
        dm.close()


def test_daemon_copytruncate_while_stopped(d):
    # Truncated while the daemon was down: it cannot tell what was in the
    # file after the place it had read (that is in the copy only), so it
    # says from which byte lines may be missing and reads the new content.
    log = os.path.join(logdir(d), "app.log")
    open(log, "w").close()
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    try:
        dm.start()
        want = w.write(log, 10)
        wait_seqs(dm, want)
        dm.stop()
        read = os.path.getsize(log)
        unread = w.write(log, 2)  # written after the stop: only in the copy
        shutil.copy(log, log + ".1")
        os.truncate(log, 0)
        want += w.write(log, 3)
        dm.start()
        assert "lines after byte %d of it may be missing" % read in dm.stderr(True), dm.diag()
        want += w.write(log, 2)
        settled_once(dm, want)
        assert not set(unread) & set(seqs(dm.matches()))
    finally:
        dm.close()


def test_daemon_delete_and_recreate(d):
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    open(log, "w").close()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    try:
        dm.start()
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        want = w.write(None, 5, fd=fd)
        os.unlink(log)
        want += w.write(None, 3, fd=fd)  # into the deleted file
        os.close(fd)
        want += w.write(log, 4)
        settled_once(dm, want)
    finally:
        dm.close()


def test_daemon_symlink_swap(d):
    logs = logdir(d)
    link, a, b = (os.path.join(logs, n) for n in ("current.log", "a.log", "b.log"))
    w = Writer()
    want = []
    open(a, "w").close()
    os.symlink(a, link)
    dm = Daemon(d, [{"path": link, "name": "app"}])
    try:
        dm.start()
        want += w.write(a, 5)
        want += w.write(b, 3)  # the next target, written before the swap
        os.symlink(b, link + ".tmp")
        os.rename(link + ".tmp", link)  # atomic, as ln -sfn + mv -T do
        want += w.write(a, 2)  # late lines into the old target
        want += w.write(b, 4)
        settled_once(dm, want)
    finally:
        dm.close()


def test_daemon_glob_gains_files_never_compressed_ones(d):
    logs = logdir(d)
    w = Writer()
    a = os.path.join(logs, "a.log")
    open(a, "w").close()
    dm = Daemon(d, [{"path": os.path.join(logs, "*"), "name": "app"}])
    try:
        dm.start()
        want = w.write(a, 3)
        want += w.write(os.path.join(logs, "b.log"), 4)
        with gzip.open(os.path.join(logs, "old.log.gz"), "wb") as f:
            f.write("".join(w.lines(5)).encode())
        want += w.write(os.path.join(logs, "c.log"), 2)
        want += w.write(a, 2)
        settled_once(dm, want)
    finally:
        dm.close()


# logrotate: a real run with its own configuration and state file.

LOGROTATE = """\
{log} {{
    rotate 3
    missingok
    {how}
}}
"""


def logrotate_bin():
    """logrotate's path (in /usr/sbin, not always in a user's PATH)."""
    for path in (shutil.which("logrotate"), "/usr/sbin/logrotate"):
        if path and os.path.exists(path):
            return path
    raise AssertionError("logrotate missing: make deps installs it")


def logrotate(d, log, how):
    """Runs logrotate -f once on log with 'how' (directives); fails on error."""
    conf = write(d, "logrotate.conf", LOGROTATE.format(log=log, how=how))
    os.chmod(conf, 0o644)
    p = subprocess.run([logrotate_bin(), "-f", "-s", os.path.join(d, "logrotate.state"), conf],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode(errors="replace")


def logrotate_case(d, pattern, how, catch_up):
    """Five rotations by logrotate (rotate 3: the oldest go) while lines
    are written. catch_up: wait until the daemon read everything before
    each rotation (copytruncate cannot keep what was not read); else only
    until it opened the new file, so the lines written just before a
    rotation may still be unread when it comes."""
    logrotate_bin()
    log = os.path.join(logdir(d), "app.log")
    w = Writer()
    open(log, "w").close()
    dm = Daemon(d, [{"path": pattern % log, "name": "app"}])
    try:
        dm.start()
        want = []
        for r in range(5):
            want += w.write(log, 7)
            if catch_up:
                wait_seqs(dm, want)
            logrotate(d, log, how)
            assert os.path.exists(log)
            if not catch_up:  # the new file is open before the next rotation
                wait_opened(dm, log, r + 1)
        want += w.write(log, 3)
        settled_once(dm, want)
        return os.listdir(os.path.dirname(log))
    finally:
        dm.close()


def test_daemon_logrotate_create(d):
    files = logrotate_case(d, "%s", "create 0644", False)
    assert sorted(files) == ["app.log", "app.log.1", "app.log.2", "app.log.3"], files


def test_daemon_logrotate_create_glob(d):
    logrotate_case(d, "%s*", "create 0644", False)


def test_daemon_logrotate_copytruncate(d):
    files = logrotate_case(d, "%s", "copytruncate", True)
    assert sorted(files) == ["app.log", "app.log.1", "app.log.2", "app.log.3"], files


def test_daemon_logrotate_compress_delaycompress_glob(d):
    # the glob names the .gz files too: they must not be read (again)
    files = logrotate_case(d, "%s*", "create 0644\n    compress\n    delaycompress", False)
    assert sorted(files) == ["app.log", "app.log.1", "app.log.2.gz", "app.log.3.gz"], files


# 2. kill -9 at random moments while a writer appends and rotates.

T0 = 1710493200.0  # 2024-03-15T09:00:00Z, the writer's first event time
STEP = 0.05        # event seconds between two lines, at least
QUIET = 5          # the incident quiet period, event seconds

FAILURES = ["Out of memory: Killed process %d (java)",
            "upstream timed out (110: Connection timed out) while reading response header from upstream"]
RECOVERY = "database system is ready to accept connections"
DEPLOY = "Successfully rolled out deployment/web"


class ChaosFile:
    """One file of the writer: its path, its rotations and its lines."""

    def __init__(self, path, every):
        self.path = path
        self.every = every  # lines between rotations: (least, most)
        self.text = []
        self.rotations = 0
        self.next_rotation = 0


class ChaosWriter:
    """Appends numbered lines in small batches to two files, app/app.log
    (followed by a glob, app.log*) and svc/svc.log (followed by its exact
    path), and rotates each now and then (X.K -> X.K+1, X -> X.1, nothing
    deleted); in bursts of failures that open incidents, with recoveries
    and deploys among ordinary lines. One event clock for both files, so
    the merged order of the two is the order of writing. Event time
    advances at least twice as fast as the wall clock between two lines,
    so the daemon's idle clock (event time going on at the wall clock's
    pace from the newest line) never passes a line not yet written."""

    def __init__(self, logs, rng):
        self.rng = rng
        # the exact path's file rotates more seldom: one rotated twice
        # while the daemon is down and starting would be lost, rightly
        self.files = [ChaosFile(os.path.join(logs, "app", "app.log"), (300, 1500)),
                      ChaosFile(os.path.join(logs, "svc", "svc.log"), (1500, 3000))]
        for f in self.files:
            os.makedirs(os.path.dirname(f.path))
            f.next_rotation = rng.randint(*f.every)
        self.n = 0
        self.ts = T0
        self.wall = None
        self.burst = 0
        self.last_failure = T0
        self.stop = threading.Event()
        self.error = None

    def body(self):
        """What the next line says."""
        r = self.rng.random()
        if self.burst > 0:
            self.burst -= 1
            if r < 0.5:
                self.last_failure = self.ts
                return "app[7]", self.failure()
            return "app[7]", "request served"
        if r < 0.004:
            self.burst = self.rng.randint(3, 40)
            return "deployer[9]", DEPLOY
        if r < 0.008:
            self.burst = self.rng.randint(3, 40)
            return "app[7]", "request served"
        if r < 0.010:
            return "postgres[5]", RECOVERY
        if r < 0.012:  # a lone failure: opens nothing (min_failures 2)
            self.last_failure = self.ts
            return "app[7]", self.failure()
        return "app[7]", "request served"

    def failure(self):
        """One of the failure lines."""
        f = self.rng.choice(FAILURES)
        return f % self.rng.randint(100, 999) if "%d" in f else f

    def line(self, f, prog=None, body=None):
        """The next line, for file f, its event time moved on."""
        now = time.monotonic()
        if self.wall is not None:
            self.ts += STEP + 2 * (now - self.wall)
        self.wall = now
        if prog is None:
            prog, body = self.body()
        self.n += 1
        t = "%s web1 %s: seq=%07d %s\n" % (stamp(self.ts), prog, self.n, body)
        f.text.append(t)
        return t

    def rotate(self, f):
        """Shifts every rotated file of f one up and f to f.1."""
        for k in range(f.rotations, 0, -1):
            os.rename("%s.%d" % (f.path, k), "%s.%d" % (f.path, k + 1))
        os.rename(f.path, f.path + ".1")
        f.rotations += 1

    def append(self, f, lines):
        """Writes lines to f in one write."""
        fd = os.open(f.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, "".join(lines).encode())
        os.close(fd)

    def run(self):
        """The thread: batches until told to stop, then a tail of ordinary
        lines and a deploy later than the quiet period after the last
        failure, so that every incident closes in the lines themselves."""
        try:
            while not self.stop.is_set():
                f = self.rng.choice(self.files)
                self.append(f, [self.line(f) for _ in range(self.rng.randint(1, 8))])
                if len(f.text) >= f.next_rotation:
                    self.rotate(f)
                    f.next_rotation += self.rng.randint(*f.every)
                time.sleep(self.rng.uniform(0.002, 0.015))
            self.burst = 0
            f = self.files[0]
            tail = []
            while self.ts < self.last_failure + QUIET + 2:
                tail.append(self.line(f, "app[7]", "request served"))
            tail.append(self.line(f, "deployer[9]", DEPLOY))
            self.append(f, tail)
        except Exception as e:  # reported by the test
            self.error = e


def strip_positions(inc):
    """An incident without its entries' line numbers: the daemon numbers
    the lines of each file it follows (a rotation starts again at 1),
    replay those of the one file the rotated ones were concatenated into.
    Each entry's first and last times (every line of the writer has its
    own) and its message (with the line's sequence number) still say
    which lines it covers."""
    inc = dict(inc)
    inc["timeline"] = [{k: v for k, v in e.items() if k not in ("line_first", "line_last")}
                       for e in inc["timeline"]]
    return inc


def kill9_cycles(d, cycles, seed):
    """The kill -9 test body: cycles of run, kill -9 at a random moment,
    restart, under one writer of two files; then the match log and the journal are
    compared with what was written and with replay."""
    rng = random.Random(seed)
    logs = logdir(d)
    dm = Daemon(d, [{"path": os.path.join(logs, "app", "app.log*"), "name": "app"},
                    {"path": os.path.join(logs, "svc", "svc.log"), "name": "svc"}],
                read_from_head=True, incident={"quiet_period_s": QUIET})
    w = ChaosWriter(logs, random.Random(rng.random()))
    t = threading.Thread(target=w.run)
    try:
        dm.start()
        t.start()
        # Mostly short lives; three in ten long enough for the merge to
        # let matches go (a file quiet for 2 s stops holding it back) and
        # incidents to close and be journaled.
        lives = [rng.uniform(0.05, 1.2) for _ in range(cycles - cycles * 3 // 10)]
        lives += [rng.uniform(2.2, 3.5) for _ in range(cycles * 3 // 10)]
        rng.shuffle(lives)
        for life in lives:
            time.sleep(life)
            dm.kill9()
            if rng.random() < 0.3:
                time.sleep(rng.uniform(0.05, 0.5))  # down for a while
            dm.start(ready=rng.random() < 0.5)  # sometimes killed while starting
        dm.wait(lambda: True, 1, "the last start")
        w.stop.set()
        t.join()
        assert w.error is None, w.error
        want = list(range(1, w.n + 1))
        wait_seqs(dm, want, timeout=60)
        # each file's rotations concatenated in order into one file named
        # as its source, so that the entries' sources are the same
        rdir = os.path.join(d, "replay")
        os.mkdir(rdir)
        write(rdir, "app", "".join(w.files[0].text))
        write(rdir, "svc", "".join(w.files[1].text))
        st, out, err = run(["replay", "-c", dm.conf_path, "--format", "json", "app", "svc"], rdir)
        assert st == 0, err
        replayed = replay_json(out)["incidents"]
        assert replayed and all(not i.get("open") for i in replayed), \
            [(i["id"], i.get("open")) for i in replayed]
        dm.wait(lambda: len(dm.journal()) >= len(replayed), 30, "%d incidents" % len(replayed),
                lambda: "journal: %s" % [i["id"] for i in dm.journal()])
        time.sleep(SETTLE)
        dm.stop()
        assert_ours(dm.matches())
        assert_once(seqs(dm.matches()), want, "match log:")
        got = dm.journal()
        ids = [i["id"] for i in got]
        assert len(ids) == len(set(ids)), "journaled twice: %s" % [
            i for i, k in collections.Counter(ids).items() if k > 1]
        got = {i["id"]: strip_positions(i) for i in got}
        exp = {i["id"]: strip_positions(i) for i in replayed}
        assert sorted(got) == sorted(exp), "ids: daemon only %s, replay only %s" % (
            sorted(set(got) - set(exp)), sorted(set(exp) - set(got)))
        for k in sorted(exp):
            assert got[k] == exp[k], "incident %s differs:\ndaemon %s\nreplay %s" % (
                k, got[k], exp[k])
        return len(want), len(exp), sum(f.rotations for f in w.files)
    finally:
        w.stop.set()
        if t.is_alive():
            t.join()
        dm.close()


def test_daemon_kill9_cycles(d):
    cycles = int(os.environ.get("TIMELINED_KILL9_CYCLES", "20"))
    seed = int(os.environ.get("TIMELINED_KILL9_SEED") or random.randrange(1 << 32))
    try:
        lines, incidents, rotations = kill9_cycles(d, cycles, seed)
    except Exception as e:
        raise AssertionError("kill -9 cycles failed with TIMELINED_KILL9_SEED=%d: %s" % (seed, e)) from e
    print("kill -9: %d cycles, %d lines, %d rotations, %d incidents (seed %d)" % (
        cycles, lines, rotations, incidents, seed))


# 3. Syslog: logger over UDP and TCP, a real rsyslogd relaying a file.

def receivers(dm):
    """{'udp'|'tcp': port} of the daemon's receivers, from its stderr."""
    got = re.findall(r"receiving syslog over (UDP|TCP) on 127\.0\.0\.1:(\d+)", dm.stderr(True))
    return {proto.lower(): int(port) for proto, port in got}


def incident_hosts(inc):
    """The hosts of an incident's timeline entries."""
    return sorted({e.get("host") for e in inc["timeline"]})


def test_daemon_syslog_logger_and_rsyslog_relay_arrive_with_hosts(d):
    from test_syslog_recv import HOST, RSYSLOG_CONF, logger, rsyslogd
    dm = Daemon(d, [{"syslog_udp": "127.0.0.1:0", "name": "udp"},
                    {"syslog_tcp": "127.0.0.1:0", "name": "tcp"}],
                incident={"quiet_period_s": 1})
    rs = None
    try:
        dm.start()
        port = receivers(dm)
        assert sorted(port) == ["tcp", "udp"], dm.diag()
        oom = "seq=%07d Out of memory: Killed process %d (java)"
        up, tp = str(port["udp"]), str(port["tcp"])
        logger("--udp", "-n", "127.0.0.1", "-P", up, "-t", "app", oom % (1, 101))
        logger("--udp", "--rfc3164", "-n", "127.0.0.1", "-P", up, "-t", "app", oom % (2, 102))
        logger("--tcp", "-n", "127.0.0.1", "-P", tp, "-t", "app",
               stdin=("%s\n%s\n" % (oom % (3, 103), oom % (4, 104))).encode())
        logger("--tcp", "--octet-count", "-n", "127.0.0.1", "-P", tp, "-t", "app", oom % (5, 105))
        wait_seqs(dm, range(1, 6))
        by_seq = {s: m for s, m in zip(seqs(dm.matches()), dm.matches())}
        assert [by_seq[s]["source"] for s in range(1, 6)] == ["udp", "udp", "tcp", "tcp", "tcp"], by_seq
        assert all(by_seq[s]["rule"] == "kernel.oom_kill" for s in range(1, 6)), by_seq
        dm.wait(lambda: len(dm.journal()) == 1, 20, "the logger incident to close")
        # RFC 5424 carries the full name, an RFC 3164 header its first label
        assert incident_hosts(dm.journal()[0]) in ([HOST], sorted({HOST, HOST.split(".")[0]})), \
            dm.journal()[0]
        # a restart goes on in the spool files: nothing read twice
        dm.stop()
        dm.start()
        port = receivers(dm)
        tp = str(port["tcp"])

        path, why = rsyslogd()
        assert path is not None, "rsyslogd: %s (make deps installs rsyslog)" % why
        log = write(d, "app.log", "".join(oom % (n, 200 + n) + "\n" for n in (6, 7)))
        os.mkdir(os.path.join(d, "work"))
        conf = RSYSLOG_CONF.format(work=os.path.join(d, "work"), log=log, octet=tp, trad=tp)
        # one action: octet-counted RFC 5424 (the relay line of docs/syslog.md)
        conf = conf[:conf.index("# rsyslog's defaults")]
        conf = write(d, "rsyslog.conf", conf)
        rs = subprocess.Popen([path, "-n", "-f", conf, "-i", os.path.join(d, "rsyslogd.pid")],
                              stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(d, "rsyslogd.err"), "w"))
        wait_seqs(dm, [6, 7], timeout=30)
        with open(log, "a") as f:  # appended while both run
            f.write("".join(oom % (n, 200 + n) + "\n" for n in (8, 9)))
        wait_seqs(dm, [8, 9], timeout=30)
        # one incident, or two if the first closed before 8 came
        dm.wait(lambda: sum(i["failures"] for i in dm.journal()[1:]) == 4, 20,
                "the relayed incidents to close", lambda: str(dm.journal()))
        for inc in dm.journal()[1:]:
            assert incident_hosts(inc) == ["relayhost"], inc
        assert dm.journal()[0]["failures"] == 5, dm.journal()
        rs.terminate()
        assert rs.wait(timeout=20) == 0
        rs = None
        time.sleep(SETTLE)
        dm.stop()
        assert_ours(dm.matches())
        assert_once(seqs(dm.matches()), range(1, 10))
    finally:
        if rs is not None and rs.poll() is None:
            rs.kill()
            rs.wait()
        dm.close()


# 4. SIGHUP: a good new configuration takes effect, a broken one is named.

WIDGET = """{
  "rules": [
    {
      "id": "test.widget",
      "category": "crash",
      "pattern": "widget (?<what>\\\\w+) exploded",
      "examples": {"match": ["widget left exploded"], "no_match": ["widget fine"]}
    }
  ]
}
"""


def test_daemon_sighup_new_rules_and_broken_config(d):
    log = os.path.join(logdir(d), "app.log")
    open(log, "w").close()
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    rules = write(d, "widget.json", WIDGET)
    try:
        dm.start()

        def rule_of(seq):
            wait_seqs(dm, [seq])
            return {s: m for s, m in zip(seqs(dm.matches()), dm.matches())}[seq]["rule"]

        w.write(log, 1, "widget left exploded")
        assert rule_of(1) is None
        dm.conf["rules"] = [rules]
        dm.write_conf()
        dm.signal(signal.SIGHUP)
        dm.wait(lambda: "reloaded %s" % dm.conf_path in dm.stderr(True), 10, "the reload")
        w.write(log, 1, "widget right exploded")
        assert rule_of(2) == "test.widget"

        # a broken configuration: an unknown key on line 3
        good = open(dm.conf_path).read()
        dm.write_conf('{\n "state_dir": "%s",\n "sauces": []\n}\n' % dm.conf["state_dir"])
        dm.signal(signal.SIGHUP)
        dm.wait(lambda: "reload failed" in dm.stderr(True), 10, "the failed reload")
        assert "%s:3: sauces: unknown key" % dm.conf_path in dm.stderr(True), dm.diag()
        w.write(log, 1, "widget top exploded")
        assert rule_of(3) == "test.widget"  # the old configuration goes on

        # a broken rule file: a pattern PCRE2 refuses (named by the line
        # of its rule's "id", 4, as docs/rules.md says)
        write(d, "widget.json", WIDGET.replace("(?<what>", "(?<what"))
        dm.write_conf(good)
        dm.signal(signal.SIGHUP)
        dm.wait(lambda: dm.stderr(True).count("reload failed") == 2, 10, "the second failed reload")
        assert re.search(r"%s:4: rule test\.widget: pattern error" % re.escape(rules), dm.stderr(True)), \
            dm.diag()
        w.write(log, 1, "widget bottom exploded")
        assert rule_of(4) == "test.widget"
        settled_once(dm, range(1, 5))
    finally:
        dm.close()


# 5. The New Year, by the daemon's clock (TIMELINED_CLOCK_OFFSET).

def test_daemon_new_year_rfc3164(d):
    midnight = datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    offset = int(round(midnight - 10 - time.time()))  # it starts at 23:59:50
    log = os.path.join(logdir(d), "syslog")
    open(log, "w").close()
    dm = Daemon(d, [{"path": log, "name": "syslog"}],
                env={"TIMELINED_CLOCK_OFFSET": str(offset)})
    try:
        dm.start()
        assert "TIMELINED_CLOCK_OFFSET=%d" % offset in dm.stderr(), dm.diag()
        assert time.time() + offset < midnight - 2, "started too slowly to test the old year"

        def put(n, when):
            with open(log, "a") as f:
                f.write("%s web1 app[7]: seq=%07d a line\n" % (when, n))

        put(1, "Dec 31 23:59:55")
        wait_seqs(dm, [1])
        wait_until(lambda: time.time() + offset > midnight + 1, 20, "midnight by the daemon's clock")
        put(2, "Jan  1 00:00:05")
        put(3, "Dec 31 23:59:59")  # written late: still the old year
        settled_once(dm, [1, 2, 3])
        ts = {s: m["ts"] for s, m in zip(seqs(dm.matches()), dm.matches())}
        assert ts == {1: "2030-12-31T23:59:55Z", 2: "2031-01-01T00:00:05Z",
                      3: "2030-12-31T23:59:59Z"}, ts
    finally:
        dm.close()


# 6. A torn checkpoint, and one of another version: the previous is used.

def test_daemon_torn_or_foreign_checkpoint_uses_previous(d):
    log = os.path.join(logdir(d), "app.log")
    open(log, "w").close()
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}])
    state = os.path.join(dm.conf["state_dir"], "state.json")
    want = []

    def committed():
        """1 if the checkpoint counts the whole match log."""
        try:
            with open(state) as f:
                return json.load(f)["match_log"] == os.path.getsize(dm.conf["match_log"])
        except (OSError, ValueError):
            return 0

    try:
        for spoil, said in ((lambda t: t[:len(t) // 2], r"state\.json:1: a torn checkpoint"),
                            (lambda t: t.replace('"timelined_state":1', '"timelined_state":99'),
                             r"state\.json: a checkpoint of another version")):
            dm.start()
            want += w.write(log, 5)
            wait_seqs(dm, want)
            dm.wait(committed, 10, "a checkpoint with them")
            with open(state) as f:
                earlier = f.read()
            want += w.write(log, 5)
            wait_seqs(dm, want)
            dm.stop()
            # The previous checkpoint is the one before these 5 lines (the
            # daemon's own, kept aside: the last two it wrote may both
            # count them), so going on from it reads them again and the
            # match log must be cut back to where it counted.
            with open(state + ".prev", "w") as f:
                f.write(earlier)
            want += w.write(log, 4)  # while stopped: only a checkpoint finds them
            with open(state) as f:
                text = f.read()
            with open(state, "w") as f:
                f.write(spoil(text))
            dm.start()
            err = dm.stderr(True)
            assert re.search(said, err), err
            assert "state.json.prev: using the previous checkpoint" in err, err
            want += w.write(log, 3)
            wait_seqs(dm, want)
            time.sleep(SETTLE)
            dm.stop()
            assert_ours(dm.matches())
            assert_once(seqs(dm.matches()), want)
    finally:
        dm.close()


# 7. A line longer than max_line.

def test_daemon_long_line_cut_and_reading_goes_on(d):
    log = os.path.join(logdir(d), "app.log")
    open(log, "w").close()
    w = Writer()
    dm = Daemon(d, [{"path": log, "name": "app"}], max_line=1024)
    try:
        dm.start()
        want = w.write(log, 2)
        want += w.write(log, 1, "x" * 5000)
        want += w.write(log, 2)
        want += w.write(log, 1, "y" * 600000)  # longer than one read (256 KiB)
        want += w.write(log, 3)
        settled_once(dm, want)
        by_seq = {s: m for s, m in zip(seqs(dm.matches()), dm.matches())}
        for s in (3, 6):
            assert by_seq[s].get("truncated") is True, s
            assert len(by_seq[s]["message"].encode()) <= 1024, len(by_seq[s]["message"])
        assert [s for s, m in by_seq.items() if m.get("truncated")] == [3, 6]
    finally:
        dm.close()
