#!/usr/bin/env bash
# Torchvision CNNs end to end, as a PyTorch user brings them: each ARCH trained a few epochs in Debian's PyTorch on
# Fashion-MNIST resized to 3x32x32 (experiments/pytorch/train_torchvision.py, which writes the data as NumPy arrays
# with the user's own held-out split), exported to ONNX, searched by Ascai with Ps, its best compact model checked in
# ONNX Runtime against the summary, and timed against the original.
# Usage: experiments/torchvision-e2e.sh [OUT_DIR] (default runs/torchvision-e2e); env ARCHS (default: all four),
# EPOCHS (3), TRAIN_IMAGES (all 58,000), BUDGET (300), SEARCH_FLAGS (extra search flags).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/torchvision-e2e}"
ascai="${ASCAI:-$root/ascai}"
data="$out/data"
norm=(--dataset npy --data-dir "$data" --mean 0.2860 0.2860 0.2860 --std 0.3530 0.3530 0.3530)
mkdir -p "$out"
for arch in ${ARCHS:-mobilenet_v3_small shufflenet_v2_x0_5 efficientnet_b0 densenet121}; do
  model="$out/$arch.onnx"
  [ -f "$model" ] || /usr/bin/python3 "$root/experiments/pytorch/train_torchvision.py" "$arch" "$data" "$model" "${EPOCHS:-3}" ${TRAIN_IMAGES:-} 2>&1 | grep --line-buffered -v Warning
  run="$out/$arch-search"
  if [ -f "$run/journal.jsonl" ] && [ ! -f "$run/summary.json" ]; then "$ascai" search --resume "$run"
  elif [ ! -f "$run/summary.json" ]; then
    "$ascai" search --model "$model" "${norm[@]}" --methods ps --max-drop 1 --budget "${BUDGET:-300}" ${SEARCH_FLAGS:-} --out "$run"
  fi
  echo "$arch summary: val $(jq .best.valAccuracy "$run/summary.json")%, test $(jq .best.testAccuracy "$run/summary.json")%, MACs ratio $(jq .best.macsRatio "$run/summary.json")"
  "$ascai" eval --model "$run/best-compact.onnx" "${norm[@]}" --split val --engine onnxruntime
  "$ascai" eval --model "$run/best-compact.onnx" "${norm[@]}" --split test --engine onnxruntime
  "$ascai" bench --model "$model" "$run/best-compact.onnx"
done
