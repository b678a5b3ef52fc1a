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
# Columns: family back members keys scen rounds steps median_s steps/s ...
for family in on_demand greedy uniform_progress pf only_spot; do
  awk -v f="$family" '$1 == f && $2 == "cpu" && $3 == 3 && $4 == "-" && $7 > 0 && $9 > 0 { found = 1 } END { exit !found }' \
    "$tmp/out" || fail "no row with steps > 0 for $family"
done
# CHC's bench pool shares plans as a realistic pool does: whole planning keys of 352 members
# (commit x mode x replan_deviation), at least one.
awk '$1 == "chc" && $2 == "cpu" && $3 == 352 && $4 == 1 && $7 > 0 && $9 > 0 { found = 1 } END { exit !found }' \
  "$tmp/out" || fail "no chc row of one planning key of 352 members with steps > 0"
"$spotsweep" bench --family chc --backend cpu --members 1100 --scenarios 1 --rounds 1 --repeats 1 \
  >"$tmp/keys" 2>"$tmp/err" || fail "bench --members 1100 exited $?: $(cat "$tmp/err")"
awk '$1 == "chc" && $3 == 1056 && $4 == 3 { found = 1 } END { exit !found }' "$tmp/keys" ||
  fail "chc --members 1100 is not 3 keys of 352 members: $(cat "$tmp/keys")"
# The Lagrangian CHC planner gets its own row label.
"$spotsweep" bench --family chc --lagrange-iters 2 --backend cpu --members 3 --scenarios 1 --rounds 1 \
  --repeats 1 >"$tmp/lagrange" 2>"$tmp/err" || fail "bench --lagrange-iters 2 exited $?: $(cat "$tmp/err")"
cat "$tmp/lagrange"
awk '$1 == "chc/lagrange=2" && $2 == "cpu" && $4 == "-" && $7 > 0 && $9 > 0 { found = 1 } END { exit !found }' \
  "$tmp/lagrange" || fail "no chc/lagrange=2 row with steps > 0"
finish bench_smoke
