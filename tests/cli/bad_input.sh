#!/usr/bin/env bash
# Bad input: a one-line error naming the file, the field and the value, a non-zero exit, and
# no output file left behind. Usage: bad_input.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -u
spotsweep=$1; repo=$2; tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp"

# shellcheck source=../support/expect_error.sh
source "$repo/tests/support/expect_error.sh"

import=("$spotsweep" traces import --convention available --od-price 3.06 --spot-price 0.9)
out=$tmp/out.h5

expect_error missing-file "$tmp/nope.csv|nope.csv" \
  "${import[@]}" --format skynomad-csv --tick 195 --input "$tmp/nope.csv" --output "$out"
expect_no_file "$out"

printf 'date,availability\n2023-02-15 22:08:16,1\n2023-02-15 22:11:31,abc\n' >"$tmp/text.csv"
expect_error non-numeric "text.csv:3|availability|abc" \
  "${import[@]}" --format skynomad-csv --tick 195 --input "$tmp/text.csv" --output "$out"
expect_no_file "$out"

printf 'date,availability\n2023-02-15 22:08:16,nan\n' >"$tmp/nan.csv"
expect_error nan "nan.csv:2|availability|nan" \
  "${import[@]}" --format skynomad-csv --tick 195 --input "$tmp/nan.csv" --output "$out"
expect_no_file "$out"

printf '{"metadata": {"gap_seconds": 600}, "data": [1, 0, 1], "prices": [1.0, -2.5, 1.0]}' >"$tmp/neg.json"
expect_error negative-price "neg.json|prices[1]|-2.5" \
  "$spotsweep" traces import --format skypilot-json --convention available --od-price 3.06 \
  --input "$tmp/neg.json" --output "$out"
expect_no_file "$out"

printf 'date,availability\n' >"$tmp/empty.csv"
expect_error empty-trace "empty.csv|empty" \
  "${import[@]}" --format skynomad-csv --tick 195 --input "$tmp/empty.csv" --output "$out"
expect_no_file "$out"

# A successful import leaves a user's own OUT.h5.tmp as it was: the writer's temporary file
# has a per-process name (OUT.h5.partial-PID) and is renamed onto OUT.h5 when complete.
kept=$tmp/kept.h5
printf 'not a trace, mine\n' >"$kept.tmp"
cp "$kept.tmp" "$tmp/kept.tmp.before"
printf 'date,availability\n2023-02-15 22:08:16,1\n2023-02-15 22:11:31,0\n' >"$tmp/good.csv"
if ! "${import[@]}" --format skynomad-csv --tick 195 --input "$tmp/good.csv" --output "$kept" >"$tmp/out" 2>"$tmp/err"; then
  fail "import-keeps-user-tmp: import failed: $(cat "$tmp/err")"
elif ! cmp -s "$kept.tmp" "$tmp/kept.tmp.before" || [ ! -s "$kept" ] || ls "$kept".partial-* >/dev/null 2>&1; then
  fail "import-keeps-user-tmp: $(ls "$kept"*)"
else
  echo "ok   import-keeps-user-tmp: $kept.tmp unchanged"
fi

trace=$repo/data/v100_us-east-1a.h5
csv=$tmp/slots.csv
expect_error nmin-above-nmax "command line|n_min = 3|n_max = 2" \
  "$spotsweep" simulate --trace "$trace" --work-hours 10 --deadline-hours 20 --n-min 3 --n-max 2 --slot-csv "$csv"
expect_no_file "$csv"

expect_error infeasible-job "command line|work|cannot finish even on n_max = 2" \
  "$spotsweep" simulate --trace "$trace" --work-hours 30 --deadline-hours 20 --n-max 2 --slot-csv "$csv"
expect_no_file "$csv"

printf '[simulate]\nn-min = 4\nn-max = 2\n' >"$tmp/job.toml"
expect_error config-file "job.toml|n_min = 4" \
  "$spotsweep" --config "$tmp/job.toml" simulate --trace "$trace" --work-hours 10 --deadline-hours 20
expect_error missing-trace "$tmp/nope.h5" \
  "$spotsweep" simulate --trace "$tmp/nope.h5" --work-hours 10 --deadline-hours 20
expect_error short-trace "v100_us-east-1a.h5|ticks|too short" \
  "$spotsweep" simulate --trace "$trace" --start 20000 --work-hours 10 --deadline-hours 20
expect_error bad-policy "policy|magic" \
  "$spotsweep" simulate --trace "$trace" --policy magic --work-hours 10 --deadline-hours 20

finish bad_input
