#!/usr/bin/env bash
# Prints, per run folder, the cheapest feasible candidate its journal holds (not the best-scoring one that
# summary.json reports): experiments/cheapest.sh runs/x/* ... Needs jq.
set -euo pipefail
echo "| run | feasible evaluations | cheapest feasible MACs ratio | its val acc (%) |"
echo "|---|---|---|---|"
for dir in "$@"; do
  [ -f "$dir/summary.json" ] || continue
  base=$(jq '.baseline.macs' "$dir/summary.json")
  jq -rs --arg run "$(basename "$dir")" --argjson base "$base" '
    [.[] | select(.feasible)] as $f |
    if ($f | length) == 0 then "| \($run) | 0 | none | - |"
    else ($f | min_by(.macs)) as $c | "| \($run) | \($f | length) | \($c.macs / $base * 1000 | round / 1000) | \($c.valAccuracy) |" end' "$dir/journal.jsonl"
done
