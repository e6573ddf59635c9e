#!/usr/bin/env bash
# The defaults measured on the models users bring: `ascai search --max-drop 1` at the defaults (the promise on: a 90%
# bound, half the held-out images kept to confirm, near misses fine-tuned), against the paper's setting
# (--preset paper), three seeds each, 600 evaluations; the returned model's test drop, MACs ratio and wall time.
#   vgg, resnet      the committed small VGG and ResNet-20 (1,000 held-out images drawn by their training)
#   pt-vgg, pt-r20   a VGG and a ResNet-20 trained in PyTorch on Fashion-MNIST, exported with their batch-norms folded
#                    (experiments/pytorch/train_folded.py; the last 2,000 training images held out); ResNet-20 with
#                    --coupled-residuals
# Usage: experiments/defaults.sh [OUT_DIR] (default runs/defaults); env MODELS, CONFIGS, SEEDS, BUDGET, EXTRA.
# The PyTorch models are trained first when missing (about an hour each on 2 cores). Needs jq.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/defaults}"
ascai="${ASCAI:-$root/ascai}"
mkdir -p "$out/models"
selected=" ${MODELS:-vgg resnet pt-vgg pt-r20} "
for arch in vgg resnet20; do
  key=$([ "$arch" = vgg ] && echo pt-vgg || echo pt-r20)
  [[ "$selected" != *" $key "* || -f "$out/models/$arch.onnx" ]] ||
    /usr/bin/python3 "$root/experiments/pytorch/train_folded.py" "$arch" "$out/models/$arch.onnx" 10 2000
done
pytorch="--mean 0.2860 --std 0.3530 --val-range 58000:60000"
declare -A data=(
  [vgg]="--model $root/models/vgg-small-fashion-mnist.ascai"
  [resnet]="--model $root/models/resnet20-fashion-mnist.ascai"
  [pt-vgg]="--model $out/models/vgg.onnx $pytorch"
  [pt-r20]="--model $out/models/resnet20.onnx $pytorch --coupled-residuals"
)
declare -A configs=(
  [defaults]=""
  [paper]="--preset paper"
  [c75]="--confidence 0.75"
)
for model in ${MODELS:-vgg resnet pt-vgg pt-r20}; do
  for config in ${CONFIGS:-defaults paper}; do
    for seed in ${SEEDS:-0 1 2}; do
      run="$out/$model-$config-s$seed"
      [ -f "$run/summary.json" ] && continue
      start=$(date +%s)
      status=0
      if [ -f "$run/journal.jsonl" ]; then "$ascai" search --resume "$run" > "$run.log" 2>&1 || status=$?
      else
        # shellcheck disable=SC2086
        "$ascai" search ${data[$model]} --max-drop 1 --budget "${BUDGET:-600}" --seed "$seed" ${configs[$config]} ${EXTRA:-} --out "$run" > "$run.log" 2>&1 || status=$?
      fi
      echo "$(( $(date +%s) - start )) $status" > "$run.time"
    done
  done
done
"$root/experiments/defaults-table.sh" "$out"/*-s?
