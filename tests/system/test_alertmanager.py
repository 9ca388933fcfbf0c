"""A real Prometheus Alertmanager (Debian's prometheus-alertmanager,
started here with its own config on loopback) posting its webhook to the
real daemon: alerts injected with `amtool alert add` fire and resolve,
and land in the incident the daemon's own lines opened, at the times
Alertmanager gives; sent again, they are duplicates; they survive kill -9.
Skipped (passes with a note) when the package is not installed: make
check installs it.
"""
import os
import re
import subprocess
import time
import urllib.request

from common import free_port
from livedaemon import DBFAIL, TOKEN, Daemon, iso, jline, wait_for

AM = "/usr/bin/prometheus-alertmanager"
AMTOOL = "/usr/bin/amtool"


class Alertmanager:
    """prometheus-alertmanager in d, routing every alert to url at once
    (group_wait 1s) with the bearer token from a file, resolved alerts too."""

    def __init__(self, d, url, token_file):
        self.d = d
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        conf = os.path.join(d, "alertmanager.yml")
        with open(conf, "w") as f:
            f.write("""route:
  receiver: timelined
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: timelined
    webhook_configs:
      - url: %s
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: %s
""" % (url, token_file))
        self.log = open(os.path.join(d, "alertmanager.log"), "w")
        self.proc = subprocess.Popen(
            [AM, "--config.file=" + conf, "--storage.path=" + os.path.join(d, "am-data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--cluster.listen-address=",
             "--log.level=debug"], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.ready, 30, "Alertmanager ready")

    def ready(self):
        """1 once /-/ready answers 200."""
        assert self.proc.poll() is None, self.logs()
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def logs(self):
        """What it logged."""
        with open(self.log.name) as f:
            return f.read()[-3000:]

    def amtool(self, *args):
        """Runs amtool against this Alertmanager."""
        p = subprocess.run([AMTOOL, "--alertmanager.url=" + self.url] + list(args),
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        return p.stdout

    def close(self):
        """Stops it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def entries(inc, cat):
    """The incident's entries of category cat."""
    return [e for e in inc["timeline"] if e["category"] == cat]


def test_alertmanager_firing_and_resolved_land_in_the_incident(d):
    if not (os.access(AM, os.X_OK) and os.access(AMTOOL, os.X_OK)):
        print("  skipped: prometheus-alertmanager is not installed (make deps)")
        return
    t0 = int(time.time())
    dm = Daemon(d).start()
    am = None
    try:
        # The daemon's own lines open a database incident...
        dm.append("".join(jline(t0 - 240 + 20 * k, "error", DBFAIL, "api-1") for k in range(8)))
        inc = wait_for(lambda: (lambda i: i[0] if i else None)(dm.incidents()["incidents"]),
                       20, "the incident")
        assert inc["detected"] is None, inc
        # ...then Alertmanager fires, 3 minutes in, and resolves a minute later.
        am = Alertmanager(d, "http://%s/v1/alertmanager" % dm.addr, os.path.join(d, "token"))
        fired, ended = iso(t0 - 180, frac=False), iso(t0 - 60, frac=False)
        labels = ["alertname=PostgresConnectionFailures", "severity=critical",
                  "instance=api-1:9187"]
        am.amtool("alert", "add", *labels, "--annotation=summary=pgx cannot reach db2",
                  "--start=" + fired)
        wait_for(lambda: dm.metric("timelined_alerts_total") == 1, 30,
                 "the firing webhook (Alertmanager log: %s)" % am.logs())
        inc = wait_for(lambda: (lambda i: i if i and entries(i[0], "alert") else None)(
            dm.incidents()["incidents"]), 20, "the alert in the incident")[0]
        alert = entries(inc, "alert")
        assert len(alert) == 1 and alert[0]["ts"] == fired, alert
        assert alert[0]["title"] == "Alert firing: PostgresConnectionFailures", alert
        assert alert[0]["host"] == "api-1:9187", alert
        assert alert[0]["source"] == "alertmanager", alert
        assert inc["detected"] == fired and inc["time_to_detect_s"] == 60, inc
        am.amtool("alert", "add", *labels, "--annotation=summary=pgx cannot reach db2",
                  "--start=" + fired, "--end=" + ended)
        wait_for(lambda: dm.metric("timelined_alerts_total") == 2, 30,
                 "the resolved webhook (Alertmanager log: %s)" % am.logs())
        inc = wait_for(lambda: (lambda i: i if entries(i[0], "recovery") else None)(
            dm.incidents()["incidents"]), 20, "the resolution in the incident")[0]
        rec = entries(inc, "recovery")
        assert len(rec) == 1 and rec[0]["ts"] == ended, rec
        assert rec[0]["title"] == "Alert resolved: PostgresConnectionFailures", rec
        assert inc["end"] == ended, inc           # the last failure was before it
        # The spool holds both, as the logfmt lines the rule pack reads.
        with open(os.path.join(dm.state, "spool-alertmanager.log")) as f:
            spool = f.read().splitlines()
        assert len(spool) == 2, spool
        assert spool[0].startswith("ts=%s level=warn" % fired) and 'msg="alert firing"' in spool[0]
        assert spool[1].startswith("ts=%s level=info" % ended) and 'msg="alert resolved"' in spool[1]
        # Sent again (as Alertmanager does on a retry): duplicates, taken once.
        fp = re.search(r' fingerprint="([0-9a-f]+)"', spool[0]).group(1)
        assert fp in spool[1], spool
        body = {"version": "4", "status": "resolved", "receiver": "timelined", "alerts": [
            {"status": "firing", "labels": dict(l.split("=", 1) for l in labels),
             "annotations": {}, "startsAt": fired, "endsAt": "0001-01-01T00:00:00Z",
             "fingerprint": fp},
            {"status": "resolved", "labels": dict(l.split("=", 1) for l in labels),
             "annotations": {}, "startsAt": fired, "endsAt": ended, "fingerprint": fp}]}
        auth = {"Authorization": "Bearer " + TOKEN}
        assert dm.json("POST", "/v1/alertmanager", body, auth) == \
            (200, {"accepted": 0, "duplicates": 2})
        # A crash right after: the spool is read again, nothing twice.
        dm.kill9()
        dm.start()
        assert dm.json("POST", "/v1/alertmanager", body, auth) == \
            (200, {"accepted": 0, "duplicates": 2})
        inc = wait_for(lambda: (lambda i: i if i and entries(i[0], "recovery") else None)(
            dm.incidents()["incidents"]), 20, "the incident after kill -9")[0]
        assert [e["ts"] for e in entries(inc, "alert")] == [fired]
        assert [e["ts"] for e in entries(inc, "recovery")] == [ended]
        assert inc["detected"] == fired
        dm.stop()      # exit 0: no leak, no crash (make SANITIZE=1)
    finally:
        if am is not None:
            am.close()
        dm.close()
