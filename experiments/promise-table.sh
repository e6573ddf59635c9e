#!/usr/bin/env bash
# The table of experiments/promise.sh's runs: base and returned model, validation (search part), confirmation and
# test accuracy, the test drop against the base model's test accuracy, and the MACs ratio. Needs jq.
set -euo pipefail
echo "| run | evaluations | base val / test (%) | returned val / confirmation / test (%) | test drop (points) | MACs ratio | fine-tuned |"
echo "|---|---|---|---|---|---|---|"
for dir in "$@"; do
  [ -f "$dir/summary.json" ] || continue
  jq -r --arg run "$(basename "$dir")" '
    def r2: . * 100 | round / 100;
    "| \($run) | \(.evaluations) | \(.baseline.valAccuracy | r2) / \(.baseline.testAccuracy | r2) | " +
    (if .best then "\(.best.valAccuracy | r2) / \(if .best.confirmationAccuracy then (.best.confirmationAccuracy | r2) else "-" end) / \(.best.testAccuracy | r2) | \((.baseline.testAccuracy - .best.testAccuracy) | r2) | \(.best.macsRatio * 1000 | round / 1000) | \(.best.fineTuned) |"
     else "none | - | - | - |" end)' "$dir/summary.json"
done
