#!/usr/bin/env python3
# distill_reference: an independent numpy (float64) reference of the distillation loss, its gradient by central differences.
"""Usage: distill_reference.py IN.bin ROWS COLS ALPHA T DIVERGENCE BETA

IN.bin holds float32, row-major: student logits (ROWS, COLS), teacher logits (ROWS, COLS), targets (ROWS) as floats
(-1 ignores a row). Prints JSON {"loss", "divergence", "ce", "grad": [ROWS*COLS]}, where

    L = alpha * T^2 * D(softmax(z_t/T), softmax(z_s/T)) + (1 - alpha) * CE(y, softmax(z_s))

averaged over the rows with a target >= 0, D being forward KL(P||Q), reverse KL(Q||P) or the GKD paper's
JSD(beta)(P||Q) = beta*KL(P||M) + (1-beta)*KL(Q||M), M = beta*P + (1-beta)*Q, with P the teacher and Q the student.
"""
import json
import sys

import numpy as np


def log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def kl(lp, lq):
    return (np.exp(lp) * (lp - lq)).sum(axis=-1)


def terms(zs, zt, y, alpha, t, div, beta):
    keep = y >= 0
    zs, zt, y = zs[keep], zt[keep], y[keep].astype(int)
    lq, lp = log_softmax(zs / t), log_softmax(zt / t)
    if div == "forward_kl":
        d = kl(lp, lq)
    elif div == "reverse_kl":
        d = kl(lq, lp)
    elif div == "jsd":
        lm = np.log(beta * np.exp(lp) + (1 - beta) * np.exp(lq))
        d = beta * kl(lp, lm) + (1 - beta) * kl(lq, lm)
    else:
        raise SystemExit(f"unknown divergence {div}")
    ce = -log_softmax(zs)[np.arange(len(y)), y]
    d, ce = d.mean(), ce.mean()
    return alpha * t * t * d + (1 - alpha) * ce, d, ce


def main():
    path, rows, cols, alpha, t, div, beta = sys.argv[1:8]
    rows, cols, alpha, t, beta = int(rows), int(cols), float(alpha), float(t), float(beta)
    raw = np.fromfile(path, dtype=np.float32).astype(np.float64)
    n = rows * cols
    zs, zt, y = raw[:n].reshape(rows, cols), raw[n:2 * n].reshape(rows, cols), raw[2 * n:2 * n + rows]
    loss, d, ce = terms(zs, zt, y, alpha, t, div, beta)
    grad = np.zeros_like(zs)
    h = 1e-5
    for i in range(rows):
        for j in range(cols):
            a, b = zs.copy(), zs.copy()
            a[i, j] += h
            b[i, j] -= h
            grad[i, j] = (terms(a, zt, y, alpha, t, div, beta)[0] - terms(b, zt, y, alpha, t, div, beta)[0]) / (2 * h)
    print(json.dumps({"loss": loss, "divergence": d, "ce": ce, "grad": grad.ravel().tolist()}))


if __name__ == "__main__":
    main()
