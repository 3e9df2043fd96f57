# SPDX-License-Identifier: MIT
"""Pieces shared by bench/run and bench/profile: building, journal generation, the sink,
running cwlogd under bench/measure, and a private journald for the tailing row.

What it does not do: decide what to measure or print tables (that is bench/run), or check
anything CloudWatch would check (the sink accepts every request; tests/integration has the
strict fake). Every process started here is ended and every file removed by Bench.close().
"""

import json
import math
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = HERE / "build"
TOOLS = BUILD / "bench-tools"
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
JOURNALD = "/lib/systemd/systemd-journald"
CFLAGS = ["-O2", "-g", "-Wall", "-Wextra", "-D_GNU_SOURCE"]
PROGRAMS = {  # bench's own C programs and what they link
        "gen-export": [],
        "raw-read": ["-lsystemd"],
        "measure": [],
        "sink": ["-ldeflate"],
        "tail-writer": [],
}
CHUNK = 1_000_000  # entries per generated journal-remote run (one file set each)


class BenchError(Exception):
        """Something the benchmark needs failed to run."""


def log(msg):
        print(f"bench: {msg}", flush=True)


def check_run(argv, what, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.STDOUT)
        p = subprocess.run([str(a) for a in argv], **kw)
        if p.returncode != 0:
                out = (p.stdout or b"").decode(errors="replace")[-3000:]
                raise BenchError(f"{what} failed (exit {p.returncode}):\n{out}")
        return p


def build(cwlogd=None, need_cwlogd=True):
        """Release build of cwlogd in bench/build (unless a binary is given or it is not
        needed) and bench's C programs in bench/build/bench-tools. Returns the cwlogd path."""
        if cwlogd is None and need_cwlogd:
                if not (BUILD / "build.ninja").exists():
                        log("meson setup bench/build (release)")
                        check_run(["meson", "setup", BUILD, "--buildtype=release"], "meson setup", cwd=ROOT)
                check_run(["ninja", "-C", BUILD, "-j2", "src/cwlogd"], "building cwlogd", cwd=ROOT)
                cwlogd = BUILD / "src" / "cwlogd"
        TOOLS.mkdir(parents=True, exist_ok=True)
        for name, libs in PROGRAMS.items():
                src, out = HERE / f"{name}.c", TOOLS / name
                if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
                        check_run(["cc", *CFLAGS, "-o", out, src, *libs], f"compiling bench/{name}.c")
        return Path(cwlogd or "cwlogd")


def tool(name):
        return str(TOOLS / name)


def _generate_chunk(out_dir, first, count, total, end_usec, seed, log_path):
        with open(log_path, "wb") as lf:
                gen = subprocess.Popen([tool("gen-export"), "--entries", str(count), "--first", str(first),
                                        "--total", str(total), "--end", str(end_usec), "--seed", str(seed)],
                                       stdout=subprocess.PIPE)
                jr = subprocess.Popen([JOURNAL_REMOTE, f"--output={out_dir}/c{first:012d}.journal", "-"],
                                      stdin=gen.stdout, stdout=lf, stderr=lf)
                gen.stdout.close()
                rj, rg = jr.wait(), gen.wait()
        if rg != 0 or rj != 0:
                raise BenchError(f"generating entries {first}..{first + count} failed "
                                 f"(gen-export {rg}, journal-remote {rj}): "
                                 f"{Path(log_path).read_text()[-2000:]}")


def generate_journal(out_dir, entries, end_usec, seed=1):
        """Writes ENTRIES entries as journal files in OUT_DIR, in chunks of up to CHUNK entries,
        as many at a time as there are CPUs. Timestamps cover the hour before END_USEC."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        n = 1 if entries < 100_000 else max(2, math.ceil(entries / CHUNK))
        size = math.ceil(entries / n)
        jobs = [(i * size, min(size, entries - i * size)) for i in range(n) if entries > i * size]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                futures = [pool.submit(_generate_chunk, out_dir, first, count, entries, end_usec, seed,
                                       out_dir.parent / f"gen-{out_dir.name}-{first}.log")
                           for first, count in jobs]
                for f in futures:
                        f.result()


def cpu_seconds(pid):
        """utime+stime of a live process, from /proc/PID/stat; 0.0 if it is gone."""
        try:
                stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
                return 0.0
        fields = stat[stat.rindex(")") + 2:].split()  # comm may hold spaces; fields 14, 15 follow
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def now_usec():
        return time.time_ns() // 1000


def end_process(p, sig=signal.SIGTERM, timeout=10):
        if p is None or p.poll() is not None:
                return
        try:
                p.send_signal(sig)
                p.wait(timeout)
        except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Bench:
        """A temporary directory, the sink, and whatever else was started; close() ends all."""

        def __init__(self, cwlogd):
                self.cwlogd = Path(cwlogd)
                self.tmp = Path(tempfile.mkdtemp(prefix="cwlogd-bench."))
                self.procs = []
                self.sink = None
                self.port = None
                self._runs = 0

        def close(self):
                for p in reversed(self.procs):
                        end_process(p, signal.SIGKILL if getattr(p, "kill_hard", False) else signal.SIGTERM)
                self.procs.clear()
                shutil.rmtree(self.tmp, ignore_errors=True)

        def __enter__(self):
                return self

        def __exit__(self, *exc):
                self.close()

        def start(self, argv, kill_hard=False, **kw):
                p = subprocess.Popen([str(a) for a in argv], **kw)
                p.kill_hard = kill_hard
                self.procs.append(p)
                return p

        # ---- the sink ---------------------------------------------------------------------------

        def start_sink(self):
                port_file = self.tmp / "sink.port"
                self.sink = self.start([tool("sink"), "--port-file", port_file], stdin=subprocess.DEVNULL)
                wait_for(port_file.exists, 10, "the sink", lambda: self.sink.poll() is not None)
                self.port = int(port_file.read_text())
                return self.port

        def sink_stats(self):
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as r:
                        return json.loads(r.read())

        # ---- cwlogd -------------------------------------------------------------------------------

        def cwlogd_config(self, section_keys, gzip=True):
                """A fresh config file, empty drop-in dir and state dir; returns cwlogd's argv."""
                self._runs += 1
                d = self.tmp / f"cwlogd-{self._runs}"
                (d / "conf.d").mkdir(parents=True)
                (d / "state").mkdir()
                keys = "".join(f"{k} = {v}\n" for k, v in section_keys.items())
                (d / "cwlogd.conf").write_text(
                        f"[general]\nuse_gzip_http_content_encoding = {'true' if gzip else 'false'}\n\n"
                        f"[bench]\n{keys}")
                argv = [self.cwlogd, f"--config={d / 'cwlogd.conf'}",
                        f"--additional-configs-dir={d / 'conf.d'}", f"--state-dir={d / 'state'}",
                        "--region=us-east-1"]
                if self.port:
                        argv.append(f"--endpoint=http://127.0.0.1:{self.port}")
                return argv

        def cwlogd_env(self, **extra):
                env = {k: v for k, v in os.environ.items()
                       if not k.startswith("AWS_") and k not in ("NOTIFY_SOCKET", "WATCHDOG_PID",
                                                                 "WATCHDOG_USEC", "JOURNAL_STREAM",
                                                                 "STATE_DIRECTORY")}
                env.update(AWS_ACCESS_KEY_ID="AKIDBENCHEXAMPLE0000",
                           AWS_SECRET_ACCESS_KEY="bench/secret/not/checked",
                           AWS_EC2_METADATA_DISABLED="true", HOME=str(self.tmp),
                           RUNTIME_DIRECTORY=str(self.tmp / "run"))
                env.update(extra)
                return env

        def measure(self, argv, name, stdout=subprocess.DEVNULL, env=None):
                """Runs ARGV under bench/measure; returns its JSON, plus "log" (stderr tail),
                "stdout" and "trace" (the RssAnon samples as (seconds, KiB) pairs)."""
                out, err, trace = (self.tmp / f"{name}.{x}" for x in ("json", "stderr", "trace"))
                with open(err, "wb") as ef:
                        p = subprocess.run([tool("measure"), "--json", out, "--trace", trace, "--",
                                            *[str(a) for a in argv]],
                                           stdout=stdout, stderr=ef, env=env, stdin=subprocess.DEVNULL)
                res = json.loads(out.read_text()) if out.exists() else {"exit": p.returncode}
                res["log"] = err.read_text(errors="replace")[-3000:]
                res["stdout"] = p.stdout
                lines = trace.read_text().splitlines() if trace.exists() else []
                res["trace"] = [(float(t), int(k)) for t, k in (line.split() for line in lines)]
                return res


def wait_for(ok, timeout, what, dead=lambda: False):
        deadline = time.monotonic() + timeout
        while not ok():
                if dead():
                        raise BenchError(f"{what} exited before it was ready")
                if time.monotonic() > deadline:
                        raise BenchError(f"{what} was not ready within {timeout} s")
                time.sleep(0.02)


class PrivateJournald:
        """systemd-journald for namespace NAME in a private mount namespace: temporary
        directories are bind-mounted over /run/systemd, /run/log, /var/log/journal and
        /etc/systemd (for journald@NAME.conf with rate limiting off) inside it only, so the
        host's journald is untouched. Commands run inside through `nsenter --mount`, which
        execs them (their pid is their own). The same approach as tests/integration."""

        def __init__(self, bench, name="bench"):
                self.bench, self.name = bench, name
                self.root = bench.tmp / "journald"
                self.anchor = self.journald = None
                self.socket_path = self.root / "run-systemd" / f"journal.{name}" / "socket"

        @staticmethod
        def unavailable():
                if os.geteuid() != 0:
                        return "needs root (mount namespace and bind mounts)"
                for t in ("unshare", "nsenter", "journalctl"):
                        if not shutil.which(t):
                                return f"'{t}' is not installed"
                if not os.access(JOURNALD, os.X_OK):
                        return f"{JOURNALD} is missing"
                return None

        def start(self):
                d = {k: self.root / k for k in ("run-systemd", "run-log", "var-log-journal", "etc-systemd")}
                for p in d.values():
                        p.mkdir(parents=True)
                (d["etc-systemd"] / f"journald@{self.name}.conf").write_text(
                        "[Journal]\nStorage=persistent\nRateLimitIntervalSec=0\nRateLimitBurst=0\n")
                target = "/var/log/journal" if os.path.isdir("/var/log/journal") else "/var/log"
                ready = self.root / "ready"
                q = shlex.quote
                script = "; ".join([
                        "set -e",
                        f"mount --bind {q(str(d['run-systemd']))} /run/systemd",
                        f"mount --bind {q(str(d['run-log']))} /run/log",
                        f"mount --bind {q(str(d['var-log-journal']))} {target}",
                        f"mount --bind {q(str(d['etc-systemd']))} /etc/systemd",
                        f"echo ok > {q(str(ready))}",
                        "exec sleep infinity"])
                with open(self.root / "anchor.log", "wb") as lf:
                        self.anchor = self.bench.start(["unshare", "--mount", "--propagation", "private",
                                                        "/bin/sh", "-c", script],
                                                       kill_hard=True, stdin=subprocess.DEVNULL, stdout=lf,
                                                       stderr=subprocess.STDOUT)
                wait_for(ready.exists, 20, "the mount namespace", lambda: self.anchor.poll() is not None)
                env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_PID",
                                                                         "WATCHDOG_USEC")}
                with open(self.root / "journald.log", "wb") as lf:
                        self.journald = jd = self.bench.start(
                                self.prefix() + [JOURNALD, self.name], stdin=subprocess.DEVNULL, stdout=lf,
                                stderr=subprocess.STDOUT, env=env)
                wait_for(self.socket_path.exists, 20, "journald", lambda: jd.poll() is not None)
                check_run(self.prefix() + ["journalctl", f"--namespace={self.name}", "--sync"],
                          "journalctl --sync")
                return self

        def prefix(self):
                return ["nsenter", f"--mount=/proc/{self.anchor.pid}/ns/mnt", "--"]
