#!/usr/bin/env bash
# Experiment (b): utility of every method (on-demand, Greedy, Uniform Progress, PF, CHC, OPT)
# for a Llama-2-7B-like and a ChatGLM3-6B-like fine-tuning job, on the synthetic market and
# the real V100 us-east-2b trace. fit.py gives H(n); config.toml is the shared sweep.
#   bash experiments/b_methods/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copied to docs/figures by hand: b_methods.png, b_methods.md); about 1 minute on 2 cores.
# --smoke: 2 scenarios x 2 rounds, synthetic market only, OPT on 32 buckets, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
markets="synthetic v100_us-east-2b"
if [ "$smoke" = "--smoke" ]; then markets="synthetic"; fi
files=()
while read -r name alpha beta; do
  # Work: 3-5 h on 8 on-demand GPUs, whatever the throughput.
  h8=$("$py" -c "print($alpha * 8 + $beta)")
  lo=$("$py" -c "print(round(3 * 3600 * $h8))")
  hi=$("$py" -c "print(round(5 * 3600 * $h8))")
  for market in $markets; do
    toml="$work/${name}_${market}.toml"
    sed -e "s/\"WORK\"/\"uniform($lo, $hi)\"/" -e "s/ALPHA/$alpha/" -e "s/BETA/$beta/" \
        -e "s#\"../../data/#\"$root/data/#" "$here/config.toml" > "$toml"
    if [ "$market" = "v100_us-east-2b" ]; then
      # 195 s ticks: a 24-slot CHC window is 78 min; scenarios 1500 slots apart.
      sed -i -e "s#synthetic_mm16_s42_c0.h5#v100_us-east-2b.h5#" -e "s/^scenario_stride = 250/scenario_stride = 1500/" "$toml"
    fi
    if [ "$smoke" = "--smoke" ]; then
      sed -i -e "s/^scenarios = 12/scenarios = 2/" -e "s/^rounds = 10/rounds = 2/" "$toml"
    fi
    "$bin" sweep --pool "$toml" --output "$work/${name}_${market}.h5" --per-scenario --opt-buckets "$buckets" \
      > "$work/${name}_${market}.txt" 2> /dev/null
    files+=("$name:$market=$work/${name}_${market}.h5")
  done
done < <("$py" "$here/fit.py")
"$py" "$here/plot.py" "$out/b_methods.png" "$out/b_methods.md" "${files[@]}"
cat "$out/b_methods.md"
