"""Real journals for cwlogd's integration tests.

What it does: (1) writes journal files from Python dicts with
systemd-journal-remote fed the Journal Export Format (streamed, so a million
entries cost no more memory than one chunk); (2) runs a private systemd-journald
instance for a journal namespace inside its own mount namespace, and lets tests
write entries into it over the native protocol and run commands (cwlogd,
journalctl) in that mount namespace; (3) reads journals back (journalctl -o
export, parsed binary-safely).

What it deliberately does not do: touch the machine's real journal. Every path
journald uses (/run/systemd, /run/log, /var/log/journal, /etc/systemd) is a
bind mount of a temporary directory, visible only inside the private mount
namespace; the temporary directory is removed at stop().

Invariants: every process started here is tracked by pid and ended by stop();
values are bytes-exact (export and native protocols both have a length-prefixed
form for values with newlines or binary data).
"""

import fcntl
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
JOURNALD = "/lib/systemd/systemd-journald"
CHUNK = 1 << 20


# --------------------------------------------------------------------------
# Field encoding shared by the export and the native protocol
# --------------------------------------------------------------------------

def _b(v):
        if type(v) is bytes:
                return v
        return (v if type(v) is str else str(v)).encode("utf-8")


_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f]")


def _needs_binary(value):
        return _CONTROL.search(value) is not None


def encode_fields(entry, out):
        """Append one entry's fields to bytearray `out`. A list value repeats the field."""
        for name, value in entry.items():
                values = value if isinstance(value, (list, tuple)) else (value,)
                key = name.encode("ascii")
                for v in values:
                        v = _b(v)
                        if _needs_binary(v):
                                out += key + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
                        else:
                                out += key + b"=" + v + b"\n"


def parse_export(data):
        """Parse Journal Export Format bytes into [{field: bytes | [bytes, ...]}]."""
        entries, cur, i, n = [], {}, 0, len(data)
        while i < n:
                nl = data.index(b"\n", i)
                line = data[i:nl]
                if not line:
                        if cur:
                                entries.append(cur)
                        cur, i = {}, nl + 1
                        continue
                eq = line.find(b"=")
                if eq >= 0:
                        name, value, i = line[:eq].decode(), line[eq + 1:], nl + 1
                else:
                        name = line.decode()
                        (size,) = struct.unpack("<Q", data[nl + 1:nl + 9])
                        value = data[nl + 9:nl + 9 + size]
                        i = nl + 9 + size + 1
                if name in cur:
                        prev = cur[name]
                        cur[name] = (prev if isinstance(prev, list) else [prev]) + [value]
                else:
                        cur[name] = value
        if cur:
                entries.append(cur)
        return entries


def read_journal(*journalctl_args, timeout=600):
        """Run `journalctl -o export --all --no-pager ARGS...` and parse it.
        e.g. read_journal("-D", dir) or read_journal("--file", path)."""
        p = subprocess.run(["journalctl", "-o", "export", "--all", "--no-pager", *map(str, journalctl_args)],
                           capture_output=True, timeout=timeout)
        if p.returncode not in (0, 1) or (p.returncode == 1 and p.stdout):
                raise RuntimeError(f"journalctl failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
        return parse_export(p.stdout)


# --------------------------------------------------------------------------
# Journal files through systemd-journal-remote
# --------------------------------------------------------------------------

def write_journal_files(directory, entries, name="test", boot_id=None, machine_id=None):
        """Write `entries` (an iterable of dicts; generators welcome) to
        DIRECTORY/NAME.journal with systemd-journal-remote. Each entry needs
        __REALTIME_TIMESTAMP (µs since the epoch) unless it may default to
        "1 µs after the previous one"; __MONOTONIC_TIMESTAMP defaults to an increasing
        count, _BOOT_ID to one random id per call. Returns (directory, count).
        journal-remote may rotate into more files in the same directory when one
        fills up; readers should open the directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        boot_id = boot_id or secrets.token_hex(16)
        with tempfile.TemporaryFile() as err:
                p = subprocess.Popen([JOURNAL_REMOTE, f"--output={directory / (name + '.journal')}", "-"],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
                count, rt, buf = 0, int(time.time() * 1e6), bytearray()
                try:
                        for e in entries:
                                e = dict(e)
                                rt = int(e.setdefault("__REALTIME_TIMESTAMP", rt + 1))
                                e.setdefault("__MONOTONIC_TIMESTAMP", 1000000 + count)
                                e.setdefault("_BOOT_ID", boot_id)
                                if machine_id:
                                        e.setdefault("_MACHINE_ID", machine_id)
                                encode_fields(e, buf)
                                buf += b"\n"
                                count += 1
                                if len(buf) >= CHUNK:
                                        p.stdin.write(buf)
                                        buf.clear()
                        p.stdin.write(buf)
                        p.stdin.close()
                        rc = p.wait(timeout=3600)
                finally:
                        if p.poll() is None:
                                p.kill()
                                p.wait()
                if rc != 0:
                        err.seek(0)
                        raise RuntimeError(f"systemd-journal-remote failed ({rc}): {err.read().decode(errors='replace')}")
        return directory, count


# --------------------------------------------------------------------------
# A private journald for one journal namespace
# --------------------------------------------------------------------------

def _machine_id():
        return Path("/etc/machine-id").read_text().strip()


class JournaldNamespace:
        """systemd-journald for namespace NAME in a private mount namespace.

        Host-visible paths (the bind-mount sources, usable from the test process):
          .socket_path   native protocol socket (/run/systemd/journal.NAME/socket inside)
          .journal_dir   where journald writes the namespace's files
        Inside the namespace (via .run / .popen): `journalctl --namespace=NAME`,
        and cwlogd with `journal_namespace = NAME`, see the usual paths."""

        def __init__(self, name=None, storage="persistent", journald_conf=None):
                self.name = name or "cwt" + secrets.token_hex(4)
                self.storage = storage
                self.root = Path(tempfile.mkdtemp(prefix="cwlogd-jns."))
                self._procs = []
                self.anchor = self.journald = None
                self._sock = None
                d = {k: self.root / k for k in ("run-systemd", "run-log", "var-log", "etc-systemd")}
                for p in d.values():
                        p.mkdir()
                (d["var-log"] / "journal").mkdir()
                conf = {"Storage": storage, "RateLimitIntervalSec": "0", "RateLimitBurst": "0"}
                conf.update(journald_conf or {})
                (d["etc-systemd"] / f"journald@{self.name}.conf").write_text(
                        "[Journal]\n" + "".join(f"{k}={v}\n" for k, v in conf.items()))
                self._dirs = d
                mid = _machine_id()
                self.socket_path = d["run-systemd"] / f"journal.{self.name}" / "socket"
                self.journal_dir = (d["var-log"] / "journal" if storage == "persistent"
                                    else d["run-log"] / "journal") / f"{mid}.{self.name}"

        # ---- lifecycle -----------------------------------------------------------

        def start(self, timeout=30):
                d = self._dirs
                # /var/log/journal exists on a normal Debian host; if it does not, cover
                # all of /var/log rather than create anything on the real machine.
                varlog = (f"mount --bind {shlex.quote(str(d['var-log'] / 'journal'))} /var/log/journal"
                          if os.path.isdir("/var/log/journal")
                          else f"mount --bind {shlex.quote(str(d['var-log']))} /var/log")
                ready = self.root / "ready"
                script = "; ".join([
                        "set -e",
                        f"mount --bind {shlex.quote(str(d['run-systemd']))} /run/systemd",
                        f"mount --bind {shlex.quote(str(d['run-log']))} /run/log",
                        varlog,
                        f"mount --bind {shlex.quote(str(d['etc-systemd']))} /etc/systemd",
                        f"echo ok > {shlex.quote(str(ready))}",
                        "exec sleep infinity"])
                with open(self.root / "anchor.log", "wb") as log:
                        self.anchor = subprocess.Popen(
                                ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
                self._wait(lambda: ready.exists(), timeout, "the mount namespace",
                           lambda: self.anchor.poll() is not None)
                env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC")}
                with open(self.root / "journald.log", "wb") as log:
                        self.journald = self.popen([JOURNALD, self.name], stdin=subprocess.DEVNULL, stdout=log,
                                                   stderr=subprocess.STDOUT, env=env)
                self._wait(lambda: self.socket_path.exists() and self.sync(check=False), timeout, "journald",
                           lambda: self.journald.poll() is not None)
                return self

        def _wait(self, ok, timeout, what, dead):
                deadline = time.monotonic() + timeout
                while not ok():
                        if dead() or time.monotonic() > deadline:
                                logs = "".join(p.read_text(errors="replace") for p in self.root.glob("*.log"))
                                self.stop()
                                raise RuntimeError(f"could not start {what}: {logs}")
                        time.sleep(0.05)

        def stop(self):
                """End every process started here (tracked ones, journald, the anchor) and
                remove the temporary directory. Safe to call twice."""
                if self._sock:
                        self._sock.close()
                        self._sock = None
                for p in reversed(self._procs):
                        _end(p)
                self._procs.clear()
                if self.anchor is not None:
                        _end(self.anchor, signal.SIGKILL)
                        self.anchor = None
                shutil.rmtree(self.root, ignore_errors=True)

        def __enter__(self):
                return self.start()

        def __exit__(self, *exc):
                self.stop()

        # ---- running things inside -------------------------------------------------

        def prefix(self):
                """argv prefix that runs a command in the namespace's mount namespace."""
                return ["nsenter", f"--mount=/proc/{self.anchor.pid}/ns/mnt", "--"]

        def popen(self, argv, **kw):
                """subprocess.Popen inside the namespace; the pid is the command's own
                (nsenter execs it). Ended at stop() if still running."""
                p = subprocess.Popen(self.prefix() + [str(a) for a in argv], **kw)
                self._procs.append(p)
                return p

        def run(self, argv, timeout=120, **kw):
                kw.setdefault("capture_output", True)
                return subprocess.run(self.prefix() + [str(a) for a in argv], timeout=timeout, **kw)

        def sync(self, check=True):
                """Ask journald to write everything received so far (journalctl --sync)."""
                p = self.run(["journalctl", f"--namespace={self.name}", "--sync"], timeout=60)
                if check and p.returncode != 0:
                        raise RuntimeError(f"journalctl --sync failed: {p.stderr.decode(errors='replace')}")
                return p.returncode == 0

        def read(self, *journalctl_args):
                """Entries of the namespace, read inside it: journalctl --namespace=NAME -o export."""
                p = self.run(["journalctl", f"--namespace={self.name}", "-o", "export", "--all", "--no-pager",
                              *journalctl_args], timeout=600)
                if p.returncode != 0 and p.stdout:
                        raise RuntimeError(f"journalctl failed: {p.stderr.decode(errors='replace')}")
                return parse_export(p.stdout)

        # ---- writing entries ------------------------------------------------------------

        def send(self, entry=None, **fields):
                """Log one entry through the native protocol, like sd_journal_send():
                send({"MESSAGE": "x", "FOO": b"bin\\n"}) or send(MESSAGE="x", PRIORITY=3).
                Fields starting with '_' are set by journald and ignored if sent."""
                e = dict(entry or {}, **fields)
                data = bytearray()
                encode_fields(e, data)
                if self._sock is None:
                        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                        self._sock.connect(str(self.socket_path))
                try:
                        self._sock.send(data)
                except OSError as err:
                        if err.errno not in (90, 105):  # EMSGSIZE, ENOBUFS: too big for a datagram
                                raise
                        self._send_memfd(bytes(data))

        def _send_memfd(self, data):
                # journald accepts a sealed memfd in SCM_RIGHTS for entries too large for one datagram
                fd = os.memfd_create("journal-entry", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
                try:
                        os.write(fd, data)
                        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW |
                                    fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)
                        self._sock.sendmsg([], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))])
                finally:
                        os.close(fd)

        def send_many(self, entries):
                n = 0
                for e in entries:
                        self.send(e)
                        n += 1
                return n


def _end(p, sig=signal.SIGTERM, timeout=10):
        """End one child we started, by its pid: sig, then SIGKILL after timeout."""
        if p.poll() is not None:
                return p.returncode
        try:
                p.send_signal(sig)
                return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
                p.kill()
                return p.wait()


def export_entries_equal(written, read_back, fields=None):
        """Compare dict entries as written with parse_export() results on `fields`
        (default: every field of the written entry). Returns a list of differences."""
        diffs = []
        if len(written) != len(read_back):
                diffs.append(f"count: wrote {len(written)}, read {len(read_back)}")
        for i, (w, r) in enumerate(zip(written, read_back)):
                for k in (fields or w.keys()):
                        wv = w.get(k)
                        rv = r.get(k)
                        if isinstance(wv, (list, tuple)):  # the journal does not keep the order of repeats
                                wv, rv = sorted(_b(x) for x in wv), sorted(rv) if isinstance(rv, list) else rv
                        elif wv is not None:
                                wv = _b(wv)
                        if rv != wv:
                                diffs.append(f"entry {i} field {k}: wrote {wv!r:.80}, read {rv!r:.80}")
                                if len(diffs) > 20:
                                        return diffs
        return diffs


def json_lines(text):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
