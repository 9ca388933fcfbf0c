"""System tests of what a postmortem author must be able to trust: nothing
lost without a word, milestones a responder would sign, the inputs people
have, outputs that agree. Each one reproduces a defect of 265944c.
"""
import gzip
import json
import os
import resource
import subprocess

from common import BIN, parse_lines, replay_json, run, sanitized, write

REPLAY = ["replay", "--format", "json", "--tz", "UTC", "--year", "2024"]


def pg_refused(t, n=1):
    """n PostgreSQL client failures at t (a syslog time string)."""
    return "".join("%s web1 app[1]: could not connect to server: Connection refused\n" % t
                   for _ in range(n))


def entries(inc, cat):
    """The incident's entries of category cat."""
    return [x for x in inc["timeline"] if x["category"] == cat]


def test_thousands_of_matches_in_one_read_are_all_counted(d):
    # 6,000 connection errors in 60 s (one 256 KiB read holds thousands),
    # with a rollback in the middle: every error counted, the rollback kept.
    lines = []
    for i in range(6000):
        lines.append("2024-03-15T09:%02d:%02d.%03dZ web1 app[1]: could not connect to server: "
                     "Connection refused\n" % (i // 6000, (i * 60 // 6000), i % 1000))
        if i == 3000:
            lines.append("2024-03-15T09:00:30.500Z web1 deploy[2]: Rolling back release v2 -> v1\n")
    write(d, "app.log", "".join(lines))
    rc, out, err = run(REPLAY + ["app.log"], d)
    assert rc == 0, err
    inc = replay_json(out)["incidents"][0]
    assert sum(x["count"] for x in entries(inc, "db_connection_error")) == 6000, inc["timeline"][:2]
    assert entries(inc, "rollback"), [x["category"] for x in inc["timeline"]]


def test_ten_thousand_oom_kills_and_twelve_thousand_502s(d):
    write(d, "kern.log", "".join(
        "2024-03-15T%02d:%02d:%02dZ h kernel: Out of memory: Killed process %d (java)\n"
        % (9 + i // 3600, i // 60 % 60, i % 60, 1000 + i) for i in range(10000)))
    write(d, "access.log", "".join(
        '10.0.0.1 - - [15/Mar/2024:12:00:%02d +0000] "GET /x HTTP/1.1" 502 10 "-" "c"\n'
        % (i * 60 // 12000) for i in range(12000)))
    rc, out, err = run(REPLAY + ["kern.log", "access.log"], d)
    assert rc == 0, err
    incs = replay_json(out)["incidents"]
    ooms = sum(x["count"] for i in incs for x in entries(i, "resource_exhaustion"))
    fives = sum(x["count"] for i in incs for x in entries(i, "upstream_error"))
    assert ooms == 10000 and fives == 12000, (ooms, fives)


def _limit_fds(n):
    """A preexec function that lowers the child's descriptor limit."""
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


def test_more_files_than_descriptors_all_read_in_bounded_memory(d):
    for i in range(20000):
        write(d, "f%05d.log" % i, "2024-03-15T09:%02d:%02dZ h app[1]: hello %d\n"
              "2024-03-15T09:%02d:%02dZ h app[1]: world %d\n"
              % (i // 60 % 60, i % 60, i, i // 60 % 60, i % 60, i))
    files = sorted(f for f in os.listdir(d) if f.endswith(".log"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run([BIN] + REPLAY + files, cwd=d, capture_output=True,
                       preexec_fn=_limit_fds(256), timeout=300)
    assert p.returncode == 0, p.stderr.decode()[-500:]
    j = replay_json(p.stdout)
    assert len(j["sources"]) == 20000
    assert sum(s["lines"] for s in j["sources"]) == 40000
    assert not [s for s in j["sources"] if s.get("error")]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ASan's shadow memory and quarantine roughly double what we use
    bound = (384 if sanitized() else 128) * 1024   # KiB
    assert peak < bound or peak == before, peak


def test_incidents_beyond_max_incidents_are_all_reported(d):
    # 2,000 incidents, an hour apart; only 5 may be held at once.
    text = "".join("2024-%02d-%02dT%02d:00:0%dZ web1 app[1]: could not connect to server: "
                   "Connection refused\n" % (1 + (h // 24) // 28, 1 + (h // 24) % 28, h % 24, k)
                   for h in range(2000) for k in range(2))
    write(d, "app.log", text)
    rc, out, err = run(REPLAY + ["--max-incidents", "5", "app.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert len(j["incidents"]) == 2000, len(j["incidents"])
    assert j["stats"]["incidents"] == 2000 and j["stats"]["incidents_dropped"] == 0


def test_lines_past_the_match_limit_are_shown_per_rule(d):
    write(d, "rules.json", json.dumps({"rules": [{
        "id": "t.backtrack", "category": "crash", "pattern": "^(a+)+$",
        "examples": {"match": ["aaa"], "no_match": ["b"]}}]}))
    write(d, "x.log", "2024-03-15T09:00:00Z h app[1]: %s\n" % ("a" * 40 + "b"))
    rc, out, err = run(REPLAY + ["--no-default-rules", "--rules", "rules.json", "x.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert j["stats"]["limit_hits"] == {"t.backtrack": 1}, j["stats"]
    assert j["sources"][0]["limit_hits"] == 1
    assert any("t.backtrack" in w for w in j["warnings"]), j["warnings"]
    assert "t.backtrack" in err, err
    rc, out, err = run(["match", "--all", "--no-default-rules", "--rules", "rules.json", "x.log"], d)
    assert rc == 0 and parse_lines(out)[0].get("limit_hit") is True, out


def test_unreadable_sources_are_marked_in_every_output(d):
    write(d, "ok.log", pg_refused("Mar 15 09:00:00", 3))
    os.mkdir(os.path.join(d, "adir"))
    good = gzip.compress(b"Mar 15 09:00:00 h a[1]: one\n")
    with open(os.path.join(d, "trunc.gz"), "wb") as f:  # second member cut
        f.write(good + gzip.compress(b"Mar 15 09:00:01 h a[1]: two\n" * 50)[:-20])
    with open(os.path.join(d, "corrupt.gz"), "wb") as f:
        f.write(good[:12] + b"\xff" * 40)
    names = ["ok.log", "missing.log", "adir", "trunc.gz", "corrupt.gz"]
    rc, out, err = run(REPLAY + names, d)
    assert rc == 1, (rc, err)
    j = replay_json(out)
    errors = {s["name"]: s.get("error") for s in j["sources"]}
    assert errors["ok.log"] is None and all(errors[n] for n in names[1:]), errors
    assert len(j["warnings"]) >= 4, j["warnings"]
    rc, out, err = run(["replay", "--format", "md", "--tz", "UTC", "--year", "2024"] + names, d)
    top = out.decode().split("## ")[0]
    for n in names[1:]:
        assert ("Warning:** %s" % n) in top, top
    rc, out, err = run(["replay", "--format", "csv", "--tz", "UTC", "--year", "2024"] + names, d)
    assert out.decode().count(",warning,") >= 4, out.decode()[:500]


def test_the_same_input_twice_is_read_once(d):
    write(d, "a.log", pg_refused("Mar 15 09:00:00", 4))
    os.link(os.path.join(d, "a.log"), os.path.join(d, "b.log"))
    rc, out, err = run(REPLAY + ["a.log", "a.log", "b.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert [s.get("duplicate_of") for s in j["sources"]] == [None, "a.log", "a.log"], j["sources"]
    assert sum(s["lines"] for s in j["sources"]) == 4
    assert j["incidents"][0]["timeline"][0]["count"] == 4
    rc, out, err = run(REPLAY + ["-", "-"], d, stdin=pg_refused("Mar 15 09:00:00", 4).encode())
    j = replay_json(out)
    assert j["sources"][1].get("duplicate_of") == "-" and j["incidents"][0]["timeline"][0]["count"] == 4


def test_check_counts_every_error(d):
    write(d, "bad.json", '{"rules": [{"id": "x", "category": "crashed", "pattern": "(x"}, ]}')
    write(d, "bad2.json", '{"rules": [{"id": "y", "category": "crash", "pattern": "(y"}]}')
    rc, out, err = run(["check", "--no-default-rules", "--rules", "bad2.json", "--rules", "bad.json"], d)
    assert rc == 2, (rc, out, err)
    assert b" 0 errors" not in out and b"rules checked" in out, out


def test_a_restart_that_fails_again_is_not_the_mitigation(d):
    write(d, "syslog", pg_refused("Mar 15 09:59:58") + pg_refused("Mar 15 10:00:00") +
          "Mar 15 10:00:05 web1 systemd[1]: app.service: Main process exited, code=exited, status=1/FAILURE\n"
          "Mar 15 10:00:06 web1 systemd[1]: app.service: Scheduled restart job, restart counter is at 5.\n"
          "Mar 15 10:00:06 web1 systemd[1]: Stopped App Service.\n"
          "Mar 15 10:00:06 web1 systemd[1]: Started App Service.\n"
          "Mar 15 10:00:07 web1 systemd[1]: app.service: Start request repeated too quickly.\n"
          "Mar 15 10:00:07 web1 systemd[1]: Failed to start App Service.\n")
    rc, out, err = run(REPLAY + ["syslog"], d)
    assert rc == 0, err
    inc = replay_json(out)["incidents"][0]
    assert inc["mitigated"] is None, inc["mitigated"]
    assert inc.get("open") is True


def test_a_shutdown_after_an_abort_is_not_the_mitigation(d):
    write(d, "mysql.log",
          "2024-03-15T10:00:00.000001Z 0 [ERROR] [MY-013183] [InnoDB] Assertion failure: mysqld got signal 6\n"
          "2024-03-15T10:00:01.000000Z 0 [ERROR] [MY-010119] [Server] Aborting\n"
          "2024-03-15T10:00:02.000000Z 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete "
          "(mysqld 8.0.36)  MySQL Community Server - GPL.\n")
    # The application keeps failing to reach it: the shutdown fixed nothing.
    write(d, "app.log", "".join(
        "2024-03-15T10:00:%02dZ web1 php[9]: PHP Warning:  mysqli::__construct(): (HY000/2002): "
        "Connection refused in /var/www/db.php on line 4\n" % s for s in range(3, 40, 3)))
    rc, out, err = run(REPLAY + ["mysql.log", "app.log"], d)
    assert rc == 0, err
    incs = replay_json(out)["incidents"]
    assert len(incs) == 1 and entries(incs[0], "restart"), [i["timeline"] for i in incs]
    assert incs[0]["mitigated"] is None, incs[0]["mitigated"]


def test_a_reload_in_the_first_second_is_not_the_mitigation(d):
    write(d, "nginx.log",
          "2024/03/15 10:00:00 [notice] 1#1: signal 1 (SIGHUP) received from 99, reconfiguring\n"
          "2024/03/15 10:00:00 [crit] 7#7: *1 connect() to unix:/run/php/fpm.sock failed (2: No such file "
          "or directory) while connecting to upstream\n"
          "2024/03/15 10:00:00 [crit] 7#7: *2 connect() to unix:/run/php/fpm.sock failed (2: No such file "
          "or directory) while connecting to upstream\n")
    rc, out, err = run(REPLAY + ["nginx.log"], d)
    assert rc == 0, err
    incs = replay_json(out)["incidents"]
    assert incs and incs[0]["mitigated"] is None, incs[0]["mitigated"]


def test_a_readiness_line_after_the_failures_ends_the_incident(d):
    write(d, "postgresql.log",
          "2024-03-15 10:00:00.000 UTC [10] FATAL:  the database system is starting up\n"
          "2024-03-15 10:00:01.000 UTC [11] FATAL:  the database system is starting up\n"
          "2024-03-15 10:00:04.000 UTC [1] LOG:  database system is ready to accept connections\n"
          "2024-03-15 10:05:00.000 UTC [12] LOG:  checkpoint starting: time\n")
    rc, out, err = run(REPLAY + ["postgresql.log"], d)
    assert rc == 0, err
    inc = replay_json(out)["incidents"][0]
    assert not inc.get("open") and inc["end"].startswith("2024-03-15T10:00:04"), (inc.get("open"), inc["end"])
    assert entries(inc, "recovery")


def test_a_package_run_is_one_trigger(d):
    dpkg = "".join("2024-03-15 09:50:%02d upgrade libfoo%d:amd64 1.%d 1.%d\n" % (i // 3, i, i, i + 1)
                   for i in range(153))
    write(d, "dpkg.log", dpkg)
    write(d, "app.log", pg_refused("Mar 15 10:00:00", 3))
    rc, out, err = run(REPLAY + ["dpkg.log", "app.log"], d)
    assert rc == 0, err
    inc = replay_json(out)["incidents"][0]
    assert len(inc["triggers"]) == 1 and inc["triggers"][0]["count"] == 153, inc["triggers"][:3]
    rc, out, err = run(["replay", "--format", "md", "--tz", "UTC", "--year", "2024", "dpkg.log", "app.log"], d)
    assert out.decode().count("suspected trigger") == 1, out.decode()


def test_ansi_colours_bom_and_cr_line_ends(d):
    write(d, "c.log", "\ufeff2024-03-15T09:00:00Z web1 app[1]: \x1b[31mERROR\x1b[0m could not connect to "
          "server: Connection refused\r2024-03-15T09:00:01Z web1 app[1]: \x1b[1;31mcould not connect to "
          "server: Connection refused\x1b[0m\r")
    rc, out, err = run(["parse", "--tz", "UTC", "c.log"], d)
    assert rc == 0, err
    recs = parse_lines(out)
    assert len(recs) == 2 and all(r["ts"] for r in recs), recs
    assert "\x1b" not in recs[0]["message"] and "[31m" not in recs[0]["message"], recs[0]
    rc, out, err = run(REPLAY + ["c.log"], d)
    assert len(replay_json(out)["incidents"]) == 1


def test_utf16_is_read_and_xz_refused_clearly(d):
    text = "2024-03-15T09:00:00Z web1 app[1]: could not connect to server: Connection refused\n" * 2
    with open(os.path.join(d, "le.log"), "wb") as f:
        f.write(b"\xff\xfe" + text.encode("utf-16-le"))
    with open(os.path.join(d, "be.log"), "wb") as f:  # no byte order mark
        f.write(text.encode("utf-16-be"))
    rc, out, err = run(REPLAY + ["le.log", "be.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert [s["format"] for s in j["sources"]] == ["rfc3164", "rfc3164"], j["sources"]
    assert j["incidents"][0]["timeline"][0]["count"] == 2
    with open(os.path.join(d, "x.log.xz"), "wb") as f:
        f.write(b"\xfd7zXZ\x00" + b"\x00" * 60)
    rc, out, err = run(REPLAY + ["x.log.xz"], d)
    assert rc == 1 and "xz -dc" in err, err
    assert "xz" in replay_json(out)["sources"][0]["error"]


def test_csv_has_title_and_fields_and_md_evidence_is_never_backwards(d):
    write(d, "alerts.log",
          'ts=2024-03-15T09:00:10Z level=warn msg="alert firing" alertname=DiskFull\n'
          'ts=2024-03-15T09:00:11Z level=warn msg="alert firing" alertname=HighLatency\n')
    write(d, "app.log", pg_refused("Mar 15 09:00:00") + pg_refused("Mar 15 09:02:00") +
          pg_refused("Mar 15 09:01:00"))
    rc, out, err = run(["replay", "--format", "csv", "--tz", "UTC", "--year", "2024", "alerts.log", "app.log"], d)
    rows = out.decode().splitlines()
    assert rows[0].endswith("trigger,title,fields,message"), rows[0]
    alerts = [r for r in rows if ",alert," in r]
    assert len(alerts) == 2 and alerts[0] != alerts[1], alerts
    rc, out, err = run(["replay", "--format", "md", "--tz", "UTC", "--year", "2024", "app.log"], d)
    md = out.decode()
    assert "(app.log:1-3)" in md and "app.log:3-1" not in md and "x3" in md, md
    write(d, "one.log", "2024-03-15T09:00:00Z h a[1]: hello\n")
    rc, out, err = run(["replay", "--tz", "UTC", "one.log"], d)
    assert "in 1 line from" in out.decode() and "1 lines" not in out.decode(), out.decode()[:200]


def test_since_that_cuts_an_incident_says_so(d):
    write(d, "app.log", "".join(pg_refused("Mar 15 09:%02d:00" % m) for m in range(0, 40, 2)))
    rc, out, err = run(REPLAY + ["--since", "2024-03-15T09:20:00Z", "app.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert any("--since" in w for w in j["warnings"]), j["warnings"]
    rc, out, err = run(["replay", "--tz", "UTC", "--year", "2024", "--since", "2024-03-15T09:20:00Z", "app.log"], d)
    assert "--since" in out.decode().split("## ")[0]


def test_option_errors_state_the_valid_range(d):
    rc, out, err = run(["replay", "--max-line", "100", "x"], d)
    assert rc == 2 and "256..16777216" in err, err
    rc, out, err = run(["replay", "--since", "2024-03-15T10:00:00Z", "--until", "2024-03-15T09:00:00Z", "x"], d)
    assert rc == 2 and "--since" in err, err
    rc, out, err = run(["--help"], d)
    assert "(256..16777216, default 65536)" in out.decode().replace("\n", " ").replace("  ", " ") or \
        "256..16777216" in out.decode(), out.decode()


def test_parse_marks_a_cut_line(d):
    write(d, "long.log", "2024-03-15T09:00:00Z h a[1]: " + "x" * 5000 + "\n2024-03-15T09:00:01Z h a[1]: ok\n")
    rc, out, err = run(["parse", "--tz", "UTC", "--max-line", "1024", "long.log"], d)
    assert rc == 0, err
    recs = parse_lines(out)
    assert recs[0].get("truncated") is True and not recs[1].get("truncated"), recs


def test_help_does_not_present_run_as_working_until_it_is(d):
    rc, out, err = run(["run"], d)
    help_text = run(["--help"], d)[1].decode()
    if rc == 2 and "not part of this build" in err:
        assert "not part" in help_text.split("run     the daemon")[1][:120], help_text
