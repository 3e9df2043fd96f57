"""Self-tests of the integration harness: the CloudWatch fake is strict (signatures,
API limits, error shapes), its faults behave as documented, and the journal
fixtures write and read back exactly what they were given.

Requests are signed with botocore (independent of cwlogd), then sent as they are
or deliberately broken."""

import datetime
import gzip
import http.client
import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import cwfake as cw
from conftest import HERE, random_key_pair
from journals import export_entries_equal, read_journal

DAY = 86400000


class _FixedTimeSigner(SigV4Auth):
        """botocore's signer at a chosen time (for stale/future dates)."""

        def __init__(self, creds, service, region, when):
                super().__init__(creds, service, region)
                self._when = when

        def add_auth(self, request):
                request.context["timestamp"] = self._when.strftime("%Y%m%dT%H%M%SZ")
                self._modify_request_before_signing(request)
                sts = self.string_to_sign(request, self.canonical_request(request))
                self._inject_signature_to_request(request, self.signature(sts, request))


def sign(fake, op, payload, ak=None, sk=None, token=None, gzip_body=False, when=None, region=None,
         raw_body=None):
        """Return (headers, body) of a request botocore signed."""
        body = raw_body if raw_body is not None else json.dumps(payload).encode()
        headers = {"Content-Type": cw.JSON_CT, "X-Amz-Target": cw.TARGET_PREFIX + op}
        if gzip_body:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
        req = AWSRequest(method="POST", url=fake.url + "/", data=body, headers=headers)
        creds = Credentials(ak or fake.access_key, sk or fake.secret_key, token)
        signer = (_FixedTimeSigner(creds, "logs", region or fake.region, when) if when
                  else SigV4Auth(creds, "logs", region or fake.region))
        signer.add_auth(req)
        return dict(req.headers.items()), body


def send(fake, headers, body, conn=None):
        """POST; returns (status, lower-cased headers, decoded JSON or raw bytes)."""
        c = conn or http.client.HTTPConnection("127.0.0.1", fake.port, timeout=30)
        c.request("POST", "/", body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if conn is None:
                c.close()
        try:
                return r.status, hdrs, json.loads(data) if data else None
        except ValueError:
                return r.status, hdrs, data


def call(fake, op, payload, **kw):
        return send(fake, *sign(fake, op, payload, **kw))


def now_ms():
        return int(time.time() * 1000)


def put(fake, events, group="g", stream="s", **kw):
        return call(fake, "PutLogEvents", {"logGroupName": group, "logStreamName": stream, "logEvents": events}, **kw)


def evs(*messages, t=None):
        t = t or now_ms()
        return [{"timestamp": t, "message": m} for m in messages]


@pytest.fixture
def fake(cwfake):
        cwfake.create_group("g")
        cwfake.create_stream("g", "s")
        return cwfake


def assert_error(resp, status, type_, message=None):
        st, hdrs, body = resp
        assert (st, body["__type"]) == (status, type_), body
        assert hdrs["content-type"] == cw.JSON_CT
        assert hdrs.get("x-amzn-requestid")
        if message is not None:
                assert message in body["message"], body["message"]


# --------------------------------------------------------------------------
# Signatures and credentials
# --------------------------------------------------------------------------

def test_botocore_client_roundtrip(cwfake):
        c = botocore.session.get_session().create_client(
                "logs", endpoint_url=cwfake.url, region_name="us-east-1",
                aws_access_key_id=cwfake.access_key, aws_secret_access_key=cwfake.secret_key)
        c.create_log_group(logGroupName="app")
        c.put_retention_policy(logGroupName="app", retentionInDays=7)
        c.create_log_stream(logGroupName="app", logStreamName="host-1")
        t = now_ms()
        r = c.put_log_events(logGroupName="app", logStreamName="host-1",
                             logEvents=[{"timestamp": t, "message": "héllo"}, {"timestamp": t + 1, "message": "two"}])
        assert r["nextSequenceToken"] and "rejectedLogEventsInfo" not in r
        assert r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
        got = c.get_log_events(logGroupName="app", logStreamName="host-1", startFromHead=True)["events"]
        assert [(e["timestamp"], e["message"]) for e in got] == [(t, "héllo"), (t + 1, "two")]
        assert c.describe_log_groups()["logGroups"][0]["retentionInDays"] == 7
        assert c.describe_log_streams(logGroupName="app")["logStreams"][0]["lastEventTimestamp"] == t + 1
        assert cwfake.events("app", "host-1") == [(t, "héllo"), (t + 1, "two")]
        last = cwfake.requests("PutLogEvents")[-1]
        assert (last["access_key"], last["n_events"], last["bytes"], last["status"]) == \
                (cwfake.access_key, 2, len("héllo".encode()) + 3 + 52, 200)


def test_good_put_is_accepted_and_recorded(fake):
        st, hdrs, body = put(fake, evs("one", "two"))
        assert st == 200 and hdrs["x-amzn-requestid"] and body["nextSequenceToken"]
        assert [m for _, m in fake.events("g", "s")] == ["one", "two"]
        assert fake.requests()[-1]["gzip"] is False


def test_keep_alive_connection_serves_several_requests(fake):
        c = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=30)
        for i in range(3):
                assert send(fake, *sign(fake, "PutLogEvents", {"logGroupName": "g", "logStreamName": "s",
                                                               "logEvents": evs(f"m{i}")}), conn=c)[0] == 200
        c.close()
        assert len(fake.events("g", "s")) == 3


def test_tampered_body_is_rejected(fake):
        headers, body = sign(fake, "PutLogEvents", {"logGroupName": "g", "logStreamName": "s",
                                                     "logEvents": evs("original")})
        resp = send(fake, headers, body.replace(b"original", b"tampered"))
        assert_error(resp, 403, "InvalidSignatureException", "does not match the signature you provided")
        assert "The Canonical String for this request should have been" in resp[2]["message"]
        assert fake.events("g", "s") == []


def test_wrong_secret_is_rejected(fake):
        assert_error(put(fake, evs("x"), sk="not-the-secret"), 403, "InvalidSignatureException")


def test_unknown_access_key_is_rejected(fake):
        assert_error(put(fake, evs("x"), ak="AKIAUNKNOWNUNKNOWN00"), 400, "UnrecognizedClientException",
                     "The security token included in the request is invalid.")


def test_missing_signed_header_is_rejected(fake):
        headers, body = sign(fake, "PutLogEvents", {"logGroupName": "g", "logStreamName": "s", "logEvents": evs("x")})
        del headers["X-Amz-Target"]
        assert_error(send(fake, headers, body), 403, "InvalidSignatureException", "x-amz-target")


def test_missing_authorization_is_rejected(fake):
        headers, body = sign(fake, "PutLogEvents", {"logGroupName": "g", "logStreamName": "s", "logEvents": evs("x")})
        del headers["Authorization"]
        assert_error(send(fake, headers, body), 400, "MissingAuthenticationTokenException")


def test_changed_signed_header_is_rejected_but_unsigned_one_is_not(fake):
        headers, body = sign(fake, "PutLogEvents", {"logGroupName": "g", "logStreamName": "s", "logEvents": evs("x")})
        assert send(fake, dict(headers, **{"User-Agent": "changed/1.0"}), body)[0] == 200
        bad = dict(headers, **{"X-Amz-Target": cw.TARGET_PREFIX + "CreateLogGroup"})
        assert_error(send(fake, bad, body), 403, "InvalidSignatureException")


def test_stale_and_future_dates_are_rejected(fake):
        utc = datetime.datetime.now(datetime.timezone.utc)
        assert_error(put(fake, evs("x"), when=utc - datetime.timedelta(minutes=6)), 403,
                     "InvalidSignatureException", "Signature expired")
        assert_error(put(fake, evs("x"), when=utc + datetime.timedelta(minutes=6)), 403,
                     "InvalidSignatureException", "Signature not yet current")
        assert put(fake, evs("x"), when=utc - datetime.timedelta(minutes=4))[0] == 200


def test_wrong_region_is_rejected(fake):
        assert_error(put(fake, evs("x"), region="eu-west-1"), 403, "InvalidSignatureException", "region")


def test_session_token_and_expiry(fake):
        ak, sk = random_key_pair()
        fake.add_key(ak, sk, token="TOKEN-1")
        assert_error(put(fake, evs("x"), ak=ak, sk=sk), 400, "UnrecognizedClientException")
        assert put(fake, evs("x"), ak=ak, sk=sk, token="TOKEN-1")[0] == 200
        fake.expire_key(ak)
        assert_error(put(fake, evs("y"), ak=ak, sk=sk, token="TOKEN-1"), 400, "ExpiredTokenException")
        assert fake.requests()[-2]["access_key"] == ak


def test_gzip_body_is_verified_then_decompressed(fake):
        st, _, _ = put(fake, evs("zipped"), gzip_body=True)
        assert st == 200 and fake.events("g", "s")[0][1] == "zipped"
        rec = fake.requests()[-1]
        assert rec["gzip"] and rec["wire_bytes"] != rec["bytes"]
        headers, body = sign(fake, "PutLogEvents", {"logGroupName": "g", "logStreamName": "s",
                                                     "logEvents": evs("x")}, gzip_body=True)
        # the signature covers the compressed bytes: same content, recompressed differently, fails
        other = gzip.compress(gzip.decompress(body), compresslevel=1, mtime=12345)
        assert other != body
        assert_error(send(fake, headers, other), 403, "InvalidSignatureException")


# --------------------------------------------------------------------------
# PutLogEvents rules
# --------------------------------------------------------------------------

def test_event_count_limit(fake):
        t = now_ms()
        assert put(fake, [{"timestamp": t, "message": "m"}] * 10000)[0] == 200
        assert_error(put(fake, [{"timestamp": t, "message": "m"}] * 10001), 400, "InvalidParameterException",
                     "10000")
        assert_error(put(fake, []), 400, "InvalidParameterException")
        assert len(fake.events("g", "s")) == 10000


def test_batch_byte_limit(fake):
        t = now_ms()
        half = (1048576 - 2 * 26) // 2
        exact = [{"timestamp": t, "message": "a" * half}, {"timestamp": t, "message": "b" * half}]
        assert 2 * half + 52 == 1048576
        assert put(fake, exact)[0] == 200
        over = [{"timestamp": t, "message": "a" * half}, {"timestamp": t, "message": "b" * (half + 1)}]
        assert_error(put(fake, over), 400, "InvalidParameterException", "1048577 bytes exceeds limit of 1048576")
        # multi-byte characters count as their UTF-8 bytes
        assert_error(put(fake, [{"timestamp": t, "message": "é" * (1048550 // 2 + 1)}]), 400,
                     "InvalidParameterException")


def test_single_event_limit_and_old_262144_limit(fake):
        t = now_ms()
        assert put(fake, [{"timestamp": t, "message": "x" * (1048576 - 26)}])[0] == 200
        fake.max_event_size = 262144
        assert_error(put(fake, [{"timestamp": t, "message": "x" * (262144 - 25)}]), 400,
                     "InvalidParameterException", "Log event too large: 262145 bytes exceeds limit of 262144")
        assert put(fake, [{"timestamp": t, "message": "x" * (262144 - 26)}])[0] == 200


def test_events_must_be_chronological(fake):
        t = now_ms()
        assert_error(put(fake, [{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}]), 400,
                     "InvalidParameterException",
                     "Log events in a single PutLogEvents request must be in chronological order.")
        assert put(fake, [{"timestamp": t, "message": "a"}, {"timestamp": t, "message": "b"}])[0] == 200


def test_batch_span_limit(fake):
        t = now_ms() - DAY - 60000
        assert put(fake, [{"timestamp": t, "message": "a"}, {"timestamp": t + DAY, "message": "b"}])[0] == 200
        assert_error(put(fake, [{"timestamp": t, "message": "a"}, {"timestamp": t + DAY + 1, "message": "b"}]),
                     400, "InvalidParameterException", "cannot span more than 24 hours")


def test_out_of_window_events_are_reported_not_failed(fake):
        t = now_ms()
        old = [{"timestamp": t - 14 * DAY - 60000 + i, "message": f"old{i}"} for i in range(3)]
        ok = [{"timestamp": t - 14 * DAY + 60000, "message": "ok-old"}]
        st, _, body = put(fake, old + ok)
        assert st == 200 and body["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 3}
        new = [{"timestamp": t, "message": "now"}, {"timestamp": t + 3 * 3600000, "message": "future"},
               {"timestamp": t + 3 * 3600000 + 1, "message": "future2"}]
        st, _, body = put(fake, new)
        assert st == 200 and body["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
        assert [m for _, m in fake.events("g", "s")] == ["ok-old", "now"]
        fake.create_group("ret", retention=1)
        fake.create_stream("ret", "s")
        st, _, body = put(fake, [{"timestamp": t - DAY - 60000, "message": "expired"},
                                 {"timestamp": t - DAY + 60000, "message": "fresh"}], group="ret")
        assert st == 200 and body["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}
        assert fake.events("ret", "s") == [(t - DAY + 60000, "fresh")]


def test_bad_requests_have_the_service_error_shape(fake):
        t = now_ms()
        assert_error(put(fake, [{"timestamp": t, "message": ""}]), 400, "InvalidParameterException")
        assert_error(put(fake, evs("x"), group="nope"), 400, "ResourceNotFoundException",
                     "The specified log group does not exist.")
        assert_error(put(fake, evs("x"), stream="nope"), 400, "ResourceNotFoundException",
                     "The specified log stream does not exist.")
        assert_error(put(fake, evs("x"), group="bad:name"), 400, "InvalidParameterException")
        assert_error(call(fake, "CreateLogStream", {"logGroupName": "g", "logStreamName": "a*b"}), 400,
                     "InvalidParameterException")
        assert_error(call(fake, "PutLogEvents", None, raw_body=b'{"logGroupName": "g", '), 400,
                     "SerializationException")
        assert_error(put(fake, [{"timestamp": "yesterday", "message": "x"}]), 400, "SerializationException")
        assert_error(call(fake, "CreateLogGroup", {"logGroupName": "g"}), 400, "ResourceAlreadyExistsException")
        assert_error(call(fake, "CreateLogStream", {"logGroupName": "g", "logStreamName": "s"}), 400,
                     "ResourceAlreadyExistsException")
        assert_error(call(fake, "CreateLogStream", {"logGroupName": "none", "logStreamName": "s"}), 400,
                     "ResourceNotFoundException", "log group does not exist")
        assert_error(call(fake, "PutRetentionPolicy", {"logGroupName": "g", "retentionInDays": 2}), 400,
                     "InvalidParameterException")
        assert_error(call(fake, "DeleteLogGroup", {"logGroupName": "g"}), 400, "UnknownOperationException")
        assert fake.events("g", "s") == []


def test_sequence_token_is_ignored(fake):
        st, _, body = call(fake, "PutLogEvents", {"logGroupName": "g", "logStreamName": "s",
                                                   "logEvents": evs("x"), "sequenceToken": "bogus"})
        assert st == 200 and body["nextSequenceToken"] != "bogus"


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode,status,type_", [("throttle", 400, "ThrottlingException"),
                                               ("500", 500, "InternalFailure"),
                                               ("503", 503, "ServiceUnavailableException")])
def test_error_faults(fake, mode, status, type_):
        fake.script(mode)
        resp = put(fake, evs("x"))
        assert_error(resp, status, type_)
        if mode == "throttle":
                assert resp[2]["message"] == "Rate exceeded"
        assert fake.events("g", "s") == []
        assert put(fake, evs("y"))[0] == 200  # the script was one request long
        assert fake.stats()["faults"] == {mode: 1}


def test_reset_fault_closes_without_answer(fake):
        fake.script("reset")
        with pytest.raises((ConnectionError, http.client.HTTPException)):
                put(fake, evs("x"))
        assert fake.events("g", "s") == []


def test_stall_fault_holds_then_closes(fake):
        fake.set_faults(stall_seconds=0.5)
        fake.script("stall")
        with pytest.raises((ConnectionError, http.client.HTTPException, socket.timeout)):
                put(fake, evs("x"))
        assert fake.events("g", "s") == [] and fake.requests()[-1]["fault"] == "stall"


def test_garbage_fault_is_a_200_without_request_id(fake):
        fake.script("garbage")
        st, hdrs, body = put(fake, evs("x"))
        assert st == 200 and "x-amzn-requestid" not in hdrs and hdrs["content-type"] == "text/html"
        assert body.startswith(b"<html>")
        assert fake.events("g", "s") == []


def test_drop_ack_stores_and_records_dropped_events(fake):
        fake.script("drop_ack")
        t = now_ms()
        batch = [{"timestamp": t, "message": "a"}, {"timestamp": t + 1, "message": "b"}]
        with pytest.raises((ConnectionError, http.client.HTTPException)):
                put(fake, batch)
        assert fake.events("g", "s") == [(t, "a"), (t + 1, "b")]
        assert fake.dropped_ack_events() == [("g", "s", t, "a"), ("g", "s", t + 1, "b")]
        assert put(fake, batch)[0] == 200  # the client's legitimate resend
        assert len(fake.events("g", "s")) == 4 and fake.unexplained_duplicates() == []
        assert put(fake, batch[:1])[0] == 200  # a third copy nobody lost an ack for
        assert fake.unexplained_duplicates() == [("g", "s", t, "a", 3)]
        assert fake.events("g", "s", include_dropped=False) == [(t, "a"), (t + 1, "b"), (t, "a")]


def test_seeded_rates_are_reproducible(cwfake):
        def statuses(seed):
                f = cw.FakeCloudWatch(keys={cwfake.access_key: cwfake.secret_key},
                                      faults=f"seed={seed},throttle=0.3,503=0.2").start()
                f.access_key, f.secret_key = cwfake.access_key, cwfake.secret_key
                f.create_group("g")
                f.create_stream("g", "s")
                try:
                        return [put(f, evs(f"m{i}"))[0] for i in range(30)]
                finally:
                        f.stop()
        a = statuses(7)
        assert a == statuses(7)
        assert {200, 400, 503} <= set(a)


def test_fail_group_isolates_one_group(fake):
        fake.create_group("other")
        fake.create_stream("other", "s")
        fake.fail_group("g")
        assert_error(put(fake, evs("x")), 400, "AccessDeniedException", "not authorized")
        assert put(fake, evs("x"), group="other")[0] == 200
        fake.fail_group("g", False)
        assert put(fake, evs("x"))[0] == 200


def test_refuse_then_resume_on_the_same_port(fake):
        port = fake.port
        fake.refuse()
        with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
        fake.resume()
        assert fake.port == port and put(fake, evs("back"))[0] == 200


def test_control_api_over_http(fake):
        def control(obj):
                c = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=30)
                c.request("POST", "/__control", body=json.dumps(obj))
                r = c.getresponse()
                return r.status, json.loads(r.read())
        assert control({"script": ["throttle", "ok", "503"], "fail_group": "denied"})[0] == 200
        assert [put(fake, evs("x"))[0] for _ in range(4)] == [400, 200, 503, 200]
        assert control({"bogus": 1})[0] == 400
        c = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=30)
        c.request("GET", "/__control")
        state = json.loads(c.getresponse().read())
        assert state["stats"]["faults"] == {"throttle": 1, "503": 1} and len(state["groups"]["g"]["streams"]["s"]) == 2
        assert control({"refuse": 2})[0] == 200
        deadline = time.monotonic() + 10
        refused = False
        while time.monotonic() < deadline and not refused:  # outage starts shortly after the answer
                try:
                        socket.create_connection(("127.0.0.1", fake.port), timeout=1).close()
                        time.sleep(0.01)
                except ConnectionResetError:  # accepted into the backlog as the socket closed
                        time.sleep(0.01)
                except ConnectionRefusedError:
                        refused = True
        assert refused
        assert fake.wait_for(lambda f: f._server is not None, timeout=10)
        assert put(fake, evs("after outage"))[0] == 200


def test_cli(workdir):
        ak, sk = random_key_pair()
        dump = workdir / "dump.json"
        p = subprocess.Popen([sys.executable, str(HERE / "cwfake.py"), "--port", "0", "--access-key", ak, "--secret", sk,
                              "--faults", "script=throttle", "--dump", str(dump)],
                             stdout=subprocess.PIPE, text=True)
        try:
                line = p.stdout.readline()
                assert line.startswith("cwfake listening on http://127.0.0.1:")

                class Remote:
                        url = line.split()[-1]
                        port = int(url.rsplit(":", 1)[1])
                        access_key, secret_key, region = ak, sk, "us-east-1"
                assert call(Remote, "CreateLogGroup", {"logGroupName": "g"})[0] == 400  # scripted throttle
                assert call(Remote, "CreateLogGroup", {"logGroupName": "g"})[0] == 200
                assert call(Remote, "CreateLogStream", {"logGroupName": "g", "logStreamName": "s"})[0] == 200
                assert put(Remote, evs("via cli"))[0] == 200
        finally:
                p.send_signal(signal.SIGTERM)
                assert p.wait(timeout=30) == 0
                p.stdout.close()
        state = json.loads(dump.read_text())
        assert [e["message"] for e in state["groups"]["g"]["streams"]["s"]] == ["via cli"]


# --------------------------------------------------------------------------
# Journal fixtures
# --------------------------------------------------------------------------

def _entries(n, base_us=1_700_000_000_000_000):
        for i in range(n):
                yield {"__REALTIME_TIMESTAMP": base_us + i * 1000, "MESSAGE": f"message {i} ü",
                       "SYSLOG_IDENTIFIER": "cwtest", "PRIORITY": str(i % 8), "_SYSTEMD_UNIT": f"u{i % 3}.service",
                       "MULTI": f"line one\nline two {i}", "BIN": b"\x00\x01\xff" + str(i).encode(),
                       "TAG": ["a", f"b{i}"]}


def test_journal_files_read_back_identically(journal_files):
        written = list(_entries(1000))
        d = journal_files(written)
        for args in (("-D", d), ("--file", d / "test.journal")):
                back = read_journal(*args)
                assert export_entries_equal(written, back) == []
                assert [int(e["__REALTIME_TIMESTAMP"]) for e in back] == [e["__REALTIME_TIMESTAMP"] for e in written]


def test_journal_files_second_file_in_same_directory(journal_files):
        d = journal_files(_entries(10))
        journal_files(_entries(5, base_us=1_800_000_000_000_000), name="later", directory=d)
        assert sorted(p.name for p in d.iterdir()) == ["later.journal", "test.journal"]
        assert len(read_journal("-D", d)) == 15


@pytest.mark.slow
def test_journal_files_50k(journal_files):
        t0 = time.monotonic()
        d = journal_files(_entries(50000))
        took = time.monotonic() - t0
        back = read_journal("-D", d)
        assert len(back) == 50000 and back[-1]["MESSAGE"] == "message 49999 ü".encode()
        print(f"journal_files: 50000 entries in {took:.1f}s")


def test_journald_namespace_roundtrip(journald_namespace):
        ns = journald_namespace
        sent = [{"MESSAGE": f"ns message {i}", "SYSLOG_IDENTIFIER": "cwtest", "PRIORITY": str(i % 8),
                 "MULTI": f"a\nb{i}", "N": str(i)} for i in range(100)]
        ns.send_many(sent)
        ns.sync()
        back = ns.read("SYSLOG_IDENTIFIER=cwtest")
        assert export_entries_equal(sent, back) == []
        assert all(e["_NAMESPACE"] == ns.name.encode() and e["_TRANSPORT"] == b"journal" for e in back)
        assert len(read_journal("-D", ns.journal_dir, "SYSLOG_IDENTIFIER=cwtest")) == 100  # from the host too
        inside = ns.run(["test", "-S", f"/run/systemd/journal.{ns.name}/socket"])
        assert inside.returncode == 0  # the namespace's paths exist inside ...
        assert subprocess.run(["test", "-e", f"/run/systemd/journal.{ns.name}"]).returncode != 0  # ... only


def test_journald_namespace_large_entry(journald_namespace):
        big = "x" * 300000  # too big for one datagram: goes through a sealed memfd
        journald_namespace.send(MESSAGE="big", SYSLOG_IDENTIFIER="cwtest", DATA=big)
        journald_namespace.sync()
        (e,) = journald_namespace.read("SYSLOG_IDENTIFIER=cwtest")
        assert e["DATA"] == big.encode()


def test_moto_server(moto_server):
        moto_server.call("create_log_group", logGroupName="g")
        moto_server.call("create_log_stream", logGroupName="g", logStreamName="s")
        t = now_ms()
        moto_server.call("put_log_events", logGroupName="g", logStreamName="s",
                         logEvents=[{"timestamp": t, "message": "via moto"}])
        assert moto_server.events("g", "s") == [(t, "via moto")]


def test_curl_sigv4_client_is_accepted(fake):
        """A second, unrelated signer (curl --aws-sigv4, from the same library cwlogd
        uses for HTTP), with a body big enough for Expect: 100-continue."""
        if shutil.which("curl") is None:
                pytest.skip("curl not installed")
        t = now_ms()
        body = json.dumps({"logGroupName": "g", "logStreamName": "s",
                           "logEvents": [{"timestamp": t, "message": "c" * 1048000}]})
        p = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:logs",
                            "--user", f"{fake.access_key}:{fake.secret_key}", "-H", f"Content-Type: {cw.JSON_CT}",
                            "-H", "X-Amz-Target: Logs_20140328.PutLogEvents", "--data-binary", "@-", fake.url + "/"],
                           input=body.encode(), capture_output=True, timeout=60)
        assert p.stdout == b"200", (p.stdout, p.stderr, fake.requests()[-1]["message"])
        assert fake.events("g", "s") == [(t, "c" * 1048000)]


def test_concurrent_clients(fake):
        def worker(k):
                for i in range(20):
                        assert put(fake, evs(f"w{k}-{i}"))[0] == 200
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for th in threads:
                th.start()
        for th in threads:
                th.join()
        assert sorted(m for _, m in fake.events("g", "s")) == sorted(f"w{k}-{i}" for k in range(4) for i in range(20))
