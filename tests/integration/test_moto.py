# SPDX-License-Identifier: MIT
"""A second, independent CloudWatch Logs implementation: moto's server. The journal is
shipped with --once and read back with boto3 (GetLogEvents): same messages, same
timestamps, same order.

moto's server answers 500 to any gzip-encoded request body (checked with a hand-made
CreateLogGroup request: plain 200, gzip 500), so these runs turn gzip off; the
CloudWatch fake covers gzip (test_e2e_journal.test_exactly_once_within_limits)."""

from e2e_util import general, journal_section, now_us, shipped

N = 5000


def moto_journal(start_us):
        for i in range(N):
                e = {"MESSAGE": f"moto-{i:05d} unit={i % 7} {'é' * (i % 5)}", "__REALTIME_TIMESTAMP": start_us + i * 500_000,
                     "SYSLOG_IDENTIFIER": "moto-test", "PRIORITY": i % 8}
                if i % 4 == 0:
                        e["_SOURCE_REALTIME_TIMESTAMP"] = start_us + i * 500_000 - 250_000
                yield e


def test_ships_to_moto(cwlogd, moto_server, journal_files, tmp_state):
        start = now_us() - N * 500_000 - 60 * 1_000_000
        d = journal_files(moto_journal(start))
        want = [shipped(e) for e in moto_journal(start)]
        cwlogd.write_config(general(use_gzip_http_content_encoding="false")
                            + journal_section("m", d, "moto-group", "moto-stream", retention_in_days=14,
                                              journal_identifier="moto-test"))
        r = cwlogd.run("--once", env=moto_server.env(), timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        got = moto_server.events("moto-group", "moto-stream")
        assert len(got) == len(want)
        assert got == want
        groups = moto_server.call("describe_log_groups", logGroupNamePrefix="moto-group")["logGroups"]
        assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [("moto-group", 14)]
        assert (tmp_state / "m.cursor").exists()
