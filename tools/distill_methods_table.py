#!/usr/bin/env python3
"""One markdown table from several `condense run` folders of a recipe with distill.compare (one folder per seed):
per method, the validation loss, the teacher's NLL of the student's samples and the draft acceptance, per seed,
then the mean and the spread (max - min). Reads each folder's 02-distill.json; standard library only.

    python3 tools/distill_methods_table.py runs/methods/p25-seed* --title "25 % student"
"""
import argparse
import json
import os
import sys


def comparison(run_dir):
    path = os.path.join(run_dir, "02-distill.json")
    try:
        with open(path) as f:
            report = json.load(f)["report"]
        return report["details"]["comparison"], report.get("config", {}).get("seed")
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"distill_methods_table: {path}: expected a distill stage report with a comparison ({e})")


def cell(values, digits):
    shown = " / ".join(f"{v:.{digits}f}" if v is not None else "–" for v in values)
    known = [v for v in values if v is not None]
    if not known:
        return shown, "–", "–"
    return shown, f"{sum(known) / len(known):.{digits}f}", f"{max(known) - min(known):.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--title", default="")
    args = ap.parse_args()
    runs = [comparison(r) for r in sorted(args.runs)]
    methods = [m["method"] for m in runs[0][0]["methods"]]
    seeds = [str(s) for _, s in runs]
    print(f"{args.title}: seeds {', '.join(seeds)}; winners {', '.join(c['winner'] for c, _ in runs)}\n")
    print("| method | val loss (per seed) | mean | spread | teacher NLL of samples | mean | spread | acceptance | mean | spread |")
    print("|---|---|---:|---:|---|---:|---:|---|---:|---:|")
    for name in methods:
        rows = [next((m for m in c["methods"] if m["method"] == name), None) for c, _ in runs]
        loss = [r["val"]["loss"] if r else None for r in rows]
        gen = [(r or {}).get("generation") or {} for r in rows]
        nll = [g.get("teacher_nll") for g in gen]
        acc = [100 * g["acceptance_rate"] if g.get("acceptance_rate") is not None else None for g in gen]
        cols = cell(loss, 4) + cell(nll, 4) + cell(acc, 1)
        print(f"| {name} | " + " | ".join(cols) + " |")


if __name__ == "__main__":
    main()
