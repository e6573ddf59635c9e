#!/usr/bin/env bash
# Channels kept in multiples of 8 (the default) against 16 (the AVX-512 block of ONNX Runtime's fast float32
# convolutions): on the small VGG and ResNet-20, 600-evaluation searches with the default settings (seeds 0-2) and the
# strongest ones (--score genecai --constraint strict --selection tournament --polish 150; seed 0), then
#   the searches benchmark over every run (distinct models, candidate time against the FLOP bound measured in the
#   same run: run this on an otherwise idle machine), and
#   the model each default search returns against the original (ascai bench: TorchSharp and ONNX Runtime, batch 1
#   and 64, median of 101 runs; one process per model, so the original is timed beside each).
# Usage: experiments/channel-multiple.sh [OUT_DIR] (default runs/channel-multiple); env SEEDS ("0 1 2"); an
# interrupted search is resumed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/channel-multiple}"
ascai="${ASCAI:-$root/ascai}"
mkdir -p "$out"
declare -A models=([vgg]="$root/models/vgg-small-fashion-mnist.ascai" [resnet20]="$root/models/resnet20-fashion-mnist.ascai")
declare -A settings=([default]="" [strongest]="--score genecai --constraint strict --selection tournament --polish 150")
run() { # model setting multiple seed
  local dir="$out/$1-$2-m$3-s$4"
  [ -f "$dir/summary.json" ] && return
  if [ -f "$dir/journal.jsonl" ]; then "$ascai" search --resume "$dir" >> "$dir.log" 2>&1; return; fi
  rm -rf "$dir"
  # shellcheck disable=SC2086
  "$ascai" search --model "${models[$1]}" --budget 600 --seed "$4" --channel-multiple "$3" ${settings[$2]} --out "$dir" > "$dir.log" 2>&1
}
for multiple in 8 16; do
  for name in vgg resnet20; do
    for seed in ${SEEDS:-0 1 2}; do run "$name" default "$multiple" "$seed"; done
    run "$name" strongest "$multiple" 0
  done
done
dotnet run -c Release --project "$root/bench/Ascai.Bench" -- searches "$out"/*-m*-s* | tee "$out/searches.md"
for dir in "$out"/*-default-m*-s*; do
  name="$(basename "$dir")"
  "$ascai" bench --model "${models[${name%%-*}]}" "$dir/best-compact.onnx" --repeats 101 > "$out/bench-$name.txt"
done
