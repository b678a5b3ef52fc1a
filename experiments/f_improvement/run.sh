#!/usr/bin/env bash
# Experiment (f): the selector's relative utility improvement over each baseline, paired and with
# bootstrap 95 % intervals over 5 seeds x 4 windows, in 3 markets x 2 jobs. Per setting and seed:
# `spotsweep select` over the pool of config.toml (baselines included), and `spotsweep sweep` of
# the same pool on the same jobs with every member traced and OPT on a fine lattice; table.py
# checks that both saw the same jobs, bootstraps the paired differences (experiments/paired.py)
# and writes f_improvement.md and f_improvement.png.
#   bash experiments/f_improvement/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copy f_improvement.png and f_improvement.md to docs/figures
# by hand); about 15 minutes on 2 loaded cores, most of it OPT for the loose job on the V100
# traces. --smoke: the synthetic market and the V100 us-east-2b trace, loose job, 2 seeds x
# 2 windows x 6 rounds, OPT with 2 steps per slot, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
markets="synthetic v100_us-east-1a v100_us-east-2b" jobs="loose tight" seeds="1 2 3 4 5"
# OPT's step: tick * H(N_min) / 16 (docs/model.md section 5). With beta = 0 (the tight job) a full
# slot is a whole number of steps, so the bracket is about a point; the loose job's beta > 0 leaves
# every slot a remainder with one step (a bracket of about 2 % on the V100 traces), which split
# steps (--opt-split-steps) bring to a few tenths of a per cent. The bracket is reported beside
# every ratio.
opt_resolution=16
if [ "$smoke" = "--smoke" ]; then
  markets="synthetic v100_us-east-2b" jobs="loose" seeds="1 2" opt_resolution=2
fi
members=$(seq -s, 0 13)  # every member: 2 CHC, 9 PF, on-demand, Greedy, Uniform Progress
specs=()
for market in $markets; do
  for job in $jobs; do
    name="${market}_$job"
    base="$work/$name.toml"
    cp "$here/config.toml" "$base"
    if [ "$smoke" = "--smoke" ]; then
      sed -i -e "s/^scenarios = [0-9]*/scenarios = 2/" -e "s/^rounds = [0-9]*/rounds = 6/" "$base"
    fi
    if [ "$job" = tight ]; then
      sed -i -e 's/^work = .*/work = "uniform(3e6, 6e6)"/' -e 's/^deadline_h = .*/deadline_h = 5/' \
          -e 's/^gamma = .*/gamma = 1.2/' -e 's/^n_max = .*/n_max = 4/' -e 's/^alpha = .*/alpha = 100/' \
          -e 's/^beta = .*/beta = 0/' -e 's/^value = .*/value = "uniform(60, 120)"/' \
          -e 's/^miss_penalty = .*/miss_penalty = 40/' -e 's/^reconfig_s = .*/reconfig_s = 300/' "$base"
    fi
    scenarios=$(sed -n 's/^scenarios = \([0-9]*\).*/\1/p' "$base")
    stride=$(sed -n 's/^scenario_stride = \([0-9]*\).*/\1/p' "$base")
    files=()
    for seed in $seeds; do
      toml="$work/${name}_$seed.toml"
      sed -e "s/^seed = .*/seed = $seed/" "$base" > "$toml"
      if [ "$market" = synthetic ]; then
        # A fresh market per (seed, window): the model of data/synthetic_mm16_s42_c0.h5, 200 slots
        # of burn-in before the window.
        sed -i -e 's#^trace = .*#synthetic = true#' -e 's/^first_slot = .*/first_slot = 200/' "$toml"
        printf '\n[synthetic]\nn_slots = %d\ntick_seconds = 600\ncapacity = 16\navailability_model = "markov_modulated"\n' \
          $((200 + stride)) >> "$toml"
      else
        sed -i -e "s#^trace = .*#trace = \"$root/data/$market.h5\"#" \
            -e "s/^first_slot = .*/first_slot = $(((seed - 1) * scenarios * stride))/" "$toml"
      fi
      "$bin" select --pool "$toml" --output "$work/${name}_${seed}_select.h5" --opt-buckets 0 \
        > "$work/${name}_${seed}_select.txt" 2>> "$work/log"
      "$bin" sweep --pool "$toml" --output "$work/${name}_${seed}_sweep.h5" --trace-members "$members" \
        --opt-resolution "$opt_resolution" --opt-split-steps > "$work/${name}_${seed}_sweep.txt" 2>> "$work/log"
      files+=("$work/${name}_${seed}_select.h5+$work/${name}_${seed}_sweep.h5")
    done
    specs+=("$market:$job=$(IFS=,; echo "${files[*]}")")
  done
done
"$py" "$here/table.py" "$out/f_improvement.png" "$out/f_improvement.md" "${specs[@]}"
cat "$out/f_improvement.md"
