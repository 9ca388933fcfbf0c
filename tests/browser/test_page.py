#!/usr/bin/env python3
"""Browser tests of the incident page (daemon/page/index.html) in headless Chromium.

usage: tests/browser/run [./timelined] [--page FILE] [--out DIR] [--docs]
                         [--base-url URL --log FILE [--token T] [--restart CMD]]
                         [NAME...]

By default each test starts tests/tools/mock_api.py (the API served from a
`timelined replay --format json` report of examples/driver-update) and
drives the page in a real headless Chromium over the DevTools pipe
(cdp.py). Live lines are made for real: the test writes log lines stamped
with the current time, runs `timelined replay` on them, and pushes the
incident and entries it reports through the mock's stream, as the daemon
will. With --base-url the same live tests run against a running daemon
instead: the lines are appended to --log (a file the daemon tails) and
--restart is a shell command that restarts it.

Screenshots go to build/browser/ (--out); --docs also writes
docs/img/live-page.png. Prints one line per test, then 'N passed, N failed'.
"""
import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import cdp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MOCK = os.path.join(ROOT, "tests", "tools", "mock_api.py")
DU = os.path.join(ROOT, "examples", "driver-update")
DU_ID = "2024-03-15T09:00:01Z-db"
TOKEN = "s3cret-test-token"
DU_MADE = []

OPT = None


# ---- helpers ---------------------------------------------------------------

def http(url, body=None, headers=None):
    """GET (or POST a JSON body); returns (status, decoded JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers or {},
                                 method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def iso(t):
    """RFC 3339 UTC with milliseconds."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def replay(files, display_tz="Africa/Lagos", extra=()):
    """The JSON report `timelined replay` makes of files."""
    out = subprocess.run([OPT.bin, "replay", "--format", "json", "--display-tz", display_tz]
                         + list(extra) + list(files),
                         capture_output=True, check=True, timeout=60).stdout
    return json.loads(out)


def driver_update_report():
    """The bundled incident, replayed as the README's demo does."""
    path = os.path.join(OPT.out, "driver-update.json")
    if not DU_MADE:          # once per run, from the binary under test
        DU_MADE.append(path)
        files = [os.path.join(DU, "syslog")] + sorted(
            os.path.join(DU, f) for f in os.listdir(DU) if f.endswith(".log"))
        rep = replay(files, extra=["--year", "2024", "--source-tz", "syslog=Africa/Lagos"])
        # Sources as a user names them, not this machine's paths.
        for inc in rep["incidents"]:
            for e in inc["timeline"]:
                for k in ("source", "source_last"):
                    if e.get(k):
                        e[k] = os.path.relpath(e[k], ROOT)
        with open(path, "w") as f:
            json.dump(rep, f)
    with open(path) as f:
        return json.load(f)


class LiveLog:
    """Log lines stamped now that open a database incident after a deploy."""

    def __init__(self, host):
        self.host = host
        self.t0 = time.time()
        self.lines = []
        self.path = os.path.join(OPT.tmp, "live-%s.log" % host)
        open(self.path, "w").close()

    def add(self, ago, level, msg):
        """One JSON line, `ago` seconds before the test started."""
        self.lines.append(json.dumps({"time": iso(self.t0 - ago), "level": level,
                                      "host": self.host, "msg": msg}))

    def first_batch(self):
        """A deploy, then three connection failures: an incident opens."""
        self.add(900, "info", "Deploying release v9.1.0 (db driver pgx 5.6.0 -> 5.7.0)")
        for k in range(3):
            self.add(300 - 30 * k, "error", self.failure())
        return self.flush()

    def second_batch(self):
        """Three more failures (the run grows) and an upstream timeout."""
        for k in range(3, 6):
            self.add(300 - 30 * k, "error", self.failure())
        self.add(100, "error", "upstream timed out (110: Connection timed out) "
                               "while reading response header from upstream")
        return self.flush()

    def failure(self):
        """The pgx connection failure line."""
        return ("failed to connect to `host=db2.internal user=shop database=shop`: "
                "dial error (dial tcp 10.9.9.9:5432: connect: connection refused)")

    def flush(self):
        """Appends the new lines to the file; returns how many."""
        with open(self.path, "a") as f:
            for l in self.lines:
                f.write(l + "\n")
        n = len(self.lines)
        self.lines = []
        return n

    def report(self):
        """What timelined makes of the file so far."""
        return replay([self.path])


# ---- backends: the mock API, or a running daemon ----------------------------

class Mock:
    """tests/tools/mock_api.py as a child process."""

    def __init__(self, data=None, page=None, port=0):
        self.data = data
        self.page = page or OPT.page
        self.port = port
        self.start()

    def start(self, data=None):
        """Starts (or restarts) the server on the same port."""
        if data is not None:
            self.data = data
        args = [sys.executable, MOCK, "--port", str(self.port), "--token", TOKEN,
                "--page", self.page]
        if self.data is not None:
            path = os.path.join(OPT.tmp, "mock-%d.json" % time.monotonic_ns())
            with open(path, "w") as f:
                json.dump(self.data, f)
            args += ["--data", path]
        for _ in range(50):
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            line = self.proc.stdout.readline()
            if line.startswith("listening on "):
                break
            self.proc.wait()
            time.sleep(0.1)   # the old socket may still be closing
        else:
            raise RuntimeError("mock_api did not start: %s" % self.proc.stderr.read())
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def kill(self):
        """Stops the server the hard way, as a crash would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def push(self, **msg):
        """One /_test/push."""
        st, res = http(self.url + "_test/push", msg)
        assert st == 200, (st, res)

    def publish(self, rep, only=None):
        """Pushes a replay report's incidents and entries, as the daemon streams them."""
        for inc in rep["incidents"]:
            self.push(type="incident", incident={k: v for k, v in inc.items() if k != "timeline"})
            for e in inc["timeline"]:
                if only is None or e["id"] in only:
                    self.push(type="entry", incident=inc["id"], entry=e)

    def close(self):
        """Stops the server."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


class Daemon:
    """A running timelined given by --base-url; lines go to --log."""

    def __init__(self):
        self.url = OPT.base_url.rstrip("/") + "/"

    def publish_lines(self, live):
        """Appends the live log's new lines to the tailed file (each once:
        the live log keeps them all)."""
        with open(live.path) as src, open(OPT.log, "a") as dst:
            src.seek(getattr(live, "published", 0))
            dst.write(src.read())
            live.published = src.tell()

    def close(self):
        """Nothing to stop."""


# ---- the page --------------------------------------------------------------

def open_page(url, width=1280, height=720, scheme="light"):
    """A fresh tab on url, once the page has drawn."""
    page = BROWSER.new_page(width, height)
    PAGES.append(page)
    page.color_scheme(scheme)
    page.goto(url)
    page.js("window.__noReload = 1")
    page.wait("!!document.querySelector('section.inc, .empty')", what="the incident list")
    return page


def section(iid):
    """JS for the section of incident iid."""
    return "document.getElementById(%s)" % json.dumps("inc-" + iid)


def text_of(page, iid, sel):
    """Texts of the elements matching sel in incident iid's section."""
    return page.js("[...%s.querySelectorAll(%s)].map(e => e.textContent)"
                   % (section(iid), json.dumps(sel)))


def overlaps(page, iid, sel):
    """Pairs of rendered SVG texts (sel) whose boxes intersect."""
    return page.js("""(() => {
        const b = [...%s.querySelectorAll(%s)].map(t => [t.textContent, t.getBBox()]);
        const out = [];
        for (let i = 0; i < b.length; i++)
            for (let j = i + 1; j < b.length; j++) {
                const [p, q] = [b[i][1], b[j][1]];
                if (p.x < q.x + q.width && q.x < p.x + p.width &&
                    p.y < q.y + q.height && q.y < p.y + p.height)
                    out.push([b[i][0], b[j][0]]);
            }
        return out;
    })()""" % (section(iid), json.dumps(sel)))


def shot(page, name, full=False):
    """Saves a screenshot as a test artifact."""
    return page.screenshot(os.path.join(OPT.out, name), full=full)


def no_errors(page):
    """The page threw nothing and logged no error."""
    errs = [e for e in page.errors() if "Failed to load resource" not in e and
            "net::ERR_CONNECTION_REFUSED" not in e]
    assert not errs, errs


def click(page, js_el):
    """Clicks an element through real mouse events at its centre, once
    the layout has stopped moving (a redraw could shift it)."""
    where = ("(() => { const e = %s; e.scrollIntoView({block: 'center'}); "
             "const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()" % js_el)
    r, prev = page.js(where), None
    for _ in range(20):
        if r == prev:
            break
        time.sleep(0.1)
        prev, r = r, page.js(where)
    for kind in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", {"type": kind, "x": r[0], "y": r[1],
                                               "button": "left", "clickCount": 1})


def focus_and_type(page, js_el, text):
    """Focuses an input and types text into it."""
    page.js("%s.focus()" % js_el)
    page.type_text(text)


# ---- tests against the mock --------------------------------------------------

def test_lists_incident_with_milestones_lanes_and_evidence():
    rep = driver_update_report()
    inc = rep["incidents"][0]
    m = Mock(rep)
    try:
        p = open_page(m.url)
        p.wait("!!" + section(DU_ID))
        head = p.js(section(DU_ID) + ".querySelector('summary').textContent")
        assert "RESOLVED" in head and inc["title"] in head, head
        cards = " | ".join(text_of(p, DU_ID, ".card"))
        assert "2 h 36 min" in cards, cards            # duration_s 9388, humanised
        assert "10:00:01" in cards and "10:02:30" in cards, cards
        assert "TTD 2 min 28 s" in cards, cards
        trig = text_of(p, DU_ID, ".trig")[0]
        assert "deploy 13 min 24 s before" in trig, trig
        assert "examples/driver-update/syslog:15" in trig, trig
        notes = text_of(p, DU_ID, ".notes li")
        assert len(notes) == 1 and "persisted after the rollback" in notes[0], notes
        # Lanes: exactly the categories present, in the page's order.
        lanes = text_of(p, DU_ID, "svg .lanelab")
        want = {e["category"].replace("_", " ") for e in inc["timeline"]}
        assert set(lanes) == want and len(lanes) == len(want), (lanes, want)
        # A real axis: hour/half-hour ticks of the display zone.
        axis = [t for t in text_of(p, DU_ID, "svg text[text-anchor=middle]") if ":" in t]
        assert len(axis) >= 4 and "10:00" in axis and "12:00" in axis, axis
        assert overlaps(p, DU_ID, "svg .msl") == [], "milestone labels overlap"
        assert overlaps(p, DU_ID, "svg .ml") == [], "mark labels overlap"
        # The runs are bars with counts.
        ml = text_of(p, DU_ID, "svg .ml")
        assert any(t.startswith("\u00d746") for t in ml), ml
        rows = p.js("[...%s.querySelectorAll('tr[data-entry]')].map(r => r.textContent)" % section(DU_ID))
        assert len(rows) == len(inc["timeline"]), rows
        run = next(r for r in rows if "pgx: failed" in r)
        assert "10:00:01 \u2013 12:31:37" in run and "examples/driver-update/api.log:15-79" in run, run
        no_errors(p)
        shot(p, "driver-update-1280-light.png", full=True)
    finally:
        m.close()


def test_live_incident_appears_and_grows_without_reload():
    rep = driver_update_report()
    m = Mock(rep)
    try:
        p = open_page(m.url)
        live = LiveLog("api-7")
        live.first_batch()
        r1 = live.report()
        assert len(r1["incidents"]) == 1 and r1["incidents"][0]["open"], r1
        iid = r1["incidents"][0]["id"]
        m.publish(r1)
        p.wait("!!" + section(iid), what="the new incident")
        order = p.js("[...document.querySelectorAll('section.inc')].map(s => s.id)")
        assert order[0] == "inc-" + iid, order                  # open first
        assert "OPEN" in p.js(section(iid) + ".querySelector('.badge').textContent")
        p.wait("%s.querySelectorAll('tr[data-entry]').length === 2" % section(iid), what="two entries")
        run = r1["incidents"][0]["timeline"][1]["id"]
        cnt = "%s.querySelector('tr[data-entry=\"%s\"] td.n').textContent" % (section(iid), run)
        assert p.js(cnt) == "3", p.js(cnt)
        # More lines: the same run grows (an update, not a new row), a new entry appears.
        live.second_batch()
        r2 = live.report()
        assert r2["incidents"][0]["id"] == iid
        m.publish(r2)
        p.wait("%s === '6'" % cnt, what="the run's count to become 6")
        p.wait("%s.querySelectorAll('tr[data-entry]').length === 3" % section(iid), what="three entries")
        lanes = text_of(p, iid, "svg .lanelab")
        assert lanes == ["deploy", "db connection error", "upstream error"], lanes
        # The duration ticks while the incident is open.
        dur = "[...%s.querySelectorAll('.card')].find(c => c.textContent.startsWith('Duration')).querySelector('.v').textContent" % section(iid)
        a = p.js(dur)
        # It ticks each second; a loaded machine (a sanitizer build) may
        # run the page's timer late, so wait for the change, not 1.3 s.
        p.wait("%s !== %s" % (dur, json.dumps(a)), timeout=15, what="the duration to tick")
        b = p.js(dur)
        assert " min " in b, (a, b)
        assert p.js("window.__noReload") == 1, "the page reloaded"
        assert overlaps(p, iid, "svg .msl") == [], "milestone labels overlap"
        no_errors(p)
        shot(p, "live-new-incident.png")
    finally:
        m.close()


def test_zero_second_incident_labels_do_not_overlap():
    t = "2024-06-01T12:00:00Z"
    inc = {"id": "2024-06-01T12:00:00Z-crash", "title": "Crash", "start": t, "detected": t,
           "mitigated": t, "end": t, "duration_s": 0, "time_to_detect_s": 0,
           "categories": ["crash"], "triggers": [], "notes": [],
           "timeline": [{"id": "2024-06-01T12:00:00Z-crash#0", "ts": t, "first": t, "last": t,
                         "category": "crash", "rule": "crash.segfault", "title": "segfault",
                         "message": "app[1]: segfault at 0", "count": 1, "source": "syslog",
                         "line_first": 7, "line_last": 7}]}
    m = Mock({"schema": "timelined/1", "display_tz": "UTC", "incidents": [inc]})
    try:
        p = open_page(m.url)
        p.wait("!!" + section(inc["id"]))
        labels = text_of(p, inc["id"], "svg .msl")
        assert labels == ["start, detected, mitigated, end 12:00:00"], labels
        assert overlaps(p, inc["id"], "svg .msl") == [], "labels overlap"
        assert "0 s" in " ".join(text_of(p, inc["id"], ".card")), "duration"
        # One zone only: no switch to offer.
        assert p.js("document.querySelectorAll('#zone button').length") == 1
        no_errors(p)
        shot(p, "zero-second.png")
    finally:
        m.close()


def test_axis_ticks_are_round_in_the_chosen_zone():
    # India is UTC+05:30: whole hours there are half hours in UTC.
    a, b = "2024-06-01T06:00:00Z", "2024-06-01T12:00:00Z"
    inc = {"id": a + "-pool", "title": "Pool exhausted", "start": a, "end": b,
           "duration_s": 21600, "categories": ["pool_exhaustion"], "triggers": [], "notes": [],
           "timeline": [{"id": a + "-pool#0", "ts": a, "first": a, "last": b, "count": 500,
                         "category": "pool_exhaustion", "rule": "pool", "title": "pool timeout",
                         "message": "pool timeout", "source": "app.log", "line_first": 1,
                         "line_last": 900}]}
    m = Mock({"schema": "timelined/1", "display_tz": "Asia/Kolkata", "incidents": [inc]})
    try:
        p = open_page(m.url)
        p.wait("!!" + section(inc["id"]))
        axis = "[...%s.querySelectorAll('svg text[text-anchor=middle]')].map(t => t.textContent).filter(t => t.length === 5)" % section(inc["id"])
        ist = p.js(axis)
        assert len(ist) >= 5 and all(t.endswith(":00") for t in ist), ist
        assert "12:00" in ist and "17:00" in ist, ist      # 06:30 and 11:30 UTC
        click(p, "document.querySelector('#zone button[data-zone=utc]')")
        p.wait("!%s.includes('17:00')" % axis)
        utc = p.js(axis)
        assert len(utc) >= 5 and all(t.endswith(":00") for t in utc) and "11:00" in utc, utc
    finally:
        m.close()


def test_zone_switch_changes_every_time_and_works_by_keyboard():
    m = Mock(driver_update_report())
    try:
        p = open_page(m.url)
        p.wait("!!" + section(DU_ID))
        start = "[...%s.querySelectorAll('.card')][0].querySelector('.v').textContent" % section(DU_ID)
        first_row = "%s.querySelector('tr[data-entry] td.t').textContent" % section(DU_ID)
        axis = "[...%s.querySelectorAll('svg text[text-anchor=middle]')].map(t => t.textContent)" % section(DU_ID)
        assert p.js(start).startswith("10:00:01 "), p.js(start)
        assert p.js(first_row).startswith("09:45:12"), p.js(first_row)
        assert "10:00" in p.js(axis)
        click(p, "document.querySelector('#zone button[data-zone=utc]')")
        p.wait("%s.startsWith('09:00:01 UTC')" % start, what="the start card in UTC")
        assert p.js(first_row).startswith("08:45:12"), p.js(first_row)
        assert "09:00" in p.js(axis) and "12:00" not in p.js(axis), p.js(axis)
        notes = text_of(p, DU_ID, ".notes li")[0]
        assert "2024-03-15 10:06:48 UTC" in notes, notes
        assert p.js("document.querySelector('#zone button[data-zone=utc]').getAttribute('aria-pressed')") == "true"
        # Keyboard: Enter on the focused display-zone button, then the z key.
        p.js("document.querySelector('#zone button[data-zone=display]').focus()")
        p.key("Enter", text="\r")
        p.wait("%s.startsWith('10:00:01')" % start, what="Enter on the zone button")
        p.js("document.activeElement.blur()")
        p.key("z", code="KeyZ", text="z")
        p.wait("%s.startsWith('09:00:01')" % start, what="the z key")
        no_errors(p)
        # The URL can choose the zone (a wall screen's bookmark).
        q = open_page(m.url + "?tz=display")
        q.wait("!!" + section(DU_ID))
        assert q.js(start).startswith("10:00:01"), q.js(start)
    finally:
        m.close()


def open_live_incident(m, p, host):
    """Publishes a fresh live incident; returns its id."""
    live = LiveLog(host)
    live.first_batch()
    rep = live.report()
    m.publish(rep)
    iid = rep["incidents"][0]["id"]
    p.wait("%s && %s.querySelectorAll('tr[data-entry]').length === %d"
           % (section(iid), section(iid), len(rep["incidents"][0]["timeline"])), what="the live incident")
    return iid


def test_note_with_token_appears_in_timeline():
    m = Mock(driver_update_report())
    try:
        p = open_page(m.url)
        iid = open_live_incident(m, p, "api-8")
        form = section(iid) + ".querySelector('form.note')"
        focus_and_type(p, form + ".elements.text", "Paged the DBA on call")
        focus_and_type(p, form + ".elements.token", TOKEN)
        p.key("Enter", text="\r")                       # submit from the keyboard
        p.wait("[...%s.querySelectorAll('tr.note')].some(r => r.textContent.includes('Paged the DBA on call'))"
               % section(iid), what="the note in the timeline")
        assert "Note added" in p.js(form + ".querySelector('.msg').textContent")
        assert p.js("sessionStorage.getItem('timelined.token')") == TOKEN
        assert p.js(form + ".querySelector('.tok').hidden") is True
        assert "note" in text_of(p, iid, "svg .lanelab")
        # The token is typed once: the next note needs only its text.
        focus_and_type(p, form + ".elements.text", "Failing over to db3")
        click(p, form + ".querySelector('button[type=submit]')")
        p.wait("%s.querySelectorAll('tr.note').length === 2" % section(iid), what="the second note")
        st, inc = http(m.url + "v1/incidents/" + iid)
        assert [e["message"] for e in inc["timeline"] if e["category"] == "note"] == \
            ["Paged the DBA on call", "Failing over to db3"], inc["timeline"]
        no_errors(p)
    finally:
        m.close()


def note_with_a_wrong_token(p, iid):
    """Posts a note to incident iid with a wrong token: the 401 is shown
    and the token not kept. Returns the form's and its message's JS."""
    form = section(iid) + ".querySelector('form.note')"
    msg = form + ".querySelector('.msg').textContent"
    focus_and_type(p, form + ".elements.text", "should not be added")
    focus_and_type(p, form + ".elements.token", "wrong-token")
    click(p, form + ".querySelector('button[type=submit]')")
    p.wait("%s.includes('401')" % msg, what="the 401 error")
    assert "expected Authorization: Bearer TOKEN" in p.js(msg), p.js(msg)
    assert p.js("sessionStorage.getItem('timelined.token')") is None
    return form, msg


def test_note_errors_are_shown():
    m = Mock(driver_update_report())
    try:
        p = open_page(m.url)
        iid = open_live_incident(m, p, "api-9")
        form, msg = note_with_a_wrong_token(p, iid)
        assert p.js("%s.querySelectorAll('tr.note').length" % section(iid)) == 0
        # A note over 512 bytes (300 two-byte characters): 413 and its text.
        p.js(form + ".elements.text.value = ''")
        focus_and_type(p, form + ".elements.text", "\u00e9" * 300)
        p.js(form + ".elements.token.value = ''")
        focus_and_type(p, form + ".elements.token", TOKEN)
        click(p, form + ".querySelector('button[type=submit]')")
        p.wait("%s.includes('413')" % msg, what="the 413 error")
        assert "longer than 512 bytes" in p.js(msg), p.js(msg)
        shot(p, "note-error.png")
    finally:
        m.close()


def test_survives_a_restart_and_refetches():
    rep = driver_update_report()
    m = Mock(rep)
    try:
        p = open_page(m.url)
        p.wait("!!" + section(DU_ID))
        p.wait("document.getElementById('conn').textContent === 'live'", what="live")
        m.kill()
        p.wait("!document.getElementById('banner').hidden", what="the connection-lost banner")
        assert "reconnecting" in p.js("document.getElementById('conn').textContent")
        shot(p, "daemon-down.png")
        # The daemon comes back having read more: a second incident it did not stream.
        live = LiveLog("api-10")
        live.first_batch()
        more = live.report()
        rep2 = dict(rep, incidents=rep["incidents"] + more["incidents"])
        m.start(rep2)
        iid = more["incidents"][0]["id"]
        p.wait("!!" + section(iid), timeout=15, what="the incident read while we were away")
        p.wait("document.getElementById('banner').hidden", what="the banner to go")
        assert p.js("document.getElementById('conn').textContent") == "live"
        # Its Last-Event-ID is from the old run: the new one answered with reset.
        st, log = http(m.url + "_test/streams")
        assert log and log[0]["last_event_id"] is not None and log[0]["reset"], log
        # And it follows the new stream.
        live.second_batch()
        m.publish(live.report())
        p.wait("%s.querySelectorAll('tr[data-entry]').length === 3" % section(iid), what="entries after restart")
        assert p.js("window.__noReload") == 1, "the page reloaded"
        no_errors(p)
    finally:
        m.close()


def test_dropped_stream_resumes_with_last_event_id():
    m = Mock(driver_update_report())
    try:
        p = open_page(m.url)
        iid = open_live_incident(m, p, "api-11")
        st, _ = http(m.url + "_test/drop", {})
        note = {"id": iid + "#99", "ts": iso(time.time()), "first": iso(time.time()),
                "last": iso(time.time()), "category": "note", "rule": "note", "title": "Note",
                "message": "pushed while the stream was down", "count": 1, "source": "api"}
        m.push(type="entry", incident=iid, entry=note)
        p.wait("%s.textContent.includes('pushed while the stream was down')" % section(iid), what="the missed entry")
        p.wait("document.getElementById('conn').textContent === 'live'", what="live again")
        st, log = http(m.url + "_test/streams")
        assert len(log) == 2 and log[1]["last_event_id"] is not None and not log[1]["reset"], log
    finally:
        m.close()


def test_event_between_snapshot_and_stream_is_not_lost():
    # The stream connects slowly; an event published after the snapshot
    # was taken and before the stream looked at where the page stands must
    # still come: the page opens the stream from the snapshot's event_id.
    m = Mock(driver_update_report())
    try:
        st, _ = http(m.url + "_test/stream_delay", {"seconds": 2})
        p = open_page(m.url)
        p.wait("!!" + section(DU_ID))
        note = {"id": DU_ID + "#77", "ts": "2024-03-15T11:00:00Z", "first": "2024-03-15T11:00:00Z",
                "last": "2024-03-15T11:00:00Z", "category": "note", "rule": "note", "title": "Note",
                "message": "posted while the stream was connecting", "count": 1, "source": "api"}
        m.push(type="entry", incident=DU_ID, entry=note)
        p.wait("%s.textContent.includes('posted while the stream was connecting')" % section(DU_ID),
               timeout=10, what="the event published before the stream opened")
        p.wait("document.getElementById('conn').textContent === 'live'", what="live")
        st, log = http(m.url + "_test/streams")
        assert len(log) == 1 and log[0]["last_event_id"] is not None and not log[0]["reset"], log
        no_errors(p)
    finally:
        m.close()


def test_reset_event_refetches_everything():
    rep = driver_update_report()
    m = Mock(rep)
    try:
        p = open_page(m.url)
        p.wait("!!" + section(DU_ID))
        live = LiveLog("api-12")
        live.first_batch()
        other = live.report()
        m.push(type="load", report=other)        # new state, then `reset`
        iid = other["incidents"][0]["id"]
        p.wait("!!%s && !%s" % (section(iid), section(DU_ID)), what="the new state only")
    finally:
        m.close()


def test_log_text_is_never_markup():
    m = Mock(driver_update_report())
    try:
        p = open_page(m.url)
        iid = open_live_incident(m, p, "api-13")
        evil = '<img src=x onerror="window.__pwned=1"></script><b id=bold>x</b>'
        e = {"id": iid + "#50", "ts": iso(time.time()), "first": iso(time.time()),
             "last": iso(time.time()), "category": "unclassified", "rule": "new_pattern",
             "title": evil, "message": evil, "count": 2, "source": "a<b>.log",
             "line_first": 1, "line_last": 2, "host": "<i>h</i>"}
        m.push(type="entry", incident=iid, entry=e)
        p.wait("%s.textContent.includes('onerror=')" % section(iid), what="the entry as text")
        assert p.js("document.querySelectorAll('img, #bold, i:not(.cat i)').length") == 0
        assert p.js("window.__pwned") is None
        assert "unclassified" in text_of(p, iid, "svg .lanelab")
    finally:
        m.close()


def static_page(rep):
    """The page with a report inlined, as replay's html output will do it."""
    with open(OPT.page) as f:
        html = f.read()
    blob = json.dumps(rep).replace("<", "\\u003c")
    tag = '<script type="application/json" id="timelined-data">%s</script>' % blob
    assert html.count("<!--TIMELINED_DATA-->") == 1
    return html.replace("<!--TIMELINED_DATA-->", tag)


def test_static_mode_renders_inlined_report_and_stays_offline():
    rep = driver_update_report()
    hostile = json.loads(json.dumps(rep))
    hostile["incidents"][0]["timeline"][9]["message"] += " </script><!--<script>"
    path = os.path.join(OPT.out, "static-driver-update.html")
    with open(path, "w") as f:
        f.write(static_page(hostile))
    m = Mock(None, page=path)
    try:
        p = open_page(m.url)
        p.wait("!!" + section(DU_ID))
        assert p.js("document.getElementById('conn').textContent") == "replay report"
        assert p.js("document.querySelectorAll('form.note').length") == 0
        assert "</script><!--<script>" in p.js(section(DU_ID) + ".textContent")
        assert "2 h 36 min" in " ".join(text_of(p, DU_ID, ".card"))
        time.sleep(0.5)
        st, log = http(m.url + "_test/streams")
        assert log == [], "static page opened a stream: %r" % log
        no_errors(p)
        shot(p, "static-driver-update.png", full=True)
    finally:
        m.close()
    # And straight from a file, as someone opens replay's output.
    p = open_page("file://" + path)
    p.wait("!!" + section(DU_ID))
    no_errors(p)


def test_wall_screen_sizes_and_colour_schemes():
    m = Mock(driver_update_report())
    try:
        sizes = {}
        for w, h, scheme in ((1280, 720, "light"), (1280, 720, "dark"), (3840, 2160, "dark")):
            p = open_page(m.url, w, h, scheme)
            p.wait("!!" + section(DU_ID))
            over = p.js("document.documentElement.scrollWidth - innerWidth")
            assert over <= 0, "%dx%d scrolls sideways by %dpx" % (w, h, over)
            sizes[(w, scheme)] = (p.js("parseFloat(getComputedStyle(document.documentElement).fontSize)"),
                                  p.js("getComputedStyle(document.body).backgroundColor"))
            assert overlaps(p, DU_ID, "svg .msl") == []
            shot(p, "driver-update-%dx%d-%s.png" % (w, h, scheme))
        assert sizes[(3840, "dark")][0] >= 1.8 * sizes[(1280, "dark")][0], sizes
        assert sizes[(1280, "light")][1] != sizes[(1280, "dark")][1], sizes
    finally:
        m.close()


def test_docs_screenshot():
    """--docs: the driver-update incident for docs/img/live-page.png."""
    if not OPT.docs:
        return "skipped (no --docs)"
    m = Mock(driver_update_report())
    try:
        p = open_page(m.url, 1280, 1000, "dark")
        p.wait("!!" + section(DU_ID))
        out = os.path.join(ROOT, "docs", "img", "live-page.png")
        p.screenshot(out)
    finally:
        m.close()


# ---- tests against a running daemon (--base-url) ---------------------------------

def daemon_test_live_incident_note_zone_restart():
    d = Daemon()
    p = open_page(d.url)
    live = LiveLog("browser-test-%d" % os.getpid())
    live.first_batch()
    iid = live.report()["incidents"][0]["id"]
    d.publish_lines(live)
    p.wait("!!" + section(iid), timeout=30, what="the incident from the appended lines")
    live.second_batch()
    d.publish_lines(live)
    p.wait("%s.querySelectorAll('tr[data-entry]').length >= 3" % section(iid), timeout=30)
    # Each line once: the run of six failures, one deploy.
    rep = live.report()["incidents"][0]
    run = [e for e in rep["timeline"] if e["category"] == "db_connection_error"][0]
    cnt = "%s.querySelector('tr[data-entry=\"%s\"] td.n').textContent" % (section(iid), run["id"])
    p.wait("%s === '6'" % cnt, timeout=30, what="the run's count to become 6")
    form = section(iid) + ".querySelector('form.note')"
    focus_and_type(p, form + ".elements.text", "browser test note")
    focus_and_type(p, form + ".elements.token", OPT.token)
    p.key("Enter", text="\r")
    p.wait("%s.textContent.includes('browser test note')" % section(iid), what="the note")
    start = "[...%s.querySelectorAll('.card')][0].querySelector('.v').textContent" % section(iid)
    before = p.js(start)
    if p.js("!!document.querySelector('#zone button[data-zone=utc]')"):
        click(p, "document.querySelector('#zone button[data-zone=utc]')")
    p.wait("%s.endsWith('UTC')" % start)
    utc = datetime.datetime.fromisoformat(live.report()["incidents"][0]["start"].replace("Z", "+00:00"))
    assert p.js(start).startswith(utc.strftime("%H:%M:%S")), (before, p.js(start))
    if OPT.restart:
        # Watch the connection pill, so the restart is seen for sure.
        p.js("""window.__down = 0; new MutationObserver(() => {
            if (document.getElementById('conn').textContent !== 'live') window.__down++;
        }).observe(document.getElementById('conn'), {childList: true, subtree: true,
                                                     characterData: true})""")
        subprocess.run(OPT.restart, shell=True, check=True)
        p.wait("window.__down > 0", timeout=15, what="the page to see the daemon go")
        p.wait("document.getElementById('conn').textContent === 'live'", timeout=30,
               what="live again")
        # After the restart the page shows the incident again, its entries
        # and the note (kept by the daemon across the kill -9).
        p.wait("!!%s && %s.querySelectorAll('tr[data-entry]').length >= 4 && "
               "%s.textContent.includes('browser test note')"
               % (section(iid), section(iid), section(iid)), timeout=30,
               what="the incident, its entries and the note after the restart")
        assert "OPEN" in p.js(section(iid) + ".querySelector('.badge').textContent")
        assert p.js("document.getElementById('banner').hidden") is True
    assert p.js("window.__noReload") == 1
    no_errors(p)
    shot(p, "daemon-live.png")


def daemon_test_note_errors_show_the_daemons_answer():
    d = Daemon()
    p = open_page(d.url)
    live = LiveLog("browser-errors-%d" % os.getpid())
    live.first_batch()
    d.publish_lines(live)      # an open incident (or more lines of the one open)
    p.wait("!!document.querySelector('section.inc form.note')", timeout=30,
           what="an open incident with a note box")
    iid = p.js("document.querySelector('section.inc').id").split("-", 1)[1]
    notes = "%s.querySelectorAll('tr.note').length" % section(iid)
    before = p.js(notes)
    p.js("sessionStorage.removeItem('timelined.token')")
    p.js("document.querySelectorAll('form.note').forEach(f => f.dispatchEvent(new Event('token')))")
    form, msg = note_with_a_wrong_token(p, iid)
    # 257 two-byte characters: 514 bytes, over the daemon's 512.
    p.js(form + ".elements.text.value = ''")
    focus_and_type(p, form + ".elements.text", "\u00e9" * 257)
    p.js(form + ".elements.token.value = ''")
    focus_and_type(p, form + ".elements.token", OPT.token)
    click(p, form + ".querySelector('button[type=submit]')")
    p.wait("%s.includes('413')" % msg, what="the 413 error")
    assert "longer than 512 bytes" in p.js(msg), p.js(msg)
    assert p.js(notes) == before
    st, inc = http(d.url + "v1/incidents/" + iid)
    assert len([e for e in inc["timeline"] if e["category"] == "note"]) == before, inc["timeline"]
    no_errors(p)
    shot(p, "daemon-note-error.png")


# ---- runner ------------------------------------------------------------------

BROWSER = None
PAGES = []


def main():
    global OPT, BROWSER
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?", default=os.path.join(ROOT, "timelined"))
    ap.add_argument("names", nargs="*")
    ap.add_argument("--page", default=os.path.join(ROOT, "daemon", "page", "index.html"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "browser"))
    ap.add_argument("--docs", action="store_true", help="also write docs/img/live-page.png")
    ap.add_argument("--base-url", help="a running daemon instead of the mock")
    ap.add_argument("--log", help="with --base-url: a file the daemon tails (UTC)")
    ap.add_argument("--token", default=TOKEN, help="with --base-url: the API token")
    ap.add_argument("--restart", help="with --base-url: a shell command restarting the daemon")
    OPT = ap.parse_intermixed_args()
    OPT.bin = os.path.abspath(OPT.bin)
    OPT.page = os.path.abspath(OPT.page)
    if not os.access(OPT.bin, os.X_OK):
        sys.exit("test_page: %s is not built (make timelined)" % OPT.bin)
    if OPT.base_url and not OPT.log:
        sys.exit("test_page: --base-url needs --log FILE")
    os.makedirs(OPT.out, exist_ok=True)
    prefix = "daemon_test_" if OPT.base_url else "test_"
    tests = [(n, f) for n, f in globals().items() if n.startswith(prefix) and callable(f)]
    if OPT.names:
        tests = [(n, f) for n, f in tests if any(x in n for x in OPT.names)]
    passed = failed = skipped = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="timelined-browser-") as tmp:
        OPT.tmp = tmp
        BROWSER = cdp.Browser()
        try:
            for name, fn in tests:
                t = time.monotonic()
                try:
                    res = fn()
                except Exception:
                    failed += 1
                    print("FAIL %s (%.1fs)" % (name, time.monotonic() - t))
                    traceback.print_exc(limit=3)
                    for p in PAGES:
                        print("  page errors: %s" % p.errors())
                    continue
                finally:
                    for p in PAGES:
                        p.close()
                    PAGES.clear()
                if isinstance(res, str) and res.startswith("skipped"):
                    skipped += 1
                    print("skip %s: %s" % (name, res))
                else:
                    passed += 1
                    print("ok   %s (%.1fs)" % (name, time.monotonic() - t))
        finally:
            BROWSER.close()
    print("browser: %.1fs, screenshots in %s" % (time.monotonic() - t0, os.path.relpath(OPT.out, os.getcwd())))
    print("%d passed, %d failed" % (passed, failed) + (", %d skipped" % skipped if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
