#!/usr/bin/env python3
"""PyTorch eager training-step timing: the peer for Condense's own trainer (nanoGPT GPT and the MLP teacher).

Run with the private venv:  py=$(tools/torch_env | tail -1); "$py" tools/bench_torch_train.py --config all

A step = forward + cross-entropy + backward + clip_grad_norm_(1.0) + optimizer.step() + zero_grad(set_to_none=True).
Data is random (seeded): timing only. Each run times --steps consecutive steps; a run's step time is
elapsed/steps; we report the median over --runs runs and every run's value.

FLOP convention (use the same one in Condense so GFLOP/s are comparable):
  GPT, per token:  6*N + 12*L*T*C_attn   (nanoGPT's estimate_mfu / PaLM appendix B)
      N      = number of unique parameters minus the position embedding wpe (the tied wte/lm_head counts
               once: it is the lm_head matmul; LayerNorm weights and biases are included)
      L      = n_layer, T = block_size (the sequence length actually run), C_attn = n_head*head_dim
      12*L*T*C_attn counts Q@K^T and att@V as full T×T products (no causal halving), forward 4·T·C_attn
      per token per layer, times 3 for forward+backward.
      FLOPs per step = (6*N + 12*L*T*C_attn) * batch * T.
  MLP, per example: 6*N, N = all parameters (weights + biases); FLOPs per step = 6*N*batch.
  No correction for the skipped input-gradient of the first layer, for softmax/LayerNorm/GELU/optimizer work.
  GFLOP/s = FLOPs per step / median step time.
"""
import argparse, json, math, statistics, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

GPT_CONFIGS = {  # vocab 84 = Condense's character-level Shakespeare vocabulary
    "nanogpt-cpu": dict(n_layer=4, n_head=4, n_embd=128, block_size=64, batch=12, vocab_size=84),
    "shakespeare-teacher": dict(n_layer=6, n_head=8, n_embd=256, block_size=128, batch=32, vocab_size=84),
}
MLP_CONFIG = dict(sizes=[784, 1200, 1200, 10], dropout=0.2, batch=128, examples=55_000)


# ---- nanoGPT model.py (dropout 0, bias=True), attention either explicit (manual) or SDPA --------------------
class CausalSelfAttention(nn.Module):
    def __init__(self, c, sdpa):
        super().__init__()
        self.n_head, self.n_embd, self.sdpa = c["n_head"], c["n_embd"], sdpa
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=True)
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=True)
        T = c["block_size"]
        self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=True)
        self.gelu = nn.GELU()  # exact erf
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=True)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c, sdpa):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["n_embd"], eps=1e-5, bias=True)
        self.attn = CausalSelfAttention(c, sdpa)
        self.ln_2 = nn.LayerNorm(c["n_embd"], eps=1e-5, bias=True)
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c, sdpa):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c, sdpa) for _ in range(c["n_layer"])]),
            ln_f=nn.LayerNorm(c["n_embd"], eps=1e-5, bias=True)))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c["n_layer"]))

    @staticmethod
    def _init_weights(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, idx, targets):
        T = idx.size(1)
        pos = torch.arange(0, T, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def adamw(model):
    """nanoGPT's configure_optimizers: weight decay 0.1 on params with dim >= 2 only; fused=False, foreach default."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95), fused=False)


def train_step(model, opt, x, y):
    loss = model(x, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss


def time_runs(step, n_steps, runs, warmup):
    for i in range(warmup):
        step(i)
    per_run = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for i in range(n_steps):
            step(i)
        per_run.append((time.perf_counter() - t0) / n_steps)
    return per_run


def bench_gpt(name, args, sdpa):
    c = dict(GPT_CONFIGS[name])
    if args.batch:
        c["batch"] = args.batch
    torch.manual_seed(args.seed)
    model = GPT(c, sdpa).train()
    opt = adamw(model)
    B, T, V, L = c["batch"], c["block_size"], c["vocab_size"], c["n_layer"]
    n_params = sum(p.numel() for p in model.parameters())  # unique: tied weight counted once
    n_flop = n_params - model.transformer.wpe.weight.numel()
    flops_per_token = 6 * n_flop + 12 * L * T * c["n_embd"]
    g = torch.Generator().manual_seed(args.seed)
    data = torch.randint(0, V, (200_000,), generator=g)
    n_steps = args.steps or (50 if name == "nanogpt-cpu" else 8)
    batches = []
    for _ in range(min(n_steps, 16)):  # nanoGPT get_batch: random windows of a token stream
        ix = torch.randint(len(data) - T - 1, (B,), generator=g)
        batches.append((torch.stack([data[i:i + T] for i in ix]), torch.stack([data[i + 1:i + 1 + T] for i in ix])))
    step = lambda i: train_step(model, opt, *batches[i % len(batches)])
    per_run = time_runs(step, n_steps, args.runs, args.warmup if args.warmup is not None else 3)
    med = statistics.median(per_run)
    return dict(config=name, attention="sdpa" if sdpa else "manual", params=n_params, flop_params=n_flop,
                n_layer=L, n_head=c["n_head"], n_embd=c["n_embd"], block_size=T, batch=B, vocab_size=V,
                steps_per_run=n_steps, step_ms_median=med * 1e3, step_ms_runs=[t * 1e3 for t in per_run],
                tokens_per_s=B * T / med, flops_per_step=flops_per_token * B * T,
                gflops=flops_per_token * B * T / med / 1e9)


class MLPNet(nn.Module):
    def __init__(self, sizes, dropout):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.drop = nn.Dropout(dropout)

    def forward(self, x, y):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = self.drop(F.relu(x))
        return F.cross_entropy(x, y)


def bench_mlp(args):
    c = dict(MLP_CONFIG)
    if args.batch:
        c["batch"] = args.batch
    torch.manual_seed(args.seed)
    model = MLPNet(c["sizes"], c["dropout"]).train()
    opt = adamw(model)
    N, B = c["examples"], c["batch"]
    X = torch.rand(N, c["sizes"][0])
    Y = torch.randint(0, c["sizes"][-1], (N,))
    n_params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = math.ceil(N / B)
    n_steps = args.steps or steps_per_epoch  # default: one run = one epoch (last batch partial)
    perm = torch.randperm(N)

    def step(i):
        nonlocal perm
        j = i % steps_per_epoch
        if j == 0:
            perm = torch.randperm(N)  # reshuffle each epoch, inside the timing like a real loader
        idx = perm[j * B:(j + 1) * B]
        train_step(model, opt, X[idx], Y[idx])

    per_run = time_runs(step, n_steps, args.runs, args.warmup if args.warmup is not None else 20)
    med = statistics.median(per_run)
    examples_per_step = N / steps_per_epoch if n_steps == steps_per_epoch else B
    return dict(config="mlp-teacher", sizes=c["sizes"], dropout=c["dropout"], params=n_params, batch=B,
                examples=N, steps_per_run=n_steps, step_ms_median=med * 1e3, step_ms_runs=[t * 1e3 for t in per_run],
                epoch_s_median=med * steps_per_epoch, examples_per_s=examples_per_step / med,
                flops_per_step=6 * n_params * examples_per_step, gflops=6 * n_params * examples_per_step / med / 1e9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="FLOP convention: see the module docstring (python -c 'help(...)' or the source).")
    ap.add_argument("--config", default="all", choices=[*GPT_CONFIGS, "mlp-teacher", "all"])
    ap.add_argument("--attention", default="both", choices=["manual", "sdpa", "both"],
                    help="GPT attention: explicit matmul+mask+softmax (nanoGPT without flash), SDPA, or both")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs, >= 5 (default 5)")
    ap.add_argument("--steps", type=int, help="steps per run (default: nanogpt-cpu 50, teacher 8, mlp one epoch = 430)")
    ap.add_argument("--warmup", type=int, help="untimed steps first (default: GPT 3, MLP 20)")
    ap.add_argument("--batch", type=int, help="override the config's batch size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="one JSON object per result line")
    args = ap.parse_args()
    if args.runs < 5:
        ap.error("--runs must be >= 5")
    torch.set_num_threads(args.threads)
    env = dict(torch=torch.__version__, threads=torch.get_num_threads(),
               cpu_capability=torch.backends.cpu.get_cpu_capability())
    names = [*GPT_CONFIGS, "mlp-teacher"] if args.config == "all" else [args.config]
    for name in names:
        variants = [False] if name == "mlp-teacher" else \
            {"manual": [False], "sdpa": [True], "both": [False, True]}[args.attention]
        for sdpa in variants:
            r = bench_mlp(args) if name == "mlp-teacher" else bench_gpt(name, args, sdpa)
            r.update(env)
            if args.json:
                print(json.dumps(r), flush=True)
            else:
                rate = (f"{r['tokens_per_s']:,.0f} tok/s" if "tokens_per_s" in r else
                        f"{r['examples_per_s']:,.0f} ex/s, epoch {r['epoch_s_median']:.2f} s")
                runs = " ".join(f"{t:.1f}" for t in r["step_ms_runs"])
                label = name + ("" if name == "mlp-teacher" else f" [{r['attention']}]")
                print(f"{label:32s} step {r['step_ms_median']:8.2f} ms  {rate}  {r['gflops']:.1f} GFLOP/s  "
                      f"params {r['params']:,}  runs(ms): {runs}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
