#!/usr/bin/env bash
# Instructions per policy-slot step of the CPU sweep on a real trace, per simple family: the
# companion of bench_callgrind.sh (whose synthetic bench market changes price every slot) for
# markets with long runs of unchanged price and availability, where the simulator's
# fast-forward applies (docs/model.md §3, "Fast-forward"; docs/BENCHMARKS.md). Each family's
# pool runs the workload and job of experiments/pools/pf_small.toml (8 windows × 10 jobs of
# 3–6 M samples, d = 6 h, γ = 1.5, N ∈ [1, 4], R = 300 s) on TRACE, OPT off, one thread;
# callgrind counts what runs inside run_sweep.
# Usage: bench_callgrind_trace.sh SPOTSWEEP [TRACE] (default data/v100_us-east-2b.h5)
set -euo pipefail
spotsweep=$1
root=$(cd "$(dirname "$0")/.." && pwd)
trace=$(realpath "${2:-$root/data/v100_us-east-2b.h5}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
declare -A axes=(
  [on_demand]='n_gpus = [0, 1, 2, 4]'
  [greedy]='deadline_factor = [0.8, 0.9, 1.0]'
  [uniform_progress]='deadline_factor = [0.8, 0.9, 1.0]'
  [pf]=$'theta = [0.3, 0.5, 0.7, 0.9]\nkappa = "[0.6:1.0:0.2]"\nrho = [1, 1.5, 2]\nhysteresis = [0, 0.05]'
  [only_spot]='n_gpus = [0, 1]')
echo "trace: $trace"
printf '%-18s %14s %14s %12s\n' family instructions steps per_step
for f in on_demand greedy uniform_progress pf only_spot; do
  cat >"$tmp/pool.toml" <<POOL
[pool.$f]
${axes[$f]}

[workload]
trace = "$trace"
scenarios = 8
scenario_stride = 2000
rounds = 10
round_stride = 40
seed = 42

[job]
work = "uniform(3e6, 6e6)"
deadline_h = 6
gamma = 1.5
n_min = 1
n_max = 4
alpha = 100
beta = 0
value = "uniform(60, 120)"
value_shape = "linear"
miss_penalty = 40
reconfig_s = 300
POOL
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" --toggle-collect='spotsweep::run_sweep(*' \
    "$spotsweep" sweep --pool "$tmp/pool.toml" --output "$tmp/out.h5" --backend cpu --threads 1 \
    --opt-buckets 0 >"$tmp/sweep.out" 2>"$tmp/valgrind.err"
  ir=$(callgrind_annotate "$tmp/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')  # reads to the end: an early exit would fail the pipe (pipefail)
  steps=$(grep -o '[0-9]* policy-slot steps' "$tmp/sweep.out" | awk '{print $1}')
  printf '%-18s %14s %14s %12.1f\n' "$f" "$ir" "$steps" "$(echo "$ir / $steps" | bc -l)"
done
