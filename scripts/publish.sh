#!/usr/bin/env bash
# Publishes the `nnclr` host self-contained for linux-x64.
#   scripts/publish.sh cpu      OUT   # bundles the CPU libtorch (about 600 MB)
#   scripts/publish.sh external OUT   # no libtorch inside: at run time set LD_LIBRARY_PATH to a
#                                     # libtorch folder, e.g. a pip PyTorch's torch/lib (CUDA)
# Debug symbols and the runtime's debugger/dump helpers are removed; `tar -cJf` of an external
# publish is about 26 MB. OUT/nnclr is a small launcher (scripts/published-nnclr.sh) that runs the host, OUT/nnclr-host,
# under the allocator scripts/allocator.sh chooses (tcmalloc when libtcmalloc-minimal4 is installed).
set -euo pipefail
backend=${1:?usage: scripts/publish.sh cpu|external OUTDIR}
out=${2:?usage: scripts/publish.sh cpu|external OUTDIR}
case "$backend" in cpu|external) ;; *) echo "publish: backend must be cpu or external, got '$backend'" >&2; exit 2;; esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Directory.Build.props gives the external backend its own obj/ folders.
dotnet publish "$root/Nnclr.Host/Nnclr.Host.csproj" -c Release -r linux-x64 --self-contained \
  -p:TorchBackend="$backend" -nologo -v q -clp:ErrorsOnly -o "$out"
rm -f "$out"/*.pdb "$out"/createdump "$out"/libmscordaccore.so "$out"/libmscordbi.so
mv "$out/nnclr" "$out/nnclr-host"
install -m 755 "$root/scripts/published-nnclr.sh" "$out/nnclr"
install -m 644 "$root/scripts/allocator.sh" "$out/nnclr-allocator.sh"
echo "published ($backend) to $out: $(du -sh "$out" | cut -f1)"
