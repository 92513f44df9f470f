#!/usr/bin/env python3
"""Collects bench/gpu/run.sh's outputs in OUT into one results JSON (bench/results/ format: date, commit, machine,
script, benchmarks{name: {command, result}}), with the ratios issue #16 asks for. Standard library only."""
import json, os, re, sys, datetime

out = sys.argv[1]
def path(name): return os.path.join(out, name)
def read(name, default=""):
    try:
        with open(path(name)) as f: return f.read()
    except OSError: return default
def load_json(name):
    text = read(name)
    start = text.find("{")
    if start < 0: return None
    try: return json.loads(text[start:])
    except json.JSONDecodeError: return None

commands = dict(line.split("\t", 1) for line in read("commands.tsv").splitlines() if "\t" in line)
build = load_json("build_info.json") or {}
machine = [l.strip() for l in read("machine.txt").splitlines() if l.strip()]
phases = []
for line in read("phases.txt").splitlines():
    t, name = line.split(" ", 1); phases.append((float(t), name))

bench = {}
def put(name, result, command_key=None):
    bench[name] = {"command": commands.get(command_key or name, ""), "result": result}

# 1. step beside its PyTorch peer
peer_re = re.compile(r"RESULT pytorch step mode=(\S+) batch=(\d+): ([0-9.]+) ms/step, ([0-9.]+) images/s")
for mode, batch in (("bf16cl", 512), ("bf16cl", 1024), ("tf32", 512)):
    ours = load_json(f"step_nnclr_{mode}_{batch}.out")
    m = peer_re.search(read(f"step_pytorch_{mode}_{batch}.out"))
    peer = {"ms_per_step": float(m.group(3)), "images_per_s": float(m.group(4))} if m else None
    ratio = round(ours["images_per_s"] / peer["images_per_s"], 3) if ours and peer else None
    bench[f"step_{mode}_{batch}"] = {
        "command": commands.get(f"step_nnclr_{mode}_{batch}", ""), "peer_command": commands.get(f"step_pytorch_{mode}_{batch}", ""),
        "result": {"ours": ours, "pytorch_eager": peer, "ratio_to_pytorch": ratio, "target": ">= 1.0" if mode == "bf16cl" else None}}

# 2./3. pipelines
for name in ("pipeline32", "pipeline224_resnet18", "pipeline224_resnet50"):
    r = load_json(f"{name}.out")
    if r is not None or name in commands:
        put(name, {"report": r, "target": "ratio_to_synthetic >= 0.95"})

# 5. time to accuracy
summary = load_json("summary.json")
if "train" in commands:
    wall = read("train_wall_s.txt").strip()
    put("train_cifar10_resnet18", {
        "summary": summary, "wall_s": int(wall) if wall.isdigit() else None,
        "pytorch_reference_same_machine_type": {"script": "../shared/tools/gpuprobe/ref_train.py", "batch": 1024, "epochs": 70,
                                                 "train_s": 132, "knn_top1": 74.71, "source": "../shared/docs/GPU.md"},
        "target": "kNN within 1.5 points of 74.71, train time <= 105 s"}, "train")

# 6. GPU memory and utilisation, overall and per phase
samples = []
for line in read("gpu_samples.csv").splitlines():
    parts = [p.strip() for p in line.split(",")]
    if len(parts) != 3: continue
    try:
        ts = datetime.datetime.strptime(parts[0], "%Y/%m/%d %H:%M:%S.%f").timestamp()
        samples.append((ts, float(parts[1]), float(parts[2])))
    except ValueError: continue
def summarise(rows):
    if not rows: return None
    return {"samples": len(rows), "memory_used_mib_peak": max(r[1] for r in rows), "memory_used_mib_end": rows[-1][1],
            "utilisation_pct_mean": round(sum(r[2] for r in rows) / len(rows), 1)}
per_phase = {}
for i, (t, name) in enumerate(phases):
    end = phases[i + 1][0] if i + 1 < len(phases) else float("inf")
    # nvidia-smi prints local time, parsed here in the same zone, so both are epoch seconds of one clock.
    per_phase[name] = summarise([s for s in samples if t <= s[0] < end])
put("gpu_samples", {"overall": summarise(samples), "per_phase": per_phase,
                    "note": "utilisation is nvidia-smi's busy share per 200 ms sample; idle share between steps = 100 - mean during pipeline32/train"})
bench["gpu_samples"]["command"] = "nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader,nounits -lms 200"

print(json.dumps({
    "date": datetime.datetime.fromtimestamp(phases[0][0] if phases else 0, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
    "commit": build.get("commit"), "commit_dirty": build.get("dirty"),
    "machine": "; ".join(machine), "script": "bench/gpu/run.sh", "issue": 16, "benchmarks": bench}, indent=2))
