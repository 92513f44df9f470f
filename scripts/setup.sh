#!/usr/bin/env bash
# nnclr fresh-machine set-up. Idempotent: a second run only checks and prints "ok" lines.
#  1. the .NET 10 SDK must be on PATH;
#  2. libstdc++ must provide GLIBCXX_3.4.32 (TorchSharp 0.107's libLibTorchSharp.so needs it).
#     On Debian 12 as root we add Debian 13 (trixie) as a low-priority apt source and install
#     libstdc++6 from it; anywhere else we print the exact fix and exit non-zero.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# --- 1. .NET SDK -------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  die ".NET SDK not found on PATH. Install the .NET 10 SDK (https://dot.net) and re-run."
fi
sdk_major=$(dotnet --version 2>/dev/null | cut -d. -f1)
if [ -z "$sdk_major" ] || [ "$sdk_major" -lt 10 ]; then
  die ".NET SDK $(dotnet --version 2>/dev/null || echo '?') found; nnclr needs the .NET 10 SDK or newer."
fi
say "ok: .NET SDK $(dotnet --version)"

# --- 2. GLIBCXX_3.4.32 -------------------------------------------------------------------
need=GLIBCXX_3.4.32
libstdcxx() {
  local p
  p=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 .*AArch64/ {print $NF; exit}')
  [ -n "$p" ] || p=$(ls /usr/lib/*-linux-gnu/libstdc++.so.6 2>/dev/null | head -n1)
  printf '%s' "$p"
}
has_glibcxx() {
  local lib; lib=$(libstdcxx)
  [ -n "$lib" ] && grep -qa "$need" "$(readlink -f "$lib")"
}

if has_glibcxx; then
  say "ok: $(libstdcxx) provides $need"
  exit 0
fi

codename=$( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-unknown}")
fix="add a Debian 13 (trixie) apt source pinned at priority 100, then: apt-get update && apt-get install -y -t trixie libstdc++6"
if [ "$codename" != "bookworm" ]; then
  die "$(libstdcxx) lacks $need (needed by TorchSharp 0.107's libLibTorchSharp.so) and this is not Debian 12 ($codename); install a libstdc++6 from GCC 14 or newer (e.g. on Debian: $fix)."
fi
if [ "$(id -u)" -ne 0 ]; then
  die "$(libstdcxx) lacks $need (needed by TorchSharp 0.107). Run this script as root, or by hand: $fix"
fi

say "$(libstdcxx) lacks $need: adding Debian 13 (trixie) as a low-priority apt source"
src=/etc/apt/sources.list.d/nnclr-trixie.sources
pin=/etc/apt/preferences.d/nnclr-trixie-pin
if [ ! -f "$src" ]; then
  say "writing $src"
  cat > "$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
if [ ! -f "$pin" ]; then
  say "writing $pin (trixie at priority 100: nothing else is upgraded from it)"
  cat > "$pin" <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
fi
say "apt-get update"
apt-get update -qq
say "apt-get install -y -t trixie libstdc++6 (also upgrades libc6)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie libstdc++6 >/tmp/nnclr-setup-apt.log 2>&1 \
  || { tail -n 30 /tmp/nnclr-setup-apt.log >&2; die "apt-get install -t trixie libstdc++6 failed (log above)"; }
has_glibcxx || die "libstdc++6 from trixie was installed but $(libstdcxx) still lacks $need"
say "ok: $(libstdcxx) now provides $need"
