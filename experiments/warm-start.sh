#!/usr/bin/env bash
# The warm start's share of the budget on a model trained in PyTorch: ResNet-20 (torchvision's BasicBlock) trained in
# Debian's PyTorch on Fashion-MNIST at 3x32x32 (experiments/pytorch/train_torchvision.py, which writes the data as NumPy
# arrays with the user's own held-out split), exported to ONNX, then searched with Ps at the defaults, 600 evaluations,
# --max-drop 1, with the paper's warm start (resample) and with --init-repair scale; then the searches benchmark
# (warm-start share, feasible share, best MACs ratio) over the runs.
# Usage: experiments/warm-start.sh [OUT_DIR] (default runs/warm-start); env SEEDS ("0"), EPOCHS (3), TRAIN_IMAGES (all).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/warm-start}"
ascai="${ASCAI:-$root/ascai}"
data="$out/data"
norm=(--dataset npy --data-dir "$data" --mean 0.2860 0.2860 0.2860 --std 0.3530 0.3530 0.3530)
mkdir -p "$out"
model="$out/resnet20.onnx"
[ -f "$model" ] || /usr/bin/python3 "$root/experiments/pytorch/train_torchvision.py" resnet20 "$data" "$model" "${EPOCHS:-3}" ${TRAIN_IMAGES:-} 2>&1 | grep --line-buffered -v Warning
for seed in ${SEEDS:-0}; do
  for repair in resample scale; do
    run="$out/resnet20-$repair-s$seed"
    [ -f "$run/summary.json" ] && continue
    if [ -f "$run/journal.jsonl" ]; then "$ascai" search --resume "$run"; continue; fi
    "$ascai" search --model "$model" "${norm[@]}" --methods ps --max-drop 1 --budget 600 --seed "$seed" --init-repair "$repair" --out "$run"
  done
done
dotnet run -c Release --project "$root/bench/Ascai.Bench" -- searches "$out"/resnet20-*-s*
