"""System tests of the command line: parse, match, replay, check, install."""
import gzip
import json
import os
import re
import subprocess

from common import BIN, ROOT, parse_lines, replay_json, run, write


def test_parse_gzip_by_magic_and_concatenated_members(d):
    a = b"2024-03-15T09:00:00Z host app[1]: first\n"
    b = b"2024-03-15T09:00:01Z host app[1]: second\n"
    with open(os.path.join(d, "rotated.log"), "wb") as f:   # no .gz name
        f.write(gzip.compress(a, mtime=1710500000) + gzip.compress(b, mtime=1710500000))
    rc, out, err = run(["parse", "--tz", "UTC", "rotated.log"], d)
    assert rc == 0, err
    recs = parse_lines(out)
    assert [r["message"] for r in recs] == ["first", "second"], recs
    assert recs[1]["ts"] == "2024-03-15T09:00:01Z", recs


def test_parse_year_from_gzip_header_mtime(d):
    data = b"Mar 15 09:00:00 web1 app[1]: hello\n"
    # gzip header mtime 2023-06-01: March 15 is before it, so 2023.
    with open(os.path.join(d, "old.gz"), "wb") as f:
        f.write(gzip.compress(data, mtime=1685577600))
    rc, out, err = run(["parse", "--tz", "UTC", "old.gz"], d)
    assert rc == 0, err
    r = parse_lines(out)[0]
    assert r["ts"] == "2023-03-15T09:00:00Z" and r["year_src"] == "gzip", r


def test_parse_year_rollover_from_mtime(d):
    p = write(d, "syslog", "Dec 31 23:59:59 h a[1]: old year\nJan  1 00:00:01 h a[1]: new year\n")
    t = 1704067300  # 2024-01-01T00:01:40Z
    os.utime(p, (t, t))
    rc, out, err = run(["parse", "--tz", "UTC", "syslog"], d)
    assert rc == 0, err
    recs = parse_lines(out)
    assert recs[0]["ts"] == "2023-12-31T23:59:59Z" and recs[0]["year_src"] == "rollover", recs
    assert recs[1]["ts"] == "2024-01-01T00:00:01Z" and recs[1]["year_src"] == "mtime", recs


def test_parse_stdin_crlf_nul_invalid_utf8(d):
    data = b"2024-03-15T09:00:00Z h a[1]: crlf line\r\n2024-03-15T09:00:01Z h a[1]: nul \x00 and \xff\xfe bad\n"
    rc, out, err = run(["parse", "--tz", "UTC", "-"], d, stdin=data)
    assert rc == 0, err
    out.decode("utf-8")  # strict: must be valid UTF-8
    recs = parse_lines(out)
    assert recs[0]["message"] == "crlf line", recs
    assert "\ufffd" in recs[1]["message"], recs


def test_parse_long_line_truncated_and_counted(d):
    long = "2024-03-15T09:00:00Z h a[1]: " + "x" * 200000 + "\n"
    write(d, "long.log", long + "2024-03-15T09:00:01Z h a[1]: next\n")
    rc, out, err = run(["parse", "--tz", "UTC", "--max-line", "1024", "long.log"], d)
    assert rc == 0, err
    recs = parse_lines(out)
    assert len(recs) == 2 and recs[1]["message"] == "next", [r["line"] for r in recs]
    assert len(recs[0]["message"]) < 1100


def test_parse_continuation_lines(d):
    write(d, "app.log", "2024-03-15 09:00:00.123 ERROR 1 --- [main] c.e.App : boom\n"
          "java.lang.IllegalStateException: boom\n\tat c.e.App.run(App.java:10)\n"
          "2024-03-15 09:00:05.000  INFO 1 --- [main] c.e.App : fine\n")
    rc, out, err = run(["parse", "--tz", "UTC", "app.log"], d)
    assert rc == 0, err
    recs = parse_lines(out)
    assert recs[1].get("continuation") and recs[1]["ts"] == "2024-03-15T09:00:00.123Z", recs[1]
    assert recs[2].get("continuation") and recs[3]["ts"] == "2024-03-15T09:00:05.000Z", recs


def test_replay_missing_file_exit_1_others_processed(d):
    write(d, "a.log", "2024-03-15T09:00:00Z h a[1]: hello\n")
    rc, out, err = run(["replay", "--format", "json", "a.log", "nope.log"], d)
    assert rc == 1, (rc, err)
    assert "nope.log" in err, err
    j = replay_json(out)
    assert j["schema"] == "timelined/1" and j["sources"][0]["lines"] == 1, j


def test_bad_usage_exit_2(d):
    for args in (["replay", "--tz", "Mars/Base", "x"], ["replay", "--format", "xml", "x"],
                 ["frobnicate"], ["replay"], ["replay", "--since", "yesterday", "x"]):
        rc, out, err = run(args, d)
        assert rc == 2, (args, rc, err)
        assert err.strip(), args


def test_help_reads_like_a_manual(d):
    rc, out, err = run(["--help"], d)
    assert rc == 0
    for word in (b"NAME", b"SYNOPSIS", b"DESCRIPTION", b"OPTIONS", b"EXIT STATUS", b"EXAMPLES"):
        assert word in out, word


def test_check_reports_file_line_and_exits_2(d):
    write(d, "bad.json", '{"rules": [\n {"id": "x.ok", "category": "crash", "pattern": "segfault at",\n'
          '  "examples": {"match": ["segfault at 0"], "no_match": ["fine"]}},\n'
          ' {"id": "x.bad", "category": "crash",\n  "pattern": "unclosed(group"}\n]}\n')
    rc, out, err = run(["check", "--no-default-rules", "--rules", "bad.json"], d)
    assert rc == 2, (rc, err)
    assert "bad.json:4: rule x.bad:" in err, err


def test_replay_incident_from_two_zones(d):
    # syslog in WAT (no zone in the line), JSON in UTC: one incident.
    write(d, "syslog", "Mar 15 09:45:12 web1 deploy: Deploying release v2.3.1 (db driver pgx 5.5.0 -> 5.6.0)\n")
    lines = []
    for i in range(5):
        lines.append(json.dumps({"time": "2024-03-15T09:00:%02dZ" % (i * 10), "level": "error", "host": "api-1",
                                 "msg": "failed to connect to `host=db1 user=u database=d`: dial error "
                                        "(dial tcp 10.0.2.15:5432: connect: connection timed out)"}))
    write(d, "api.log", "\n".join(lines) + "\n")
    rc, out, err = run(["replay", "--format", "json", "--year", "2024", "--source-tz", "syslog=Africa/Lagos",
                        "syslog", "api.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert len(j["incidents"]) == 1, j["incidents"]
    inc = j["incidents"][0]
    assert inc["start"] == "2024-03-15T09:00:00Z", inc["start"]
    assert inc["triggers"][0]["ts"] == "2024-03-15T08:45:12Z", inc["triggers"]
    assert inc["triggers"][0]["lead_s"] == 888, inc["triggers"]
    run_ = [e for e in inc["timeline"] if e["category"] == "db_connection_error"][0]
    assert run_["count"] == 5 and run_["last"] == "2024-03-15T09:00:40Z", run_
    assert run_["line_first"] == 1 and run_["line_last"] == 5, run_


def test_replay_formats_md_csv(d):
    write(d, "k.log", "".join("Mar 15 09:%02d:00 h kernel: [1.0] Out of memory: Killed process %d (java) "
                              "total-vm:1kB, anon-rss:1kB\n" % (i, 100 + i) for i in range(3)))
    rc, out, err = run(["replay", "--year", "2024", "--tz", "UTC", "--format", "md", "k.log"], d)
    assert rc == 0, err
    assert b"## " in out and b"### Timeline (UTC)" in out and b"k.log:1-3" in out, out.decode()
    rc, out, err = run(["replay", "--year", "2024", "--tz", "UTC", "--format", "csv", "k.log"], d)
    assert rc == 0, err
    rows = out.decode().splitlines()
    assert rows[0].startswith("incident,ts,local") and len(rows) >= 2, rows


def test_shipped_config_loads(d):
    rc, out, err = run(["check", "-c", os.path.join(ROOT, "config", "timelined.json")], d)
    assert rc == 0, (rc, err)


def test_config_errors_name_file_and_line(d):
    write(d, "bad.json", '{"listen": "127.0.0.1:1",\n "bogus": 2,\n "display_tz": "Mars/X"}\n')
    rc, out, err = run(["check", "-c", "bad.json"], d)
    assert rc == 2, (rc, err)
    assert "bad.json:2: bogus: unknown key" in err and "bad.json:3: display_tz: unknown time zone" in err, err


def test_replay_config_zone_applies_to_matching_path(d):
    write(d, "cfg.json", json.dumps({"sources": [{"path": os.path.join(d, "app*.log"), "tz": "Asia/Kolkata"}]}))
    write(d, "app1.log", "2024-03-15 09:00:00,000 ERROR x - y\n")
    rc, out, err = run(["parse", "-c", "cfg.json", "app1.log"], d)
    assert rc == 0, err
    r = parse_lines(out)[0]
    assert r["ts"] == "2024-03-15T03:30:00.000Z" and r["zone_src"] == "source", r


def oom_lines(n, minute0=0):
    return "".join("Mar 15 09:%02d:00 h kernel: [1.0] Out of memory: Killed process %d (java) "
                   "total-vm:1kB, anon-rss:1kB\n" % (minute0 + i, 100 + i) for i in range(n))


def test_replay_html_is_one_self_contained_page(d):
    write(d, "k.log", oom_lines(3))
    rc, out, err = run(["replay", "--year", "2024", "--tz", "UTC", "--format", "html", "k.log"], d)
    assert rc == 0, err
    page = out.decode()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "</html>" in page, page[:200]
    for ext in ("src=", "href=", "@import", "url("):
        assert ext not in page, ext


def test_replay_since_until_bound_the_events(d):
    write(d, "k.log", oom_lines(3) + oom_lines(3, minute0=40))
    rc, out, err = run(["replay", "--year", "2024", "--tz", "UTC", "--format", "json",
                        "--since", "2024-03-15T09:30:00Z", "k.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert len(j["incidents"]) == 1 and j["incidents"][0]["start"] == "2024-03-15T09:40:00Z", j["incidents"]
    rc, out, err = run(["replay", "--year", "2024", "--tz", "UTC", "--format", "json",
                        "--until", "2024-03-15T09:30:00+00:00", "k.log"], d)
    assert rc == 0, err
    j = replay_json(out)
    assert len(j["incidents"]) == 1 and j["incidents"][0]["end"] == "2024-03-15T09:02:00Z", j["incidents"]


def test_replay_progress_only_when_asked_or_on_a_terminal(d):
    write(d, "k.log", oom_lines(3))
    rc, out, err = run(["replay", "--year", "2024", "--tz", "UTC", "k.log"], d)
    assert "replay:" not in err, err      # stderr is a pipe here: no progress line
    big = "".join("2024-03-15T09:00:00Z h a[1]: ok %d\n" % i for i in range(600000))
    write(d, "big.log", big)
    rc, out, err = run(["replay", "--progress", "--tz", "UTC", "big.log"], d)
    assert rc == 0 and "replay:" in err and "lines" in err, err[-300:]
    assert "0 incidents" in err and not re.search(r"\b1 (lines|incidents)\b", err), err[-300:]


def test_replay_rotated_files_make_one_run(d):
    old = "".join('{"time":"2024-03-15T09:%02d:00Z","msg":"failed to connect to `host=db user=u database=d`: '
                  'dial error (dial tcp 10.0.0.1:5432: connect: connection refused)"}\n' % m for m in range(0, 5))
    new = "".join('{"time":"2024-03-15T09:%02d:00Z","msg":"failed to connect to `host=db user=u database=d`: '
                  'dial error (dial tcp 10.0.0.1:5432: connect: connection refused)"}\n' % m for m in range(5, 9))
    with open(os.path.join(d, "app.log.1.gz"), "wb") as f:
        f.write(gzip.compress(old.encode(), mtime=1710493500))
    write(d, "app.log", new)
    rc, out, err = run(["replay", "--format", "json", "--tz", "UTC", "app.log", "app.log.1.gz"], d)
    assert rc == 0, err
    inc = replay_json(out)["incidents"][0]
    runs = [e for e in inc["timeline"] if e["category"] == "db_connection_error"]
    assert len(runs) == 1, runs
    assert runs[0]["count"] == 9 and runs[0]["source"] == "app.log.1.gz" and runs[0]["source_last"] == "app.log", runs


def test_make_install_prefix_destdir_finds_its_rules(d):
    dest = os.path.join(d, "root")
    p = subprocess.run(["make", "-s", "install", "PREFIX=/opt/tl", "DESTDIR=" + dest], cwd=ROOT,
                       capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode()[-500:]
    binp = os.path.join(dest, "opt", "tl", "bin", "timelined")
    for f in ("share/timelined/rules.d/postgresql.json", "share/doc/timelined/config.md",
              "lib/systemd/system/timelined.service"):
        assert os.path.exists(os.path.join(dest, "opt", "tl", f)), f
    q = subprocess.run([binp, "check"], cwd=d, capture_output=True, env={"PATH": "/usr/bin:/bin"})
    assert q.returncode == 0 and b" 0 errors" in q.stdout and not q.stdout.startswith(b"0 rules"), q


def test_make_install_lays_out_a_working_tree(d):
    """make install DESTDIR=...: binary, rules, unit with its paths, config;
    the installed binary finds its rules and checks the installed config;
    a second install keeps an edited config."""
    dest = os.path.join(d, "root")
    # -o timelined: install the binary under test, never rebuild it here
    mk = ["make", "-s", "-C", ROOT, "-o", "timelined", "install",
          "DESTDIR=" + dest, "PREFIX=/usr"]
    subprocess.run(mk, check=True, capture_output=True, timeout=300)
    unit = open(os.path.join(dest, "usr/lib/systemd/system/timelined.service")).read()
    assert "ExecStart=/usr/bin/timelined run -c /etc/timelined/timelined.json" in unit
    assert "Type=notify" in unit and "DynamicUser=yes" in unit
    assert "/usr/local" not in unit
    exe = os.path.join(dest, "usr/bin/timelined")
    conf = os.path.join(dest, "etc/timelined/timelined.json")
    env = dict(os.environ)
    env.pop("TIMELINED_RULES_DIR", None)
    r = subprocess.run([exe, "check", "-c", conf], capture_output=True, text=True,
                       env=env, cwd=d, timeout=60)
    assert r.returncode == 0, r.stderr
    assert " 0 errors" in r.stdout + r.stderr
    with open(conf, "a") as f:
        f.write("\n")
    edited = open(conf).read()
    subprocess.run(mk, check=True, capture_output=True, timeout=300)
    assert open(conf).read() == edited
