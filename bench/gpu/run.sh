#!/usr/bin/env bash
# Runs on the CUDA machine (H200, PyTorch's libtorch, no .NET) and measures issue #16 in one call, most important
# first so a cut-short run still answers them:
#   1. step: `bench step`, ResNet-18 CIFAR stem, 32 px, full NNCLR step, bf16 + channels_last at batch 512 and
#      1024, then fp32 (TF32) at 512; each followed at once by its PyTorch eager peer (ref_probe.py, same maths)
#   2. pipeline at 32 px: `bench pipeline` on real CIFAR-10 shards, full byol two-view policy, 15 augment threads,
#      real step; end-to-end vs the synthetic step measured in the same invocation, per-stage table
#   5. time to accuracy: `train --preset cifar10-resnet18` for EPOCHS (70) epochs at BATCH (1,024), full schedule
#      for that length, final kNN; PyTorch's figure on this machine type is ref_train.py's in GPU.md (132 s, 74.71 %)
#   6. GPU memory and utilisation sampled every 0.2 s throughout (phases.txt marks when each phase began)
#   3. pipeline at 224 px only if ingested JPEG shards are at $JPEG_SHARDS (not carried by default)
# Everything lands in $OUT: results.json (date, commit, machine, command per figure; bench/results/ format),
# the raw outputs and run.log. The script keeps to BUDGET_S seconds (default 560, under the 600 s per call).
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
BUDGET_S=${BUDGET_S:-560}
EPOCHS=${EPOCHS:-70}
BATCH=${BATCH:-1024}
JPEG_SHARDS=${JPEG_SHARDS:-/tmp/parts/jpeg500}
DEVICE=${DEVICE:-cuda}            # rehearsal on a CPU machine: DEVICE=cpu with a stub nvidia-smi on PATH
NCCL_STEPS=${NCCL_STEPS:-20}
T0=$(date +%s)
left() { echo $(( BUDGET_S - ($(date +%s) - T0) )); }
log() { echo "[run.sh $(date +%T) +$(( $(date +%s) - T0 ))s] $*" | tee -a "$OUT/run.log"; }
phase() { echo "$(date +%s.%N) $1" >> "$OUT/phases.txt"; log "phase $1"; }
# Runs one measurement with a time limit, recording its command line for results.json.
measure() { local name=$1 limit=$2; shift 2
  printf '%s\t%s\n' "$name" "$*" >> "$OUT/commands.tsv"
  timeout -s TERM "$limit" "$@" > "$OUT/$name.out" 2>> "$OUT/run.log"; local rc=$?
  log "$name exit $rc"; return 0; }

# --- inputs: CIFAR-10 parts (in /tmp/parts from earlier calls, or carried under .gpu/), the app, PyTorch -------
parts=$(ls /tmp/parts/p_* 2>/dev/null || ls .gpu/p_* 2>/dev/null)
[ -n "$parts" ] || { log "no CIFAR-10 parts in /tmp/parts or .gpu/"; exit 1; }
cat $parts > /tmp/cifar.tar.gz
echo "2230eb446d8c4b538d71bd528a9fc5eacbc8b8582ba4c72fe0347a117844c1fb  /tmp/cifar.tar.gz" | sha256sum -c - >/dev/null \
  || { log "CIFAR-10 sha256 mismatch (parts: $parts)"; exit 1; }
rm -rf /tmp/app && mkdir -p /tmp/app && tar -C /tmp/app -xJf .gpu/nnclr.tar.xz || { log "no .gpu/nnclr.tar.xz"; exit 1; }
APP=/tmp/app/pub/nnclr
cp /tmp/app/pub/BUILD_INFO.json "$OUT/build_info.json"
PY=python3; $PY -c 'import torch' 2>/dev/null || PY=/opt/torch/.venv/bin/python
TL=$($PY -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))') || { log "no importable PyTorch"; exit 1; }
export LD_LIBRARY_PATH=$TL DOTNET_gcServer=0 NNCLR_Run__LogFormat=json
# The host allocator nnclr's launcher chooses on CPU machines (issue #21), carried in the tarball: tcmalloc keeps
# libtorch's host tensors instead of returning them to the kernel every step.
if [ -f /tmp/app/pub/lib/libtcmalloc_minimal.so.4 ] && [ "${NNCLR_ALLOCATOR:-tcmalloc}" = tcmalloc ]; then
  export LD_PRELOAD=/tmp/app/pub/lib/libtcmalloc_minimal.so.4${LD_PRELOAD:+:$LD_PRELOAD}; fi
echo "allocator: ${LD_PRELOAD:-glibc}" >> "$OUT/run.log"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nvidia-smi | grep -o 'CUDA Version: [0-9.]*';
  nproc; grep -m1 'model name' /proc/cpuinfo; $PY -c 'import torch;print("torch", torch.__version__, torch.version.cuda)'; } > "$OUT/machine.txt" 2>&1

nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader,nounits -lms 200 > "$OUT/gpu_samples.csv" 2>&1 &
SMI=$!
# Host resident set of every nnclr process, once a second (issue #25 target 7: host RSS flat over the run).
( while sleep 1; do for p in $(pgrep -f /tmp/app/pub/nnclr); do
    printf '%s %s %s\n' "$(date +%s)" "$p" "$(awk '/^VmRSS/ {print $2}' /proc/$p/status 2>/dev/null)"; done; done > "$OUT/rss_samples.txt" ) &
RSS=$!
trap 'kill $SMI $RSS 2>/dev/null' EXIT

phase doctor; $APP doctor --json > "$OUT/doctor.json" 2>> "$OUT/run.log"; log "doctor exit $?"
phase ingest; $APP ingest cifar10 /tmp/cifar.tar.gz --out /tmp/cifar10 >> "$OUT/run.log" 2>&1 || { log "ingest failed"; exit 1; }

# --- 1. step, each beside its PyTorch peer --------------------------------------------------------------------
phase step
for spec in "512 bf16 true bf16cl" "1024 bf16 true bf16cl"; do
  set -- $spec
  measure "step_nnclr_$4_$1" 120 $APP bench step --preset cifar10-resnet18 --device "$DEVICE" --batch-size "$1" --precision "$2" \
    --channels-last "$3" --steps 40 --warmup 10 --json
  measure "step_pytorch_$4_$1" 120 $PY /tmp/app/pub/ref/ref_probe.py step "$4" "$1"
done

# --- 2. pipeline at 32 px -------------------------------------------------------------------------------------
phase pipeline32
measure pipeline32 150 $APP bench pipeline --preset cifar10-resnet18 --device "$DEVICE" --data /tmp/cifar10 --batch-size "$BATCH" \
  --augment-threads 15 --set "Augment:Policy=byol" --steps 100 --json

# --- 3. pipeline at 224 px (only with carried JPEG shards) ----------------------------------------------------
if [ -n "$JPEG_SHARDS" ] && [ -d "$JPEG_SHARDS" ] && [ "$(left)" -gt 260 ]; then
  phase pipeline224
  for bb in resnet18 resnet50; do
    measure "pipeline224_$bb" 45 $APP bench pipeline --preset cifar10-resnet18 --device "$DEVICE" --data "$JPEG_SHARDS" --batch-size 256 \
      --augment-threads 15 --set "Model:Backbone=$bb;Augment:Policy=byol;Augment:ViewSize=224" --steps 30 --json
  done
fi

# --- 5. time to accuracy (whatever time is left, less 20 s to collect) -----------------------------------------
phase train
limit=$(( $(left) - 20 ))
if [ "$limit" -gt 60 ]; then
  start=$(date +%s)
  measure train "$limit" $APP train --preset cifar10-resnet18 --data /tmp/cifar10 --run-dir /tmp/run --batch-size "$BATCH" \
    --epochs "$EPOCHS" --set "Eval:KnnEveryEpochs=0;Eval:Baseline=false;Pipeline:AugmentThreads=15" --log-format json
  echo "$(( $(date +%s) - start ))" > "$OUT/train_wall_s.txt"
  cp /tmp/run/summary.json "$OUT/summary.json" 2>/dev/null || log "no summary.json"
else
  log "train skipped: only $limit s left"
fi


phase end
kill $SMI $RSS 2>/dev/null
$PY "$(dirname "$0")/collect.py" "$OUT" > "$OUT/results.json" 2>> "$OUT/run.log" || log "collect failed"
log "done; results.json:"; cat "$OUT/results.json"
# A call brings back at most 8 files: everything goes back as one archive beside results.json.
tar -C "$OUT" -czf /tmp/run-outputs.tgz --exclude=results.json . && find "$OUT" -mindepth 1 ! -name results.json -delete \
  && mv /tmp/run-outputs.tgz "$OUT/outputs.tgz"
