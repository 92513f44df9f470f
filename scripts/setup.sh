#!/usr/bin/env bash
# nnclr fresh-machine set-up. Idempotent: a second run only checks and prints "ok" lines.
#  1. the .NET 10 SDK must be on PATH;
#  2. libstdc++ must provide GLIBCXX_3.4.32 (TorchSharp 0.107's libLibTorchSharp.so needs it).
#     On Debian 12 as root we add Debian 13 (trixie) as a low-priority apt source and install
#     libstdc++6 from it (this also upgrades libc6). Unattended (no terminal, CI=true, inside Docker or
#     NNCLR_ASSUME_YES=1) it does so as before; on a terminal it first says what it will install and why,
#     and asks. Ubuntu 22.04 gets its route printed (toolchain PPA or the Docker image); anywhere else
#     we print the exact fix and exit non-zero.
#  3. the torch backend ./nnclr will build for this machine (scripts/backend.sh), printed.
#  Open MPI (Debian's openmpi-bin), for data-parallel training and the multi-process tests: installed with apt when
#  unattended as root on Debian/Ubuntu, otherwise the command is printed.
#  Optional, never fatal: libjpeg-turbo's TurboJPEG library (Debian's libturbojpeg0), which decodes JPEG datasets
#  about 1.5x faster than SkiaSharp's bundled copy (no SIMD) with the same pixels; installed with apt when unattended
#  as root on Debian/Ubuntu, otherwise the command is printed.
# Test hooks: NNCLR_OS_RELEASE (an os-release file), NNCLR_LIBSTDCXX (the libstdc++ to check),
# NNCLR_INTERACTIVE=1|0 (force asking / not asking), NNCLR_SETUP_DRY_RUN=1 (print the system changes, make none).
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/backend.sh
. "$root/scripts/backend.sh"
dry=${NNCLR_SETUP_DRY_RUN:-0}
# Runs a command that changes the system, or only prints it in a dry run.
change() { if [ "$dry" = 1 ]; then say "dry run: would run: $*"; else "$@"; fi; }
# Unattended: nobody to ask, so behave as the README's commands always did.
unattended() {
  case "${NNCLR_INTERACTIVE:-}" in 1) return 1;; 0) return 0;; esac
  [ "${NNCLR_ASSUME_YES:-}" = 1 ] || [ "${CI:-}" = true ] || [ -f /.dockerenv ] || [ -n "${container:-}" ] || [ ! -t 0 ]
}
print_backend() {
  if nnclr_choose_backend; then say "torch backend for this machine: $NNCLR_BACKEND ($NNCLR_BACKEND_REASON)"
  else say "warning: $NNCLR_BACKEND_REASON"; fi
}

# --- 1. .NET SDK -------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  die ".NET SDK not found on PATH. Install the .NET 10 SDK (https://dot.net) and re-run."
fi
sdk_major=$(dotnet --version 2>/dev/null | cut -d. -f1)
if [ -z "$sdk_major" ] || [ "$sdk_major" -lt 10 ]; then
  die ".NET SDK $(dotnet --version 2>/dev/null || echo '?') found; nnclr needs the .NET 10 SDK or newer."
fi
say "ok: .NET SDK $(dotnet --version)"

# --- 1b. TurboJPEG (optional) -----------------------------------------------------------
if /sbin/ldconfig -p 2>/dev/null | grep 'libturbojpeg\.so\.0' >/dev/null; then
  say "ok: libturbojpeg.so.0 found (JPEG datasets decode with libjpeg-turbo's SIMD kernels)"
elif command -v apt-get >/dev/null 2>&1 && { [ "$dry" = 1 ] || [ "$(id -u)" -eq 0 ]; } && unattended; then
  say "installing libturbojpeg0 (optional: faster JPEG decoding; SkiaSharp's decoder is used without it)"
  change apt-get install -y -qq libturbojpeg0 >/tmp/nnclr-setup-turbojpeg.log 2>&1 \
    || say "note: apt-get install libturbojpeg0 failed (log: /tmp/nnclr-setup-turbojpeg.log); JPEG decoding uses SkiaSharp"
else
  say "note: libturbojpeg.so.0 not found; JPEG datasets decode with SkiaSharp (about 1.5x slower). Optional: apt-get install libturbojpeg0"
fi

# --- 1c. Open MPI (data-parallel training and its multi-process tests) -------------------
# mpirun launches the ranks of `mpirun -np N ./nnclr train`; libmpi.so.40 carries CPU collectives and NCCL's
# bootstrap (Debian's openmpi-bin pulls libopenmpi3). Installed unattended as root; otherwise the command is printed.
if command -v mpirun >/dev/null 2>&1 && /sbin/ldconfig -p 2>/dev/null | grep 'libmpi\.so\.40' >/dev/null; then
  say "ok: Open MPI $(mpirun --version 2>/dev/null | head -n1 | awk '{print $NF}') (mpirun, libmpi.so.40)"
elif command -v apt-get >/dev/null 2>&1 && { [ "$dry" = 1 ] || [ "$(id -u)" -eq 0 ]; } && unattended; then
  say "installing openmpi-bin (data-parallel training: mpirun -np N ./nnclr train; the multi-process tests need it)"
  change apt-get install -y -qq openmpi-bin >/tmp/nnclr-setup-openmpi.log 2>&1 \
    || say "warning: apt-get install openmpi-bin failed (log: /tmp/nnclr-setup-openmpi.log); data-parallel training and its tests need it"
else
  say "note: Open MPI not found; data-parallel training (mpirun) and its tests need it: apt-get install openmpi-bin"
fi

# --- 2. GLIBCXX_3.4.32 -------------------------------------------------------------------
need=GLIBCXX_3.4.32
libstdcxx() {
  local p
  if [ -n "${NNCLR_LIBSTDCXX:-}" ]; then printf '%s' "$NNCLR_LIBSTDCXX"; return; fi
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
  print_backend
  exit 0
fi

os_release=${NNCLR_OS_RELEASE:-/etc/os-release}
codename=$( . "$os_release" 2>/dev/null; echo "${VERSION_CODENAME:-unknown}")
fix="add a Debian 13 (trixie) apt source pinned at priority 100, then: apt-get update && apt-get install -y -t trixie libstdc++6"
if [ "$codename" = "jammy" ]; then
  die "$(libstdcxx) lacks $need (needed by TorchSharp 0.107's libLibTorchSharp.so); Ubuntu 22.04's libstdc++ is GCC 12's. Two routes:
  1. the toolchain PPA's newer libstdc++6 (a system change; check afterwards that it has $need, it needs GCC 13.2 or newer):
       sudo add-apt-repository -y ppa:ubuntu-toolchain-r/test && sudo apt-get update && sudo apt-get install -y --only-upgrade libstdc++6
       grep -c $need \$(readlink -f $(libstdcxx))
  2. no system change: the Docker image (Ubuntu 24.04 inside; needs the NVIDIA container toolkit for the GPU):
       docker build -t nnclr . && docker run --gpus all -v \$PWD/work:/work nnclr doctor
Then run ./nnclr again."
fi
if [ "$codename" != "bookworm" ]; then
  die "$(libstdcxx) lacks $need (needed by TorchSharp 0.107's libLibTorchSharp.so) and this is not Debian 12 ($codename); install a libstdc++6 from GCC 13.2 or newer (e.g. on Debian: $fix), or use the Docker image (README, Docker)."
fi
if [ "$dry" != 1 ] && [ "$(id -u)" -ne 0 ]; then
  die "$(libstdcxx) lacks $need (needed by TorchSharp 0.107). Run this script as root, or by hand: $fix"
fi

if ! unattended; then
  say "$(libstdcxx) lacks $need, which TorchSharp 0.107's native library needs; nnclr cannot load libtorch without it."
  say "To fix it this script will change the system:"
  say "  - add Debian 13 (trixie) as an apt source, pinned at priority 100 (nothing else is upgraded from it):"
  say "      /etc/apt/sources.list.d/nnclr-trixie.sources, /etc/apt/preferences.d/nnclr-trixie-pin"
  say "  - apt-get update; apt-get install -t trixie libstdc++6 (this also upgrades libc6 to Debian 13's)"
  printf '[setup] Proceed? [y/N] '
  answer=; read -r answer || true
  case "$answer" in
    y|Y|yes|YES) ;;
    *) die "nothing changed. To do it by hand: $fix; or use the Docker image (README, Docker)." ;;
  esac
fi

say "$(libstdcxx) lacks $need: adding Debian 13 (trixie) as a low-priority apt source"
src=/etc/apt/sources.list.d/nnclr-trixie.sources
pin=/etc/apt/preferences.d/nnclr-trixie-pin
if [ "$dry" = 1 ]; then
  change write "$src" "(trixie, main)"
  change write "$pin" "(trixie at priority 100)"
  change apt-get update -qq
  change apt-get install -y -qq -t trixie libstdc++6
  print_backend
  exit 0
fi
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
print_backend
