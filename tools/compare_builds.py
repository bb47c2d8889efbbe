#!/usr/bin/env python3
"""Two `condense` binaries side by side (e.g. the release build against one built with CONDENSE_CHECKED_BUILD=1):
the training step, greedy decoding and reading a model, alternating A and B in every round; medians and the median
of the per-round ratios B/A (above 1: B is slower).

   python3 tools/compare_builds.py A/condense B/condense --rounds 5 [--gpt MODEL.h5]

--gpt names the GPT that `bench generate` decodes and `inspect` reads (default: a 6-layer 384-wide block-256 model
with random weights, made once with tools/make_test_model.py in a temp folder).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def workloads(gpt):
    """(name, argv after the binary, how to read the time in ms from stdout)."""
    def bench_ms(out):  # bench train --json: one object per config
        return json.loads(out.strip().splitlines()[-1])["step_ms_median"]

    def gen_ms(out):  # bench generate --json: ms per token at batch 1
        rows = [json.loads(line) for line in out.strip().splitlines()]
        return 1e3 / next(r["tokens_per_s"] for r in rows if "tokens_per_s" in r)
    return [
        ("train step, nanogpt-cpu", ["bench", "train", "--config", "nanogpt-cpu", "--runs", "5", "--json"], bench_ms),
        ("train step, mlp-teacher", ["bench", "train", "--config", "mlp-teacher", "--runs", "5", "--json"], bench_ms),
        ("decode, batch 1 (ms/token)", ["bench", "generate", gpt, "--batches", "1", "--tokens", "100", "--runs", "3",
                                        "--json"], gen_ms),
        ("inspect (wall ms)", ["inspect", gpt], None),
    ]


def run(binary, argv, parse):
    t0 = time.perf_counter()
    p = subprocess.run([binary, *argv], capture_output=True, text=True)
    wall = (time.perf_counter() - t0) * 1e3
    if p.returncode != 0:
        sys.exit(f"compare_builds: error: {binary} {' '.join(argv)} exited {p.returncode}: {p.stderr.strip()[:300]}")
    return parse(p.stdout) if parse else wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a"), ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--gpt")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        gpt = args.gpt or os.path.join(d, "gpt.h5")
        if not args.gpt:
            subprocess.run([sys.executable, os.path.join(HERE, "make_test_model.py"), gpt, "--family", "gpt",
                            "--n-layer", "6", "--n-head", "6", "--head-dim", "64", "--n-embd", "384",
                            "--ffn-hidden", "1536", "--block-size", "256", "--vocab-size", "65", "--seed", "1"],
                           check=True, capture_output=True)
        rows = []
        for name, argv, parse in workloads(gpt):
            ta, tb = [], []
            for r in range(args.rounds):
                order = [(args.a, ta), (args.b, tb)] if r % 2 == 0 else [(args.b, tb), (args.a, ta)]
                for binary, acc in order:
                    acc.append(run(binary, argv, parse))
            ratios = [b / a for a, b in zip(ta, tb)]
            rows.append({"workload": name, "a_ms": statistics.median(ta), "b_ms": statistics.median(tb),
                         "ratio_b_over_a": statistics.median(ratios), "ratios": [round(x, 3) for x in ratios]})
            print(f"{name}: A {rows[-1]['a_ms']:.3f} ms, B {rows[-1]['b_ms']:.3f} ms, "
                  f"B/A {rows[-1]['ratio_b_over_a']:.3f} (rounds {rows[-1]['ratios']})", flush=True)
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
