#!/usr/bin/env bash
# The published build's `nnclr` (scripts/publish.sh and the Dockerfile install it beside the host, which they rename
# to nnclr-host): runs the host under the allocator allocator.sh chooses (tcmalloc when installed; a user's own
# LD_PRELOAD is kept; NNCLR_ALLOCATOR=tcmalloc|glibc-tuned|glibc overrides). `nnclr doctor` shows the result.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=scripts/allocator.sh
. "$here/nnclr-allocator.sh"
if ! nnclr_choose_allocator; then
  echo "[nnclr] error: $NNCLR_ALLOCATOR_REASON" >&2
  exit 2
fi
exec "$here/nnclr-host" "$@"
