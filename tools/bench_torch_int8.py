#!/usr/bin/env python3
"""PyTorch dynamic-quantized int8 Linear (FBGEMM) vs fp32 nn.Linear timing: the peer for Condense's int8 GEMM.

Run with the private venv:  py=$(tools/torch_env | tail -1); "$py" tools/bench_torch_int8.py --json

int8: torch.ao.quantization.quantize_dynamic on an nn.Linear(K, N, bias=True) with dtype=torch.qint8 and
quantized engine 'fbgemm' (per-tensor weight scale). One timed call = the whole dynamic op on an fp32 (M, K)
input: activation range + quantize to uint8, u8×s8→s32 GEMM, requantize/dequantize to fp32, + bias.
fp32: the same nn.Linear's forward. Both run under torch.inference_mode().
Timing: each sample times enough back-to-back calls to last >= --min-ms; result = median over --samples
(the fastest sample is also given as *_ms_min: on a loaded machine it is the steadier number).
GOPS = 2*M*K*N / time (int8), GFLOP/s = 2*M*K*N / time (fp32); bias and quantization work are not counted.
"""
import argparse, json, statistics, sys, time, warnings

import torch
import torch.nn as nn

warnings.filterwarnings("ignore", message=r".*(deprecated|torch\.ao\.quantization).*")  # torch.ao deprecation notices

DEFAULT_M = [1, 16, 64, 256, 2048]
DEFAULT_KN = [(768, 768), (2048, 2048), (4096, 4096)]


def median_and_min_seconds(fn, samples, min_ms):
    fn()  # warm-up (packing, allocation)
    t0 = time.perf_counter(); fn(); once = time.perf_counter() - t0
    calls = max(1, int(min_ms / 1e3 / max(once, 1e-9)))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times), min(times)


def bench(m, k, n, args):
    torch.manual_seed(0)
    fp32 = nn.Linear(k, n, bias=True).eval()
    int8 = torch.ao.quantization.quantize_dynamic(nn.Sequential(fp32), {nn.Linear}, dtype=torch.qint8)[0]
    x = torch.randn(m, k)
    with torch.inference_mode():
        err = (int8(x) - fp32(x)).abs().max().item()
        t_int8, t_int8_min = median_and_min_seconds(lambda: int8(x), args.samples, args.min_ms)
        t_fp32, t_fp32_min = median_and_min_seconds(lambda: fp32(x), args.samples, args.min_ms)
    ops = 2.0 * m * k * n
    return dict(m=m, k=k, n=n, torch_int8_gops=ops / t_int8 / 1e9, torch_fp32_gflops=ops / t_fp32 / 1e9,
                int8_ms=t_int8 * 1e3, fp32_ms=t_fp32 * 1e3, int8_ms_min=t_int8_min * 1e3, fp32_ms_min=t_fp32_min * 1e3,
                int8_max_abs_err=err, engine=torch.backends.quantized.engine, threads=torch.get_num_threads(),
                torch=torch.__version__)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--m", type=int, help="rows of the input (batch × tokens); with --k and --n, one shape only")
    ap.add_argument("--k", type=int, help="input features")
    ap.add_argument("--n", type=int, help="output features")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--engine", default="fbgemm", help="torch.backends.quantized.engine (default fbgemm)")
    ap.add_argument("--samples", type=int, default=9, help="timed samples per shape; median reported (default 9)")
    ap.add_argument("--min-ms", type=float, default=50.0, help="minimum duration of one sample (default 50 ms)")
    ap.add_argument("--json", action="store_true", help="one JSON object per shape")
    args = ap.parse_args()
    given = [v is not None for v in (args.m, args.k, args.n)]
    if any(given) and not all(given):
        ap.error("give all of --m --k --n, or none for the default sweep")
    torch.set_num_threads(args.threads)
    if args.engine not in torch.backends.quantized.supported_engines:
        sys.exit(f"engine {args.engine} not in {torch.backends.quantized.supported_engines}")
    torch.backends.quantized.engine = args.engine
    shapes = [(args.m, args.k, args.n)] if all(given) else [(m, k, n) for k, n in DEFAULT_KN for m in DEFAULT_M]
    if not args.json:
        print(f"torch {torch.__version__}, engine {args.engine}, threads {torch.get_num_threads()}")
        print(f"{'M':>6} {'K':>6} {'N':>6} {'int8 ms':>10} {'int8 GOPS':>10} {'fp32 ms':>10} {'fp32 GFLOP/s':>12}")
    for m, k, n in shapes:
        r = bench(m, k, n, args)
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{m:6d} {k:6d} {n:6d} {r['int8_ms']:10.4f} {r['torch_int8_gops']:10.1f} "
                  f"{r['fp32_ms']:10.4f} {r['torch_fp32_gflops']:12.1f}", flush=True)


if __name__ == "__main__":
    main()
