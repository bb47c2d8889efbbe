#!/usr/bin/env python3
"""A target/draft pair with random weights and a chosen agreement, for timing speculative decoding without training.

   python3 tools/make_draft_pair.py TARGET.h5 --keep 2 --damp 0.05 DAMPED_TARGET.h5 DRAFT.h5

DAMPED_TARGET is TARGET with the output projections (attn/c_proj, mlp/c_proj: weights and biases) of every block from
--keep on multiplied by --damp, so those blocks add little to the residual stream; it still runs every block, so a
decode step costs what TARGET's does. DRAFT is the first --keep blocks with the same embeddings and ln_f (the shape a
pruned draft has). The smaller --damp, the more often DRAFT's argmax is the target's: the acceptance rate (printed by
`condense generate ... --draft DRAFT.h5 --json`) is set by --damp, not learned. For speed only: the text is noise.
"""
import argparse, json, shutil
import h5py

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("target"); ap.add_argument("damped"); ap.add_argument("draft")
ap.add_argument("--keep", type=int, default=2); ap.add_argument("--damp", type=float, default=0.05)
a = ap.parse_args()

shutil.copyfile(a.target, a.damped)
with h5py.File(a.damped, "r+") as f:
    arch = json.loads(f.attrs["architecture"])
    assert arch["family"] == "gpt" and 0 < a.keep < arch["n_layer"], "a GPT with more than --keep blocks"
    for l in range(a.keep, arch["n_layer"]):
        for p in ("attn/c_proj", "mlp/c_proj"):
            for t in ("weight", "bias"):
                path = f"transformer/h/{l}/{p}/{t}"
                if path in f: f[path][...] = f[path][...] * a.damp

with h5py.File(a.target, "r") as src, h5py.File(a.draft, "w") as dst:
    arch = json.loads(src.attrs["architecture"]); arch["n_layer"] = a.keep
    for k, v in src.attrs.items(): dst.attrs[k] = v
    dst.attrs["architecture"] = json.dumps(arch, separators=(",", ":"))
    for name in ("transformer/wte", "transformer/wpe", "transformer/ln_f"): src.copy(src[name], dst, name=name)
    for l in range(a.keep): src.copy(src[f"transformer/h/{l}"], dst, name=f"transformer/h/{l}")
    if "lm_head/weight" in src:
        if arch.get("tie_embeddings", True): dst["lm_head/weight"] = dst["transformer/wte/weight"]  # hard link
        else: src.copy(src["lm_head"], dst, name="lm_head")
print(json.dumps({"damped_target": a.damped, "draft": a.draft, "keep": a.keep, "damp": a.damp}))
