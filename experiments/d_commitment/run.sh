#!/usr/bin/env bash
# Experiment (d): CHC utility against the commitment level v and the window w, with perfect
# (eps = 0) and noisy (eps = 0.3) forecasts: the paired difference of each CHC(w, v) against
# CHC(w, 1) on the same jobs, with a cluster-bootstrap 95 % interval over 5 seeds x 12 windows
# (experiments/paired.py), and the interaction (the difference at eps = 0.3 minus that at 0).
#   bash experiments/d_commitment/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copy d_commitment.png and d_commitment.md to docs/figures
# by hand); about 2 minutes on 2 cores.
# --smoke: windows 4 and 6, commitment levels 1, 2, 4, 2 seeds x 2 windows x 2 rounds, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
toml="$work/d.toml"
cp "$here/config.toml" "$toml"
seeds="1,2,3,4,5" opt_resolution=16
if [ "$smoke" = "--smoke" ]; then
  seeds="1,2" opt_resolution=2
  sed -i -e "s/^window = .*/window = [4, 6]/" -e "s/^commit = .*/commit = [1, 2, 4]/" \
      -e "s/^scenarios = 12/scenarios = 2/" -e "s/^rounds = 10/rounds = 2/" "$toml"
fi
members=$(seq -s, 0 $(( $("$bin" pool info "$toml" | sed -n 's/^pool: \([0-9]*\) members.*/\1/p') - 1 )))
"$bin" sweep --pool "$toml" -a workload.seed=$seeds --output "$work/d.h5" --trace-members "$members" \
  --opt-resolution "$opt_resolution" > "$work/sweep.txt" 2>> "$work/log"
"$py" "$here/table.py" "$work/d.h5" "$out"
cat "$out/d_commitment.md"
