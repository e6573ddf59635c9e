#!/usr/bin/env bash
# The end-to-end check of an imported model: a CNN trained in PyTorch (Debian's python3-torch) on Fashion-MNIST, exported to ONNX,
# searched by Ascai, its best model checked in ONNX Runtime and timed against the original.
# Usage: experiments/pytorch-e2e.sh [OUT_DIR] (default runs/pytorch-e2e); env BUDGET (default 300), EPOCHS (3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/pytorch-e2e}"
ascai="${ASCAI:-$root/ascai}"
mkdir -p "$out"
"$ascai" split --out "$out/val-indices.txt"
[ -f "$out/model.onnx" ] || /usr/bin/python3 "$root/experiments/pytorch/train_fashion_mnist.py" "$out/val-indices.txt" "$out/model.onnx" "${EPOCHS:-3}"
"$ascai" eval --model "$out/model.onnx" --split test
"$ascai" eval --model "$out/model.onnx" --split test --engine onnxruntime
run="$out/search"
if [ -f "$run/journal.jsonl" ] && [ ! -f "$run/summary.json" ]; then "$ascai" search --resume "$run"
elif [ ! -f "$run/summary.json" ]; then "$ascai" search --model "$out/model.onnx" --methods ps --max-drop 1 --budget "${BUDGET:-300}" --out "$run"; fi
echo "summary: val $(jq .best.valAccuracy "$run/summary.json")%, test $(jq .best.testAccuracy "$run/summary.json")%, MACs ratio $(jq .best.macsRatio "$run/summary.json")"
"$ascai" eval --model "$run/best-compact.onnx" --split val --engine onnxruntime
"$ascai" eval --model "$run/best-compact.onnx" --split test --engine onnxruntime
"$ascai" bench --model "$out/model.onnx" "$run/best-compact.onnx"
