#!/usr/bin/env python3
"""Writes a small Condense MLP model file with one deliberate defect, for the bad-input tests.

Usage: make_bad_model.py CASE OUT.h5
CASE: valid, truncated, missing-dataset, wrong-shape, string-dtype, huge-claim, no-format, unknown-format,
      unknown-family, malformed-json, extra-dataset
"""
import json
import os
import sys

import h5py
import numpy as np

CASES = ["valid", "truncated", "missing-dataset", "wrong-shape", "string-dtype", "huge-claim", "no-format",
         "unknown-format", "unknown-family", "malformed-json", "extra-dataset"]


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit(__doc__)
    case, out = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    arch = {"family": "mlp", "inputs": 8, "hidden": [6], "classes": 3, "activation": "relu", "dropout": 0.0}
    if case == "huge-claim":
        arch["inputs"], arch["hidden"] = 100000, [100000]
    if case == "unknown-family":
        arch["family"] = "rnn"
    with h5py.File(out, "w") as f:
        if case != "no-format":
            f.attrs["condense_format"] = "keras.model" if case == "unknown-format" else "condense.model"
        f.attrs["condense_version"] = 1
        f.attrs["architecture"] = '{"family": "mlp", "inputs": 8,' if case == "malformed-json" else json.dumps(arch)
        f.attrs["history"] = "[]"
        w = [arch["inputs"]] + arch["hidden"] + [arch["classes"]]
        for i in range(len(w) - 1):
            shape = (w[i + 1], w[i])
            if case == "huge-claim" and i == 0:
                f.create_dataset(f"layers/{i}/weight", shape=shape, dtype="f4")  # never written: no storage
            elif case == "wrong-shape" and i == 0:
                f[f"layers/{i}/weight"] = rng.standard_normal((shape[0], shape[1] + 1)).astype("f4")
            elif case == "string-dtype" and i == 0:
                f.create_dataset(f"layers/{i}/weight", data=np.array([b"abc"] * 3))
            else:
                f[f"layers/{i}/weight"] = rng.standard_normal(shape).astype("f4")
            if not (case == "missing-dataset" and i == len(w) - 2):
                f[f"layers/{i}/bias"] = rng.standard_normal(w[i + 1]).astype("f4")
        if case == "extra-dataset":
            f["layers/9/weight"] = np.zeros((2, 2), "f4")
    if case == "truncated":
        size = os.path.getsize(out)
        with open(out, "r+b") as fh:
            fh.truncate(size // 2)


if __name__ == "__main__":
    main()
