#!/usr/bin/env bash
# Every output opens in xarray with labelled coordinates (docs/hdf5-layout.md): a sweep with a
# scenario axis, per-scenario statistics, traced members and OPT; a selection; a stress suite
# with a swept setting; a faceted heatmap. Skips (77) without python3-xarray and h5netcdf.
#   bash xarray_coords.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py xarray h5netcdf

cat >pool.toml <<TOML
[pool.pf]
theta = [0.5, 0.9]
kappa = [0.8, 1.0]
[pool.greedy]
deadline_factor = [0.9, 1]
[workload]
trace = "$root/data/v100_us-east-1a.h5"
scenarios = 2
scenario_stride = 1500
rounds = 4
round_stride = 30
seed = 11
[job]
work = 4e6
deadline_h = [5, 6]
n_max = 4
TOML
"$bin" sweep --pool pool.toml --output sweep.h5 --per-scenario --trace-members 1,4 --opt-buckets 8 \
  >/dev/null 2>&1
"$bin" heatmap sweep.h5 --family pf --x kappa --y theta --facet deadline_h --out hm >/dev/null
sed 's/^deadline_h = \[5, 6\]/deadline_h = 5/' pool.toml >select.toml
"$bin" select --pool select.toml --output select.h5 --opt-buckets 8 >/dev/null 2>&1
cat >stress.toml <<'TOML'
[pool.pf]
theta = [0.5, 0.9]
[workload]
scenarios = 2
rounds = 4
round_stride = 40
seed = 3
[job]
work = 2e6
deadline_h = 4
n_max = 4
[stress]
adversaries = ["regime_flip"]
seeds = [1, 2]
opt_buckets = 0
[stress.regime_flip]
period_slots = [40, 80]
TOML
"$bin" stress --pool stress.toml --output stress.h5 >/dev/null 2>&1
"$py" "$root/tests/python/check_xarray.py" sweep.h5 hm.h5 select.h5 stress.h5
