#!/usr/bin/env python3
"""glibc malloc vs glibc tuned (MALLOC_MMAP_MAX_=0) vs tcmalloc on the same machine, in one invocation (issue #21).

Usage: bench/cpu/allocators.py CIFAR_TAR_GZ [--rounds N] [--demo-steps N] [--nnclr LAUNCHER]
Each workload runs once per allocator per round, allocators alternating, through ./nnclr with NNCLR_ALLOCATOR set:
  step    bench step --preset cpu-smoke (synthetic batches)            -> images/s
  demo    train --preset demo --max-steps N (fresh run directory)      -> training images/s, training s, final evaluation s
  eval    eval knn on that demo run's checkpoint, demo data            -> images/s
  ingest  ingest cifar10 (60,000 images into LZ4 shards)               -> images/s
  embed   embed --data <demo data> --split test with the demo run      -> images/s
with wall, user and system CPU of each process (getrusage of the child). Writes
bench/results/<date>-cpu-allocator.json (date, commit, CPU model) and prints a table of ratios to glibc.
"""
import json, os, resource, shutil, subprocess, sys, tempfile, time, datetime, argparse

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ap = argparse.ArgumentParser()
ap.add_argument("cifar")
ap.add_argument("--rounds", type=int, default=1)
ap.add_argument("--demo-steps", type=int, default=150)
ap.add_argument("--step-steps", type=int, default=8)
ap.add_argument("--allocators", default="glibc,glibc-tuned,tcmalloc")
ap.add_argument("--only", default="step,demo,eval,ingest,embed")
ap.add_argument("--nnclr", default=os.path.join(root, "nnclr"),
                help="the launcher to measure: ./nnclr (default) or a published build's nnclr (scripts/publish.sh)")
args = ap.parse_args()
allocators = args.allocators.split(",")
only = set(args.only.split(","))
work = tempfile.mkdtemp(prefix="nnclr-alloc-bench-")
nnclr = args.nnclr


def run(allocator, argv, env_extra=None):
    env = dict(os.environ, NNCLR_ALLOCATOR=allocator, NNCLR_Run__LogFormat="json", **(env_extra or {}))
    for k in ("LD_PRELOAD", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_"):
        env.pop(k, None)  # the launcher decides from NNCLR_ALLOCATOR alone
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run([nnclr, *argv], env=env, capture_output=True, text=True, cwd=root)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"[alloc-bench] {allocator}: ./nnclr {' '.join(argv)} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.stdout, {"wall_s": round(wall, 2), "user_s": round(after.ru_utime - before.ru_utime, 2),
                      "sys_s": round(after.ru_stime - before.ru_stime, 2), "max_rss_mb": round(after.ru_maxrss / 1024, 1)}


def events(stdout):
    for line in stdout.splitlines():
        if line.startswith("{"):
            try: yield json.loads(line)
            except ValueError: pass


# Data once, outside the timings: the demo dataset (train 10,000 + test 2,000 at 32 px).
demo = os.path.join(work, "demo")
subprocess.run([nnclr, "ingest", "demo", "--out", demo], check=True, cwd=root, capture_output=True)
def write(results):
    """Writes the JSON (after every allocator, so a long series interrupted on a loaded machine keeps what it measured)."""
    commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = open("/proc/loadavg").read().split()[:3]
    doc = {"date": datetime.date.today().isoformat(), "commit": commit, "script": "bench/cpu/allocators.py (bench/cpu/run.sh)",
           "machine": f"{os.cpu_count()} cores, {cpu}", "loadavg": load,
           "note": "allocators alternate within each round, so ratios hold on a loaded machine; absolute times do not",
           "command": " ".join(sys.argv), "results": results}
    path = os.path.join(root, "bench", "results", f"{doc['date']}-cpu-allocator.json")
    json.dump(doc, open(path, "w"), indent=2)
    return path


results = {a: [] for a in allocators}
for r in range(args.rounds):
    for a in allocators:
        rec = {}
        print(f"[alloc-bench] round {r + 1}, {a}", file=sys.stderr, flush=True)
        if "step" in only:
            out, t = run(a, ["bench", "step", "--preset", "cpu-smoke", "--steps", str(args.step_steps), "--warmup", "2", "--json"])
            j = json.loads(out[out.index("{"):])
            rec["step"] = {**t, "result": j}
        run_dir = os.path.join(work, f"run-{a}-{r}")
        if "demo" in only or "eval" in only or "embed" in only:
            out, t = run(a, ["train", "--preset", "demo", "--data", demo, "--run-dir", run_dir, "--max-steps", str(args.demo_steps)])
            summary = json.load(open(os.path.join(run_dir, "summary.json")))
            final_s = next((e.get("elapsed_s") for e in events(out) if e.get("event") == "phase_done" and e.get("phase") == "final evaluation"), None)
            train_s = summary.get("elapsed_s")
            batch = json.load(open(os.path.join(run_dir, "config.resolved.json"))).get("Optim", {}).get("BatchSize")
            rec["demo"] = {**t, "steps": summary.get("steps"), "train_s": train_s, "final_eval_s": final_s,
                           "train_images_per_s": round(summary["steps"] * batch / train_s, 1) if batch and train_s else None,
                           "final_eval": summary.get("final_eval")}
        if "eval" in only:
            out, t = run(a, ["eval", "knn", "--checkpoint", run_dir, "--data", demo, "--json"])
            j = json.loads(out[out.index("{"):])
            rec["eval"] = {**t, "images": j.get("train", 0) + j.get("test", 0), "top1": j.get("top1")}
            rec["eval"]["images_per_s"] = round(rec["eval"]["images"] / t["wall_s"], 1)
        if "ingest" in only:
            dst = os.path.join(work, f"cifar-{a}-{r}")
            _, t = run(a, ["ingest", "cifar10", args.cifar, "--out", dst])
            rec["ingest"] = {**t, "images": 60000, "images_per_s": round(60000 / t["wall_s"], 1)}
            shutil.rmtree(dst, ignore_errors=True)
        if "embed" in only:
            dst = os.path.join(work, f"emb-{a}-{r}.npy")
            _, t = run(a, ["embed", "--checkpoint", run_dir, "--data", demo, "--split", "test", "--out", dst])
            rec["embed"] = {**t, "images": 2000, "images_per_s": round(2000 / t["wall_s"], 1)}
        results[a].append(rec)
        write(results)
        print(f"[alloc-bench] {a}: " + json.dumps({k: {x: v.get(x) for x in ("wall_s", "user_s", "sys_s")} for k, v in rec.items()}), file=sys.stderr, flush=True)

print(write(results))
shutil.rmtree(work, ignore_errors=True)
