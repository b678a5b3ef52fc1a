#!/usr/bin/env bash
# Configures and builds spotsweep in build/ (or $BUILD_DIR). The CUDA backend is compiled when
# nvcc is at /usr/local/cuda/bin/nvcc (or on PATH); extra arguments go to cmake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
cuda=()
if [ -x /usr/local/cuda/bin/nvcc ]; then
  cuda=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "${cuda[@]}" "$@"
cmake --build "$build" -j "$(nproc)"
