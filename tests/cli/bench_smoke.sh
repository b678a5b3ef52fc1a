#!/usr/bin/env bash
# `spotsweep bench` on a tiny workload for every family: each prints its row with steps > 0 and
# a finite rate, and its pool passes the pool table's rules (bench_pool checks them, so a
# family timed with out-of-range parameters, as CHC once was with w = 0, is an error here).
# Usage: bench_smoke.sh SPOTSWEEP REPO_ROOT SCRATCH
set -u
spotsweep=$1; repo=$2; tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp"
# shellcheck source=../support/expect_error.sh
source "$repo/tests/support/expect_error.sh"
"$spotsweep" bench --family all --backend cpu --members 3 --scenarios 1 --rounds 1 --repeats 1 \
  >"$tmp/out" 2>"$tmp/err" || fail "bench exited $?: $(cat "$tmp/err")"
cat "$tmp/out"
for family in on_demand greedy uniform_progress pf chc only_spot; do
  awk -v f="$family" '$1 == f && $2 == "cpu" && $3 == 3 && $6 > 0 && $8 > 0 { found = 1 } END { exit !found }' \
    "$tmp/out" || fail "no row with steps > 0 for $family"
done
# The Lagrangian CHC planner gets its own row label.
"$spotsweep" bench --family chc --lagrange-iters 2 --backend cpu --members 3 --scenarios 1 --rounds 1 \
  --repeats 1 >"$tmp/lagrange" 2>"$tmp/err" || fail "bench --lagrange-iters 2 exited $?: $(cat "$tmp/err")"
cat "$tmp/lagrange"
awk '$1 == "chc/lagrange=2" && $2 == "cpu" && $6 > 0 && $8 > 0 { found = 1 } END { exit !found }' \
  "$tmp/lagrange" || fail "no chc/lagrange=2 row with steps > 0"
finish bench_smoke
