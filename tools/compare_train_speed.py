#!/usr/bin/env python3
"""Training-step time, Condense against PyTorch eager, side by side in one run: median ratios over rounds.

Usage: tools/compare_train_speed.py [--rounds 5] [--threads 2] [--config all|nanogpt-cpu|shakespeare-teacher|mlp-teacher]

Each round runs `condense bench train` (median of 5 timed runs) and then tools/bench_torch_train.py (SDPA attention, the faster PyTorch
variant; OMP_WAIT_POLICY=passive) (median of 5 timed runs) on the same config, batch and thread count, alternating so that machine noise
hits both. A round's ratio is Condense's step time / PyTorch's; the table gives the median ratio and the median
step times. Needs a release build (.build/release/condense) and the venv from tools/torch_env.
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = {"nanogpt-cpu": 10, "shakespeare-teacher": 2, "mlp-teacher": 20}


def run_json(cmd, env=None):
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--config", default="all")
    args = ap.parse_args()
    py = subprocess.run([os.path.join(ROOT, "tools/torch_env")], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    env = dict(os.environ, OMP_WAIT_POLICY="passive", OMP_NUM_THREADS=str(args.threads))
    configs = list(STEPS) if args.config == "all" else [args.config]
    rows = []
    for name in configs:
        ours, theirs = [], []
        for _ in range(args.rounds):
            o = run_json([os.path.join(ROOT, ".build/release/condense"), "bench", "train", "--config", name, "--runs", "5",
                          "--steps", str(STEPS[name]), "--warmup", "2", "--json"])[0]
            t = run_json([py, "tools/bench_torch_train.py", "--config", name, "--runs", "5", "--steps", str(STEPS[name]),
                          "--warmup", "2", "--threads", str(args.threads), "--attention", "sdpa", "--json"], env)[0]
            ours.append(o["step_ms_median"]); theirs.append(t["step_ms_median"])
        ratios = [a / b for a, b in zip(ours, theirs)]
        rows.append(dict(config=name, condense_ms=statistics.median(ours), torch_ms=statistics.median(theirs),
                         ratio_median=statistics.median(ratios), ratios=[round(r, 3) for r in ratios],
                         condense_gflops=o["gflops"]))
    print("| config | Condense step (median) | PyTorch step (median) | median ratio Condense/PyTorch | per-round ratios |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['condense_ms']:.1f} ms | {r['torch_ms']:.1f} ms | **{r['ratio_median']:.2f}** | {r['ratios']} |")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
