#!/usr/bin/env bash
# Experiment (e): the online selector's convergence over rounds, with full feedback (Hedge) and
# bandit feedback (EXP3), on the real V100 us-east-1a trace and on a synthetic market.
#   bash experiments/e_convergence/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copied to docs/figures by hand: e_convergence.png, e_convergence.md); about 2.5 minutes on
# 2 cores. --smoke: 2 scenarios x 12 rounds, OPT on 32 buckets, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
specs=()
for market in v100_us-east-1a synthetic; do
  toml="$work/$market.toml"
  sed -e "s#\"../../data/#\"$root/data/#" "$here/config.toml" > "$toml"
  if [ "$smoke" = "--smoke" ]; then
    sed -i -e "s/^scenarios = [0-9]*/scenarios = 2/" -e "s/^rounds = [0-9]*/rounds = 12/" "$toml"
  fi
  if [ "$market" = synthetic ]; then
    scenarios=$(sed -n 's/^scenarios = \([0-9]*\).*/\1/p' "$toml")
    stride=$(sed -n 's/^scenario_stride = \([0-9]*\).*/\1/p' "$toml")
    "$bin" traces synth --kind synthetic --seed 2026 --param n_slots=$((scenarios * stride)) \
      --param availability_model=markov_modulated --param capacity=16 --out "$work/synthetic.h5" >> "$work/log"
    sed -i -e "s#^trace = .*#trace = \"$work/synthetic.h5\"#" "$toml"
  fi
  # OPT once (with Hedge): both runs play the same jobs.
  "$bin" select --pool "$toml" --output "$work/${market}_full.h5" --feedback full --opt-buckets "$buckets" \
    > "$work/${market}_full.txt" 2>> "$work/log"
  "$bin" select --pool "$toml" --output "$work/${market}_bandit.h5" --feedback bandit --opt-buckets 0 \
    > "$work/${market}_bandit.txt" 2>> "$work/log"
  specs+=("$market=$work/${market}_full.h5,$work/${market}_bandit.h5")
done
"$py" "$here/plot.py" "$out/e_convergence.png" "$out/e_convergence.md" "${specs[@]}"
cat "$out/e_convergence.md"
