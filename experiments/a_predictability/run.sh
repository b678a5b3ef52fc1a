#!/usr/bin/env bash
# Experiment (a): forecast error against lookahead on the shipped real traces (and the shipped
# synthetic market for contrast), one figure and one markdown table.
#   bash experiments/a_predictability/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copied to docs/figures by hand: a_predictability.png, a_predictability.md); about 2 s.
# --smoke: one trace, window 8, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
traces=("$root/data/v100_us-east-1a.h5" "$root/data/v100_us-east-2b.h5" "$root/data/synthetic_mm16_s42_c0.h5")
extra=()
if [ "$smoke" = "--smoke" ]; then
  traces=("$root/data/v100_us-east-2b.h5")
  extra=(--window 8)
fi
csvs=()
for trace in "${traces[@]}"; do
  name=$(basename "$trace" .h5)
  "$bin" --config "$here/config.toml" predict "$trace" "${extra[@]}" --output "$work/$name.csv" > "$work/$name.txt"
  csvs+=("$trace=$work/$name.csv")
done
"$py" "$here/plot.py" "$out/a_predictability.png" "$out/a_predictability.md" "${csvs[@]}"
cat "$out/a_predictability.md"
