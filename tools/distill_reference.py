#!/usr/bin/env python3
# distill_reference: an independent numpy (float64) reference of the distillation loss, its gradient by central differences.
"""Usage: distill_reference.py IN.bin ROWS COLS ALPHA T DIVERGENCE BETA [TOPK]
       distill_reference.py hidden IN.bin ROWS CS CT KIND PROJ
       distill_reference.py hard IN.bin ROWS COLS MIX TAU
       distill_reference.py mutual IN.bin NETS ROWS COLS ALPHA T

IN.bin holds float32, row-major: student logits (ROWS, COLS), teacher logits (ROWS, COLS), targets (ROWS) as floats
(-1 ignores a row). Prints JSON {"loss", "divergence", "ce", "grad": [ROWS*COLS]}, where

    L = alpha * T^2 * D(softmax(z_t/T), softmax(z_s/T)) + (1 - alpha) * CE(y, softmax(z_s))

averaged over the rows with a target >= 0, D being forward KL(P||Q), reverse KL(Q||P) or the GKD paper's
JSD(beta)(P||Q) = beta*KL(P||M) + (1-beta)*KL(Q||M), M = beta*P + (1-beta)*Q, with P the teacher and Q the student.

With TOPK > 0 the teacher is first replaced by what a top-k teacher cache serves (docs/ARCHITECTURE.md, "Teacher
cache"): its T = 1 log-probabilities keep their top-k values, and the missing mass m = 1 - sum(top-k probabilities),
floored at 1e-12, is spread uniformly over the other COLS - k classes (each gets log(m / (COLS - k))).

The hidden mode checks the hidden-state loss of one matched block pair. IN.bin holds float32: student hidden states
h_s (ROWS, CS), teacher hidden states h_t (ROWS, CT), then, with PROJ = 1, the projection P (CT, CS), then targets
(ROWS) as floats (-1 ignores a row). With x = P h_s (h_s when PROJ = 0), per row
    cosine: 1 - x.t / (|x| |t|)        mse: |x - t|^2 / |t|^2,
averaged over the counted rows. Prints JSON {"loss", "grad_hs": [ROWS*CS], "grad_w": [CT*CS]} (central differences).

The hard mode checks hard-label distillation. IN.bin holds float32: student logits (ROWS, COLS), teacher logits
(ROWS, COLS), targets (ROWS) as floats (-1 ignores a row), then one uniform u in [0, 1) per row. The teacher's
label of a row is its first largest logit when TAU = 0, else the class j whose interval of the cumulative
softmax(z_t/TAU), in class order, holds u. With lambda = MIX,
    L = mean over counted rows of -(lambda * log q[y] + (1 - lambda) * log q[teacher label]),  q = softmax(z_s).
Prints JSON {"loss", "labels": [ROWS], "grad": [ROWS*COLS]} (central differences).

The mutual mode checks deep mutual learning. IN.bin holds float32: the logits of NETS networks (NETS, ROWS, COLS),
then targets (ROWS) as floats (-1 ignores a row). Network i's loss, the others' distributions held fixed, is
    L_i = mean over counted rows of CE(y, softmax(z_i)) + ALPHA * T^2 / (NETS-1) * sum_{j != i} KL(p_j || p_i),
with p = softmax(z/T). Prints JSON {"losses": [NETS], "grads": [NETS*ROWS*COLS]}, grads[i] = dL_i/dz_i by central
differences over z_i alone.
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


def top_k_teacher(zt, k):
    lp = log_softmax(zt)
    out = np.empty_like(lp)
    cols = lp.shape[1]
    for i in range(lp.shape[0]):
        top = np.argsort(-lp[i], kind="stable")[:k]
        if k < cols:
            m = max(1.0 - np.exp(lp[i, top]).sum(), 1e-12)
            out[i, :] = np.log(m / (cols - k))
        out[i, top] = lp[i, top]
    return out


def hidden_loss(hs, ht, w, y, kind):
    keep = y >= 0
    x = hs @ w.T if w is not None else hs
    x, t = x[keep], ht[keep]
    if kind == "cosine":
        per = 1 - (x * t).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(t, axis=1))
    elif kind == "mse":
        per = ((x - t) ** 2).sum(1) / (t ** 2).sum(1)
    else:
        raise SystemExit(f"unknown hidden loss {kind}")
    return per.mean()


def central(f, a, h=1e-6):
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + h
        up = f()
        a[idx] = old - h
        down = f()
        a[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


def hidden_main(args):
    path, rows, cs, ct, kind, proj = args
    rows, cs, ct, proj = int(rows), int(cs), int(ct), proj == "1"
    raw = np.fromfile(path, dtype=np.float32).astype(np.float64)
    o = 0
    hs = raw[o:o + rows * cs].reshape(rows, cs); o += rows * cs
    ht = raw[o:o + rows * ct].reshape(rows, ct); o += rows * ct
    w = None
    if proj:
        w = raw[o:o + ct * cs].reshape(ct, cs); o += ct * cs
    y = raw[o:o + rows]
    f = lambda: hidden_loss(hs, ht, w, y, kind)
    out = {"loss": f(), "grad_hs": central(f, hs).ravel().tolist()}
    out["grad_w"] = central(f, w).ravel().tolist() if proj else []
    print(json.dumps(out))


def teacher_labels(zt, u, tau):
    labels = []
    for i in range(zt.shape[0]):
        if tau == 0:
            labels.append(int(np.argmax(zt[i])))
            continue
        e = np.exp((zt[i] - zt[i].max()) / tau)
        cum = np.cumsum(e)
        j = int(np.searchsorted(cum, u[i] * cum[-1], side="right"))
        labels.append(min(j, zt.shape[1] - 1))
    return np.array(labels)


def hard_loss(zs, y, labels, mix):
    keep = y >= 0
    ls = log_softmax(zs[keep])
    yk, lk = y[keep].astype(int), labels[keep]
    r = np.arange(len(yk))
    return (-(mix * ls[r, yk] + (1 - mix) * ls[r, lk])).mean()


def hard_main(args):
    path, rows, cols, mix, tau = args
    rows, cols, mix, tau = int(rows), int(cols), float(mix), float(tau)
    raw = np.fromfile(path, dtype=np.float32).astype(np.float64)
    n = rows * cols
    zs, zt = raw[:n].reshape(rows, cols), raw[n:2 * n].reshape(rows, cols)
    y, u = raw[2 * n:2 * n + rows], raw[2 * n + rows:2 * n + 2 * rows]
    labels = teacher_labels(zt, u, tau)
    f = lambda: hard_loss(zs, y, labels, mix)
    print(json.dumps({"loss": f(), "labels": labels.tolist(), "grad": central(f, zs, 1e-5).ravel().tolist()}))


def mutual_loss(zs, i, y, alpha, t):
    keep = y >= 0
    z, yk = zs[:, keep], y[keep].astype(int)
    ce = -log_softmax(z[i])[np.arange(len(yk)), yk]
    lq = log_softmax(z[i] / t)
    others = [kl(log_softmax(z[j] / t), lq) for j in range(len(zs)) if j != i]
    return (ce + alpha * t * t * np.mean(others, axis=0)).mean()


def mutual_main(args):
    path, nets, rows, cols, alpha, t = args
    nets, rows, cols, alpha, t = int(nets), int(rows), int(cols), float(alpha), float(t)
    raw = np.fromfile(path, dtype=np.float32).astype(np.float64)
    zs, y = raw[:nets * rows * cols].reshape(nets, rows, cols), raw[nets * rows * cols:nets * rows * cols + rows]
    losses, grads = [], []
    for i in range(nets):
        f = lambda: mutual_loss(zs, i, y, alpha, t)
        losses.append(f())
        grads += central(f, zs[i]).ravel().tolist()
    print(json.dumps({"losses": losses, "grads": grads}))


def main():
    if sys.argv[1] == "mutual":
        return mutual_main(sys.argv[2:8])
    if sys.argv[1] == "hidden":
        return hidden_main(sys.argv[2:8])
    if sys.argv[1] == "hard":
        return hard_main(sys.argv[2:7])
    path, rows, cols, alpha, t, div, beta = sys.argv[1:8]
    rows, cols, alpha, t, beta = int(rows), int(cols), float(alpha), float(t), float(beta)
    topk = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    raw = np.fromfile(path, dtype=np.float32).astype(np.float64)
    n = rows * cols
    zs, zt, y = raw[:n].reshape(rows, cols), raw[n:2 * n].reshape(rows, cols), raw[2 * n:2 * n + rows]
    if topk > 0:
        zt = top_k_teacher(zt, topk)
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
