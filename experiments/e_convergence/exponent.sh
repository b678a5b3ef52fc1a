#!/usr/bin/env bash
# Experiment (e), the regret exponent: how the regret at the horizon grows with T = 100, 300,
# 1000, 3000 jobs, as the fitted slope of log regret against log T (O(sqrt T) is 0.5; a
# selector that never learns, 1). Two settings:
#  - (e)'s pool and synthetic market (4 scenarios, seed 2026), with and without delay. AdaHedge
#    and FlipFlop do not depend on T, so one run of T = 3000 gives their regret at every T (its
#    prefix; the script checks that against a run of T = 100); fixed-η Hedge, tuned to T, runs
#    once per T;
#  - the stress suite's pool (experiments/stress/small.toml) against its stationary market, the
#    regime flip (period 640 slots) and the adaptive adversary, market seed 1, one run per T
#    (the markets are drawn as long as the rounds need, so a shorter run is not a prefix).
#   bash experiments/e_convergence/exponent.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR gets e_exponent.png and e_exponent.md; about 5 minutes on 2 cores.
# --smoke: T = 10, 20, 40 on 2 scenarios.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
horizons="100 300 1000 3000" scenarios=4
if [ "$smoke" = "--smoke" ]; then horizons="10 20 40" scenarios=2; fi
longest=${horizons##* }
shortest=${horizons%% *}
toml="$work/exponent.toml"
sed -e "s/^scenarios = [0-9]*/scenarios = $scenarios/" "$here/config.toml" > "$toml"
stride=$(( 4 * longest + 100 ))  # a job every 4 slots, plus the longest horizon (54 slots)
sed -i -e "s/^scenario_stride = [0-9]*/scenario_stride = $stride/" "$toml"
"$bin" traces synth --kind synthetic --seed 2026 --param n_slots=$((scenarios * stride)) \
  --param availability_model=markov_modulated --param capacity=16 --out "$work/synthetic.h5" >> "$work/log"
sed -i -e "s#^trace = .*#trace = \"$work/synthetic.h5\"#" "$toml"
# select T LEARNER DELAY: one run of T rounds, its file named for the table.
select_run() {
  sed -e "s/^rounds = [0-9]*/rounds = $1/" "$toml" > "$work/T$1.toml"
  "$bin" select --pool "$work/T$1.toml" --output "$work/$2_$3_T$1.h5" --learner "$2" \
    --feedback-delay "$3" --opt-buckets 0 > /dev/null 2>> "$work/log"
}
specs=()
for run in adahedge:finish flipflop:finish adahedge:none flipflop:none; do
  IFS=: read -r learner delay <<<"$run"
  select_run "$longest" "$learner" "$delay"
  specs+=("$learner:$delay:prefix=$work/${learner}_${delay}_T$longest.h5")
done
select_run "$shortest" adahedge finish  # the prefix check
specs+=("adahedge:finish:check=$work/adahedge_finish_T$shortest.h5")
for T in $horizons; do
  select_run "$T" hedge finish
  specs+=("hedge:finish:$T=$work/hedge_finish_T$T.h5")
done
cp "$root/experiments/stress/small.toml" "$work/stress.toml"
if [ "$smoke" = "--smoke" ]; then sed -i -e "s/^scenarios = [0-9]*/scenarios = 2/" "$work/stress.toml"; fi
for learner in flipflop adahedge hedge; do
  for T in $horizons; do
    sed -i -e "s/^rounds = [0-9]*/rounds = $T/" "$work/stress.toml"
    "$bin" stress --pool "$work/stress.toml" --output "$work/stress_${learner}_T$T.h5" --learner "$learner" \
      --adversaries regime_flip,adaptive --param regime_flip.period_slots=640 --seeds 1 --opt-buckets 0 \
      > /dev/null 2>> "$work/log"
    specs+=("$learner:stress:$T=$work/stress_${learner}_T$T.h5")
  done
done
"$py" "$here/exponent.py" "$out/e_exponent.png" "$out/e_exponent.md" "$horizons" "${specs[@]}"
cat "$out/e_exponent.md"
