"""Never lose an event: the real cwlogd against a misbehaving CloudWatch, broken journals
and a state directory that cannot be written.

What it checks, as a user would see it at the service:
  - every fault kind of the fake (throttle, 500, 503, reset, stall, garbage, drop_ack), alone
    and mixed at 25 % and 45 %, on a 100,000-entry journal, and on a text file rotated while
    it is shipped: every event arrives, and the only duplicates are events whose
    acknowledgement the fake dropped (cwfake.unexplained_duplicates() is empty);
  - journal faults: the saved cursor's entry vacuumed away (continue after its timestamp, no
    re-send from the head, the gap is logged), files rotated (renamed) or deleted while being
    read, a corrupt file next to good ones, the journald of a namespace restarted while
    cwlogd follows it;
  - state directory faults: read-only, full. Logged, shipping continues, the position is
    written once the directory is usable again.

What it deliberately does not do: assert on timing (waits only bound a hang), fix or
second-guess cwlogd (a failure here is a cwlogd bug to report), touch the machine's
journal or mounts (private mount namespaces only).

Invariants: the 100,000-entry journal is written once per session and never modified;
every process and directory a test creates is removed at its end.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import journals
from conftest import REPO

N_BIG = 100_000
FAULT_KINDS = ["throttle", "500", "503", "reset", "stall", "garbage", "drop_ack"]
MIXES = {
        "mix25": {"throttle": 0.05, "500": 0.03, "503": 0.04, "reset": 0.03, "stall": 0.02, "garbage": 0.03,
                  "drop_ack": 0.05},
        "mix45": {"throttle": 0.10, "500": 0.05, "503": 0.07, "reset": 0.06, "stall": 0.03, "garbage": 0.06,
                  "drop_ack": 0.08},
}
WAIT = 240  # bounds a hang only


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def limits():
        """The caps the daemon is built with, read from src/cw-limits.h."""
        text = (REPO / "src" / "cw-limits.h").read_text()
        out = {}
        for m in re.finditer(r"^#define\s+(\w+)\s+\(?([0-9]+)U?\)?\s*$", text, re.M):
                out[m.group(1)] = int(m.group(2))
        return out


def msgs(fake, group, stream):
        return [m for _, m in fake.events(group, stream)]


def wait_all(fake, group, stream, expected, timeout=WAIT):
        """Wait until every expected message arrived; returns the messages stored (with repeats)."""
        expected = set(expected)
        fake.wait_for(lambda f: len(f.events(group, stream)) >= len(expected)
                      and expected <= set(msgs(f, group, stream)), timeout)
        return msgs(fake, group, stream)


def assert_complete(fake, group, stream, expected, got=None):
        got = msgs(fake, group, stream) if got is None else got
        missing = sorted(set(expected) - set(got))
        assert not missing, (f"{len(missing)} of {len(set(expected))} events never arrived, e.g. {missing[:5]}; "
                             f"fake stats: {fake.stats()}")
        dups = fake.unexplained_duplicates()
        assert not dups, (f"{len(dups)} events duplicated without a dropped acknowledgement, "
                          f"e.g. {dups[:5]}")


def alive_then_stop(cwlogd, p):
        assert p.poll() is None, f"cwlogd exited ({p.returncode}):\n{cwlogd.log(p)[-3000:]}"
        rc = cwlogd.stop(p)
        assert rc == 0, f"cwlogd exit {rc} on SIGTERM:\n{cwlogd.log(p)[-3000:]}"


def journal_entries(prefix, indices, t0_us, step_us=1000, boot_id=None, extra=None):
        """Entries with explicit, consistent realtime and monotonic stamps (index i at
        t0 + i*step), so files written separately interleave like one journal."""
        for i in indices:
                e = {"MESSAGE": f"{prefix}-{i:07d}", "SYSLOG_IDENTIFIER": "cwtest", "PRIORITY": "6",
                     "__REALTIME_TIMESTAMP": t0_us + i * step_us, "__MONOTONIC_TIMESTAMP": 5_000_000 + i * step_us}
                if boot_id:
                        e["_BOOT_ID"] = boot_id
                if extra:
                        e.update(extra)
                yield e


def journal_config(directory, group="g", stream="s", extra=""):
        return (f"[general]\n[j]\njournal = true\njournal_directory = {directory}\nlog_group_name = {group}\n"
                f"log_stream_name = {stream}\nbuffer_duration = 200\n{extra}")


def now_us():
        return int(time.time() * 1e6)


def wait_until(pred, timeout, interval=0.1):
        deadline = time.monotonic() + timeout
        while True:
                v = pred()
                if v or time.monotonic() > deadline:
                        return v
                time.sleep(interval)


def open_paths(pid):
        out = set()
        try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                        try:
                                out.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
                        except OSError:
                                pass
        except OSError:
                pass
        return out


def mapped_paths(pid):
        try:
                return {line.split(None, 5)[5].strip() for line in open(f"/proc/{pid}/maps") if len(line.split()) >= 6}
        except OSError:
                return set()


# --------------------------------------------------------------------------
# The 100,000-entry journal, written once per session
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def big_journal():
        """(directory, [messages]) of a 100,000-entry journal, 10 µs apart, an hour old."""
        if not os.access(journals.JOURNAL_REMOTE, os.X_OK):
                pytest.skip(f"{journals.JOURNAL_REMOTE} missing")
        d = Path(tempfile.mkdtemp(prefix="cwlogd-bigjournal."))
        t0 = now_us() - 3600 * 1_000_000
        expected = [f"big-{i:07d} payload for the fault tests" for i in range(N_BIG)]

        def gen():
                for i, m in enumerate(expected):
                        yield {"MESSAGE": m, "SYSLOG_IDENTIFIER": "cwtest", "__REALTIME_TIMESTAMP": t0 + i * 10}
        try:
                journals.write_journal_files(d, gen(), name="big")
                yield d, expected
        finally:
                shutil.rmtree(d, ignore_errors=True)


def run_with_faults(cwlogd, cwfake, big_journal, rates, script=(), stall_seconds=1, seed=7, batch_count=1000,
                    precreate=False):
        directory, expected = big_journal
        if precreate:
                cwfake.create_group("g")
                cwfake.create_stream("g", "s")
        cwfake.set_faults(rates=rates, seed=seed, stall_seconds=stall_seconds)
        if script:
                cwfake.script(*script)
        cwlogd.write_config(journal_config(directory, extra=f"batch_count = {batch_count}\n"))
        p = cwlogd.start(env=cwfake.env())
        got = wait_all(cwfake, "g", "s", expected)
        stats = cwfake.stats()
        print(f"faults {rates}: {stats['requests']} requests, by status {stats['by_status']}, "
              f"faults {stats['faults']}, {len(got)} events stored for {len(expected)}, "
              f"{len(cwfake.dropped_ack_events())} from dropped acks")
        assert_complete(cwfake, "g", "s", expected, got)
        alive_then_stop(cwlogd, p)
        return stats


# --------------------------------------------------------------------------
# CloudWatch faults
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind_loses_nothing(cwlogd, cwfake, big_journal, kind):
        """25 % of the PutLogEvents requests get this fault, and the first two get it for
        sure; 100,000 journal entries all arrive once (twice only where the fake dropped the
        acknowledgement). The group and stream exist already, so that this test is about
        PutLogEvents; the mixes below also fault the create calls."""
        stats = run_with_faults(cwlogd, cwfake, big_journal, {kind: 0.25}, script=(kind, kind),
                                batch_count=2500, precreate=True)
        assert stats["faults"].get(kind, 0) >= 2, f"the fault never happened: {stats}"
        if kind == "drop_ack":
                assert cwfake.dropped_ack_events(), "drop_ack stored nothing, the test proves nothing"


@pytest.mark.parametrize("mix", sorted(MIXES))
def test_fault_mix_loses_nothing(cwlogd, cwfake, big_journal, mix):
        rates = MIXES[mix]
        stats = run_with_faults(cwlogd, cwfake, big_journal, rates, seed=sum(map(ord, mix)))
        assert sum(stats["faults"].values()) > 0
        assert len(stats["faults"]) >= 5, f"too few fault kinds happened to prove much: {stats['faults']}"


def write_generations(log, generations, per_file, before_rotation=lambda k: None):
        """Writes generations * per_file lines to `log`, renaming it to log.K (a new file at
        `log`) after each generation but the last. before_rotation(k) runs before renaming
        generation k away. Returns the lines."""
        lines = []
        for k in range(generations):
                if k:
                        before_rotation(k)
                        os.rename(log, f"{log}.{k}")
                with open(log, "a") as f:
                        for i in range(per_file):
                                m = f"gen{k}-line-{i:06d} written by the rotating writer"
                                f.write(m + "\n")
                                lines.append(m)
                                if i % 500 == 499:
                                        f.flush()
                                        time.sleep(0.05)
        return lines


def test_rotating_file_under_faults_loses_nothing(cwlogd, cwfake, workdir):
        """A text file renamed away every 4,000 lines (app.log -> app.log.N, a new app.log)
        while it is shipped through a 25 % fault mix: all 24,000 lines arrive. A rotation
        waits until a line of the generation it renames has arrived (cwlogd has opened it),
        so cwlogd is at most one file behind (several rotations behind: next test)."""
        log = workdir / "app.log"
        log.write_text("")
        cwfake.set_faults(rates=MIXES["mix25"], seed=11, stall_seconds=1)
        cwlogd.write_config(f"[general]\n[app]\nfile = {log}\nlog_group_name = g\nlog_stream_name = f\n"
                            "buffer_duration = 200\nbatch_count = 500\n")
        p = cwlogd.start(env=cwfake.env())

        def current_opened(k):
                cwfake.wait_for(lambda f: any(m.startswith(f"gen{k - 1}-") for m in msgs(f, "g", "f")), 120)

        expected = write_generations(log, 6, 4000, current_opened)
        got = wait_all(cwfake, "g", "f", expected, timeout=120)
        print(f"rotating file: {len(got)} stored for {len(expected)}, faults {cwfake.stats()['faults']}")
        assert_complete(cwfake, "g", "f", expected, got)
        alive_then_stop(cwlogd, p)


def test_file_rotated_several_times_during_an_outage(cwlogd, cwfake, workdir):
        """The service is down and cwlogd's queue is full (queue_size = 2, batch_count = 500:
        1,000 lines), so the file is the buffer; meanwhile app.log is rotated four times
        (app.log.1 .. app.log.4). After the outage every one of the 10,000 lines must arrive:
        the rotated files are still on disk, and the glob names them (with a plain path, a
        file rotated away before cwlogd ever opened it has no name cwlogd could know)."""
        log = workdir / "app.log"
        log.write_text("")
        cwfake.refuse()
        cwlogd.write_config(f"[general]\nqueue_size = 2\n[app]\nfile = {log}*\nlog_group_name = g\n"
                            "log_stream_name = f\nbuffer_duration = 200\nbatch_count = 500\n")
        p = cwlogd.start(env=cwfake.env())
        expected = write_generations(log, 5, 2000)
        time.sleep(1)
        cwfake.resume()
        got = wait_all(cwfake, "g", "f", expected, timeout=60)
        per_gen = {k: sum(1 for m in set(got) if m.startswith(f"gen{k}-")) for k in range(5)}
        print(f"lines that arrived per generation (of 2000): {per_gen}\ncwlogd log:\n{cwlogd.log(p)[-3000:]}")
        assert_complete(cwfake, "g", "f", expected, got)
        alive_then_stop(cwlogd, p)


# --------------------------------------------------------------------------
# Journal faults
# --------------------------------------------------------------------------

def test_vacuumed_cursor_continues_after_its_timestamp(cwlogd, cwfake, journal_files):
        """The file holding the saved cursor's entry is deleted (vacuum) while an older file
        with entries before the cursor stays: cwlogd continues after the cursor's time (no
        re-send of the older file, as a fall back to the head would do) and logs the gap."""
        boot = os.urandom(16).hex()
        t0 = now_us() - 3 * 3600 * 1_000_000
        d = journal_files(journal_entries("v", range(0, 1000, 2), t0, boot_id=boot), name="keep")
        journal_files(journal_entries("v", range(1, 1000, 2), t0, boot_id=boot), name="vacuumed", directory=d)
        cwlogd.write_config(journal_config(d))
        r = cwlogd.run("--once", env=cwfake.env())
        assert r.returncode == 0, r.stderr
        first = msgs(cwfake, "g", "s")
        assert sorted(first) == [f"v-{i:07d}" for i in range(1000)]
        cursor = (cwlogd.state_dir / "j.cursor").read_text()
        assert "cursor=" in cursor, cursor

        (d / "vacuumed.journal").unlink()
        journal_files(journal_entries("v", range(1000, 2000), t0, boot_id=boot), name="new", directory=d)
        r = cwlogd.run("--once", env=cwfake.env())
        assert r.returncode == 0, r.stderr
        second = msgs(cwfake, "g", "s")[len(first):]
        resent = sorted(set(second) & set(first))
        assert not resent, f"{len(resent)} entries from before the saved position were sent again: {resent[:5]}"
        assert sorted(second) == [f"v-{i:07d}" for i in range(1000, 2000)], \
                f"expected exactly the 1000 new entries, got {len(second)}: {sorted(second)[:3]}..."
        assert re.search(r"saved position is gone|may be missing", r.stderr), \
                f"the possible gap is not logged:\n{r.stderr[-2000:]}"


def _start_paused_on(cwlogd, cwfake, d, path, extra=""):
        """cwlogd reading d while the service is down: it reads one queue's worth and pauses,
        holding `path` open in the middle."""
        cwfake.refuse()
        cwlogd.write_config(journal_config(d, extra="batch_count = 500\n" + extra).replace(
                "[general]\n", "[general]\nqueue_size = 2\n"))
        p = cwlogd.start(env=cwfake.env())
        assert wait_until(lambda: str(path) in mapped_paths(p.pid) | open_paths(p.pid) or p.poll() is not None, 30)
        time.sleep(1)  # let it fill its queue and pause; nothing below depends on how far it got
        assert p.poll() is None, cwlogd.log(p)
        return p


@pytest.mark.parametrize("how", ["rotated", "deleted"])
def test_journal_file_rotated_or_deleted_while_reading(cwlogd, cwfake, journal_files, how):
        """While cwlogd is in the middle of a file (paused by an outage), the file is renamed
        like journald's rotation (NAME@...journal) or deleted, and a new file appears.
        Rotation loses nothing; deletion loses at most what was not read yet from the deleted
        file; everything in the new file arrives; no entry is sent twice."""
        boot = os.urandom(16).hex()
        t0 = now_us() - 2 * 3600 * 1_000_000
        d = journal_files(journal_entries("r", range(0, 20_000), t0, boot_id=boot), name="system")
        first = d / "system.journal"
        p = _start_paused_on(cwlogd, cwfake, d, first)

        if how == "rotated":
                first.rename(d / "system@00000000000000000000000000000001-0000000000000001-0000000000000001.journal")
        else:
                first.unlink()
        journal_files(journal_entries("r", range(20_000, 40_000), t0, boot_id=boot), name="system2", directory=d)
        cwfake.resume()

        new = [f"r-{i:07d}" for i in range(20_000, 40_000)]
        want = [f"r-{i:07d}" for i in range(40_000)] if how == "rotated" else new
        got = wait_all(cwfake, "g", "s", want)
        assert_complete(cwfake, "g", "s", want, got)
        strays = set(got) - {f"r-{i:07d}" for i in range(40_000)}
        assert not strays, f"unexpected messages: {sorted(strays)[:5]}"
        print(f"{how}: {len(set(got)) - len(new)} of 20000 entries of the first file arrived")
        alive_then_stop(cwlogd, p)


def _corrupt(path, how):
        data = bytearray(path.read_bytes())
        if how == "truncated":
                path.write_bytes(data[: len(data) * 6 // 10])
        elif how == "smashed":
                a, b = len(data) * 4 // 10, len(data) * 6 // 10
                data[a:b] = bytes((i * 151 + 7) & 0xFF for i in range(b - a))
                path.write_bytes(data)
        else:  # garbage: not a journal file at all, but named like one
                path.write_bytes(bytes((i * 73 + 11) & 0xFF for i in range(len(data))))


@pytest.mark.parametrize("how", ["truncated", "smashed", "garbage"])
def test_corrupt_journal_file_does_not_stop_the_others(cwlogd, cwfake, journal_files, how):
        """Three files interleaved in time, the middle one corrupted: every entry of the two
        good files arrives, whatever of the bad one arrives is genuine, --once completes."""
        boot = os.urandom(16).hex()
        t0 = now_us() - 3600 * 1_000_000
        d = journal_files(journal_entries("c", range(0, 30_000, 3), t0, boot_id=boot), name="good1")
        journal_files(journal_entries("c", range(1, 30_000, 3), t0, boot_id=boot), name="bad", directory=d)
        journal_files(journal_entries("c", range(2, 30_000, 3), t0, boot_id=boot), name="good2", directory=d)
        _corrupt(d / "bad.journal", how)
        cwlogd.write_config(journal_config(d))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=180)
        good = [f"c-{i:07d}" for i in range(30_000) if i % 3 != 1]
        got = msgs(cwfake, "g", "s")
        print(f"{how}: {len(set(got)) - len(good)} of 10000 entries of the corrupt file arrived; "
              f"exit {r.returncode}; log tail:\n{r.stderr[-800:]}")
        assert_complete(cwfake, "g", "s", good, got)
        bogus = set(got) - {f"c-{i:07d}" for i in range(30_000)}
        assert not bogus, f"messages that were never written: {sorted(bogus)[:5]}"
        assert r.returncode == 0, f"--once exit {r.returncode}:\n{r.stderr[-3000:]}"


@pytest.mark.parametrize("how", ["truncated", "smashed"])
def test_corrupt_journal_file_is_named_in_the_log(cwlogd, cwfake, journal_files, how):
        """SPEC §7: a corrupt journal file "gets a clear message naming what and where"."""
        boot = os.urandom(16).hex()
        t0 = now_us() - 3600 * 1_000_000
        d = journal_files(journal_entries("n", range(0, 6000, 2), t0, boot_id=boot), name="good")
        journal_files(journal_entries("n", range(1, 6000, 2), t0, boot_id=boot), name="bad", directory=d)
        _corrupt(d / "bad.journal", how)
        cwlogd.write_config(journal_config(d))
        r = cwlogd.run("--once", env=cwfake.env(), timeout=180)
        assert "bad.journal" in r.stderr, f"the corrupt file is not named (exit {r.returncode}):\n{r.stderr[-2000:]}"


def test_journald_namespace_restart_while_following(cwlogd, cwfake, journald_namespace):
        """cwlogd follows a journal namespace; its journald is stopped and started again;
        entries before and after all arrive, once."""
        ns = journald_namespace
        cwlogd.write_config(f"[general]\n[j]\njournal = true\njournal_namespace = {ns.name}\n"
                            "journal_identifier = cwtest\nlog_group_name = g\nlog_stream_name = s\n"
                            "buffer_duration = 200\n")
        p = cwlogd.start(env=cwfake.env(), ns=ns)
        before = [f"ns-before-{i:05d}" for i in range(500)]
        ns.send_many({"MESSAGE": m, "SYSLOG_IDENTIFIER": "cwtest"} for m in before)
        assert set(before) <= set(wait_all(cwfake, "g", "s", before, timeout=60)), cwlogd.log(p)

        journals._end(ns.journald)
        if ns._sock:  # the old socket is gone with that journald
                ns._sock.close()
                ns._sock = None
        with open(ns.root / "journald2.log", "wb") as log:
                ns.journald = ns.popen([journals.JOURNALD, ns.name], stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT)
        assert wait_until(lambda: ns.sync(check=False), 30), "journald did not come back"
        after = [f"ns-after-{i:05d}" for i in range(500)]
        ns.send_many({"MESSAGE": m, "SYSLOG_IDENTIFIER": "cwtest"} for m in after)
        got = wait_all(cwfake, "g", "s", before + after, timeout=90)
        assert_complete(cwfake, "g", "s", before + after, got)
        assert len(got) == 1000, f"{len(got)} events for 1000 entries"
        alive_then_stop(cwlogd, p)


def test_journal_rotation_by_journald_while_following(cwlogd, cwfake, journald_namespace_factory):
        """A real journald rotating small files (SystemMaxFileSize=512K) while cwlogd
        follows the namespace: all 8,000 entries arrive once."""
        ns = journald_namespace_factory(journald_conf={"SystemMaxFileSize": "512K"})
        cwlogd.write_config(f"[general]\n[j]\njournal = true\njournal_namespace = {ns.name}\n"
                            "journal_identifier = cwtest\nlog_group_name = g\nlog_stream_name = s\n"
                            "buffer_duration = 200\n")
        p = cwlogd.start(env=cwfake.env(), ns=ns)
        sent = [f"rot-{i:06d} " + "x" * 120 for i in range(8_000)]
        ns.send_many({"MESSAGE": m, "SYSLOG_IDENTIFIER": "cwtest"} for m in sent)
        ns.sync()
        files = list(ns.journal_dir.glob("*.journal"))
        got = wait_all(cwfake, "g", "s", sent, timeout=120)
        print(f"journald wrote {len(files)} files")
        assert len(files) >= 3, f"journald did not rotate, the test proves nothing: {files}"
        assert_complete(cwfake, "g", "s", sent, got)
        assert len(got) == len(sent)
        alive_then_stop(cwlogd, p)


# --------------------------------------------------------------------------
# State directory faults
# --------------------------------------------------------------------------

class PrivateTmpfs:
        """A tmpfs over `path`, visible only inside a private mount namespace held by an
        anchor process. cwlogd runs inside (Cwlogd.start(ns=...)); the test reads the
        files through /proc/ANCHOR/root."""

        def __init__(self, path, size="1m"):
                self.path, self.size = Path(path), size
                self._procs = []
                ready = Path(tempfile.mkdtemp(prefix="cwlogd-mnt.")) / "ready"
                self._ready_dir = ready.parent
                script = f"set -e; mount -t tmpfs -o size={size},mode=0700 tmpfs '{self.path}'; touch '{ready}'; " \
                         "exec sleep infinity"
                self.anchor = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                                                script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT)
                if not wait_until(lambda: ready.exists() or self.anchor.poll() is not None, 20) or not ready.exists():
                        out = self.anchor.stdout.read().decode(errors="replace") if self.anchor.poll() is not None else ""
                        self.close()
                        pytest.skip(f"cannot mount a private tmpfs: {out}")

        def prefix(self):
                return ["nsenter", f"--mount=/proc/{self.anchor.pid}/ns/mnt", "--"]

        def popen(self, argv, **kw):
                p = subprocess.Popen(self.prefix() + [str(a) for a in argv], **kw)
                self._procs.append(p)
                return p

        def run(self, *argv):
                r = subprocess.run(self.prefix() + [str(a) for a in argv], capture_output=True, text=True, timeout=60)
                assert r.returncode == 0, f"{argv}: {r.stdout}{r.stderr}"
                return r

        def inside(self, rel=""):
                """The host path of PATH/rel as the namespace sees it."""
                return Path(f"/proc/{self.anchor.pid}/root") / str(self.path).lstrip("/") / rel

        def close(self):
                for p in self._procs:
                        journals._end(p, signal.SIGKILL)
                if self.anchor is not None and self.anchor.poll() is None:
                        journals._end(self.anchor, signal.SIGKILL)
                shutil.rmtree(self._ready_dir, ignore_errors=True)


@pytest.fixture
def private_state(tmp_state):
        if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("nsenter"):
                pytest.skip("needs root, unshare and nsenter for a private tmpfs")
        m = PrivateTmpfs(tmp_state)
        yield m
        m.close()


def saved_cursor(m):
        try:
                text = m.inside("j.cursor").read_text()
        except OSError:
                return None
        found = re.search(r"^cursor=(.*)$", text, re.M)
        return found.group(1) if found else None


def cursor_is_last(d, cursor):
        """True when nothing in journal directory d comes after cursor."""
        r = subprocess.run(["journalctl", "-D", str(d), f"--after-cursor={cursor}", "-o", "cat", "--no-pager"],
                           capture_output=True, text=True, timeout=60)
        return r.returncode in (0, 1) and r.stdout.strip() == ""


@pytest.mark.parametrize("fault,recovery", [
        ("read-only", "next-ack"),
        ("full", "next-ack"),
        pytest.param("read-only", "retry-timer", marks=pytest.mark.slow),
        pytest.param("full", "retry-timer", marks=pytest.mark.slow),
])
def test_state_dir_unwritable_keeps_shipping(cwlogd, cwfake, journal_files, private_state, fault, recovery):
        """The state directory turns read-only (remount) or full (filled up) while cwlogd
        runs: the failure is logged, shipping goes on, the old position stays, and the
        position is written once the directory is usable again: at the next acknowledgement,
        or (slow, STATE_RETRY_SEC) by the retry timer alone when nothing new arrives."""
        m = private_state
        t0 = now_us() - 3600 * 1_000_000
        d = journal_files(journal_entries("s", range(0, 1000), t0), name="part1")
        cwlogd.write_config(journal_config(d))
        p = cwlogd.start(env=cwfake.env(), ns=m)
        wait_all(cwfake, "g", "s", [f"s-{i:07d}" for i in range(1000)], timeout=60)
        assert wait_until(lambda: saved_cursor(m) and cursor_is_last(d, saved_cursor(m)), 30), \
                f"no state written at all:\n{cwlogd.log(p)}"
        old = saved_cursor(m)

        if fault == "read-only":
                m.run("mount", "-o", "remount,ro", m.path)
        else:
                m.run("sh", "-c", f"dd if=/dev/zero of='{m.path}/filler' bs=64k 2>/dev/null; "
                      f"dd if=/dev/zero of='{m.path}/filler2' bs=512 2>/dev/null; true")
        journal_files(journal_entries("s", range(1000, 2000), t0), name="part2", directory=d)
        wait_all(cwfake, "g", "s", [f"s-{i:07d}" for i in range(2000)], timeout=60)
        assert wait_until(lambda: re.search(r"Failed to save.*position.*(Read-only|No space)", cwlogd.log(p)), 30), \
                f"the failed save is not logged:\n{cwlogd.log(p)[-3000:]}"
        assert saved_cursor(m) == old, "the state file changed although the directory was unusable"
        assert p.poll() is None, cwlogd.log(p)

        if fault == "read-only":
                m.run("mount", "-o", "remount,rw", m.path)
        else:
                m.run("rm", "-f", f"{m.path}/filler", f"{m.path}/filler2")
        total = 2000
        if recovery == "next-ack":
                journal_files(journal_entries("s", range(2000, 2100), t0), name="part3", directory=d)
                total = 2100
                wait_all(cwfake, "g", "s", [f"s-{i:07d}" for i in range(total)], timeout=60)
        saved = wait_until(lambda: saved_cursor(m) != old and cursor_is_last(d, saved_cursor(m)),
                           60 if recovery == "retry-timer" else 30, interval=0.5)
        assert saved, f"position not written after the directory recovered ({saved_cursor(m)!r}):\n" \
                      f"{cwlogd.log(p)[-3000:]}"
        assert_complete(cwfake, "g", "s", [f"s-{i:07d}" for i in range(total)])
        alive_then_stop(cwlogd, p)


@pytest.mark.slow
def test_hung_state_write_does_not_stop_shipping(cwlogd, cwfake, journal_files):
        """The disk under the state directory stops answering while cwlogd runs. Here the state
        file's temporary name is a FIFO, whose open() waits for a reader as a write to a hung
        NFS server would wait. The section holds new batches back for STATE_STALL_SEC (30 s),
        says so, and then ships on; once the write comes back (it fails: a FIFO cannot be
        fsync'ed), the next acknowledgement writes the newest position."""
        t0 = now_us() - 3600 * 1_000_000
        d = journal_files(journal_entries("s", range(0, 100), t0), name="part1")
        cwlogd.write_config(journal_config(d))
        p = cwlogd.start(env=cwfake.env())
        wait_all(cwfake, "g", "s", [f"s-{i:07d}" for i in range(100)], timeout=60)
        state = cwlogd.state_dir / "j.cursor"

        def saved():
                try:
                        found = re.search(r"^cursor=(.*)$", state.read_text(), re.M)
                except OSError:
                        return None
                return found.group(1) if found else None

        assert wait_until(lambda: saved() and cursor_is_last(d, saved()), 30), cwlogd.log(p)
        fifo = cwlogd.state_dir / f"j.cursor.tmp.{p.pid}"
        os.mkfifo(fifo)
        try:
                journal_files(journal_entries("s", range(100, 200), t0), name="part2", directory=d)
                wait_all(cwfake, "g", "s", [f"s-{i:07d}" for i in range(200)], timeout=60)
                # part2 was accepted; writing its position now hangs. part3 waits for that...
                journal_files(journal_entries("s", range(200, 300), t0), name="part3", directory=d)
                assert wait_until(lambda: "has not finished after 30 s" in cwlogd.log(p), 90), \
                        f"the hung write is not reported:\n{cwlogd.log(p)[-3000:]}"
                # ...but not for ever.
                wait_all(cwfake, "g", "s", [f"s-{i:07d}" for i in range(300)], timeout=60)
                assert p.poll() is None, cwlogd.log(p)
        finally:
                # The disk answers.
                fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
                assert wait_until(lambda: "stalled write of the journal position finished" in cwlogd.log(p), 30), \
                        cwlogd.log(p)[-3000:]
        finally:
                os.close(fd)
        assert not fifo.exists(), "the temporary file of the failed write was left behind"
        journal_files(journal_entries("s", range(300, 310), t0), name="part4", directory=d)
        wait_all(cwfake, "g", "s", [f"s-{i:07d}" for i in range(310)], timeout=60)
        assert wait_until(lambda: cursor_is_last(d, saved()), 30), \
                f"position not written after the disk came back ({saved()!r}):\n{cwlogd.log(p)[-3000:]}"
        assert_complete(cwfake, "g", "s", [f"s-{i:07d}" for i in range(310)])
        alive_then_stop(cwlogd, p)
