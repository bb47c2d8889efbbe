#!/usr/bin/env bash
# Runs one condense command with the small-M float kernel and with OpenBLAS (CONDENSE_FLOAT_DECODE=blas), in
# alternating rounds, each output line prefixed with its mode; uptime before and after.
#
#   tools/ab_float_decode.sh ROUNDS CONDENSE_BINARY ARGS...
#   e.g. tools/ab_float_decode.sh 3 .build/release/condense bench generate MODEL.h5 --batches 1 --tokens 200 --runs 3 --json
set -euo pipefail
rounds=$1; shift
uptime
for r in $(seq 1 "$rounds"); do
  for mode in flinear blas; do
    if [ $(( r % 2 )) = 0 ]; then mode=$([ $mode = flinear ] && echo blas || echo flinear); fi  # alternate who goes first
    if [ $mode = blas ]; then out=$(CONDENSE_FLOAT_DECODE=blas "$@"); else out=$(env -u CONDENSE_FLOAT_DECODE "$@"); fi
    while IFS= read -r line; do printf 'round %s %s %s\n' "$r" "$mode" "$line"; done <<<"$out"
  done
done
uptime
