#!/usr/bin/env bash
# The Shakespeare method table of docs/notes/distill-methods.md: the converged teacher pruned to ≤ 25 % and to 50 %
# of its parameters, each student distilled by every method of recipes/shakespeare-onpolicy.yaml at equal budget,
# for seeds 1, 2 and 3 (six `condense run`s, each resumable: rerun the script after an interruption), then the table.
#   tools/distill_methods_shakespeare.sh [OUT=runs/methods] [CONDENSE=.build/release/condense]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/methods}"
condense="${2:-.build/release/condense}"
teacher=models/shakespeare-teacher-converged.h5
[ -f "$teacher" ] || { echo "distill_methods_shakespeare: $teacher is missing; train it first (condense train recipes/teachers/shakespeare-gpt-converged.yaml -o $teacher)" >&2; exit 1; }
for share in 25 50; do
  for seed in 1 2 3; do
    "$condense" run recipes/shakespeare-onpolicy.yaml -o "$out/p$share-seed$seed" \
      --set teacher.path="$teacher" --set teacher.config=recipes/teachers/shakespeare-gpt-converged.yaml \
      --set prune.target_params="$share%" --set seed="$seed"
  done
done
python3 tools/distill_methods_table.py "$out"/p25-seed* --title "≤ 25 % student"
python3 tools/distill_methods_table.py "$out"/p50-seed* --title "50 % student"
