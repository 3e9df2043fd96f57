"""Loopback fakes of the AWS credential sources cwlogd asks, for test_credentials.py.

What it provides: an EC2 instance metadata service (IMDSv2 only: a token from PUT
/latest/api/token is required on every GET, a GET without one gets 401), an ECS/EKS
container credentials endpoint (checks the Authorization header), and STS
(AssumeRoleWithWebIdentity, unsigned, checks the web identity token; AssumeRole, whose
SigV4 signature is verified with botocore through cwfake.verify_sigv4). Each hands out
fresh temporary keys from a KeyMinter, which registers them with the CloudWatch fake, so
a test can tell which provider's keys signed which PutLogEvents. Faults: answer a status
for a while (down()), answer garbage, expired web identity tokens. Also a TLS proxy in
front of any loopback port, with a self-signed certificate made by the openssl CLI.

What it deliberately does not do: real IAM (any role name works unless told otherwise),
IMDS paths beyond the credentials and the identity document, persistence.

Invariants: every server listens on 127.0.0.1 and is stopped by stop(); all state sits
behind one lock per server; every secret handed out is remembered in .secrets so a test
can grep logs for it.
"""

import datetime
import http.server
import json
import secrets
import socket
import ssl
import string
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import cwfake as _cwfake


def _random(alphabet, n):
        return "".join(secrets.choice(alphabet) for _ in range(n))


def iso8601(t):
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class KeyMinter:
        """Mints temporary key triples valid for `lifetime` seconds and registers each with
        the CloudWatch fake. .issued: [(access_key, secret, token)] in order; .secrets: every
        secret and token, for log greps."""

        def __init__(self, cw, lifetime=3600, prefix="ASIA"):
                self.cw, self.lifetime, self.prefix = cw, lifetime, prefix
                self.issued, self.secrets = [], []
                self._lock = threading.Lock()

        def mint(self):
                ak = self.prefix + _random(string.ascii_uppercase + "234567", 16)
                sk = _random(string.ascii_letters + string.digits + "+/", 40)
                token = "IQoJb3JpZ2luX2Vj" + _random(string.ascii_letters + string.digits + "+/", 100) + "=="
                with self._lock:
                        self.issued.append((ak, sk, token))
                        self.secrets += [sk, token]
                        lifetime = self.lifetime
                self.cw.add_key(ak, sk, token)
                return ak, sk, token, iso8601(time.time() + lifetime)

        def access_keys(self):
                with self._lock:
                        return [k[0] for k in self.issued]


class _Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30

        def log_message(self, fmt, *args):
                pass

        def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                fake = self.server.fake
                answer = fake._dispatch(self.command, self.path, self.headers, body)
                if answer is None:  # reset
                        self.close_connection = True
                        return
                status, ctype, data = answer
                data = data.encode() if isinstance(data, str) else data
                self.send_response(status)
                if ctype:
                        self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = _serve


class _Fake:
        """A threaded HTTP server on 127.0.0.1 whose answers come from self.handle()."""

        def __init__(self):
                self._lock = threading.RLock()
                self._down = None       # (status, body) answered to everything meanwhile
                self._down_until = 0.0
                self.log = []           # (method, path) of every request
                self._server = self._thread = None

        def start(self):
                self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
                self._server.daemon_threads = True
                self._server.fake = self
                self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                                daemon=True)
                self._thread.start()
                return self

        def stop(self):
                if self._server:
                        self._server.shutdown()
                        self._server.server_close()
                        self._thread.join()
                        self._server = None

        @property
        def url(self):
                return f"http://127.0.0.1:{self._server.server_address[1]}"

        def down(self, status=500, seconds=None, body="oops"):
                """Answer `status` to everything, for `seconds` (None: until up())."""
                with self._lock:
                        self._down = (status, body)
                        self._down_until = time.monotonic() + seconds if seconds else float("inf")

        def up(self):
                with self._lock:
                        self._down = None

        def requests(self):
                with self._lock:
                        return list(self.log)

        def _dispatch(self, method, path, headers, body):
                with self._lock:
                        self.log.append((method, path))
                        if self._down and time.monotonic() < self._down_until:
                                status, text = self._down
                                return status, "text/plain", text
                        self._down = None
                return self.handle(method, path, headers, body)


def _container_json(minted):
        ak, sk, token, exp = minted
        return json.dumps({"Code": "Success", "LastUpdated": iso8601(time.time()), "Type": "AWS-HMAC",
                           "AccessKeyId": ak, "SecretAccessKey": sk, "Token": token, "Expiration": exp})


class FakeImds(_Fake):
        """IMDSv2. minter may be None (no role). .tokens: the session tokens handed out;
        .unauthorized: GETs refused for a missing or unknown token. garbage=True answers
        the credentials path with HTML."""

        def __init__(self, minter=None, role="cwlogd-test-role", instance_id="i-0123456789abcdef0",
                     region="eu-west-3", private_ip="10.1.2.3"):
                super().__init__()
                self.minter, self.role, self.instance_id = minter, role, instance_id
                self.region, self.private_ip = region, private_ip
                self.tokens, self.unauthorized, self.garbage = [], 0, False

        def forget_tokens(self):
                """As if every session token had expired: GETs with them get 401 from now on."""
                with self._lock:
                        self.forgotten = getattr(self, "forgotten", []) + self.tokens
                        self.tokens = []

        def handle(self, method, path, headers, body):
                if method == "PUT" and path == "/latest/api/token":
                        ttl = headers.get("X-aws-ec2-metadata-token-ttl-seconds") or ""
                        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                                return 400, "text/plain", "missing or invalid TTL header"
                        token = "AQAEA" + _random(string.ascii_letters + string.digits + "_-", 51) + "=="
                        with self._lock:
                                self.tokens.append(token)
                        return 200, "text/plain", token
                if method != "GET":
                        return 405, "text/plain", ""
                with self._lock:
                        if headers.get("X-aws-ec2-metadata-token") not in self.tokens:
                                self.unauthorized += 1
                                return 401, "text/plain", ""
                creds = "/latest/meta-data/iam/security-credentials/"
                if path == "/latest/dynamic/instance-identity/document":
                        doc = {"accountId": "123456789012", "architecture": "x86_64",
                               "availabilityZone": self.region + "a", "imageId": "ami-0123456789abcdef0",
                               "instanceId": self.instance_id, "instanceType": "t3.micro",
                               "pendingTime": iso8601(time.time() - 3600), "privateIp": self.private_ip,
                               "region": self.region, "version": "2017-09-30"}
                        return 200, "text/plain", json.dumps(doc, indent=2)
                if path == creds and self.minter and self.role:
                        return 200, "text/plain", self.role
                if path == creds + str(self.role) and self.minter:
                        if self.garbage:
                                return 200, "text/html", "<html><body>Bad Gateway</body></html>"
                        return 200, "text/plain", _container_json(self.minter.mint())
                return 404, "text/html", "<html>404 - Not Found</html>"


class FakeEcs(_Fake):
        """The ECS/EKS container credentials endpoint; with `token`, the Authorization
        header must equal it (else 401)."""

        def __init__(self, minter, token=None):
                super().__init__()
                self.minter, self.token, self.refused = minter, token, 0

        def handle(self, method, path, headers, body):
                if self.token is not None and headers.get("Authorization") != self.token:
                        with self._lock:
                                self.refused += 1
                        return 401, "application/json", '{"Code":"Unauthorized"}'
                return 200, "application/json", _container_json(self.minter.mint())


_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def _sts_error(status, code, message):
        return status, "text/xml", (f'<ErrorResponse xmlns="{_STS_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
                                    f"<Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>")


class FakeSts(_Fake):
        """STS query API. AssumeRoleWithWebIdentity must be unsigned and carry a token from
        .web_tokens (ExpiredTokenException for one in .expired_tokens); AssumeRole must be
        signed (service sts, `region`) by one of `source_keys` {ak: secret}. .calls: the
        actions that succeeded."""

        def __init__(self, minter, role_arn, source_keys=None, region="us-east-1"):
                super().__init__()
                self.minter, self.role_arn, self.region = minter, role_arn, region
                self.source_keys = {ak: _cwfake.Key(ak, sk) for ak, sk in (source_keys or {}).items()}
                self.web_tokens, self.expired_tokens, self.calls, self.errors = set(), set(), [], []

        def handle(self, method, path, headers, body):
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
                action = form.get("Action")
                if method != "POST" or form.get("Version") != "2011-06-15":
                        return _sts_error(400, "InvalidAction", "bad request")
                if form.get("RoleArn") != self.role_arn:
                        return _sts_error(403, "AccessDenied", "not authorized to assume that role")
                if action == "AssumeRoleWithWebIdentity":
                        if headers.get("Authorization"):
                                return _sts_error(400, "InvalidRequest", "AssumeRoleWithWebIdentity is unsigned")
                        token = form.get("WebIdentityToken")
                        if token in self.expired_tokens:
                                return self._fail(400, "ExpiredTokenException", "Token expired: current date/time "
                                                  "is later than the exp claim")
                        if token not in self.web_tokens:
                                return self._fail(400, "InvalidIdentityToken", "Couldn't verify the token")
                elif action == "AssumeRole":
                        try:
                                _cwfake.verify_sigv4(method, path, headers, body, self.source_keys, self.region, "sts")
                        except _cwfake.ApiError as e:
                                return self._fail(e.status, e.type, "signature check failed")
                else:
                        return _sts_error(400, "InvalidAction", "unknown action")
                ak, sk, token, exp = self.minter.mint()
                with self._lock:
                        self.calls.append(action)
                return 200, "text/xml", (
                        f'<{action}Response xmlns="{_STS_NS}"><{action}Result><Credentials>'
                        f"<AccessKeyId>{ak}</AccessKeyId><SecretAccessKey>{sk}</SecretAccessKey>"
                        f"<SessionToken>{token}</SessionToken><Expiration>{exp}</Expiration>"
                        f"</Credentials></{action}Result><ResponseMetadata><RequestId>1</RequestId>"
                        f"</ResponseMetadata></{action}Response>")

        def _fail(self, status, code, message):
                with self._lock:
                        self.errors.append(code)
                return _sts_error(status, code, message)


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------

def make_self_signed(directory):
        """A self-signed certificate for localhost and 127.0.0.1 made by the openssl CLI;
        returns (cert_path, key_path). The certificate is its own CA."""
        d = Path(directory)
        cert, key = d / "cert.pem", d / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-addext", "basicConstraints=critical,CA:TRUE",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        return cert, key


class TlsProxy:
        """Terminates TLS on 127.0.0.1:PORT and forwards the plain bytes to target_port.
        .handshake_failures counts clients that refused the certificate."""

        def __init__(self, target_port, cert, key):
                self.target_port = target_port
                self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                self.ctx.load_cert_chain(str(cert), str(key))
                self.handshake_failures = 0
                self._sock = socket.socket()
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self._sock.bind(("127.0.0.1", 0))
                self._sock.listen(64)
                self._stop = threading.Event()
                self.port = self._sock.getsockname()[1]
                self._thread = None

        def start(self):
                self._thread = threading.Thread(target=self._accept, daemon=True)
                self._thread.start()
                return self

        def stop(self):
                self._stop.set()
                self._sock.close()
                if self._thread:
                        self._thread.join(5)

        def _accept(self):
                while not self._stop.is_set():
                        try:
                                conn, _ = self._sock.accept()
                        except OSError:
                                return
                        threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

        def _serve(self, conn):
                conn.settimeout(10)
                try:
                        tls = self.ctx.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                        self.handshake_failures += 1
                        conn.close()
                        return
                try:
                        up = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                except OSError:
                        tls.close()
                        return
                threading.Thread(target=self._pump, args=(up, tls), daemon=True).start()
                self._pump(tls, up)

        @staticmethod
        def _pump(src, dst):
                try:
                        while True:
                                data = src.recv(65536)
                                if not data:
                                        break
                                dst.sendall(data)
                except OSError:
                        pass
                for s in (src, dst):
                        try:
                                s.close()
                        except OSError:
                                pass
