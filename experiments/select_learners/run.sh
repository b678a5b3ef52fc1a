#!/usr/bin/env bash
# The learners compared (docs/select.md, "Choosing the default learner"): every full-information
# learner with delayed feedback (the default) on experiment (e)'s two markets, select_small, an
# unseen workload of its shape (select_unseen) and the stress suite (experiments/stress/small.toml),
# over several workload (or market) seeds; then the bandit learners and the runs without delay
# on select_small and select_unseen. table.py pairs the learners on the same (seed, scenario)
# units and bootstraps 95 % intervals of the differences.
#   bash experiments/select_learners/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: about 8 minutes on 2 cores; writes OUT_DIR/select_learners.md.
# --smoke: select_small and the stress suite only, 2 seeds, shortened, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
full="adahedge flipflop hedge"
bandit="exp3 exp3-ada"
specs=()
# run NAME TOML SEED LEARNER DELAY: one `spotsweep select`, its file named for the table.
run() {
  local name=$1 toml=$2 seed=$3 learner=$4 delay=$5
  local file="$work/${name}__${learner}__${delay}__$seed.h5"
  "$bin" select --pool "$toml" --output "$file" --learner "$learner" --feedback-delay "$delay" \
    --seed "$seed" --opt-buckets 0 > /dev/null 2>> "$work/log"
  specs+=("$name:$learner:$delay:$seed=$file")
}
shrink() {  # --smoke: fewer scenarios and rounds
  if [ "$smoke" = "--smoke" ]; then
    sed -i -e "s/^scenarios = [0-9]*/scenarios = 2/" -e "s/^rounds = [0-9]*/rounds = $2/" "$1"
  fi
}

workloads="select_small select_unseen e_v100 e_synthetic"
seeds_small="7 8 9 10 11" seeds_unseen="23 24 25 26 27" seeds_e="11 12"
if [ "$smoke" = "--smoke" ]; then workloads="select_small" seeds_small="7 8"; fi
for name in $workloads; do
  toml="$work/$name.toml"
  case $name in
    select_small | select_unseen)
      sed -e "s#\"../../data/#\"$root/data/#" "$root/experiments/pools/$name.toml" > "$toml"
      shrink "$toml" 24 ;;
    e_v100) sed -e "s#\"../../data/#\"$root/data/#" "$root/experiments/e_convergence/config.toml" > "$toml" ;;
    e_synthetic)
      sed -e "s#\"../../data/#\"$root/data/#" "$root/experiments/e_convergence/config.toml" > "$toml"
      # (e)'s synthetic market: data/synthetic_mm16_s42_c0.h5's model, seed 2026 (as e's run.sh).
      slots=$(( $(sed -n 's/^scenarios = \([0-9]*\).*/\1/p' "$toml") * $(sed -n 's/^scenario_stride = \([0-9]*\).*/\1/p' "$toml") ))
      "$bin" traces synth --kind synthetic --seed 2026 --param n_slots=$slots \
        --param availability_model=markov_modulated --param capacity=16 --out "$work/synthetic.h5" >> "$work/log"
      sed -i -e "s#^trace = .*#trace = \"$work/synthetic.h5\"#" "$toml" ;;
  esac
  case $name in
    select_small) seeds=$seeds_small ;; select_unseen) seeds=$seeds_unseen ;; *) seeds=$seeds_e ;;
  esac
  for seed in $seeds; do
    for learner in $full; do run "$name" "$toml" "$seed" "$learner" finish; done
    case $name in
      select_small | select_unseen)
        for learner in $full; do run "$name" "$toml" "$seed" "$learner" none; done
        for learner in $bandit; do run "$name" "$toml" "$seed" "$learner" finish; done ;;
    esac
  done
done

# The stress suite: every adversary, market seeds 1-3 (the suite's [workload] seed keys the jobs).
cp "$root/experiments/stress/small.toml" "$work/stress.toml"
stress_seeds=1,2,3
if [ "$smoke" = "--smoke" ]; then
  shrink "$work/stress.toml" 20
  sed -i -e 's/^period_slots = .*/period_slots = [160]/' "$work/stress.toml"
  stress_seeds=1,2
fi
for learner in $full; do
  "$bin" stress --pool "$work/stress.toml" --output "$work/stress__$learner.h5" --learner "$learner" \
    --seeds "$stress_seeds" --opt-buckets 0 > /dev/null 2>> "$work/log"
  specs+=("stress:$learner:finish:stress=$work/stress__$learner.h5")
done

"$py" "$here/table.py" "$out/select_learners.md" "${specs[@]}"
cat "$out/select_learners.md"
