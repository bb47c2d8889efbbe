#!/usr/bin/env python3
"""Test accuracy of Condense MLP classifiers and of their ensemble (the mean of their softmax probabilities, as
`condense distill --teacher A --teacher B ...` forms it at T = 1), computed independently with numpy from the .h5
files and the Fashion-MNIST IDX test split.

usage: tools/ensemble_accuracy.py [--data DIR] MODEL.h5 [MODEL.h5 ...]
"""
import argparse, gzip, os, sys
import h5py, numpy as np

def idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)

def find(d, stem):
    for name in (stem + ".gz", stem):
        if os.path.exists(os.path.join(d, name)): return os.path.join(d, name)
    sys.exit(f"{d}: expected {stem}[.gz], found neither")

def probabilities(path, x):
    """ReLU MLP forward (layers/i/weight is (out, in)), softmax of the last layer's logits."""
    with h5py.File(path, "r") as f:
        n = len(f["layers"])
        h = x
        for i in range(n):
            w, b = f[f"layers/{i}/weight"][()].astype(np.float64), f[f"layers/{i}/bias"][()].astype(np.float64)
            h = h @ w.T + b
            if i < n - 1: h = np.maximum(h, 0)
    z = h - h.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    x = idx(find(a.data, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float64) / 255
    y = idx(find(a.data, "t10k-labels-idx1-ubyte")).astype(np.int64)
    probs = [probabilities(m, x) for m in a.models]
    for m, p in zip(a.models, probs):
        print(f"{m}: test accuracy {np.mean(p.argmax(1) == y):.4f}")
    mean = sum(probs) / len(probs)
    print(f"ensemble of {len(probs)} (mean probability): test accuracy {np.mean(mean.argmax(1) == y):.4f}, "
          f"NLL {-np.mean(np.log(mean[np.arange(len(y)), y] + 1e-30)):.4f}")

if __name__ == "__main__":
    main()
