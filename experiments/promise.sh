#!/usr/bin/env bash
# The accuracy promise measured: searches with --max-drop 1 on three models that hold out 5,000 training images
# (the small VGG and ResNet-20 trained by Ascai with --val-size 5000, a PyTorch CNN trained on images 0..54,999),
# judged on 2,000 of them, at the default and the strongest search settings, three seeds, in three configurations:
#   paper    the floor on the point estimate of all 2,000 images (the paper's)
#   promise  1,000 search + 1,000 confirmation images, the floor on a 90% bound of each candidate's drop
#   tuned    promise, then one epoch of fine-tuning (distilled) of the front's cheapest candidates
#   bound    the floor on a 90% bound, no confirmation
# MODELS=vgg1000 is the committed small VGG with its default 1,000 held-out images (500 + 500 under promise).
# Usage: experiments/promise.sh [OUT_DIR] (default runs/promise); env BUDGET (600), SEEDS ("0 1 2"), CONFIGS, MODELS, SETTINGS.
# The models: experiments/promise.sh trains them first when they are missing (about 20 min each on 2 cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/promise}"
ascai="${ASCAI:-$root/ascai}"
models="$out/models"
mkdir -p "$models"
selected=" ${MODELS:-vgg resnet pytorch} "
[[ "$selected" != *" vgg "* || -f "$models/vgg-small-val5000.ascai" ]] ||
  "$ascai" train --model vgg-small --epochs 15 --val-size 5000 --out "$models/vgg-small-val5000.ascai"
[[ "$selected" != *" resnet "* || -f "$models/resnet20-val5000.ascai" ]] ||
  "$ascai" train --model resnet20 --epochs 13 --lr 0.1 --val-size 5000 --out "$models/resnet20-val5000.ascai"
[[ "$selected" != *" pytorch "* || -f "$models/fashion-last-5000.onnx" ]] ||
  /usr/bin/python3 "$root/tests/fixtures/pytorch/train_last_n.py" "$models" 5000

declare -A data=(
  [vgg]="--model $models/vgg-small-val5000.ascai --val-size 2000"
  [resnet]="--model $models/resnet20-val5000.ascai --val-size 2000"
  [pytorch]="--model $models/fashion-last-5000.onnx --mean 0.2860 --std 0.3530 --val-range 58000:60000"
  [vgg1000]="--model $root/models/vgg-small-fashion-mnist.ascai"
)
declare -A settings=(
  [default]=""
  [strongest]="--score genecai --constraint strict --selection tournament --polish 150"
)
declare -A configs=(
  [paper]=""
  [promise]="--confirmation 0.5 --confidence 0.9"
  [tuned]="--confirmation 0.5 --confidence 0.9 --finetune-epochs 1"
  [bound]="--confidence 0.9"
)
for model in ${MODELS:-vgg resnet pytorch}; do
  for setting in ${SETTINGS:-default strongest}; do
    for config in ${CONFIGS:-paper promise tuned}; do
      for seed in ${SEEDS:-0 1 2}; do
        run="$out/$model-$setting-$config-s$seed"
        if [ -f "$run/summary.json" ]; then continue; fi
        if [ -f "$run/journal.jsonl" ]; then "$ascai" search --resume "$run"; continue; fi
        # shellcheck disable=SC2086
        "$ascai" search ${data[$model]} --methods ps --max-drop 1 --budget "${BUDGET:-600}" --seed "$seed" ${settings[$setting]} ${configs[$config]} --out "$run"
      done
    done
  done
done
"$root/experiments/promise-table.sh" "$out"/*-s*
