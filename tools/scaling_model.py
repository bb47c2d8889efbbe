#!/usr/bin/env python3
"""scaling_model.py: the cost model of docs/SCALING.md: bytes all-reduced per step for each shipped config, ring
all-reduce time at 10 and 100 Gbit/s for 2-64 nodes, and the global batch past which compute hides communication.

    python3 tools/scaling_model.py            # the tables, as Markdown

Ring all-reduce of S bytes over N nodes (Patarasuk & Yuan 2009; what Open MPI's tuned ring and NCCL do for large
messages): 2(N-1) steps, each sending S/N bytes, so T = 2(N-1)/N * S/B + 2(N-1) * k * a, with k the buckets (one ring
per MPI_Allreduce call) and a the per-message latency. Condense reduces after the backward (no overlap), so the
communication adds to the step; 'hides' below means it is at most 10 % of the step's compute.
"""

BUCKET = 4 * 2**21           # bytes: the default CONDENSE_MPI_BUCKET_FLOATS (2^21 floats)
LATENCY = {10: 30e-6, 100: 5e-6}   # per message: TCP over 10 GbE; RDMA (RoCE/InfiniBand) at 100 Gbit/s


def gpt(layers, embd, heads, head_dim, ffn, block, vocab=84, bias=True):
    a = heads * head_dim
    b = 1 if bias else 0
    per = 2 * 2 * embd + (3 * a * embd + 3 * a * b) + (embd * a + embd * b) + (ffn * embd + ffn * b) + (embd * ffn + embd * b)
    return layers * per + vocab * embd + block * embd + 2 * embd


def mlp(widths):
    return sum(widths[i] * widths[i + 1] + widths[i + 1] for i in range(len(widths) - 1))


# (config, what trains, parameters, measured compute of one step on this 2-core machine in s, global batch, unit)
CONFIGS = [
    ("recipes/teachers/fashion-mlp.yaml", "teacher 784-1200-1200-10", mlp([784, 1200, 1200, 10]), 284 / (20 * 429), 128, "images"),
    ("recipes/teachers/shakespeare-gpt.yaml", "teacher, 6 layers, n_embd 256", gpt(6, 256, 8, 32, 1024, 128), 1.057, 32, "sequences of 128"),
    ("recipes/teachers/own-table-mlp.yaml", "teacher 4-64-64-3", mlp([4, 64, 64, 3]), None, 16, "rows"),
    ("recipes/teachers/own-text-gpt.yaml", "teacher, 2 layers, n_embd 16", gpt(2, 16, 2, 8, 64, 16, vocab=40), None, 8, "sequences"),
    ("recipes/fashion-mlp.yaml", "distill student 784-114-1200-10", 239_500, None, 64, "images"),
    ("recipes/keras-fashion.yaml", "distill student (≤ 50 % of 235,146)", 235_146 // 2, None, 64, "images"),
    ("recipes/shakespeare-depth.yaml", "distill student, 3 layers", gpt(3, 256, 8, 32, 1024, 128), None, 32, "sequences of 128"),
    ("recipes/shakespeare-width.yaml", "distill student, n_embd 192, 6 heads, ffn 512", 2_118_912, None, 32, "sequences of 128"),
    ("recipes/shakespeare-budget.yaml", "distill student, 4 layers, n_embd 224", 1_188_896, None, 32, "sequences of 128"),
    ("recipes/shakespeare-draft.yaml", "distill student, 2 layers", gpt(2, 256, 8, 32, 1024, 128), None, 32, "sequences of 128"),
]
NODES = [2, 4, 8, 16, 32, 64]


def ring(nbytes, n, gbit):
    buckets = -(-nbytes // BUCKET)
    return 2 * (n - 1) / n * nbytes / (gbit * 1e9 / 8) + 2 * (n - 1) * buckets * LATENCY[gbit]


def main():
    print("| config | what trains | parameters | bytes reduced per step |")
    print("|---|---|---:|---:|")
    for c, what, p, *_ in CONFIGS:
        print(f"| `{c}` | {what} | {p:,} | {4 * p + 8:,} ({4 * p / 1e6:.2f} MB) |")
    for gbit in (10, 100):
        print(f"\n**{gbit} Gbit/s** (latency {LATENCY[gbit] * 1e6:.0f} µs per message), ring all-reduce per step, ms:\n")
        print("| config | " + " | ".join(f"N={n}" for n in NODES) + " |")
        print("|---|" + "---:|" * len(NODES))
        for c, what, p, *_ in CONFIGS:
            print(f"| `{c.replace('recipes/', '')}` ({p / 1e6:.2f} M) | " + " | ".join(f"{1e3 * ring(4 * p + 8, n, gbit):.2f}" for n in NODES) + " |")
    print("\n**Where compute hides communication** (communication ≤ 10 % of the compute of a step; per-node compute is"
          " the measured single-machine step time scaled to B/N rows):\n")
    print("| config | compute per row here | " + " | ".join(f"N={n} @10G" for n in NODES[::2]) + " | " + " | ".join(f"N={n} @100G" for n in NODES[::2]) + " |")
    print("|---|---:|" + "---:|" * len(NODES))
    for c, what, p, step, batch, unit in CONFIGS:
        if step is None:
            continue
        per_row = step / batch
        cells = []
        for gbit in (10, 100):
            for n in NODES[::2]:
                # (B/N)·per_row ≥ 10·T_comm  ⇒  B ≥ 10·N·T_comm / per_row
                cells.append(f"{10 * n * ring(4 * p + 8, n, gbit) / per_row:,.0f}")
        print(f"| `{c.replace('recipes/', '')}` | {per_row * 1e3:.2f} ms per {unit.split(' ')[0][:-1]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
