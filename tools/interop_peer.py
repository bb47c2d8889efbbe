#!/usr/bin/env python3
"""Runs Condense's exports in their own frameworks (the peer for InteropTests and docs/PERFORMANCE.md).

   python tools/interop_peer.py keras MODEL.keras IN.h5 OUT.h5        keras.saving.load_model, predict → OUT.h5 logits
   python tools/interop_peer.py onnx MODEL.onnx IN.h5 OUT.h5          onnx.checker, onnxruntime → OUT.h5 logits; prints
                                                                       the op types of ORT's optimized graph as JSON
   python tools/interop_peer.py hf DIR IN.h5 OUT.h5 [--generate N]    GPT2LMHeadModel.from_pretrained → logits; with
                                                                       --generate, greedy generate N tokens after IN's
                                                                       first row, printed as JSON {"tokens": [...]}
   python tools/interop_peer.py bench FLOAT.onnx INT8.onnx IN.h5 [--rounds 7] [--also OTHER.onnx ...]
                                  [--condense FLOAT.h5 INT8.h5 --data NAME]
                                                                       ORT latency: our float, our int8, and ORT's own
                                                                       quantize_dynamic of our float export, alternating;
                                                                       with --condense, `condense report`'s batch-1 and
                                                                       batch-64 latency of the same models in each round
IN.h5 holds dataset `input` as `condense predict` reads it; OUT.h5 gets dataset `logits` (float32).
"""
import json, os, sys, tempfile, time
os.environ.setdefault("KERAS_BACKEND", "torch")
import h5py, numpy as np


def read_input(path):
    with h5py.File(path, "r") as f:
        return f["input"][()]


def write_logits(path, y):
    with h5py.File(path, "w") as f:
        f["logits"] = np.asarray(y, dtype=np.float32)


def run_keras(model, inp, out):
    import keras
    m = keras.saving.load_model(model)
    write_logits(out, m.predict(read_input(inp).astype(np.float32), verbose=0))


def session(path, optimized=None, threads=0):
    import onnxruntime as ort
    so = ort.SessionOptions()
    if optimized:
        so.optimized_model_filepath = optimized
    if threads:
        so.intra_op_num_threads = threads
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def feed(sess, x):
    name = sess.get_inputs()[0].name
    return {name: x.astype(np.int64) if "int64" in sess.get_inputs()[0].type else x.astype(np.float32)}


def run_onnx(model, inp, out):
    import onnx
    onnx.checker.check_model(onnx.load(model), full_check=True)
    with tempfile.TemporaryDirectory() as d:
        opt = os.path.join(d, "optimized.onnx")
        s = session(model, optimized=opt)
        x = read_input(inp)
        write_logits(out, s.run(None, feed(s, x))[0])
        ops = sorted({n.op_type for n in onnx.load(opt).graph.node})
    m = onnx.load(model)
    print(json.dumps({"checker": "ok", "ir_version": m.ir_version, "opset": [o.version for o in m.opset_import],
                      "optimized_ops": ops}))


def run_hf(folder, inp, out, generate):
    import torch
    from transformers import GPT2LMHeadModel
    m = GPT2LMHeadModel.from_pretrained(folder).eval()
    x = torch.from_numpy(read_input(inp).astype(np.int64))
    with torch.no_grad():
        write_logits(out, m(x).logits.numpy())
        if generate:
            g = m.generate(x[:1], max_new_tokens=generate, do_sample=False, pad_token_id=0,
                           eos_token_id=None, attention_mask=torch.ones_like(x[:1]))
            print(json.dumps({"tokens": g[0, x.shape[1]:].tolist()}))


CONDENSE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "condense")


def condense_latency(models, data):
    """`condense report`'s in-process latency medians (ms) at batch 1 and 64 of each model, one subprocess."""
    import subprocess
    cmd = [CONDENSE, "report", *models, "--data", data, "--eval-batches", "1", "--generate-tokens", "0", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    rows = json.loads(out.stdout)["models"]
    return {r["file"]: (r["latency_b1_ms"], r["latency_b64_ms"]) for r in rows}


def bench(float_path, int8_path, inp, rounds, also=None, condense=None, data=None):
    from onnxruntime.quantization import quantize_dynamic, QuantType
    x = read_input(inp)
    with tempfile.TemporaryDirectory() as d:
        ortq = os.path.join(d, "ort_dynamic.onnx")
        quantize_dynamic(float_path, ortq, weight_type=QuantType.QInt8)
        sessions = {"ort float (our export)": session(float_path), "ort int8 (our export)": session(int8_path),
                    "ort int8 (quantize_dynamic of our float)": session(ortq)}
        for path in also or []:
            sessions[f"ort {os.path.basename(path)}"] = session(path)
        times = {k: [] for k in sessions}
        for _ in range(rounds):
            for k, s in sessions.items():
                f = feed(s, x)
                s.run(None, f)
                t0 = time.perf_counter()
                n = 0
                while time.perf_counter() - t0 < 0.2 or n < 5:
                    s.run(None, f)
                    n += 1
                times[k].append((time.perf_counter() - t0) / n * 1e3)
            if condense:
                for path, (b1, b64) in condense_latency(condense, data).items():
                    times.setdefault(f"condense {path} batch 1", []).append(b1)
                    times.setdefault(f"condense {path} batch 64", []).append(b64)
        print(json.dumps({k: {"median_ms": float(np.median(v)), "rounds_ms": v} for k, v in times.items()}))


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    if a[0] == "keras":
        run_keras(*a[1:4])
    elif a[0] == "onnx":
        run_onnx(*a[1:4])
    elif a[0] == "hf":
        gen = int(a[a.index("--generate") + 1]) if "--generate" in a else 0
        run_hf(a[1], a[2], a[3], gen)
    elif a[0] == "bench":
        r = int(a[a.index("--rounds") + 1]) if "--rounds" in a else 7
        cond = a[a.index("--condense") + 1:a.index("--condense") + 3] if "--condense" in a else None
        data = a[a.index("--data") + 1] if "--data" in a else None
        if cond and not data:
            sys.exit("interop_peer.py: error: --condense needs --data NAME (the data set `condense report` measures on)")
        also = [a[i + 1] for i, v in enumerate(a) if v == "--also"]
        bench(a[1], a[2], a[3], r, also, cond, data)
    else:
        sys.exit(f"interop_peer.py: error: unknown command {a[0]!r}; expected keras, onnx, hf or bench")


if __name__ == "__main__":
    main()
