# SPDX-License-Identifier: MIT
"""Journal-native output end to end: per-unit streams from one section (with a crash in the
middle), and the live metrics (Prometheus endpoint, cwlogd --status) checked against what the
CloudWatch fake really received. The short/json formats are compared with journalctl in the
unit test tests/test-journal-format.c."""

import os
import re
import signal
import socket
import time
import urllib.request

from e2e_util import LIMITS

UNITS = [f"svc{i:02d}.service" for i in range(30)]


def entries(n_per_unit, t0, boot):
        k = 0
        for i in range(n_per_unit):
                for u in UNITS:
                        yield {"MESSAGE": f"{u} line {i:04d}", "_SYSTEMD_UNIT": u, "SYSLOG_IDENTIFIER": u[:5],
                               "_BOOT_ID": boot, "__REALTIME_TIMESTAMP": t0 + k * 1000}
                        k += 1


def test_thirty_units_arrive_in_thirty_streams_and_a_crash_loses_nothing(cwlogd, cwfake, journal_files):
        boot = os.urandom(16).hex()
        t0 = int((time.time() - 1800) * 1e6)
        per_unit = 200
        d = journal_files(entries(per_unit, t0, boot), name="units", boot_id=boot)
        cwlogd.write_config("[general]\n[units]\njournal = true\n"
                            f"journal_directory = {d}\nlog_group_name = g\n"
                            "log_stream_name = {hostname}/{unit}\nbuffer_duration = 200\nbatch_count = 50\n")
        host = socket.gethostname()
        expected = {f"{host}/{u}": {f"{u} line {i:04d}" for i in range(per_unit)} for u in UNITS}

        def arrived():
                return sum(len(v) for v in cwfake.all_events().values())

        p = cwlogd.start(env=cwfake.env())
        cwfake.wait_for(lambda f: arrived() >= 1500, 60)
        assert p.poll() is None, cwlogd.log(p)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert arrived() < per_unit * len(UNITS), "the crash came too late to test anything"

        p = cwlogd.start(env=cwfake.env())
        done = cwfake.wait_for(
                lambda f: all(set(m for _, m in f.events("g", s)) >= msgs for s, msgs in expected.items()), 120)
        log = cwlogd.log(p)
        assert cwlogd.stop(p) == 0, log
        assert done, f"not everything arrived:\n{log[-2000:]}"

        streams = {s for (g, s) in cwfake.all_events()}
        assert streams == set(expected), f"streams {sorted(streams - set(expected))[:5]} unexpected"
        for s, msgs in expected.items():
                got = [m for _, m in cwfake.events("g", s)]
                assert set(got) == msgs, f"{s}: {len(set(got) ^ msgs)} events wrong"
                # Only what the crash left unacknowledged may come twice: the stream's send window
                # plus the checkpoint granularity.
                bound = LIMITS["STREAM_MAX_IN_FLIGHT"] * 50 + LIMITS["ACK_CHUNK_MAX_RECORDS"]
                assert len(got) - len(set(got)) <= bound, f"{s}: {len(got) - len(set(got))} duplicates"


def scrape(port):
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        values = {}
        for line in text.splitlines():
                if line.startswith("#") or not line.strip():
                        continue
                m = re.fullmatch(r'(\w+)\{(.*)\} (\S+)', line)
                assert m, f"not a sample line: {line!r}"
                labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
                values[(m.group(1), tuple(sorted(labels.items())))] = float(m.group(3))
        return values


def metric(values, name, **labels):
        return values.get((name, tuple(sorted(labels.items()))))


def free_port():
        with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                return s.getsockname()[1]


def test_metrics_and_status_match_what_cloudwatch_received(cwlogd, cwfake, journal_files, workdir):
        boot = os.urandom(16).hex()
        now = int(time.time() * 1e6)
        es = []
        for i in range(900):
                unit = UNITS[i % 3]
                es.append({"MESSAGE": f"m {i}", "_SYSTEMD_UNIT": unit, "_BOOT_ID": boot,
                           "__REALTIME_TIMESTAMP": now - 600_000_000 + i * 1000})
        for i in range(40):  # dropped by exclude_pattern
                es.append({"MESSAGE": f"healthcheck {i}", "_SYSTEMD_UNIT": UNITS[0], "_BOOT_ID": boot,
                           "__REALTIME_TIMESTAMP": now - 500_000_000 + i * 1000})
        for i in range(25):  # older than 14 days: never sent, counted
                es.append({"MESSAGE": f"ancient {i}", "_SYSTEMD_UNIT": UNITS[1], "_BOOT_ID": boot,
                           "_SOURCE_REALTIME_TIMESTAMP": str(now - 20 * 86400 * 1_000_000),
                           "__REALTIME_TIMESTAMP": now - 400_000_000 + i * 1000})
        d = journal_files(es, name="m", boot_id=boot)
        port = free_port()
        run = workdir / "run"
        cwlogd.write_config(f"[general]\nmetrics_listen = 127.0.0.1:{port}\n[m]\njournal = true\n"
                            f"journal_directory = {d}\nlog_group_name = g\nlog_stream_name = {{unit}}\n"
                            "exclude_pattern = ^healthcheck\nbuffer_duration = 200\n")
        p = cwlogd.start(f"--runtime-dir={run}", env=cwfake.env())
        assert cwfake.wait_for(lambda f: sum(len(v) for v in f.all_events().values()) >= 900, 60), cwlogd.log(p)

        # The endpoint: what it says was sent is what arrived, stream by stream.
        deadline = time.monotonic() + 30
        while True:
                values = scrape(port)
                sent = {u: metric(values, "cwlogd_events_sent_total", section="m", group="g", stream=u)
                        for u in UNITS[:3]}
                if all(sent[u] == len(cwfake.events("g", u)) for u in UNITS[:3]) or time.monotonic() > deadline:
                        break
                time.sleep(0.2)
        for u in UNITS[:3]:
                assert sent[u] == len(cwfake.events("g", u)) == 300, (u, sent[u], len(cwfake.events("g", u)))
        assert metric(values, "cwlogd_events_read_total", section="m") == 965
        assert metric(values, "cwlogd_events_dropped_total", section="m", reason="excluded") == 40
        assert metric(values, "cwlogd_events_dropped_total", section="m", reason="too_old") == 25
        assert metric(values, "cwlogd_backlog_events", section="m") == 0
        bytes_fake = sum(len(m.encode()) for u in UNITS[:3] for _, m in cwfake.events("g", u))
        bytes_metric = sum(metric(values, "cwlogd_bytes_sent_total", section="m", group="g", stream=u)
                           for u in UNITS[:3])
        assert bytes_metric == bytes_fake

        # cwlogd --status: the same numbers, from the status file the daemon refreshes.
        deadline = time.monotonic() + 20
        while True:
                st = cwlogd.run("--status", f"--runtime-dir={run}")
                rows = {}
                for line in st.stdout.splitlines():
                        cols = line.split()
                        if len(cols) >= 6 and cols[0] == "m":
                                rows[cols[1]] = cols
                if all(f"g/{u}" in rows and int(rows[f"g/{u}"][2]) == 300 for u in UNITS[:3]):
                        break
                assert time.monotonic() < deadline, f"--status never showed the final numbers:\n{st.stdout}"
                time.sleep(0.5)
        assert st.returncode == 0
        assert "965 read, 900 sent" in st.stdout, st.stdout
        for u in UNITS[:3]:
                cols = rows[f"g/{u}"]
                assert int(cols[3]) == sum(len(m.encode()) for _, m in cwfake.events("g", u))
        assert cwlogd.stop(p) == 0
