#!/usr/bin/env python3
"""Independent numpy (float64) forward pass of a Condense model file: MODEL.h5 + INPUT.h5 ('input') -> OUTPUT.h5 ('logits')."""
import argparse
import json
import math
import sys

import h5py
import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x):
    """Exact GELU, 0.5·x·(1 + erf(x/√2)), in float64."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def relu(x):
    return np.maximum(x, 0.0)


class Params:
    """float64 views of the model's datasets, with errors naming the path."""

    def __init__(self, f, path):
        self.f, self.path = f, path

    def has(self, name):
        return name in self.f and isinstance(self.f[name], h5py.Dataset)

    def get(self, name, shape=None):
        if not self.has(name):
            sys.exit(f"{self.path}: {name}: missing dataset")
        a = self.f[name][()].astype(np.float64)
        if shape is not None and a.shape != tuple(shape):
            sys.exit(f"{self.path}: {name}: expected shape {tuple(shape)}, found {a.shape}")
        return a

    def linear(self, x, name, out_dim, in_dim, bias):
        if name in self.f and "quant" in self.f[name].attrs:
            y = self.int8_linear(x, name, out_dim, in_dim)
        else:
            y = x @ self.get(f"{name}/weight", (out_dim, in_dim)).T
        return y + self.get(f"{name}/bias", (out_dim,)) if bias else y

    def int8_linear(self, x, name, out_dim, in_dim):
        """An int8 layer as docs/FORMAT.md defines it, written from the definition (not from the kernel):
        x / smooth_scale, quantized to q = clip(round_half_even(x / s_x), -127, 127) in float32, with s_x = max|x_row|/127
        (int8-dynamic) or input_scale (int8-static); then y = (q · qweightᵀ) · s_x · weight_scale, the dot products exact."""
        scheme = self.f[name].attrs["quant"]
        scheme = scheme.decode() if isinstance(scheme, bytes) else str(scheme)
        qw = self.f[f"{name}/qweight"][()]
        if qw.dtype != np.int8 or qw.shape != (out_dim, in_dim):
            sys.exit(f"{self.path}: {name}/qweight: expected int8 of shape {(out_dim, in_dim)}, found {qw.dtype} {qw.shape}")
        sw = self.f[f"{name}/weight_scale"][()].astype(np.float32)
        x32 = x.astype(np.float32)
        if f"{name}/smooth_scale" in self.f:
            x32 = x32 * (np.float32(1) / self.f[f"{name}/smooth_scale"][()].astype(np.float32))
        lead = x32.shape[:-1]
        x2 = x32.reshape(-1, in_dim)
        if scheme == "int8-dynamic":
            sx = (np.abs(x2).max(axis=1) / np.float32(127)).astype(np.float32)
        elif scheme == "int8-static":
            sx = np.full(x2.shape[0], self.f[f"{name}/input_scale"][()].astype(np.float32)[0], dtype=np.float32)
        else:
            sys.exit(f"{self.path}: {name}: unknown quant scheme {scheme!r}")
        safe = np.where(sx > 0, sx, np.float32(1))
        q = np.clip(np.rint(x2 / safe[:, None]), -127, 127)
        q[sx == 0] = 0
        acc = q.astype(np.float64) @ qw.astype(np.float64).T
        y = acc * (sx.astype(np.float64)[:, None] * sw.astype(np.float64)[None, :])
        return y.reshape(*lead, out_dim)

    def layernorm(self, x, name, c, bias, eps=1e-5):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        y = (x - mu) / np.sqrt(var + eps) * self.get(f"{name}/weight", (c,))
        return y + self.get(f"{name}/bias", (c,)) if bias else y


def mlp_forward(p, arch, x):
    if x.ndim != 2 or x.shape[1] != arch["inputs"]:
        sys.exit(f"input: expected shape (B, {arch['inputs']}), found {x.shape}")
    act = {"relu": relu, "gelu": gelu}[arch["activation"]]
    widths = [arch["inputs"]] + list(arch["hidden"]) + [arch["classes"]]
    h = x.astype(np.float64)
    for i in range(len(widths) - 1):
        h = p.linear(h, f"layers/{i}", widths[i + 1], widths[i], True)
        if i < len(widths) - 2:
            h = act(h)
    return h


def gpt_forward(p, arch, idx, skip):
    c, nh, dh, f = arch["n_embd"], arch["n_head"], arch["head_dim"], arch["ffn_hidden"]
    v, tmax, bias = arch["vocab_size"], arch["block_size"], arch["bias"]
    a = nh * dh
    if idx.ndim != 2 or not 1 <= idx.shape[1] <= tmax:
        sys.exit(f"input: expected token ids of shape (B, T) with 1 <= T <= {tmax}, found {idx.shape}")
    if idx.min() < 0 or idx.max() >= v:
        sys.exit(f"input: expected token ids in 0..<{v}, found range {idx.min()}...{idx.max()}")
    b, t = idx.shape
    x = p.get("transformer/wte/weight", (v, c))[idx] + p.get("transformer/wpe/weight", (tmax, c))[:t]
    causal = np.triu(np.ones((t, t), dtype=bool), k=1)
    for i in range(arch["n_layer"]):
        if i in skip:
            continue
        blk = f"transformer/h/{i}"
        h = p.layernorm(x, f"{blk}/ln_1", c, bias)
        qkv = p.linear(h, f"{blk}/attn/c_attn", 3 * a, c, bias)
        q, k, vv = np.split(qkv, 3, axis=-1)
        q, k, vv = (z.reshape(b, t, nh, dh).transpose(0, 2, 1, 3) for z in (q, k, vv))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(dh)
        scores = np.where(causal, -np.inf, scores)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        att = scores / scores.sum(-1, keepdims=True)
        y = (att @ vv).transpose(0, 2, 1, 3).reshape(b, t, a)
        x = x + p.linear(y, f"{blk}/attn/c_proj", c, a, bias)
        h = p.layernorm(x, f"{blk}/ln_2", c, bias)
        h = gelu(p.linear(h, f"{blk}/mlp/c_fc", f, c, bias))
        x = x + p.linear(h, f"{blk}/mlp/c_proj", c, f, bias)
    x = p.layernorm(x, "transformer/ln_f", c, bias)
    if "lm_head" in p.f and "quant" in p.f["lm_head"].attrs:
        return p.linear(x, "lm_head", v, c, False)
    if p.has("lm_head/weight"):
        head = p.get("lm_head/weight", (v, c))
    elif arch["tie_embeddings"]:
        head = p.get("transformer/wte/weight", (v, c))
    else:
        sys.exit(f"{p.path}: lm_head/weight: missing dataset (tie_embeddings is false)")
    return x @ head.T


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__ + " It shares no code with Condense; GELU is exact (erf).")
    ap.add_argument("model", metavar="MODEL.h5")
    ap.add_argument("input", metavar="INPUT.h5", help="dataset 'input': float (B, inputs) for mlp, int (B, T) for gpt")
    ap.add_argument("output", metavar="OUTPUT.h5", help="gets dataset 'logits', float32 (B, classes) or (B, T, V)")
    ap.add_argument("--skip-layers", default="", help="comma-separated GPT block indices to skip (residual passes through)")
    args = ap.parse_args(argv)
    skip = {int(s) for s in args.skip_layers.split(",") if s.strip()}
    with h5py.File(args.model, "r") as f:
        tag = f.attrs.get("condense_format")
        if tag != "condense.model":
            sys.exit(f"{args.model}: expected condense_format = 'condense.model', found {tag!r}")
        arch = json.loads(f.attrs["architecture"])
        with h5py.File(args.input, "r") as fi:
            if "input" not in fi:
                sys.exit(f"{args.input}: input: missing dataset")
            x = fi["input"][()]
        p = Params(f, args.model)
        if arch["family"] == "mlp":
            if skip:
                sys.exit("--skip-layers applies to gpt models only")
            logits = mlp_forward(p, arch, x)
        elif arch["family"] == "gpt":
            bad = [s for s in skip if not 0 <= s < arch["n_layer"]]
            if bad:
                sys.exit(f"--skip-layers: expected indices in 0..<{arch['n_layer']}, found {bad}")
            logits = gpt_forward(p, arch, x.astype(np.int64), skip)
        else:
            sys.exit(f"{args.model}: architecture: unknown family {arch.get('family')!r}")
    with h5py.File(args.output, "w") as fo:
        fo.create_dataset("logits", data=logits.astype(np.float32))


if __name__ == "__main__":
    main()
