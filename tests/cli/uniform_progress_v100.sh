#!/usr/bin/env bash
# The README's check: Uniform Progress on a 1-node V100 trace (48 h job, 52 h deadline, 0.2 h
# changeover) costs between OPT and on-demand only. Runs on the shipped SkyNomad us-east-2b trace (195 s
# ticks) and, when ../shared is present, on the skypilot-org 600 s trace (not shipped: no
# licence). Usage: uniform_progress_v100.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -eu
spotsweep=$1; repo=$2; tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp"

check() {  # check TRACE [START]: UP cost within [OPT cost, on-demand cost]
  local report
  report=$("$spotsweep" simulate --trace "$1" --start "${2:-0}" --policy uniform_progress \
    --work-hours 48 --deadline-hours 52 --gamma 1 --n-max 1 --throughput unit --reconfig-s 720 \
    --value 200)
  echo "$report"
  echo "$report" | awk '
    /^cost \(USD\)/ { up = $3; opt = $4 }
    /^on-demand only cost/ { od = $4 }
    END {
      # A row that did not match leaves its field empty; empty strings would compare as equal.
      if (up !~ /^-?[0-9.]+$/ || opt !~ /^-?[0-9.]+$/ || od !~ /^-?[0-9.]+$/) {
        printf "FAIL: no cost row (UP %s, OPT %s, on-demand %s)\n", up, opt, od; exit 1 }
      if (!(opt + 0 <= up + 0 && up + 0 <= od + 0)) { printf "FAIL: OPT %s <= UP %s <= on-demand %s\n", opt, up, od; exit 1 }
      printf "ok: OPT %s <= UP %s <= on-demand %s\n", opt, up, od
    }'
}

check "$repo/data/v100_us-east-2b.h5"
check "$repo/data/v100_us-east-2b.h5" 5000

skypilot=$repo/../shared/data/spot-traces/skypilot-org/availability/1-node/aws-10-26-2022/us-west-2a_v100_1.json
if [ -f "$skypilot" ]; then
  "$spotsweep" traces import --format skypilot-json --input "$skypilot" --convention available \
    --od-price 3.06 --spot-price 0.9731 --output "$tmp/us-west-2a_v100_1.h5"
  check "$tmp/us-west-2a_v100_1.h5"
else
  echo "skypilot-org trace not found beside the repo: 600 s check skipped"
fi
