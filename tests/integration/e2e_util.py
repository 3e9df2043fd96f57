# SPDX-License-Identifier: MIT
"""Helpers shared by the end-to-end tests (test_e2e_journal, test_cli, test_service,
test_moto).

What it does: reads cwlogd's own limits from src/cw-limits.h (so tests never hard-code
a number the daemon may change), builds config text, models journalctl's filters in
plain Python (the independent oracle for which entries a section ships), plays
systemd's side of sd_notify (a NOTIFY_SOCKET datagram socket that records every
message), and starts cwlogd with WATCHDOG_PID equal to its own pid.

What it deliberately does not do: assert anything (the tests do), or wait without a
bound (every wait takes a timeout that only stops a hang).

Invariants: every process started here is registered with the Cwlogd runner, so the
fixture ends it at teardown; every socket is closed by its owner's close().
"""

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

COREDUMP_MESSAGE_ID = "fc2e22bc6ee647b6b90729ab34a250b1"
PRIORITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
TRUNCATED = "[truncated]"


# --------------------------------------------------------------------------
# The daemon's limits, read from its source
# --------------------------------------------------------------------------

def limits():
        """{NAME: int} of every simple integer #define in src/cw-limits.h."""
        out = {}
        text = (REPO / "src" / "cw-limits.h").read_text()
        for name, expr in re.findall(r"^#define\s+(\w+)\s+(.+?)\s*(?:/\*.*)?$", text, re.M):
                expr = re.sub(r"(?<=\d)[UL]+\b", "", expr).replace("LL", "")
                if not re.fullmatch(r"[\d\s()*+\-]+", expr):
                        continue
                out[name] = int(eval(expr, {"__builtins__": {}}))  # digits and * + - only
        return out


LIMITS = limits()


# --------------------------------------------------------------------------
# Config text
# --------------------------------------------------------------------------

def section(name, **keys):
        """'[name]\\nkey = value\\n…'; list values repeat the key (journal_match)."""
        lines = [f"[{name}]"]
        for k, v in keys.items():
                for one in (v if isinstance(v, (list, tuple)) else [v]):
                        lines.append(f"{k} = {one}")
        return "\n".join(lines) + "\n"


def journal_section(name, directory, group, stream, **keys):
        return section(name, journal="true", journal_directory=directory, log_group_name=group,
                       log_stream_name=stream, **keys)


def general(**keys):
        return section("general", **keys)


# --------------------------------------------------------------------------
# journalctl's filters, in Python (the oracle)
# --------------------------------------------------------------------------

def _s(v):
        if v is None:
                return None
        if isinstance(v, bytes):
                return v.decode("utf-8", "replace")
        return str(v)


def unit_match(e, unit):
        """journalctl -u UNIT (systemd 252 add_matches_for_unit)."""
        g = lambda k: _s(e.get(k))  # noqa: E731
        return (g("_SYSTEMD_UNIT") == unit
                or (g("MESSAGE_ID") == COREDUMP_MESSAGE_ID and g("_UID") == "0" and g("COREDUMP_UNIT") == unit)
                or (g("_PID") == "1" and g("UNIT") == unit)
                or (g("_UID") == "0" and g("OBJECT_SYSTEMD_UNIT") == unit))


def match_line(e, line):
        """One journal_match line: FIELD=VALUE terms, same field ORs, different fields AND,
        '+' ORs groups."""
        for alt in line.split("+"):
                fields = {}
                for term in alt.split():
                        k, v = term.split("=", 1)
                        fields.setdefault(k, set()).add(v)
                if all(_s(e.get(k)) in vs for k, vs in fields.items()):
                        return True
        return False


def entry_selected(e, units=(), identifiers=(), priority=None, match_lines=()):
        """Whether a section with these filters reads entry e (every filter ANDs)."""
        if units and not any(unit_match(e, u) for u in units):
                return False
        if identifiers and _s(e.get("SYSLOG_IDENTIFIER")) not in identifiers:
                return False
        if priority is not None:
                p = _s(e.get("PRIORITY"))
                if p is None or not (p.isdigit() and priority[0] <= int(p) <= priority[1]):
                        return False
        return all(match_line(e, line) for line in match_lines)


def event_time_ms(e):
        """The CloudWatch timestamp of a journal entry: _SOURCE_REALTIME_TIMESTAMP if
        present, else the entry's realtime, in ms."""
        src = e.get("_SOURCE_REALTIME_TIMESTAMP")
        return int(src if src is not None else e["__REALTIME_TIMESTAMP"]) // 1000


def shipped(e):
        """(timestamp_ms, message) as CloudWatch should store it (MESSAGE as UTF-8)."""
        m = e["MESSAGE"]
        return event_time_ms(e), (m.decode("utf-8", "replace") if isinstance(m, bytes) else str(m))


def by_time(events):
        """Events in timestamp order (stable): the order GetLogEvents shows them in. With up
        to STREAM_MAX_IN_FLIGHT requests in flight, arrival order at the fake may differ
        between concurrent requests; within one request the fake enforces the order."""
        return sorted(events, key=lambda ev: ev[0])


def duplicates(events):
        seen, dup = set(), []
        for ev in events:
                if ev in seen:
                        dup.append(ev)
                seen.add(ev)
        return dup


# Answers that are part of the normal protocol: PutLogEvents to a stream not created yet
# (cwlogd then creates it), creating what another request already created.
EXPECTED_ERRORS = ("ResourceNotFoundException", "ResourceAlreadyExistsException")


def refused(fake):
        """Requests the fake refused (not injected faults, not the expected errors above):
        [(op, error, message)]."""
        return [(r["op"], r["error"], (r["message"] or "")[:200]) for r in fake.requests()
                if r["status"] not in (200, None) and not r["fault"] and r["error"] not in EXPECTED_ERRORS]


def now_us():
        return int(time.time() * 1_000_000)


# --------------------------------------------------------------------------
# systemd's side of sd_notify
# --------------------------------------------------------------------------

class NotifySocket:
        """An AF_UNIX datagram socket bound at DIR/notify; records every message as
        (monotonic time of arrival, {KEY: value}) in .messages. probe, if given, is called
        as each message arrives and its result kept in .probes (same index): a way to see
        what was true at the moment of READY=1."""

        def __init__(self, directory, probe=None):
                self.path = str(Path(directory) / "notify")
                self.probe = probe
                self.probes = []
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self.sock.bind(self.path)
                self.sock.settimeout(0.2)
                self.messages = []
                self._cond = threading.Condition()
                self._stop = False
                self._thread = threading.Thread(target=self._run, daemon=True)
                self._thread.start()

        def _run(self):
                while not self._stop:
                        try:
                                data = self.sock.recv(65536)
                        except socket.timeout:
                                continue
                        except OSError:
                                return
                        kv = {}
                        for line in data.decode("utf-8", "replace").split("\n"):
                                if "=" in line:
                                        k, v = line.split("=", 1)
                                        kv[k] = v
                        seen = self.probe() if self.probe else None
                        with self._cond:
                                self.probes.append(seen)
                                self.messages.append((time.monotonic(), kv))
                                self._cond.notify_all()

        def snapshot(self):
                with self._cond:
                        return list(self.messages)

        def wait_for(self, predicate, timeout=30):
                """Wait until predicate(messages) is truthy; returns its last value."""
                deadline = time.monotonic() + timeout
                with self._cond:
                        while True:
                                v = predicate(list(self.messages))
                                left = deadline - time.monotonic()
                                if v or left <= 0:
                                        return v
                                self._cond.wait(min(left, 0.5))

        def index_of(self, key, value=None, start=0):
                """Index of the first message at or after start that has key (= value)."""
                for i, (_, kv) in enumerate(self.snapshot()[start:], start):
                        if key in kv and (value is None or kv[key] == value):
                                return i
                return None

        def wait_key(self, key, value=None, start=0, timeout=30, proc=None):
                """Index of the first message with key (= value) at or after start; None if
                none came within timeout or proc (a Popen) exited first."""
                self.wait_for(lambda m: self.index_of(key, value, start) is not None
                              or (proc is not None and proc.poll() is not None), timeout)
                return self.index_of(key, value, start)

        def statuses(self):
                return [kv["STATUS"] for _, kv in self.snapshot() if "STATUS" in kv]

        def count(self, key, value=None):
                return sum(1 for _, kv in self.snapshot() if key in kv and (value is None or kv[key] == value))

        def close(self):
                self._stop = True
                self.sock.close()
                self._thread.join(5)


def start_notified(cwlogd, notify, *args, env=None, ns=None, watchdog_usec=None, stderr_path=None):
        """Start cwlogd the way systemd would for Type=notify: NOTIFY_SOCKET set, and with
        watchdog_usec, WATCHDOG_USEC plus WATCHDOG_PID equal to cwlogd's own pid (a shell
        exports $$ and execs cwlogd, so the pid stays the same). Registered with the
        runner (ended at teardown); .log_path holds stdout and stderr."""
        extra = dict(env or {})
        extra["NOTIFY_SOCKET"] = notify.path
        if watchdog_usec:
                extra["WATCHDOG_USEC"] = str(watchdog_usec)
        argv = ["/bin/sh", "-c", 'export WATCHDOG_PID=$$; exec "$@"', "sh", *cwlogd.argv(*args)]
        if ns is not None:
                argv = ns.prefix() + argv
        cwlogd._n += 1
        log_path = Path(stderr_path) if stderr_path else cwlogd.workdir / f"cwlogd-notify-{cwlogd._n}.log"
        with open(log_path, "ab") as log:
                p = subprocess.Popen(argv, env=cwlogd.env(extra), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=cwlogd.workdir)
        p.log_path = log_path
        cwlogd._procs.append(p)
        return p


def wait_log(cwlogd, p, needle, timeout=30):
        """Wait until the process log contains needle (str or compiled regex); returns
        whether it does."""
        deadline = time.monotonic() + timeout
        while True:
                text = cwlogd.log(p)
                found = needle.search(text) if hasattr(needle, "search") else needle in text
                if found or time.monotonic() > deadline or p.poll() is not None:
                        text = cwlogd.log(p)
                        return bool(needle.search(text) if hasattr(needle, "search") else needle in text)
                time.sleep(0.1)


def wait_exit(p, timeout):
        """Returns the exit code, or None if p is still running after timeout."""
        try:
                return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
                return None


def kill(p, sig):
        if p.poll() is None:
                os.kill(p.pid, sig)


SIGTERM, SIGKILL, SIGHUP = signal.SIGTERM, signal.SIGKILL, signal.SIGHUP
