#!/usr/bin/env bash
# Instructions per policy-slot step of the CPU sweep, per family (docs/BENCHMARKS.md): the
# noise-free companion of `spotsweep bench`'s wall-clock figures on a shared host. Counts what
# runs inside run_sweep, the backend dispatch (plan building and synthetic markets left out) for a small bench
# pool on one thread, and divides by the steps the bench reports.
# Usage: bench_callgrind.sh SPOTSWEEP [FAMILY...] (default: every family; chc also with
# --lagrange-iters 1). Extra bench options go in BENCH_ARGS, e.g. BENCH_ARGS="--members 64".
set -euo pipefail
spotsweep=$1; shift
families=("$@")
[ ${#families[@]} -gt 0 ] || families=(on_demand greedy uniform_progress pf only_spot chc chc/lagrange=1)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%-18s %14s %14s %12s\n' family instructions steps per_step
for f in "${families[@]}"; do
  args=(--family "${f%%/*}" --backend cpu --threads 1 --repeats 1)
  case $f in
    chc/lagrange=*) args+=(--lagrange-iters "${f#*=}" --members 16 --scenarios 2 --rounds 2) ;;
    chc) args+=(--members 352 --scenarios 1 --rounds 2) ;;  # one planning key (bench_pool)
    *) args+=(--members 256 --scenarios 2 --rounds 4) ;;
  esac
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" --toggle-collect='spotsweep::run_sweep(*' \
    "$spotsweep" bench "${args[@]}" ${BENCH_ARGS:-} >"$tmp/bench.out" 2>"$tmp/valgrind.err"
  ir=$(callgrind_annotate "$tmp/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  steps=$(awk 'NR == 2 {print $7}' "$tmp/bench.out")  # family back members keys scen rounds steps
  printf '%-18s %14s %14s %12.1f\n' "$f" "$ir" "$steps" "$(echo "$ir / $steps" | bc -l)"
done
