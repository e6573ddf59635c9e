#!/usr/bin/env bash
# Channels tied by residual sums: Ps on the committed ResNet-20 with and without --coupled-residuals, 600 evaluations,
# --max-drop 1, seeds 0-2, with the paper's warm-start resampling and with --init-repair scale; then a table of the
# returned models and of the evaluations the warm start took.
# Usage: experiments/coupled.sh [OUT_DIR] (default runs/coupled); env SEEDS, BUDGET, REPAIRS ("resample scale").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/coupled}"
ascai="${ASCAI:-$root/ascai}"
for repair in ${REPAIRS:-resample scale}; do
  for mode in plain coupled; do
    for seed in ${SEEDS:-0 1 2}; do
      run="$out/$mode-$repair-s$seed"
      [ -f "$run/summary.json" ] && continue
      if [ -f "$run/journal.jsonl" ]; then "$ascai" search --resume "$run"; continue; fi
      flags=(--init-repair "$repair"); [ "$mode" = coupled ] && flags+=(--coupled-residuals)
      "$ascai" search --model "$root/models/resnet20-fashion-mnist.ascai" --methods ps --max-drop 1 --budget "${BUDGET:-600}" --seed "$seed" "${flags[@]}" --out "$run"
    done
  done
done
echo "| run | genes | warm-start evaluations | MACs ratio | val / test accuracy (%) |"
echo "|---|---|---|---|---|"
for run in "$out"/*-s*/; do
  [ -f "$run/summary.json" ] || continue
  echo "| $(basename "$run") | $(jq '.genes' "$run/summary.json") | $(jq -s '[.[] | select(.generation == -1)] | length' "$run/journal.jsonl") | $(jq '.best.macsRatio * 1000 | round / 1000' "$run/summary.json") | $(jq -r '"\(.best.valAccuracy) / \(.best.testAccuracy)"' "$run/summary.json") |"
done
