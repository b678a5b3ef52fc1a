#!/usr/bin/env bash
# The selector's benchmark (docs/select.md): wall time of `spotsweep select` for pools of K PF
# members x S synthetic scenarios x T rounds, OPT off, one line per run.
#   bash experiments/bench_select.sh SPOTSWEEP BACKEND "K..." "T..." [S] [REPEATS]
# e.g. the CPU scaling:   bash experiments/bench_select.sh build/spotsweep cpu "1000 4000 16000" "100 400" 16 3
#      the GPU headline:  bash experiments/bench_select.sh .gpu/bin/spotsweep cuda "1000000" "1000" 16 3
# THREADS=N in the environment caps the CPU threads (default: all); LEARNER and DELAY set
# --learner and --feedback-delay (default: the defaults, FlipFlop fed back when each job ends;
# LEARNER=hedge DELAY=none is closest to the selector before the learners of docs/select.md).
# Prints K, T, S, the median wall seconds of the selector loop (SelectorRun::seconds, as the
# "wrote ..." line prints it), policy-slot steps, steps/s and the memory peaks of the last repeat.
set -euo pipefail
bin=$1 backend=$2 ks=$3 ts=$4 scenarios=${5:-16} repeats=${6:-3}
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
printf "%-9s %-6s %-4s %-10s %-14s %-10s %s\n" K T S median_s steps steps/s memory
for K in $ks; do
  for T in $ts; do
    # A theta axis of exactly K values in (0.2, 1]: the grid is theta x fixed kappa, rho, hysteresis.
    step=$(awk -v k="$K" 'BEGIN { printf "%.12g", 0.8 / k }')
    cat > "$work/pool.toml" <<TOML
[pool.pf]
theta = "[$(awk -v s="$step" 'BEGIN { printf "%.12g", 0.2 + s }'):1:$step]"
kappa = [0.9]
[workload]
synthetic = true
scenarios = $scenarios
rounds = $T
round_stride = 2
seed = 1
[synthetic]
n_slots = $((2 * T + 64))
capacity = 8
[job]
work = "uniform(2e6, 4e6)"
deadline_h = 4
gamma = 1.5
n_min = 1
n_max = 4
alpha = 100
value = "uniform(40, 80)"
miss_penalty = 20
reconfig_s = 300
TOML
    times=()
    for ((i = 0; i < repeats; i++)); do
      "$bin" select --pool "$work/pool.toml" --output "$work/out.h5" --backend "$backend" --opt-buckets 0 \
        --threads "${THREADS:-0}" ${LEARNER:+--learner "$LEARNER"} ${DELAY:+--feedback-delay "$DELAY"} \
        > "$work/stdout" 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
      times+=("$(sed -n 's/^wrote .*: [0-9]* policy-slot steps in \([0-9.]*\) s .*/\1/p' "$work/stdout")")
    done
    median=$(printf "%s\n" "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    steps=$(sed -n 's/^wrote .*: \([0-9]*\) policy-slot steps.*/\1/p' "$work/stdout")
    members=$(sed -n 's/^select: \([0-9]*\) members.*/\1/p' "$work/stderr")
    memory=$(sed -n 's/^memory peaks: //p' "$work/stdout")
    printf "%-9s %-6s %-4s %-10s %-14s %-10.3g %s\n" "$members" "$T" "$scenarios" "$median" "$steps" \
      "$(awk -v s="$steps" -v t="$median" 'BEGIN { print s / t }')" "$memory"
  done
done
