#!/usr/bin/env bash
# Experiment (c): utility against prediction error eps for CHC (the best member at each eps), PF
# (its best member; PF reads no forecast) and the online selector (the default learner over CHC at that eps +
# the PF grid), in two settings:
#   loose: config.toml as written: (b)'s Llama-2-7B-like job (1-8 GPUs, gamma 1.5) on a market
#          of data/synthetic_mm16_s42_c0.h5's model (capacity 16);
#   tight: a stormy market (capacity 8, storms 4x as frequent, 5x the price volatility, faster
#          mean reversion) and a tight job (1-4 GPUs, d = 5 h, gamma = 1.2):
#          Select.WeightFollowsPredictionQuality's setting (tests/unit/select/select_test.cpp).
# Conditions: eps = 0 ... 3.2 (oracle noise, growth 1/2) and "decoy" (make_decoy.py).
#   bash experiments/c_prediction_error/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copied to docs/figures by hand: c_prediction_error.png, c_prediction_error.md); about
# 2.5 minutes on 2 cores. --smoke: 2 scenarios x 8 rounds, eps 0 and 0.8, OPT on 32 buckets, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
eps_list=$(sed -n 's/^eps = \[\(.*\)\].*/\1/p' "$here/config.toml" | tr -d ',')
[ "$smoke" = "--smoke" ] && eps_list="0 0.8"
specs=()
for setting in loose tight; do
  dir="$work/$setting"
  mkdir -p "$dir"
  base="$dir/base.toml"
  cp "$here/config.toml" "$base"
  market_params=(--param availability_model=markov_modulated --param capacity=16)
  if [ "$setting" = tight ]; then
    market_params=(--param availability_model=markov_modulated --param capacity=8
                   --param storm_enter_prob=0.02 --param storm_exit_prob=0.05
                   --param volatility_per_sqrt_hour=0.5 --param mean_reversion_per_hour=0.5)
    sed -i -e 's/^work = .*/work = "uniform(3e6, 6e6)"/' -e 's/^deadline_h = .*/deadline_h = 5/' \
        -e 's/^gamma = .*/gamma = 1.2/' -e 's/^n_max = .*/n_max = 4/' -e 's/^alpha = .*/alpha = 100/' \
        -e 's/^beta = .*/beta = 0/' -e 's/^value = .*/value = "uniform(60, 120)"/' \
        -e 's/^miss_penalty = .*/miss_penalty = 40/' -e 's/^reconfig_s = .*/reconfig_s = 300/' "$base"
  fi
  if [ "$smoke" = "--smoke" ]; then
    sed -i -e "s/^scenarios = .*/scenarios = 2/" -e "s/^rounds = .*/rounds = 8/" "$base"
  fi
  scenarios=$(sed -n 's/^scenarios = \([0-9]*\).*/\1/p' "$base")
  stride=$(sed -n 's/^scenario_stride = \([0-9]*\).*/\1/p' "$base")
  "$bin" traces synth --kind synthetic --seed 2026 --param n_slots=$((scenarios * stride)) "${market_params[@]}" \
    --out "$dir/market.h5" >> "$work/log"
  "$py" "$here/make_decoy.py" "$dir/market.h5" "$dir/decoy.h5"
  sed -i -e "s#\"MARKET.h5\"#\"$dir/market.h5\"#" -e "s/^eps = .*/eps = [${eps_list// /, }]/" "$base"
  # Every member at every eps, and OPT: the CHC and PF lines and the reference.
  "$bin" sweep --pool "$base" --output "$dir/sweep.h5" --per-scenario --opt-buckets "$buckets" >> "$work/log" 2>&1
  # The decoy condition: CHC at eps 0 reading the decoy's forecasts.
  sed -e "s/^eps = .*/eps = [0]/" -e "s#^trace = .*#&\nforecast_trace = \"$dir/decoy.h5\"#" "$base" > "$dir/decoy.toml"
  "$bin" sweep --pool "$dir/decoy.toml" --output "$dir/sweep_decoy.h5" --per-scenario --opt-buckets 0 >> "$work/log" 2>&1
  "$bin" select --pool "$dir/decoy.toml" --output "$dir/select_decoy.h5" --opt-buckets 0 >> "$work/log" 2>&1
  args=("$setting" "$dir/sweep.h5" "$dir/sweep_decoy.h5" "$dir/select_decoy.h5")
  for eps in $eps_list; do
    sed -e "s/^eps = .*/eps = [$eps]/" "$base" > "$dir/eps_$eps.toml"
    "$bin" select --pool "$dir/eps_$eps.toml" --output "$dir/select_$eps.h5" --opt-buckets 0 >> "$work/log" 2>&1
    args+=("$eps=$dir/select_$eps.h5")
  done
  specs+=("$(IFS='|'; echo "${args[*]}")")
done
"$py" "$here/plot.py" "$out/c_prediction_error.png" "$out/c_prediction_error.md" "${specs[@]}"
cat "$out/c_prediction_error.md"
