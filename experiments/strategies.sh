#!/usr/bin/env bash
# ASCAI against AMC's DDPG agent, uniform and random search at equal budgets: Ps on the committed small VGG and
# ResNet-20, D on the small VGG, seeds 0-2 (uniform has no randomness: seed 0), 600 evaluations each, floor = base
# validation accuracy - 1 point. Runs experiments/baselines.sh per setting (resumes and skips finished runs), then prints
# the best feasible MACs ratio each run had after 300 and after 600 evaluations (from its journal) with the validation
# and test accuracy of the model it returned.
# Usage: experiments/strategies.sh [OUT_DIR] (default runs/strategies); env SEEDS, BUDGET, SETTINGS ("vgg-ps r20-ps vgg-d").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/strategies}"
budget="${BUDGET:-600}"
for setting in ${SETTINGS:-vgg-ps r20-ps vgg-d}; do
  case "$setting" in
    vgg-*) model="$root/models/vgg-small-fashion-mnist.ascai" ;;
    r20-*) model="$root/models/resnet20-fashion-mnist.ascai" ;;
  esac
  MODEL="$model" METHODS="${setting#*-}" RUNS="$(realpath -m "$out/$setting")" BUDGET="$budget" \
    STRATEGIES="ascai ddpg random" "$root/experiments/baselines.sh" ${SEEDS:-0 1 2}
  MODEL="$model" METHODS="${setting#*-}" RUNS="$(realpath -m "$out/$setting")" BUDGET="$budget" \
    STRATEGIES="uniform" "$root/experiments/baselines.sh" 0
done
echo "| setting | run | best feasible MACs ratio after 300 / $budget evaluations | returned model: val / test accuracy (%) |"
echo "|---|---|---|---|"
for dir in "$out"/*/*/; do
  [ -f "$dir/summary.json" ] || continue
  base=$(jq '.baseline.macs' "$dir/summary.json")
  at() { jq -s --argjson n "$1" --argjson base "$base" '[.[:$n][] | select(.feasible) | .macs] | if length > 0 then (min / $base * 1000 | round / 1000) else "-" end' "$dir/journal.jsonl"; }
  echo "| $(basename "$(dirname "$dir")") | $(basename "$dir") | $(at 300) / $(at "$budget") | $(jq -r '"\(.best.valAccuracy) / \(.best.testAccuracy)"' "$dir/summary.json") |"
done
