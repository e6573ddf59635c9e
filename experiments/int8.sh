#!/usr/bin/env bash
# Post-training int8 on this machine: the accuracy of each calibration (min/max, percentiles, calibration sizes) on
# the small VGG, ResNet-20 and a PyTorch-trained CNN (ONNX, held-out images 59000:60000), all measured in ONNX
# Runtime; then float32 against int8 latency at batch 1 and 64 (ascai bench: median of 101 runs, same process).
# Usage: experiments/int8.sh [OUT_DIR] (default runs/int8). Prints one line per quantisation; the bench tables follow.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/int8}"
ascai="${ASCAI:-$root/ascai}"
mkdir -p "$out"
declare -A models=(
  [vgg]="$root/models/vgg-small-fashion-mnist.ascai"
  [resnet20]="$root/models/resnet20-fashion-mnist.ascai"
  [pytorch]="$root/tests/fixtures/pytorch/fashion-last-1000.onnx --val-range 59000:60000"
)
for name in vgg resnet20 pytorch; do
  for calibration in "minmax" "percentile --percentile 99.9" "percentile --percentile 99.99" "percentile --percentile 99.999"; do
    for images in 128 512 2000; do
      tag="$name-${calibration// --percentile /-}-$images"
      # shellcheck disable=SC2086
      "$ascai" quantize --model ${models[$name]} --calibration $calibration --calibration-images "$images" --out "$out/$tag.onnx" \
        | sed -n 's/^\(validation\|test\) accuracy in ONNX Runtime: /\1 /p' | paste -sd' ' | sed "s/^/$tag /"
    done
  done
done
for name in vgg resnet20 pytorch; do
  # shellcheck disable=SC2086
  "$ascai" bench --model ${models[$name]%% *} "$out/$name-percentile-99.99-512.onnx" --repeats 101
done
