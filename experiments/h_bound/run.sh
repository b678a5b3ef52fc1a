#!/usr/bin/env bash
# Experiment (h): CHC's bound on its gap to OPT against the forecast error, paired over 5 seeds x
# 4 market windows (20 clusters of 12 jobs per market, cluster bootstrap as in (g)), on the
# synthetic market (capacity 16, 600 s ticks) and the real V100 us-east-2b trace (195 s ticks).
# The bound needs CHC's window to reach the hard deadline (docs/chc.md), and the window holds at
# most 64 slots, so on V100 the job is (g)'s scaled to d = 2.8 h (gamma d = 63 ticks).
# table.py writes h_bound.md and h_bound.png.
#   bash experiments/h_bound/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: about a minute on 2 cores. --smoke: 2 seeds, 2 scenarios x 3 rounds, OPT with 2 steps
# per slot.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
seeds="1,2,3,4,5"
# OPT's step: tick * H(N_min) / 16 (beta = 0: a whole number of steps per full slot), as in (g).
opt_resolution=16
if [ "$smoke" = "--smoke" ]; then seeds="1,2" opt_resolution=2; fi
specs=()
for market in synthetic v100_us-east-2b; do
  market_config "$market" 3
  if [ "$market" != synthetic ]; then
    # 64 ticks of 195 s reach 3.47 h: d = 2.8 h, gamma d = 3.36 h (63 ticks); the work and value halved.
    sed -i -e 's/^work = .*/work = "uniform(1.5e6, 3e6)"/' -e 's/^deadline_h = .*/deadline_h = 2.8/' \
      -e 's/^value = .*/value = "uniform(30, 60)"/' "$toml"
  fi
  "$bin" sweep --pool "$toml" -a workload.seed=$seeds --output "$work/${market}_sweep.h5" \
    --trace-members 0,1,2,3,4 --chc-bound --opt-resolution "$opt_resolution" \
    > "$work/$market.txt" 2>> "$work/log"
  grep -E "OPT|CHC bound" "$work/$market.txt" || true
  specs+=("$market=$work/${market}_sweep.h5")
done
"$py" "$here/table.py" "$out" "${specs[@]}"
cat "$out/h_bound.md"
