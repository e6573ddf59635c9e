#!/usr/bin/env bash
# Reruns one of the paper's studies end to end (method.md section 6) and writes its report into
# docs/results/<study>/<model>/ (report.md, report.html, figures):
#   experiments/study.sh init        warm vs naive initialization (Fig. 5a), 3 seeds
#   experiments/study.sh population  N = 10 / 20 / 50 at equal generations (Fig. 5b)
#   experiments/study.sh methods     pn, ps, d, d+ps on the same model; ps/d/d+ps best models also fine-tuned
#   experiments/study.sh score       the ascai (s/PEN) vs genecai (exp(100 s)/PEN) score, 3 seeds
#   experiments/study.sh baselines   ASCAI vs uniform vs random at equal budget, 3 seeds
# Env: MODEL=vgg-small|resnet20 (default vgg-small), BUDGET (default 1000 evaluations), SEEDS (default "0 1 2"),
# THREADS (per search), ASCAI (a frozen build, so that edits to src/ do not change a running study),
# FINETUNE_EPOCHS (default 2). Every search is resumable: rerunning the script continues where it stopped.
# Runs go to runs/studies/<study>/<model>/<run>/. Floor: base validation accuracy - 1 point, no fine-tuning
# during the search, Fashion-MNIST's 1,000 held-out validation images.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
study="${1:?usage: experiments/study.sh init|population|methods|score|baselines}"
model_name="${MODEL:-vgg-small}"
case "$model_name" in
  vgg-small) model="$root/models/vgg-small-fashion-mnist.ascai" ;;
  resnet20) model="$root/models/resnet20-fashion-mnist.ascai" ;;
  *) echo "error: MODEL must be vgg-small or resnet20" >&2; exit 2 ;;
esac
budget="${BUDGET:-1000}"
seeds=(${SEEDS:-0 1 2})
ascai="${ASCAI:-$root/ascai}"
threads=(${THREADS:+--threads "$THREADS"})
runs="$root/runs/studies/$study/$model_name"
out="$root/docs/results/$study/$model_name"

# search NAME OPTIONS...: one resumable search run in $runs/NAME.
search() {
  local name="$1"; shift
  local dir="$runs/$name"
  [ -f "$dir/summary.json" ] && return 0
  if [ -f "$dir/journal.jsonl" ]; then "$ascai" search --resume "$dir" "${threads[@]}"
  else "$ascai" search --model "$model" --max-drop 1 --out "$dir" "${threads[@]}" "$@"; fi
}

# default_run NAME SEED: the default ASCAI Ps search of a seed (warm start, ascai score, budget), which the init,
# score and baselines studies all compare against: run once, linked into each study's folder as NAME.
default_run() {
  local shared="$root/runs/studies/default/$model_name/ascai-seed$2"
  mkdir -p "$runs" "$(dirname "$shared")"
  # Two studies running side by side wait for each other here instead of starting the same run twice.
  ( runs="$(dirname "$shared")"; flock 9; search "ascai-seed$2" --methods ps --budget "$budget" --seed "$2" ) 9>"$shared.lock"
  ln -sfn "$shared" "$runs/$1"
}

case "$study" in
  init)
    for s in "${seeds[@]}"; do
      default_run "warm-seed$s" "$s"
      search "naive-seed$s" --methods ps --budget "$budget" --seed "$s" --init naive
    done ;;
  population)
    # Equal generations, so the budget grows with N (no evaluation budget).
    for n in 10 20 50; do search "population-$n" --methods ps --population "$n" --generations "${GENERATIONS:-20}" --seed "${seeds[0]}"; done ;;
  methods)
    for m in pn d d+ps; do search "${m/+/}" --methods "$m" --budget "$budget" --seed "${seeds[0]}"; done
    default_run ps "${seeds[0]}"
    for m in ps d dps; do
      tuned="$runs/$m/best-finetuned.ascai"
      [ -f "$tuned" ] || [ ! -f "$runs/$m/best-compact.ascai" ] || \
        "$ascai" finetune --model "$runs/$m/best-compact.ascai" --epochs "${FINETUNE_EPOCHS:-2}" --out "$tuned" "${threads[@]}" | tee "$runs/$m/finetune.log"
    done ;;
  score)
    for s in "${seeds[@]}"; do
      default_run "ascai-seed$s" "$s"
      search "genecai-seed$s" --methods ps --budget "$budget" --seed "$s" --score genecai
    done ;;
  baselines)
    # The uniform sweep draws nothing at random: one run serves every seed.
    search uniform --methods ps --budget "$budget" --strategy uniform
    for s in "${seeds[@]}"; do
      default_run "ascai-seed$s" "$s"
      search "random-seed$s" --methods ps --budget "$budget" --seed "$s" --strategy random
    done ;;
  *) echo "error: unknown study '$study' (init, population, methods, score, baselines)" >&2; exit 2 ;;
esac

mkdir -p "$out"
"$ascai" report "$runs"/*/ --out "$out" "${threads[@]}"
# Keep the evidence small enough to commit: configs, summaries and journals beside the report, not the models.
"$root/experiments/keep-evidence.sh" "$out/runs" "$runs"/*/
echo "study $study on $model_name: $out/report.md"
