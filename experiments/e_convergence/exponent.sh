#!/usr/bin/env bash
# Experiment (e), the regret exponent over 5 seeds: how the regret at the horizon grows with
# T = 100, 300, 1000, 3000 jobs, as the fitted slope of log mean regret against log T (O(sqrt T)
# is 0.5; a selector that never learns, 1), with a cluster-bootstrap 95 % interval over the
# (seed, scenario) clusters (exponent.py). Two settings:
#  - (e)'s pool on fresh synthetic markets (the model of (e)'s run.sh, `synthetic = true`: a
#    market per (seed, scenario)), workload seeds 11-15 x 4 scenarios, with and without delay.
#    AdaHedge and FlipFlop do not depend on T, so one run of T = 3000 gives their regret at every
#    T (its prefix; the script checks that against a run of T = 100 on every seed); fixed-η
#    Hedge, tuned to T, runs once per T;
#  - the stress suite's pool (experiments/stress/small.toml) against its stationary market, the
#    regime flip (period 640 slots) and the adaptive adversary, seeds 1-5 (seed s: market seed s
#    and workload seed s, so markets and job draws are both independent) x 2 scenarios, one run
#    per T (the markets are drawn as long as the rounds need, so a shorter run is not a prefix).
#   bash experiments/e_convergence/exponent.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR gets e_exponent.png and e_exponent.md; about 13 minutes on 2 loaded cores (load 4-7).
# --smoke: T = 10, 20, 40 on 2 seeds x 2 scenarios per setting.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
horizons="100 300 1000 3000" scenarios=4 seeds="11 12 13 14 15"
stress_scenarios=2 stress_seeds="1 2 3 4 5"
if [ "$smoke" = "--smoke" ]; then
  horizons="10 20 40" scenarios=2 seeds="11 12" stress_seeds="1 2"
fi
longest=${horizons##* }
shortest=${horizons%% *}
toml="$work/exponent.toml"
stride=$(( 4 * longest + 100 ))  # a job every 4 slots, plus the longest horizon (54 slots)
# A fresh market per (seed, scenario), 200 slots of burn-in, the same for every T (the markets
# are drawn slot by slot, docs/synthetic.md, so a shorter run sees the same market).
sed -e "s/^scenarios = [0-9]*/scenarios = $scenarios/" -e "s/^scenario_stride = [0-9]*/scenario_stride = $stride/" \
  -e 's#^trace = .*#synthetic = true\nfirst_slot = 200#' "$here/config.toml" > "$toml"
printf '\n[synthetic]\nn_slots = %d\ntick_seconds = 600\ncapacity = 16\navailability_model = "markov_modulated"\n' \
  $((200 + stride)) >> "$toml"
# select_run T LEARNER DELAY SEED: one run of T rounds, its file named for the table.
select_run() {
  sed -e "s/^rounds = [0-9]*/rounds = $1/" "$toml" > "$work/T$1.toml"
  "$bin" select --pool "$work/T$1.toml" --output "$work/$2_$3_s$4_T$1.h5" --learner "$2" \
    --feedback-delay "$3" --seed "$4" --opt-buckets 0 > /dev/null 2>> "$work/log"
}
specs=()
for seed in $seeds; do
  for run in adahedge:finish flipflop:finish adahedge:none flipflop:none; do
    IFS=: read -r learner delay <<<"$run"
    select_run "$longest" "$learner" "$delay" "$seed"
    specs+=("$learner:$delay:prefix:$seed=$work/${learner}_${delay}_s${seed}_T$longest.h5")
  done
  select_run "$shortest" adahedge finish "$seed"  # the prefix check
  specs+=("adahedge:finish:check:$seed=$work/adahedge_finish_s${seed}_T$shortest.h5")
  for T in $horizons; do
    select_run "$T" hedge finish "$seed"
    specs+=("hedge:finish:$T:$seed=$work/hedge_finish_s${seed}_T$T.h5")
  done
done
sed -e "s/^scenarios = [0-9]*/scenarios = $stress_scenarios/" "$root/experiments/stress/small.toml" > "$work/stress.toml"
for seed in $stress_seeds; do
  for learner in flipflop adahedge hedge; do
    for T in $horizons; do
      sed -i -e "s/^rounds = [0-9]*/rounds = $T/" -e "s/^seed = [0-9]*/seed = $seed/" "$work/stress.toml"
      file="$work/stress_${learner}_s${seed}_T$T.h5"
      "$bin" stress --pool "$work/stress.toml" --output "$file" --learner "$learner" \
        --adversaries regime_flip,adaptive --param regime_flip.period_slots=640 --seeds "$seed" \
        --opt-buckets 0 > /dev/null 2>> "$work/log"
      specs+=("$learner:stress:$T:$seed=$file")
    done
  done
done
"$py" "$here/exponent.py" "$out/e_exponent.png" "$out/e_exponent.md" "$horizons" "${specs[@]}"
cat "$out/e_exponent.md"
