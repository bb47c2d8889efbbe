#!/usr/bin/env python3
"""INT8 GEMM side by side in one run: Condense's kernel, PyTorch FBGEMM dynamic Linear, oneDNN u8s8s32, OpenBLAS sgemm.

Usage: tools/compare_int8_gemm.py [--rounds 5] [--threads 2] [--shapes sweep|M,K,N;...] [--fbgemm-isa auto|native|both|AVX2]
                                  [--no-onednn] [--json] [--weight-bits 8|7]
       CONDENSE_INT8_PATH=avx2 tools/compare_int8_gemm.py     # the AVX2 path on a CPU that also has VNNI

For each shape and round, alternating so that machine noise hits every side: `condense bench matmul --json`
(our dynamic-quantized Linear, float in → float out, quantization included; the raw u8×s8→s32 GEMM; OpenBLAS sgemm;
the peak loop of the int8 path in use; the weight-size read bandwidth), then tools/bench_torch_int8.py (FBGEMM dynamic
int8 Linear, the same float-in/float-out op), then oneDNN's dnnl_gemm_u8s8s32 (raw GEMM, packs B in every call) when
libdnnl-dev is installed. Every figure counts 2·M·K·N ops. The table gives medians over rounds, except the peak: a
ceiling, so the highest reading of the whole run (one number for the machine; a single reading drops when the second
core is busy at that moment).

The int8 path is whatever `condense` dispatches (int8_path in its JSON; CONDENSE_INT8_PATH forces one) and the peak is
that path's own loop (vpdpbusd for VNNI, vpmaddubsw+vpmaddwd+vpaddd for AVX2). FBGEMM picks its kernels by CPU
(AVX-512 VNNI where present); --fbgemm-isa AVX2 forces its AVX2 kernels (FBGEMM_ENABLE_INSTRUCTIONS=AVX2), and `auto`
does so whenever our path is avx2, so that both sides run the same instruction set; `both` times it both ways.
The goals printed depend on the path:
  avx2: ours ≥ 1.0 × FBGEMM at every shape, and ≥ 1.2 × where FBGEMM runs below 80 % of the AVX2 peak;
        ≥ 75 % of the peak for M ≥ 64; ≥ 1.5 × sgemm's rate for M ≥ 16 (FBGEMM = the AVX2 run when there is one).
  VNNI: ours ≥ 1.2 × FBGEMM at every shape; for M ≥ 64 at K=N ∈ {2048, 4096}: ≥ 75 % of the VNNI peak and
        ≥ 3 × sgemm; at M = 1: ≥ 80 % of the memory roofline (2 ops per weight byte × the measured read bandwidth).
--weight-bits 7 gives our side random weights in [-63, 63] (narrow: the 3-op AVX2 kernel; int8_kernel in the JSON
says which kernel ran); the other sides are unchanged.
Needs a release build (.build/release/condense) and the venv from tools/torch_env (TORCH_ENV_VENV points at another).
"""
import argparse, json, os, shutil, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWEEP = [(m, k, n) for k, n in [(768, 768), (2048, 2048), (4096, 4096)] for m in [1, 16, 64, 256, 2048]]


def run_json(cmd, env=None):
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")][0]


def onednn_binary():
    exe = "/tmp/condense_bench_onednn"
    if os.path.exists(exe):
        return exe
    if not os.path.exists("/usr/include/oneapi/dnnl/dnnl.h"):
        print("oneDNN: not installed (apt-get install libdnnl-dev); skipped", file=sys.stderr)
        return None
    cc = shutil.which("cc") or shutil.which("clang")
    r = subprocess.run([cc, "-O2", "-fopenmp", "tools/bench_onednn.c", "-ldnnl", "-o", exe], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"oneDNN: build failed, skipped\n{r.stderr}", file=sys.stderr)
        return None
    return exe


def fbgemm_runs(isa, path):
    """[(label, FBGEMM_ENABLE_INSTRUCTIONS value or None)] for the requested ISA and our int8 path."""
    if isa == "auto":
        return [("fbgemm", "AVX2")] if path == "avx2" else [("fbgemm", None)]
    if isa == "native":
        return [("fbgemm", None)]
    if isa == "both":
        return [("fbgemm", "AVX2"), ("fbgemm_native", None)]
    return [("fbgemm", isa.upper())]


def measure(shapes, args, py, env, dnnl, fb):
    rows = []
    for m, k, n in shapes:
        acc = {}
        for _ in range(args.rounds):
            ours = run_json([os.path.join(ROOT, ".build/release/condense"), "bench", "matmul", "--m", str(m), "--k", str(k),
                             "--n", str(n), "--weight-bits", str(args.weight_bits), "--json"], env)
            sample = dict(ours=ours["int8_gops"], ours_raw=ours["int8_raw_gops"], sgemm=ours["sgemm_gflops"],
                          peak=ours["peak_int8_gops"], roofline=ours["m1_roofline_gops"])
            acc.setdefault("path", []).append(ours["int8_path"])
            acc.setdefault("kernel", []).append(ours["int8_kernel"])
            for label, isa in fb:
                tenv = dict(env)
                if isa:
                    tenv["FBGEMM_ENABLE_INSTRUCTIONS"] = isa
                torch = run_json([py, "tools/bench_torch_int8.py", "--m", str(m), "--k", str(k), "--n", str(n),
                                  "--threads", str(args.threads), "--samples", "5", "--json"], tenv)
                sample[label] = torch["torch_int8_gops"]
                sample.setdefault("torch_fp32", torch["torch_fp32_gflops"])
            if dnnl:
                d = run_json([dnnl, "--m", str(m), "--k", str(k), "--n", str(n), "--threads", str(args.threads),
                              "--samples", "5", "--json"], env)
                sample["onednn"] = d["onednn_u8s8s32_gops"]
            for key, v in sample.items():
                acc.setdefault(key, []).append(v)
            acc.setdefault("vs_fbgemm", []).append(sample["ours"] / sample["fbgemm"])
        paths = set(acc.pop("path"))
        if len(paths) != 1:
            sys.exit(f"the int8 path changed between rounds: {sorted(paths)}")
        kernels = sorted(set(acc.pop("kernel")))
        med = {key: statistics.median(v) for key, v in acc.items()}
        med.update(m=m, k=k, n=n, rounds=args.rounds, peaks=acc["peak"], path=paths.pop(), kernel=",".join(kernels),
                   weight_bits=args.weight_bits)
        rows.append(med)
    peak = max(max(r["peaks"]) for r in rows) or float("nan")  # the scalar path has no peak loop (0)
    for r in rows:
        r["peak"] = peak
    return rows


def goals_avx2(r):
    fb, p = r["fbgemm"], r["ours"] / r["peak"]
    need = 1.2 if fb < 0.8 * r["peak"] else 1.0
    checks = [f"×FBGEMM {r['vs_fbgemm']:.2f} (need {need}: FBGEMM at {100 * fb / r['peak']:.0f} % of peak) "
              f"{'ok' if r['vs_fbgemm'] >= need else 'MISSED'}"]
    if r["m"] >= 64:
        checks.append(f"peak {100 * p:.0f} % {'ok' if p >= 0.75 else 'MISSED'}")
    if r["m"] >= 16:
        s = r["ours"] / r["sgemm"]
        checks.append(f"×sgemm {s:.2f} {'ok' if s >= 1.5 else 'MISSED'}")
    return checks


def goals_vnni(r):
    checks = [f"×FBGEMM {r['vs_fbgemm']:.2f} {'ok' if r['vs_fbgemm'] >= 1.2 else 'MISSED'}"]
    if r["m"] >= 64 and r["k"] in (2048, 4096):
        p, s = r["ours"] / r["peak"], r["ours"] / r["sgemm"]
        checks.append(f"peak {100 * p:.0f} % {'ok' if p >= 0.75 else 'MISSED'}")
        checks.append(f"×sgemm {s:.1f} {'ok' if s >= 3 else 'MISSED'}")
    if r["m"] == 1:
        f = r["ours"] / r["roofline"]
        checks.append(f"roofline {100 * f:.0f} % {'ok' if f >= 0.8 else 'MISSED'}")
    return checks


def print_table(rows, args, fb):
    path, peak = rows[0]["path"], rows[0]["peak"]
    native = any(label == "fbgemm_native" for label, _ in fb)
    print(f"int8 path {path}; its peak (highest reading of the run): {peak:.0f} GOPS")
    print(f"threads {args.threads}, medians over {args.rounds} rounds (GOPS = 2·M·K·N / time)")
    print(f"our weights: {args.weight_bits}-bit; our kernels: " + ", ".join(f"M={r['m']} {r['kernel']}" for r in rows))
    isa = dict(fb)["fbgemm"]
    print(f"FBGEMM: {'forced ' + isa + ' (FBGEMM_ENABLE_INSTRUCTIONS)' if isa else 'its own pick for this CPU'}"
          + ("; fbgemm_native: its own pick" if native else ""))
    print("| M | K=N | ours int8 (float→float) | ours raw s32 | FBGEMM dyn. Linear |" + (" FBGEMM native |" if native else "")
          + " oneDNN u8s8s32 | OpenBLAS sgemm GFLOP/s | peak | ours / FBGEMM | ours / sgemm | ours / peak | M=1 roofline |")
    print("|---:|---:|---:|---:|---:|" + ("---:|" if native else "") + "---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        roof = f"{r['roofline']:.0f} ({100 * r['ours'] / r['roofline']:.0f} %)" if r["m"] == 1 else "–"
        dn = f"{r['onednn']:.0f}" if "onednn" in r else "–"
        nat = f" {r['fbgemm_native']:.0f} |" if native else ""
        print(f"| {r['m']} | {r['k']} | {r['ours']:.0f} | {r['ours_raw']:.0f} | {r['fbgemm']:.0f} |{nat} {dn} | {r['sgemm']:.0f} "
              f"| {r['peak']:.0f} | {r['vs_fbgemm']:.2f} | {r['ours'] / r['sgemm']:.2f} | {100 * r['ours'] / r['peak']:.0f} % | {roof} |")
    print(f"\nGoals ({'AVX2' if path == 'avx2' else 'VNNI'}):")
    for r in rows:
        checks = goals_avx2(r) if path == "avx2" else goals_vnni(r)
        print(f"  M={r['m']} K=N={r['k']}: " + ", ".join(checks))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shapes", default="sweep", help="'sweep' or 'M,K,N;M,K,N'")
    ap.add_argument("--fbgemm-isa", default="auto", help="auto, native, both, or an FBGEMM ISA name such as AVX2")
    ap.add_argument("--no-onednn", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--weight-bits", type=int, default=8, choices=[8, 7], help="our random weights: 8 ([-127, 127]) or 7 ([-63, 63])")
    args = ap.parse_args()
    shapes = SWEEP if args.shapes == "sweep" else [tuple(int(v) for v in s.split(",")) for s in args.shapes.split(";")]
    py = subprocess.run([os.path.join(ROOT, "tools/torch_env")], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OMP_WAIT_POLICY="passive", CONDENSE_THREADS=str(args.threads))
    probe = run_json([os.path.join(ROOT, ".build/release/condense"), "bench", "matmul", "--m", "1", "--k", "64", "--n", "64",
                      "--reps", "1", "--json"], env)
    fb = fbgemm_runs(args.fbgemm_isa, probe["int8_path"])
    dnnl = None if args.no_onednn else onednn_binary()
    rows = measure(shapes, args, py, env, dnnl, fb)
    if args.json:
        for r in rows:
            print(json.dumps(r), flush=True)
        return
    print_table(rows, args, fb)


if __name__ == "__main__":
    main()
