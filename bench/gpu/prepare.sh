#!/usr/bin/env bash
# Prepares what travels to the CUDA machine for issue #16 (see ../shared/docs/GPU.md), all under the git-ignored .gpu/:
#   .gpu/nnclr.tar.xz   pub/: the host published self-contained with the external torch backend (~26 MB; PyTorch's
#                       libtorch is used there), pub/BUILD_INFO.json (commit, dirty, date) and pub/ref/ref_probe.py,
#                       the PyTorch twin of `bench step` (../shared/tools/gpuprobe) measured in the same run
#   .gpu/p_aa, p_ab, …  CIFAR-10's archive split into 57 MiB parts (the device tool carries ≤ 64 MiB a call)
# Device plan (about 15 device-minutes in all, start included; never run this on a CPU machine's CI):
#   call 1..3: carry [".gpu/p_aa"] (then p_ab, p_ac), command: mkdir -p /tmp/parts && cp .gpu/p_* /tmp/parts/
#   call 3b:   carry [".gpu/jpeg500"], command: mkdir -p /tmp/parts && cp -r .gpu/jpeg500 /tmp/parts/
#   call 4:    carry [".gpu/nnclr.tar.xz"], command: OUT=$OUT bash bench/gpu/run.sh   (timeout_s 600)
#   then give the machine back; copy $OUT/results.json to bench/results/<date>-gpu-h200.json and commit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cifar=${1:-$root/../shared/data/cifar-10-binary.tar.gz}
probe=${PROBE:-$root/../shared/tools/gpuprobe/ref_probe.py}
[ -f "$cifar" ] || { echo "prepare: CIFAR-10 archive not found: $cifar" >&2; exit 2; }
[ -f "$probe" ] || { echo "prepare: PyTorch reference step not found: $probe (set PROBE=)" >&2; exit 2; }
mkdir -p "$root/.gpu"
rm -rf "$root/.gpu/pub" "$root/.gpu"/p_* "$root/.gpu/nnclr.tar.xz"
bash "$root/scripts/publish.sh" external "$root/.gpu/pub"
mkdir -p "$root/.gpu/pub/ref"
cp "$probe" "$root/.gpu/pub/ref/ref_probe.py"
# The host allocator (issue #21): Debian 12's tcmalloc runs on the CUDA machine's newer glibc too.
mkdir -p "$root/.gpu/pub/lib"
cp -L /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 "$root/.gpu/pub/lib/" 2>/dev/null \
  || echo "prepare: no libtcmalloc_minimal.so.4 here (apt-get install libtcmalloc-minimal4); the GPU run uses glibc malloc" >&2
commit=$(git -C "$root" rev-parse HEAD)
dirty=$([ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] && echo false || echo true)
printf '{"commit": "%s", "dirty": %s, "built": "%s", "backend": "external", "torchsharp": "0.107.0"}\n' \
  "$commit" "$dirty" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$root/.gpu/pub/BUILD_INFO.json"
tar -C "$root/.gpu" -cJf "$root/.gpu/nnclr.tar.xz" pub
rm -rf "$root/.gpu/pub"
split -b 57M "$cifar" "$root/.gpu/p_"
# 224-px pipeline input: imagenet-sample-500 as JPEG records (about 49 MB, its own call)
rm -rf "$root/.gpu/jpeg500"
"$root/nnclr" ingest folder "$root/../shared/data/imagenet-sample-500" --format jpeg --unlabelled --out "$root/.gpu/jpeg500" >/dev/null
ls -la "$root/.gpu"
echo "commit $commit (dirty: $dirty); sha256 of the archive (run.sh checks it): $(sha256sum "$cifar" | cut -d' ' -f1)"
