#!/usr/bin/env bash
# Splits Fashion-MNIST's test set into two IDX data sets of images the committed models never saw (docs/search.md):
# "train" = test images 0-4999 (a search's validation and calibration images), "t10k" = 5000-9999.
#   experiments/test-split.sh [OUT]      (default runs/fm-testsplit), then for example
#   ascai search ... --dataset idx --data-dir runs/fm-testsplit --val-size 4000
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${DATA_DIR:-/usr/share/datasets/fashion-mnist}"
out="${1:-$root/runs/fm-testsplit}"
mkdir -p "$out"
count() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
images="$(mktemp)"; labels="$(mktemp)"; trap 'rm -f "$images" "$labels"' EXIT
gzip -dc "$src/t10k-images-idx3-ubyte.gz" > "$images"; gzip -dc "$src/t10k-labels-idx1-ubyte.gz" > "$labels"
set +o pipefail   # head closes the pipe early on purpose
for part in "train 0" "t10k 5000"; do
  set -- $part
  { head -c 4 "$images"; count 5000; tail -c +9 "$images" | head -c 8; tail -c +$((17 + $2 * 784)) "$images" | head -c $((5000 * 784)); } > "$out/$1-images-idx3-ubyte"
  { head -c 4 "$labels"; count 5000; tail -c +$((9 + $2)) "$labels" | head -c 5000; } > "$out/$1-labels-idx1-ubyte"
done
echo "$out: train = test images 0-4999, t10k = test images 5000-9999"
