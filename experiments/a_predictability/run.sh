#!/usr/bin/env bash
# Experiment (a): forecast skill against lookahead, with cluster-bootstrap 95 % intervals: the two
# real V100 traces split into 8 disjoint windows each (windows.py), and 5 synthetic markets
# (experiments/common.sh's model, seeds 2026-2030) split into 4 windows each; `spotsweep predict`
# scores each window, and plot.py bootstraps the skill over the windows.
#   bash experiments/a_predictability/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copy a_predictability.png and a_predictability.md to
# docs/figures by hand); about 1 minute on 2 cores.
# --smoke: the V100 us-east-2b trace only, 5 windows, lookahead window 8, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
real=(v100_us-east-1a v100_us-east-2b) real_windows=8 synth_seeds="2026 2027 2028 2029 2030" synth_windows=4
extra=() window=64
if [ "$smoke" = "--smoke" ]; then
  real=(v100_us-east-2b) real_windows=5 synth_seeds="" extra=(--window 8) window=8
fi
warmup=$(sed -n 's/^warmup-days = \([0-9.]*\).*/\1/p' "$here/config.toml")
specs=()
# predict_windows LABEL TRACE N: N disjoint windows of TRACE, each scored by predict.
predict_windows() {
  local label=$1 trace=$2 n=$3 stem
  stem="$work/$(basename "$trace" .h5)"
  while read -r sub days _ _; do
    "$bin" --config "$here/config.toml" predict "$sub" "${extra[@]}" --warmup-days "$days" \
      --output "${sub%.h5}.csv" > "${sub%.h5}.txt" 2>> "$work/log"
    specs+=("$label=$sub=${sub%.h5}.csv")
  done < <("$py" "$here/windows.py" "$trace" "$n" "$window" "$warmup" "$stem")
}
for market in "${real[@]}"; do
  predict_windows "$market.h5" "$root/data/$market.h5" "$real_windows"
done
for seed in $synth_seeds; do
  "$bin" traces synth --kind synthetic --seed "$seed" --param n_slots=12000 \
    --param availability_model=markov_modulated --param capacity=16 \
    --out "$work/synthetic_s$seed.h5" >> "$work/log"
  predict_windows "synthetic (seeds 2026-2030)" "$work/synthetic_s$seed.h5" "$synth_windows"
done
"$py" "$here/plot.py" "$out/a_predictability.png" "$out/a_predictability.md" "${specs[@]}"
cat "$out/a_predictability.md"
