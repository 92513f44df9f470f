#!/usr/bin/env bash
# All CPU benchmarks in one go; writes bench/results/<date>-cpu.json with date, commit, machine and commands (run under
# the allocator ./nnclr chooses), then bench/results/<date>-cpu-allocator.json: glibc malloc vs glibc tuned vs tcmalloc
# on bench step, the demo's training and final evaluation, eval knn, ingest and embed (bench/cpu/allocators.py).
# Usage: bench/cpu/run.sh [CIFAR_TAR_GZ]   (default ../shared/data/cifar-10-binary.tar.gz)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
cifar=${1:-$root/../shared/data/cifar-10-binary.tar.gz}
data=$(mktemp -d)/cifar10
./nnclr ingest cifar10 "$cifar" --out "$data" >/dev/null 2>&1
out=$(mktemp -d)
run() { local name=$1; shift; echo "[bench] $name: ./nnclr $*" >&2; ./nnclr "$@" > "$out/$name.json"; echo "./nnclr $*" > "$out/$name.cmd"; }
for s in 32 64 96; do run "augment_$s" bench augment --size $s --threads 1 --seconds 5 --json; done
run augment_32_2threads bench augment --size 32 --threads 2 --seconds 5 --json
run read bench read --data "$data" --json
run step bench step --preset cpu-smoke --steps 20 --warmup 3 --json
run pipeline_standin bench pipeline --preset cpu-smoke --data "$data" --step stand-in --steps 60 --json
run pipeline_real bench pipeline --preset cpu-smoke --data "$data" --step real --steps 40 --json
# Real photos (issue #11): decode + two views per JPEG beside the torchvision peer, and the pipeline at 224 px on an
# ingested jpeg dataset (stand-in step: what the data path alone delivers on these cores).
photos=$root/../shared/data/imagenet-sample-500
for s in 96 224; do run "jpeg_augment_$s" bench augment --source "$photos" --size $s --seconds 5 --json; done
jpeg=$(mktemp -d)/photos
./nnclr ingest folder "$photos" --unlabelled --format jpeg --out "$jpeg" >/dev/null 2>&1
run jpeg_pipeline_224_standin bench pipeline --preset cpu-smoke --data "$jpeg" --set "Augment:ViewSize=224;Augment:Policy=byol" --batch-size 32 --step stand-in --steps 40 --json
python3 - "$out" "$root" <<'PY'
import json, os, sys, subprocess, platform, datetime
out, root = sys.argv[1], sys.argv[2]
res = {}
for f in sorted(os.listdir(out)):
    if f.endswith(".json"):
        name = f[:-5]
        res[name] = {"command": open(os.path.join(out, name + ".cmd")).read().strip(), "result": json.load(open(os.path.join(out, f)))}
commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
doc = {"date": datetime.date.today().isoformat(), "commit": commit,
       "machine": f"{os.cpu_count()} cores, {cpu}, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, no GPU",
       "script": "bench/cpu/run.sh", "benchmarks": res}
path = os.path.join(root, "bench", "results", f"{doc['date']}-cpu.json")
json.dump(doc, open(path, "w"), indent=2)
print(path)
PY
python3 "$root/bench/cpu/allocators.py" "$cifar"
