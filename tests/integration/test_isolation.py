"""Per-stream isolation: one destination that cannot be written must not hold back the
others (LESSONS: "Shipping stops for every stream when one stream errors").

  - three sections in one daemon: one ships normally, one whose group the service denies
    (AccessDeniedException), one whose group does not exist and may not be created
    (create_log_group = false; a typo'd name). The good one delivers everything while the
    two others keep failing and retrying; once the service is fixed (permission granted,
    group created) the held-back events arrive too, none lost, none twice.
  - a group name CloudWatch would never accept is a configuration error: --check-config
    names FILE:LINE, and a reload that brings one in keeps the running configuration
    shipping.

What it deliberately does not do: assert on timing (waits only bound a hang); "on time" is
shown by order: the good stream is complete while the bad ones are still being refused.

Invariants: fixtures clean up every process and directory.
"""

import signal
import time

import pytest

SECTIONS = {"good": "g-good", "denied": "g-denied", "typo": "g-typo"}


def entries(prefix, n, t0):
        for i in range(n):
                yield {"MESSAGE": f"{prefix}-{i:06d}", "SYSLOG_IDENTIFIER": "cwtest", "__REALTIME_TIMESTAMP": t0 + i * 10}


def msgs(fake, group, stream="s"):
        return [m for _, m in fake.events(group, stream)]


def put_errors(fake, group, error):
        return [r for r in fake.requests("PutLogEvents") if r["group"] == group and r["error"] == error]


def test_failing_streams_do_not_hold_back_the_good_one(cwlogd, cwfake, journal_files):
        t0 = int((time.time() - 3600) * 1e6)
        n = 5000
        dirs = {name: journal_files(entries(name, n, t0), name=name) for name in SECTIONS}
        expected = {name: [f"{name}-{i:06d}" for i in range(n)] for name in SECTIONS}
        conf = "[general]\n"
        for name, group in SECTIONS.items():
                conf += (f"[{name}]\njournal = true\njournal_directory = {dirs[name]}\nlog_group_name = {group}\n"
                         f"log_stream_name = s\nbuffer_duration = 200\nbatch_count = 500\n")
        conf += "create_log_group = false\n"  # applies to the last section, [typo]
        cwlogd.write_config(conf)
        cwfake.fail_group("g-denied")

        p = cwlogd.start(env=cwfake.env())
        good = cwfake.wait_for(lambda f: set(expected["good"]) <= set(msgs(f, "g-good")), 120)
        # The good stream is complete; the two bad ones must still be trying, not given up.
        denied_before = len(put_errors(cwfake, "g-denied", "AccessDeniedException"))
        typo_before = len([r for r in cwfake.requests() if r["group"] == "g-typo"
                           and r["error"] == "ResourceNotFoundException"])
        log = cwlogd.log(p)
        print(f"when the good stream was complete: {denied_before} AccessDenied, {typo_before} ResourceNotFound; "
              f"groups {cwfake.groups()}")
        assert good, f"the good stream did not complete: {len(set(msgs(cwfake, 'g-good')))} of {n}\n{log[-3000:]}"
        assert denied_before >= 1 and typo_before >= 1, f"the bad sections never tried: {cwfake.stats()}"
        assert msgs(cwfake, "g-denied") == [] and "g-typo" not in cwfake.groups(), \
                "events reached a group that should have refused them"
        assert "AccessDenied" in log and "[denied]" in log, f"the denial is not logged:\n{log[-3000:]}"
        assert "[typo]" in log, f"the missing group is not logged:\n{log[-3000:]}"
        assert cwfake.wait_for(lambda f: len(put_errors(f, "g-denied", "AccessDeniedException")) > denied_before, 90), \
                "the denied section stopped retrying"

        # Fix the service: grant access, create the group the typo names.
        cwfake.fail_group("g-denied", False)
        cwfake.create_group("g-typo")
        cwfake.create_stream("g-typo", "s")
        for name, group in SECTIONS.items():
                ok = cwfake.wait_for(lambda f: set(expected[name]) <= set(msgs(f, group)), 120)
                assert ok, f"[{name}]: {len(set(msgs(cwfake, group)))} of {n} arrived after the fix"
                assert len(msgs(cwfake, group)) == n, f"[{name}]: duplicates"
        assert "g-typo" in cwfake.groups() and not [r for r in cwfake.requests("CreateLogGroup")
                                                     if r["group"] == "g-typo"], \
                "cwlogd created the group although create_log_group = false"
        assert p.poll() is None, cwlogd.log(p)[-3000:]
        assert cwlogd.stop(p) == 0, cwlogd.log(p)[-3000:]


BAD_GROUP = "bad group:name*"


def test_invalid_group_name_is_a_config_error(cwlogd, workdir):
        conf = cwlogd.write_config(f"[general]\n[app]\nfile = {workdir}/app.log\nlog_group_name = {BAD_GROUP}\n"
                                   "log_stream_name = s\n")
        r = cwlogd.run("--check-config")
        assert r.returncode == 1, r.stdout + r.stderr
        assert f"{conf}:4:" in r.stderr and "log_group_name" in r.stderr, r.stderr


def test_reload_with_invalid_group_name_keeps_shipping(cwlogd, cwfake, journal_files):
        t0 = int((time.time() - 3600) * 1e6)
        d = journal_files(entries("a", 1000, t0), name="a")
        cwlogd.write_config(f"[general]\n[good]\njournal = true\njournal_directory = {d}\nlog_group_name = g\n"
                            "log_stream_name = s\nbuffer_duration = 200\n")
        p = cwlogd.start(env=cwfake.env())
        first = [f"a-{i:06d}" for i in range(1000)]
        assert cwfake.wait_for(lambda f: set(first) <= set(msgs(f, "g")), 60), cwlogd.log(p)

        cwlogd.write_config(f"[bad]\njournal = true\njournal_directory = {d}\nlog_group_name = {BAD_GROUP}\n",
                            name="bad.conf")
        p.send_signal(signal.SIGHUP)
        assert cwfake.wait_for(lambda f: "Reload failed" in cwlogd.log(p), 30), cwlogd.log(p)
        journal_files(entries("b", 1000, t0 + 100_000), name="b", directory=d)
        want = first + [f"b-{i:06d}" for i in range(1000)]
        assert cwfake.wait_for(lambda f: set(want) <= set(msgs(f, "g")), 60), \
                f"shipping stopped after the failed reload:\n{cwlogd.log(p)[-3000:]}"
        assert len(msgs(cwfake, "g")) == 2000
        log = cwlogd.log(p)
        assert "bad.conf:4:" in log and "log_group_name" in log, f"the bad line is not named:\n{log[-2000:]}"
        assert p.poll() is None, log[-3000:]
        assert cwlogd.stop(p) == 0, cwlogd.log(p)[-3000:]
