#!/usr/bin/env bash
# The real-scale benchmark: torchvision ResNet-18, MobileNetV2 and EfficientNet-B0 at 96, 160 and 224 px, each with
# 1,000 held-out images and 256 training images (experiments/pytorch/scale_models.py: exported as PyTorch exports,
# labelled by the network itself), then `bench scale` over them: per-candidate time against the machine's bound, the
# share outside the forward pass, peak memory and the projected wall time of a search.
# Usage: experiments/scale.sh [OUT_DIR] (default runs/scale); env ARCHS, SIZES, CANDIDATES (9).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/scale}"
mkdir -p "$out"
for arch in ${ARCHS:-resnet18 mobilenet_v2 efficientnet_b0}; do
  for size in ${SIZES:-96 160 224}; do
    [ -f "$out/$arch-$size.onnx" ] || /usr/bin/python3 "$root/experiments/pytorch/scale_models.py" "$out" "$arch" "$size" 2>&1 | grep -v Warning
  done
done
dotnet run -c Release --project "$root/bench/Ascai.Bench" -- scale "$out" --candidates "${CANDIDATES:-9}"
