#!/usr/bin/env bash
# The table of experiments/defaults.sh's runs: the returned model's test drop against the original's test accuracy,
# its MACs ratio, whether it was fine-tuned, the exit status and the wall time of the whole run. Needs jq.
set -euo pipefail
echo "| run | exit | wall (min) | base test (%) | returned test (%) | test drop | MACs ratio | fine-tuned |"
echo "|---|---|---|---|---|---|---|---|"
for dir in "$@"; do
  [ -f "$dir/summary.json" ] || continue
  read -r seconds status < "$dir.time" 2>/dev/null || { seconds=0; status="?"; }
  jq -r --arg run "$(basename "$dir")" --arg status "$status" --arg minutes "$(awk "BEGIN { printf \"%.1f\", $seconds / 60 }")" '
    def r2: . * 100 | round / 100;
    "| \($run) | \($status) | \($minutes) | \(.baseline.testAccuracy | r2) | " +
    (if .best then "\(.best.testAccuracy | r2) | \((.baseline.testAccuracy - .best.testAccuracy) | r2) | \(.best.macsRatio * 1000 | round / 1000) | \(.best.fineTuned) |"
     else "none | - | - | - |" end)' "$dir/summary.json"
done
