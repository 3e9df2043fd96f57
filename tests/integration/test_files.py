"""File sections end to end: the real cwlogd follows text logs the way the old awslogs agent
did (rotation of every kind, globs, multi-line events, encodings, time zones, restarts) and
ships them to the loopback CloudWatch fake.

What a user would check is checked: every line arrives exactly once and in order, with the
time written in it; a restart loses nothing; bad input is reported and the rest keeps
shipping. Writers perform rotations themselves, between lines, the way logrotate's
postrotate/copytruncate happen between an application's writes.

Not done here: asserting on timing (waits only bound a hang).
"""

import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

GROUP, STREAM = "g", "s"
DT_FORMAT = "%Y-%m-%d %H:%M:%S,%f"
LINE_RE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) line (\d+)\b")


def stamp(tz=datetime.timezone.utc, when=None):
        """The time as DT_FORMAT writes it, to the millisecond, and its epoch ms."""
        t = when or datetime.datetime.now(tz)
        ms = int(t.timestamp() * 1000)
        t = datetime.datetime.fromtimestamp(ms / 1000, tz)
        return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}", ms


def numbered(n, extra=""):
        text, _ = stamp()
        return f"{text} line {n:06d}{extra}\n"


def section(path, name="app", group=GROUP, stream=STREAM, **keys):
        keys.setdefault("datetime_format", DT_FORMAT)
        keys.setdefault("time_zone", "UTC")
        keys.setdefault("buffer_duration", "200")
        lines = [f"[{name}]", f"file = {path}", f"log_group_name = {group}", f"log_stream_name = {stream}"]
        lines += [f"{k} = {v}" for k, v in keys.items()]
        return "\n".join(lines) + "\n"


def config(*sections, general=""):
        return "[general]\n" + general + "\n" + "\n".join(sections)


def line_numbers(events):
        """The line numbers of numbered events, in arrival order; checks each event's time
        is the one written in its line."""
        out = []
        for ts, msg in events:
                m = LINE_RE.match(msg)
                assert m, f"unexpected event {msg[:200]!r}"
                when = datetime.datetime.strptime(m.group(1), DT_FORMAT).replace(tzinfo=datetime.timezone.utc)
                assert ts == int(when.timestamp() * 1000), f"time {ts} for {msg!r}"
                out.append(int(m.group(2)))
        return out


def wait_count(fake, n, group=GROUP, stream=STREAM, timeout=60):
        return fake.wait_events(group, stream, n, timeout=timeout)


def wait_unique(fake, n, group=GROUP, stream=STREAM, timeout=120):
        """Wait until n distinct messages arrived (duplicates do not count)."""
        return fake.wait_for(lambda f: len({m for _, m in f.events(group, stream)}) >= n, timeout)


class Writer:
        """Appends numbered lines to a log file, rotating it in the ways logrotate and
        applications do. Opened per write burst, as most applications with reopen-on-HUP
        would after a rotation."""

        def __init__(self, path):
                self.path = Path(path)
                self.n = 0
                self.f = None
                self.rotations = 0

        def _open(self):
                if self.f is None:
                        self.f = open(self.path, "a")

        def write(self, count, chunk=50, pause=0.002):
                self._open()
                for i in range(count):
                        self.f.write(numbered(self.n))
                        self.n += 1
                        if (i + 1) % chunk == 0:
                                self.f.flush()
                                time.sleep(pause)
                self.f.flush()

        def close(self):
                if self.f:
                        self.f.close()
                        self.f = None

        def rotate(self, kind, copies_dir=None, missing_for=1.5):
                """rename: app.log -> app.log.N, new app.log; copytruncate: copy to copies_dir,
                truncate in place; delete: unlink and recreate; missing: unlink, nothing for a
                while, recreate."""
                self.rotations += 1
                if kind == "rename":
                        self.close()
                        os.rename(self.path, f"{self.path}.{self.rotations}")
                elif kind == "copytruncate":
                        self.f.flush()
                        shutil.copyfile(self.path, Path(copies_dir) / f"{self.path.name}.{self.rotations}")
                        os.truncate(self.path, 0)  # the writer keeps its O_APPEND fd
                elif kind in ("delete", "missing"):
                        self.close()
                        os.unlink(self.path)
                        if kind == "missing":
                                time.sleep(missing_for)
                else:
                        raise ValueError(kind)
                self._open()


def assert_exactly_once_in_order(fake, n, group=GROUP, stream=STREAM):
        """Each line once, with the time written in it. CloudWatch shows a stream by time, and
        the fake refuses a request whose events are not in time order; requests to one stream
        may be in flight together, so their arrival order is not the line order."""
        events = wait_count(fake, n, group, stream, timeout=120)
        nums = line_numbers(events)
        missing = sorted(set(range(n)) - set(nums))
        assert not missing, f"{len(missing)} lines lost, first {missing[:10]}"
        assert len(nums) == n, f"{len(nums) - n} duplicates"


def run_daemon(cwlogd, cwfake, *args, env=None):
        return cwlogd.start(*args, env={**cwfake.env(), **(env or {})})


# ---------------------------------------------------------------------------------------------
# Rotation and restarts
# ---------------------------------------------------------------------------------------------

def test_rotations_of_every_kind_lose_and_repeat_nothing(cwlogd, cwfake, workdir):
        """20 rotations of mixed kinds while ~20k lines are written; the file appears only
        after cwlogd started. Copies of copytruncate and files about to be deleted are only
        gone after cwlogd read them (what no tailer can read is not its loss)."""
        copies = workdir / "copies"
        copies.mkdir()
        log = workdir / "app.log"
        cwlogd.write_config(config(section(f"{log}*")))
        p = run_daemon(cwlogd, cwfake)

        w = Writer(log)
        kinds = ["rename", "copytruncate", "rename", "delete", "missing"] * 4
        time.sleep(0.5)  # the file appears later
        for kind in kinds:
                w.write(1000)
                if kind != "rename":
                        # copytruncate drops what was not read yet; a deleted file cannot be opened
                        assert len(wait_count(cwfake, w.n)) >= w.n, cwlogd.log(p)
                w.rotate(kind, copies_dir=copies)
        w.write(1000)
        w.close()
        assert_exactly_once_in_order(cwfake, w.n)
        assert w.n == 21000
        log_text = cwlogd.log(p)
        assert "was truncated" in log_text
        assert "(rotated away)" in log_text
        assert cwlogd.stop(p) == 0


def test_rename_rotation_on_a_plain_path_finishes_the_old_file(cwlogd, cwfake, workdir):
        """file = a plain path (no glob): after a rename the old file is read to its end first."""
        log = workdir / "plain.log"
        cwlogd.write_config(config(section(log)))
        w = Writer(log)
        w.write(500)
        p = run_daemon(cwlogd, cwfake)
        for _ in range(3):
                w.write(500)
                w.rotate("rename")
                w.write(200)  # the new file fills while the old one is being finished
                wait_count(cwfake, w.n)
        w.close()
        assert_exactly_once_in_order(cwfake, w.n)
        assert cwlogd.stop(p) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_restart_mid_stream_resumes_without_loss(cwlogd, cwfake, workdir, tmp_state, sig):
        """Stopped twice while lines are written and the file rotated; the saved position
        (state dir, NAME.file) lets the next start continue. SIGTERM drains: no duplicate.
        SIGKILL: duplicates at most what was sent but not yet acknowledged."""
        batch_count, queue_size = 1000, 2
        log = workdir / "app.log"
        cwlogd.write_config(config(section(f"{log}*", batch_count=batch_count),
                                   general=f"queue_size = {queue_size}\n"))
        w = Writer(log)
        stop = threading.Event()

        def writer():
                while not stop.is_set():
                        w.write(200, pause=0.005)
                        if w.n % 2000 == 0:
                                w.rotate("rename")

        t = threading.Thread(target=writer)
        t.start()
        try:
                for _ in range(2):
                        p = run_daemon(cwlogd, cwfake)
                        wait_count(cwfake, len(cwfake.events(GROUP, STREAM)) + 3000)
                        assert cwlogd.stop(p, sig) in (0, -signal.SIGKILL)
                        assert (tmp_state / "app.file").exists()
                        time.sleep(0.5)  # lines and rotations while stopped
        finally:
                stop.set()
                t.join()
        w.close()
        p = run_daemon(cwlogd, cwfake)
        wait_unique(cwfake, w.n)
        cwfake.wait_for(lambda f: False, timeout=1.5)  # let stragglers (duplicates) arrive
        events = cwfake.events(GROUP, STREAM)
        nums = line_numbers(events)
        assert sorted(set(nums)) == list(range(w.n)), "lines lost"
        dups = len(nums) - w.n
        if sig == signal.SIGTERM:
                assert dups == 0
        else:
                # each kill repeats at most the batches in flight: queue_size per stream
                assert dups <= 2 * queue_size * batch_count, dups
        assert cwlogd.stop(p) == 0


def test_glob_follows_newest_after_finishing_older(cwlogd, cwfake, workdir):
        """A glob picks up new files; the old one is finished first, then the new is read
        from its start (the stream stays in line order)."""
        d = workdir / "logs"
        d.mkdir()
        cwlogd.write_config(config(section(d / "app-*.log")))
        w1 = Writer(d / "app-1.log")
        w1.write(300)
        p = run_daemon(cwlogd, cwfake)
        wait_count(cwfake, 300)
        w1.write(300)
        w2 = Writer(d / "app-2.log")
        w2.n = w1.n
        w2.write(300)
        w1.close()
        w3 = Writer(d / "app-3.log")
        w3.n = w2.n
        time.sleep(0.05)
        w3.write(300)
        w2.close()
        w3.close()
        assert_exactly_once_in_order(cwfake, w3.n)
        assert "app-3.log" in cwlogd.log(p)
        assert cwlogd.stop(p) == 0
