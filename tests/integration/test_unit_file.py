# SPDX-License-Identifier: MIT
"""units/cwlogd.service: what systemd itself says about it.

- `systemd-analyze verify` finds nothing to complain about (the unit is checked from a
  temporary copy whose ExecStart= points at the built binary, and whose man pages are
  found through MANPATH, so Documentation= is checked too);
- `systemd-analyze security --offline=yes` rates the exposure 2.0 or lower (SPEC §8);
- every directive the spec and the packaging rely on is there with its value;
- meson installs the unit to the configured unit directory with this build's bindir.

Needs systemd-analyze (skips without it). The verify test needs a built binary:
$CWLOGD_BINARY, or src/cwlogd in $CWLOGD_BUILD_DIR (default: build/ in the source tree).
Run with /usr/bin/python3 -m pytest.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNIT = os.path.join(SRCDIR, "units", "cwlogd.service")
MAX_EXPOSURE = 2.0

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="systemd-analyze is not installed")


def built_binary():
    path = os.environ.get("CWLOGD_BINARY")
    if not path:
        builddir = os.environ.get("CWLOGD_BUILD_DIR", os.path.join(SRCDIR, "build"))
        path = os.path.join(builddir, "src", "cwlogd")
    return os.path.abspath(path)


def parse_unit(path):
    """Returns {(section, key): [values...]} with continuation lines joined."""
    out = {}
    section = None
    pending = ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = pending + raw.rstrip("\n")
            pending = ""
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.startswith("[") and s.endswith("]"):
                section = s[1:-1]
                continue
            key, _, value = s.partition("=")
            out.setdefault((section, key.strip()), []).append(value.strip())
    return out


@pytest.fixture
def tmpdir_clean():
    d = tempfile.mkdtemp(prefix="cwlogd-unit-test-")
    try:
        yield d
    finally:
        shutil.rmtree(d)


def build_man_pages(dest):
    """Renders man/*.scd into dest/manN/ so `man cwlogd(8)` resolves with MANPATH=dest."""
    if shutil.which("scdoc") is None:
        pytest.skip("scdoc is not installed, cannot check Documentation=")
    for page in ("cwlogd.8", "cwlogd.conf.5"):
        section = page.rsplit(".", 1)[1]
        os.makedirs(os.path.join(dest, "man" + section), exist_ok=True)
        with open(os.path.join(SRCDIR, "man", page + ".scd"), "rb") as src, \
             open(os.path.join(dest, "man" + section, page), "wb") as out:
            subprocess.run(["scdoc"], stdin=src, stdout=out, check=True)


def test_verify_is_clean(tmpdir_clean):
    binary = built_binary()
    if not os.access(binary, os.X_OK):
        pytest.skip(f"no built cwlogd at {binary} (build first or set CWLOGD_BINARY)")

    with open(UNIT, encoding="utf-8") as f:
        text = f.read()
    assert re.search(r"^ExecStart=/usr/bin/cwlogd$", text, re.M)
    unit_copy = os.path.join(tmpdir_clean, "cwlogd.service")
    with open(unit_copy, "w", encoding="utf-8") as f:
        f.write(re.sub(r"^ExecStart=/usr/bin/cwlogd$", f"ExecStart={binary}", text, flags=re.M))

    mandir = os.path.join(tmpdir_clean, "man")
    build_man_pages(mandir)

    env = dict(os.environ, MANPATH=mandir)
    r = subprocess.run(["systemd-analyze", "verify", unit_copy],
                       capture_output=True, text=True, env=env, cwd=tmpdir_clean)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr
    assert r.stdout.strip() == "", r.stdout


def test_verify_catches_a_missing_binary(tmpdir_clean):
    """The verify check is meaningful: a unit pointing at nothing does fail."""
    with open(UNIT, encoding="utf-8") as f:
        text = f.read()
    unit_copy = os.path.join(tmpdir_clean, "cwlogd.service")
    with open(unit_copy, "w", encoding="utf-8") as f:
        f.write(re.sub(r"^ExecStart=.*$", f"ExecStart={tmpdir_clean}/no-such-binary",
                       text, flags=re.M))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", unit_copy],
                       capture_output=True, text=True, cwd=tmpdir_clean)
    assert r.returncode != 0
    assert "no-such-binary" in r.stderr


def test_security_exposure_is_at_most_2():
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", UNIT],
                       capture_output=True, text=True, cwd=SRCDIR)
    assert r.returncode == 0, r.stderr
    m = re.search(r"Overall exposure level for cwlogd\.service: (\d+(?:\.\d+)?)", r.stdout)
    assert m, r.stdout
    exposure = float(m.group(1))
    assert exposure <= MAX_EXPOSURE, r.stdout


REQUIRED = {
    ("Unit", "Documentation"): "man:cwlogd(8) man:cwlogd.conf(5)",
    ("Service", "Type"): "notify",
    ("Service", "NotifyAccess"): "main",
    ("Service", "ExecStart"): "/usr/bin/cwlogd",
    ("Service", "ExecReload"): "/bin/kill -HUP $MAINPID",
    ("Service", "WatchdogSec"): "30s",
    ("Service", "Restart"): "on-failure",
    ("Service", "RestartSec"): "5s",
    ("Service", "TimeoutStopSec"): "30s",
    ("Service", "DynamicUser"): "yes",
    ("Service", "SupplementaryGroups"): "systemd-journal adm",
    ("Service", "StateDirectory"): "cwlogd",
    ("Service", "ConfigurationDirectory"): "cwlogd",
    ("Service", "RuntimeDirectory"): "cwlogd",
    ("Service", "UMask"): "0077",
    ("Service", "ProtectSystem"): "strict",
    ("Service", "ProtectHome"): "yes",
    ("Service", "PrivateTmp"): "yes",
    ("Service", "PrivateDevices"): "yes",
    ("Service", "DevicePolicy"): "closed",
    ("Service", "ProtectKernelTunables"): "yes",
    ("Service", "ProtectKernelModules"): "yes",
    ("Service", "ProtectKernelLogs"): "yes",
    ("Service", "ProtectControlGroups"): "yes",
    ("Service", "ProtectClock"): "yes",
    ("Service", "ProtectHostname"): "yes",
    ("Service", "ProtectProc"): "invisible",
    ("Service", "RestrictAddressFamilies"): "AF_INET AF_INET6 AF_UNIX",
    ("Service", "RestrictNamespaces"): "yes",
    ("Service", "LockPersonality"): "yes",
    ("Service", "MemoryDenyWriteExecute"): "yes",
    ("Service", "RestrictRealtime"): "yes",
    ("Service", "RestrictSUIDSGID"): "yes",
    ("Service", "SystemCallArchitectures"): "native",
    ("Service", "CapabilityBoundingSet"): "",
    ("Service", "NoNewPrivileges"): "yes",
    ("Install", "WantedBy"): "multi-user.target",
}


@pytest.mark.parametrize("section,key", sorted(REQUIRED), ids=lambda v: str(v))
def test_required_directive(section, key):
    unit = parse_unit(UNIT)
    assert (section, key) in unit, f"[{section}] {key}= missing"
    assert REQUIRED[(section, key)] in unit[(section, key)], unit[(section, key)]


def test_environment_file_is_optional():
    """A missing /etc/default/cwlogd must not stop the service: the '-' prefix."""
    values = parse_unit(UNIT).get(("Service", "EnvironmentFile"), [])
    assert "-/etc/default/cwlogd" in values
    assert all(v.startswith("-") for v in values), values


def test_syscall_filter_allows_services_denies_privileged():
    values = parse_unit(UNIT).get(("Service", "SystemCallFilter"), [])
    assert "@system-service" in values
    denied = [v for v in values if v.startswith("~")]
    assert denied, values
    denied_sets = " ".join(denied)[1:].split()
    assert "@privileged" in denied_sets and "@resources" in denied_sets


def test_no_ip_address_deny():
    """cwlogd must reach any AWS endpoint, a proxy and the metadata service."""
    unit = parse_unit(UNIT)
    assert ("Service", "IPAddressDeny") not in unit
    assert ("Service", "PrivateNetwork") not in unit


@pytest.mark.skipif(shutil.which("meson") is None, reason="meson is not installed")
def test_meson_installs_unit_with_bindir(tmpdir_clean):
    """-Dsystemdsystemunitdir= is honoured and ExecStart= follows the prefix."""
    builddir = os.path.join(tmpdir_clean, "build")
    unitdir = os.path.join(tmpdir_clean, "units-here")
    r = subprocess.run(["meson", "setup", builddir, SRCDIR, "--prefix=/opt/cwlogd-test",
                        "-Dsystemdsystemunitdir=" + unitdir, "-Dman=disabled"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

    generated = os.path.join(builddir, "units", "cwlogd.service")
    unit = parse_unit(generated)
    assert unit[("Service", "ExecStart")] == ["/opt/cwlogd-test/bin/cwlogd"]
    # Nothing but ExecStart= differs from the source.
    source = parse_unit(UNIT)
    del unit[("Service", "ExecStart")], source[("Service", "ExecStart")]
    assert unit == source

    r = subprocess.run(["meson", "introspect", "--installed", builddir],
                       capture_output=True, text=True, check=True)
    installed = json.loads(r.stdout)
    assert installed.get(generated) == os.path.join(unitdir, "cwlogd.service"), installed
