#!/usr/bin/env bash
# Experiment (c): utility against prediction error, paired over 5 seeds x 4 market windows, on
# the synthetic market (capacity 16), a stormy synthetic market (capacity 8, frequent storms,
# volatile prices; experiments/common.sh) and the real V100 us-east-2b and us-east-1a traces (at
# most one spot GPU). Two parts per market:
#   1. sweep: config.toml's pool (baselines, PF, CHC(24, 4) on the oracle at eps = 0 ... 1.6 and
#      on the four learned predictors), every member traced; `spotsweep predict` measures each
#      forecaster's realised error on the same trace; table.py sets the paired utility
#      differences (experiments/paired.py) against that error.
#   2. select: the default learner over the baselines, PF and ONE CHC member, whose forecasts
#      are exact, noisy (eps = 1.6), learned (persistence) or a decoy (make_decoy.py: spot always
#      at its cheapest and always available), T = 200 jobs, 5 seeds: does its weight follow
#      the forecasts' quality?
#   bash experiments/c_prediction_error/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copy c_prediction_error.png and c_prediction_error.md to
# docs/figures by hand); a few minutes on 2 cores. --smoke: 2 seeds, 2 windows x 4 rounds (select:
# 16 rounds), the synthetic market only, OPT with 2 steps per slot, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
markets="synthetic stormy v100_us-east-2b v100_us-east-1a"
seeds="1 2 3 4 5"
opt_resolution=16     # OPT's step tick*H(N_min)/16 (beta = 0: whole steps per slot, docs/model.md 5)
select_rounds=200
if [ "$smoke" = "--smoke" ]; then
  markets="synthetic" seeds="1 2" opt_resolution=2 select_rounds=16
fi
eps_list=$(sed -n '/^\[pool.chc.oracle\]/,/^\[/s/^eps = \[\(.*\)\].*/\1/p' "$here/config.toml" | tr -d ',')
window=$(sed -n 's/^window = \[\([0-9]*\)\].*/\1/p' "$here/config.toml")
specs=()
for market in $markets; do
  market_config "$market" 4
  trace=$(sed -n 's/^trace = "\(.*\)"/\1/p' "$toml")
  # 1. The sweep: every member traced.
  members=$("$bin" pool info "$toml" | sed -n '1s/^pool: \([0-9]*\) members.*/\1/p')
  list=$(seq -s, 0 $((members - 1)))
  "$bin" sweep --pool "$toml" -a "workload.seed=${seeds// /,}" --output "$work/${market}_sweep.h5" \
    --trace-members "$list" --opt-resolution "$opt_resolution" > "$work/$market.txt" 2>> "$work/log"
  # Each forecaster's realised error on this trace, at CHC's window and growth.
  for eps in $eps_list; do
    "$bin" predict "$trace" --window "$window" --models oracle --eps "$eps" --growth 0.5 \
      --avail-noise capacity --output "$work/${market}_err_cap_$eps.csv" > /dev/null 2>> "$work/log"
  done
  "$bin" predict "$trace" --window "$window" --models oracle --eps 0.4 --growth 0.5 \
    --avail-noise multiplicative --output "$work/${market}_err_mult_0.4.csv" > /dev/null 2>> "$work/log"
  "$bin" predict "$trace" --window "$window" --models last,seasonal,holt-winters,ar \
    --output "$work/${market}_err_learned.csv" > /dev/null 2>> "$work/log"
  # 2. The selector over the baselines, PF and one CHC member per forecast condition.
  "$py" "$here/make_decoy.py" "$trace" "$work/${market}_decoy.h5"
  selects=()
  for condition in exact noisy learned decoy; do
    case $condition in
      exact)   chc="eps = [0]\navail_noise = [1]" ;;
      noisy)   chc="eps = [1.6]\navail_noise = [1]" ;;
      learned) chc="eps = [0]\npredictor = [1]" ;;
      decoy)   chc="eps = [0]\navail_noise = [1]" ;;
    esac
    stoml="$work/${market}_select_$condition.toml"
    # config.toml with its CHC sub-pools replaced by the one member, T = select_rounds jobs.
    awk -v chc="$chc" '/^\[pool.chc.oracle\]/ {skip = 1; print "eps_placeholder"; next}
         /^\[workload\]/ {skip = 0} !skip' "$toml" |
      sed -e "s/^eps_placeholder/${chc//\\n/\\n}\n/" -e "s/^rounds = .*/rounds = $select_rounds/" \
          -e "s/^round_stride = .*/round_stride = 12/" > "$stoml"
    if [ "$condition" = decoy ]; then
      sed -i "s#^trace = .*#&\nforecast_trace = \"$work/${market}_decoy.h5\"#" "$stoml"
    fi
    for seed in $seeds; do
      file="$work/${market}_select_${condition}_$seed.h5"
      "$bin" select --pool "$stoml" --seed "$seed" --output "$file" --opt-buckets 0 \
        > /dev/null 2>> "$work/log"
      selects+=("$condition:$file")
    done
  done
  specs+=("$market|$trace|$work/${market}_sweep.h5|$work/${market}_err|$(IFS=,; echo "${selects[*]}")")
done
"$py" "$here/table.py" "$out" "${specs[@]}"
cat "$out/c_prediction_error.md"
