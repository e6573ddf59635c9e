#!/usr/bin/env bash
# The search against the baselines with linear fill: ASCAI (genecai score, --constraint strict, --polish 150) against uniform
# and random search at 1,000 evaluations, Ps, floor = base validation accuracy - 1 point, no fine-tuning, exact
# channel counts; then the penalty-only selection (seed 0), ResNet-20, the 8-multiple default, a 4,000-image
# validation set of unseen images, and D+Ps (500 evaluations); then ASCAI with tournament selection
# (selection/, sizes 2 and 4; ResNet-20, D+Ps and D with size 2) and the proportional-selection runs again with
# the multi-start polish. Each run:
# runs/<group>/<name>/; finished runs are skipped, killed ones resumed.
#   experiments/linear.sh            (all of it, ~3.5 h on 2 cores at THREADS=1 with two instances side by side)
# Env: ASCAI (a frozen build), THREADS, ONLY (a grep pattern over the run names, e.g. ONLY='^linear/').
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ascai="${ASCAI:-$root/ascai}"
threads=(${THREADS:+--threads "$THREADS"})
vgg="$root/models/vgg-small-fashion-mnist.ascai"; resnet="$root/models/resnet20-fashion-mnist.ascai"
common="--max-drop 1 --fill linear"
ga="--score genecai --constraint strict --polish 150"
split="--dataset idx --data-dir $root/runs/fm-testsplit --val-size 4000"   # unseen images: experiments/test-split.sh
runs=(
  "linear/uniform-cm1|$vgg|ps|1000|--score genecai --strategy uniform --channel-multiple 1"
  "linear/strict-seed0|$vgg|ps|1000|$ga --channel-multiple 1 --seed 0"
  "linear/strict-seed1|$vgg|ps|1000|$ga --channel-multiple 1 --seed 1"
  "linear/strict-seed2|$vgg|ps|1000|$ga --channel-multiple 1 --seed 2"
  "linear/random-seed0|$vgg|ps|1000|--score genecai --strategy random --channel-multiple 1 --seed 0"
  "linear/random-seed1|$vgg|ps|1000|--score genecai --strategy random --channel-multiple 1 --seed 1"
  "linear/random-seed2|$vgg|ps|1000|--score genecai --strategy random --channel-multiple 1 --seed 2"
  "resnet20-linear/uniform|$resnet|ps|1000|--score genecai --strategy uniform --channel-multiple 1"
  "resnet20-linear/strict-seed0|$resnet|ps|1000|$ga --channel-multiple 1 --seed 0"
  "resnet20-linear/strict-seed1|$resnet|ps|1000|$ga --channel-multiple 1 --seed 1"
  "linear-cm8/uniform|$vgg|ps|1000|--score genecai --strategy uniform --channel-multiple 8"
  "linear-cm8/strict-seed0|$vgg|ps|1000|$ga --channel-multiple 8 --seed 0"
  "linear/penalty-seed0|$vgg|ps|1000|--score genecai --polish 150 --channel-multiple 1 --seed 0"
  "val4000/uniform|$vgg|ps|1000|--score genecai --strategy uniform --channel-multiple 1 $split"
  "val4000/strict-seed0|$vgg|ps|600|--score genecai --constraint strict --polish 100 --channel-multiple 1 --seed 0 $split"
  "dps-linear/uniform|$vgg|d+ps|500|--score genecai --strategy uniform --channel-multiple 1"
  "dps-linear/strict-seed0|$vgg|d+ps|500|--score genecai --constraint strict --polish 75 --channel-multiple 1 --seed 0"
  "selection/proportional-seed1|$vgg|ps|1000|$ga --channel-multiple 1 --seed 1"
  "selection/proportional-seed2|$vgg|ps|1000|$ga --channel-multiple 1 --seed 2"
)
for size in 2 4; do for seed in 0 1 2; do
  runs+=("selection/tournament$size-seed$seed|$vgg|ps|1000|$ga --selection tournament --tournament-size $size --channel-multiple 1 --seed $seed")
done; done
for seed in 3 4; do   # two more seeds for the two selections
  runs+=("selection/proportional-seed$seed|$vgg|ps|1000|$ga --channel-multiple 1 --seed $seed"
         "selection/tournament2-seed$seed|$vgg|ps|1000|$ga --selection tournament --channel-multiple 1 --seed $seed")
done
runs+=("resnet20-linear/tournament2-seed0|$resnet|ps|1000|$ga --selection tournament --channel-multiple 1 --seed 0"
       "dps-linear/tournament2-seed0|$vgg|d+ps|500|--score genecai --constraint strict --polish 75 --selection tournament --channel-multiple 1 --seed 0"
       "dps-linear/tournament2-shrink-seed0|$vgg|d+ps|1000|$ga --selection tournament --init-repair shrink --channel-multiple 1 --seed 0"
       "d-linear/uniform|$vgg|d|1000|--score genecai --strategy uniform"
       "d-linear/tournament2-shrink-seed0|$vgg|d|1000|$ga --selection tournament --init-repair shrink --seed 0")
[ -d "$root/runs/fm-testsplit" ] || "$root/experiments/test-split.sh"
for entry in "${runs[@]}"; do
  IFS='|' read -r name model methods budget options <<< "$entry"
  [ -n "${ONLY:-}" ] && ! grep -qE "$ONLY" <<< "$name" && continue
  dir="$root/runs/$name"
  [ -f "$dir/summary.json" ] && continue
  if [ -f "$dir/journal.jsonl" ]; then "$ascai" search --resume "$dir" "${threads[@]}"
  else "$ascai" search --model "$model" --methods "$methods" --budget "$budget" $common $options --out "$dir" "${threads[@]}"; fi
done
