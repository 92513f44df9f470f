#!/usr/bin/env bash
# The demo preset's gain over random init for the default seed and seeds 1, 2, 3, each in a fresh run
# directory (the dataset is generated once), then the same with OMP_NUM_THREADS=1 unless QUICK=1.
# Prints one table row per run and writes bench/results/<date>-demo-seeds.json.
#   bench/cpu/demo-seeds.sh            # 8 runs, ~15 minutes on 2 cores
#   QUICK=1 bench/cpu/demo-seeds.sh    # 4 runs
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
work=$(mktemp -d /tmp/nnclr-demo-seeds.XXXXXX)
trap 'rm -rf "$work"' EXIT
cpu=$(grep -m1 "model name" /proc/cpuinfo | sed 's/.*: //')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
./nnclr doctor >/dev/null                        # build once, outside the timings
rows=()
printf '%-8s %-6s %9s %9s %7s %7s\n' seed omp knn_top1 random gain wall_s
variants=("default:" "1:" "2:" "3:")
[ "${QUICK:-0}" = 1 ] || variants+=("default:1" "1:1" "2:1" "3:1")
for v in "${variants[@]}"; do
  seed=${v%%:*}; omp=${v#*:}
  dir="$work/run-$seed-${omp:-all}"
  args=(train --preset demo --data "$work/data" --run-dir "$dir" --log-format json)
  [ "$seed" = default ] || args+=(--set "Run:Seed=$seed")
  start=$(date +%s.%N)
  if [ -n "$omp" ]; then OMP_NUM_THREADS=$omp ./nnclr "${args[@]}" >"$dir.log" 2>&1; else ./nnclr "${args[@]}" >"$dir.log" 2>&1; fi
  end=$(date +%s.%N)
  read -r top1 random < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["final_eval"]; print(e["knn_top1"], e["knn_top1_random_init"])' "$dir/summary.json")
  gain=$(python3 -c "print(round($top1-$random,2))")
  wall=$(python3 -c "print(round($end-$start,1))")
  printf '%-8s %-6s %9s %9s %7s %7s\n' "$seed" "${omp:-all}" "$top1" "$random" "$gain" "$wall"
  rows+=("{\"seed\":\"$seed\",\"omp_num_threads\":\"${omp:-all}\",\"knn_top1\":$top1,\"knn_top1_random_init\":$random,\"gain_points\":$gain,\"wall_s\":$wall}")
done
mkdir -p bench/results
out="bench/results/$(date -u +%F)-demo-seeds.json"
{
  echo "{\"date\":\"$(date -u +%FT%TZ)\",\"commit\":\"$commit\",\"machine\":\"$cpu, $(nproc) cores\","
  echo " \"command\":\"bench/cpu/demo-seeds.sh (./nnclr train --preset demo [--set Run:Seed=N], fresh run directory each)\","
  echo " \"note\":\"wall_s excludes the one-off dataset generation (about 1 s) for all but the first run\","
  echo " \"runs\":[$(IFS=,; echo "${rows[*]}")]}"
} >"$out"
echo "CPU: $cpu; written $out"
