# SPDX-License-Identifier: MIT
"""The command line as a user meets it (SPEC §2, §3): help, version, exit codes,
--check-config on good and broken configurations, drop-ins, and what happens without a
region or without credentials."""

import re
import signal

import pytest

from e2e_util import general, journal_section, now_us, section, wait_exit, wait_log

# anywhere on a line: the daemon's own log may prefix it ("cwlogd: " or "<3>")
LOCATED = re.compile(r"(?P<file>/[^\s:]+):(?P<line>\d+): (?P<msg>.+)$", re.M)


def located_error(stderr, path, line=None):
        """The 'FILE:LINE: message' of stderr that names path (and line, if given)."""
        for m in LOCATED.finditer(stderr):
                if m["file"] == str(path) and (line is None or int(m["line"]) == line):
                        return m["msg"]
        return None


def test_help(cwlogd):
        r = cwlogd.run("--help")
        assert r.returncode == 0
        assert "Usage" in r.stdout and "cwlogd" in r.stdout
        for flag in ("--config=", "--config-file", "--additional-configs-dir", "--state-dir", "--region",
                     "--endpoint", "--once", "--dry-run", "--check-config", "--log-level", "--version", "--help"):
                assert flag in r.stdout, flag


def test_version(cwlogd):
        r = cwlogd.run("--version")
        assert r.returncode == 0
        assert re.fullmatch(r"cwlogd \d+(\.\d+)*\S*\n", r.stdout), r.stdout


@pytest.mark.parametrize("args", [["--no-such-flag"], ["--log-level=chatty"], ["positional"], ["--once=yes"]])
def test_bad_arguments_exit_1(cwlogd, args):
        r = cwlogd.run(*args)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert r.stderr.strip(), "no explanation on stderr"


def good_config(workdir):
        return (general(region="eu-west-1", state_file="/var/awslogs/state/agent-state")
                + journal_section("journal-all", workdir / "jdir", "g-journal", "{hostname}-journal")
                + section("syslog", file="/var/log/syslog", log_group_name="g-file",
                          log_stream_name="{instance_id}", datetime_format="%b %d %H:%M:%S",
                          initial_position="start_of_file", buffer_duration="5000"))


def test_check_config_lists_each_stream(cwlogd, workdir, tmp_state):
        cwlogd.write_config(good_config(workdir))
        r = cwlogd.run("--check-config")
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == [
                f"journal-all\tjournal:{workdir / 'jdir'}\tg-journal\t{{hostname}}-journal",
                "syslog\tfile:/var/log/syslog\tg-file\t{instance_id}",
        ]
        assert "state_file" in r.stderr, "the ignored awslogs key deserves a notice"
        assert list(tmp_state.iterdir()) == []


def test_unmodified_awslogs_conf_passes(cwlogd):
        cwlogd.write_config("""\
#
# ------------------------------------------
# CLOUDWATCH LOGS AGENT CONFIGURATION FILE
# ------------------------------------------
[general]
# Path to the CloudWatch Logs agent's state file. The agent uses this file to maintain
# client side state across its executions.
state_file = /var/awslogs/state/agent-state

## Each log file is defined in its own section. The section name doesn't
## matter as long as its unique within this file.
[/var/log/messages]
datetime_format = %b %d %H:%M:%S
file = /var/log/messages
buffer_duration = 5000
log_stream_name = {instance_id}
initial_position = start_of_file
log_group_name = /var/log/messages
""")
        r = cwlogd.run("--check-config")
        assert r.returncode == 0, r.stderr
        assert len(r.stdout.splitlines()) == 1
        name, source, group, template = r.stdout.rstrip("\n").split("\t")
        assert (source, group, template) == ("file:/var/log/messages", "/var/log/messages", "{instance_id}")


def test_config_file_alias(cwlogd, workdir):
        path = cwlogd.write_config(good_config(workdir))
        a = cwlogd.run("--check-config", config=path)
        b = cwlogd.run("--check-config", f"--config-file={path}", config=workdir / "does-not-exist.conf")
        assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
        assert a.stdout == b.stdout


def test_dropins_merge_in_lexical_order(cwlogd, workdir):
        cwlogd.write_config(general(region="eu-west-1")
                            + journal_section("main", workdir, "from-main", "s1"))
        cwlogd.write_config(section("main", log_group_name="from-20"), name="20-b.conf")
        cwlogd.write_config(section("main", log_group_name="from-10", log_stream_name="s10"), name="10-a.conf")
        cwlogd.write_config(journal_section("extra", workdir, "g-extra", "x"), name="30-extra.conf")
        cwlogd.write_config("this is not a config file at all\n", name="README")
        cwlogd.write_config("[broken\n", name="99-disabled.conf.bak")
        r = cwlogd.run("--check-config")
        assert r.returncode == 0, r.stderr
        lines = sorted(r.stdout.splitlines())
        assert lines == sorted([f"main\tjournal:{workdir}\tfrom-20\ts10", f"extra\tjournal:{workdir}\tg-extra\tx"])


BROKEN = {
        "missing-group": ("[general]\n[s]\njournal = true\nlog_stream_name = x\n", 2, r"log_group_name"),
        "unknown-key": ("[general]\n[s]\njournal = true\nlog_group_name = g\nlog_gruop_name = g\n", 5,
                        r"log_gruop_name.*did you mean.*log_group_name"),
        "bad-number": ("[general]\n[s]\njournal = true\nlog_group_name = g\nbatch_count = 20000\n", 5,
                       r"batch_count"),
        "bad-priority": ("[general]\n[s]\njournal = true\nlog_group_name = g\njournal_priority = loud\n", 5,
                         r"journal_priority|loud"),
        "bad-bool": ("[general]\nuse_gzip_http_content_encoding = maybe\n", 2, r"maybe|use_gzip"),
        "no-source": ("[general]\n[s]\nlog_group_name = g\n", 2, r"neither file nor journal|file|journal"),
        "bad-position": ("[general]\n[s]\nfile = /x\nlog_group_name = g\ninitial_position = middle\n", 5,
                         r"initial_position|middle"),
        "bad-regex": ("[general]\n[s]\nfile = /x\nlog_group_name = g\nexclude_pattern = (unclosed\n", 5,
                      r"exclude_pattern|unclosed|regex|pattern"),
        "syntax": ("[general]\n[s\n", 2, r"\]|section"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_config_names_file_and_line(cwlogd, case):
        text, line, pattern = BROKEN[case]
        path = cwlogd.write_config(text)
        r = cwlogd.run("--check-config")
        assert r.returncode == 1, (r.stdout, r.stderr)
        msg = located_error(r.stderr, path, line)
        assert msg, f"no '{path}:{line}: message' on stderr: {r.stderr!r}"
        assert re.search(pattern, msg, re.I), msg
        # the daemon itself refuses it the same way
        d = cwlogd.run("--once", env={"AWS_REGION": "eu-west-1"})
        assert d.returncode == 1
        assert located_error(d.stderr, path, line), d.stderr


def test_broken_dropin_names_the_dropin(cwlogd, workdir):
        cwlogd.write_config(general() + journal_section("s", workdir, "g", "s"))
        bad = cwlogd.write_config("\n[s]\nretention_in_days = 8\n", name="50-bad.conf")
        r = cwlogd.run("--check-config")
        assert r.returncode == 1
        assert located_error(r.stderr, bad, 3), r.stderr


@pytest.mark.parametrize("what", ["missing", "directory"])
def test_unreadable_config(cwlogd, workdir, what):
        path = workdir / "nope.conf" if what == "missing" else workdir / "conf.d"
        r = cwlogd.run("--check-config", config=path)
        assert r.returncode == 1, r.stdout
        assert str(path) in r.stderr, r.stderr


def test_missing_region_is_a_config_error(cwlogd, cwfake, workdir):
        cwlogd.write_config(general() + journal_section("s", workdir, "g", "s"))
        env = {k: v for k, v in cwfake.env().items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
        r = cwlogd.run("--once", env=env, timeout=60)
        assert r.returncode == 1, r.stderr
        assert "region" in r.stderr.lower(), r.stderr


def test_no_credentials_keeps_running_and_says_so(cwlogd, cwfake, journal_files):
        d = journal_files([{"MESSAGE": "waiting for credentials", "__REALTIME_TIMESTAMP": now_us() - 1000}])
        cwlogd.write_config(general() + journal_section("s", d, "g", "s", buffer_duration=200))
        env = {k: v for k, v in cwfake.env().items() if not k.startswith("AWS_") or k in
               ("AWS_REGION", "AWS_ENDPOINT_URL_LOGS", "AWS_EC2_METADATA_DISABLED")}
        p = cwlogd.start(env=env)
        assert wait_log(cwlogd, p, re.compile(r"credential", re.I), timeout=60), cwlogd.log(p)[-3000:]
        assert p.poll() is None, "the daemon gave up: " + cwlogd.log(p)[-3000:]
        assert cwfake.requests() == [], "requests went out without credentials"
        p.send_signal(signal.SIGTERM)
        assert wait_log(cwlogd, p, re.compile(r"SIGTERM|Terminated|exiting", re.I), timeout=30)
        p.send_signal(signal.SIGTERM)
        assert wait_exit(p, 30) == 0, cwlogd.log(p)[-3000:]
