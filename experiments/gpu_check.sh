#!/usr/bin/env bash
# The GPU checks, for a machine with a device: the CPU/CUDA parity tests (sweep, selector, Can't
# Be Late), the steps/s benchmarks of every family on both backends, the 1M-member scale sweep,
# the selector benchmark (K = 1M, T = 1000, S = 16), the full Can't Be Late replay and the CHC
# scale pool through plan tables (experiments/pools/chc_scale.toml, docs/chc.md "Plan tables").
#
# Build the bundle on the build machine (no GPU needed), from the repository root:
#   cmake -S . -B /tmp/build-gpu -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
#         -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_BUILD_TYPE=Release
#   make -C /tmp/build-gpu -j2 spotsweep sweep_parity_test select_parity_test cbl_parity_test
#   /work/shared/tools/gpu-bundle .gpu /tmp/build-gpu/spotsweep /tmp/build-gpu/tests/sweep_parity_test \
#       /tmp/build-gpu/tests/select_parity_test /tmp/build-gpu/tests/cbl_parity_test
#   mkdir -p .gpu/shared/data/spot-traces/derived .gpu/shared/data/spot-traces/skypilot-org/availability/1-node
#   cp ../shared/data/spot-traces/derived/adrs_cant_be_late_windows.csv .gpu/shared/data/spot-traces/derived/
#   cp -r ../shared/data/spot-traces/skypilot-org/availability/1-node/aws-10-26-2022 \
#       .gpu/shared/data/spot-traces/skypilot-org/availability/1-node/
# (.gpu/ is git-ignored: the skypilot-org traces have no licence and are never committed.)
# Then on the GPU machine, from the repository root:
#   bash experiments/gpu_check.sh [OUT_DIR] [STAGE...]
# STAGE is parity, bench, scale, select, cbl, chc_scale or chc (default: the first six, in that
# order; chc, the exact-planner CHC bench on CUDA, runs only when named). The stages
# can go in separate calls when one call has a time limit (the device tool's is 10 minutes);
# parity and bench come first, as the others only time what the parity tests check.
# Figures go to stdout; copy them, with the device line, into docs/BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-/tmp/gpu_check}}
shift || true
stages=${*:-parity bench scale select cbl chc_scale}
for stage in $stages; do
  case $stage in parity|bench|scale|select|cbl|chc_scale|chc) ;; *) echo "gpu_check: unknown stage '$stage' (parity, bench, scale, select, cbl, chc_scale, chc)" >&2; exit 2;; esac
done
wants() { [[ " $stages " == *" $1 "* ]]; }
mkdir -p "$out"
bin=$root/.gpu/bin
[ -x "$bin/spotsweep" ] || { echo "gpu_check: no bundle in $root/.gpu (see the header of this script)" >&2; exit 2; }
export LD_LIBRARY_PATH=$root/.gpu/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export SPOTSWEEP_TEST_TMP=$out/tmp

echo "== device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
date -u +"%Y-%m-%dT%H:%M:%SZ"; nproc

export SPOTSWEEP_SHARED_DIR=$root/.gpu/shared
# On this machine a device the runtime cannot use fails the parity tests instead of skipping them.
export SPOTSWEEP_REQUIRE_DEVICE=1
cd "$root"

if wants parity; then
echo "== parity tests (CPU vs CUDA)"
# All three run even when one fails; the stage fails at the end if any did.
failed=""
for test in sweep_parity_test select_parity_test cbl_parity_test; do
  "$bin/$test" || failed="$failed $test"
done
[ -z "$failed" ] || { echo "gpu_check: parity FAILED:$failed" >&2; exit 1; }
fi

if wants bench; then
# The exact-planner CHC bench is the chc stage's, not this one's.
simple="on_demand greedy uniform_progress pf only_spot"
echo "== bench: every simple family, both backends (median of 3)"
for family in $simple; do "$bin/spotsweep" bench --family "$family" --backend all --repeats 3; done

echo "== bench: simulation only (no percentile sorts)"
for family in $simple; do
  "$bin/spotsweep" bench --family "$family" --backend cuda --repeats 3 --no-percentiles
done

echo "== bench: CHC with the Lagrangian planner (docs/chc.md), both backends"
for iters in 1 4; do
  "$bin/spotsweep" bench --family chc --lagrange-iters "$iters" --backend all --repeats 3
done
fi

if wants chc; then
echo "== bench: CHC with the exact planner through plan tables (keys of 352 members), both backends"
timeout 300 "$bin/spotsweep" bench --family chc --backend all --repeats 3 || echo "chc bench: exit $?"
fi

if wants chc_scale; then
echo "== chc_scale: 70,432 CHC members over 256 planning keys x 16 scenarios x 25 rounds (H100 trace)"
"$bin/spotsweep" pool info experiments/pools/chc_scale.toml | tail -1
TIMEFORMAT="chc_scale %R s wall"
time timeout 300 "$bin/spotsweep" sweep --pool experiments/pools/chc_scale.toml \
  --output "$out/chc_scale.h5" --backend cuda --opt-buckets 0 2> "$out/chc_scale.log" ||
  { echo "chc_scale: exit $? (300 s limit)"; tail -5 "$out/chc_scale.log"; }
fi

if wants scale; then
echo "== scale: 1,048,576 PF members x 64 scenarios x 100 rounds"
# stdout: steps/s, and the host and device memory peaks; stderr (progress) to the log.
"$bin/spotsweep" sweep --pool experiments/pools/scale_1m.toml --output "$out/scale_1m.h5" \
  --backend cuda --opt-buckets 0 2> "$out/scale_1m.log" || { tail -20 "$out/scale_1m.log"; exit 1; }
ls -l "$out/scale_1m.h5"
fi

if wants select; then
echo "== selector: K = 1,000,000 PF members x T = 1000 rounds x 16 scenarios (median of 3), then K scaling"
echo "-- the default learner (FlipFlop, delayed feedback), then fixed-eta Hedge fed back at once (the former selector's shape)"
bash "$root/experiments/bench_select.sh" "$bin/spotsweep" cuda "1000000" "1000" 16 3
LEARNER=hedge DELAY=none bash "$root/experiments/bench_select.sh" "$bin/spotsweep" cuda "1000000" "1000" 16 3
bash "$root/experiments/bench_select.sh" "$bin/spotsweep" cuda "10000 100000" "100 1000" 16 3
echo "== selector on all CPU cores, same machine"
bash "$root/experiments/bench_select.sh" "$bin/spotsweep" cpu "10000" "100" 16 3
fi

if wants cbl; then
echo "== Can't Be Late: the full ADRS replay, CUDA and all CPU cores (median of 3 each)"
shared=$root/.gpu/shared/data/spot-traces
TIMEFORMAT="cbl %R s wall"
for backend in cuda cpu; do
  echo "-- $backend"
  for i in 1 2 3; do
    time "$bin/spotsweep" cbl --windows "$shared/derived/adrs_cant_be_late_windows.csv" \
      --traces "$shared/skypilot-org/availability/1-node/aws-10-26-2022" \
      --deadlines 52,70,92 --overheads 0.02,0.2,0.4 --policies greedy,up,on_demand,only_spot \
      --backend "$backend" --out "$out/cbl_$backend.csv" > "$out/cbl_$backend.log"
  done
  tail -6 "$out/cbl_$backend.log"
done
cmp "$out/cbl_cuda.csv" "$out/cbl_cpu.csv" && echo "cbl: CUDA and CPU results files identical"
fi
