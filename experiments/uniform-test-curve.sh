#!/usr/bin/env bash
# Test accuracy of uniform Ps on the small VGG at several ratios (linear fill, exact counts, no fine-tuning), to
# compare a searched model's test accuracy with uniform pruning's at the same MACs (docs/search.md):
#   experiments/uniform-test-curve.sh [RATIOS...]     (default 0.26 0.30 0.32 0.34 0.36 0.38 0.40 0.42 0.44)
# Prints: ratio | MACs ratio | val acc | test acc. Env: ASCAI, FILL (default linear), DATA (data options for
# compress and eval, e.g. DATA="--dataset idx --data-dir DIR --val-size 4000").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ascai="${ASCAI:-$root/ascai}"
model="$root/models/vgg-small-fashion-mnist.ascai"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
ratios=("$@"); [ ${#ratios[@]} -gt 0 ] || ratios=(0.26 0.30 0.32 0.34 0.36 0.38 0.40 0.42 0.44)
base=$("$ascai" profile --model "$model" | awk '/total/ {gsub(",", "", $6); print $6}')
echo "| uniform ratio | MACs ratio | val acc (%) | test acc (%) |"
echo "|---|---|---|---|"
for r in "${ratios[@]}"; do
  printf '{%s}\n' "$(for l in conv1 conv2 conv3 conv4 conv5 conv6 fc1; do printf '"%s":{"method":"ps","ratio":%s},' "$l" "$r"; done | sed 's/,$//')" > "$tmp/settings.json"
  val=$("$ascai" compress --model "$model" --settings "$tmp/settings.json" --out "$tmp/m.ascai" --fill "${FILL:-linear}" --channel-multiple 1 --compact --evaluate ${DATA:-} | sed -n 's/.*-> \([0-9.]*\)%.*/\1/p')
  macs=$("$ascai" profile --model "$tmp/m.ascai" | awk '/total/ {gsub(",", "", $6); print $6}')
  test=$("$ascai" eval --model "$tmp/m.ascai" ${DATA:-} | sed -n 's/test accuracy \([0-9.]*\)%.*/\1/p')
  echo "| $r | $(awk -v m="$macs" -v b="$base" 'BEGIN { printf "%.3f", m / b }') | $val | $test |"
done
