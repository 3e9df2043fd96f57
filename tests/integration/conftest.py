"""pytest fixtures for cwlogd's integration tests (run with Debian's /usr/bin/python3).

What it provides: a CloudWatch Logs fake per test (cwfake), the cwlogd binary
(cwlogd_bin) and a runner for it (cwlogd), scratch and state directories that are
removed afterwards (workdir, tmp_state), journal files written by
systemd-journal-remote (journal_files), a private journald for a journal
namespace (journald_namespace, journald_namespace_factory), and moto's server as
a second, independent CloudWatch implementation (moto_server).

What it deliberately does not do: touch the machine's journal, /etc or AWS; rely
on pytest's tmp_path (which keeps old runs); assert on timing.

Invariants: every process a fixture starts is ended by pid at teardown, every
file it creates lives in a mkdtemp directory that teardown removes.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import cwfake as _cwfake  # noqa: E402
import journals as _journals  # noqa: E402


def pytest_configure(config):
        config.addinivalue_line("markers", "slow: takes more than a few seconds (deselect with -m 'not slow')")


def _mkdtemp(prefix):
        return Path(tempfile.mkdtemp(prefix=prefix))


def random_key_pair():
        """(access key id, secret) shaped like AWS's, fresh per call."""
        ak = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
        sk = "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
        return ak, sk


# --------------------------------------------------------------------------
# Scratch space
# --------------------------------------------------------------------------

@pytest.fixture
def workdir():
        """A fresh scratch directory (Path), removed after the test."""
        d = _mkdtemp("cwlogd-test.")
        yield d
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def tmp_state():
        """A fresh, empty directory for cwlogd --state-dir (Path), removed after the test."""
        d = _mkdtemp("cwlogd-state.")
        yield d
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------
# The CloudWatch fake
# --------------------------------------------------------------------------

@pytest.fixture
def cwfake():
        """A started FakeCloudWatch on 127.0.0.1 with one fresh key pair, stopped after
        the test. fake.access_key / fake.secret_key name that pair, fake.env() gives
        the environment a client needs (credentials, region, AWS_ENDPOINT_URL_LOGS)."""
        ak, sk = random_key_pair()
        fake = _cwfake.FakeCloudWatch(keys={ak: sk})
        fake.access_key, fake.secret_key = ak, sk
        fake.start()
        yield fake
        fake.stop()


# --------------------------------------------------------------------------
# cwlogd
# --------------------------------------------------------------------------

@pytest.fixture
def cwlogd_bin():
        """Path of the cwlogd binary: $CWLOGD_BIN, else <repo>/build/src/cwlogd."""
        p = Path(os.environ.get("CWLOGD_BIN") or REPO / "build" / "src" / "cwlogd")
        if not (p.is_file() and os.access(p, os.X_OK)):
                pytest.skip(f"cwlogd binary not found at {p} (build it, or set CWLOGD_BIN)")
        return p


class Cwlogd:
        """Runs cwlogd hermetically: its own config, conf.d, state dir and HOME, and an
        environment with nothing from the caller's AWS settings."""

        def __init__(self, binary, workdir, state_dir):
                self.binary, self.workdir, self.state_dir = Path(binary), Path(workdir), Path(state_dir)
                self.conf_d = self.workdir / "conf.d"
                self.conf_d.mkdir(exist_ok=True)
                self.config_path = self.workdir / "cwlogd.conf"
                self._procs = []
                self._n = 0

        def write_config(self, text, name=None):
                """Write the main config (or conf.d/NAME when name is given); returns its path."""
                p = self.conf_d / name if name else self.config_path
                p.write_text(text)
                return p

        def argv(self, *args, config=None):
                return [str(self.binary), f"--config={config or self.config_path}",
                        f"--additional-configs-dir={self.conf_d}", f"--state-dir={self.state_dir}",
                        *map(str, args)]

        def env(self, extra=None):
                env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                       "HOME": str(self.workdir),
                       "AWS_CONFIG_FILE": str(self.workdir / "no-aws-config"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(self.workdir / "no-aws-credentials"),
                       "AWS_EC2_METADATA_DISABLED": "true",
                       # status.json goes here, never into the machine's /run/cwlogd.
                       "RUNTIME_DIRECTORY": str(self.workdir / "run")}
                env.update(extra or {})
                return env

        def run(self, *args, config=None, env=None, ns=None, timeout=120, input=None):
                """Run to completion; returns CompletedProcess (text stdout/stderr).
                ns: a JournaldNamespace to run inside of."""
                argv = self.argv(*args, config=config)
                if ns is not None:
                        argv = ns.prefix() + argv
                return subprocess.run(argv, env=self.env(env), capture_output=True, text=True,
                                      timeout=timeout, input=input, cwd=self.workdir)

        def start(self, *args, config=None, env=None, ns=None):
                """Start in the background; stdout and stderr go to .log_path of the
                returned Popen (read it with cwlogd.log(p)). Ended at teardown."""
                self._n += 1
                log_path = self.workdir / f"cwlogd-{self._n}.log"
                with open(log_path, "wb") as log:
                        argv = self.argv(*args, config=config)
                        if ns is not None:
                                p = ns.popen(argv, env=self.env(env), stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=self.workdir)
                        else:
                                p = subprocess.Popen(argv, env=self.env(env), stdout=log, stderr=subprocess.STDOUT,
                                                     stdin=subprocess.DEVNULL, cwd=self.workdir)
                p.log_path = log_path
                self._procs.append(p)
                return p

        @staticmethod
        def log(p):
                return Path(p.log_path).read_text(errors="replace")

        @staticmethod
        def stop(p, sig=signal.SIGTERM, timeout=60):
                """Send sig to one started cwlogd and wait; returns its exit code."""
                return _journals._end(p, sig, timeout)

        def close(self):
                for p in self._procs:
                        _journals._end(p, signal.SIGKILL, 10)


@pytest.fixture
def cwlogd(cwlogd_bin, workdir, tmp_state):
        """A Cwlogd runner bound to this test's workdir and tmp_state."""
        c = Cwlogd(cwlogd_bin, workdir, tmp_state)
        yield c
        c.close()


# --------------------------------------------------------------------------
# Journals
# --------------------------------------------------------------------------

@pytest.fixture
def journal_files():
        """journal_files(entries, name="test", directory=None, boot_id=None) -> Path.
        Writes real journal files with systemd-journal-remote from an iterable of dicts
        (field -> str | bytes | int | list for repeats; __REALTIME_TIMESTAMP in µs) into
        DIRECTORY/NAME.journal; without directory, a fresh one. Returns the directory
        (call again with the same directory and another name for several files).
        Directories made here are removed after the test."""
        if not os.access(_journals.JOURNAL_REMOTE, os.X_OK):
                pytest.skip(f"{_journals.JOURNAL_REMOTE} missing (apt install systemd-journal-remote)")
        made = []

        def write(entries, name="test", directory=None, boot_id=None):
                if directory is None:
                        directory = _mkdtemp("cwlogd-journal.")
                        made.append(directory)
                d, _ = _journals.write_journal_files(directory, entries, name=name, boot_id=boot_id)
                return d

        yield write
        for d in made:
                shutil.rmtree(d, ignore_errors=True)


def _journald_usable():
        if os.geteuid() != 0:
                return "needs root (mount namespaces and bind mounts)"
        for tool in ("unshare", "nsenter", "journalctl"):
                if shutil.which(tool) is None:
                        return f"{tool} not found"
        if not os.access(_journals.JOURNALD, os.X_OK):
                return f"{_journals.JOURNALD} not found"
        return None


@pytest.fixture
def journald_namespace_factory():
        """make(name=None, storage="persistent", journald_conf={"SystemMaxFileSize": "1M"})
        -> started JournaldNamespace. All of them are stopped after the test."""
        why = _journald_usable()
        if why:
                pytest.skip(f"journald namespace unavailable: {why}")
        made = []

        def make(name=None, storage="persistent", journald_conf=None):
                ns = _journals.JournaldNamespace(name, storage, journald_conf)
                made.append(ns)
                return ns.start()

        yield make
        for ns in made:
                ns.stop()


@pytest.fixture
def journald_namespace(journald_namespace_factory):
        """A started private journald (JournaldNamespace) with default settings."""
        return journald_namespace_factory()


# --------------------------------------------------------------------------
# moto: a second CloudWatch implementation
# --------------------------------------------------------------------------

MOTO_READER = r"""
import json, sys, boto3
url, region, op, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
c = boto3.client("logs", endpoint_url=url, region_name=region,
                 aws_access_key_id="testing", aws_secret_access_key="testing")
if op == "events":
    out, kw = [], dict(params, startFromHead=True)
    while True:
        r = c.get_log_events(**kw)
        out += [[e["timestamp"], e["message"]] for e in r["events"]]
        if not r["events"] or r["nextForwardToken"] == kw.get("nextToken"):
            break
        kw["nextToken"] = r["nextForwardToken"]
    print(json.dumps(out))
else:
    r = getattr(c, op)(**params)
    r.pop("ResponseMetadata", None)
    print(json.dumps(r, default=str))
"""


class MotoServer:
        """moto's server on 127.0.0.1:port, driven with boto3 from the interpreter that has it."""

        def __init__(self, python, port, proc, region="us-east-1"):
                self.python, self.port, self.proc, self.region = python, port, proc, region
                self.url = f"http://127.0.0.1:{port}"

        def env(self):
                """Environment for a client process (moto accepts any credentials)."""
                return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
                        "AWS_ENDPOINT_URL_LOGS": self.url, "AWS_EC2_METADATA_DISABLED": "true"}

        def call(self, op, **params):
                """One boto3 logs call by snake_case name, e.g. call("describe_log_groups");
                returns the response as JSON-decoded data (ResponseMetadata removed)."""
                p = subprocess.run([self.python, "-c", MOTO_READER, self.url, self.region, op, json.dumps(params)],
                                   capture_output=True, text=True, timeout=120)
                if p.returncode != 0:
                        raise RuntimeError(f"boto3 {op} failed: {p.stderr[-2000:]}")
                return json.loads(p.stdout)

        def events(self, group, stream):
                """Every event of a stream, oldest first: [(timestamp_ms, message)]."""
                return [tuple(e) for e in self.call("events", logGroupName=group, logStreamName=stream)]


def _free_port():
        with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                return s.getsockname()[1]


@pytest.fixture
def moto_server():
        """A started MotoServer (skipped when `python3` on PATH cannot import moto)."""
        python = shutil.which("python3")
        if python is None or os.path.realpath(python) == os.path.realpath(sys.executable):
                pytest.skip("no second python3 on PATH with moto (the default PATH python3 is this one)")
        probe = subprocess.run([python, "-c", "import moto, boto3, flask"], capture_output=True)
        if probe.returncode != 0:
                pytest.skip(f"{python} cannot import moto/boto3: {probe.stderr.decode()[-300:]}")
        port = _free_port()
        d = _mkdtemp("cwlogd-moto.")
        log = open(d / "moto.log", "wb")
        proc = subprocess.Popen([python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=d)
        try:
                deadline = time.monotonic() + 60
                while True:
                        try:
                                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                                break
                        except OSError:
                                if proc.poll() is not None or time.monotonic() > deadline:
                                        raise RuntimeError("moto server did not start: "
                                                           + (d / "moto.log").read_text(errors="replace")[-2000:])
                                time.sleep(0.1)
                yield MotoServer(python, port, proc)
        finally:
                _journals._end(proc)
                log.close()
                shutil.rmtree(d, ignore_errors=True)
