#!/usr/bin/env bash
# Precision as a gene: on the small VGG (seeds 0-2) and ResNet-20 (seed 0), 600-evaluation searches at --max-drop 1 of
#   ps      channel pruning, cost MACs (the float32 search),
#   ps+q    channel pruning and per-layer int8, cost BOPs,
#   ps+q-latency  the same, cost: latency at batch 64 from the run's per-layer latency table,
#   d+ps+q-latency  low-rank decomposition added to the genome, cost: latency,
#   ps+q-latency-ft ps+q-latency with one epoch of fine-tuning for the front's cheapest near-misses (not run by default),
#   ps+q-ft  ps+q (cost BOPs) with the same fine-tuning (not run by default),
# then the models they return, and uniform int8 of the whole original (ascai quantize) and of the ps result, benched
# together in one process (ascai bench: ONNX Runtime, batch 1 and 64, median of 101 runs).
# Usage: experiments/precision.sh [OUT_DIR] (default runs/precision). STUDIES="ps ps+q" restricts the searches,
# SEEDS="0" the small VGG's seeds, NO_RESNET=1 leaves ResNet-20 out; an interrupted search is resumed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/precision}"
ascai="${ASCAI:-$root/ascai}"
studies="${STUDIES:-ps ps+q ps+q-latency d+ps+q-latency}"
mkdir -p "$out"
declare -A models=([vgg]="$root/models/vgg-small-fashion-mnist.ascai" [resnet20]="$root/models/resnet20-fashion-mnist.ascai")
declare -A flags=([ps]="--methods ps" [ps+q]="--methods ps+q" [ps+q-latency]="--methods ps+q --cost latency" [d+ps+q-latency]="--methods d+ps+q --cost latency"
  [ps+q-latency-ft]="--methods ps+q --cost latency --finetune-epochs 1" [ps+q-ft]="--methods ps+q --finetune-epochs 1")
runs() { for seed in ${SEEDS:-0 1 2}; do echo "vgg $seed"; done; [ -n "${NO_RESNET:-}" ] || echo "resnet20 0"; }
runs | while read -r name seed; do
  for study in $studies; do
    dir="$out/$name-$study-$seed"
    [ -f "$dir/summary.json" ] && continue
    if [ -f "$dir/journal.jsonl" ]; then "$ascai" search --resume "$dir" >> "$dir.log" 2>&1; continue; fi
    rm -rf "$dir"
    # shellcheck disable=SC2086
    "$ascai" search --model "${models[$name]}" ${flags[$study]} --max-drop 1 --budget 600 --seed "$seed" --out "$dir" > "$dir.log" 2>&1
  done
done
for name in vgg resnet20; do
  [ -f "$out/$name-int8.onnx" ] || "$ascai" quantize --model "${models[$name]}" --out "$out/$name-int8.onnx" > "$out/$name-int8.log"
done
runs | while read -r name seed; do
  [ -f "$out/$name-ps-$seed/summary.json" ] || continue
  [ -f "$out/$name-ps-$seed-int8.onnx" ] || "$ascai" quantize --model "$out/$name-ps-$seed/best-compact.ascai" --out "$out/$name-ps-$seed-int8.onnx" > "$out/$name-ps-$seed-int8.log"
done
# One summary line per search: returned model's MACs ratio, BOPs ratio, int8 layers, validation and test accuracy.
for summary in "$out"/*/summary.json; do
  python3 - "$summary" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1])); b = s.get("best") or {}; base = s["baseline"]
print(f'{os.path.basename(os.path.dirname(sys.argv[1]))}: cost {s.get("cost")}, MACs {b.get("macsRatio", 0):.3f}, BOPs {b.get("bops", 0) / base["macs"]:.3f}, '
      f'int8 {len(b.get("int8Layers", []))}, val {b.get("valAccuracy", 0):.2f} (base {base["valAccuracy"]:.2f}), test {b.get("testAccuracy", 0):.2f} (base {base["testAccuracy"]:.2f})')
PY
done
# The returned models under their run's name (bench names rows by file), then all of one model benched in one process.
mkdir -p "$out/bench"
for name in vgg resnet20; do
  files=("${models[$name]}" "$out/$name-int8.onnx")
  for dir in "$out/$name"-*-[0-9]; do
    [ -f "$dir/summary.json" ] || continue
    model="$dir/best-compact.onnx"; [ -f "$dir/best-int8.onnx" ] && model="$dir/best-int8.onnx"
    cp "$model" "$out/bench/$(basename "$dir").onnx"
    files+=("$out/bench/$(basename "$dir").onnx")
  done
  for f in "$out/$name"-ps-[0-9]-int8.onnx; do [ -f "$f" ] && files+=("$f"); done
  "$ascai" bench --model "${files[@]}" --repeats 101
done
