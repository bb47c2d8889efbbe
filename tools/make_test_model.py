#!/usr/bin/env python3
"""Writes a Condense model file (format v1) with seeded random weights for an mlp or gpt config, and optionally an input file."""
import argparse
import datetime
import json
import os
import sys

import h5py
import numpy as np

FORMAT_TAG = "condense.model"
FORMAT_VERSION = 1


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__ + "\n\nWeights: Linear weights ~ N(0, 1/fan_in), biases and embeddings ~ N(0, 0.1^2), "
        "LayerNorm weights 1 + N(0, 0.1^2), so logits are O(1). Prints {\"parameters\": N, ...} on stdout, "
        "the PyTorch-style count (sum of numel over model.parameters(); a tied lm_head counted once).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("output", help="model file to write (.h5)")
    p.add_argument("--family", choices=["mlp", "gpt"], required=True)
    p.add_argument("--seed", type=int, default=0, help="numpy RNG seed (default 0)")
    g = p.add_argument_group("mlp")
    g.add_argument("--inputs", type=int, default=784)
    g.add_argument("--hidden", default="64,32", help="comma-separated hidden widths (default 64,32; '' for none)")
    g.add_argument("--classes", type=int, default=10)
    g.add_argument("--activation", choices=["relu", "gelu"], default="relu")
    g = p.add_argument_group("mlp and gpt")
    g.add_argument("--dropout", type=float, default=None, help="training-only dropout recorded in the architecture "
                   "(default 0.2 for mlp, 0.0 for gpt)")
    g = p.add_argument_group("gpt")
    g.add_argument("--n-layer", type=int, default=2)
    g.add_argument("--n-head", type=int, default=2)
    g.add_argument("--head-dim", type=int, default=8)
    g.add_argument("--n-embd", type=int, default=16)
    g.add_argument("--ffn-hidden", type=int, default=None, help="default 4*n_embd")
    g.add_argument("--block-size", type=int, default=16)
    g.add_argument("--vocab-size", type=int, default=None, help="default: the vocabulary's length, else 84")
    g.add_argument("--vocabulary", default=None,
                   help="the characters of the vocabulary, in token order (default: newline, printable ASCII, "
                   "then further code points, as many as --vocab-size)")
    g.add_argument("--no-bias", action="store_true", help="bias=false: no bias datasets at all (as nanoGPT)")
    g.add_argument("--no-tie", action="store_true", help="tie_embeddings=false: lm_head is its own random weight")
    g.add_argument("--lm-head", choices=["link", "copy", "absent"], default="link",
                   help="for tied embeddings: lm_head/weight as an HDF5 hard link to wte (default), "
                   "a separate equal copy, or absent")
    g.add_argument("--legacy-mask", action="store_true",
                   help="also write nanoGPT's old causal-mask buffer transformer/h/{i}/attn/bias (1,1,T,T)")
    g = p.add_argument_group("input file")
    g.add_argument("--input", metavar="OUT_INPUT.h5", help="also write a random input file with dataset 'input': "
                   "float32 (B, inputs) in [0,1) for mlp, int64 (B, T) token ids for gpt")
    g.add_argument("--batch", type=int, default=2, help="B for --input (default 2)")
    g.add_argument("--seq", type=int, default=None, help="T for --input (gpt; default block_size)")
    args = p.parse_args(argv)
    if args.dropout is None:
        args.dropout = 0.2 if args.family == "mlp" else 0.0
    return p, args


def default_vocabulary(n):
    pool = ["\n"] + [chr(c) for c in range(32, 127)]
    extra = 0xA1
    while len(pool) < n:
        pool.append(chr(extra))
        extra += 1
    return pool[:n]


def mlp_parameters(args, rng):
    hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
    arch = {"family": "mlp", "inputs": args.inputs, "hidden": hidden, "classes": args.classes,
            "activation": args.activation, "dropout": args.dropout}
    widths = [args.inputs] + hidden + [args.classes]
    params = {}
    for i in range(len(widths) - 1):
        fan_in, fan_out = widths[i], widths[i + 1]
        params[f"layers/{i}/weight"] = rng.normal(0, 1 / np.sqrt(fan_in), (fan_out, fan_in))
        params[f"layers/{i}/bias"] = rng.normal(0, 0.1, (fan_out,))
    return arch, params, None


def gpt_parameters(args, rng, p):
    vocab = list(args.vocabulary) if args.vocabulary is not None else None
    v = args.vocab_size or (len(vocab) if vocab else 84)
    vocab = vocab or default_vocabulary(v)
    if len(vocab) != v or len(set(vocab)) != v:
        p.error(f"--vocabulary needs {v} distinct characters, got {len(vocab)} ({len(set(vocab))} distinct)")
    c, h, dh, t = args.n_embd, args.n_head, args.head_dim, args.block_size
    f = args.ffn_hidden or 4 * c
    a = h * dh
    bias, tie = not args.no_bias, not args.no_tie
    if not tie and args.lm_head != "link":
        p.error("--lm-head copy/absent only applies to tied embeddings (drop --no-tie)")
    arch = {"family": "gpt", "n_layer": args.n_layer, "n_head": h, "head_dim": dh, "n_embd": c, "ffn_hidden": f,
            "block_size": t, "vocab_size": v, "bias": bias, "tie_embeddings": tie, "dropout": args.dropout}
    params = {}

    def linear(name, out_dim, in_dim):
        params[f"{name}/weight"] = rng.normal(0, 1 / np.sqrt(in_dim), (out_dim, in_dim))
        if bias:
            params[f"{name}/bias"] = rng.normal(0, 0.1, (out_dim,))

    def layernorm(name):
        params[f"{name}/weight"] = 1 + rng.normal(0, 0.1, (c,))
        if bias:
            params[f"{name}/bias"] = rng.normal(0, 0.1, (c,))

    params["transformer/wte/weight"] = rng.normal(0, 0.1, (v, c))
    params["transformer/wpe/weight"] = rng.normal(0, 0.1, (t, c))
    for i in range(args.n_layer):
        b = f"transformer/h/{i}"
        layernorm(f"{b}/ln_1")
        linear(f"{b}/attn/c_attn", 3 * a, c)
        linear(f"{b}/attn/c_proj", c, a)
        layernorm(f"{b}/ln_2")
        linear(f"{b}/mlp/c_fc", f, c)
        linear(f"{b}/mlp/c_proj", c, f)
    layernorm("transformer/ln_f")
    if not tie:
        params["lm_head/weight"] = rng.normal(0, 0.1, (v, c))
    return arch, params, vocab


def write_model(path, arch, params, vocab, args, count):
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), "." + os.path.basename(path) + ".tmp")
    record = {"stage": "init", "config": {"tool": "tools/make_test_model.py", "seed": args.seed,
                                          "lm_head": args.lm_head if arch["family"] == "gpt" else None},
              "params_before": None, "params_after": count, "metrics": {}, "seed": args.seed,
              "tool_version": "tools/make_test_model.py",
              "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    with h5py.File(tmp, "w") as f:
        f.attrs["condense_format"] = FORMAT_TAG
        f.attrs["condense_version"] = np.int64(FORMAT_VERSION)
        f.attrs["architecture"] = json.dumps(arch, separators=(",", ":"))
        if vocab is not None:
            f.attrs["vocabulary"] = json.dumps(vocab, ensure_ascii=False, separators=(",", ":"))
        f.attrs["history"] = json.dumps([record], separators=(",", ":"))
        for name, value in params.items():
            f.create_dataset(name, data=value.astype(np.float32))
        if arch["family"] == "gpt" and arch["tie_embeddings"]:
            if args.lm_head == "link":
                f["lm_head/weight"] = f["transformer/wte/weight"]  # an HDF5 hard link: one array, two names
            elif args.lm_head == "copy":
                f.create_dataset("lm_head/weight", data=params["transformer/wte/weight"].astype(np.float32))
        if arch["family"] == "gpt" and args.legacy_mask:
            t = arch["block_size"]
            mask = np.tril(np.ones((t, t), dtype=np.float32)).reshape(1, 1, t, t)
            for i in range(arch["n_layer"]):
                f.create_dataset(f"transformer/h/{i}/attn/bias", data=mask)
    os.replace(tmp, path)


def write_input(path, arch, args, rng, p):
    b = args.batch
    if arch["family"] == "mlp":
        data = rng.random((b, arch["inputs"])).astype(np.float32)
    else:
        t = args.seq or arch["block_size"]
        if not 1 <= t <= arch["block_size"]:
            p.error(f"--seq {t} must be in 1...block_size ({arch['block_size']})")
        data = rng.integers(0, arch["vocab_size"], (b, t), dtype=np.int64)
    with h5py.File(path, "w") as f:
        f.create_dataset("input", data=data)


def main(argv=None):
    p, args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    if args.family == "mlp":
        arch, params, vocab = mlp_parameters(args, rng)
    else:
        arch, params, vocab = gpt_parameters(args, rng, p)
    count = int(sum(v.size for v in params.values()))  # lm_head, when tied, is wte: not in `params`
    write_model(args.output, arch, params, vocab, args, count)
    if args.input:
        write_input(args.input, arch, args, np.random.default_rng(args.seed + 1), p)
    json.dump({"parameters": count, "file": args.output, "architecture": arch}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
