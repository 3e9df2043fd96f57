# SPDX-License-Identifier: MIT
"""cwlogd as a systemd-native service (SPEC §8), with the test playing systemd's part:
a NOTIFY_SOCKET that records READY/STATUS/WATCHDOG/RELOADING/STOPPING, WATCHDOG_USEC and
WATCHDOG_PID as the service manager sets them, SIGHUP and SIGTERM as systemctl sends them,
JOURNAL_STREAM as journald's stdout stream sets it. A private journald (a journal
namespace) is the live journal the daemon follows.

Issue: "Run as a systemd-native service".
"""

import os
import re
import subprocess

import pytest

from e2e_util import (LIMITS, SIGHUP, SIGTERM, NotifySocket, by_time, duplicates, general, kill, now_us,
                      section, start_notified, wait_exit, wait_log)

GROUP = "e2e-service"


@pytest.fixture
def notify(workdir):
        n = NotifySocket(workdir)
        yield n
        n.close()


def ns_section(name, ns, ident, **keys):
        keys.setdefault("buffer_duration", 200)
        return section(name, journal="true", journal_namespace=ns.name, journal_identifier=ident,
                       log_group_name=GROUP, log_stream_name=name, **keys)


def send(ns, ident, prefix, n):
        msgs = [f"{prefix}-{i:04d}" for i in range(n)]
        for m in msgs:
                ns.send(MESSAGE=m, SYSLOG_IDENTIFIER=ident)
        ns.sync()
        return msgs


def messages(fake, stream):
        return [m for _, m in by_time(fake.events(GROUP, stream))]


def wait_messages(fake, stream, want, timeout=60):
        """Wait until every message of want arrived on stream; returns the stream's messages."""
        fake.wait_for(lambda f: set(want) <= {m for _, m in f.events(GROUP, stream)}, timeout)
        return messages(fake, stream)


def events_sent(status):
        m = re.search(r"(\d+) events sent", status)
        return int(m[1]) if m else None


def test_notify_ready_watchdog_status_stop(cwlogd, cwfake, journald_namespace, workdir, tmp_state):
        ns = journald_namespace
        state = tmp_state / "one.cursor"
        notify = NotifySocket(workdir, probe=state.exists)
        try:
                send(ns, "e2e-one", "before-start", 3)
                cwlogd.write_config(general() + ns_section("one", ns, "e2e-one", initial_position="end_of_journal"))
                p = start_notified(cwlogd, notify, env=cwfake.env(), ns=ns, watchdog_usec=2_000_000)

                ready = notify.wait_key("READY", "1", timeout=60, proc=p)
                assert ready is not None, "no READY=1: " + cwlogd.log(p)[-3000:]
                assert notify.probes[ready], "READY=1 came before the journal source was positioned " \
                                             "(no state file for end_of_journal yet)"

                # Watchdog pings from the loop, repeatedly.
                assert notify.wait_for(lambda m: notify.count("WATCHDOG", "1") >= 2, timeout=15), \
                        "fewer than 2 WATCHDOG=1 with WATCHDOG_USEC=2s"
                seen = notify.count("WATCHDOG", "1")
                assert notify.wait_for(lambda m: notify.count("WATCHDOG", "1") > seen + 1, timeout=15), \
                        "watchdog pings stopped"

                # New entries are followed and shipped; STATUS counts them.
                after = send(ns, "e2e-one", "after-ready", 25)
                got = wait_messages(cwfake, "one", after)
                assert got == after, "end_of_journal: only what came after start, in order"
                assert notify.wait_for(lambda m: any((events_sent(s) or 0) >= 25 for s in notify.statuses()),
                                       timeout=30), notify.statuses()
                counts = [events_sent(s) for s in notify.statuses() if events_sent(s) is not None]
                assert counts == sorted(counts) and counts[0] < counts[-1], counts

                # SIGTERM: STOPPING=1, exit 0.
                kill(p, SIGTERM)
                rc = wait_exit(p, 60)
                assert rc == 0, cwlogd.log(p)[-3000:]
                assert notify.index_of("STOPPING", "1") is not None
        finally:
                notify.close()

        # While it is stopped more entries arrive; a restart resumes from the state file.
        later = send(ns, "e2e-one", "while-stopped", 10)
        p = cwlogd.start(env=cwfake.env(), ns=ns)
        got = wait_messages(cwfake, "one", later)
        assert got == after + later, "lost or repeated entries across the restart"
        kill(p, SIGTERM)
        assert wait_exit(p, 60) == 0


def test_reload(cwlogd, cwfake, journald_namespace, notify):
        ns = journald_namespace
        cwlogd.write_config(general() + ns_section("one", ns, "e2e-one"))
        cwlogd.write_config(ns_section("two", ns, "e2e-two"), name="two.conf")
        p = start_notified(cwlogd, notify, env=cwfake.env(), ns=ns)
        assert notify.wait_key("READY", "1", timeout=60, proc=p) is not None, cwlogd.log(p)[-3000:]

        one = send(ns, "e2e-one", "one-a", 10)
        two = send(ns, "e2e-two", "two-a", 10)
        assert wait_messages(cwfake, "one", one) == one
        assert wait_messages(cwfake, "two", two) == two
        three = send(ns, "e2e-three", "three-a", 5)  # nobody ships these yet

        # Add a section, remove another, keep one unchanged.
        os.unlink(cwlogd.conf_d / "two.conf")
        cwlogd.write_config(ns_section("three", ns, "e2e-three", initial_position="start_of_journal"),
                            name="three.conf")
        mark = len(notify.snapshot())
        kill(p, SIGHUP)
        rel = notify.wait_key("RELOADING", "1", start=mark, timeout=30, proc=p)
        assert rel is not None, "no RELOADING=1: " + cwlogd.log(p)[-3000:]
        assert re.fullmatch(r"\d+", notify.snapshot()[rel][1].get("MONOTONIC_USEC", "")), \
                "RELOADING=1 without MONOTONIC_USEC"
        assert notify.wait_key("READY", "1", start=rel + 1, timeout=30, proc=p) is not None, \
                f"no READY=1 after reload (exit {p.poll()}): {cwlogd.log(p)[-3000:]}"

        assert wait_messages(cwfake, "three", three) == three, "the new section did not ship"
        two_late = send(ns, "e2e-two", "two-after-removal", 5)
        one_b = send(ns, "e2e-one", "one-b", 5)
        assert wait_messages(cwfake, "one", one_b) == one + one_b, "the unchanged section re-sent or lost"

        # A broken configuration: logged, the running one stays.
        cwlogd.write_config("[one]\nlog_gruop_name = typo\n", name="zz-bad.conf")
        mark = len(notify.snapshot())
        kill(p, SIGHUP)
        assert wait_log(cwlogd, p, re.compile(r"zz-bad\.conf:2"), timeout=30), cwlogd.log(p)[-3000:]
        assert notify.wait_key("READY", "1", start=mark, timeout=30, proc=p) is not None
        assert p.poll() is None
        one_c = send(ns, "e2e-one", "one-c", 5)
        three_c = send(ns, "e2e-three", "three-c", 5)
        assert wait_messages(cwfake, "one", one_c) == one + one_b + one_c
        assert wait_messages(cwfake, "three", three_c) == three + three_c

        kill(p, SIGTERM)  # drains whatever is queued
        assert wait_exit(p, 60) == 0, cwlogd.log(p)[-3000:]
        assert not set(two_late) & set(messages(cwfake, "two")), "the removed section kept shipping"
        assert messages(cwfake, "two") == two
        for stream in ("one", "two", "three"):
                assert duplicates(cwfake.events(GROUP, stream)) == [], stream


def test_second_sigterm_exits_at_once(cwlogd, cwfake, journal_files, notify, tmp_state):
        start = now_us() - 3600 * 1_000_000
        d = journal_files({"MESSAGE": f"s-{i:04d}", "__REALTIME_TIMESTAMP": start + i * 1000} for i in range(300))
        cwlogd.write_config(general() + section("s", journal="true", journal_directory=d, log_group_name=GROUP,
                                                log_stream_name="s", buffer_duration=200))
        cwfake.refuse()  # nothing can be delivered: the first SIGTERM would wait for the drain timeout
        p = start_notified(cwlogd, notify, env=cwfake.env())
        assert notify.wait_key("READY", "1", timeout=60, proc=p) is not None, cwlogd.log(p)[-3000:]
        assert wait_log(cwlogd, p, re.compile(r"retrying", re.I), timeout=60), cwlogd.log(p)[-3000:]
        kill(p, SIGTERM)
        assert notify.wait_key("STOPPING", "1", timeout=30, proc=p) is not None
        kill(p, SIGTERM)
        # bounded well inside the drain timeout a single SIGTERM would wait for
        rc = wait_exit(p, LIMITS["DRAIN_TIMEOUT_SEC"] / 2)
        assert rc == 0, f"exit {rc}: " + cwlogd.log(p)[-3000:]

        cwfake.resume()
        r = cwlogd.run("--once", env=cwfake.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        assert messages(cwfake, "s") == [f"s-{i:04d}" for i in range(300)]


def _run_logging(cwlogd, workdir, journal_stream):
        """A run that logs (a notice about the ignored awslogs state_file), stderr into a
        file; with journal_stream True, JOURNAL_STREAM names that very file, as journald
        would."""
        (workdir / "empty-journal").mkdir(exist_ok=True)
        cwlogd.write_config(general(state_file="/var/awslogs/state/agent-state")
                            + section("s", journal="true", journal_directory=workdir / "empty-journal",
                                      log_group_name=GROUP, log_stream_name="s"))
        err_path = workdir / f"stderr-{journal_stream}.txt"
        with open(err_path, "wb") as err:
                env = {}
                if journal_stream is not None:
                        st = os.fstat(err.fileno())
                        env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}" if journal_stream \
                                else f"{st.st_dev}:{st.st_ino + 1}"
                rc = subprocess.run(cwlogd.argv("--dry-run", "--once"), env=cwlogd.env(env), stdout=subprocess.DEVNULL,
                                    stderr=err, timeout=60, cwd=workdir).returncode
        return rc, err_path.read_text(errors="replace")


def test_log_prefixes_follow_journal_stream(cwlogd, workdir):
        rc, text = _run_logging(cwlogd, workdir, True)
        assert rc == 0, text
        lines = [line for line in text.splitlines() if line]
        assert lines, "nothing logged"
        assert all(re.match(r"<[0-7]>", line) for line in lines), text
        assert not any(re.match(r"<[0-7]>\s*cwlogd:", line) for line in lines), text

        for js in (None, False):  # unset, or naming another file: plain lines
                rc, text = _run_logging(cwlogd, workdir, js)
                assert rc == 0, text
                lines = [line for line in text.splitlines() if line]
                assert lines and not any(re.match(r"<\d>", line) for line in lines), text
