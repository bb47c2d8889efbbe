#!/usr/bin/env python3
# gkd_reference: an independent numpy (float64) reference of the on-policy (GKD) loss, its gradient by central differences.
"""Usage: gkd_reference.py IN.bin ROWS COLS T BETA

IN.bin holds float32, row-major: student logits (ROWS, COLS), teacher logits (ROWS, COLS), targets (ROWS) as floats
(-1: a position that does not count). With P = softmax(z_teacher / T), Q = softmax(z_student / T), the generalized
Jensen-Shannon divergence of the GKD paper (Agarwal et al. 2024), written as TRL's GKDTrainer evaluates it:

    beta = 0:      KL(P || Q)                                   (forward KL)
    beta = 1:      KL(Q || P)                                   (reverse KL)
    otherwise:     beta * KL(P || M) + (1 - beta) * KL(Q || M),  M = beta * P + (1 - beta) * Q

and the loss is T^2 times its mean over the counted positions. Prints JSON {"loss", "divergence", "grad"}, grad
being d loss / d z_student (ROWS*COLS) by central differences (h = 1e-5).
"""
import json
import sys

import numpy as np


def log_probs(z, t):
    x = z / t
    return x - np.logaddexp.reduce(x, axis=-1, keepdims=True)


def kl(la, lb):
    """KL(A || B) per row from log-probabilities."""
    return np.sum(np.exp(la) * (la - lb), axis=-1)


def generalized_jsd(ls, lt, beta):
    if beta == 0:
        return kl(lt, ls)
    if beta == 1:
        return kl(ls, lt)
    lm = np.logaddexp(np.log(beta) + lt, np.log1p(-beta) + ls)
    return beta * kl(lt, lm) + (1 - beta) * kl(ls, lm)


def loss(zs, zt, counted, t, beta):
    d = generalized_jsd(log_probs(zs[counted], t), log_probs(zt[counted], t), beta).mean()
    return t * t * d, d


def main():
    path, rows, cols, t, beta = sys.argv[1:6]
    rows, cols, t, beta = int(rows), int(cols), float(t), float(beta)
    raw = np.fromfile(path, dtype=np.float32).astype(np.float64)
    n = rows * cols
    zs, zt = raw[:n].reshape(rows, cols), raw[n:2 * n].reshape(rows, cols)
    counted = raw[2 * n:2 * n + rows] >= 0
    value, d = loss(zs, zt, counted, t, beta)
    grad = np.zeros_like(zs)
    h = 1e-5
    for i in range(rows):
        for j in range(cols):
            up, down = zs.copy(), zs.copy()
            up[i, j] += h
            down[i, j] -= h
            grad[i, j] = (loss(up, zt, counted, t, beta)[0] - loss(down, zt, counted, t, beta)[0]) / (2 * h)
    print(json.dumps({"loss": value, "divergence": d, "grad": grad.ravel().tolist()}))


if __name__ == "__main__":
    main()
