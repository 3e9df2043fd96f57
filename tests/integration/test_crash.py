"""A crash loop: cwlogd is killed with SIGKILL at random moments while it ships a journal
backlog, and restarted after a random pause, 30+ times. Afterwards no event is missing and
every restart re-sent at most what the design allows to be in doubt:

    STREAM_MAX_IN_FLIGHT batches of batch_count events (acknowledged by the service but
    not yet by cwlogd when it died) + ACK_CHUNK_MAX_RECORDS (checkpoint granularity)

both read from src/cw-limits.h, so the bound follows the code. The bound is asserted per
crash: the events stored by run k+1 that run 1..k had already stored.

What it deliberately does not do: inject service faults (every duplicate here is caused by a
crash, which is what is measured), assert on timing (the random delays only decide *when*
the kill lands). The seed is printed; CWLOGD_CRASH_SEED=N replays a sequence of delays.

Invariants: every cwlogd started is killed or stopped by pid; the journal directory is the
test's own and removed afterwards.
"""

import os
import random
import re
import signal
import time

import pytest

from conftest import REPO

CRASHES = 30
BATCH_COUNT = 50
CHUNK = 20_000  # journal entries per file; more files are added if the backlog runs out


def limits():
        text = (REPO / "src" / "cw-limits.h").read_text()
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r"^#define\s+(\w+)\s+\(?([0-9]+)U?\)?\s*$", text, re.M)}


def test_crash_loop_loses_nothing_and_duplicates_are_bounded(cwlogd, cwfake, journal_files):
        lim = limits()
        bound = lim["STREAM_MAX_IN_FLIGHT"] * BATCH_COUNT + lim["ACK_CHUNK_MAX_RECORDS"]
        seed = int(os.environ.get("CWLOGD_CRASH_SEED") or time.time_ns() % 1_000_000)
        rng = random.Random(seed)
        print(f"seed {seed}; duplicate bound per crash {bound} = STREAM_MAX_IN_FLIGHT "
              f"{lim['STREAM_MAX_IN_FLIGHT']} x batch_count {BATCH_COUNT} + ACK_CHUNK_MAX_RECORDS "
              f"{lim['ACK_CHUNK_MAX_RECORDS']}")

        boot = os.urandom(16).hex()
        t0 = int((time.time() - 3600) * 1e6)
        expected = []

        def add_chunk(directory=None):
                n = len(expected)
                msgs = [f"crash-{i:07d}" for i in range(n, n + CHUNK)]
                expected.extend(msgs)
                return journal_files(({"MESSAGE": m, "SYSLOG_IDENTIFIER": "cwtest", "_BOOT_ID": boot,
                                       "__REALTIME_TIMESTAMP": t0 + (n + i) * 10,
                                       "__MONOTONIC_TIMESTAMP": 1_000_000 + (n + i) * 10}
                                      for i, m in enumerate(msgs)),
                                     name=f"chunk{n // CHUNK}", directory=directory, boot_id=boot)

        d = add_chunk()
        add_chunk(d)
        cwlogd.write_config(f"[general]\n[j]\njournal = true\njournal_directory = {d}\nlog_group_name = g\n"
                            f"log_stream_name = s\nbuffer_duration = 200\nbatch_count = {BATCH_COUNT}\n")

        def stored():
                return [m for _, m in cwfake.events("g", "s")]

        marks = [0]
        during_shipping = 0
        kills = 0
        while during_shipping < CRASHES:
                p = cwlogd.start(env=cwfake.env())
                time.sleep(rng.uniform(0.05, 0.8))
                alive = p.poll() is None
                n_before_kill = len(set(stored()))
                p.send_signal(signal.SIGKILL)
                p.wait()
                assert alive, f"cwlogd died by itself (exit {p.returncode}):\n{cwlogd.log(p)[-3000:]}"
                kills += 1
                time.sleep(0.3)  # requests already on the wire finish at the fake
                marks.append(len(cwfake.events("g", "s")))
                if n_before_kill < len(expected):
                        during_shipping += 1
                if len(set(stored())) >= len(expected) - 5 * CHUNK // 10:
                        add_chunk(d)  # keep a backlog, so every kill lands while shipping
                time.sleep(rng.uniform(0.0, 0.3))

        p = cwlogd.start(env=cwfake.env())
        cwfake.wait_for(lambda f: set(expected) <= {m for _, m in f.events("g", "s")}, 300)
        got = stored()
        marks.append(len(got))

        per_crash = []
        seen = set()
        for k in range(1, len(marks)):
                segment = got[marks[k - 1]:marks[k]]
                assert len(set(segment)) == len(segment), f"run {k} stored an event twice by itself"
                per_crash.append(sum(1 for m in segment if m in seen))
                seen.update(segment)
        resent = per_crash[1:]  # run 1 follows no crash
        print(f"{kills} kills ({during_shipping} with a backlog), {len(expected)} entries, {len(got)} stored; "
              f"re-sent after each crash: {resent}; max {max(resent)}, total {sum(resent)}")

        missing = sorted(set(expected) - set(got))
        assert not missing, f"{len(missing)} events lost, e.g. {missing[:5]}"
        over = [(k + 1, n) for k, n in enumerate(resent) if n > bound]
        assert not over, f"crashes whose restart re-sent more than {bound} events (crash, count): {over}"
        assert p.poll() is None, cwlogd.log(p)[-3000:]
        assert cwlogd.stop(p) == 0, cwlogd.log(p)[-3000:]


def test_crash_while_one_request_stalls_resends_at_most_the_bound(cwlogd, cwfake, journal_files):
        """The deterministic form of the bound: one PutLogEvents gets no answer for 8 s
        (fake 'stall') while the other requests are answered; cwlogd is killed during the
        stall. The restart may re-send the stalled batch, the batches that were in flight and
        one checkpoint chunk, nothing more: acknowledgements that arrived out of order behind
        the stalled batch must not widen what a crash re-sends."""
        lim = limits()
        bound = lim["STREAM_MAX_IN_FLIGHT"] * BATCH_COUNT + lim["ACK_CHUNK_MAX_RECORDS"]
        t0 = int((time.time() - 3600) * 1e6)
        expected = [f"stall-{i:06d}" for i in range(20_000)]
        d = journal_files({"MESSAGE": m, "SYSLOG_IDENTIFIER": "cwtest", "__REALTIME_TIMESTAMP": t0 + i * 10}
                          for i, m in enumerate(expected))
        cwfake.create_group("g")
        cwfake.create_stream("g", "s")
        cwfake.set_faults(ops=["PutLogEvents"], script=["ok"] * 3 + ["stall"], stall_seconds=8)
        cwlogd.write_config(f"[general]\n[j]\njournal = true\njournal_directory = {d}\nlog_group_name = g\n"
                            f"log_stream_name = s\nbuffer_duration = 200\nbatch_count = {BATCH_COUNT}\n")
        p = cwlogd.start(env=cwfake.env())
        assert cwfake.wait_for(lambda f: any(r["fault"] == "stall" for r in f.requests()), 60), cwlogd.log(p)
        stalled_at = time.monotonic()
        # Let the other slots run for a while behind the stalled request, then crash inside the stall.
        cwfake.wait_for(lambda f: len(f.events("g", "s")) >= 20 * BATCH_COUNT, 4)
        assert time.monotonic() - stalled_at < 7, "too slow to crash inside the stall; the test proves nothing"
        p.send_signal(signal.SIGKILL)
        p.wait()
        time.sleep(0.3)
        mark = len(cwfake.events("g", "s"))
        state = cwlogd.state_dir / "j.cursor"
        print(f"state at the crash: {state.read_text() if state.exists() else None!r}")
        print("requests: " + ", ".join(f"{r['seq']}:{r['op']}:{r['status']}:{r['fault']}:{r['n_events']}"
                                       for r in cwfake.requests()[:12]))

        p = cwlogd.start(env=cwfake.env())
        cwfake.wait_for(lambda f: set(expected) <= {m for _, m in f.events("g", "s")}, 120)
        got = [m for _, m in cwfake.events("g", "s")]
        resent = sum(1 for m in got[mark:] if m in set(got[:mark]))
        print(f"stored before the crash {mark}, re-sent after the restart {resent}, bound {bound}")
        missing = set(expected) - set(got)
        assert not missing, f"{len(missing)} events lost, e.g. {sorted(missing)[:5]}"
        assert resent <= bound, (f"the restart re-sent {resent} events, more than STREAM_MAX_IN_FLIGHT x batch_count "
                                 f"+ ACK_CHUNK_MAX_RECORDS = {bound}")
        assert cwlogd.stop(p) == 0, cwlogd.log(p)[-3000:]
