# SPDX-License-Identifier: MIT
"""End to end: the systemd journal shipped to CloudWatch Logs (the fake), as a user sees it.

Issue: "Ship the systemd journal to CloudWatch Logs, end to end". Real journal files
written by systemd-journal-remote, the real binary, a CloudWatch fake that checks every
signature and every PutLogEvents rule. Which entries a section must ship is computed
independently in Python (e2e_util.entry_selected) and cross-checked with journalctl.

Order: within one request the fake refuses events out of order; across requests (up to
STREAM_MAX_IN_FLIGHT in flight per stream) arrival order at the fake may interleave, so
streams are compared in timestamp order, which is how GetLogEvents presents them. Every
test's timestamps are strictly increasing per stream, so that order is unambiguous.
"""

import json
import random
import re
import shutil
import socket
import time

import pytest

from e2e_util import (COREDUMP_MESSAGE_ID, LIMITS, SIGKILL, SIGTERM, TRUNCATED, by_time, duplicates,
                      entry_selected, general, journal_section, kill, now_us, refused, shipped, wait_exit)
from journals import read_journal

GROUP = "e2e-journal"
HOUR_US = 3600 * 1_000_000
DAY_US = 24 * HOUR_US


def cursor_of(state_dir, name):
        """The cursor in STATE_DIR/NAME.cursor, or None if there is no state file."""
        p = state_dir / f"{name}.cursor"
        if not p.exists():
                return None
        for line in p.read_text().splitlines():
                if line.startswith("cursor="):
                        return line[len("cursor="):].strip()
        return None


def simple_entries(n, start_us, step_us=1000, prefix="m", **fields):
        for i in range(n):
                yield dict(fields, MESSAGE=f"{prefix}-{i:06d}", __REALTIME_TIMESTAMP=start_us + i * step_us)


def expect_simple(n, start_us, step_us=1000, prefix="m"):
        return [((start_us + i * step_us) // 1000, f"{prefix}-{i:06d}") for i in range(n)]


# --------------------------------------------------------------------------
# 50,000 entries, filters, journalctl's semantics
# --------------------------------------------------------------------------

UNITS = ("a.service", "b.service", "c.service", "d.service")
IDENTS = ("appA", "appB", "appC")
TRANSPORTS = ("journal", "stdout", "syslog")
KINDS = ("keep", "also", "other")

FILTERED = dict(journal_unit="a.service b.service", journal_priority="err..warning",
                journal_identifier="appA appB",
                journal_match=["_TRANSPORT=journal _TRANSPORT=stdout", "KIND=keep + KIND=also"])
FILTERED_PY = dict(units=("a.service", "b.service"), priority=(3, 4), identifiers=("appA", "appB"),
                   match_lines=("_TRANSPORT=journal _TRANSPORT=stdout", "KIND=keep + KIND=also"))
# the same selection as journalctl arguments (the two match lines distributed over '+')
FILTERED_JOURNALCTL = ["-u", "a.service", "-u", "b.service", "-p", "err..warning", "-t", "appA", "-t", "appB",
                       "_TRANSPORT=journal", "_TRANSPORT=stdout", "KIND=keep", "+",
                       "_TRANSPORT=journal", "_TRANSPORT=stdout", "KIND=also"]


def many_units_journal(n, start_us, step_us, seed=1, tag="e"):
        """n entries over several units and identifiers, priorities varying, every third
        with a _SOURCE_REALTIME_TIMESTAMP half a step before its realtime (so event times
        stay strictly increasing). Every 97 entries carry systemd's own kinds of messages
        about units (PID 1, coredumps, OBJECT_SYSTEMD_UNIT) and decoys that look like them
        but must not match journalctl -u."""
        rng = random.Random(seed)
        for i in range(n):
                rt = start_us + i * step_us
                unit = UNITS[rng.randrange(4)]
                e = {"__REALTIME_TIMESTAMP": rt, "PRIORITY": rng.randrange(8),
                     "_TRANSPORT": TRANSPORTS[rng.randrange(3)], "KIND": KINDS[rng.randrange(3)]}
                k = i % 97
                if k == 13:    # PID 1 about a unit: part of journalctl -u UNIT
                        e.update(_PID=1, _UID=0, UNIT=unit, SYSLOG_IDENTIFIER="systemd",
                                 _SYSTEMD_UNIT="init.scope", MESSAGE=f"{tag}{i:06d} Started {unit}.")
                elif k == 29:  # a coredump of the unit: part of journalctl -u UNIT
                        e.update(MESSAGE_ID=COREDUMP_MESSAGE_ID, _UID=0, COREDUMP_UNIT=unit,
                                 SYSLOG_IDENTIFIER="systemd-coredump", _PID=4242,
                                 _SYSTEMD_UNIT="systemd-coredump@0-4242-0.service",
                                 MESSAGE=f"{tag}{i:06d} Process 77 ({unit}) dumped core.")
                elif k == 41:  # decoy: UNIT= but not from PID 1
                        e.update(_PID=2, _UID=0, UNIT=unit, SYSLOG_IDENTIFIER="kthreadd",
                                 MESSAGE=f"{tag}{i:06d} decoy UNIT={unit} from pid 2")
                elif k == 53:  # decoy: coredump record written by a non-root process
                        e.update(MESSAGE_ID=COREDUMP_MESSAGE_ID, _UID=1000, COREDUMP_UNIT=unit,
                                 SYSLOG_IDENTIFIER="fake-coredump", MESSAGE=f"{tag}{i:06d} decoy coredump")
                elif k == 67:  # a root daemon logging about the unit
                        e.update(_UID=0, OBJECT_SYSTEMD_UNIT=unit, SYSLOG_IDENTIFIER="appA",
                                 _SYSTEMD_UNIT="dbus.service", MESSAGE=f"{tag}{i:06d} object {unit}")
                else:
                        ident = IDENTS[rng.randrange(3)]
                        e.update(_SYSTEMD_UNIT=unit, SYSLOG_IDENTIFIER=ident, _UID=1000,
                                 MESSAGE=f"{tag}{i:06d} {unit} {ident} p{e['PRIORITY']} "
                                         f"{'x' * rng.randrange(0, 120)}")
                if i % 3 == 0:
                        e["_SOURCE_REALTIME_TIMESTAMP"] = rt - step_us // 2
                yield e


def journalctl_messages(directory, *args):
        """MESSAGE of every entry `journalctl -D DIRECTORY ARGS` shows, in its order."""
        return [e["MESSAGE"].decode("utf-8", "replace") for e in read_journal("-D", directory, *args)]


@pytest.mark.slow
def test_50k_entries_filtered_exactly_once_in_order(cwlogd, cwfake, journal_files, tmp_state):
        n, step = 50_000, 72_000  # one hour of entries
        start = now_us() - HOUR_US - 60 * 1_000_000
        d = journal_files(many_units_journal(n, start, step))
        entries = list(many_units_journal(n, start, step))

        want_filtered = [shipped(e) for e in entries if entry_selected(e, **FILTERED_PY)]
        want_unit = [shipped(e) for e in entries if entry_selected(e, units=("a.service",))]
        # the oracle agrees with journalctl itself
        assert journalctl_messages(d, *FILTERED_JOURNALCTL) == [m for _, m in want_filtered]
        assert journalctl_messages(d, "-u", "a.service") == [m for _, m in want_unit]
        # and the data exercises what it should
        assert any("Started a.service" in m for _, m in want_unit)
        assert any("dumped core" in m for _, m in want_unit)
        assert not any("decoy" in m for _, m in want_unit + want_filtered)
        assert len(want_filtered) > 500

        cwlogd.write_config(general() + journal_section("filtered", d, GROUP, "filtered", **FILTERED)
                            + journal_section("unit-a", d, GROUP, "unit-a", journal_unit="a.service"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        assert refused(cwfake) == []

        for stream, want in (("filtered", want_filtered), ("unit-a", want_unit)):
                got = cwfake.events(GROUP, stream)
                assert duplicates(got) == [], f"{stream}: duplicates"
                assert len(got) == len(want), f"{stream}: {len(got)} events, want {len(want)}"
                assert by_time(got) == want, stream

        # Nothing new: a second run sends nothing.
        before = len(cwfake.requests("PutLogEvents"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert len(cwfake.requests("PutLogEvents")) == before

        # A second journal file appears in the directory: only its entries are sent.
        start2 = now_us() - 30 * 1_000_000
        journal_files(many_units_journal(3000, start2, 5000, seed=2, tag="n"), name="more", directory=d)
        more = list(many_units_journal(3000, start2, 5000, seed=2, tag="n"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert refused(cwfake) == []
        new_filtered = [shipped(e) for e in more if entry_selected(e, **FILTERED_PY)]
        new_unit = [shipped(e) for e in more if entry_selected(e, units=("a.service",))]
        for stream, want in (("filtered", want_filtered + new_filtered), ("unit-a", want_unit + new_unit)):
                got = cwfake.events(GROUP, stream)
                assert duplicates(got) == [], f"{stream}: duplicates after appending"
                assert by_time(got) == want, stream

        # SPEC §7: one state file per section, NAME.cursor
        assert cursor_of(tmp_state, "filtered"), sorted(p.name for p in tmp_state.iterdir())
        assert cursor_of(tmp_state, "unit-a"), sorted(p.name for p in tmp_state.iterdir())


# --------------------------------------------------------------------------
# Restarts: nothing lost, duplicates bounded by what was in flight
# --------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [SIGTERM, SIGKILL], ids=["TERM", "KILL"])
def test_restart_midway_loses_nothing(cwlogd, cwfake, journal_files, tmp_state, sig):
        n, batch = 20_000, 200
        start = now_us() - HOUR_US
        d = journal_files(simple_entries(n, start, 1000))
        want = expect_simple(n, start, 1000)
        cwlogd.write_config(general() + journal_section("s", d, GROUP, "s", batch_count=batch,
                                                        buffer_duration=200))
        p = cwlogd.start(env=cwfake.env())
        got = cwfake.wait_for(lambda f: len(f.events(GROUP, "s")) >= 2000, timeout=120)
        assert got, "no events arrived: " + cwlogd.log(p)[-3000:]

        if sig == SIGKILL:
                cwfake.refuse()  # an outage: batches in flight are cut, nothing more is accepted
                time.sleep(1)
                kill(p, SIGKILL)
                assert wait_exit(p, 30) is not None
                cwfake.resume()
        else:
                kill(p, SIGTERM)
                rc = wait_exit(p, 120)
                assert rc == 0, cwlogd.log(p)[-3000:]
        before = cwfake.events(GROUP, "s")
        if sig == SIGKILL:
                assert len(before) < n, "the outage came after everything was delivered"

        # Everything up to the saved cursor had been accepted by the service.
        cursor = cursor_of(tmp_state, "s")
        if cursor:
                upto = len(want) - len(read_journal("-D", d, f"--after-cursor={cursor}"))
                missing = set(want[:upto]) - set(before)
                assert not missing, f"state file points past {len(missing)} events that were never accepted"

        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        got = cwfake.events(GROUP, "s")
        assert set(got) == set(want), f"lost {len(set(want) - set(got))} events"
        bound = LIMITS["STREAM_MAX_IN_FLIGHT"] * batch + LIMITS["ACK_CHUNK_MAX_RECORDS"]
        assert len(duplicates(got)) <= bound
        assert refused(cwfake) == []


# --------------------------------------------------------------------------
# --dry-run
# --------------------------------------------------------------------------

def test_dry_run_prints_requests_and_keeps_no_state(cwlogd, cwfake, journal_files, tmp_state):
        n = 1500
        start = now_us() - HOUR_US
        d = journal_files(simple_entries(n, start, 1000))
        cwlogd.write_config(general() + journal_section("dry", d, GROUP, "dry-stream", batch_count=500))

        r = cwlogd.run("--dry-run", "--once", timeout=120)  # no credentials, no region: not needed
        assert r.returncode == 0, r.stderr[-3000:]
        bodies = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        assert len(bodies) >= 3
        events = []
        for b in bodies:
                assert b["logGroupName"] == GROUP and b["logStreamName"] == "dry-stream"
                assert 1 <= len(b["logEvents"]) <= 500
                events += [(e["timestamp"], e["message"]) for e in b["logEvents"]]
        assert events == expect_simple(n, start, 1000)
        assert list(tmp_state.iterdir()) == []

        again = cwlogd.run("--dry-run", "--once", env=cwfake.env(), timeout=120)
        assert again.returncode == 0, again.stderr[-3000:]
        assert [json.loads(line) for line in again.stdout.splitlines() if line.strip()] == bodies
        assert list(tmp_state.iterdir()) == []
        assert cwfake.requests() == []


# --------------------------------------------------------------------------
# Exactly once, order and the per-request limits, gzip on and off
# --------------------------------------------------------------------------

def limits_journal(start_us):
        """12,000 small entries (more than one request's count), every 50th one 20 KiB (more
        than one request's bytes), spread over three days (more than one request's span).
        The first entry of the journal is part of it."""
        t = start_us
        for i in range(12_000):
                t += (6 * HOUR_US) if i % 2000 == 0 and i else 1000
                big = "y" * (20 * 1024) if i % 50 == 0 else ""
                yield {"MESSAGE": f"lim-{i:06d} {big}".rstrip(), "__REALTIME_TIMESTAMP": t,
                       "SYSLOG_IDENTIFIER": "lim"}


@pytest.mark.parametrize("gzip", ["true", "false"])
def test_exactly_once_within_limits(cwlogd, cwfake, journal_files, gzip):
        start = now_us() - 3 * DAY_US + HOUR_US
        d = journal_files(limits_journal(start))
        want = [shipped(e) for e in limits_journal(start)]
        cwlogd.write_config(general(use_gzip_http_content_encoding=gzip) + journal_section("lim", d, GROUP, "lim"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert refused(cwfake) == []
        puts = cwfake.requests("PutLogEvents")
        assert puts and all(p["gzip"] == (gzip == "true") for p in puts)
        assert all(p["n_events"] <= 10000 and p["bytes"] <= 1048576 for p in puts if p["status"] == 200)
        got = cwfake.events(GROUP, "lim")
        assert duplicates(got) == []
        assert by_time(got) == want
        assert want[0] in got, "the first entry of the journal (empty state) was not shipped"


# --------------------------------------------------------------------------
# What becomes of odd messages
# --------------------------------------------------------------------------

def test_event_edge_cases(cwlogd, cwfake, journal_files):
        now = now_us()
        t0 = now - HOUR_US
        big300 = "big300 " + "a" * (300 * 1024)
        huge = "huge " + "é" * (1024 * 1024)  # 2 MiB of 2-byte characters
        entries = [
                {"MESSAGE": "too old one", "__REALTIME_TIMESTAMP": now - 20 * DAY_US},
                {"MESSAGE": "too old two", "__REALTIME_TIMESTAMP": now - 15 * DAY_US},
                {"MESSAGE": "first recent", "__REALTIME_TIMESTAMP": t0},
                {"MESSAGE": "", "__REALTIME_TIMESTAMP": t0 + 1000},
                {"MESSAGE": " \t  ", "__REALTIME_TIMESTAMP": t0 + 2000},
                {"MESSAGE": big300, "__REALTIME_TIMESTAMP": t0 + 3000},
                {"MESSAGE": huge, "__REALTIME_TIMESTAMP": t0 + 4000},
                {"MESSAGE": b"bad \xff byte \xfe\xfe end \xc3", "__REALTIME_TIMESTAMP": t0 + 5000},
                {"SYSLOG_IDENTIFIER": "no-message-field", "__REALTIME_TIMESTAMP": t0 + 6000},
                {"MESSAGE": "last", "__REALTIME_TIMESTAMP": t0 + 7000},
        ]
        d = journal_files(entries)
        cwlogd.write_config(general() + journal_section("odd", d, GROUP, "odd"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert refused(cwfake) == []

        got = by_time(cwfake.events(GROUP, "odd"))
        msgs = [m for _, m in got]
        assert len(msgs) == 5, [m[:40] for m in msgs]
        assert msgs[0] == "first recent"
        assert msgs[1] == big300, "a 300 KiB message must arrive whole"
        cut = msgs[2]
        assert cut.endswith(TRUNCATED)
        size = len(cut.encode()) + 26
        assert size <= 1048576
        assert size > 1048576 - 16, "the cut message should use the room it has"
        assert huge.startswith(cut[:-len(TRUNCATED)])
        assert msgs[3] == "bad \ufffd byte \ufffd\ufffd end \ufffd"
        assert msgs[4] == "last"
        assert [ts for ts, _ in got] == [(t0 + k) // 1000 for k in (0, 3000, 4000, 5000, 7000)]
        log = r.stderr
        assert re.search(r"too[ _-]old", log), log[-2000:]
        assert "empty" in log, log[-2000:]


def test_old_event_size_limit(cwlogd, cwfake, journal_files):
        """[general] max_event_size = 262144 for endpoints with the old limit."""
        cwfake.max_event_size = 262144
        t0 = now_us() - HOUR_US
        msg = "old-limit " + "z" * (300 * 1024)
        d = journal_files([{"MESSAGE": msg, "__REALTIME_TIMESTAMP": t0},
                           {"MESSAGE": "after", "__REALTIME_TIMESTAMP": t0 + 1000}])
        cwlogd.write_config(general(max_event_size=262144) + journal_section("old", d, GROUP, "old"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=120)
        assert r.returncode == 0, r.stderr[-3000:]
        assert refused(cwfake) == []
        msgs = [m for _, m in by_time(cwfake.events(GROUP, "old"))]
        assert len(msgs) == 2 and msgs[1] == "after"
        assert msgs[0].endswith(TRUNCATED) and len(msgs[0].encode()) + 26 <= 262144
        assert msg.startswith(msgs[0][:-len(TRUNCATED)])


# --------------------------------------------------------------------------
# Groups and streams
# --------------------------------------------------------------------------

def test_creates_group_with_retention_and_stream(cwlogd, cwfake, journal_files):
        start = now_us() - HOUR_US
        d = journal_files(simple_entries(100, start))
        assert cwfake.groups() == {}
        cwlogd.write_config(general() + journal_section("c", d, "new-group", "new-stream", retention_in_days=7))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=120)
        assert r.returncode == 0, r.stderr[-3000:]
        assert cwfake.groups() == {"new-group": {"retention": 7, "streams": ["new-stream"]}}
        assert by_time(cwfake.events("new-group", "new-stream")) == expect_simple(100, start)
        assert cwfake.stats()["by_op"].get("PutRetentionPolicy") == 1


def test_create_log_group_false(cwlogd, cwfake, journal_files, tmp_state):
        start = now_us() - HOUR_US
        d = journal_files(simple_entries(50, start))
        cwlogd.write_config(general() + journal_section("nc", d, "absent-group", "s", create_log_group="false"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 2, r.stderr[-3000:]
        assert "does not exist" in r.stderr, r.stderr[-3000:]
        assert "absent-group" in r.stderr or "[nc]" in r.stderr
        assert cwfake.groups() == {}
        assert not cwfake.requests("CreateLogGroup") and not cwfake.requests("CreateLogStream")

        # State did not move: once the group exists, everything is delivered.
        cwfake.create_group("absent-group")
        cwfake.create_stream("absent-group", "s")
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert by_time(cwfake.events("absent-group", "s")) == expect_simple(50, start)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------

def test_corrupt_journal_file_does_not_stop_the_good_ones(cwlogd, cwfake, journal_files):
        """A corrupt file next to good ones. The corrupt one is a damaged copy of a third,
        separately written journal whose entries lie between the good files' in time (a
        damaged copy of a good file would share its entries' identities, and sd-journal
        may then pick the damaged duplicate: journalctl does the same)."""
        start = now_us() - 2 * HOUR_US
        d = journal_files(simple_entries(3000, start, 1000, prefix="one"), name="one")
        start2 = start + HOUR_US
        journal_files(simple_entries(3000, start2, 1000, prefix="two"), name="two", directory=d)
        want = expect_simple(3000, start, 1000, "one") + expect_simple(3000, start2, 1000, "two")
        other = journal_files(simple_entries(3000, start + HOUR_US // 2, 1000, prefix="bad"), name="bad")
        maybe = set(expect_simple(3000, start + HOUR_US // 2, 1000, "bad"))

        src = sorted(other.iterdir())[0]
        bad = d / "corrupt.journal"
        shutil.copyfile(src, bad)
        size = bad.stat().st_size
        with open(bad, "r+b") as f:
                f.seek(size // 2)
                f.write(random.Random(7).randbytes(min(64 * 1024, size // 4)))
        # journalctl still shows every entry of the good files
        assert set(m for _, m in want) <= set(journalctl_messages_lenient(d))

        cwlogd.write_config(general() + journal_section("c", d, GROUP, "c"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode >= 0, f"killed by signal {-r.returncode}: {r.stderr[-3000:]}"
        assert refused(cwfake) == []
        got = cwfake.events(GROUP, "c")
        missing = set(want) - set(got)
        assert not missing, f"{len(missing)} entries of the good files did not arrive: {sorted(missing)[:5]}"
        assert set(got) <= set(want) | maybe, "events that are not in any journal arrived"
        assert duplicates(got) == []


def journalctl_messages_lenient(directory):
        return [e["MESSAGE"].decode("utf-8", "replace") for e in read_journal("-D", directory) if "MESSAGE" in e]


def test_garbage_answers_are_retried(cwlogd, cwfake, journal_files):
        start = now_us() - HOUR_US
        d = journal_files(simple_entries(500, start))
        cwfake.set_faults(ops=["PutLogEvents"])
        cwfake.script("garbage", "garbage", "garbage")
        cwlogd.write_config(general() + journal_section("g", d, GROUP, "g"))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert cwfake.stats()["faults"].get("garbage") == 3
        got = cwfake.events(GROUP, "g")
        assert duplicates(got) == []
        assert by_time(got) == expect_simple(500, start)


def _closed_port():
        with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                return s.getsockname()[1]


def test_refused_connections_once_gives_up(cwlogd, cwfake, journal_files, tmp_state):
        start = now_us() - HOUR_US
        d = journal_files(simple_entries(200, start))
        cwlogd.write_config(general() + journal_section("r", d, GROUP, "r"))
        env = dict(cwfake.env(), AWS_ENDPOINT_URL_LOGS=f"http://127.0.0.1:{_closed_port()}")
        r = cwlogd.run("--once", env=env, timeout=600)
        assert r.returncode == 2, r.stderr[-3000:]
        assert cursor_of(tmp_state, "r") is None, "state advanced though nothing was delivered"
        # and nothing was lost: against a working endpoint everything arrives
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert by_time(cwfake.events(GROUP, "r")) == expect_simple(200, start)
