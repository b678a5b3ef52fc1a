#!/usr/bin/env bash
# Runs the libFuzzer harnesses of a build made with -DSPOTSWEEP_FUZZ=ON (docs/reliability.md,
# "Fuzzing"), each from its seed corpus (tests/fuzz/corpus/<harness>/) with a fixed seed, and
# prints one line per harness: executions, seconds, result. New corpus entries go to a scratch
# folder, never into the source tree. Exits 1 when any harness finds a crash, a leak, an
# out-of-memory or a timeout; the input is left in the scratch folder (named below) to be
# kept as a regression in the harness's corpus.
#   scripts/fuzz.sh BUILD_DIR --seconds S   each harness for S seconds (CI: S = 6)
#   scripts/fuzz.sh BUILD_DIR --runs N      each harness for N executions (docs: N = 1000000)
# Optional: HARNESSES="pool_config trace_reader" to run some only.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd); mode=$2; amount=$3
case "$mode" in
  --seconds) bound=(-max_total_time="$amount") ;;
  --runs) bound=(-runs="$amount") ;;
  *) echo "usage: fuzz.sh BUILD_DIR --seconds S | --runs N" >&2; exit 2 ;;
esac
harnesses=${HARNESSES:-"pool_config trace_reader import_skypilot_json import_skynomad_csv
  import_skynomad_full_json import_h100_probes_csv import_bamboo_steps_csv
  import_bamboo_events_csv import_bamboo_gcp_txt"}
# The harnesses write their input to a scratch file per execution: memory, not disk, if we can.
base=/dev/shm; [ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/spotsweep_fuzz.XXXXXX")
status=0
for name in $harnesses; do
  fuzzer=$build/tests/${name}_fuzzer
  if [ ! -x "$fuzzer" ]; then echo "fuzz: $name: no $fuzzer (build with -DSPOTSWEEP_FUZZ=ON)"; status=1; continue; fi
  mkdir -p "$work/$name/new"
  start=$(date +%s%N)
  (cd "$work/$name" && TMPDIR="$work/$name" "$fuzzer" -seed=1 "${bound[@]}" -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 new "$root/tests/fuzz/corpus/$name" >log 2>&1)
  rc=$?
  tenths=$((($(date +%s%N) - start) / 100000000))
  seconds=$((tenths / 10)).$((tenths % 10))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz: %-26s %10s executions in %6s s, no crash\n' "$name" "${runs:-?}" "$seconds"
    rm -rf "${work:?}/$name"
  else
    printf 'fuzz: %-26s FAILED (status %d) after %s executions; input and log in %s\n' \
      "$name" "$rc" "${runs:-?}" "$work/$name"
    grep -E '^==[0-9]+==ERROR|SUMMARY|runtime error|deadly signal|out-of-memory|timeout' \
      "$work/$name/log" | head -n 5
    status=1
  fi
done
[ "$status" -eq 0 ] && rmdir "$work" 2>/dev/null
exit $status
