#!/usr/bin/env bash
# Quick start: install the dependencies, build, and run the main job on the traces in data/:
# one policy against OPT on a real V100 trace, a small policy-pool sweep and an online selection
# over a mixed pool, both to HDF5.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
spotsweep=$root/build/spotsweep
mkdir -p "$root/results"

echo "== Uniform Progress vs OPT: 48 h job, 52 h deadline, 0.2 h restart, AWS V100 us-east-2b"
"$spotsweep" simulate --trace "$root/data/v100_us-east-2b.h5" --policy uniform_progress \
  --work-hours 48 --deadline-hours 52 --gamma 1 --n-max 1 --throughput unit --reconfig-s 720 \
  --value 200 \
  --slot-csv "$root/results/quickstart_slots.csv"

echo
echo "== CHC(w = 24, v = 4) with a Holt-Winters forecast on the same job"
"$spotsweep" simulate --trace "$root/data/v100_us-east-2b.h5" --policy chc --window 24 \
  --commit 4 --predictor holt-winters --work-hours 48 --deadline-hours 52 --gamma 1 --n-max 1 \
  --throughput unit --reconfig-s 720 --value 200

echo
echo "== A policy-pool sweep (experiments/pools/pf_small.toml) to results/pf_small.h5"
"$spotsweep" pool info "$root/experiments/pools/pf_small.toml"
"$spotsweep" sweep --pool "$root/experiments/pools/pf_small.toml" --output "$root/results/pf_small.h5"

echo
echo "== Online selection (Hedge) over a mixed pool, 4 scenarios x 120 jobs, to results/select_small.h5"
"$spotsweep" select --pool "$root/experiments/pools/select_small.toml" --output "$root/results/select_small.h5" --top-k 3
