#!/usr/bin/env bash
# Experiment (b): utility of every method (on-demand, Greedy, Uniform Progress, PF default and PF
# tuned, CHC at eps = 0 and 0.2, OPT) for a Llama-2-7B-like and a ChatGLM3-6B-like fine-tuning job
# (fit.py's throughput curves), on the synthetic market of experiments/common.sh (seed 2026) and
# the real V100 us-east-2b trace, paired over 5 seeds x 12 windows with cluster-bootstrap 95 %
# intervals (experiments/paired.py). The PF grid of config.toml (192 members) is tuned on the
# first 6 windows and evaluated on the last 6 (held out). Every member is traced; table.py writes
# b_methods.md and b_methods.png.
#   bash experiments/b_methods/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copy b_methods.png and b_methods.md to docs/figures by
# hand); about 2.5 minutes on 2 cores (3 minutes of CPU), most of it OPT on the V100 trace.
# --smoke: the synthetic market only, 2 seeds x 2 windows x 2 rounds, OPT with 2 steps per slot.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
markets="synthetic v100_us-east-2b" seeds="1,2,3,4,5"
# OPT's step: tick * H(N_min) / 16 (docs/model.md section 5). beta > 0 in both throughput curves,
# so one step leaves every full slot a remainder (a bracket of about 2 % on V100); split steps
# (--opt-split-steps: each bound on the step that rounds least) bring it to a few tenths of a per
# cent. The bracket is reported beside every ratio; --smoke: 2 steps per slot.
opt_resolution=16
if [ "$smoke" = "--smoke" ]; then markets="synthetic" seeds="1,2" opt_resolution=2; fi
members=$(seq -s, 0 198)  # every member: on-demand, Greedy, Uniform Progress, 192 PF, 4 CHC
specs=()
while read -r name alpha beta; do
  # Work: 3-5 h on 8 on-demand GPUs, whatever the throughput.
  h8=$("$py" -c "print($alpha * 8 + $beta)")
  lo=$("$py" -c "print(round(3 * 3600 * $h8))")
  hi=$("$py" -c "print(round(5 * 3600 * $h8))")
  for market in $markets; do
    market_config "$market" 2
    cfg="$work/${name}_$market.toml"
    sed -e "s/\"WORK\"/\"uniform($lo, $hi)\"/" -e "s/ALPHA/$alpha/" -e "s/BETA/$beta/" "$toml" > "$cfg"
    if [ "$market" = v100_us-east-2b ]; then
      # 195 s ticks: 10 jobs 48 slots apart plus a 12 h horizon (222 slots) fit in 1500 slots.
      sed -i -e "s/^scenario_stride = [0-9]*/scenario_stride = 1500/" "$cfg"
    fi
    test "$("$bin" pool info "$cfg" | sed -n 's/^pool: \([0-9]*\) members.*/\1/p')" = 199
    "$bin" sweep --pool "$cfg" -a workload.seed=$seeds --output "$work/${name}_$market.h5" \
      --trace-members "$members" --opt-resolution "$opt_resolution" --opt-split-steps \
      > "$work/${name}_$market.txt" 2>> "$work/log"
    grep -E "OPT \(" "$work/${name}_$market.txt" || true
    specs+=("$name:$market=$work/${name}_$market.h5")
  done
done < <("$py" "$here/fit.py")
"$py" "$here/table.py" "$out" "${specs[@]}"
cat "$out/b_methods.md"
