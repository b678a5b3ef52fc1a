#!/usr/bin/env bash
# Experiment (e): the online selector's regret at T over 5 seeds, with cluster-bootstrap 95 %
# intervals, on (e)'s mixed pool (CHC, PF and the baselines: Greedy, Uniform Progress,
# on-demand), on the real V100 us-east-1a trace and on fresh synthetic markets. Learners: the
# default (FlipFlop) with each job's result fed back when it ends, and without delay, and
# the paper's fixed-eta Hedge. Every run records the uniform mixture's regret against the
# learner's valid bound: a selector that never learns must fail the bound.
#   bash experiments/e_convergence/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copy e_convergence.png and e_convergence.md to docs/figures
# by hand); about 6 minutes on 2 loaded cores. --smoke: 2 seeds x 2 scenarios x 12 rounds, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
seeds="11 12 13 14 15"  # 11 is config.toml's seed, the single-seed run of earlier versions
runs="flipflop:finish:fixed flipflop:none:fixed hedge:finish:fixed"
if [ "$smoke" = "--smoke" ]; then seeds="11 12"; fi
specs=()
for market in v100_us-east-1a synthetic; do
  files=()
  for seed in $seeds; do
    toml="$work/${market}_$seed.toml"
    sed -e "s#\"../../data/#\"$root/data/#" -e "s/^seed = .*/seed = $seed/" "$here/config.toml" > "$toml"
    if [ "$smoke" = "--smoke" ]; then
      sed -i -e "s/^scenarios = [0-9]*/scenarios = 2/" -e "s/^rounds = [0-9]*/rounds = 12/" "$toml"
    fi
    if [ "$market" = synthetic ]; then
      # A fresh market per (seed, window): the model of data/synthetic_mm16_s42_c0.h5, 200 slots
      # of burn-in. (The V100 trace has room for 4 windows of T = 1000 jobs: there the seeds
      # redraw the jobs and forecast noise on the same windows.)
      stride=$(sed -n 's/^scenario_stride = \([0-9]*\).*/\1/p' "$toml")
      sed -i -e 's#^trace = .*#synthetic = true\nfirst_slot = 200#' "$toml"
      printf '\n[synthetic]\nn_slots = %d\ntick_seconds = 600\ncapacity = 16\navailability_model = "markov_modulated"\n' \
        $((200 + stride)) >> "$toml"
    fi
    for spec in $runs; do
      IFS=: read -r learner delay eta <<<"$spec"
      file="$work/${market}_${seed}_${learner}_${delay}_$eta.h5"
      "$bin" select --pool "$toml" --output "$file" --learner "$learner" --feedback-delay "$delay" \
        --eta "$eta" --opt-buckets 0 > /dev/null 2>> "$work/log"
      files+=("$file")
    done
  done
  specs+=("$market=$(IFS=,; echo "${files[*]}")")
done
"$py" "$here/plot.py" "$out/e_convergence.png" "$out/e_convergence.md" "${specs[@]}"
cat "$out/e_convergence.md"
