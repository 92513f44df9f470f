#!/usr/bin/env bash
# Runs on the CUDA machine (H200, PyTorch's libtorch, no .NET) and measures issue #6's four targets in one go:
#   1. bench step: ResNet-18 CIFAR stem, 32x32, full NNCLR step, fp32 and bf16+channels_last, batch 512 and 1024
#   2. bench pipeline: real CIFAR-10 shards, full byol two-view policy, 15 augment threads, real step
#   3. train --preset cifar10-resnet18 for EPOCHS epochs (full schedule for that length), final kNN top-1
#   4. GPU memory sampled every 0.5 s during all of it (peak and end)
# Writes everything under $OUT (≤ 8 files). Expects /tmp/parts/p_* (CIFAR-10 parts) and .gpu/nnclr.tar.xz.
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
EPOCHS=${EPOCHS:-60}
BATCH=${BATCH:-1024}
log() { echo "[run.sh $(date +%T)] $*" | tee -a "$OUT/run.log"; }

cat /tmp/parts/p_* > /tmp/cifar.tar.gz
echo "2230eb446d8c4b538d71bd528a9fc5eacbc8b8582ba4c72fe0347a117844c1fb  /tmp/cifar.tar.gz" | sha256sum -c - || { log "CIFAR-10 sha256 mismatch"; exit 1; }
mkdir -p /tmp/app && tar -C /tmp/app -xJf .gpu/nnclr.tar.xz
APP=/tmp/app/pub/nnclr
TL=$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))' 2>/dev/null \
     || /opt/torch/.venv/bin/python -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')
export LD_LIBRARY_PATH=$TL
export DOTNET_gcServer=0

nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader -lms 500 > "$OUT/gpu_memory.csv" 2>&1 &
SMI=$!

log "doctor"; $APP doctor --json > "$OUT/doctor.json" 2>&1; cat "$OUT/doctor.json" >> "$OUT/run.log"
log "ingest"; $APP ingest cifar10 /tmp/cifar.tar.gz --out /tmp/cifar10 >> "$OUT/run.log" 2>&1

log "bench step"
for b in 512 1024; do
  $APP bench step --preset cifar10-resnet18 --batch-size $b --precision fp32 --channels-last false --steps 40 --json >> "$OUT/step.jsonl" 2>>"$OUT/run.log"
  $APP bench step --preset cifar10-resnet18 --batch-size $b --precision bf16 --channels-last true --steps 40 --json >> "$OUT/step.jsonl" 2>>"$OUT/run.log"
done

log "bench pipeline"
$APP bench pipeline --preset cifar10-resnet18 --data /tmp/cifar10 --batch-size $BATCH --augment-threads 15 \
  --set "Augment:Policy=byol" --steps 120 --json > "$OUT/pipeline.json" 2>>"$OUT/run.log"

log "train $EPOCHS epochs at batch $BATCH"
start=$(date +%s)
timeout 420 $APP train --preset cifar10-resnet18 --data /tmp/cifar10 --run-dir /tmp/run --batch-size $BATCH \
  --epochs "$EPOCHS" --set "Eval:KnnEveryEpochs=0;Eval:Baseline=false;Pipeline:AugmentThreads=15" --log-format json \
  > "$OUT/train.log" 2>&1
log "train exit $? after $(( $(date +%s) - start )) s"
cp /tmp/run/summary.json "$OUT/summary.json" 2>/dev/null
kill $SMI 2>/dev/null
log "done"
