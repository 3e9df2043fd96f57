# SPDX-License-Identifier: MIT
"""The documentation matches the program.

- every configuration key the binary knows (`cwlogd --dump-config-keys`, one
  "SCOPE NAME DEFAULT" line per key, SCOPE "general" or "section", DEFAULT "-" when
  there is none) is in conf/cwlogd.conf, commented out at its default and in the right
  part of the file, and is described in cwlogd.conf(5) with that default; and no key
  is documented that the binary does not know;
- every option `cwlogd --help` lists is described in cwlogd(8), and cwlogd(8) documents
  no option the binary lacks;
- both man pages render with scdoc and man(1) without a single warning.

The binary is $CWLOGD_BINARY, or src/cwlogd in $CWLOGD_BUILD_DIR (default: build/ in the
source tree). Tests that need what the binary does not print yet skip, saying so.
"""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONF = os.path.join(SRCDIR, "conf", "cwlogd.conf")
MAN8 = os.path.join(SRCDIR, "man", "cwlogd.8.scd")
MAN5 = os.path.join(SRCDIR, "man", "cwlogd.conf.5.scd")
NO_DEFAULT = {"-", "", "(none)", "(null)"}

# Options the binary accepts but that are not for users (so not in cwlogd(8)).
HIDDEN_OPTIONS = {"--dump-config-keys"}
# Documented aliases that --help may leave out.
ALIASES = {"--config-file"}


def binary():
    path = os.environ.get("CWLOGD_BINARY")
    if not path:
        builddir = os.environ.get("CWLOGD_BUILD_DIR", os.path.join(SRCDIR, "build"))
        path = os.path.join(builddir, "src", "cwlogd")
    if not os.access(path, os.X_OK):
        pytest.skip(f"no built cwlogd at {path} (build first or set CWLOGD_BINARY)")
    return path


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def keys():
    """{name: (scope, default or None)} from the binary's key table."""
    r = subprocess.run([binary(), "--dump-config-keys"], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 2 or parts[0] not in ("general", "section"):
            continue
        default = parts[2].strip() if len(parts) == 3 else "-"
        out[parts[1]] = (parts[0], None if default in NO_DEFAULT else default)
    if r.returncode != 0 or not out:
        pytest.skip("cwlogd --dump-config-keys is not supported yet")
    return out


def conf_keys():
    """{name: (scope, value)} of the commented-out "#key = value" lines of cwlogd.conf
    before the worked examples; scope by the section header they follow."""
    out = {}
    scope = None
    for line in read(CONF).splitlines():
        if line.startswith("# Worked example"):
            break
        if re.match(r"^\[general\]\s*$", line):
            scope = "general"
        elif re.match(r"^#?\[[^\]]+\]\s*$", line):
            scope = "section"
        m = re.match(r"^#([a-z_]+) =(?: (.*))?$", line)
        if m:
            assert m.group(1) not in out, f"{m.group(1)} twice in cwlogd.conf"
            out[m.group(1)] = (scope, (m.group(2) or "").strip())
    return out


def man5_entries():
    """{name: definition text} for each "*key* = ..." entry of cwlogd.conf(5)."""
    out = {}
    lines = read(MAN5).splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\*([a-z_]+)\* = ", line)
        if not m:
            continue
        body = []
        for nxt in lines[i + 1:]:
            if not nxt.startswith("\t"):
                break
            body.append(nxt.strip())
        out[m.group(1)] = line + "\n" + " ".join(body)
    return out


def test_every_key_is_in_the_shipped_config(keys):
    conf = conf_keys()
    for name, (scope, default) in keys.items():
        assert name in conf, f"{name} is not in conf/cwlogd.conf"
        conf_scope, value = conf[name]
        assert conf_scope == scope, f"{name} is in the {conf_scope} part, should be {scope}"
        if default is not None:
            assert value == default, f"cwlogd.conf shows {name} = {value!r}, default is {default!r}"
        else:
            assert value == "", f"cwlogd.conf shows {name} = {value!r}, but it has no default"


def test_shipped_config_has_no_unknown_keys(keys):
    unknown = set(conf_keys()) - set(keys)
    assert not unknown, f"conf/cwlogd.conf documents unknown keys: {sorted(unknown)}"


def test_every_key_is_in_the_man_page(keys):
    entries = man5_entries()
    for name, (_scope, default) in keys.items():
        assert name in entries, f"{name} is not described in cwlogd.conf(5)"
        if default is not None:
            assert f"Default: *{default}*" in entries[name], \
                f"cwlogd.conf(5) does not give {name}'s default {default!r}:\n{entries[name]}"


def test_man_page_has_no_unknown_keys(keys):
    unknown = set(man5_entries()) - set(keys)
    assert not unknown, f"cwlogd.conf(5) documents unknown keys: {sorted(unknown)}"


@pytest.fixture(scope="module")
def options():
    r = subprocess.run([binary(), "--help"], capture_output=True, text=True)
    found = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", r.stdout + r.stderr))
    if r.returncode != 0 or not found:
        pytest.skip("cwlogd --help does not list its options yet")
    return found - HIDDEN_OPTIONS


def man8_options():
    text = read(MAN8)
    section = text.split("\n# OPTIONS\n", 1)[1].split("\n# ", 1)[0]
    return set(re.findall(r"^\*(--[a-z-]+)\*", section, re.M)) | \
        set(re.findall(r", \*(--[a-z-]+)\*", section))


def test_every_option_is_in_the_man_page(options):
    documented = man8_options()
    missing = options - documented
    assert not missing, f"cwlogd(8) does not describe {sorted(missing)}"


def test_man_page_has_no_unknown_options(options):
    unknown = man8_options() - options - ALIASES
    assert not unknown, f"cwlogd(8) describes options cwlogd --help lacks: {sorted(unknown)}"


def test_spec_options_are_documented():
    """SPEC §2's command line, independent of the binary."""
    spec = {"--config", "--config-file", "--additional-configs-dir", "--state-dir",
            "--region", "--endpoint", "--once", "--dry-run", "--check-config",
            "--log-level", "--version", "--help", "--status"}
    missing = spec - man8_options()
    assert not missing, f"cwlogd(8) does not describe {sorted(missing)}"


@pytest.mark.skipif(shutil.which("scdoc") is None or shutil.which("man") is None,
                    reason="scdoc or man is not installed")
@pytest.mark.parametrize("page", [MAN8, MAN5], ids=os.path.basename)
def test_man_page_renders_without_warnings(page):
    d = tempfile.mkdtemp(prefix="cwlogd-man-")
    try:
        roff = os.path.join(d, os.path.basename(page)[:-len(".scd")])
        with open(page, "rb") as src, open(roff, "wb") as out:
            r = subprocess.run(["scdoc"], stdin=src, stdout=out, stderr=subprocess.PIPE)
        assert r.returncode == 0, r.stderr.decode()
        r = subprocess.run(["man", "--warnings", "-l", roff], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
        assert r.returncode == 0, r.stderr
        assert r.stderr == "", r.stderr
        assert "NAME" in r.stdout and "SEE ALSO" in r.stdout
    finally:
        shutil.rmtree(d)
