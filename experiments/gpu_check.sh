#!/usr/bin/env bash
# The GPU checks of the batch engine, for a machine with a device: the CPU/CUDA parity tests,
# the steps/s benchmarks of every family on both backends, and the 1M-member scale sweep.
#
# Build the bundle on the build machine (no GPU needed), from the repository root:
#   cmake -S . -B /tmp/build-gpu -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
#         -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_BUILD_TYPE=Release
#   make -C /tmp/build-gpu -j2 spotsweep sweep_parity_test
#   /work/shared/tools/gpu-bundle .gpu /tmp/build-gpu/spotsweep /tmp/build-gpu/tests/sweep_parity_test
# Then on the GPU machine, from the repository root:
#   bash experiments/gpu_check.sh [OUT_DIR]
# Figures go to stdout; copy them, with the device line, into docs/BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-/tmp/gpu_check}}
mkdir -p "$out"
bin=$root/.gpu/bin
[ -x "$bin/spotsweep" ] || { echo "gpu_check: no bundle in $root/.gpu (see the header of this script)" >&2; exit 2; }
export LD_LIBRARY_PATH=$root/.gpu/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export SPOTSWEEP_TEST_TMP=$out/tmp

echo "== device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
date -u +"%Y-%m-%dT%H:%M:%SZ"; nproc

echo "== parity tests (CPU vs CUDA)"
"$bin/sweep_parity_test"

echo "== bench: every family, both backends (median of 3)"
"$bin/spotsweep" bench --family all --backend all --repeats 3

echo "== bench: simulation only (no percentile sorts)"
"$bin/spotsweep" bench --family all --backend cuda --repeats 3 --no-percentiles

echo "== scale: 1,048,576 PF members x 64 scenarios x 100 rounds"
cd "$root"
# stdout: steps/s, and the host and device memory peaks; stderr (progress) to the log.
"$bin/spotsweep" sweep --pool experiments/pools/scale_1m.toml --output "$out/scale_1m.h5" \
  --backend cuda --opt-buckets 0 2> "$out/scale_1m.log" || { tail -20 "$out/scale_1m.log"; exit 1; }
ls -l "$out/scale_1m.h5"
