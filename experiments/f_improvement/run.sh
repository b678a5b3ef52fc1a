#!/usr/bin/env bash
# Experiment (f): the selector's relative utility improvement over each baseline, over
# 3 markets x 2 jobs; the largest per baseline is the number to set beside the paper's 54.8 %.
#   bash experiments/f_improvement/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copied to docs/figures by hand: f_improvement.png, f_improvement.md); about 2.5 minutes on 2 cores.
# --smoke: the synthetic market and the V100 us-east-2b trace, loose job only, 2 scenarios x
# 6 rounds, OPT on 32 buckets, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
markets="synthetic v100_us-east-1a v100_us-east-2b" jobs="loose tight"
if [ "$smoke" = "--smoke" ]; then markets="synthetic v100_us-east-2b" jobs="loose"; fi
# drop_tables FILE NAME...: FILE without the [pool.NAME] tables.
drop_tables() {
  local file=$1; shift
  local names; names=$(IFS='|'; echo "$*")
  awk -v re="^\\\\[pool\\\\.($names)\\\\]" '/^\[/ { skip = ($0 ~ re) } !skip' "$file"
}
specs=()
for market in $markets; do
  for job in $jobs; do
    name="${market}_$job"
    toml="$work/$name.toml"
    cp "$here/config.toml" "$toml"
    if [ "$smoke" = "--smoke" ]; then
      sed -i -e "s/^scenarios = [0-9]*/scenarios = 2/" -e "s/^rounds = [0-9]*/rounds = 6/" "$toml"
    fi
    if [ "$job" = tight ]; then
      sed -i -e 's/^work = .*/work = "uniform(3e6, 6e6)"/' -e 's/^deadline_h = .*/deadline_h = 5/' \
          -e 's/^gamma = .*/gamma = 1.2/' -e 's/^n_max = .*/n_max = 4/' -e 's/^alpha = .*/alpha = 100/' \
          -e 's/^beta = .*/beta = 0/' -e 's/^value = .*/value = "uniform(60, 120)"/' \
          -e 's/^miss_penalty = .*/miss_penalty = 40/' -e 's/^reconfig_s = .*/reconfig_s = 300/' "$toml"
    fi
    if [ "$market" = synthetic ]; then
      trace="$work/synthetic.h5"
      if ! [ -f "$trace" ]; then
        scenarios=$(sed -n 's/^scenarios = \([0-9]*\).*/\1/p' "$toml")
        stride=$(sed -n 's/^scenario_stride = \([0-9]*\).*/\1/p' "$toml")
        "$bin" traces synth --kind synthetic --seed 2026 --param n_slots=$((scenarios * stride)) \
          --param availability_model=markov_modulated --param capacity=16 --out "$trace" >> "$work/log"
      fi
    else
      trace="$root/data/$market.h5"
    fi
    sed -i -e "s#^trace = .*#trace = \"$trace\"#" "$toml"
    # The selector over CHC + PF; the baselines and PF (and OPT) swept on the same jobs.
    drop_tables "$toml" on_demand greedy uniform_progress > "$work/${name}_select.toml"
    drop_tables "$toml" chc > "$work/${name}_sweep.toml"
    "$bin" select --pool "$work/${name}_select.toml" --output "$work/${name}_select.h5" --opt-buckets 0 \
      > "$work/${name}_select.txt" 2>> "$work/log"
    "$bin" sweep --pool "$work/${name}_sweep.toml" --output "$work/${name}_sweep.h5" --per-scenario \
      --opt-buckets "$buckets" > "$work/${name}_sweep.txt" 2>> "$work/log"
    specs+=("$market:$job=$work/${name}_select.h5,$work/${name}_sweep.h5")
  done
done
"$py" "$here/table.py" "$out/f_improvement.png" "$out/f_improvement.md" "${specs[@]}"
cat "$out/f_improvement.md"
