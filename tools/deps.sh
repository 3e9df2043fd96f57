# Sourced by tools/check and tools/demo: installs the Debian packages cwlogd needs to
# build and test, but only those that are missing (so a machine that has them is untouched
# and needs no network).

CWLOGD_BUILD_DEPS="meson ninja-build pkgconf gcc libc6-dev libsystemd-dev libcurl4-openssl-dev
libssl-dev libjansson-dev libdeflate-dev zlib1g-dev libpcre2-dev scdoc"
CWLOGD_TEST_DEPS="systemd systemd-journal-remote python3 python3-pytest python3-pytest-xdist python3-botocore openssl
clang libclang-rt-14-dev valgrind util-linux procps iproute2 man-db curl
dpkg-dev debhelper fakeroot rpm lintian"

ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing missing packages: ${missing[*]}" >&2
    if [ "$(id -u)" != 0 ]; then
        echo "Not root: install them yourself (apt-get install ${missing[*]})" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Refresh the package lists only when an install from the current ones fails.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}
