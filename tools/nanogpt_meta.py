#!/usr/bin/env python3
"""Converts nanoGPT's meta.pkl (vocab_size, itos, stoi) into meta.json beside it, which Condense reads with train.bin/val.bin.

  nanogpt_meta.py DIR/meta.pkl      writes DIR/meta.json: {"vocab_size": N, "vocabulary": [itos[0], …, itos[N-1]]}

A meta.pkl without itos (a BPE tokenizer's) gives {"vocab_size": N} only; Condense then takes the vocabulary from
the model file. pickle can run code: convert only a meta.pkl you trust (nanoGPT's own prepare.py writes plain dicts).
"""
import json
import os
import pickle
import sys


def main(argv):
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    src = argv[0]
    with open(src, "rb") as f:
        meta = pickle.load(f)
    if not isinstance(meta, dict) or "vocab_size" not in meta:
        sys.exit(f"{src}: expected a dict with vocab_size (nanoGPT's meta.pkl), found {type(meta).__name__}")
    n = int(meta["vocab_size"])
    out = {"vocab_size": n}
    itos = meta.get("itos")
    if itos is not None:
        missing = [i for i in range(n) if i not in itos]
        if missing:
            sys.exit(f"{src}: itos lacks ids {missing[:5]} of 0..{n - 1}")
        out["vocabulary"] = [itos[i] for i in range(n)]
    dst = os.path.join(os.path.dirname(os.path.abspath(src)), "meta.json")
    tmp = dst + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    os.replace(tmp, dst)
    print(json.dumps({"written": dst, "vocab_size": n, "vocabulary": "vocabulary" in out}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
