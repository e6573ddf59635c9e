#!/usr/bin/env bash
# What distinct-model keys and early rejection buy: the default and the strongest search settings on the small VGG
# and ResNet-20 at 600 evaluations, each with both on (the default) and both off, three seeds on the small VGG,
# one on ResNet-20 (R20_SEEDS="0 1 2" for three; R20_SETTINGS="default" leaves its strongest search out); then the searches benchmark over every run (distinct models, aliases, rejected candidates,
# warm-start share, feasible share, candidate time against the FLOP bound measured in the same run).
# Usage: experiments/evaluations.sh [OUT_DIR] (default runs/evaluations); env SEEDS ("0 1 2"), BUDGET (600), NO_BENCH=1 (runs only).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/evaluations}"
ascai="${ASCAI:-$root/ascai}"
declare -A settings=(
  [default]=""
  [strongest]="--score genecai --constraint strict --selection tournament --polish 150"
)
declare -A keys=(
  [on]=""
  [off]="--distinct-models false --early-rejection false"
)
run() { # model label seed setting key
  local dir="$out/$2-$4-$5-s$3"
  [ -f "$dir/summary.json" ] && return
  [ -f "$dir/journal.jsonl" ] && { "$ascai" search --resume "$dir"; return; }
  # shellcheck disable=SC2086
  "$ascai" search --model "$1" --budget "${BUDGET:-600}" --seed "$3" ${settings[$4]} ${keys[$5]} --out "$dir"
}
for seed in ${SEEDS:-0 1 2}; do
  for setting in default strongest; do
    for key in on off; do run "$root/models/vgg-small-fashion-mnist.ascai" vgg "$seed" "$setting" "$key"; done
  done
done
for seed in ${R20_SEEDS:-0}; do
  for setting in ${R20_SETTINGS:-default strongest}; do
    for key in on off; do run "$root/models/resnet20-fashion-mnist.ascai" resnet20 "$seed" "$setting" "$key"; done
  done
done
[ -n "${NO_BENCH:-}" ] || dotnet run -c Release --project "$root/bench/Ascai.Bench" -- searches "$out"/*-s*
