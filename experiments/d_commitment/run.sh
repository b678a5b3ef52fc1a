#!/usr/bin/env bash
# Experiment (d): CHC utility against the commitment level v and the window w, as heatmaps
# (`spotsweep heatmap`), with perfect (eps = 0) and noisy (eps = 0.3) forecasts.
#   bash experiments/d_commitment/run.sh SPOTSWEEP OUT_DIR [--smoke]
# Full run: OUT_DIR = results/figures (copied to docs/figures by hand: d_commitment_eps0.png, d_commitment_eps0.3.png,
# d_commitment.md, and the heatmaps' .h5/.csv); about 20 s on 2 cores.
# --smoke: windows 4 and 6, commitment levels 1-4, 2 scenarios x 2 rounds, for CI.
set -euo pipefail
# shellcheck source=../common.sh
source "$(dirname "$0")/../common.sh"
experiment_args "$@"
toml="$work/d.toml"
sed -e "s#\"../../data/#\"$root/data/#" "$here/config.toml" > "$toml"
if [ "$smoke" = "--smoke" ]; then
  sed -i -e "s/^window = .*/window = [4, 6]/" -e "s/^commit = .*/commit = [1, 2, 4]/" \
      -e "s/^scenarios = 12/scenarios = 2/" -e "s/^rounds = 10/rounds = 2/" "$toml"
fi
"$bin" sweep --pool "$toml" --output "$work/d.h5" --opt-buckets "$buckets" > "$work/sweep.txt" 2> /dev/null
for eps in 0 0.3; do
  "$bin" heatmap "$work/d.h5" --family chc --x commit --y window --fix "eps=$eps" \
    --out "$out/d_commitment_eps$eps" --png "$out/d_commitment_eps$eps.png" > "$work/heatmap_$eps.txt"
done
"$py" "$here/table.py" "$work/d.h5" "$out/d_commitment_eps0.h5" "$out/d_commitment_eps0.3.h5" > "$out/d_commitment.md"
cat "$out/d_commitment.md"
