#!/usr/bin/env python3
"""Writes one of scikit-learn's bundled tabular data sets (shipped inside its wheel, no download) as CSV or .npz.

  sklearn_dataset.py digits|wine|breast_cancer|iris OUT.csv     header f0..fN-1,label; one row per example
  sklearn_dataset.py digits|wine|breast_cancer|iris OUT.npz     x float32 (N, F), y int64 (N,)

Needs scikit-learn (for example in tools/torch_env's venv: .venv-torch/bin/python -m pip install scikit-learn).
"""
import os
import sys

import numpy as np


def main(argv):
    if len(argv) != 2 or argv[0] not in ("digits", "wine", "breast_cancer", "iris"):
        print(__doc__)
        return 2
    import sklearn.datasets as ds
    d = getattr(ds, "load_" + argv[0])()
    x, y = d.data.astype(np.float32), d.target.astype(np.int64)
    out, tmp = argv[1], argv[1] + ".tmp"
    if out.endswith(".npz"):
        with open(tmp, "wb") as f:
            np.savez_compressed(f, x=x, y=y)
    else:
        with open(tmp, "w") as f:
            f.write(",".join([f"f{i}" for i in range(x.shape[1])] + ["label"]) + "\n")
            for row, label in zip(x, y):
                f.write(",".join(f"{v:g}" for v in row) + f",{label}\n")
    os.replace(tmp, out)
    import sklearn
    print(f'{{"data_set": "{argv[0]}", "rows": {x.shape[0]}, "features": {x.shape[1]}, "classes": {int(y.max()) + 1}, '
          f'"scikit_learn": "{sklearn.__version__}"}}')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
