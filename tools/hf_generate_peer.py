#!/usr/bin/env python3
"""Peer benchmark for `condense generate`: loads a Condense HDF5 GPT into transformers' GPT2LMHeadModel (Linear
weights transposed for its Conv1D), checks that its greedy continuation equals ours token for token, then times
greedy decoding with the KV cache side by side with `condense bench generate`, in alternating rounds, and prints
the medians.

    .venv-torch/bin/python tools/hf_generate_peer.py MODEL.h5 [--int8 MODEL.int8.h5] [--draft DRAFT.h5]
        [--batches 1,8] [--tokens 200] [--rounds 5] [--threads 2] [--condense .build/release/condense] [--json]

Ours is timed inside the process (prefill + decode, model load excluded); transformers' is the wall time of
model.generate(max_new_tokens=min_new_tokens=N, do_sample=False, use_cache=True), also with the model loaded.
With --draft, transformers' assisted generation (assistant_model=) on the same pair is timed at batch 1 beside
`condense bench generate MODEL --draft DRAFT`."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np


def read_condense(path):
    with h5py.File(path, "r") as f:
        arch = json.loads(f.attrs["architecture"])
        if arch.get("family") != "gpt":
            sys.exit(f"{path}: architecture.family is {arch.get('family')}, expected gpt")
        cfg = arch["config"] if "config" in arch else arch
        params = {}

        def walk(group, prefix):  # by link name: a tied lm_head/weight is a hard link to wte, visited under both names
            for name in group:
                obj = group[name]
                if isinstance(obj, h5py.Dataset):
                    params[prefix + name] = np.asarray(obj[()])
                else:
                    walk(obj, prefix + name + "/")
        walk(f, "")
    return cfg, params


def to_gpt2(cfg, params):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    c, h, dh = cfg["n_embd"], cfg["n_head"], cfg["head_dim"]
    if h * dh != c:
        sys.exit(f"GPT2LMHeadModel needs n_head*head_dim == n_embd; found {h}*{dh} != {c}")
    conf = GPT2Config(vocab_size=cfg["vocab_size"], n_positions=cfg["block_size"], n_embd=c, n_layer=cfg["n_layer"],
                      n_head=h, n_inner=cfg["ffn_hidden"], activation_function="gelu", layer_norm_epsilon=1e-5,
                      resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, tie_word_embeddings=cfg.get("tie_embeddings", True),
                      bos_token_id=None, eos_token_id=None)
    model = GPT2LMHeadModel(conf).eval()
    sd = {}

    def get(name, shape=None):
        if name in params:
            return torch.tensor(params[name], dtype=torch.float32)
        return torch.zeros(shape)  # bias=false: a zero bias is the same function
    sd["transformer.wte.weight"] = get("transformer/wte/weight")
    sd["transformer.wpe.weight"] = get("transformer/wpe/weight")
    for i in range(cfg["n_layer"]):
        k, o = f"transformer/h/{i}/", f"transformer.h.{i}."
        for ln in ("ln_1", "ln_2"):
            sd[o + ln + ".weight"] = get(k + ln + "/weight")
            sd[o + ln + ".bias"] = get(k + ln + "/bias", (c,))
        for ours, theirs in (("attn/c_attn", "attn.c_attn"), ("attn/c_proj", "attn.c_proj"),
                             ("mlp/c_fc", "mlp.c_fc"), ("mlp/c_proj", "mlp.c_proj")):
            w = dequantized(params, k + ours)
            sd[o + theirs + ".weight"] = w.t().contiguous()          # ours (out, in) -> Conv1D (in, out)
            sd[o + theirs + ".bias"] = get(k + ours + "/bias", (w.shape[0],))
    sd["transformer.ln_f.weight"] = get("transformer/ln_f/weight")
    sd["transformer.ln_f.bias"] = get("transformer/ln_f/bias", (c,))
    sd["lm_head.weight"] = sd["transformer.wte.weight"] if conf.tie_word_embeddings else dequantized(params, "lm_head")
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not m.endswith(".attn.bias") and not m.endswith("masked_bias")]
    if missing or unexpected:
        sys.exit(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
    return model


def dequantized(params, layer):
    import torch
    if layer + "/weight" in params:
        return torch.tensor(params[layer + "/weight"], dtype=torch.float32)
    q, s = params[layer + "/qweight"].astype(np.float32), params[layer + "/weight_scale"].astype(np.float32)
    w = q * s[:, None]
    if layer + "/smooth_scale" in params:
        w = w / params[layer + "/smooth_scale"][None, :]
    return torch.tensor(w)


def hf_time(model, batch, prompt, tokens, assistant=None):
    import torch
    ids = torch.tensor([prompt] * batch, dtype=torch.long)
    kw = dict(max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False, use_cache=True,
              attention_mask=torch.ones_like(ids), pad_token_id=0)
    if assistant is not None:
        kw["assistant_model"] = assistant
    with torch.inference_mode():
        t0 = time.perf_counter()
        out = model.generate(ids, **kw)
        dt = time.perf_counter() - t0
    return batch * tokens / dt, out[0, len(prompt):].tolist()


def ours(binary, model, batch, tokens, prompt_tokens, draft=None):
    args = [binary, "bench", "generate", model, "--batches", str(batch), "--tokens", str(tokens),
            "--prompt-tokens", str(prompt_tokens), "--runs", "1", "--json"]
    if draft:
        args += ["--draft", draft]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {r.stderr.strip()}")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    return [o for o in lines if "batch" in o or "speedup" in o], next(o for o in lines if "bound_ms_per_token" in o)


def ours_ids(binary, model, prompt_tokens, tokens, vocab_text):
    prompt = "".join(vocab_text[i % len(vocab_text)] for i in range(prompt_tokens))
    r = subprocess.run([binary, "generate", model, "--prompt", prompt, "--tokens", str(tokens), "--temperature", "0",
                        "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"condense generate failed: {r.stderr.strip()}")
    return json.loads(r.stdout)["ids"]


def vocabulary(path):
    with h5py.File(path, "r") as f:
        v = f.attrs.get("vocabulary")
        return json.loads(v) if v is not None else None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--int8", help="the model's int8 form (condense quantize), timed as a third column")
    p.add_argument("--draft", help="a draft GPT: also time speculative (ours) against assisted generation (theirs)")
    p.add_argument("--draft-tokens", type=int, default=4)
    p.add_argument("--batches", default="1,8")
    p.add_argument("--tokens", type=int, default=200)
    p.add_argument("--prompt-tokens", type=int, default=1)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--condense", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "condense"))
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(a.threads)
    cfg, params = read_condense(a.model)
    model = to_gpt2(cfg, params)
    prompt = [i % cfg["vocab_size"] for i in range(a.prompt_tokens)]
    check = {}
    vocab = vocabulary(a.model)
    if vocab:
        n = min(a.tokens, cfg["block_size"] - a.prompt_tokens)   # within the block, where both use the whole context
        mine = ours_ids(a.condense, a.model, a.prompt_tokens, n, vocab)
        _, theirs = hf_time(model, 1, prompt, n)
        check = {"greedy_tokens_compared": n, "identical": mine == theirs,
                 "first_difference": next((i for i, (x, y) in enumerate(zip(mine, theirs)) if x != y), None)}
    draft_model = to_gpt2(*read_condense(a.draft)) if a.draft else None
    rows, bounds = [], {}
    for b in [int(x) for x in a.batches.split(",")]:
        n = min(a.tokens, cfg["block_size"] - a.prompt_tokens)  # HF's GPT-2 cannot go past n_positions
        res = {"condense": [], "condense_int8": [], "transformers": []}
        for _ in range(a.rounds):  # alternating rounds
            got, bound = ours(a.condense, a.model, b, n, a.prompt_tokens)
            res["condense"].append(got[0]["tokens_per_s"])
            bounds["float"] = bound
            if a.int8:
                got, bound = ours(a.condense, a.int8, b, n, a.prompt_tokens)
                res["condense_int8"].append(got[0]["tokens_per_s"])
                bounds["int8"] = bound
            res["transformers"].append(hf_time(model, b, prompt, n)[0])
        rows.append({"batch": b, "tokens": n, **{k: statistics.median(v) for k, v in res.items() if v},
                     "rounds": a.rounds})
    spec = None
    if draft_model is not None:
        n = min(a.tokens, cfg["block_size"] - a.prompt_tokens)
        ms, ts, acc = [], [], []
        for _ in range(a.rounds):
            o, _ = ours(a.condense, a.model, 1, n, a.prompt_tokens, draft=a.draft)
            ms.append(o[-1]["speedup"]); acc.append(o[-1]["acceptance_rate"])
            alone, _ = hf_time(model, 1, prompt, n)
            assisted, _ = hf_time(model, 1, prompt, n, assistant=draft_model)
            ts.append(assisted / alone)
        spec = {"condense_speedup": statistics.median(ms), "condense_acceptance": statistics.median(acc),
                "transformers_assisted_speedup": statistics.median(ts)}
    out = {"model": a.model, "threads": a.threads, "check": check, "rows": rows, "bounds": bounds, "speculative": spec}
    if a.json:
        print(json.dumps(out))
        return
    print(f"greedy check: {check}")
    for k, b in bounds.items():
        print(f"{k}: {b['weight_bytes_per_token'] / 1e6:.1f} MB of weights per token at {b['read_gbs']:.1f} GB/s "
              f"= {b['bound_ms_per_token']:.3f} ms per token ({b['bound_tokens_per_s']:.0f} tokens/s)")
    print("| batch | tokens | condense float (tokens/s) | condense int8 | transformers + KV cache | float / transformers |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        i8 = f"{r['condense_int8']:.0f}" if "condense_int8" in r else "—"
        print(f"| {r['batch']} | {r['tokens']} | {r['condense']:.0f} | {i8} | {r['transformers']:.0f} | "
              f"{r['condense'] / r['transformers']:.2f}x |")
    if spec:
        print(f"speculative: {spec}")


if __name__ == "__main__":
    main()
