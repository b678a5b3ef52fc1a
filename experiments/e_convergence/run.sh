#!/usr/bin/env bash
# Experiment (e): the online selector's convergence over rounds, for every learner with the
# jobs' results fed back when each job ends (the default) and, for the full-information
# learners, without delay; on the real V100 us-east-1a trace and on a synthetic market.
#   bash experiments/e_convergence/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copied to docs/figures by hand: e_convergence.png,
# e_convergence.md); about 7 minutes on 2 cores. --smoke: 2 scenarios x 12 rounds, OPT on 32
# buckets, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
specs=()
# Learner, feedback delay and Hedge's rate schedule of each run; the first (the default learner)
# also computes OPT.
runs="flipflop:finish:fixed adahedge:finish:fixed hedge:finish:fixed hedge:finish:anytime
exp3:finish:fixed exp3-ada:finish:fixed flipflop:none:fixed adahedge:none:fixed hedge:none:fixed
hedge:none:anytime"
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
  buckets_now=$buckets
  files=()
  for spec in $runs; do
    IFS=: read -r learner delay eta <<<"$spec"
    file="$work/${market}_${learner}_${delay}_$eta.h5"
    "$bin" select --pool "$toml" --output "$file" --learner "$learner" --feedback-delay "$delay" \
      --eta "$eta" --opt-buckets "$buckets_now" > /dev/null 2>> "$work/log"
    buckets_now=0  # OPT once: every run plays the same jobs
    files+=("$file")
  done
  specs+=("$market=$(IFS=,; echo "${files[*]}")")
done
"$py" "$here/plot.py" "$out/e_convergence.png" "$out/e_convergence.md" "${specs[@]}"
cat "$out/e_convergence.md"
