#!/usr/bin/env bash
# Prepares what travels to the CUDA machine (see ../shared/docs/GPU.md), all under the git-ignored .gpu/:
#   .gpu/nnclr.tar.xz   the host published self-contained with the external torch backend (~26 MB)
#   .gpu/p_aa, p_ab, …  CIFAR-10's archive split into 57 MiB parts (the device tool carries ≤ 64 MiB a call)
# Then, with the device tool: carry one part per call into /tmp/parts/ back to back, and on the last call
# carry the last part, .gpu/nnclr.tar.xz and bench/gpu/run.sh, and run: bash bench/gpu/run.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cifar=${1:-$root/../shared/data/cifar-10-binary.tar.gz}
mkdir -p "$root/.gpu"
rm -rf "$root/.gpu/pub" "$root/.gpu"/p_* "$root/.gpu/nnclr.tar.xz"
bash "$root/scripts/publish.sh" external "$root/.gpu/pub"
tar -C "$root/.gpu" -cJf "$root/.gpu/nnclr.tar.xz" pub
rm -rf "$root/.gpu/pub"
split -b 57M "$cifar" "$root/.gpu/p_"
ls -la "$root/.gpu"
echo "sha256 of the archive (run.sh checks it): $(sha256sum "$cifar" | cut -d' ' -f1)"
