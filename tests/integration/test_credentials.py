"""AWS credentials, regions and TLS wherever cwlogd runs (SPEC §6), end to end: the real
binary, the CloudWatch fake checking every signature, and loopback fakes of IMDS, the
ECS/EKS container endpoint and STS (awsfakes.py) found through the SDK environment
variables. A test asserts which keys signed what the fake stored, that no secret reaches
the log, and that the daemon keeps retrying through broken credential sources and ships
once they work.

Deliberately not here: the providers' parsers and the chain's caching rules (unit tests),
real AWS."""

import os
import shutil
import signal
import socket
import stat
import tempfile
import time
from pathlib import Path

import pytest

import awsfakes
import cwfake as _cwfake
from conftest import random_key_pair

ROLE_ARN = "arn:aws:iam::123456789012:role/cwlogd-test"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def file_config(cwlogd, workdir, general="", stream="s", lines=("one", "two", "three")):
        """A config shipping WORKDIR/app.log to group g; returns the log's path."""
        log = workdir / "app.log"
        log.write_text("".join(line + "\n" for line in lines))
        cwlogd.write_config(f"[general]\n{general}\n[app]\nfile = {log}\nlog_group_name = g\n"
                            f"log_stream_name = {stream}\nbuffer_duration = 200\n")
        return log


def logs_env(cw):
        """Region and endpoint of the CloudWatch fake, no credentials."""
        return {"AWS_REGION": cw.region, "AWS_ENDPOINT_URL_LOGS": cw.url}


def signing_keys(cw):
        return {r["access_key"] for r in cw.requests("PutLogEvents") if r["access_key"]}


def append(path, *lines):
        with open(path, "a") as f:
                f.write("".join(line + "\n" for line in lines))


def messages(cw, stream="s"):
        return [m for _, m in cw.events("g", stream)]


def assert_no_secret(text, secrets):
        for s in secrets:
                assert s and s not in text, f"a secret ({s[:4]}…) appears in the log"


def write_script(path, text):
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return path


@pytest.fixture
def fakes():
        """Starts awsfakes servers and stops them after the test: fakes(server) -> server."""
        started = []

        def start(server):
                started.append(server.start())
                return server

        yield start
        for s in started:
                s.stop()


# --------------------------------------------------------------------------
# Each provider, alone: cwlogd signs with exactly what it returned
# --------------------------------------------------------------------------

def _provider_env(name, cw, workdir, fakes):
        """(environment, general config lines, access keys that may sign, secrets, minter or None)."""
        ak, sk = random_key_pair()
        secret_list = [sk]
        if name == "environment":
                cw.add_key(ak, sk)
                return {"AWS_ACCESS_KEY_ID": ak, "AWS_SECRET_ACCESS_KEY": sk}, "", {ak}, secret_list, None
        if name == "systemd-credential":
                cw.add_key(ak, sk)
                d = workdir / "credentials"
                d.mkdir()
                (d / "aws-credentials").write_text(f"[default]\naws_access_key_id = {ak}\n"
                                                   f"aws_secret_access_key = {sk}\n")
                return {"CREDENTIALS_DIRECTORY": str(d)}, "", {ak}, secret_list, None
        if name in ("shared-file-AWS_PROFILE", "shared-file-config-profile"):
                cw.add_key(ak, sk)
                other_ak, other_sk = random_key_pair()  # [default]: never used, not known to the fake
                secret_list.append(other_sk)
                creds = workdir / "aws-credentials"
                creds.write_text(f"[default]\naws_access_key_id = {other_ak}\naws_secret_access_key = {other_sk}\n\n"
                                 f"[ops]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n")
                env = {"AWS_SHARED_CREDENTIALS_FILE": str(creds)}
                if name == "shared-file-AWS_PROFILE":
                        env["AWS_PROFILE"] = "ops"
                        return env, "profile = nonexistent", {ak}, secret_list, None
                return env, "profile = ops", {ak}, secret_list, None
        minter = awsfakes.KeyMinter(cw)
        if name == "credential_process":
                _, psk, ptok, exp = minter.mint()
                pak = minter.issued[-1][0]
                script = write_script(workdir / "creds.sh", "#!/bin/sh\ncat <<EOF\n"
                                      f'{{"Version": 1, "AccessKeyId": "{pak}", "SecretAccessKey": "{psk}", '
                                      f'"SessionToken": "{ptok}", "Expiration": "{exp}"}}\nEOF\n')
                config = workdir / "aws-config"
                config.write_text(f"[default]\ncredential_process = {script}\n")
                return {"AWS_CONFIG_FILE": str(config)}, "", {pak}, minter.secrets, minter
        if name == "web-identity":
                sts = fakes(awsfakes.FakeSts(minter, ROLE_ARN))
                token = "eyJhbGciOiJSUzI1NiJ9." + random_key_pair()[1].replace("/", "_").replace("+", "-")
                sts.web_tokens.add(token)
                (workdir / "token").write_text(token)
                env = {"AWS_WEB_IDENTITY_TOKEN_FILE": str(workdir / "token"), "AWS_ROLE_ARN": ROLE_ARN,
                       "AWS_ENDPOINT_URL_STS": sts.url}
                return env, "", minter, minter.secrets + [token], minter
        if name == "assume-role":
                sts = fakes(awsfakes.FakeSts(minter, ROLE_ARN, source_keys={ak: sk}, region=cw.region))
                (workdir / "aws-credentials").write_text(f"[base]\naws_access_key_id = {ak}\n"
                                                         f"aws_secret_access_key = {sk}\n")
                (workdir / "aws-config").write_text(f"[profile dev]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n")
                env = {"AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws-credentials"),
                       "AWS_CONFIG_FILE": str(workdir / "aws-config"), "AWS_PROFILE": "dev",
                       "AWS_ENDPOINT_URL_STS": sts.url}
                return env, "", minter, minter.secrets + secret_list, minter
        if name in ("ecs", "ecs-token-file"):
                token = "Bearer-" + random_key_pair()[1]
                ecs = fakes(awsfakes.FakeEcs(minter, token=token))
                env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": ecs.url + "/v1/credentials"}
                if name == "ecs":
                        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
                else:
                        (workdir / "ecs-token").write_text(token + "\n")
                        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(workdir / "ecs-token")
                        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong-token-ignored-when-file-set"
                return env, "", minter, minter.secrets + [token], minter
        if name == "imds":
                imds = fakes(awsfakes.FakeImds(minter))
                env = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url, "AWS_EC2_METADATA_DISABLED": "false"}
                return env, "", minter, minter.secrets, (minter, imds)
        raise AssertionError(name)


PROVIDERS = ["environment", "systemd-credential", "shared-file-AWS_PROFILE", "shared-file-config-profile",
             "credential_process", "web-identity", "assume-role", "ecs", "ecs-token-file", "imds"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_signs_with_its_own_keys(provider, cwlogd, cwfake, workdir, fakes):
        env, general, allowed, secret_list, extra = _provider_env(provider, cwfake, workdir, fakes)
        file_config(cwlogd, workdir, general=general)
        r = cwlogd.run("--once", "--log-level=debug", env={**logs_env(cwfake), **env}, timeout=60)
        assert r.returncode == 0, r.stderr[-3000:]
        assert messages(cwfake) == ["one", "two", "three"]
        allowed = set(allowed.access_keys()) if isinstance(allowed, awsfakes.KeyMinter) else allowed
        used = signing_keys(cwfake)
        assert used and used <= allowed, (used, allowed)
        assert cwfake.access_key not in used  # the fixture's own key was never handed to cwlogd
        if isinstance(extra, tuple):  # IMDS: its session tokens are secrets too, and v1 was never tried
                secret_list = secret_list + extra[1].tokens
                assert extra[1].unauthorized == 0
        assert_no_secret(r.stdout + r.stderr, secret_list)


def test_all_providers_in_one_debug_run_log_no_secret(cwlogd, cwfake, workdir, fakes):
        """Every provider configured at once, each but the last broken in its own way, so a
        single run at debug level walks the whole chain; no secret of any reaches the log."""
        minter = awsfakes.KeyMinter(cwfake)
        sts = fakes(awsfakes.FakeSts(minter, ROLE_ARN))
        web_token = "eyJ.web-identity-" + random_key_pair()[1]
        sts.expired_tokens.add(web_token)
        (workdir / "token").write_text(web_token)
        ecs_token = "ecs-auth-" + random_key_pair()[1]
        ecs = fakes(awsfakes.FakeEcs(minter, token=ecs_token))
        ecs.down(503)
        imds = fakes(awsfakes.FakeImds(minter))
        ak, sk = random_key_pair()
        (workdir / "aws-credentials").write_text(f"[default]\naws_access_key_id = {ak}\n")  # half a pair
        broken_sk = random_key_pair()[1]
        script = write_script(workdir / "creds.sh", f"#!/bin/sh\necho 'not json {broken_sk}'\n")
        (workdir / "aws-config").write_text(f"[default]\ncredential_process = {script}\n")
        env = {"AWS_SECRET_ACCESS_KEY": sk,  # half a pair in the environment too
               "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws-credentials"),
               "AWS_CONFIG_FILE": str(workdir / "aws-config"),
               "AWS_WEB_IDENTITY_TOKEN_FILE": str(workdir / "token"), "AWS_ROLE_ARN": ROLE_ARN,
               "AWS_ENDPOINT_URL_STS": sts.url,
               "AWS_CONTAINER_CREDENTIALS_FULL_URI": ecs.url + "/creds?secret=" + ecs_token,
               "AWS_CONTAINER_AUTHORIZATION_TOKEN": ecs_token,
               "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url, "AWS_EC2_METADATA_DISABLED": "false"}
        file_config(cwlogd, workdir, stream="{instance_id}")
        r = cwlogd.run("--once", "--log-level=debug", env={**logs_env(cwfake), **env}, timeout=60)
        out = r.stdout + r.stderr
        assert r.returncode == 0, out[-3000:]
        assert messages(cwfake, "i-0123456789abcdef0") == ["one", "two", "three"]
        assert signing_keys(cwfake) <= set(minter.access_keys())
        assert sts.errors and ecs.requests() and imds.tokens
        for why in ("ExpiredTokenException", "HTTP 503", "only one of"):
                assert why in out, why
        assert_no_secret(out, minter.secrets + imds.tokens + [sk, broken_sk, web_token, ecs_token])


# --------------------------------------------------------------------------
# Refresh, outages
# --------------------------------------------------------------------------

def _imds_daemon(cwlogd, cwfake, workdir, fakes, lifetime=3600):
        minter = awsfakes.KeyMinter(cwfake, lifetime=lifetime)
        imds = fakes(awsfakes.FakeImds(minter))
        log = file_config(cwlogd, workdir, lines=["first"])
        env = {**logs_env(cwfake), "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url, "AWS_EC2_METADATA_DISABLED": "false"}
        return minter, imds, log, env


@pytest.mark.parametrize("lifetime", [303, 3600], ids=["refresh-ahead-of-expiry", "service-says-expired"])
def test_expiring_credentials_are_refreshed_mid_run(lifetime, cwlogd, cwfake, workdir, fakes):
        """303 s: the chain refreshes 300 s ahead of expiry, so new keys come within seconds;
        3600 s: the fake declares the keys expired early and cwlogd must fetch new ones."""
        minter, imds, log, env = _imds_daemon(cwlogd, cwfake, workdir, fakes, lifetime)
        p = cwlogd.start(env=env)
        assert cwfake.wait_events("g", "s", 1) == [(cwfake.events("g", "s")[0][0], "first")]
        first = signing_keys(cwfake)
        assert len(first) == 1
        imds.forget_tokens()  # the next fetch must notice (401) and get a new session token
        if lifetime < 3600:
                n = 0
                while not (signing_keys(cwfake) - first) and n < 40:
                        n += 1
                        append(log, f"tick {n}")
                        cwfake.wait_events("g", "s", n + 1, timeout=5)
                        time.sleep(0.5)
                assert signing_keys(cwfake) - first, cwlogd.log(p)[-3000:]
        cwfake.expire_key(first.pop())
        append(log, "after expiry 1", "after expiry 2")
        got = cwfake.wait_for(lambda f: "after expiry 2" in messages(f), timeout=30)
        assert got, cwlogd.log(p)[-3000:]
        last = [r for r in cwfake.requests("PutLogEvents") if r["status"] == 200][-1]
        assert last["access_key"] in minter.access_keys()[1:]
        assert imds.unauthorized >= 1 and imds.tokens
        assert_no_secret(cwlogd.log(p), minter.secrets + imds.tokens + imds.forgotten)
        assert cwfake.unexplained_duplicates() == []
        assert cwlogd.stop(p) == 0


def test_imds_briefly_down_then_ships(cwlogd, cwfake, workdir, fakes):
        minter, imds, log, env = _imds_daemon(cwlogd, cwfake, workdir, fakes)
        imds.down(500, seconds=3)
        p = cwlogd.start(env=env)
        assert cwfake.wait_events("g", "s", 1, timeout=45) != [], cwlogd.log(p)[-3000:]
        out = cwlogd.log(p)
        assert "EC2 metadata service answered HTTP 500" in out
        assert messages(cwfake) == ["first"]
        assert signing_keys(cwfake) <= set(minter.access_keys())
        assert cwlogd.stop(p) == 0


@pytest.mark.parametrize("fault", ["404", "500", "garbage"])
def test_imds_broken_answers_are_reported_and_retried(fault, cwlogd, cwfake, workdir, fakes):
        minter, imds, log, env = _imds_daemon(cwlogd, cwfake, workdir, fakes)
        if fault == "garbage":
                imds.garbage = True
        else:
                imds.down(int(fault), body="<html>nope</html>")
        p = cwlogd.start(env=env)
        expect = {"404": "No AWS credentials available", "500": "answered HTTP 500",
                  "garbage": "answered something that is not credentials"}[fault]
        assert cwfake.wait_for(lambda f: expect in cwlogd.log(p), timeout=20), cwlogd.log(p)[-3000:]
        assert messages(cwfake) == []
        imds.garbage = False
        imds.up()
        assert cwfake.wait_events("g", "s", 1, timeout=45) != [], cwlogd.log(p)[-3000:]
        assert signing_keys(cwfake) <= set(minter.access_keys())
        assert cwlogd.stop(p) == 0


# --------------------------------------------------------------------------
# Region and host facts from IMDS
# --------------------------------------------------------------------------

def test_region_and_instance_id_from_imds(cwlogd, workdir, fakes):
        ak, sk = random_key_pair()
        with _cwfake.FakeCloudWatch(keys={ak: sk}, region="eu-west-3") as cw:
                imds = fakes(awsfakes.FakeImds(None, region="eu-west-3", instance_id="i-0fedcba9876543210",
                                               private_ip="10.9.8.7"))
                file_config(cwlogd, workdir, stream="{instance_id}_{ip_address}")
                # A proxy that is not there, bypassed for CloudWatch only: IMDS must never be proxied.
                env = {"AWS_ACCESS_KEY_ID": ak, "AWS_SECRET_ACCESS_KEY": sk, "AWS_ENDPOINT_URL_LOGS": cw.url,
                       "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url.replace("127.0.0.1", "localhost"),
                       "AWS_EC2_METADATA_DISABLED": "false", "http_proxy": "http://127.0.0.1:9",
                       "no_proxy": "127.0.0.1"}
                r = cwlogd.run("--once", env=env, timeout=60)
                assert r.returncode == 0, r.stderr[-3000:]
                assert [m for _, m in cw.events("g", "i-0fedcba9876543210_10.9.8.7")] == ["one", "two", "three"]
                assert imds.unauthorized == 0 and imds.tokens
                assert "region eu-west-3" in r.stderr

                # Nothing names a region and IMDS is off: a clear configuration error.
                r = cwlogd.run("--once", env={**env, "AWS_EC2_METADATA_DISABLED": "true"}, timeout=60)
                assert r.returncode == 1
                assert "No AWS region configured" in r.stderr


def test_configured_region_wins_over_imds(cwlogd, cwfake, workdir, fakes):
        imds = fakes(awsfakes.FakeImds(None, region="eu-west-3"))
        file_config(cwlogd, workdir, stream="{instance_id}")
        env = {**cwfake.env(), "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url, "AWS_EC2_METADATA_DISABLED": "false"}
        r = cwlogd.run("--once", env=env, timeout=60)
        assert r.returncode == 0, r.stderr[-3000:]
        assert messages(cwfake, "i-0123456789abcdef0") == ["one", "two", "three"]


def test_instance_id_is_hostname_off_ec2(cwlogd, cwfake, workdir, fakes):
        imds = fakes(awsfakes.FakeImds(None))
        file_config(cwlogd, workdir, stream="{instance_id}")
        env = {**cwfake.env(), "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url, "AWS_EC2_METADATA_DISABLED": "true"}
        r = cwlogd.run("--once", env=env, timeout=60)
        assert r.returncode == 0, r.stderr[-3000:]
        assert messages(cwfake, socket.gethostname()) == ["one", "two", "three"]
        assert imds.requests() == []

        # No metadata service at all (nothing listens there): the host name too, quietly.
        cwfake.clear()
        for f in cwlogd.state_dir.iterdir():  # ship the file again from the start
                f.unlink()
        with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        r = cwlogd.run("--once", env={**env, "AWS_EC2_METADATA_SERVICE_ENDPOINT": dead,
                                      "AWS_EC2_METADATA_DISABLED": "false"}, timeout=60)
        assert r.returncode == 0, r.stderr[-3000:]
        assert messages(cwfake, socket.gethostname()) == ["one", "two", "three"]
        assert "warning" not in r.stderr.lower(), r.stderr


def test_dry_run_never_asks_imds(cwlogd, workdir, fakes):
        imds = fakes(awsfakes.FakeImds(None))
        file_config(cwlogd, workdir, stream="{instance_id}")
        r = cwlogd.run("--dry-run", "--once", env={"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url,
                                                   "AWS_EC2_METADATA_DISABLED": "false"}, timeout=60)
        assert r.returncode == 0, r.stderr[-3000:]
        assert socket.gethostname() in r.stdout
        assert imds.requests() == []


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------

@pytest.fixture
def tls_cwfake(cwfake):
        """(proxy, cert): a TLS proxy with a self-signed certificate in front of cwfake."""
        if shutil.which("openssl") is None:
                pytest.skip("openssl CLI not found")
        d = Path(tempfile.mkdtemp(prefix="cwlogd-tls."))
        cert, key = awsfakes.make_self_signed(d)
        proxy = awsfakes.TlsProxy(cwfake.port, cert, key).start()
        yield proxy, cert
        proxy.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_tls_self_signed_is_refused_by_default(cwlogd, cwfake, workdir, tls_cwfake):
        proxy, cert = tls_cwfake
        file_config(cwlogd, workdir)
        env = {**cwfake.env(), "AWS_ENDPOINT_URL_LOGS": f"https://localhost:{proxy.port}"}
        p = cwlogd.start(env=env)
        assert cwfake.wait_for(lambda f: "TLS with 'localhost:" in cwlogd.log(p), timeout=20), cwlogd.log(p)
        assert proxy.handshake_failures >= 1
        assert cwfake.requests() == []
        assert "ca_bundle" in cwlogd.log(p)
        cwlogd.stop(p, sig=signal.SIGKILL)  # a TERM would wait out the drain timeout for the unsent event


@pytest.mark.parametrize("how", ["ca_bundle", "AWS_CA_BUNDLE"])
def test_tls_with_configured_ca_is_accepted(how, cwlogd, cwfake, workdir, tls_cwfake):
        proxy, cert = tls_cwfake
        env = {**cwfake.env(), "AWS_ENDPOINT_URL_LOGS": f"https://localhost:{proxy.port}"}
        if how == "ca_bundle":
                file_config(cwlogd, workdir, general=f"ca_bundle = {cert}")
        else:
                file_config(cwlogd, workdir)
                env["AWS_CA_BUNDLE"] = str(cert)
        r = cwlogd.run("--once", env=env, timeout=60)
        assert r.returncode == 0, r.stderr[-3000:]
        assert messages(cwfake) == ["one", "two", "three"]
        assert proxy.handshake_failures == 0


# --------------------------------------------------------------------------
# Bad input: clear errors, retries, and shipping once it is fixed
# --------------------------------------------------------------------------

def test_malformed_credentials_file_then_fixed(cwlogd, cwfake, workdir):
        creds = workdir / "aws-credentials"
        creds.write_text(f"[default]\naws_access_key_id = {cwfake.access_key}\nthis line is not ini\n")
        file_config(cwlogd, workdir, lines=["x"])
        p = cwlogd.start(env={**logs_env(cwfake), "AWS_SHARED_CREDENTIALS_FILE": str(creds)})
        assert cwfake.wait_for(lambda f: f"{creds}:3" in cwlogd.log(p), timeout=20), cwlogd.log(p)
        creds.write_text(f"[default]\naws_access_key_id = {cwfake.access_key}\n"
                         f"aws_secret_access_key = {cwfake.secret_key}\n")
        assert cwfake.wait_events("g", "s", 1, timeout=45) != [], cwlogd.log(p)[-3000:]
        assert messages(cwfake) == ["x"]
        assert_no_secret(cwlogd.log(p), [cwfake.secret_key])
        assert cwlogd.stop(p) == 0


def test_credential_process_garbage_then_fixed(cwlogd, cwfake, workdir):
        marker = workdir / "fixed"
        script = write_script(workdir / "creds.sh", f"""#!/bin/sh
if [ -e {marker} ]; then
  printf '{{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}}' {cwfake.access_key} '{cwfake.secret_key}'
else
  echo '<html>garbage {cwfake.secret_key}</html>'
fi
""")
        (workdir / "aws-config").write_text(f"[default]\ncredential_process = {script}\n")
        file_config(cwlogd, workdir, lines=["x"])
        p = cwlogd.start(env={**logs_env(cwfake), "AWS_CONFIG_FILE": str(workdir / "aws-config")})
        assert cwfake.wait_for(lambda f: "credential_process" in cwlogd.log(p), timeout=20), cwlogd.log(p)
        marker.touch()
        assert cwfake.wait_events("g", "s", 1, timeout=45) != [], cwlogd.log(p)[-3000:]
        assert_no_secret(cwlogd.log(p), [cwfake.secret_key])
        assert cwlogd.stop(p) == 0


@pytest.mark.slow
def test_credential_process_that_hangs_is_killed_and_retried(cwlogd, cwfake, workdir):
        """The first run hangs past CREDENTIAL_PROCESS_TIMEOUT_SEC (60 s) and is killed; the
        next one answers."""
        marker, pidfile = workdir / "ran-once", workdir / "hung.pid"
        script = write_script(workdir / "creds.sh", f"""#!/bin/sh
if [ ! -e {marker} ]; then
  touch {marker}
  echo $$ > {pidfile}
  exec sleep 600
fi
printf '{{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}}' {cwfake.access_key} '{cwfake.secret_key}'
""")
        (workdir / "aws-config").write_text(f"[default]\ncredential_process = {script}\n")
        file_config(cwlogd, workdir, lines=["x"])
        p = cwlogd.start(env={**logs_env(cwfake), "AWS_CONFIG_FILE": str(workdir / "aws-config")})
        assert cwfake.wait_events("g", "s", 1, timeout=100) != [], cwlogd.log(p)[-3000:]
        hung = int(pidfile.read_text())
        assert not os.path.exists(f"/proc/{hung}") or "zombie" in Path(f"/proc/{hung}/status").read_text()
        assert "credential_process" in cwlogd.log(p)
        assert cwlogd.stop(p) == 0


def test_expired_web_identity_token_then_renewed(cwlogd, cwfake, workdir, fakes):
        minter = awsfakes.KeyMinter(cwfake)
        sts = fakes(awsfakes.FakeSts(minter, ROLE_ARN))
        old, new = "eyJ.old-" + random_key_pair()[1], "eyJ.new-" + random_key_pair()[1]
        sts.expired_tokens.add(old)
        sts.web_tokens.add(new)
        token_file = workdir / "token"
        token_file.write_text(old)
        file_config(cwlogd, workdir, lines=["x"])
        p = cwlogd.start(env={**logs_env(cwfake), "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
                              "AWS_ROLE_ARN": ROLE_ARN, "AWS_ENDPOINT_URL_STS": sts.url})
        assert cwfake.wait_for(lambda f: "ExpiredTokenException" in cwlogd.log(p), timeout=20), cwlogd.log(p)
        assert messages(cwfake) == []
        token_file.write_text(new)  # the kubelet rotates the projected token
        assert cwfake.wait_events("g", "s", 1, timeout=45) != [], cwlogd.log(p)[-3000:]
        assert sts.calls == ["AssumeRoleWithWebIdentity"]
        assert signing_keys(cwfake) <= set(minter.access_keys())
        assert_no_secret(cwlogd.log(p), [old, new] + minter.secrets)
        assert cwlogd.stop(p) == 0


def test_assume_role_with_wrong_source_keys_is_refused(cwlogd, cwfake, workdir, fakes):
        """The STS fake really checks the AssumeRole signature: keys it does not know fail."""
        minter = awsfakes.KeyMinter(cwfake)
        ak, sk = random_key_pair()
        sts = fakes(awsfakes.FakeSts(minter, ROLE_ARN, source_keys={ak: sk + "x"}, region=cwfake.region))
        (workdir / "aws-credentials").write_text(f"[base]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n")
        (workdir / "aws-config").write_text(f"[profile dev]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n")
        file_config(cwlogd, workdir, lines=["x"])
        r = cwlogd.run("--once", env={**logs_env(cwfake), "AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_STS": sts.url,
                                      "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws-credentials"),
                                      "AWS_CONFIG_FILE": str(workdir / "aws-config")}, timeout=60)
        assert r.returncode == 2
        assert "InvalidSignatureException" in r.stderr
        assert sts.calls == [] and messages(cwfake) == []
