#!/usr/bin/env bash
# ASCAI against the baselines (uniform, random, AMC's DDPG) at an equal evaluation budget, Ps on the committed small VGG,
# floor = base validation accuracy - 1 point, no fine-tuning. Usage: experiments/baselines.sh [SEEDS...] (default 0 1 2)
# Writes runs/${RUNS:-baselines}/<strategy>-seed<k>/ (summary.json, journal.jsonl, best-compact.ascai); skips finished runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${MODEL:-$root/models/vgg-small-fashion-mnist.ascai}"   # MODEL=... RUNS=... for another model
runs="${RUNS:-baselines}"; [[ "$runs" = /* ]] || runs="$root/runs/$runs"   # RUNS: a folder (relative: under runs/)
strategies=(${STRATEGIES:-ascai uniform random})
methods="${METHODS:-ps}"
budget="${BUDGET:-1000}"
ascai="${ASCAI:-$root/ascai}"   # a frozen build keeps long experiments independent of edits to src/
threads=(${THREADS:+--threads "$THREADS"})   # THREADS=1 when two experiments share the 2 cores
extra=(${EXTRA:-})   # EXTRA="--fill mean --score genecai" etc.: more search options for every run
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
for seed in "${seeds[@]}"; do
  for strategy in "${strategies[@]}"; do
    out="$runs/$strategy-seed$seed"
    [ -f "$out/summary.json" ] && continue
    if [ -f "$out/journal.jsonl" ]; then
      "$ascai" search --resume "$out" "${threads[@]}"
    else
      case "$strategy" in   # variants: ddpg-score is AMC's agent rewarded by ASCAI's score instead of AMC's -error x ln(MACs)
        ddpg-score) how=(--strategy ddpg --ddpg-reward score) ;;
        *) how=(--strategy "$strategy") ;;
      esac
      "$ascai" search --model "$model" --methods "$methods" --max-drop 1 --budget "$budget" "${how[@]}" --seed "$seed" --out "$out" "${threads[@]}" \
        "${extra[@]}"
    fi
  done
done

# The warm start's repair of infeasible samples, measured: the paper's resampling (the runs above) against
# shrinking toward the original (--init-repair shrink), same budget and seeds. Set SHRINK=1 to run these.
if [ "${SHRINK:-0}" = 1 ]; then
  for seed in "${seeds[@]}"; do
    out="$root/runs/init-repair/shrink-seed$seed"
    [ -f "$out/summary.json" ] && continue
    if [ -f "$out/journal.jsonl" ]; then "$ascai" search --resume "$out" "${threads[@]}"; else
      "$ascai" search --model "$model" --methods ps --max-drop 1 --budget "$budget" --init-repair shrink --seed "$seed" --out "$out" "${threads[@]}"; fi
  done
fi
