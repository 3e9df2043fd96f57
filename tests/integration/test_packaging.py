# SPDX-License-Identifier: MIT
"""The .deb and the .rpm, built by tools/package from this tree (SPEC §9).

- both build (dpkg-buildpackage -us -uc -b, rpmbuild -bb), into a temporary directory;
- lintian reports no errors on the .deb;
- each package holds the binary, the unit, the configuration (a conffile /
  %config(noreplace)), conf.d/, both man pages and the copyright, and runs the
  systemd maintainer scripts (enable on install, restart on upgrade);
- the .deb installs with `dpkg -i` on this machine, enables the unit, and
  `dpkg --purge` removes every trace again.

Slow (two package builds): deselect with -m "not slow". Skips when the package tools are
missing. The install test needs root and a machine where cwlogd is not installed; it
modifies the real system and restores it (this is meant for a throwaway test machine).
Under a running systemd the postinst would start cwlogd with the shipped configuration,
which has no streams; here systemd is not PID 1, so deb-systemd-invoke does nothing
(and a policy-rc.d that forbids starting services is honoured as well).
"""

import glob
import os
import shutil
import subprocess
import tempfile

import pytest

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKAGE = os.path.join(SRCDIR, "tools", "package")

pytestmark = pytest.mark.slow

DEB_FILES = [
    "./usr/bin/cwlogd",
    "./lib/systemd/system/cwlogd.service",
    "./etc/cwlogd/cwlogd.conf",
    "./etc/cwlogd/conf.d/",
    "./usr/share/man/man8/cwlogd.8.gz",
    "./usr/share/man/man5/cwlogd.conf.5.gz",
    "./usr/share/doc/cwlogd/copyright",
]

RPM_FILES = [
    "/usr/bin/cwlogd",
    "/usr/lib/systemd/system/cwlogd.service",
    "/etc/cwlogd/cwlogd.conf",
    "/etc/cwlogd/conf.d",
]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def outdir():
    d = tempfile.mkdtemp(prefix="cwlogd-packages-")
    try:
        yield d
    finally:
        shutil.rmtree(d)


def build(kind, outdir):
    r = run([PACKAGE, kind, outdir])
    assert r.returncode == 0, f"tools/package {kind} failed:\n{r.stderr[-6000:]}"
    return r.stdout.split()


@pytest.fixture(scope="module")
def deb(outdir):
    if shutil.which("dpkg-buildpackage") is None:
        pytest.skip("dpkg-buildpackage is not installed (apt-get install dpkg-dev debhelper)")
    produced = build("deb", outdir)
    main = [p for p in produced if os.path.basename(p).startswith("cwlogd_")]
    assert len(main) == 1, produced
    for p in produced:
        assert os.path.dirname(p) == outdir and os.path.isfile(p)
    return main[0]


@pytest.fixture(scope="module")
def rpm(outdir):
    if shutil.which("rpmbuild") is None:
        pytest.skip("rpmbuild is not installed (apt-get install rpm)")
    produced = build("rpm", outdir)
    main = [p for p in produced if "debug" not in os.path.basename(p)]
    assert len(main) == 1, produced
    return main[0]


def test_nothing_written_next_to_the_tree(deb):
    parent = os.path.dirname(SRCDIR)
    assert not glob.glob(os.path.join(parent, "cwlogd_*"))
    assert not os.path.exists(os.path.join(SRCDIR, "debian", "cwlogd"))
    assert not glob.glob(os.path.join(SRCDIR, "obj-*"))


def test_deb_lintian_has_no_errors(deb):
    if shutil.which("lintian") is None:
        pytest.skip("lintian is not installed")
    # lintian leaves mldbm-elf-* files behind in its temporary directory: give it one of ours.
    tmp = tempfile.mkdtemp(prefix="lintian-", dir=os.path.dirname(deb))
    r = run(["lintian", "--no-tag-display-limit", deb], env=dict(os.environ, TMPDIR=tmp))
    errors = [line for line in r.stdout.splitlines() if line.startswith("E:")]
    assert not errors, r.stdout
    # Warnings are left only with a reason; none are expected today.
    print(r.stdout)


def test_deb_contents(deb):
    r = run(["dpkg-deb", "-c", deb])
    assert r.returncode == 0, r.stderr
    paths = {line.split()[-1] for line in r.stdout.splitlines()}
    for f in DEB_FILES:
        assert f in paths, f"{f} not in the .deb:\n{r.stdout}"
    binary = [line for line in r.stdout.splitlines() if line.endswith(" ./usr/bin/cwlogd")]
    assert binary[0].startswith("-rwxr-xr-x root/root"), binary


def test_deb_control(deb):
    d = tempfile.mkdtemp(prefix="cwlogd-control-")
    try:
        r = run(["dpkg-deb", "-e", deb, d])
        assert r.returncode == 0, r.stderr
        with open(os.path.join(d, "conffiles")) as f:
            assert "/etc/cwlogd/cwlogd.conf" in f.read().split()
        with open(os.path.join(d, "postinst")) as f:
            postinst = f.read()
        # dh_installsystemd: enable on first install, start/restart through
        # deb-systemd-invoke, both tolerant of a system without systemd.
        assert "deb-systemd-helper enable 'cwlogd.service'" in postinst
        assert "deb-systemd-invoke $_dh_action 'cwlogd.service'" in postinst
        assert "_dh_action=restart" in postinst
        with open(os.path.join(d, "postrm")) as f:
            assert "deb-systemd-helper purge 'cwlogd.service'" in f.read()
    finally:
        shutil.rmtree(d)

    r = run(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture"])
    fields = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    assert fields["Package"] == "cwlogd"
    with open(os.path.join(SRCDIR, "meson.build")) as f:
        assert f"version : '{fields['Version']}'" in f.read()


def test_rpm_contents(rpm):
    r = run(["rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", rpm])
    assert r.returncode == 0, r.stderr
    flags = {}
    for line in r.stdout.splitlines():
        name, _, fl = line.partition(" ")
        flags[name] = fl
    for f in RPM_FILES:
        assert f in flags, f"{f} not in the .rpm:\n{r.stdout}"
    assert "c" in flags["/etc/cwlogd/cwlogd.conf"] and "n" in flags["/etc/cwlogd/cwlogd.conf"]
    assert any(n.startswith("/usr/share/man/man8/cwlogd.8") for n in flags)
    assert any(n.startswith("/usr/share/man/man5/cwlogd.conf.5") for n in flags)


def test_rpm_scriptlets(rpm):
    r = run(["rpm", "-qp", "--scripts", rpm])
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for kind in ("postinstall", "preuninstall", "postuninstall"):
        assert f"{kind} scriptlet" in out, out
    # Each scriptlet names the unit (Fedora's macros or the spec's fallbacks).
    parts = out.split(" scriptlet (using")
    assert len(parts) >= 4
    for body in parts[1:4]:
        assert "cwlogd.service" in body, out


@pytest.fixture
def installed_deb(deb):
    if os.geteuid() != 0:
        pytest.skip("installing the .deb needs root")
    if run(["dpkg-query", "-W", "-f=${Status}", "cwlogd"]).stdout.startswith("install ok"):
        pytest.skip("cwlogd is already installed on this machine; not touching it")
    r = run(["dpkg", "-i", deb])
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        yield
    finally:
        p = run(["dpkg", "--purge", "cwlogd"])
        assert p.returncode == 0, p.stdout + p.stderr


def test_deb_installs_enables_and_purges(installed_deb):
    for f in ("/usr/bin/cwlogd", "/lib/systemd/system/cwlogd.service",
              "/etc/cwlogd/cwlogd.conf", "/usr/share/man/man8/cwlogd.8.gz",
              "/usr/share/man/man5/cwlogd.conf.5.gz", "/usr/share/doc/cwlogd/copyright"):
        assert os.path.isfile(f), f
    assert os.path.isdir("/etc/cwlogd/conf.d")
    assert os.access("/usr/bin/cwlogd", os.X_OK)
    # Enabled on install: the [Install] symlink exists even without a running systemd.
    link = "/etc/systemd/system/multi-user.target.wants/cwlogd.service"
    assert os.path.islink(link)
    assert os.readlink(link).endswith("/cwlogd.service")

    # The shipped configuration (every key commented out) is valid as installed.
    r = run(["/usr/bin/cwlogd", "--check-config", "--config", "/etc/cwlogd/cwlogd.conf"])
    assert r.returncode == 0, r.stdout + r.stderr


def test_deb_purge_restores_the_machine(deb, installed_deb):
    # Runs the fixture's purge early and checks its effect.
    assert run(["dpkg", "--purge", "cwlogd"]).returncode == 0
    for f in ("/usr/bin/cwlogd", "/lib/systemd/system/cwlogd.service", "/etc/cwlogd",
              "/etc/systemd/system/multi-user.target.wants/cwlogd.service"):
        assert not os.path.lexists(f), f
