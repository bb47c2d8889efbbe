#!/usr/bin/env python3
"""Legacy Keras .h5 variants of a good legacy file, for the importer's weight_names tests (needs h5py only).

   python3 tools/keras_legacy_variants.py GOOD.h5 OUT_DIR

OUT_DIR gets: renamed.h5 (every Dense weight dataset renamed W:0 / b:0, as Keras 1 named them, with weight_names
rewritten as Keras 2 writes it: fixed-length byte strings; it must load exactly as GOOD.h5), dangling.h5 (the first
layer's weight_names points at a dataset that does not exist), extra.h5 (the first layer lists three weights).
"""
import os, shutil, sys

import h5py
import numpy as np


def rename(path):
    with h5py.File(path, "r+") as f:
        mw = f["model_weights"]
        for layer in mw:
            g = mw[layer]
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in g.attrs.get("weight_names", [])]
            if not names:
                continue
            new = []
            for n in names:
                leaf = n.split("/")[-1]
                renamed = "/".join(n.split("/")[:-1] + [("W" if leaf.startswith("kernel") else "b") + ":0"])
                g.move(n, renamed)
                new.append(renamed)
            del g.attrs["weight_names"]
            g.attrs["weight_names"] = np.array([n.encode() for n in new])  # fixed-length |S, as Keras 2


def main():
    good, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    variants = {name: os.path.join(out, name) for name in ["renamed.h5", "dangling.h5", "extra.h5"]}
    for p in variants.values():
        shutil.copyfile(good, p)
        rename(p)
    with h5py.File(variants["dangling.h5"], "r+") as f:
        g = f["model_weights"][list(f["model_weights"])[0]]
        names = list(g.attrs["weight_names"])
        g.attrs["weight_names"] = np.array([b"nowhere/W:0"] + names[1:])
    with h5py.File(variants["extra.h5"], "r+") as f:
        g = f["model_weights"][list(f["model_weights"])[0]]
        g.attrs["weight_names"] = np.array(list(g.attrs["weight_names"]) + [b"extra:0"])


if __name__ == "__main__":
    main()
