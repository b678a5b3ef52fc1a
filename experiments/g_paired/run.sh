#!/usr/bin/env bash
# Experiment (g): paired comparisons, bootstrap 95 % intervals over 5 seeds x 4 market windows
# (20 clusters of 12 jobs per market), on the synthetic market (capacity 16) and the real V100
# us-east-2b trace (at most one spot GPU). Every member of config.toml is traced; table.py runs
# experiments/paired.py's bootstrap for each comparison and writes g_paired.md and g_paired.png.
#   bash experiments/g_paired/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: a few minutes on 2 cores. --smoke: 2 seeds, 2 scenarios x 4 rounds, OPT with 2 steps per slot.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
seeds="1,2,3,4,5"
# OPT's step: tick * H(N_min) / 16, a whole number of steps per full slot (beta = 0 here), so only
# restart slots lose work to rounding (docs/model.md section 5); --smoke: 2 steps per slot.
opt_resolution=16
if [ "$smoke" = "--smoke" ]; then seeds="1,2" opt_resolution=2; fi
specs=()
for market in synthetic v100_us-east-2b; do
  market_config "$market" 4
  list=0,1,2,3,4,5,6,7                # every member: 3 baselines, PF, 4 CHC (config.toml)
  "$bin" sweep --pool "$toml" -a workload.seed=$seeds --output "$work/${market}_sweep.h5" \
    --trace-members "$list" --opt-resolution "$opt_resolution" > "$work/$market.txt" 2>> "$work/log"
  grep -E "OPT|best mean" "$work/$market.txt" || true
  specs+=("$market=$work/${market}_sweep.h5")
done
"$py" "$here/table.py" "$out" "${specs[@]}"
cat "$out/g_paired.md"
