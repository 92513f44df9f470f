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
#  Optional, never fatal, installed with apt when unattended as root on Debian/Ubuntu (after one `apt-get update`: a
#  fresh machine's package lists are stale), otherwise the command is printed:
#   - tcmalloc (Debian's libtcmalloc-minimal4): ./nnclr runs libtorch with it (scripts/allocator.sh), about 2x faster
#     on CPU than glibc malloc, which unmaps libtorch's large tensors and faults them in again every step;
#   - libjpeg-turbo's TurboJPEG library (Debian's libturbojpeg0), which decodes JPEG datasets about 1.5x faster than
#     SkiaSharp's bundled copy (no SIMD) with the same pixels.
#  Open MPI (Debian's openmpi-bin), for data-parallel training (mpirun) and the multi-process tests: installed the same
#  way (after the same single apt-get update), otherwise the command is printed.
# Test hooks: NNCLR_OS_RELEASE (an os-release file), NNCLR_LIBSTDCXX (the libstdc++ to check), NNCLR_LDCONFIG (the
# ldconfig that lists the installed libraries),
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
# The same with the command's output into LOG (the dry run's line still goes to stdout).
change_logged() { local log=$1; shift; if [ "$dry" = 1 ]; then say "dry run: would run: $*"; else "$@" >"$log" 2>&1; fi; }
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

# --- 1b. optional libraries: tcmalloc, TurboJPEG ------------------------------------------------
os_release=${NNCLR_OS_RELEASE:-/etc/os-release}
os_id=$( . "$os_release" 2>/dev/null; echo "${ID:-unknown}")
codename=$( . "$os_release" 2>/dev/null; echo "${VERSION_CODENAME:-unknown}")
libs=$("${NNCLR_LDCONFIG:-/sbin/ldconfig}" -p 2>/dev/null || true)
# The package names: Ubuntu calls TurboJPEG libturbojpeg; Debian 13 and Ubuntu 24.04 renamed tcmalloc's for 64-bit time_t.
turbojpeg_pkg=libturbojpeg0; [ "$os_id" = ubuntu ] && turbojpeg_pkg=libturbojpeg
tcmalloc_pkg=libtcmalloc-minimal4
case "$codename" in trixie|forky|sid|noble|oracular|plucky|questing) tcmalloc_pkg=libtcmalloc-minimal4t64 ;; esac
can_apt=0
if command -v apt-get >/dev/null 2>&1 && { [ "$dry" = 1 ] || [ "$(id -u)" -eq 0 ]; } && unattended; then can_apt=1; fi
apt_updated=0
# optional SONAME PACKAGE WHY-OK WHY-MISSING: says it is there, installs it, or prints how to.
optional() {
  local so=$1 pkg=$2 ok=$3 missing=$4 log=/tmp/nnclr-setup-$2.log
  if printf '%s\n' "$libs" | grep -F "$so " >/dev/null; then say "ok: $so found ($ok)"; return; fi
  if [ "$can_apt" != 1 ]; then say "note: $so not found; $missing. Optional: apt-get install $pkg"; return; fi
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update (once, before the first install: a fresh machine's package lists are stale)"
    change_logged /tmp/nnclr-setup-apt-update.log apt-get update -qq \
      || say "note: apt-get update failed (log: /tmp/nnclr-setup-apt-update.log); installing from the lists there are"
    apt_updated=1
  fi
  say "installing $pkg (optional: $ok)"
  change_logged "$log" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" \
    || say "note: apt-get install $pkg failed (log: $log); $missing"
}
optional libtcmalloc_minimal.so.4 "$tcmalloc_pkg" "./nnclr runs libtorch with tcmalloc: freed memory is reused, not unmapped" \
  "./nnclr runs with glibc malloc tuned not to unmap (MALLOC_MMAP_MAX_=0), slower than tcmalloc"
optional libturbojpeg.so.0 "$turbojpeg_pkg" "JPEG datasets decode with libjpeg-turbo's SIMD kernels" \
  "JPEG datasets decode with SkiaSharp (about 1.5x slower)"

# --- 1c. Open MPI (data-parallel training and its multi-process tests) -------------------
# mpirun launches the ranks of `mpirun -np N ./nnclr train`; libmpi.so.40 carries CPU collectives and NCCL's
# bootstrap (Debian's openmpi-bin pulls libopenmpi3).
if command -v mpirun >/dev/null 2>&1 && printf '%s\n' "$libs" | grep -F "libmpi.so.40 " >/dev/null; then
  say "ok: Open MPI $(mpirun --version 2>/dev/null | head -n1 | awk '{print $NF}') (mpirun, libmpi.so.40)"
elif [ "$can_apt" = 1 ]; then
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update (once, before the first install: a fresh machine's package lists are stale)"
    change_logged /tmp/nnclr-setup-apt-update.log apt-get update -qq \
      || say "note: apt-get update failed (log: /tmp/nnclr-setup-apt-update.log); installing from the lists there are"
    apt_updated=1
  fi
  say "installing openmpi-bin (data-parallel training: mpirun -np N ./nnclr train; the multi-process tests need it)"
  change_logged /tmp/nnclr-setup-openmpi.log env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin \
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
