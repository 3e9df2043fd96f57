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
        lines += [f"{k} = {v}" for k, v in keys.items() if v is not None]
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
                # without saved state cwlogd starts at the newest file: it must have seen the
                # first one before that is rotated; copytruncate drops what was not read yet;
                # a deleted file cannot be opened
                if kind != "rename" or w.rotations == 0:
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
        wait_count(cwfake, 500)  # a file renamed away before cwlogd opened it is not on the path
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


# ---------------------------------------------------------------------------------------------
# Events: multi-line, encodings, time
# ---------------------------------------------------------------------------------------------

TRACE = ["java.lang.IllegalStateException: boom",
         "\tat com.example.Service.call(Service.java:42)",
         "\tat com.example.Main.main(Main.java:7)",
         "Caused by: java.io.IOException: disk full",
         "\tat com.example.Disk.write(Disk.java:99)",
         "\t... 2 more"]


def write_slowly(path, lines, pause):
        with open(path, "a") as f:
                for line in lines:
                        f.write(line + "\n")
                        f.flush()
                        time.sleep(pause)


def test_slowly_written_stack_trace_is_one_event(cwlogd, cwfake, workdir):
        """multi_line_start_pattern = {datetime_format}: a trace written line by line with
        pauses shorter than buffer_duration stays one event (the old agent split it at every
        1 s end-of-file poll); with the default pattern (^[^\\s]) the indented lines join too."""
        dt_log, default_log = workdir / "dt.log", workdir / "default.log"
        cwlogd.write_config(config(
                section(dt_log, name="dt", stream="dt", multi_line_start_pattern="{datetime_format}",
                        buffer_duration=1500),
                section(default_log, name="default", stream="default", buffer_duration=1500)))
        p = run_daemon(cwlogd, cwfake)
        head1, ms1 = stamp()
        write_slowly(dt_log, [f"{head1} ERROR request failed"] + TRACE, pause=0.4)
        head2, ms2 = stamp()
        write_slowly(dt_log, [f"{head2} INFO next"], pause=0)
        write_slowly(default_log, [f"{head1} ERROR request failed"] + TRACE[1:3], pause=0.4)
        write_slowly(default_log, [f"{head2} INFO next"], pause=0)

        events = wait_count(cwfake, 2, stream="dt")
        assert events == [(ms1, "\n".join([f"{head1} ERROR request failed"] + TRACE)), (ms2, f"{head2} INFO next")]
        events = wait_count(cwfake, 2, stream="default")
        assert [m for _, m in events] == ["\n".join([f"{head1} ERROR request failed"] + TRACE[1:3]),
                                          f"{head2} INFO next"]
        assert cwlogd.stop(p) == 0


def test_encodings_arrive_as_utf8(cwlogd, cwfake, workdir):
        """latin_1, shift_jis and utf_16 (with its byte-order mark, as Python writes it) files
        arrive as the same text in UTF-8; undecodable bytes become U+FFFD."""
        texts = {"latin_1": ["café naïve déjà vu", "Größe: 5 ¤, ½ × ¾"],
                 "shift_jis": ["日本語のログ", "エラー: ファイルがありません"],
                 "utf_16": ["ünïcödé in UTF-16", "𝄞 outside the BMP"]}
        secs = []
        for enc, lines in texts.items():
                path = workdir / f"{enc}.log"
                path.write_bytes(("\n".join(lines) + "\n").encode(enc.replace("_", "-")))
                secs.append(section(path, name=enc, stream=enc, encoding=enc, datetime_format=None))
        junk = workdir / "junk.log"
        junk.write_bytes("café\n".encode("latin-1") + b"caf\xe9 in utf-8\n")
        secs.append(section(junk, name="junk", stream="junk", datetime_format=None))
        cwlogd.write_config(config(*secs))
        p = run_daemon(cwlogd, cwfake)
        # (order is not the point here: the last line of each file ships alone, after
        # buffer_duration, and requests may land in either order)
        for enc, lines in texts.items():
                assert sorted(m for _, m in wait_count(cwfake, len(lines), stream=enc)) == sorted(lines), enc
        assert sorted(m for _, m in wait_count(cwfake, 2, stream="junk")) == ["caf\ufffd", "caf\ufffd in utf-8"]
        assert cwlogd.stop(p) == 0


def test_time_zone_utc_and_local(cwlogd, cwfake, workdir):
        """time_zone = UTC reads the stamp as UTC; LOCAL as the daemon's zone (TZ=UTC+3
        here): both give the real time of the line."""
        utc_log, local_log = workdir / "utc.log", workdir / "local.log"
        cwlogd.write_config(config(section(utc_log, name="utc", stream="utc"),
                                   section(local_log, name="local", stream="local", time_zone="LOCAL")))
        now = datetime.datetime.now(datetime.timezone.utc)
        utc_text, ms = stamp(when=now)
        local_text, ms_local = stamp(tz=datetime.timezone(datetime.timedelta(hours=3)), when=now)
        assert ms == ms_local and utc_text != local_text
        utc_log.write_text(f"{utc_text} line 000000 utc\n")
        local_log.write_text(f"{local_text} line 000000 local\n")
        p = run_daemon(cwlogd, cwfake, env={"TZ": "CWT-3"})
        assert wait_count(cwfake, 1, stream="utc") == [(ms, f"{utc_text} line 000000 utc")]
        assert wait_count(cwfake, 1, stream="local") == [(ms, f"{local_text} line 000000 local")]
        assert cwlogd.stop(p) == 0


def test_initial_position_end_of_file(cwlogd, cwfake, workdir):
        """Without saved state, end_of_file ships only what is written after the start."""
        log = workdir / "app.log"
        w = Writer(log)
        w.write(5)
        cwlogd.write_config(config(section(log, initial_position="end_of_file")))
        p = run_daemon(cwlogd, cwfake)
        assert cwfake.wait_for(lambda f: "from offset" in cwlogd.log(p), timeout=30)
        w.write(3)
        w.close()
        assert line_numbers(wait_count(cwfake, 3)) == [5, 6, 7]
        cwfake.wait_for(lambda f: False, timeout=1)
        assert len(cwfake.events(GROUP, STREAM)) == 3
        assert cwlogd.stop(p) == 0


def test_partial_last_line_ships_after_buffer_duration(cwlogd, cwfake, workdir):
        """A last line without its newline waits buffer_duration, then ships; the rest of
        that line, when its newline comes, is not shipped as a second copy."""
        log = workdir / "app.log"
        log.write_text("first\nno newline yet")
        cwlogd.write_config(config(section(log, datetime_format=None)))
        p = run_daemon(cwlogd, cwfake)
        assert [m for _, m in wait_count(cwfake, 2)] == ["first", "no newline yet"]
        with open(log, "a") as f:
                f.write("\nnext\n")
        assert [m for _, m in wait_count(cwfake, 3)] == ["first", "no newline yet", "next"]
        assert cwlogd.stop(p) == 0


def test_long_lines_are_cut_with_truncated(cwlogd, cwfake, workdir):
        """Lines longer than the event limit end with "[truncated]"; the next line is intact.
        [general] max_event_size = 262144 (the old service limit) and the default 1 MiB."""
        small, big = workdir / "small.log", workdir / "big.log"
        small.write_text("é" * 200000 + "\nafter\n")           # 400,000 bytes
        big.write_text("x" * (3 * 1024 * 1024) + "\nafter\n")  # longer than cwlogd buffers
        cwfake.max_event_size = 262144
        cwlogd.write_config(config(section(small, name="small", stream="small", datetime_format=None),
                                   general="max_event_size = 262144\n"))
        p = run_daemon(cwlogd, cwfake)
        ev = sorted(wait_count(cwfake, 2, stream="small"), key=lambda e: -len(e[1]))
        assert ev[0][1].endswith("[truncated]") and ev[0][1].startswith("éé")
        assert len(ev[0][1].encode()) + 26 <= 262144
        assert ev[1][1] == "after"
        assert cwlogd.stop(p) == 0

        cwfake.max_event_size = 1048576
        cwlogd.write_config(config(section(big, name="big", stream="big", datetime_format=None)))
        p = run_daemon(cwlogd, cwfake)
        # one request each (1 MiB is a whole batch): they may land in either order
        ev = sorted(wait_count(cwfake, 2, stream="big"), key=lambda e: -len(e[1]))
        assert ev[0][1].endswith("[truncated]") and len(ev[0][1]) + 26 <= 1048576
        assert len(ev[0][1]) > 1000000
        assert ev[1][1] == "after"
        assert cwlogd.stop(p) == 0


def test_binary_junk_and_nul_bytes(cwlogd, cwfake, workdir):
        """Binary junk, NUL bytes and invalid UTF-8 arrive as valid text (the fake refuses
        anything else) and the lines around them are untouched."""
        log = workdir / "app.log"
        junk = bytes(range(256)) * 4
        log.write_bytes(numbered(0).encode() + b"nul\x00inside\n" + junk + b"\n" + b"\xff\xfe\x00\x00\n"
                        + numbered(1).encode())
        cwlogd.write_config(config(section(log, multi_line_start_pattern="{datetime_format}")))
        p = run_daemon(cwlogd, cwfake)
        events = wait_count(cwfake, 2)
        assert len(events) == 2
        first = events[0][1]
        assert LINE_RE.match(first) and "\ufffd" in first and "inside" in first
        assert line_numbers([events[1]]) == [1]
        assert p.poll() is None
        assert cwlogd.stop(p) == 0


class NotifySocket:
        """A NOTIFY_SOCKET for the daemon, to read its STATUS= lines."""

        def __init__(self, directory):
                self.path = str(directory / "notify.sock")
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self.sock.bind(self.path)
                self.sock.settimeout(1)
                self.statuses = []

        def wait_status(self, predicate, timeout=30):
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                        try:
                                msg = self.sock.recv(4096).decode(errors="replace")
                        except socket.timeout:
                                continue
                        for line in msg.splitlines():
                                if line.startswith("STATUS="):
                                        self.statuses.append(line[7:])
                                        if predicate(line[7:]):
                                                return line[7:]
                return None

        def close(self):
                self.sock.close()


def test_exclude_pattern_drops_and_counts(cwlogd, cwfake, workdir):
        """exclude_pattern drops matching events (whole multi-line events) and counts them
        in the daemon's status."""
        log = workdir / "app.log"
        log.write_text(numbered(0) + numbered(1, " GET /health") + numbered(2) + numbered(3, " GET /health"))
        cwlogd.write_config(config(section(log, exclude_pattern="GET /health$")))
        ns = NotifySocket(workdir)
        try:
                p = run_daemon(cwlogd, cwfake, env={"NOTIFY_SOCKET": ns.path})
                assert line_numbers(wait_count(cwfake, 2)) == [0, 2]
                status = ns.wait_status(lambda s: " 2 dropped" in s)
                assert status, ns.statuses
        finally:
                ns.close()
        assert len(cwfake.events(GROUP, STREAM)) == 2
        assert cwlogd.stop(p) == 0


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

def test_unreadable_inputs_are_reported_and_the_rest_ships(cwlogd, cwfake, workdir, tmp_state):
        """As nobody: a file inside a mode-000 directory and a directory where a file was
        expected are each reported once; the readable section ships; once the directory is
        opened up, its file ships too."""
        if shutil.which("setpriv") is None or os.geteuid() != 0:
                pytest.skip("needs root and setpriv to run cwlogd as nobody")
        os.chmod(workdir, 0o755)
        os.chown(tmp_state, 65534, 65534)
        locked = workdir / "locked"
        locked.mkdir()
        (locked / "app.log").write_text(numbered(0))
        (workdir / "adir").mkdir()
        ok = workdir / "ok.log"
        ok.write_text(numbered(0))
        cwlogd.write_config(config(section(ok, name="ok", stream="ok"),
                                   section(locked / "app.log", name="locked", stream="locked"),
                                   section(workdir / "adir", name="adir", stream="adir")))
        os.chmod(locked, 0)
        argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cwlogd.argv()
        log_path = workdir / "nobody.log"
        with open(log_path, "wb") as out:
                p = subprocess.Popen(argv, env=cwlogd.env(cwfake.env()), stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd="/")
        try:
                assert line_numbers(wait_count(cwfake, 1, stream="ok")) == [0]
                cwfake.wait_for(lambda f: "adir" in log_path.read_text() and "locked" in log_path.read_text(),
                                timeout=10)
                text = log_path.read_text()
                assert f"[locked] Cannot look at '{locked}/app.log', will retry: Permission denied" in text
                assert f"[adir] '{workdir}/adir' is not a regular file" in text
                os.chmod(locked, 0o755)
                assert line_numbers(wait_count(cwfake, 1, stream="locked")) == [0]
                time.sleep(1.5)
                text = log_path.read_text()
                assert text.count("Cannot look at") == 1 and text.count("not a regular file") == 1, text
                assert (tmp_state / "ok.file").exists()
        finally:
                os.chmod(locked, 0o755)
                p.send_signal(signal.SIGTERM)
                assert p.wait(timeout=60) == 0


@pytest.mark.parametrize("key,value,message", [
        ("multi_line_start_pattern", "(unclosed", "invalid multi_line_start_pattern '(unclosed': missing closing "
                                                  "parenthesis at offset 9"),
        ("datetime_format", "%Y-%m-%d %Q", "invalid datetime_format '%Y-%m-%d %Q': unsupported directive '%Q'"),
        ("encoding", "klingon", "invalid encoding 'klingon'"),
        ("exclude_pattern", "[z-a]", "invalid exclude_pattern '[z-a]': range out of order"),
])
def test_check_config_names_file_and_line(cwlogd, workdir, key, value, message):
        log = workdir / "app.log"
        keys = {"datetime_format": None, key: value}
        path = cwlogd.write_config(config(section(log, **keys)))
        r = cwlogd.run("--check-config")
        assert r.returncode == 1
        line = next(i for i, l in enumerate(path.read_text().splitlines(), 1) if l.startswith(key))
        assert r.stderr.startswith(f"{path}:{line}: {message}"), r.stderr


def _rss_anon_kib(pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                        return int(line.split()[1])
        return 0


class Counter:
        """Keeps the fake's memory flat: takes its stored events away as they arrive and only
        marks their line numbers (a 1 GB backlog would not fit as Python strings). Requests
        to one stream may land in either order, so numbers are marked, not compared."""

        def __init__(self, fake, group=GROUP, stream=STREAM, size=1 << 22):
                self.fake, self.group, self.stream = fake, group, stream
                self.marks = bytearray(size)
                self.seen = 0  # distinct lines
                self.dups = 0
                self.bad = []

        def drain(self):
                with self.fake._lock:
                        g = self.fake._groups.get(self.group)
                        s = g.streams.get(self.stream) if g else None
                        events = s.events if s else []
                        if s:
                                s.events = []
                for e in events:
                        m = LINE_RE.match(e["message"])
                        if not m:
                                self.bad.append(e["message"][:80])
                                continue
                        i = int(m.group(2))
                        if self.marks[i]:
                                self.dups += 1
                        else:
                                self.marks[i] = 1
                                self.seen += 1
                return self.seen


@pytest.mark.slow
def test_gigabyte_written_while_stopped_is_caught_up_in_bounded_memory(cwlogd, cwfake, workdir):
        """~1 GB appended while cwlogd is stopped: it catches up (every line, in order, once)
        while its anonymous memory stays under 100 MiB (queues are bounded; the file is the
        buffer)."""
        size_target = 1 << 30
        free = shutil.disk_usage(workdir).free
        if free < 10 * size_target:
                pytest.skip(f"needs 10 GiB free in {workdir}, has {free >> 30} GiB")
        log = workdir / "app.log"
        cwlogd.write_config(config(section(log, buffer_duration=1000)))
        pad = "x" * 4000
        with open(log, "w") as f:
                f.write(numbered(0, " " + pad))
        p = run_daemon(cwlogd, cwfake)
        counter = Counter(cwfake)
        assert cwfake.wait_for(lambda f: counter.drain() >= 1, timeout=30)
        assert cwlogd.stop(p) == 0

        n, written = 1, 0
        with open(log, "a") as f:
                while written < size_target:
                        chunk = "".join(numbered(i, " " + pad) for i in range(n, n + 1000))
                        f.write(chunk)
                        written += len(chunk)
                        n += 1000
        p = run_daemon(cwlogd, cwfake)
        peak = 0
        deadline = time.monotonic() + 1800
        while counter.drain() < n and time.monotonic() < deadline and p.poll() is None:
                peak = max(peak, _rss_anon_kib(p.pid))
                time.sleep(0.2)
        assert counter.seen == n, cwlogd.log(p)[-2000:]
        assert not counter.bad[:5]
        assert counter.dups == 0
        assert peak < 100 * 1024, f"RssAnon peaked at {peak} KiB"
        print(f"caught up {written >> 20} MiB, {n} lines; RssAnon peak {peak} KiB")
        assert cwlogd.stop(p) == 0


def _set_mdwe():
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
                os._exit(99)


def test_patterns_work_under_memory_deny_write_execute(cwlogd, cwfake, workdir):
        """The unit sets MemoryDenyWriteExecute=yes, under which PCRE2's JIT cannot map
        code: the patterns must still compile and match (the interpreter), at
        --check-config and at run time. The kernel's PR_SET_MDWE gives the same refusal."""
        probe = subprocess.run(["/usr/bin/python3", "-c", "import ctypes; print(ctypes.CDLL(None).prctl(66, 0, 0, 0, 0))"],
                               preexec_fn=_set_mdwe, capture_output=True, text=True)
        if probe.returncode != 0 or probe.stdout.strip() != "1":
                pytest.skip("this kernel has no inheritable PR_SET_MDWE")
        log = workdir / "app.log"
        log.write_text(numbered(0) + "\tat trace line\n" + numbered(1, " GET /health") + numbered(2))
        cwlogd.write_config(config(section(log, multi_line_start_pattern=r"^\d{4}-", exclude_pattern="health$")))
        r = subprocess.run(cwlogd.argv("--check-config"), env=cwlogd.env(), preexec_fn=_set_mdwe,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with open(workdir / "mdwe.log", "wb") as out:
                p = subprocess.Popen(cwlogd.argv(), env=cwlogd.env(cwfake.env()), preexec_fn=_set_mdwe,
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
                events = wait_count(cwfake, 2)
                assert line_numbers(events) == [0, 2]
                assert events[0][1].endswith("\n\tat trace line")
        finally:
                p.send_signal(signal.SIGTERM)
                assert p.wait(timeout=60) == 0
