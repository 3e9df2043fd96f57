#!/usr/bin/python3
"""Loopback CloudWatch Logs fake for cwlogd's integration tests.

What it does: serves the CloudWatch Logs JSON 1.1 protocol (X-Amz-Target
Logs_20140328.<Op>) over plain HTTP/1.1 with keep-alive on 127.0.0.1. Every
request's SigV4 signature is recomputed with botocore's signer (an
implementation independent of cwlogd's) from what actually arrived and compared
byte for byte. PutLogEvents enforces the service's documented limits and reports
out-of-window events in rejectedLogEventsInfo exactly as the service does.
Faults (throttling, 5xx, resets, stalls, garbage, lost acknowledgements,
outages, per-group access denial) can be injected by rate (seeded RNG) or by
script, at start or at run time (Python methods or POST /__control).

What it deliberately does not do: TLS, query/filter APIs beyond reading events
back, KMS, tags, subscription filters, persistence across restarts, real
throttling by rate. It is a test double, not an emulator of capacity.

Invariants: all state sits behind one lock; an event is stored only when the
request was authenticated, valid, and not failed by an injected fault (except
drop_ack, which stores and then loses the answer, and records that it did);
every authenticated response except the "garbage" fault carries
x-amzn-RequestId. Only stdlib and botocore are used, so Debian's /usr/bin/python3
runs it.

Library use:
    fake = FakeCloudWatch(keys={"AKID": "SECRET"}).start()
    ... point cwlogd at fake.url ...
    fake.events("group", "stream")  -> [(timestamp_ms, message), ...]
    fake.stop()
CLI: /usr/bin/python3 cwfake.py --port 0 --access-key AK --secret SK
     prints "cwfake listening on http://127.0.0.1:PORT" on stdout.
"""

import argparse
import datetime
import gzip
import hashlib
import http.server
import json
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
import zlib

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

# --- Service limits (PutLogEvents API reference and CloudWatch Logs quotas) ---
MAX_BATCH_EVENTS = 10000
MAX_BATCH_BYTES = 1048576
EVENT_OVERHEAD = 26
MAX_EVENT_SIZE = 1048576  # since April 2025; 262144 before
MAX_SPAN_MS = 24 * 3600 * 1000
TOO_OLD_MS = 14 * 24 * 3600 * 1000
TOO_NEW_MS = 2 * 3600 * 1000
MAX_CLOCK_SKEW_S = 5 * 60
MAX_NAME_LEN = 512
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                  1096, 1827, 2192, 2557, 2922, 3288, 3653)
ACCOUNT_ID = "123456789012"
TARGET_PREFIX = "Logs_20140328."
JSON_CT = "application/x-amz-json-1.1"
GROUP_NAME_RE = re.compile(r"[\.\-_/#A-Za-z0-9]+\Z")
STREAM_NAME_RE = re.compile(r"[^:*]*\Z")
AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/([^/,\s]+),"
                     r"\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\Z")

FAULT_MODES = ("throttle", "500", "503", "reset", "stall", "garbage", "drop_ack")
HTML_GARBAGE = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>\n"


class ApiError(Exception):
        """An answer in CloudWatch's error shape: status, __type, message."""

        def __init__(self, status, type_, message):
                super().__init__(message)
                self.status, self.type, self.message = status, type_, message


def _validation(value, where, constraint):
        return ApiError(400, "InvalidParameterException",
                        f"1 validation error detected: Value '{value}' at '{where}' "
                        f"failed to satisfy constraint: {constraint}")


def now_ms():
        return int(time.time() * 1000)


# --------------------------------------------------------------------------
# SigV4 verification, by botocore
# --------------------------------------------------------------------------

class _Verifier(SigV4Auth):
        """botocore's signer, made to sign exactly the headers the client listed and
        to use the client's X-Amz-Date instead of the wall clock."""

        def __init__(self, credentials, service, region, signed):
                super().__init__(credentials, service, region)
                self._signed = signed

        def headers_to_sign(self, request):
                out = HTTPHeaders()
                for name in self._signed:
                        for value in request.headers.get_all(name) or []:
                                out[name] = value
                return out

        def add_auth(self, request):
                # request.context['timestamp'] is preset from the received X-Amz-Date
                self._modify_request_before_signing(request)
                canonical = self.canonical_request(request)
                sts = self.string_to_sign(request, canonical)
                self._inject_signature_to_request(request, self.signature(sts, request))
                return canonical, sts


class Key:
        def __init__(self, access_key, secret, token=None, expired=False):
                self.access_key, self.secret, self.token, self.expired = access_key, secret, token, expired


def _auth_fail(status, type_, message):
        raise ApiError(status, type_, message)


def verify_sigv4(method, path, headers, body, keys, region, service="logs", now=None):
        """Check one request. headers: email.message.Message as http.server parsed it.
        Returns the access key; raises ApiError shaped like AWS's answer."""
        auth = headers.get("Authorization")
        if not auth:
                _auth_fail(400, "MissingAuthenticationTokenException", "Missing Authentication Token")
        m = AUTH_RE.match(auth)
        if not m:
                _auth_fail(400, "IncompleteSignatureException",
                           f"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                           f"parameters in the AWS4-HMAC-SHA256 form. Authorization={auth}")
        ak, scope_date, scope_region, scope_service, term, signed_list, _sig = m.groups()
        amz_date = headers.get("X-Amz-Date")
        if not amz_date:
                _auth_fail(400, "IncompleteSignatureException",
                           f"Authorization header requires existence of either a 'X-Amz-Date' or a "
                           f"'Date' header. Authorization={auth}")
        signed = signed_list.split(";")
        if "host" not in signed:
                _auth_fail(400, "IncompleteSignatureException",
                           "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        if signed != sorted(signed) or any(n != n.lower() for n in signed):
                _auth_fail(400, "IncompleteSignatureException",
                           f"SignedHeaders must be lowercase and sorted. Authorization={auth}")
        missing = [n for n in signed if headers.get(n) is None]
        if missing:
                _auth_fail(403, "InvalidSignatureException",
                           f"Signed header '{missing[0]}' is missing from the request.")
        key = keys.get(ak)
        if key is None:
                _auth_fail(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        try:
                t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
                _auth_fail(400, "IncompleteSignatureException",
                           f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")
        now = now if now is not None else time.time()
        skew = t.timestamp() - now
        fmt = lambda s: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(s))
        if skew < -MAX_CLOCK_SKEW_S:
                _auth_fail(403, "InvalidSignatureException",
                           f"Signature expired: {amz_date} is now earlier than {fmt(now - MAX_CLOCK_SKEW_S)} "
                           f"({fmt(now)} - 5 min.)")
        if skew > MAX_CLOCK_SKEW_S:
                _auth_fail(403, "InvalidSignatureException",
                           f"Signature not yet current: {amz_date} is still later than "
                           f"{fmt(now + MAX_CLOCK_SKEW_S)} ({fmt(now)} + 5 min.)")
        if scope_date != amz_date[:8] or term != "aws4_request":
                _auth_fail(403, "InvalidSignatureException",
                           f"Credential should be scoped to a valid date and terminated by 'aws4_request'. "
                           f"Authorization={auth}")
        if scope_region != region:
                _auth_fail(403, "InvalidSignatureException",
                           f"Credential should be scoped to a valid region, not '{scope_region}'. ")
        if scope_service != service:
                _auth_fail(403, "InvalidSignatureException",
                           f"Credential should be scoped to correct service: '{service}'. ")
        if key.token is not None and headers.get("X-Amz-Security-Token") != key.token:
                _auth_fail(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        if key.expired:
                _auth_fail(400, "ExpiredTokenException", "The security token included in the request is expired")
        declared = headers.get("X-Amz-Content-Sha256")
        if declared is not None and declared != hashlib.sha256(body).hexdigest():
                _auth_fail(400, "InvalidSignatureException",
                           "The provided 'x-amz-content-sha256' header does not match what was computed.")

        req = AWSRequest(method=method, url="http://" + headers.get("Host", "") + path, data=body)
        req.headers = HTTPHeaders()
        for name in signed:
                for value in headers.get_all(name):
                        req.headers[name] = value
        req.context["timestamp"] = amz_date
        verifier = _Verifier(Credentials(ak, key.secret, key.token), service, region, signed)
        canonical, sts = verifier.add_auth(req)
        expected = req.headers["Authorization"]
        if expected != auth and expected.endswith("Signature=" + _sig):
                _auth_fail(400, "IncompleteSignatureException",
                           f"The signature is right but the Authorization header is not laid out as "
                           f"'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...': {auth}")
        if expected != auth:
                _auth_fail(403, "InvalidSignatureException",
                           "The request signature we calculated does not match the signature you provided. "
                           "Check your AWS Secret Access Key and signing method. Consult the service "
                           "documentation for details.\n\nThe Canonical String for this request should have been\n'"
                           + canonical + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n")
        return ak


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

class Faults:
        """Which fault (if any) the next request gets. Script entries are used first,
        one per request, then the rates are drawn with a seeded RNG."""

        def __init__(self):
                self.rates = {}
                self.script = []
                self.rng = random.Random(0)
                self.stall_seconds = 5.0
                self.ops = None  # None: every operation; else a set of op names

        def configure(self, rates=None, seed=None, script=None, stall_seconds=None, ops=None, append_script=False):
                if rates is not None:
                        for mode, p in rates.items():
                                if str(mode) not in FAULT_MODES:
                                        raise ValueError(f"unknown fault mode '{mode}'")
                                if not 0.0 <= float(p) <= 1.0:
                                        raise ValueError(f"fault rate for '{mode}' must be within 0..1")
                        if sum(float(p) for p in rates.values()) > 1.0:
                                raise ValueError("fault rates add up to more than 1")
                        self.rates = {str(k): float(v) for k, v in rates.items() if float(v) > 0}
                if seed is not None:
                        self.rng = random.Random(seed)
                if script is not None:
                        bad = [s for s in script if s not in FAULT_MODES and s != "ok"]
                        if bad:
                                raise ValueError(f"unknown fault mode '{bad[0]}' in script")
                        self.script = (self.script if append_script else []) + list(script)
                if stall_seconds is not None:
                        self.stall_seconds = float(stall_seconds)
                if ops is not None:
                        self.ops = set(ops) if ops else None

        def pick(self, op):
                if self.ops is not None and op not in self.ops:
                        return None
                if self.script:
                        mode = self.script.pop(0)
                        return None if mode == "ok" else mode
                if not self.rates:
                        return None
                x, acc = self.rng.random(), 0.0
                for mode in FAULT_MODES:
                        acc += self.rates.get(mode, 0.0)
                        if x < acc:
                                return mode
                return None


def parse_fault_spec(spec):
        """'seed=1,throttle=0.1,503=0.05,stall_seconds=2,script=throttle*2+ok+reset,
        ops=PutLogEvents+CreateLogStream,fail_group=g1' -> (configure kwargs, fail groups)"""
        kw, rates, fail_groups = {}, {}, []
        for item in filter(None, (s.strip() for s in (spec or "").split(","))):
                name, sep, value = item.partition("=")
                if not sep:
                        raise ValueError(f"fault spec item '{item}' is not NAME=VALUE")
                if name == "seed":
                        kw["seed"] = int(value)
                elif name == "stall_seconds":
                        kw["stall_seconds"] = float(value)
                elif name == "script":
                        script = []
                        for part in value.split("+"):
                                mode, _, count = part.partition("*")
                                script += [mode] * (int(count) if count else 1)
                        kw["script"] = script
                elif name == "ops":
                        kw["ops"] = value.split("+")
                elif name == "fail_group":
                        fail_groups.append(value)
                elif name in FAULT_MODES:
                        rates[name] = float(value)
                else:
                        raise ValueError(f"unknown fault spec key '{name}'")
        if rates:
                kw["rates"] = rates
        return kw, fail_groups


# --------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------

class Stream:
        def __init__(self, name, created):
                self.name, self.created = name, created
                self.events = []  # dicts: timestamp, message, ingestion, request, dropped_ack
                self.token = 0
                self.last_ingestion = None


class Group:
        def __init__(self, name, created, retention=None):
                self.name, self.created, self.retention = name, created, retention
                self.streams = {}


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def version_string(self):
                return "Server"

        timeout = 120

        def log_message(self, fmt, *args):
                if self.server.fake.verbose:
                        sys.stderr.write("cwfake: " + (fmt % args) + "\n")

        def setup(self):
                super().setup()
                self.server.fake._track(self.connection, True)

        def finish(self):
                try:
                        super().finish()
                except OSError:
                        pass
                self.server.fake._track(self.connection, False)

        def _read_body(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                        chunks = []
                        while True:
                                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                                if size == 0:
                                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                                pass
                                        return b"".join(chunks)
                                chunks.append(self.rfile.read(size))
                                self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def send_answer(self, status, body, headers):
                self.send_response(status)
                for k, v in headers:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

        def reset(self):
                """Close with RST and no answer."""
                self.close_connection = True
                try:
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                except OSError:
                        pass

        def do_GET(self):
                if self.path.split("?")[0] == "/__control":
                        body = json.dumps(self.server.fake.snapshot()).encode()
                        return self.send_answer(200, body, [("Content-Type", "application/json")])
                self.send_answer(404, b"", [])

        def do_POST(self):
                try:
                        body = self._read_body()
                except (ValueError, OSError):
                        self.close_connection = True
                        return
                if self.path.split("?")[0] == "/__control":
                        return self.server.fake._control_http(self, body)
                self.server.fake._serve(self, body)


class _Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128


# --------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------

class FakeCloudWatch:
        def __init__(self, keys=None, region="us-east-1", port=0, host="127.0.0.1",
                     max_event_size=MAX_EVENT_SIZE, faults=None, verbose=False):
                """keys: {access_key: secret} or {access_key: (secret, token)} or [Key].
                faults: a spec string (see parse_fault_spec) or dict of Faults.configure kwargs."""
                self.region, self.host, self.max_event_size, self.verbose = region, host, max_event_size, verbose
                self._port = port
                self._lock = threading.RLock()
                self._changed = threading.Condition(self._lock)
                self._stopping = threading.Event()
                self._keys = {}
                for k in (keys.items() if isinstance(keys, dict) else (keys or [])):
                        if isinstance(k, Key):
                                self._keys[k.access_key] = k
                        else:
                                ak, v = k
                                secret, token = (v, None) if isinstance(v, str) else v
                                self.add_key(ak, secret, token)
                self.faults = Faults()
                self._fail_groups = set()
                if isinstance(faults, str):
                        kw, fg = parse_fault_spec(faults)
                        self.faults.configure(**kw)
                        self._fail_groups.update(fg)
                elif faults:
                        self.faults.configure(**faults)
                self._server = self._thread = self._refuse_timer = None
                self._conns = set()
                self._refusing = False
                self.clear()

        # ---- lifecycle --------------------------------------------------------

        def start(self):
                self._listen()
                return self

        def _listen(self):
                self._server = _Server((self.host, self._port), _Handler)
                self._server.fake = self
                self._port = self._server.server_address[1]
                self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                                name=f"cwfake:{self._port}", daemon=True)
                self._thread.start()

        def _unlisten(self):
                if self._server is None:
                        return
                self._server.shutdown()
                self._server.server_close()
                self._thread.join()
                self._server = self._thread = None
                with self._lock:
                        conns = list(self._conns)
                for c in conns:  # an outage also kills established connections
                        try:
                                c.shutdown(socket.SHUT_RDWR)
                        except OSError:
                                pass

        def stop(self):
                self._stopping.set()
                if self._refuse_timer:
                        self._refuse_timer.cancel()
                self._unlisten()

        def __enter__(self):
                return self.start()

        def __exit__(self, *exc):
                self.stop()

        @property
        def port(self):
                return self._port

        @property
        def url(self):
                return f"http://{self.host}:{self._port}"

        def env(self, access_key=None):
                """Environment for a client process: credentials of `access_key` (default: the
                first key), region, endpoint, and IMDS switched off."""
                with self._lock:
                        key = self._keys[access_key] if access_key else next(iter(self._keys.values()))
                env = {"AWS_ACCESS_KEY_ID": key.access_key, "AWS_SECRET_ACCESS_KEY": key.secret,
                       "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
                       "AWS_ENDPOINT_URL_LOGS": self.url, "AWS_EC2_METADATA_DISABLED": "true"}
                if key.token:
                        env["AWS_SESSION_TOKEN"] = key.token
                return env

        def _track(self, conn, add):
                with self._lock:
                        (self._conns.add if add else self._conns.discard)(conn)

        # ---- configuration at run time ---------------------------------------

        def add_key(self, access_key, secret, token=None):
                with self._lock:
                        self._keys[access_key] = Key(access_key, secret, token)

        def remove_key(self, access_key):
                with self._lock:
                        self._keys.pop(access_key, None)

        def expire_key(self, access_key, expired=True):
                with self._lock:
                        self._keys[access_key].expired = expired

        def set_faults(self, **kw):
                """Faults.configure kwargs: rates={mode: p}, seed, script=[modes], stall_seconds,
                ops=[op names] (empty list: all), append_script."""
                with self._lock:
                        self.faults.configure(**kw)

        def script(self, *modes):
                """The next len(modes) faultable requests get these modes ('ok' = none)."""
                self.set_faults(script=list(modes), append_script=True)

        def clear_faults(self):
                with self._lock:
                        self.faults.rates, self.faults.script = {}, []
                        self._fail_groups.clear()

        def fail_group(self, group, fail=True):
                """Every request naming this group gets AccessDeniedException."""
                with self._lock:
                        (self._fail_groups.add if fail else self._fail_groups.discard)(group)

        def refuse(self, seconds=None):
                """Stop listening (connections refused, open ones cut). Resume after
                `seconds`, or when resume() is called."""
                with self._lock:
                        if self._refusing:
                                return
                        self._refusing = True
                self._unlisten()
                if seconds is not None:
                        self._refuse_timer = threading.Timer(seconds, self.resume)
                        self._refuse_timer.daemon = True
                        self._refuse_timer.start()

        def resume(self):
                with self._lock:
                        if not self._refusing or self._stopping.is_set():
                                return
                        self._refusing = False
                deadline = time.monotonic() + 10
                while True:  # the port is ours; a TIME_WAIT can delay the bind briefly
                        try:
                                return self._listen()
                        except OSError:
                                if time.monotonic() > deadline:
                                        raise
                                time.sleep(0.05)

        def clear(self):
                """Forget groups, events and request history (keys and faults stay)."""
                with self._lock:
                        self._groups = {}
                        self._requests = []
                        self._stats = {"requests": 0, "by_op": {}, "by_status": {}, "by_error": {},
                                       "faults": {}, "events_accepted": 0, "events_rejected_window": 0}

        def create_group(self, name, retention=None):
                with self._lock:
                        self._groups.setdefault(name, Group(name, now_ms(), retention))

        def create_stream(self, group, stream):
                with self._lock:
                        self._groups[group].streams.setdefault(stream, Stream(stream, now_ms()))

        # ---- inspection ---------------------------------------------------------

        def groups(self):
                with self._lock:
                        return {g.name: {"retention": g.retention, "streams": sorted(g.streams)}
                                for g in self._groups.values()}

        def events(self, group, stream, include_dropped=True):
                """Accepted events of one stream in arrival order: [(timestamp_ms, message)].
                Empty if the stream does not exist."""
                with self._lock:
                        g = self._groups.get(group)
                        s = g.streams.get(stream) if g else None
                        return [(e["timestamp"], e["message"]) for e in (s.events if s else [])
                                if include_dropped or not e["dropped_ack"]]

        def all_events(self):
                """{(group, stream): [(timestamp_ms, message)]} for every stream."""
                with self._lock:
                        return {(g.name, s.name): [(e["timestamp"], e["message"]) for e in s.events]
                                for g in self._groups.values() for s in g.streams.values()}

        def dropped_ack_events(self):
                """[(group, stream, timestamp, message)] stored from requests whose answer was dropped."""
                with self._lock:
                        return [(g.name, s.name, e["timestamp"], e["message"]) for g in self._groups.values()
                                for s in g.streams.values() for e in s.events if e["dropped_ack"]]

        def unexplained_duplicates(self):
                """Events stored more often than 1 + the number of dropped acknowledgements
                that carried them: duplicates the client caused on its own.
                Returns [(group, stream, timestamp, message, copies)]."""
                out = []
                with self._lock:
                        for g in self._groups.values():
                                for s in g.streams.values():
                                        copies, dropped = {}, {}
                                        for e in s.events:
                                                k = (e["timestamp"], e["message"])
                                                copies[k] = copies.get(k, 0) + 1
                                                dropped[k] = dropped.get(k, 0) + e["dropped_ack"]
                                        out += [(g.name, s.name, k[0], k[1], n) for k, n in copies.items()
                                                if n > 1 + dropped[k]]
                return out

        def requests(self, op=None):
                """Metadata of every request (oldest first), optionally one operation's."""
                with self._lock:
                        return [dict(r) for r in self._requests if op is None or r["op"] == op]

        def stats(self):
                with self._lock:
                        return json.loads(json.dumps(self._stats))

        def snapshot(self):
                with self._lock:
                        return {"url": self.url, "stats": self.stats(), "requests": self.requests(),
                                "groups": {g.name: {"retention": g.retention, "streams": {
                                        s.name: s.events for s in g.streams.values()}}
                                        for g in self._groups.values()}}

        def dump(self, path):
                with open(path, "w") as f:
                        json.dump(self.snapshot(), f)

        def wait_for(self, predicate, timeout=30.0):
                """Wait until predicate(self) is true (checked after every request); returns
                its last value. Never an assertion on time: the timeout only bounds a hang."""
                deadline = time.monotonic() + timeout
                with self._changed:
                        while True:
                                v = predicate(self)
                                left = deadline - time.monotonic()
                                if v or left <= 0:
                                        return v
                                self._changed.wait(min(left, 0.5))

        def wait_events(self, group, stream, n, timeout=30.0):
                """Wait until the stream holds at least n events; return them."""
                self.wait_for(lambda f: len(f.events(group, stream)) >= n, timeout)
                return self.events(group, stream)

        # ---- request handling ------------------------------------------------------

        def _record(self, rec):
                with self._lock:
                        self._requests.append(rec)
                        st = self._stats
                        st["requests"] += 1
                        for key, val in (("by_op", rec["op"]), ("by_status", str(rec["status"])),
                                         ("by_error", rec["error"]), ("faults", rec["fault"])):
                                if val is not None:
                                        st[key][val] = st[key].get(val, 0) + 1
                        self._changed.notify_all()

        def _serve(self, h, body):
                target = h.headers.get("X-Amz-Target") or ""
                rec = {"seq": None, "time": time.time(), "op": target[len(TARGET_PREFIX):] if
                       target.startswith(TARGET_PREFIX) else target, "access_key": None,
                       "gzip": "gzip" in (h.headers.get("Content-Encoding") or "").lower(),
                       "wire_bytes": len(body), "content_type": h.headers.get("Content-Type"),
                       "user_agent": h.headers.get("User-Agent"), "status": None, "error": None,
                       "message": None, "fault": None, "group": None, "stream": None, "n_events": None,
                       "bytes": None, "accepted": 0, "rejected_info": None,
                       "request_id": str(uuid.uuid4())}
                with self._lock:
                        rec["seq"] = len(self._requests)
                try:
                        status, payload, action = self._process(h, body, rec)
                except ApiError as e:
                        status, action = e.status, None
                        payload = {"__type": e.type, "message": e.message}
                        rec["error"], rec["message"] = e.type, e.message
                except Exception as e:  # a bug in the fake: say so loudly, answer like the service would
                        import traceback
                        traceback.print_exc()
                        status, action = 500, None
                        payload = {"__type": "InternalFailure", "message": f"cwfake bug: {e!r}"}
                        rec["error"], rec["message"] = "InternalFailure", payload["message"]
                        rec["fake_bug"] = True
                rec["status"] = status if action is None else (200 if action == "garbage" else None)
                self._record(rec)
                if action == "reset":
                        return h.reset()
                if action == "stall":
                        self._stopping.wait(self.faults.stall_seconds)
                        return h.reset()
                if action == "garbage":
                        return h.send_answer(200, HTML_GARBAGE, [("Content-Type", "text/html")])
                data = b"" if payload is None else json.dumps(payload).encode()
                try:
                        h.send_answer(status, data, [("x-amzn-RequestId", rec["request_id"]), ("Content-Type", JSON_CT)])
                except OSError:
                        # The connection went away before the answer (an outage cut it): whatever
                        # was stored is an unacknowledged success, exactly like drop_ack.
                        self._answer_lost(rec)
                        raise

        def _answer_lost(self, rec):
                with self._lock:
                        rec["answer_lost"] = True
                        for g in self._groups.values():
                                for st in g.streams.values():
                                        for e in st.events:
                                                if e["request"] == rec["seq"]:
                                                        e["dropped_ack"] = True

        def _process(self, h, body, rec):
                """Returns (status, payload, action) or raises ApiError."""
                with self._lock:
                        keys = dict(self._keys)
                rec["access_key"] = verify_sigv4(h.command, h.path, h.headers, body, keys, self.region)
                if rec["gzip"]:
                        try:
                                body = gzip.decompress(body)
                        except (OSError, EOFError, zlib.error):
                                raise ApiError(400, "SerializationException", "Request body is not valid gzip")
                handler = _OPS.get(rec["op"])
                if handler is None:
                        raise ApiError(400, "UnknownOperationException", f"Unknown operation {rec['op']!r}")
                ctype = (rec["content_type"] or "").split(";")[0].strip().lower()
                if ctype != JSON_CT:
                        raise ApiError(400, "SerializationException",
                                       f"Content-Type must be {JSON_CT}, got {rec['content_type']!r}")
                try:
                        req = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                        raise ApiError(400, "SerializationException", "Start of structure or map found where not expected.")
                if not isinstance(req, dict):
                        raise ApiError(400, "SerializationException", "Start of structure or map found where not expected.")
                rec["group"], rec["stream"] = req.get("logGroupName"), req.get("logStreamName")
                with self._lock:
                        if rec["group"] in self._fail_groups:
                                raise ApiError(400, "AccessDeniedException",
                                               f"User: arn:aws:iam::{ACCOUNT_ID}:user/cwlogd-test is not authorized "
                                               f"to perform: logs:{rec['op']} on resource: {self._arn(rec['group'])} "
                                               "because no identity-based policy allows the action")
                        rec["fault"] = self.faults.pick(rec["op"])
                if rec["fault"] == "throttle":
                        raise ApiError(400, "ThrottlingException", "Rate exceeded")
                if rec["fault"] == "500":
                        raise ApiError(500, "InternalFailure", "The request processing has failed because of an "
                                       "unknown error, exception or failure.")
                if rec["fault"] == "503":
                        raise ApiError(503, "ServiceUnavailableException", "The server failed to fulfill the request. "
                                       "Please try again.")
                if rec["fault"] in ("reset", "stall", "garbage"):
                        return None, None, rec["fault"]
                with self._lock:
                        payload = handler(self, req, rec)
                if rec["fault"] == "drop_ack":
                        return None, None, "reset"
                return 200, payload, None

        def _arn(self, group):
                return f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{group}"

        def _control_http(self, h, body):
                try:
                        cmd = json.loads(body or b"{}")
                        if not isinstance(cmd, dict):
                                raise TypeError("the control body must be a JSON object")
                        # An outage cuts every connection, this one too: start it only once the
                        # answer is on its way, never racing it.
                        refuse = cmd.pop("refuse", None)
                        result = self.control(cmd)
                        h.send_answer(200, json.dumps(result).encode(), [("Content-Type", "application/json")])
                except (ValueError, KeyError, TypeError) as e:
                        h.send_answer(400, json.dumps({"error": str(e)}).encode(), [("Content-Type", "application/json")])
                        return
                if refuse is not None:
                        h.close_connection = True
                        self.refuse(float(refuse))

        def control(self, cmd):
                """The control API (also POST /__control with this JSON object). Keys, applied in order:
                faults: {rates, seed, script, stall_seconds, ops}; script: [modes] (appended);
                clear_faults: true; fail_group / unfail_group: name; add_key: {access_key, secret, token};
                expire_key / unexpire_key / remove_key: access_key; max_event_size: n;
                create_group: {name, retention}; create_stream: {group, stream}; clear: true;
                refuse: seconds (resumes by itself; the control API is unreachable meanwhile).
                Returns {"ok": true, "stats": ...}."""
                for k, v in cmd.items():
                        if k == "faults":
                                self.set_faults(**v)
                        elif k == "script":
                                self.script(*v)
                        elif k == "clear_faults":
                                self.clear_faults()
                        elif k in ("fail_group", "unfail_group"):
                                self.fail_group(v, k == "fail_group")
                        elif k == "add_key":
                                self.add_key(v["access_key"], v["secret"], v.get("token"))
                        elif k in ("expire_key", "unexpire_key"):
                                self.expire_key(v, k == "expire_key")
                        elif k == "remove_key":
                                self.remove_key(v)
                        elif k == "max_event_size":
                                self.max_event_size = int(v)
                        elif k == "create_group":
                                self.create_group(v["name"], v.get("retention"))
                        elif k == "create_stream":
                                self.create_stream(v["group"], v["stream"])
                        elif k == "clear":
                                self.clear()
                        elif k == "refuse":
                                self.refuse(float(v))
                        else:
                                raise KeyError(f"unknown control key '{k}'")
                return {"ok": True, "stats": self.stats()}


# --------------------------------------------------------------------------
# Operations (called with the lock held)
# --------------------------------------------------------------------------

def _need_str(req, name, pattern, where=None):
        v = req.get(name)
        if v is None:
                raise _validation("null", name, "Member must not be null")
        if not isinstance(v, str):
                raise ApiError(400, "SerializationException", f"Expected a string for '{name}'")
        if not 1 <= len(v) <= MAX_NAME_LEN:
                raise _validation(v, name, f"Member must have length between 1 and {MAX_NAME_LEN}")
        if not pattern.match(v):
                raise _validation(v, name, f"Member must satisfy regular expression pattern: "
                                  f"{pattern.pattern[:-2]}")
        return v


def _group(fake, req):
        name = _need_str(req, "logGroupName", GROUP_NAME_RE)
        g = fake._groups.get(name)
        if g is None:
                raise ApiError(400, "ResourceNotFoundException", "The specified log group does not exist.")
        return g


def _stream(fake, req):
        g = _group(fake, req)
        name = _need_str(req, "logStreamName", STREAM_NAME_RE)
        s = g.streams.get(name)
        if s is None:
                raise ApiError(400, "ResourceNotFoundException", "The specified log stream does not exist.")
        return g, s


def _check_events(fake, events):
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
                raise ApiError(400, "SerializationException", "Expected a list of InputLogEvent for 'logEvents'")
        if not 1 <= len(events) <= MAX_BATCH_EVENTS:
                raise _validation(f"[{len(events)} events]", "logEvents",
                                  f"Member must have length less than or equal to {MAX_BATCH_EVENTS}"
                                  if events else "Member must have length greater than or equal to 1")
        total = 0
        for i, e in enumerate(events):
                ts, msg = e.get("timestamp"), e.get("message")
                if ts is None or msg is None:
                        raise _validation("null", f"logEvents.{i + 1}.member.{'timestamp' if ts is None else 'message'}",
                                          "Member must not be null")
                if isinstance(ts, bool) or not isinstance(ts, int) or not isinstance(msg, str):
                        raise ApiError(400, "SerializationException", f"Wrong type in logEvents.{i + 1}")
                if ts < 0:
                        raise _validation(ts, f"logEvents.{i + 1}.member.timestamp", "Member must have value "
                                          "greater than or equal to 0")
                if msg == "":
                        raise _validation("", f"logEvents.{i + 1}.member.message",
                                          "Member must have length greater than or equal to 1")
                size = len(msg.encode("utf-8", "surrogatepass")) + EVENT_OVERHEAD
                if size > fake.max_event_size:
                        raise ApiError(400, "InvalidParameterException",
                                       f"Log event too large: {size} bytes exceeds limit of {fake.max_event_size}")
                total += size
        if total > MAX_BATCH_BYTES:
                raise ApiError(400, "InvalidParameterException",
                               f"Upload too large: {total} bytes exceeds limit of {MAX_BATCH_BYTES}")
        stamps = [e["timestamp"] for e in events]
        if any(b < a for a, b in zip(stamps, stamps[1:])):
                raise ApiError(400, "InvalidParameterException",
                               "Log events in a single PutLogEvents request must be in chronological order.")
        if stamps[-1] - stamps[0] > MAX_SPAN_MS:
                raise ApiError(400, "InvalidParameterException", "The batch of log events in a single "
                               "PutLogEvents request cannot span more than 24 hours.")
        return total


def op_put_log_events(fake, req, rec):
        g, s = _stream(fake, req)
        events = req.get("logEvents")
        if events is None:
                raise _validation("null", "logEvents", "Member must not be null")
        rec["n_events"] = len(events) if isinstance(events, list) else None
        rec["bytes"] = _check_events(fake, events)
        now = now_ms()
        old = sum(1 for e in events if e["timestamp"] < now - TOO_OLD_MS)
        expired = sum(1 for e in events if g.retention and e["timestamp"] < now - g.retention * 86400000)
        new_start = next((i for i, e in enumerate(events) if e["timestamp"] > now + TOO_NEW_MS), None)
        info = {}
        if old:
                info["tooOldLogEventEndIndex"] = old
        if expired:
                info["expiredLogEventEndIndex"] = expired
        if new_start is not None:
                info["tooNewLogEventStartIndex"] = new_start
        first, end = max(old, expired), len(events) if new_start is None else new_start
        for e in events[first:end]:
                s.events.append({"timestamp": e["timestamp"], "message": e["message"], "ingestion": now,
                                 "request": rec["seq"], "dropped_ack": rec["fault"] == "drop_ack"})
        rec["accepted"] = max(0, end - first)
        rec["rejected_info"] = info or None
        fake._stats["events_accepted"] += rec["accepted"]
        fake._stats["events_rejected_window"] += len(events) - rec["accepted"]
        s.token += 1
        s.last_ingestion = now
        out = {"nextSequenceToken": "4963%052d" % s.token}
        if info:
                out["rejectedLogEventsInfo"] = info
        return out


def op_create_log_group(fake, req, rec):
        name = _need_str(req, "logGroupName", GROUP_NAME_RE)
        if name in fake._groups:
                raise ApiError(400, "ResourceAlreadyExistsException", "The specified log group already exists")
        fake._groups[name] = Group(name, now_ms())
        return None


def op_create_log_stream(fake, req, rec):
        g = _group(fake, req)
        name = _need_str(req, "logStreamName", STREAM_NAME_RE)
        if name in g.streams:
                raise ApiError(400, "ResourceAlreadyExistsException", "The specified log stream already exists")
        g.streams[name] = Stream(name, now_ms())
        return None


def op_put_retention_policy(fake, req, rec):
        g = _group(fake, req)
        days = req.get("retentionInDays")
        if isinstance(days, bool) or not isinstance(days, int) or days not in RETENTION_DAYS:
                raise _validation(days, "retentionInDays", "Member must satisfy enum value set: "
                                  + str(list(RETENTION_DAYS)))
        g.retention = days
        return None


def _page(items, req, max_limit):
        limit = req.get("limit", max_limit)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
                raise _validation(limit, "limit", f"Member must have value less than or equal to {max_limit}")
        start = int(req.get("nextToken") or 0)
        return items[start:start + limit], (str(start + limit) if start + limit < len(items) else None)


def op_describe_log_groups(fake, req, rec):
        prefix = req.get("logGroupNamePrefix") or ""
        groups = sorted(n for n in fake._groups if n.startswith(prefix))
        page, token = _page(groups, req, 50)
        out = {"logGroups": []}
        for n in page:
                g = fake._groups[n]
                d = {"logGroupName": n, "creationTime": g.created, "metricFilterCount": 0,
                     "arn": fake._arn(n) + ":*", "storedBytes": 0}
                if g.retention:
                        d["retentionInDays"] = g.retention
                out["logGroups"].append(d)
        if token:
                out["nextToken"] = token
        return out


def op_describe_log_streams(fake, req, rec):
        g = _group(fake, req)
        prefix = req.get("logStreamNamePrefix") or ""
        streams = sorted((s for s in g.streams.values() if s.name.startswith(prefix)), key=lambda s: s.name)
        if req.get("orderBy") == "LastEventTime":
                streams.sort(key=lambda s: max((e["timestamp"] for e in s.events), default=0))
        if req.get("descending"):
                streams.reverse()
        page, token = _page(streams, req, 50)
        out = {"logStreams": []}
        for s in page:
                d = {"logStreamName": s.name, "creationTime": s.created,
                     "arn": f"{fake._arn(g.name)}:log-stream:{s.name}", "storedBytes": 0}
                if s.events:
                        d["firstEventTimestamp"] = min(e["timestamp"] for e in s.events)
                        d["lastEventTimestamp"] = max(e["timestamp"] for e in s.events)
                        d["lastIngestionTime"] = s.last_ingestion
                        d["uploadSequenceToken"] = "4963%052d" % s.token
                out["logStreams"].append(d)
        if token:
                out["nextToken"] = token
        return out


def op_get_log_events(fake, req, rec):
        g, s = _stream(fake, req)
        lo, hi = req.get("startTime"), req.get("endTime")
        evs = sorted((e for e in s.events if (lo is None or e["timestamp"] >= lo) and
                      (hi is None or e["timestamp"] < hi)), key=lambda e: e["timestamp"])
        limit = req.get("limit", 10000)
        token = req.get("nextToken")
        if token:
                start = int(token[2:])
        elif req.get("startFromHead"):
                start = 0
        else:
                start = max(0, len(evs) - limit)
        page = evs[start:start + limit]
        return {"events": [{"timestamp": e["timestamp"], "message": e["message"], "ingestionTime": e["ingestion"]}
                           for e in page],
                "nextForwardToken": "f/%d" % (start + len(page)), "nextBackwardToken": "b/%d" % start}


_OPS = {
        "PutLogEvents": op_put_log_events,
        "CreateLogGroup": op_create_log_group,
        "CreateLogStream": op_create_log_stream,
        "PutRetentionPolicy": op_put_retention_policy,
        "DescribeLogGroups": op_describe_log_groups,
        "DescribeLogStreams": op_describe_log_streams,
        "GetLogEvents": op_get_log_events,
}


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def main(argv=None):
        p = argparse.ArgumentParser(description="Loopback CloudWatch Logs fake (checks SigV4 and API limits).")
        p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: pick one)")
        p.add_argument("--access-key", action="append", default=[], help="access key id (repeatable)")
        p.add_argument("--secret", action="append", default=[], help="secret key, paired with --access-key in order")
        p.add_argument("--session-token", action="append", default=[],
                       help="session token for the Nth key ('' for none)")
        p.add_argument("--region", default="us-east-1")
        p.add_argument("--faults", default="", help="e.g. 'seed=1,throttle=0.1,503=0.05,script=reset*2+ok'")
        p.add_argument("--max-event-size", type=int, default=MAX_EVENT_SIZE)
        p.add_argument("--dump", help="write the state as JSON here on exit and on SIGUSR1")
        p.add_argument("--verbose", action="store_true")
        a = p.parse_args(argv)
        if len(a.access_key) != len(a.secret):
                p.error("each --access-key needs a --secret")
        tokens = a.session_token + [""] * (len(a.access_key) - len(a.session_token))
        keys = [Key(ak, sk, tok or None) for ak, sk, tok in zip(a.access_key, a.secret, tokens)]
        fake = FakeCloudWatch(keys=keys, region=a.region, port=a.port, faults=a.faults,
                              max_event_size=a.max_event_size, verbose=a.verbose).start()
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        signal.signal(signal.SIGINT, lambda *_: done.set())
        if a.dump:
                signal.signal(signal.SIGUSR1, lambda *_: fake.dump(a.dump))
        print(f"cwfake listening on {fake.url}", flush=True)
        while not done.wait(1):
                pass
        fake.stop()
        if a.dump:
                fake.dump(a.dump)
        return 0


if __name__ == "__main__":
        sys.exit(main())
