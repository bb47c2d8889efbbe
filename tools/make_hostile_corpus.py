#!/usr/bin/env python3
"""Writes the hostile-input corpus: crafted models, inputs, IDX/gzip folders, configs and recipes, plus cases.json.

Usage: make_hostile_corpus.py OUT_DIR

Each case in OUT_DIR/cases.json is {"name", "args", "expect", "contains", "env", "absent", "serial", "present"}: run `condense ARGS`
(with "{d}" replaced by OUT_DIR); "error" expects exit 1 and one stderr line "condense: error: ..." holding every
string of "contains"; "ok" expects exit 0 and stdout holding "contains". Paths in "absent" must not exist afterwards
(nothing is written on failure); paths in "present" must still exist (user files are never deleted). "serial" cases run after all others, in order (a later one reads an earlier
one's output). Tests/condenseTests/HostileCorpusTests.swift runs them with bounded time and memory.
"""
import gzip
import json
import os
import struct
import sys

import h5py
import numpy as np

CASES = []


def case(name, args, expect="error", contains=(), env=None, absent=(), serial=False, present=()):
    CASES.append({"name": name, "args": args, "expect": expect, "contains": list(contains), "env": env or {},
                  "absent": list(absent), "serial": serial, "present": list(present)})


def mlp_arch(inputs=8, hidden=(6,), classes=3):
    return {"family": "mlp", "inputs": inputs, "hidden": list(hidden), "classes": classes, "activation": "relu",
            "dropout": 0.0}


def gpt_arch(**kw):
    a = {"family": "gpt", "n_layer": 1, "n_head": 2, "head_dim": 4, "n_embd": 8, "ffn_hidden": 16, "block_size": 8,
         "vocab_size": 5, "bias": True, "tie_embeddings": True, "dropout": 0.0}
    a.update(kw)
    return a


def mlp_params(arch, rng):
    w = [arch["inputs"]] + arch["hidden"] + [arch["classes"]]
    out = {}
    for i in range(len(w) - 1):
        out[f"layers/{i}/weight"] = (rng.standard_normal((w[i + 1], w[i])) / np.sqrt(w[i])).astype("f4")
        out[f"layers/{i}/bias"] = (0.1 * rng.standard_normal(w[i + 1])).astype("f4")
    return out


def gpt_params(a, rng):
    c, A, f, v, t = a["n_embd"], a["n_head"] * a["head_dim"], a["ffn_hidden"], a["vocab_size"], a["block_size"]
    p = {"transformer/wte/weight": (rng.standard_normal((v, c)) * 0.1).astype("f4"),
         "transformer/wpe/weight": (rng.standard_normal((t, c)) * 0.1).astype("f4")}
    for i in range(a["n_layer"]):
        b = f"transformer/h/{i}/"
        for ln in ("ln_1", "ln_2"):
            p[b + ln + "/weight"] = np.ones(c, "f4")
            p[b + ln + "/bias"] = np.zeros(c, "f4")
        for name, (o, k) in {"attn/c_attn": (3 * A, c), "attn/c_proj": (c, A), "mlp/c_fc": (f, c), "mlp/c_proj": (c, f)}.items():
            p[b + name + "/weight"] = (rng.standard_normal((o, k)) / np.sqrt(k)).astype("f4")
            p[b + name + "/bias"] = np.zeros(o, "f4")
    p["transformer/ln_f/weight"] = np.ones(c, "f4")
    p["transformer/ln_f/bias"] = np.zeros(c, "f4")
    return p


def header(f, arch, vocab=None, history="[]"):
    f.attrs["condense_format"] = "condense.model"
    f.attrs["condense_version"] = np.int64(1)
    f.attrs["architecture"] = arch if isinstance(arch, str) else json.dumps(arch)
    f.attrs["history"] = history
    if vocab is not None:
        f.attrs["vocabulary"] = vocab if isinstance(vocab, str) else json.dumps(vocab)


def model(path, arch=None, params=None, vocab=None, skip=(), extra=None, history="[]", **dskw):
    """A model file; `extra(f)` may add or replace datasets; `dskw` are create_dataset options for every weight."""
    rng = np.random.default_rng(0)
    arch = arch or mlp_arch()
    if params is None:
        params = gpt_params(arch, rng) if isinstance(arch, dict) and arch["family"] == "gpt" else mlp_params(
            arch if isinstance(arch, dict) else mlp_arch(), rng)
    if vocab is None and isinstance(arch, dict) and arch["family"] == "gpt":
        vocab = ["a", "b", "c", "d", "\n"][:arch["vocab_size"]]
    with h5py.File(path, "w") as f:
        header(f, arch, vocab, history)
        for k, v in params.items():
            if k not in skip:
                f.create_dataset(k, data=v, **dskw)
        if isinstance(arch, dict) and arch.get("family") == "gpt" and arch.get("tie_embeddings") and "lm_head/weight" not in skip:
            f["lm_head/weight"] = f["transformer/wte/weight"]
        if extra:
            extra(f)
    return path


def inspect(name, path, expect="error", contains=()):
    case(name, ["inspect", path], expect, contains)


def predict(name, model_path, input_path, d, expect="error", contains=()):
    out = f"{d}/out-{name}.h5"
    case(name, ["predict", model_path, "--input", input_path, "--output", out], expect, contains,
         absent=[out] if expect == "error" else [])


def models(d):
    good = model(f"{d}/good.h5")
    inspect("model-valid", good, "ok", ["parameters: 75"])
    gg = model(f"{d}/good-gpt.h5", gpt_arch())
    inspect("gpt-valid-tied-hard-link", gg, "ok", ["lm_head/weight"])

    # Links: only hard links inside the file.
    other = model(f"{d}/other.h5")
    model(f"{d}/ext-link.h5", skip=["layers/0/weight"],
          extra=lambda f: f.__setitem__("layers/0/weight", h5py.ExternalLink(other, "/layers/0/weight")))
    inspect("external-link", f"{d}/ext-link.h5", contains=["layers/0/weight", "external link"])

    def soft(f):
        f.create_dataset("stash/w", data=np.zeros((6, 8), "f4"))
        f["layers/0/weight"] = h5py.SoftLink("/stash/w")
    model(f"{d}/soft-link.h5", skip=["layers/0/weight"], extra=soft)
    inspect("soft-link", f"{d}/soft-link.h5", contains=["soft link"])
    model(f"{d}/soft-dangling.h5", skip=["layers/0/weight"],
          extra=lambda f: f.__setitem__("layers/0/weight", h5py.SoftLink("/nowhere")))
    inspect("soft-link-dangling", f"{d}/soft-dangling.h5", contains=["soft link"])
    model(f"{d}/ext-link-passwd.h5", extra=lambda f: f.__setitem__("leak", h5py.ExternalLink("/etc/passwd", "/x")))
    inspect("external-link-to-non-hdf5", f"{d}/ext-link-passwd.h5", contains=["leak", "external link"])

    # External raw storage: the weight bytes live in another file (here the system's password file).
    def external(f):
        del f["layers/0/weight"]
        f.create_dataset("layers/0/weight", shape=(6, 8), dtype="f4", external=[("/etc/passwd", 0, 192)])
    model(f"{d}/external-storage.h5", extra=external)
    inspect("external-raw-storage", f"{d}/external-storage.h5", contains=["external raw storage"])
    predict("external-raw-storage-predict", f"{d}/external-storage.h5", f"{d}/in-good.h5", d, contains=["external raw storage"])

    # Virtual datasets: present and missing sources.
    def virtual(src):
        def go(f):
            del f["layers/0/weight"]
            layout = h5py.VirtualLayout(shape=(6, 8), dtype="f4")
            layout[:] = h5py.VirtualSource(src, "layers/0/weight", shape=(6, 8))
            f.create_virtual_dataset("layers/0/weight", layout, fillvalue=0)
        return go
    model(f"{d}/virtual.h5", extra=virtual(other))
    inspect("virtual-dataset", f"{d}/virtual.h5", contains=["virtual dataset"])
    model(f"{d}/virtual-missing.h5", extra=virtual(f"{d}/does-not-exist.h5"))
    inspect("virtual-dataset-missing-source", f"{d}/virtual-missing.h5", contains=["virtual dataset"])

    # Loops and second names for groups.
    model(f"{d}/loop-root.h5", extra=lambda f: f["layers"].__setitem__("loop", f["/"]))
    inspect("group-hard-link-to-root", f"{d}/loop-root.h5", contains=["already reached"])
    model(f"{d}/loop-parent.h5", extra=lambda f: f["layers/0"].__setitem__("up", f["layers"]))
    inspect("group-hard-link-to-ancestor", f"{d}/loop-parent.h5", contains=["already reached"])
    model(f"{d}/group-alias.h5", extra=lambda f: f.__setitem__("alias", f["layers/0"]))
    inspect("group-second-name", f"{d}/group-alias.h5", contains=["already reached"])
    model(f"{d}/named-type.h5", extra=lambda f: f.__setitem__("mytype", np.dtype("f4")))
    inspect("named-datatype", f"{d}/named-type.h5", contains=["mytype"])

    # Storage that does not cover the shape.
    def unwritten_chunked(compression):
        def go(f):
            del f["layers/0/weight"]
            f.create_dataset("layers/0/weight", shape=(6, 8), dtype="f4", chunks=(2, 8), compression=compression)
        return go
    model(f"{d}/chunked-empty.h5", extra=unwritten_chunked(None))
    inspect("chunked-no-chunks", f"{d}/chunked-empty.h5", contains=["chunks are stored"])
    model(f"{d}/chunked-gzip-empty.h5", extra=unwritten_chunked("gzip"))
    inspect("chunked-gzip-no-chunks", f"{d}/chunked-gzip-empty.h5", contains=["chunks are stored"])

    def partial(f):
        del f["layers/0/weight"]
        ds = f.create_dataset("layers/0/weight", shape=(6, 8), dtype="f4", chunks=(2, 8))
        ds[0:2] = 1.0
    model(f"{d}/chunked-partial.h5", extra=partial)
    inspect("chunked-partial", f"{d}/chunked-partial.h5", contains=["1 of the 3 chunks"])

    big = mlp_arch(inputs=100000, hidden=(100000,), classes=3)
    def huge_gzip(f):
        for k in list(f.keys()):
            del f[k]
        f.create_dataset("layers/0/weight", shape=(100000, 100000), dtype="f4", chunks=(1000, 1000), compression="gzip")
        f.create_dataset("layers/0/bias", data=np.zeros(100000, "f4"))
        f.create_dataset("layers/1/weight", data=np.zeros((3, 100000), "f4"), chunks=(3, 10000), compression="gzip")
        f.create_dataset("layers/1/bias", data=np.zeros(3, "f4"))
    model(f"{d}/huge-gzip-unwritten.h5", arch=big, params={}, extra=huge_gzip)
    predict("huge-gzip-unwritten-predict", f"{d}/huge-gzip-unwritten.h5", f"{d}/in-good.h5", d,
            contains=["layers/0/weight"])
    inspect("huge-gzip-unwritten-inspect", f"{d}/huge-gzip-unwritten.h5", contains=["layers/0/weight"])

    def contiguous_unwritten(f):
        del f["layers/0/weight"]
        f.create_dataset("layers/0/weight", shape=(6, 8), dtype="f4")
    model(f"{d}/contiguous-unwritten.h5", extra=contiguous_unwritten)
    inspect("contiguous-unwritten", f"{d}/contiguous-unwritten.h5", contains=["layers/0/weight"])

    # Correct results through other valid layouts.
    model(f"{d}/gzip-chunked-ok.h5", compression="gzip", chunks=True)
    inspect("gzip-chunked-valid", f"{d}/gzip-chunked-ok.h5", "ok", ["parameters: 75"])
    model(f"{d}/shuffle-fletcher-ok.h5", shuffle=True, fletcher32=True, chunks=True)
    inspect("shuffle-fletcher32-valid", f"{d}/shuffle-fletcher-ok.h5", "ok", ["parameters: 75"])

    def compact(f):
        for k in ["layers/0/weight", "layers/0/bias"]:
            v = f[k][...]
            del f[k]
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_layout(h5py.h5d.COMPACT)
            sid = h5py.h5s.create_simple(v.shape)
            ds = h5py.h5d.create(f.id, k.encode(), h5py.h5t.IEEE_F32LE, sid, dcpl=dcpl)
            ds.write(h5py.h5s.ALL, h5py.h5s.ALL, v)
    model(f"{d}/compact-ok.h5", extra=compact)
    inspect("compact-layout-valid", f"{d}/compact-ok.h5", "ok", ["parameters: 75"])
    model(f"{d}/bigendian-ok.h5", params={k: v.astype(">f4") for k, v in mlp_params(mlp_arch(), np.random.default_rng(0)).items()})
    inspect("big-endian-float32-valid", f"{d}/bigendian-ok.h5", "ok", ["parameters: 75"])

    # Filters that are not allowed.
    model(f"{d}/scaleoffset.h5", chunks=True, scaleoffset=4)
    inspect("scaleoffset-filter", f"{d}/scaleoffset.h5", contains=["filter 6"])
    try:
        model(f"{d}/lzf.h5", chunks=True, compression="lzf")
        inspect("lzf-filter", f"{d}/lzf.h5", contains=["filter 32000"])
    except Exception:
        pass

    # Architecture headers.
    for name, arch, frag in [
        ("gpt-n-layer-1e9", gpt_arch(n_layer=10**9), "n_layer"),
        ("gpt-head-overflow", gpt_arch(n_head=2**40, head_dim=2**40), "n_head"),
        ("gpt-vocab-huge", gpt_arch(vocab_size=2**40), "vocab_size"),
        ("gpt-block-huge", gpt_arch(block_size=2**40), "block_size"),
        ("gpt-embd-huge", gpt_arch(n_embd=2**31), "n_embd"),
        ("gpt-ffn-huge", gpt_arch(ffn_hidden=2**31), "ffn_hidden"),
        ("gpt-heads-times-dim", gpt_arch(n_head=1024, head_dim=4096), "n_head × head_dim"),
        ("mlp-hidden-2e62", mlp_arch(hidden=(4611686018427387904, 4)), "hidden[0]"),
        ("mlp-many-layers", mlp_arch(hidden=[4] * 5000), "hidden"),
        ("mlp-params-over-limit", mlp_arch(inputs=2**20, hidden=(2**20,)), "architecture"),
        ("mlp-zero-width", mlp_arch(hidden=(0,)), "hidden[0]"),
        ("mlp-negative-inputs", mlp_arch(inputs=-5), "inputs"),
        ("gpt-negative-layers", gpt_arch(n_layer=-1), "n_layer"),
        ("mlp-float-width", {**mlp_arch(), "inputs": 8.5}, "architecture"),
        ("mlp-int-overflow-json", '{"family":"mlp","inputs":1e400,"hidden":[6],"classes":3,"activation":"relu","dropout":0}', "architecture"),
        ("mlp-dropout-nan", '{"family":"mlp","inputs":8,"hidden":[6],"classes":3,"activation":"relu","dropout":NaN}', "architecture"),
        ("arch-deep-nesting", "[" * 200000 + "]" * 200000, "architecture"),
        ("arch-not-object", "[1,2,3]", "architecture"),
        ("arch-unknown-key", {**mlp_arch(), "bogus": 1}, "bogus"),
    ]:
        p = f"{d}/{name}.h5"
        with h5py.File(p, "w") as f:
            header(f, arch if isinstance(arch, str) else json.dumps(arch))
        inspect(name, p, contains=[frag])

    # Attributes of the wrong kind.
    def attrs_case(name, fn, frag):
        p = model(f"{d}/{name}.h5")
        with h5py.File(p, "a") as f:
            fn(f)
        inspect(name, p, contains=[frag])
    attrs_case("version-as-string", lambda f: f.attrs.__setitem__("condense_version", "1"), "condense_version")
    attrs_case("version-2", lambda f: f.attrs.__setitem__("condense_version", np.int64(2)), "condense_version")
    attrs_case("format-as-int", lambda f: f.attrs.__setitem__("condense_format", np.int64(7)), "condense_format")
    attrs_case("format-array", lambda f: f.attrs.__setitem__("condense_format", np.array([b"condense.model"] * 2)), "condense_format")
    attrs_case("architecture-as-int", lambda f: f.attrs.__setitem__("architecture", np.int64(3)), "architecture")
    attrs_case("history-not-array", lambda f: f.attrs.__setitem__("history", '{"a":1}'), "history")
    attrs_case("history-not-json", lambda f: f.attrs.__setitem__("history", "[[[["), "history")
    attrs_case("history-deep", lambda f: f.attrs.__setitem__("history", "[" * 100000 + "]" * 100000), "history")
    attrs_case("mlp-with-vocabulary", lambda f: f.attrs.__setitem__("vocabulary", '["a","b"]'), "vocabulary")
    attrs_case("architecture-fixed-string-huge",
               lambda f: f.attrs.create("architecture", np.bytes_(b"x" * 10), dtype=h5py.string_dtype("ascii", 10)),
               "architecture")

    # Vocabularies whose entries are not single symbols.
    for name, vocab, frag in [("vocab-multichar", ["ab", "b", "c", "d", "\n"], "vocabulary[0]"),
                              ("vocab-empty-entry", ["", "b", "c", "d", "\n"], "vocabulary[0]"),
                              ("vocab-duplicate", ["a", "a", "c", "d", "\n"], "unique"),
                              ("vocab-wrong-count", ["a", "b"], "vocab_size"),
                              ("vocab-not-strings", "[1,2,3,4,5]", "vocabulary"),
                              ("vocab-combining-mark", ["e\u0301", "b", "c", "d", "\n"], "vocabulary[0]")]:
        model(f"{d}/{name}.h5", gpt_arch(), vocab=vocab)
        inspect(name, f"{d}/{name}.h5", contains=[frag])

    # Shapes and dtypes.
    def replace(key, value):
        def go(f):
            del f[key]
            f[key] = value
        return go
    for name, value, frag in [("weight-float64", np.zeros((6, 8), "f8"), "float64"),
                              ("weight-int32", np.zeros((6, 8), "i4"), "int32"),
                              ("weight-transposed", np.zeros((8, 6), "f4"), "expected shape"),
                              ("weight-scalar", np.float32(1), "expected shape"),
                              ("weight-3d", np.zeros((6, 8, 1), "f4"), "expected shape"),
                              ("weight-float16", np.zeros((6, 8), "f2"), "float16"),
                              ("weight-compound", np.zeros((6, 8), [("a", "f4")]), "compound"),
                              ("bias-strings", np.array([b"x"] * 6), "string")]:
        key = "layers/0/bias" if name.startswith("bias") else "layers/0/weight"
        model(f"{d}/{name}.h5", extra=replace(key, value))
        inspect(name, f"{d}/{name}.h5", contains=[key])
    model(f"{d}/weight-as-group.h5", skip=["layers/0/weight"], extra=lambda f: f.create_group("layers/0/weight"))
    inspect("weight-is-a-group", f"{d}/weight-as-group.h5", contains=["layers/0/weight"])
    model(f"{d}/extra-dataset.h5", extra=lambda f: f.__setitem__("layers/7/weight", np.zeros(2, "f4")))
    inspect("unexpected-dataset", f"{d}/extra-dataset.h5", contains=["layers/7/weight"])
    model(f"{d}/missing-bias.h5", skip=["layers/1/bias"])
    inspect("missing-dataset", f"{d}/missing-bias.h5", contains=["layers/1/bias"])

    # Numbers that cannot be right.
    for name, val in [("weight-nan", np.nan), ("weight-inf", np.inf), ("weight-neg-inf", -np.inf)]:
        p = mlp_params(mlp_arch(), np.random.default_rng(0))
        p["layers/1/weight"][2, 4] = val
        model(f"{d}/{name}.h5", params=p)
        inspect(name, f"{d}/{name}.h5", contains=["layers/1/weight", "[2, 4]"])
        predict(name + "-predict", f"{d}/{name}.h5", f"{d}/in-good.h5", d, contains=["layers/1/weight"])
    case("weight-nan-inspect-allowed", ["inspect", f"{d}/weight-nan.h5", "--allow-nonfinite"], "ok", ["parameters: 75"])

    # Not a model at all.
    with open(f"{d}/empty.h5", "wb"):
        pass
    inspect("empty-file", f"{d}/empty.h5", contains=["not an HDF5 file"])
    with open(f"{d}/text.h5", "w") as fh:
        fh.write("hello\n")
    inspect("text-file", f"{d}/text.h5", contains=["not an HDF5 file"])
    inspect("missing-file", f"{d}/nope.h5", contains=["no such file"])
    inspect("directory-as-model", d, contains=["not a regular file"])
    inspect("dev-zero", "/dev/zero", contains=["not a regular file"])
    raw = open(good, "rb").read()
    for frac in (0.9, 0.5, 0.1):
        p = f"{d}/truncated-{int(frac * 100)}.h5"
        open(p, "wb").write(raw[:int(len(raw) * frac)])
        inspect(f"truncated-{int(frac * 100)}", p)
    open(f"{d}/signature-only.h5", "wb").write(raw[:8] + b"\0" * 200)
    inspect("hdf5-signature-only", f"{d}/signature-only.h5")


def inputs(d):
    good = f"{d}/good.h5"
    with h5py.File(f"{d}/in-good.h5", "w") as f:
        f["input"] = np.random.default_rng(1).random((4, 8)).astype("f4")
    predict("predict-valid", good, f"{d}/in-good.h5", d, "ok", ["logits"])
    with h5py.File(f"{d}/in-f64.h5", "w") as f:
        f["input"] = np.random.default_rng(1).random((3, 8))
    predict("predict-float64-valid", good, f"{d}/in-f64.h5", d, "ok", ["logits"])

    def inp(name, fn, frag, model_path=good):
        p = f"{d}/in-{name}.h5"
        with h5py.File(p, "w") as f:
            fn(f)
        predict("predict-" + name, model_path, p, d, contains=[frag])
    inp("huge-rows", lambda f: f.create_dataset("input", shape=(2**60, 8), dtype="f4", chunks=(1, 8)), "input")
    inp("huge-rows-gzip", lambda f: f.create_dataset("input", shape=(2**40, 8), dtype="f4", chunks=(1024, 8),
                                                     compression="gzip"), "input")
    inp("overflow-count", lambda f: f.create_dataset("input", shape=(2**62, 16), dtype="f4", chunks=(1, 16)), "input")
    inp("contiguous-unwritten", lambda f: f.create_dataset("input", shape=(1000, 8), dtype="f4"), "input")
    inp("wrong-width", lambda f: f.__setitem__("input", np.zeros((2, 9), "f4")), "input")
    inp("rank-1", lambda f: f.__setitem__("input", np.zeros(8, "f4")), "input")
    inp("zero-rows", lambda f: f.__setitem__("input", np.zeros((0, 8), "f4")), "input")
    inp("strings", lambda f: f.__setitem__("input", np.array([b"x"] * 8)), "input")
    inp("nan", lambda f: f.__setitem__("input", np.full((2, 8), np.nan, "f4")), "input")
    inp("missing-dataset", lambda f: f.__setitem__("other", np.zeros((2, 8), "f4")), "input")
    inp("external-link", lambda f: f.__setitem__("input", h5py.ExternalLink(f"{d}/in-good.h5", "/input")), "external link")
    inp("soft-link", lambda f: (f.__setitem__("x", np.zeros((2, 8), "f4")), f.__setitem__("input", h5py.SoftLink("/x"))),
        "soft link")
    inp("external-storage", lambda f: f.create_dataset("input", shape=(2, 8), dtype="f4", external=[("/etc/passwd", 0, 64)]),
        "external raw storage")
    gg = f"{d}/good-gpt.h5"
    inp("tokens-out-of-range", lambda f: f.__setitem__("input", np.array([[0, 1, 99]], "i8")), "token id 99", gg)
    inp("tokens-negative", lambda f: f.__setitem__("input", np.array([[0, -1]], "i8")), "token id -1", gg)
    inp("tokens-too-long", lambda f: f.__setitem__("input", np.zeros((1, 9), "i8")), "block_size", gg)
    inp("tokens-float", lambda f: f.__setitem__("input", np.zeros((1, 4), "f4")), "integer", gg)
    inp("tokens-huge-rows", lambda f: f.create_dataset("input", shape=(2**50, 8), dtype="i8", chunks=(1, 8)), "input", gg)
    with h5py.File(f"{d}/in-tokens.h5", "w") as f:
        f["input"] = np.array([[0, 1, 2, 3]], "i8")
    predict("predict-tokens-valid", gg, f"{d}/in-tokens.h5", d, "ok", ["logits"])
    os.makedirs(f"{d}/outdir-exists", exist_ok=True)
    case("predict-output-is-folder", ["predict", good, "--input", f"{d}/in-good.h5", "--output", f"{d}/outdir-exists"],
         contains=["outdir-exists"])
    case("predict-output-folder-missing", ["predict", good, "--input", f"{d}/in-good.h5", "--output", f"{d}/no/such/dir/o.h5"],
         contains=["o.h5"], absent=[f"{d}/no"])


def idx_bytes(dims, payload, magic_type=0x08):
    return struct.pack(">I", (magic_type << 8) | len(dims)) + b"".join(struct.pack(">I", x) for x in dims) + payload


def small_fashion(d):
    """A Fashion-MNIST folder of zero images small enough to load in milliseconds: 5,100 train (5,000 of them
    become the validation split) and 10 test images."""
    p = f"{d}/fashion-small"
    os.makedirs(p, exist_ok=True)
    for prefix, n in (("train", 5100), ("t10k", 10)):
        open(f"{p}/{prefix}-images-idx3-ubyte.gz", "wb").write(gzip.compress(idx_bytes([n, 28, 28], bytes(n * 784))))
        open(f"{p}/{prefix}-labels-idx1-ubyte.gz", "wb").write(gzip.compress(idx_bytes([n], bytes(i % 10 for i in range(n)))))
    return p


def fashion(d):
    small = small_fashion(d)
    m = f"{d}/fashion-model.h5"
    model(m, arch=mlp_arch(784, (8,), 10))

    def folder(name, images, labels):
        p = f"{d}/fashion-{name}"
        os.makedirs(p, exist_ok=True)
        for fn in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
            if not os.path.exists(f"{p}/{fn}"):
                os.symlink(f"{small}/{fn}", f"{p}/{fn}")
        open(f"{p}/t10k-images-idx3-ubyte.gz", "wb").write(images)
        open(f"{p}/t10k-labels-idx1-ubyte.gz", "wb").write(labels)
        return p

    def ev(name, images, labels, frag, expect="error"):
        p = folder(name, images, labels)
        case("fashion-" + name, ["eval", m, "--data", "fashion-mnist", "--split", "test"], expect, [frag] if frag else [],
             env={"CONDENSE_FASHION_DIR": p})

    n = 10
    img = idx_bytes([n, 28, 28], bytes(n * 784))
    lab = idx_bytes([n], bytes(n))
    ev("valid-small", gzip.compress(img), gzip.compress(lab), "accuracy", "ok")
    # A bomb: the header says 10 images, the stream inflates to 200 MB of zeros.
    bomb = gzip.compress(idx_bytes([n, 28, 28], bytes(200 << 20)), 9)
    ev("gzip-bomb", bomb, gzip.compress(lab), "t10k-images")
    ev("header-understates", gzip.compress(idx_bytes([n, 28, 28], bytes(n * 784 + 5))), gzip.compress(lab), "t10k-images")
    ev("header-overstates", gzip.compress(idx_bytes([10**9, 28, 28], bytes(n * 784))), gzip.compress(lab), "t10k-images")
    ev("dims-overflow", gzip.compress(idx_bytes([2**31 - 1, 2**31 - 1, 28], b"")), gzip.compress(lab), "t10k-images")
    ev("truncated-gzip", gzip.compress(img)[:-20], gzip.compress(lab), "t10k-images")
    ev("corrupt-gzip", gzip.compress(img)[:10] + b"\xff" * 50 + gzip.compress(img)[60:], gzip.compress(lab), "t10k-images")
    ev("wrong-magic", gzip.compress(idx_bytes([n, 28, 28], bytes(n * 784), 0x0D)), gzip.compress(lab), "t10k-images")
    ev("wrong-rank", gzip.compress(idx_bytes([n, 784], bytes(n * 784))), gzip.compress(lab), "t10k-images")
    ev("wrong-image-size", gzip.compress(idx_bytes([n, 27, 28], bytes(n * 756))), gzip.compress(lab), "t10k-images")
    ev("label-count-mismatch", gzip.compress(img), gzip.compress(idx_bytes([n + 1], bytes(n + 1))), "t10k")
    ev("label-out-of-range", gzip.compress(img), gzip.compress(idx_bytes([n], bytes([200] * n))), "t10k-labels")
    ev("empty-split", gzip.compress(idx_bytes([0, 28, 28], b"")), gzip.compress(idx_bytes([0], b"")), "test")
    ev("not-gzip-garbage", b"\x1f\x8b" + b"\x00" * 30, gzip.compress(lab), "t10k-images")
    ev("empty-file", b"", gzip.compress(lab), "t10k-images")
    ev("trailing-garbage", gzip.compress(img) + b"junk", gzip.compress(lab), "t10k-images")


def text_data(d):
    gg = f"{d}/good-gpt.h5"
    def corpus(name, train, val, test, vocab="abcd\n", counts=True):
        p = f"{d}/text-{name}"
        os.makedirs(p, exist_ok=True)
        for s, t in (("train", train), ("val", val), ("test", test)):
            open(f"{p}/{s}.txt", "w").write(t)
        meta = {"vocabulary": vocab, "splits": {s: {"characters": len(t)} for s, t in
                                                (("train", train), ("val", val), ("test", test))} if counts else {}}
        open(f"{p}/SPLITS.json", "w").write(json.dumps(meta))
        return p
    body = "abcd\n" * 40
    p = corpus("valid", body, body, body)
    case("text-eval-valid", ["eval", gg, "--data", "shakespeare", "--split", "test"], "ok", ["loss"],
         env={"CONDENSE_DATA_DIR": p})
    p = corpus("empty-test", body, body, "")
    case("text-empty-test-split", ["eval", gg, "--data", "shakespeare", "--split", "test"], contains=["test"],
         env={"CONDENSE_DATA_DIR": p})
    p = corpus("short-test", body, body, "ab")
    case("text-test-shorter-than-window", ["eval", gg, "--data", "shakespeare", "--split", "test"], contains=["test"],
         env={"CONDENSE_DATA_DIR": p})
    p = corpus("unknown-char", body, body, body + "Z")
    case("text-unknown-character", ["eval", gg, "--data", "shakespeare", "--split", "test"], contains=["test.txt"],
         env={"CONDENSE_DATA_DIR": p})
    p = corpus("bad-json", body, body, body)
    open(f"{p}/SPLITS.json", "w").write("{")
    case("text-splits-json-malformed", ["eval", gg, "--data", "shakespeare"], contains=["SPLITS.json"],
         env={"CONDENSE_DATA_DIR": p})
    p = corpus("vocab-mismatch", body, body, body, vocab="abcdxy\n")
    case("text-vocab-size-mismatch", ["eval", gg, "--data", "shakespeare"], contains=["vocab"],
         env={"CONDENSE_DATA_DIR": p})
    p = corpus("not-utf8", body, body, body)
    open(f"{p}/test.txt", "wb").write(b"\xff\xfe\x00")
    case("text-not-utf8", ["eval", gg, "--data", "shakespeare", "--split", "test"], contains=["test.txt"],
         env={"CONDENSE_DATA_DIR": p})
    # NaN loss in eval: a model whose weights are finite but overflow to infinity in the forward pass.
    pr = gpt_params(gpt_arch(), np.random.default_rng(0))
    pr["transformer/ln_f/weight"][:] = 3e38
    pr["transformer/wte/weight"][:] = 3e38
    model(f"{d}/gpt-overflowing.h5", gpt_arch(), params=pr)
    p = corpus("valid2", body, body, body)
    case("eval-nan-loss", ["eval", f"{d}/gpt-overflowing.h5", "--data", "shakespeare", "--split", "test"],
         contains=["gpt-overflowing.h5"], env={"CONDENSE_DATA_DIR": p})


def configs(d):
    def cfg(name, text, frag, args=(), expect="error"):
        p = f"{d}/cfg-{name}.yaml"
        open(p, "w").write(text)
        out = f"{d}/cfgout-{name}.h5"
        case("config-" + name, ["train", p, "-o", out] + list(args), expect, [frag] if frag else [],
             absent=[out, f"{d}/cfgout-{name}.run"] if expect == "error" else [])
    base = "model:\n  family: mlp\n  hidden: [8]\ntrain:\n  steps: 1\n"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    cfg("alias-bomb", bomb, "anchors and aliases")
    cfg("anchor-simple", "model: &m\n  family: mlp\nother: *m\n", "anchors and aliases")
    cfg("merge-key", "base: &b {steps: 1}\ntrain:\n  <<: *b\n", "anchors and aliases")
    cfg("seed-2-64", base + "seed: 18446744073709551615\n", "seed")
    cfg("seed-2-63", base + "seed: 9223372036854775808\n", "seed")
    cfg("seed-negative", base + "seed: -1\n", "seed")
    cfg("seed-float", base + "seed: 1.5\n", "seed")
    cfg("batch-1e12", base.replace("steps: 1", "steps: 1\n  batch_size: 1e12"), "batch_size")
    cfg("batch-int-huge", base.replace("steps: 1", "steps: 1\n  batch_size: 1000000000000"), "batch_size")
    cfg("steps-huge", base.replace("steps: 1", "steps: 100000000000000"), "steps")
    cfg("epochs-huge", base.replace("steps: 1", "epochs: 1000000000000"), "epochs")
    cfg("grad-accum-huge", base.replace("steps: 1", "steps: 1\n  grad_accum: 1000000000"), "grad_accum")
    cfg("eval-batches-huge", base.replace("steps: 1", "steps: 1\n  eval_batches: 100000000000"), "eval_batches")
    cfg("hidden-2e62", "model:\n  family: mlp\n  hidden: [4611686018427387904, 4]\n", "hidden")
    cfg("hidden-negative", "model:\n  family: mlp\n  hidden: [-4]\n", "hidden")
    cfg("hidden-many", "model:\n  family: mlp\n  hidden: [" + ", ".join(["2"] * 2000) + "]\n", "hidden")
    cfg("gpt-layers-1e9", "model:\n  family: gpt\n  n_layer: 1000000000\ndata:\n  name: shakespeare\n", "n_layer")
    cfg("gpt-embd-1e30", "model:\n  family: gpt\n  n_embd: 1e30\ndata:\n  name: shakespeare\n", "n_embd")
    cfg("gpt-head-overflow", "model:\n  family: gpt\n  n_head: 4294967296\n  head_dim: 4294967296\ndata:\n  name: shakespeare\n",
        "head_dim")
    cfg("memory-over-machine", "model:\n  family: mlp\n  hidden: [1000000, 1000000]\n", "")
    cfg("lr-inf", base + "train:\n  lr: .inf\n", "")
    cfg("lr-nan", base.replace("steps: 1", "steps: 1\n  lr: .nan"), "lr")
    cfg("deep-nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", "nested")
    cfg("deep-block-nesting", "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v: 1\n", "nested")
    cfg("unknown-key", base + "bogus: 1\n", "bogus")
    cfg("typo-key", base.replace("steps: 1", "stepz: 1"), "stepz")
    cfg("not-mapping", "- 1\n- 2\n", "mapping")
    cfg("syntax-error", "model: [\n", "YAML")
    cfg("tabs", "model:\n\tfamily: mlp\n", "YAML")
    cfg("duplicate-key", base + "seed: 1\nseed: 2\n", "")
    cfg("binary", "\x00\x01\x02", "")
    cfg("string-for-int", base.replace("steps: 1", "steps: many"), "steps")
    cfg("unknown-family", "model:\n  family: rnn\n", "family")
    cfg("unknown-data", base + "data:\n  name: imagenet\n", "data.name")
    p = f"{d}/cfg-huge.yaml"
    with open(p, "w") as fh:
        fh.write("# " + "x" * (2 << 20) + "\n")
    case("config-over-1mib", ["train", p, "-o", f"{d}/cfgout-huge.h5"], contains=["bytes"], absent=[f"{d}/cfgout-huge.h5"])
    case("config-missing-file", ["train", f"{d}/nope.yaml", "-o", f"{d}/x.h5"], contains=["nope.yaml"], absent=[f"{d}/x.h5"])

    # --set paths and values.
    p = f"{d}/cfg-set.yaml"
    open(p, "w").write(base)
    def setcase(name, override, frag):
        out = f"{d}/setout-{name}.h5"
        case("set-" + name, ["train", p, "-o", out, "--set", override], contains=[frag], absent=[out])
    setcase("deep-path", ".".join(["a"] * 60000) + "=1", "key path")
    setcase("empty-segment", "train..steps=1", "key path")
    setcase("seed-2-64", "seed=18446744073709551615", "seed")
    setcase("no-equals", "train.steps", "key.path=value")
    setcase("unknown-key", "train.bogus=1", "bogus")
    setcase("alias-in-value", "train.steps=*x", "anchors")
    setcase("batch-huge", "train.batch_size=1e15", "batch_size")
    setcase("steps-float", "train.steps=1.5", "steps")


def recipes(d):
    good = f"{d}/fashion-model.h5"

    def recipe(name, text, frag, extra_args=(), expect="error"):
        p = f"{d}/recipe-{name}.yaml"
        open(p, "w").write(text)
        out = f"{d}/runout-{name}"
        case("recipe-" + name, ["run", p, "--output", out, "--dry-run"] + list(extra_args), expect, [frag] if frag else [],
             absent=[out] if expect == "error" else [])
    head = f"teacher:\n  path: {good}\ndata:\n  name: fashion-mnist\n"
    recipe("valid", head + "stages:\n  - prune:\n      hidden: '4'\n  - quantize: {}\n", "estimated peak memory", expect="ok")
    recipe("distill-budget-too-small", head + "stages:\n  - prune:\n      hidden: '4'\n  - distill:\n      train:\n        epochs: 0\n        steps: 3\n",
           "search")
    recipe("keep-matches-nothing", head + "stages:\n  - quantize:\n      keep: ['transformer/*']\n", "keep")
    recipe("keep-invalid-glob", head + "stages:\n  - quantize:\n      keep: ['layers/[0']\n", "keep")
    recipe("calibration-missing", head + f"stages:\n  - quantize:\n      calibration_data: {d}/nope.h5\n", "calibration")
    recipe("calibration-wrong-width", head + f"stages:\n  - quantize:\n      calibration_data: {d}/in-good.h5\n", "input")
    open(f"{d}/a-file", "w").write("user data\n")
    p = f"{d}/recipe-output-file.yaml"
    open(p, "w").write(head + "stages:\n  - quantize: {}\n")
    case("recipe-output-is-file", ["run", p, "--output", f"{d}/a-file", "--dry-run"], contains=["a-file"])
    recipe("prune-no-target", head + "stages:\n  - prune: {}\n", "target")
    recipe("prune-calibration-huge", head + "stages:\n  - prune:\n      hidden: '4'\n      calibration_batches: 1000000000\n",
           "calibration_batches")
    recipe("quantize-calibration-huge", head + "stages:\n  - quantize:\n      calibration_batches: 1000000000\n",
           "calibration_batches")
    recipe("distill-batch-huge", head + "stages:\n  - prune:\n      hidden: '4'\n  - distill:\n      train:\n        batch_size: 1000000000000\n", "batch_size")
    recipe("teacher-missing", "teacher:\n  path: /nonexistent/t.h5\nstages:\n  - quantize: {}\n", "teacher")
    recipe("teacher-corrupt", f"teacher:\n  path: {d}/loop-root.h5\nstages:\n  - quantize: {{}}\n", "loop-root.h5")
    recipe("alias-bomb", "a: &a [1,1]\nb: [*a, *a]\n", "anchors")
    recipe("seed-huge", head + "seed: 18446744073709551615\nstages:\n  - quantize: {}\n", "seed")
    recipe("stage-order", head + "stages:\n  - quantize: {}\n  - prune:\n      hidden: '4'\n", "quantize")
    recipe("report-eval-batches-huge", head + "report:\n  eval_batches: 100000000000\nstages:\n  - quantize: {}\n",
           "eval_batches")


def commands(d):
    good = f"{d}/fashion-model.h5"
    # Cases run in parallel, and one output has one writer (a second is refused by its lock): one output each.
    out = f"{d}/cmd-prune-out.h5"
    case("prune-no-target", ["prune", good, "-o", out], contains=["target"], absent=[out])
    out2 = f"{d}/cmd-prune-out2.h5"
    case("prune-calibration-huge", ["prune", good, "-o", out2, "--hidden", "4", "--calibration-batches", "1000000000"],
         contains=["calibration"], absent=[out2])
    out3 = f"{d}/cmd-prune-out3.h5"
    case("prune-ratio-huge", ["prune", good, "-o", out3, "--hidden", "1e300"], contains=["hidden"], absent=[out3])
    # distill with an int8 student: refused like the recipe refuses it.
    q = f"{d}/cmd-q.h5"
    case("quantize-valid", ["quantize", good, "-o", q, "--calibration-batches", "1", "--calibration-batch-size", "4",
                            "--val-batches", "1", "--no-latency"], "ok", ["wrote"], serial=True)
    case("quantize-keep-nothing", ["quantize", good, "-o", f"{d}/cmd-q2.h5", "--keep", "nothing/*"], contains=["keep"],
         absent=[f"{d}/cmd-q2.h5"])
    case("quantize-keep-invalid", ["quantize", good, "-o", f"{d}/cmd-q3.h5", "--keep", "layers/{0,1}"], contains=["keep"],
         absent=[f"{d}/cmd-q3.h5"])
    case("quantize-calibration-huge", ["quantize", good, "-o", f"{d}/cmd-q4.h5", "--calibration-batches", "1000000000",
                                       "--calibration-batch-size", "1000000"], contains=["calibration"], absent=[f"{d}/cmd-q4.h5"])
    case("generate-on-mlp", ["generate", good, "--prompt", "a", "--tokens", "3"], contains=["fashion-model.h5"])
    case("generate-unknown-char", ["generate", f"{d}/good-gpt.h5", "--prompt", "Z", "--tokens", "3"], contains=["Z"])
    case("eval-unknown-split", ["eval", good, "--data", "fashion-mnist", "--split", "bogus"], contains=["split"])
    case("eval-data-mismatch", ["eval", f"{d}/good.h5", "--data", "fashion-mnist"], contains=["good.h5"])
    # Command-line errors: one line and exit 1, like every other bad input.
    case("cli-missing-option", ["predict", f"{d}/good.h5", "--output", f"{d}/o.h5"], contains=["--input"], absent=[f"{d}/o.h5"])
    case("cli-int-not-a-number", ["generate", f"{d}/good-gpt.h5", "--tokens", "many"], contains=["--tokens"])
    case("cli-int-overflow", ["generate", f"{d}/good-gpt.h5", "--tokens", "99999999999999999999"], contains=["--tokens"])
    case("cli-unknown-option", ["inspect", f"{d}/good.h5", "--bogus"], contains=["--bogus"])
    case("cli-unknown-command", ["frobnicate"], contains=["frobnicate"])
    case("generate-tokens-huge", ["generate", f"{d}/good-gpt.h5", "--tokens", "1000000000000"], contains=["--tokens"])
    case("generate-tokens-negative", ["generate", f"{d}/good-gpt.h5", "--tokens=-5"], contains=["--tokens"])
    case("generate-empty-prompt", ["generate", f"{d}/good-gpt.h5", "--prompt", ""], contains=["--prompt"])
    case("generate-temperature-nan", ["generate", f"{d}/good-gpt.h5", "--temperature", "nan"], contains=["--temperature"])
    case("generate-valid", ["generate", f"{d}/good-gpt.h5", "--prompt", "ab", "--tokens", "4"], "ok")
    case("bench-matmul-huge", ["bench", "matmul", "--m", "1000000000", "--k", "1024", "--n", "1024"], contains=["--m"])
    case("train-seed-cli-overflow", ["train", f"{d}/cfg-set.yaml", "-o", f"{d}/so.h5", "--set", "seed=-1"], contains=["seed"],
         absent=[f"{d}/so.h5"])


def folders(d):
    """--force on folders the tool did not create: refused, and every user file kept."""
    user = f"{d}/user-folder"
    os.makedirs(f"{user}/sub", exist_ok=True)
    for n in ("notes.txt", "checkpoint.h5", "log.jsonl", "sub/keep.txt"):
        open(f"{user}/{n}", "w").write("mine\n")
    cfgp = f"{d}/cfg-tiny.yaml"
    open(cfgp, "w").write("model:\n  family: mlp\n  hidden: [4]\ntrain:\n  steps: 2\n  eval_every: 0\n  log_every: 1\n")
    kept = [f"{user}/notes.txt", f"{user}/checkpoint.h5", f"{user}/sub/keep.txt"]
    case("train-force-user-run-dir", ["train", cfgp, "-o", f"{d}/tiny.h5", "--run-dir", user, "--force"],
         contains=["--force refused", "user-folder"], present=kept, absent=[f"{d}/tiny.h5"])
    case("distill-force-user-run-dir", ["distill", f"{d}/fashion-model.h5", "--teacher", f"{d}/fashion-model.h5", "-o",
                                        f"{d}/dd.h5", "--run-dir", user, "--force", "--alpha", "0.5", "--temperature", "2",
                                        "--steps", "2"], contains=["--force refused"], present=kept, absent=[f"{d}/dd.h5"])
    out = f"{d}/user-output"
    os.makedirs(out, exist_ok=True)
    for n in ("01-prune.h5.bak", "my-diagram.svg", "report.md"):
        open(f"{out}/{n}", "w").write("mine\n")
    rp = f"{d}/recipe-force.yaml"
    open(rp, "w").write(f"teacher:\n  path: {d}/fashion-model.h5\nstages:\n  - quantize: {{}}\n")
    case("run-force-user-output", ["run", rp, "--force", "--output", out],
         contains=["--force refused", "user-output"], present=[f"{out}/01-prune.h5.bak", f"{out}/my-diagram.svg", f"{out}/report.md"])
    case("train-run-dir-is-a-file", ["train", cfgp, "-o", f"{d}/tiny2.h5", "--run-dir", f"{d}/a-file"],
         contains=["a-file"], present=[f"{d}/a-file"], absent=[f"{d}/tiny2.h5"])


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = os.path.abspath(sys.argv[1])
    os.makedirs(d, exist_ok=True)
    models(d)
    inputs(d)
    fashion(d)
    text_data(d)
    configs(d)
    recipes(d)
    commands(d)
    folders(d)
    # Cases that need the distill-with-int8 student come after quantize-valid has written it.
    case("distill-int8-student", ["distill", f"{d}/cmd-q.h5", "--teacher", f"{d}/fashion-model.h5", "-o", f"{d}/cmd-d.h5",
                                  "--steps", "2", "--alpha", "0.5", "--temperature", "2"], contains=["int8"], absent=[f"{d}/cmd-d.h5"],
         serial=True)
    # Every command that reads Fashion-MNIST reads the small folder unless its case names another.
    for c in CASES:
        c["env"].setdefault("CONDENSE_FASHION_DIR", f"{d}/fashion-small")
    json.dump(CASES, open(f"{d}/cases.json", "w"), indent=1)
    print(len(CASES))


if __name__ == "__main__":
    main()
