#!/usr/bin/env bash
# Outputs can never harm inputs (docs/reliability.md, "Outputs"): an output that is an input,
# a device or a bad path is refused before any work; a replaced output keeps its mode; a full
# disk is one error line with nothing left behind; SIGINT and SIGTERM stop a run and remove its
# temporary files. Usage: output_safety.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR ENOSPC_PRELOAD
# (ENOSPC_PRELOAD: tests/support/enospc_preload.c built as a shared library).
set -u
spotsweep=$1; repo=$(cd "$2" && pwd); tmp=$3; enospc=${4:-}
rm -rf "$tmp"; mkdir -p "$tmp"
# shellcheck source=../support/expect_error.sh
source "$repo/tests/support/expect_error.sh"

pools=$repo/experiments/pools
cp "$repo/data/v100_us-east-2b.h5" "$tmp/trace.h5"
sed "s|^trace = .*|trace = \"$tmp/trace.h5\"|" "$pools/pf_small.toml" >"$tmp/pool.toml"
cp "$repo/data/skynomad/us-east-2b_v100_1.csv" "$tmp/in.csv"
cp "$repo/data/skynomad/v100_spot_prices.json" "$tmp/prices.json"
ln -s "$tmp/trace.h5" "$tmp/link.h5"
inputs=("$tmp/trace.h5" "$tmp/pool.toml" "$tmp/in.csv" "$tmp/prices.json")
sha256sum "${inputs[@]}" >"$tmp/inputs.sha"
import=("$spotsweep" traces import --format skynomad-csv --input "$tmp/in.csv" --prices "$tmp/prices.json"
  --key us-east-2b_v100_1 --convention available --tick 195 --od-price 3.06)
sim=("$spotsweep" simulate --trace "$tmp/trace.h5" --work-hours 4 --deadline-hours 8 --no-opt)

# An output that is one of the command's inputs (by device and inode, so through a link too).
expect_status=2
same="is the same file as the input"
expect_error sweep-over-trace "--output|$same" "$spotsweep" sweep --pool "$tmp/pool.toml" --output "$tmp/trace.h5"
expect_error sweep-over-link "--output|$same" "$spotsweep" sweep --pool "$tmp/pool.toml" --output "$tmp/link.h5"
expect_error sweep-over-pool "--output|$same" "$spotsweep" sweep --pool "$tmp/pool.toml" --output "$tmp/pool.toml"
expect_error select-over-trace "--output|$same" "$spotsweep" select --pool "$tmp/pool.toml" --output "$tmp/trace.h5"
expect_error select-over-pool "--output|$same" "$spotsweep" select --pool "$tmp/pool.toml" --output "$tmp/pool.toml"
expect_error import-over-csv "--output|$same" "${import[@]}" --output "$tmp/in.csv"
expect_error import-over-prices "--output|$same" "${import[@]}" --output "$tmp/prices.json"
expect_error slot-csv-over-trace "--slot-csv|$same" "${sim[@]}" --slot-csv "$tmp/trace.h5"
expect_error fit-over-trace "--out|$same" "$spotsweep" traces fit --trace "$tmp/trace.h5" --out "$tmp/trace.h5"
expect_error synth-out-is-regime-csv "--regime-csv|is also --out" \
  "$spotsweep" traces synth --out "$tmp/x.h5" --regime-csv "$tmp/x.h5"
expect_no_file "$tmp/x.h5"
if sha256sum --quiet -c "$tmp/inputs.sha"; then echo "ok   inputs unchanged"; else fail "an input changed"; fi

# Devices and bad paths, refused before any work (one error line: no progress was printed).
expect_status=2
expect_error output-dev-null "/dev/null|--output|a character device" \
  "$spotsweep" sweep --pool "$tmp/pool.toml" --output /dev/null
[ -e /dev/full ] && expect_error output-dev-full "/dev/full|a character device" \
  "$spotsweep" sweep --pool "$tmp/pool.toml" --output /dev/full
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
expect_error output-in-proc "/proc/self/x.h5|cannot create the file" \
  "$spotsweep" sweep --pool "$tmp/pool.toml" --output /proc/self/x.h5
expect_error output-empty "--output = \"\"|empty" "$spotsweep" sweep --pool "$tmp/pool.toml" --output ''
expect_error select-output-early "/proc/self/s.h5|cannot create" \
  "$spotsweep" select --pool "$tmp/pool.toml" --output /proc/self/s.h5

# A replaced output keeps its mode.
out=$tmp/out.h5
"${import[@]}" --output "$out" >/dev/null 2>&1 && chmod 600 "$out" &&
  "${import[@]}" --output "$out" >/dev/null 2>&1
mode=$(stat -c %a "$out" 2>/dev/null)
if [ "$mode" = 600 ]; then echo "ok   mode-kept: 600"; else fail "mode-kept: $mode, not 600"; fi
cp "$out" "$tmp/out.before"

# A full disk (tests/support/enospc_preload.c): exit 1, a last stderr line naming the output,
# no temporary file, the previous output untouched; at several points of the write.
# full_disk NAME AFTER_BYTES OUTPUT COMMAND...
full_disk() {
  local name=$1 after=$2 output=$3; shift 3
  local rc=0
  env LD_PRELOAD="$enospc" SPOTSWEEP_TEST_ENOSPC_AFTER="$after" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  local last; last=$(tail -n 1 "$tmp/err")
  # A sweep may meet the full disk first in one of its checkpoints (OUTPUT.checkpoint/).
  if [ "$rc" -ne 1 ] || [[ "$last" != "spotsweep: error: $output"?(.checkpoint/*)": "*"writing the file failed"* ]]; then
    fail "$name: rc=$rc: $(tail -n 3 "$tmp/err")"
  elif ls "$output".partial-* "$output".checkpoint/*.partial-* >/dev/null 2>&1; then
    fail "$name: left $(ls "$output".partial-* "$output".checkpoint/*.partial-* 2>/dev/null)"
  else
    echo "ok   $name: $last"
  fi
}
if [ -n "$enospc" ] && [ -f "$enospc" ]; then
  for after in 0 4096 12000; do
    full_disk "disk-full-import-$after" "$after" "$out" "${import[@]}" --output "$out"
    cmp -s "$out" "$tmp/out.before" || fail "disk-full-import-$after: the previous output changed"
    full_disk "disk-full-sweep-$after" "$after" "$tmp/full.h5" \
      "$spotsweep" sweep --pool "$tmp/pool.toml" --backend cpu --opt-buckets 8 --output "$tmp/full.h5"
    # The checkpoints of the finished chunks stay for --resume (docs/sweep.md); nothing else.
    rm -rf "$tmp/full.h5.checkpoint"
    expect_no_file "$tmp/full.h5"
  done
  for after in 0 100; do
    full_disk "disk-full-csv-$after" "$after" "$tmp/slots.csv" "${sim[@]}" --slot-csv "$tmp/slots.csv"
    expect_no_file "$tmp/slots.csv"
  done
else
  fail "no ENOSPC preload library given (4th argument)"
fi

# Signals: the run stops at the next chunk with status 128 + signal and removes its temporary
# file, which exists from the start; a second signal stops it at once. Sweep phase (CHC members)
# and OPT phase (many buckets). A sweep keeps its checkpoint folder, whole files only, for
# --resume (docs/sweep.md), and never a partial output.
# interrupt NAME SIGNALS DELAY_S COMMAND...: starts COMMAND, waits until its output's temporary
# file exists and DELAY_S more, sends each of SIGNALS, and checks the status and what is left.
interrupt() {
  local name=$1 signals=$2 delay=$3; shift 3
  local target=$tmp/killed.h5
  rm -rf "$target" "$target".partial-* "$target".checkpoint
  "$@" --output "$target" >"$tmp/kill.out" 2>"$tmp/kill.err" &
  local pid=$! waited=0
  until ls "$target".partial-* >/dev/null 2>&1 || [ $waited -ge 200 ]; do
    sleep 0.05; waited=$((waited + 1))
  done
  sleep "$delay"
  local sig status=0
  for sig in $signals; do
    kill -s "$sig" "$pid" 2>/dev/null
    [[ "$signals" == *STOP* ]] || sleep 0.05
  done
  wait "$pid" || status=$?
  local last=${signals##* }
  [ "$last" = CONT ] && last=TERM  # (the two-signal case: INT or TERM may end it, see below)
  local want=$((128 + $(kill -l "$last")))
  [[ "$signals" == *CONT* && "$status" -eq 130 ]] && want=130
  if [ "$status" -ne "$want" ]; then
    fail "$name: status $status, expected $want: $(tail -n 2 "$tmp/kill.err")"
  elif ls -d "$target" "$target".partial-* "$target".checkpoint/*.partial-* >/dev/null 2>&1; then
    fail "$name: left $(ls -d "$target" "$target".partial-* "$target".checkpoint/*.partial-* 2>/dev/null)"
  elif [ ! -f "$target.checkpoint/manifest.toml" ]; then
    fail "$name: no checkpoint left for --resume"
  else
    echo "ok   $name: status $status, $(tail -n 1 "$tmp/kill.err")"
  fi
}
sweep_chc=("$spotsweep" sweep --pool "$pools/chc_small.toml" --backend cpu --opt-buckets 0)
sweep_opt=("$spotsweep" sweep --pool "$pools/pf_small.toml" --backend cpu --opt-buckets 4096)
interrupt sigterm-sweep TERM 0.3 "${sweep_chc[@]}"
interrupt sigint-sweep INT 0.3 "${sweep_chc[@]}"
interrupt sigterm-opt TERM 0.8 "${sweep_opt[@]}"
# Two signals at once (sent while the process is stopped, so both are pending when it resumes):
# the second handler ends the process at once, removing the temporary file itself.
interrupt two-signals "STOP INT TERM CONT" 0.3 "${sweep_chc[@]}"
grep -q "stopped at once" "$tmp/kill.err" || fail "two-signals: $(cat "$tmp/kill.err")"

finish output_safety
