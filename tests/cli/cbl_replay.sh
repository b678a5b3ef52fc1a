#!/usr/bin/env bash
# `spotsweep cbl` on a subset of the ADRS benchmark (40 windows x 9 settings x 4 policies), every
# run checked bit for bit against tests/cli/cbl_reference.py, a literal transcription of
# docs/cbl-semantics.md; the worked on-demand figure of the spec; and one-line errors for
# bad input. Skips (77) without ../shared/data. Usage: cbl_replay.sh SPOTSWEEP REPO_ROOT SCRATCH
set -u
spotsweep=$1; repo=$2; tmp=$3
data=$repo/../shared/data/spot-traces
windows=$data/derived/adrs_cant_be_late_windows.csv
traces=$data/skypilot-org/availability/1-node/aws-10-26-2022
if [ ! -f "$windows" ] || [ ! -d "$traces" ]; then echo "skip: no $data"; exit 77; fi
rm -rf "$tmp"; mkdir -p "$tmp"
# shellcheck source=../support/expect_error.sh
source "$repo/tests/support/expect_error.sh"

# 20 windows of us-west-2a_k80_1 (test windows 0, 8, 9 among them) and 20 of us-west-2b_v100_8.
{ head -1 "$windows"; grep '^us-west-2a_k80_1,' "$windows" | head -20; grep '^us-west-2b_v100_8,' "$windows" | head -20; } >"$tmp/windows.csv"
"$spotsweep" cbl --windows "$tmp/windows.csv" --traces "$traces" --deadlines 52,70,92 \
  --overheads 0.02,0.2,0.4 --policies greedy,uniform_progress,on_demand,only_spot --backend cpu \
  --out "$tmp/results.csv" >"$tmp/stdout" 2>"$tmp/stderr" || fail "cbl exited $?: $(cat "$tmp/stderr")"
cat "$tmp/stdout"
rows=$(($(wc -l <"$tmp/results.csv") - 1))
[ "$rows" -eq 1440 ] || fail "expected 1440 rows, got $rows"
[ "$(head -1 "$tmp/results.csv")" = "env,window_id,deadline_h,overhead_h,policy,cost,finish_h,deadline_met" ] ||
  fail "header: $(head -1 "$tmp/results.csv")"
# docs/cbl-semantics.md §6, §13: 290 on-demand ticks, 147.9000000000002, for d = 0.2 h.
grep -q '^us-west-2a_k80_1,0,52,0.2,on_demand,147.9000000000002,48.333333333333336,1$' "$tmp/results.csv" ||
  fail "on-demand row for d = 0.2 h: $(grep '^us-west-2a_k80_1,0,52,0.2,on_demand' "$tmp/results.csv")"
grep -q 'ADRS test split' "$tmp/stdout" || fail "no ADRS score in the summary"
python3 "$repo/tests/cli/cbl_reference.py" "$tmp/windows.csv" "$traces" "$tmp/results.csv" ||
  fail "the reference transcription disagrees"

# Bad input: one line on stderr naming the file or option and the value; no results file.
expect_status=2
bad_out=$tmp/bad.csv
expect_error missing-windows "nope.csv|--windows" \
  "$spotsweep" cbl --windows "$tmp/nope.csv" --traces "$traces" --out "$bad_out"
expect_error missing-traces "--traces|$tmp/none" \
  "$spotsweep" cbl --windows "$tmp/windows.csv" --traces "$tmp/none" --out "$bad_out"
expect_error bad-deadline "--deadlines|7o" \
  "$spotsweep" cbl --windows "$tmp/windows.csv" --traces "$traces" --deadlines 52,7o --out "$bad_out"
expect_error bad-policy "--policies|spotty" \
  "$spotsweep" cbl --windows "$tmp/windows.csv" --traces "$traces" --policies greedy,spotty --out "$bad_out"
expect_error infeasible "deadline = 48.1 h|task infeasible" \
  "$spotsweep" cbl --windows "$tmp/windows.csv" --traces "$traces" --deadlines 48.1 --out "$bad_out"
printf 'env,window_id,start_tick,end_tick\nus-west-2a_k80_1,0,684,x\n' >"$tmp/badrow.csv"
expect_error bad-row "badrow.csv:2|end_tick|x" \
  "$spotsweep" cbl --windows "$tmp/badrow.csv" --traces "$traces" --out "$bad_out"
printf 'env,window_id,start_tick,end_tick\nus-west-2a_k80_1,0,684,900\n' >"$tmp/short.csv"
expect_error short-window "short.csv|end_tick = 900|553" \
  "$spotsweep" cbl --windows "$tmp/short.csv" --traces "$traces" --out "$bad_out"
expect_no_file "$bad_out"

finish cbl_replay
