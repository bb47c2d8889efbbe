#!/usr/bin/env python3
"""A minimal nanoGPT-architecture model in PyTorch, independent of Condense: make, train and export it.

  nanogpt_torch.py export OUT.h5 [--text FILE --steps N] [arch options] [--reference REF.h5] [--omit FIELDS]
  nanogpt_torch.py prepare TEXT DIR        nanoGPT's shakespeare_char/prepare.py layout: train.bin, val.bin, meta.pkl
  nanogpt_torch.py maketext OUT [--chars N] [--seed S]   a made-up text from a small seeded grammar

`export` builds the model (seeded), optionally trains it with AdamW on a character-level text (vocabulary
sorted(set(text)), as nanoGPT's prepare.py; only the first --train-fraction of the text, so that a later
cut of the rest into val and test is unseen), and writes it in nanoGPT's state_dict layout with the architecture
fields family, n_layer, n_head, n_embd, block_size, vocab_size, bias (minus --omit) and never `dropout`, as an
outside exporter would. With --reference it also writes REF.h5: dataset `input` (B, T) int64 token ids and
`logits` (B, T, V) float32 from PyTorch's forward, for comparing against `condense predict`.
Needs torch, h5py and numpy (tools/torch_env's venv).
"""
import argparse
import json
import math
import os
import pickle
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_embd = c["n_head"], c["n_embd"]
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c["bias"])

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c["bias"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c["bias"])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["n_embd"], bias=c["bias"])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = nn.LayerNorm(c["n_embd"], bias=c["bias"])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]), wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]), ln_f=nn.LayerNorm(c["n_embd"], bias=c["bias"])))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying, as nanoGPT
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c["n_layer"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))
        for b in self.transformer.h:
            x = b(x)
        return self.lm_head(self.transformer.ln_f(x))


def train(model, ids, steps, batch, lr, seed):
    g = torch.Generator().manual_seed(seed)
    data = torch.tensor(ids, dtype=torch.long)
    T = model.c["block_size"]
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.1)
    loss = float("nan")
    for step in range(steps):
        ix = torch.randint(len(data) - T - 1, (batch,), generator=g)
        x = torch.stack([data[i:i + T] for i in ix]); y = torch.stack([data[i + 1:i + 1 + T] for i in ix])
        logits = model(x)
        loss_t = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss_t.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss = loss_t.item()
    return loss


def export(model, path, omit, vocabulary):
    c = model.c
    arch = dict(family="gpt", n_layer=c["n_layer"], n_head=c["n_head"], head_dim=c["n_embd"] // c["n_head"],
                n_embd=c["n_embd"], ffn_hidden=4 * c["n_embd"], block_size=c["block_size"],
                vocab_size=c["vocab_size"], bias=c["bias"], tie_embeddings=True)
    for k in omit:
        arch.pop(k)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["condense_format"] = "condense.model"
        f.attrs["condense_version"] = 1
        f.attrs["architecture"] = json.dumps(arch)
        if vocabulary is not None:
            f.attrs["vocabulary"] = json.dumps(vocabulary)
        for k, v in model.state_dict().items():
            f[k.replace(".", "/")] = v.detach().float().numpy()   # lm_head.weight: a copy of wte
    os.replace(tmp, path)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("output")
    e.add_argument("--text", help="train on this UTF-8 text (character vocabulary sorted(set(text)))")
    e.add_argument("--steps", type=int, default=0)
    e.add_argument("--train-fraction", type=float, default=0.8, help="train on this leading share of --text (default 0.8)")
    e.add_argument("--batch", type=int, default=16)
    e.add_argument("--lr", type=float, default=3e-3)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--n-layer", type=int, default=2)
    e.add_argument("--n-head", type=int, default=2)
    e.add_argument("--n-embd", type=int, default=32)
    e.add_argument("--block-size", type=int, default=16)
    e.add_argument("--vocab-size", type=int, default=37, help="without --text")
    e.add_argument("--no-bias", action="store_true")
    e.add_argument("--omit", default="", help="comma-separated optional fields to leave out (head_dim,ffn_hidden,bias,tie_embeddings)")
    e.add_argument("--reference", help="also write input ids and PyTorch logits here")
    e.add_argument("--ref-batch", type=int, default=3)
    q = sub.add_parser("prepare")
    q.add_argument("text")
    q.add_argument("dir")
    m = sub.add_parser("maketext")
    m.add_argument("output")
    m.add_argument("--chars", type=int, default=100_000)
    m.add_argument("--seed", type=int, default=12)
    a = p.parse_args(argv)
    if a.cmd == "prepare":
        return prepare(a.text, a.dir)
    if a.cmd == "maketext":
        return maketext(a.output, a.chars, a.seed)
    torch.manual_seed(a.seed)
    vocabulary, ids = None, None
    if a.text:
        text = open(a.text, encoding="utf-8").read()
        vocabulary = sorted(set(text))
        stoi = {ch: i for i, ch in enumerate(vocabulary)}
        ids = [stoi[ch] for ch in text[:int(len(text) * a.train_fraction)]]
        a.vocab_size = len(vocabulary)
    c = dict(n_layer=a.n_layer, n_head=a.n_head, n_embd=a.n_embd, block_size=a.block_size,
             vocab_size=a.vocab_size, bias=not a.no_bias)
    model = GPT(c)
    loss = train(model, ids, a.steps, a.batch, a.lr, a.seed) if ids and a.steps > 0 else None
    model.eval()
    export(model, a.output, [k for k in a.omit.split(",") if k], vocabulary)
    if a.reference:
        g = torch.Generator().manual_seed(a.seed + 1)
        x = torch.randint(a.vocab_size, (a.ref_batch, a.block_size), generator=g)
        with torch.no_grad():
            logits = model(x).float().numpy()
        with h5py.File(a.reference, "w") as f:
            f["input"] = x.numpy().astype(np.int64)
            f["logits"] = logits
    print(json.dumps(dict(parameters=sum(t.numel() for t in model.parameters()), vocab_size=a.vocab_size,
                          train_loss=loss)))


def maketext(out, chars, seed):
    """Sentences from a small grammar: subject, verb, object, place, with seeded choices."""
    import random
    r = random.Random(seed)
    subj = ["the miller", "a small fox", "the old keeper", "my sister", "the river", "a grey owl", "the baker",
            "our neighbour", "the tall captain", "a tired horse"]
    verb = ["watches", "follows", "calls", "finds", "carries", "remembers", "greets", "waits for", "sings to", "hides"]
    obj = ["the lantern", "a basket of pears", "the north wind", "the quiet road", "a red boat", "the morning bell",
           "two white geese", "the hill", "a letter from home", "the last cart"]
    tail = ["at dawn", "before the rain", "in the long grass", "by the mill", "when the frost comes", "after supper",
            "without a word", "near the bridge", "under the old oak", "as the bells ring"]
    lines, n = [], 0
    while n < chars:
        s = f"{r.choice(subj)} {r.choice(verb)} {r.choice(obj)} {r.choice(tail)}"
        s = s[0].upper() + s[1:] + r.choice([".", ".", ".", "!", "?"])
        lines.append(s)
        n += len(s) + 1
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(json.dumps(dict(characters=n, lines=len(lines))))


def prepare(text_path, out):
    """nanoGPT's data/shakespeare_char/prepare.py: first 90 % train, last 10 % val, uint16 ids, meta.pkl."""
    text = open(text_path, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    n = len(text)
    os.makedirs(out, exist_ok=True)
    for name, part in (("train", text[:int(n * 0.9)]), ("val", text[int(n * 0.9):])):
        np.array([stoi[ch] for ch in part], dtype=np.uint16).tofile(os.path.join(out, name + ".bin"))
    with open(os.path.join(out, "meta.pkl"), "wb") as f:
        pickle.dump(dict(vocab_size=len(chars), itos=itos, stoi=stoi), f)
    print(json.dumps(dict(vocab_size=len(chars), characters=n)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
