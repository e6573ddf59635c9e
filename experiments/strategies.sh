#!/usr/bin/env bash
# ASCAI against AMC's DDPG agent (with AMC's reward, and with ASCAI's score as its reward), uniform and random search at
# equal budgets: Ps and D on the committed small VGG and
# ResNet-20, seeds 0-2 (uniform has no randomness: seed 0), 600 evaluations each, floor = base
# validation accuracy - 1 point. Runs experiments/baselines.sh per setting (resumes and skips finished runs), then prints
# per run its distinct models evaluated, its best (ASCAI) score among feasible candidates, the model it returned, and the
# cheapest feasible MACs ratio it had after 300 and after 600 evaluations (from its journal) with that model's accuracy;
# writes OUT_DIR/<setting>/report/ with the runs' cheapest-feasible curves overlaid.
# Usage: experiments/strategies.sh [OUT_DIR] (default runs/strategies); env SEEDS, BUDGET, SETTINGS ("vgg-ps r20-ps vgg-d"; also r20-d),
# STRATEGIES ("ascai ddpg ddpg-score random"; uniform always runs once), EXTRA (more search options for every run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/strategies}"
budget="${BUDGET:-600}"
ascai="${ASCAI:-$root/ascai}"
for setting in ${SETTINGS:-vgg-ps r20-ps vgg-d}; do
  case "$setting" in
    vgg-*) model="$root/models/vgg-small-fashion-mnist.ascai" ;;
    r20-*) model="$root/models/resnet20-fashion-mnist.ascai" ;;
  esac
  MODEL="$model" METHODS="${setting#*-}" RUNS="$(realpath -m "$out/$setting")" BUDGET="$budget" \
    STRATEGIES="${STRATEGIES:-ascai ddpg ddpg-score random}" "$root/experiments/baselines.sh" ${SEEDS:-0 1 2}
  MODEL="$model" METHODS="${setting#*-}" RUNS="$(realpath -m "$out/$setting")" BUDGET="$budget" \
    STRATEGIES="uniform" "$root/experiments/baselines.sh" 0
done
echo "| setting | run | evaluations | best score | returned: MACs ratio, val / test (%) | cheapest feasible: MACs ratio after 300 / $budget evaluations, val / test (%) |"
echo "|---|---|---|---|---|---|"
for dir in "$out"/*/*/; do
  [ -f "$dir/summary.json" ] || continue
  base=$(jq '.baseline.macs' "$dir/summary.json")
  at() { jq -s --argjson n "$1" --argjson base "$base" '[.[:$n][] | select(.feasible) | .macs] | if length > 0 then (min / $base * 1000 | round / 1000) else "-" end' "$dir/journal.jsonl"; }
  echo "| $(basename "$(dirname "$dir")") | $(basename "$dir") | $(jq -r '.evaluations' "$dir/summary.json") | $(jq -s '[.[] | select(.feasible) | .score] | max * 1000 | round / 1000' "$dir/journal.jsonl") | $(jq -r '.best | "\(.macsRatio * 1000 | round / 1000), \(.valAccuracy) / \(.testAccuracy)"' "$dir/summary.json") | $(at 300) / $(at "$budget"), $(jq -r '.front[0] | "\(.valAccuracy) / \(.testAccuracy)"' "$dir/summary.json") |"
done
# The best-so-far curves of every run of a setting overlaid, one colour per strategy:
for setting in "$out"/*/; do
  runs=(); for dir in "$setting"*/; do [ -f "$dir/summary.json" ] && runs+=("$dir"); done
  [ ${#runs[@]} -gt 0 ] && "$ascai" report "${runs[@]}" --out "$setting/report" --no-latency > /dev/null
done
