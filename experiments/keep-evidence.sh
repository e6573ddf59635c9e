#!/usr/bin/env bash
# Copies the evidence of finished run folders into docs/: experiments/keep-evidence.sh DEST RUN_DIR...
# (configuration, summary, thresholds: what the tables read; not the journals or models, which a rerun remakes).
set -euo pipefail
dest="${1:?usage: experiments/keep-evidence.sh DEST RUN_DIR...}"; shift
for dir in "$@"; do
  [ -f "$dir/summary.json" ] || continue
  name="$(basename "$dir")"; mkdir -p "$dest/$name"
  for f in config.json summary.json theta.json; do
    if [ -f "$dir/$f" ]; then cp "$dir/$f" "$dest/$name/"; fi
  done
done
