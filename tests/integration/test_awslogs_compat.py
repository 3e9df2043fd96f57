"""awslogs.conf compatibility: the old CloudWatch Logs agent's own sample configuration
(data/awslogs.conf, as its setup script wrote it and its documentation shows it) is read
unchanged except for the file path, which points at a temporary file; its drop-in
directory (/var/awslogs/etc/config) is read the way cwlogd documents, with a notice
wherever the old agent would have merged differently; keys only the old agent had are
accepted with a notice.

The old agent (awscli-cwlogs push.py) read every regular file of --additional-configs-dir,
skipped [general] there and skipped any section it already had; cwlogd reads *.conf in
lexical order and merges (later keys win), and says so for each difference.
"""

import datetime
import os
import socket
import subprocess
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = (DATA / "awslogs.conf").read_text()


def old_layout(workdir, log_path, extra=None):
        """/var/awslogs/etc/awslogs.conf and /var/awslogs/etc/config/, under workdir."""
        etc = workdir / "var" / "awslogs" / "etc"
        (etc / "config").mkdir(parents=True)
        text = SAMPLE.replace("file = /var/log/messages", f"file = {log_path}")
        assert text != SAMPLE
        (etc / "awslogs.conf").write_text(text)
        for name, body in (extra or {}).items():
                (etc / "config" / name).write_text(body)
        return etc / "awslogs.conf", etc / "config"


def run(cwlogd, conf, confdir, *args, env=None, timeout=60):
        argv = [str(cwlogd.binary), f"--config-file={conf}", f"--additional-configs-dir={confdir}",
                f"--state-dir={cwlogd.state_dir}", *args]
        return subprocess.run(argv, env=cwlogd.env(env), capture_output=True, text=True, timeout=timeout)


def start(cwlogd, conf, confdir, env=None):
        argv = [str(cwlogd.binary), f"--config={conf}", f"--additional-configs-dir={confdir}",
                f"--state-dir={cwlogd.state_dir}"]
        log = open(cwlogd.workdir / "compat.log", "wb")
        p = subprocess.Popen(argv, env=cwlogd.env(env), stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        cwlogd._procs.append(p)  # ended at teardown if a test fails
        p.log_path = cwlogd.workdir / "compat.log"
        return p


def syslog_line(when, text):
        return when.strftime("%b %d %H:%M:%S") + f" host app[42]: {text}\n"


def test_sample_passes_check_config(cwlogd, workdir):
        conf, confdir = old_layout(workdir, workdir / "messages")
        r = run(cwlogd, conf, confdir, "--check-config")
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == [f"/var/log/messages\tfile:{workdir}/messages\t/var/log/messages\t{{instance_id}}"]
        assert r.stderr.splitlines() == [f"{conf}:4: state_file is ignored: cwlogd keeps its state in the state "
                                         "directory (--state-dir)"]


def test_sample_runs_unchanged(cwlogd, cwfake, workdir):
        """Syslog lines (local time, no year) arrive in /var/log/messages, stream {instance_id}
        (the host name off EC2), with the time written in them."""
        messages = workdir / "messages"
        now = datetime.datetime.now().replace(microsecond=0)
        messages.write_text(syslog_line(now - datetime.timedelta(seconds=2), "first")
                            + syslog_line(now, "second"))
        conf, confdir = old_layout(workdir, messages)
        p = start(cwlogd, conf, confdir, env=cwfake.env())
        stream = socket.gethostname()
        events = cwfake.wait_events("/var/log/messages", stream, 2, timeout=60)
        assert [m.split(": ", 1)[1] for _, m in events] == ["first", "second"], Path(p.log_path).read_text()
        assert events[1][0] == int(now.timestamp() * 1000)
        assert events[0][0] == int(now.timestamp() * 1000) - 2000
        assert cwlogd.stop(p) == 0
        assert sorted(os.listdir(cwlogd.state_dir)) == ["-var-log-messages.file"], os.listdir(cwlogd.state_dir)


def test_additional_configs_dir_merges_with_notices(cwlogd, cwfake, workdir):
        """A stream defined in /var/awslogs/etc/config/ ships alongside the main file's; what
        the old agent would have ignored there is merged, and each such case is noted."""
        messages, app = workdir / "messages", workdir / "app.log"
        now = datetime.datetime.now().replace(microsecond=0)
        messages.write_text(syslog_line(now, "from messages"))
        app.write_text("app line\n")
        conf, confdir = old_layout(workdir, messages, extra={
                "app.conf": f"[app]\nfile = {app}\nlog_group_name = app\nlog_stream_name = {{hostname}}\n"
                            "buffer_duration = 200\n",
                "override.conf": "[/var/log/messages]\nbuffer_duration = 1000\n",
                "notes.txt": "[general]\nnot = read\n",
        })
        r = run(cwlogd, conf, confdir, "--check-config")
        assert r.returncode == 0, r.stderr
        assert [l.split("\t")[0] for l in r.stdout.splitlines()] == ["/var/log/messages", "app"]
        assert f"{confdir}/notes.txt: not read, only *.conf files are" in r.stderr
        assert (f"{confdir}/override.conf:1: [/var/log/messages] was already defined at {conf}:6; the keys here "
                "are merged into it (the old agent ignored a repeated section in its additional configs)") in r.stderr

        p = start(cwlogd, conf, confdir, env=cwfake.env())
        host = socket.gethostname()
        assert [m for _, m in cwfake.wait_events("app", host, 1)] == ["app line"]
        assert len(cwfake.wait_events("/var/log/messages", host, 1)) == 1
        assert cwlogd.stop(p) == 0


def test_old_only_keys_and_defaults_section(cwlogd, workdir):
        """logging_config_file and state_file are accepted with a notice; Python's [DEFAULT]
        section works as it did for the old agent (keys shared by every section)."""
        log = workdir / "x.log"
        conf, confdir = old_layout(workdir, log, extra={
                "more.conf": f"[DEFAULT]\nbuffer_duration = 10000\ninitial_position = end_of_file\n"
                             f"[more]\nfile = {log}\nlog_group_name = more\n",
        })
        with open(conf, "a") as f:
                f.write("\n[general]\nlogging_config_file = /var/awslogs/etc/awslogs-logging.conf\n")
        r = run(cwlogd, conf, confdir, "--check-config")
        assert r.returncode == 0, r.stderr
        assert f"{conf}:15: logging_config_file is ignored: cwlogd logs to stderr/the journal; use --log-level" \
                in r.stderr
        assert "state_file is ignored" in r.stderr
        assert [l.split("\t")[0] for l in r.stdout.splitlines()] == ["/var/log/messages", "more"]
