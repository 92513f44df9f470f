#!/usr/bin/env bash
# Issue #23/#25 on the CUDA machine: NCCL at world size 1 against the one-process path (20 deterministic steps of
# `nnclr bench trace`, losses and final weights compared; a second single-engine trace gives the run-to-run floor),
# NCCL's per-step overhead (`bench step` with Run:Engine single vs nccl, same invocation settings) and
# `bench collectives` on NCCL. The trace uses the demo preset (tiny CNN, its whole state dumped as JSON). Expects .gpu/nnclr2.tgz (pub/ from scripts/publish.sh external + pub/lib/tcmalloc).
# Everything lands in $OUT as results.json + outputs.tgz (a call brings back at most 8 files).
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; W=/tmp/nccl; rm -rf "$W"; mkdir -p "$W"
rm -rf /tmp/app2 && mkdir -p /tmp/app2 && tar -C /tmp/app2 -xzf .gpu/nnclr2.tgz || { echo "no .gpu/nnclr2.tgz"; exit 1; }
A=/tmp/app2/pub/nnclr
TL=$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')
libdirs=$(find / -xdev \( -name 'libnccl.so.2' -o -name 'libcudart.so.1[23]' \) 2>/dev/null | xargs -r -n1 dirname | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH=$TL:$libdirs DOTNET_gcServer=0 LD_PRELOAD=/tmp/app2/pub/lib/libtcmalloc_minimal.so.4
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" > "$W/env.txt"
T="bench trace --preset demo --device cuda --steps 20"   # tiny CNN: its full weights and support set are dumped as JSON
timeout 90 $A $T --engine single --dump "$W/single.json" > "$W/trace_single.out" 2> "$W/trace_single.err"; echo "single rc $?" >> "$W/rc.txt"
timeout 90 $A $T --engine nccl --dump "$W/nccl.json" > "$W/trace_nccl.out" 2> "$W/trace_nccl.err"; echo "nccl rc $?" >> "$W/rc.txt"
timeout 90 $A $T --engine single --dump "$W/single2.json" > "$W/trace_single2.out" 2> "$W/trace_single2.err"; echo "single2 rc $?" >> "$W/rc.txt"
timeout 90 $A $T --float64 --engine single --dump "$W/single64.json" > "$W/trace_single64.out" 2> "$W/trace_single64.err"; echo "single64 rc $?" >> "$W/rc.txt"
timeout 90 $A $T --float64 --engine nccl --dump "$W/nccl64.json" > "$W/trace_nccl64.out" 2> "$W/trace_nccl64.err"; echo "nccl64 rc $?" >> "$W/rc.txt"
S="bench step --preset cifar10-resnet18 --device cuda --batch-size 1024 --precision bf16 --channels-last true --steps 40 --warmup 10 --json"
timeout 90 $A $S --set Run:Engine=single > "$W/step_single.out" 2> "$W/step_single.err"; echo "step single rc $?" >> "$W/rc.txt"
timeout 90 $A $S --set Run:Engine=nccl > "$W/step_nccl.out" 2> "$W/step_nccl.err"; echo "step nccl rc $?" >> "$W/rc.txt"
timeout 60 $A bench collectives --engine nccl --device cuda --json > "$W/coll_nccl.out" 2> "$W/coll_nccl.err"; echo "collectives rc $?" >> "$W/rc.txt"
$A doctor --json > "$W/doctor.json" 2>&1
python3 - "$W" > "$OUT/results.json" <<'PY'
import json, sys, os, math
w = sys.argv[1]
def j(name):
    try:
        t = open(os.path.join(w, name)).read(); return json.loads(t[t.find("{"):])
    except Exception as e: return {"error": repr(e)}
def flat(d):
    out = []
    def walk(x):
        if isinstance(x, dict): [walk(x[k]) for k in sorted(x)]
        elif isinstance(x, list): [walk(v) for v in x]
        elif isinstance(x, (int, float)): out.append(float(x))
    walk(d); return out
def cmp(a, b):
    fa, fb = flat(j(a)), flat(j(b))
    if not fa or len(fa) != len(fb): return {"error": f"lengths {len(fa)} vs {len(fb)}"}
    return {"values": len(fa), "max_abs_diff": max(abs(x - y) for x, y in zip(fa, fb))}
r = {"trace_single": j("trace_single.out"), "trace_nccl": j("trace_nccl.out"),
     "weights_single_vs_nccl": cmp("single.json", "nccl.json"), "weights_single_vs_single": cmp("single.json", "single2.json"),
     "weights_single_vs_nccl_float64": cmp("single64.json", "nccl64.json"),
     "step_single": j("step_single.out"), "step_nccl": j("step_nccl.out"), "collectives_nccl": j("coll_nccl.out"),
     "rc": open(os.path.join(w, "rc.txt")).read().splitlines()}
print(json.dumps(r, indent=1)[:200000])
PY
tar -C "$W" -czf "$OUT/outputs.tgz" --exclude='*.json' . ; cp "$W/doctor.json" "$OUT/" 2>/dev/null
cat "$W/rc.txt"; python3 -c "import json;r=json.load(open('$OUT/results.json'));print({k:r[k] for k in ('weights_single_vs_nccl','weights_single_vs_single','weights_single_vs_nccl_float64')}); print([ (k, r[k].get('ms_per_step')) for k in ('step_single','step_nccl')])"
