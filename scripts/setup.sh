#!/usr/bin/env bash
# Installs what Ascai needs on a fresh Debian 12 machine, idempotently: the .NET SDK must be present; the
# Fashion-MNIST data comes from Debian's dataset-fashion-mnist package. NuGet packages are restored by the build.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required" >&2
  exit 1
fi

# Debian packages: the Fashion-MNIST data, and the NATS server that distributed searches (and their test) use.
missing=()
data_dir=/usr/share/datasets/fashion-mnist
[ -f "$data_dir/train-images-idx3-ubyte.gz" ] || missing+=(dataset-fashion-mnist)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]} ..." >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
