#!/usr/bin/env bash
# The README's test command: set-up (idempotent), then every test project in Release, one assembly at a
# time (the Torch tests use both cores themselves), under the allocator ./nnclr runs with (scripts/allocator.sh:
# tcmalloc when installed; the suite's time budget assumes it). Ends with one line "N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
dotnet build Nnclr.sln -c Release -nologo -v q -clp:ErrorsOnly
# shellcheck source=scripts/allocator.sh
. "$root/scripts/allocator.sh"
nnclr_choose_allocator || { echo "[test] error: $NNCLR_ALLOCATOR_REASON" >&2; exit 2; }
echo "[test] allocator: $NNCLR_ALLOCATOR_ACTIVE ($NNCLR_ALLOCATOR_REASON)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Nnclr.sln -c Release --no-build -nologo -m:1 --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
passed=$(awk '/^[[:space:]]+Passed: [0-9]+$/ {s += $2} END {print s + 0}' "$log")
failed=$(awk '/^[[:space:]]+Failed: [0-9]+$/ {s += $2} END {print s + 0}' "$log")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a crash or build error counts as a failure
echo "$passed passed, $failed failed"
exit "$rc"
