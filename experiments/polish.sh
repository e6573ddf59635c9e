#!/usr/bin/env bash
# Does a compass-search polish after the GA (--polish) bring ASCAI's Ps result further below uniform's?
# Same setting as docs/search.md's comparison (small VGG, Ps, mean fill, exact channel counts, floor - 1 point,
# budget 1,000 evaluations including the polish's), for the ascai and genecai scores, seeds 0 1 2:
#   experiments/polish.sh            -> runs/${RUNS:-polish}/<score>-polish<P>-seed<k>/
# Env: POLISH (default 150), SEEDS, SCORES (default "genecai ascai"), THREADS, ASCAI (a frozen build), RUNS,
# MULTIPLE (--channel-multiple, default 1: exact counts, as the comparisons of docs/search.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ascai="${ASCAI:-$root/ascai}"
polish="${POLISH:-150}"
threads=(${THREADS:+--threads "$THREADS"})
for score in ${SCORES:-genecai ascai}; do
  for seed in ${SEEDS:-0 1 2}; do
    dir="$root/runs/${RUNS:-polish}/$score-polish$polish-seed$seed"
    [ -f "$dir/summary.json" ] && continue
    if [ -f "$dir/journal.jsonl" ]; then "$ascai" search --resume "$dir" "${threads[@]}"
    else "$ascai" search --model "$root/models/vgg-small-fashion-mnist.ascai" --methods ps --max-drop 1 --budget 1000 \
      --channel-multiple "${MULTIPLE:-1}" --score "$score" --polish "$polish" --seed "$seed" --out "$dir" "${threads[@]}"; fi
  done
done
