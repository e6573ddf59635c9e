#!/usr/bin/env bash
# Prints a Markdown table of finished search runs (their summary.json): experiments/summarize.sh runs/baselines/* ...
# Needs jq (Debian package jq); a reporting helper, not part of Ascai itself.
set -euo pipefail
echo "| run | strategy | init repair | seed | evaluations | stop | val acc (%) | test acc (%) | MACs ratio | params |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for dir in "$@"; do
  [ -f "$dir/summary.json" ] || continue
  repair=$(jq -r '.options.initRepair // "resample"' "$dir/config.json")
  jq -r --arg run "$(basename "$dir")" --arg repair "$repair" '
    "| \($run) | \(.strategy) | \(if .strategy == "ascai" then $repair else "-" end) | \(.seed) | \(.evaluations) | \(.stopReason) | " +
    (if .best then "\(.best.valAccuracy * 100 | round / 100) | \(.best.testAccuracy * 100 | round / 100) | \(.best.macsRatio * 1000 | round / 1000) | \(.best.params) |"
     else "none feasible | - | - | - |" end)' "$dir/summary.json"
done
