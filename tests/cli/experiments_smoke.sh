#!/usr/bin/env bash
# The experiments' small configurations (experiments/*/run.sh --smoke): each runs end to end,
# writes its figure and table, and the outputs have the expected shape and sane values (the
# scripts' own asserts check finiteness and ranges; this checks rows, files and images).
# Skips (77) without h5py and matplotlib for /usr/bin/python3.
#   bash experiments_smoke.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
# shellcheck source=../support/figure_checks.sh
source "$root/tests/support/figure_checks.sh"
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"

# (a) predictability: one trace, window 8: 3 lookahead rows (k = 1, 7) and skills <= 1.
bash "$root/experiments/a_predictability/run.sh" "$bin" a --smoke > a.log
png_ok a/a_predictability.png
rows=$(grep -c "^| v100_us-east-2b.h5 |" a/a_predictability.md)
test "$rows" = 2 || { echo "a: expected 2 table rows, got $rows"; cat a/a_predictability.md; exit 1; }

# (b) methods: both workloads on the synthetic market; 8 methods each, OPT last.
bash "$root/experiments/b_methods/run.sh" "$bin" b --smoke > b.log
png_ok b/b_methods.png
test "$(grep -c '^| on-demand |' b/b_methods.md)" = 2
test "$(grep -c '^| OPT' b/b_methods.md)" = 2
test "$(grep -c "^| " b/b_methods.md)" = $((2 * 9))  # header + 8 methods, per workload

# (d) commitment heatmaps: a 2 x 3 (window x commit) slice per noise level.
bash "$root/experiments/d_commitment/run.sh" "$bin" d --smoke > d.log
for eps in 0 0.3; do
  png_ok "d/d_commitment_eps$eps.png"
  "$py" -c "
import sys, h5py
f = h5py.File(sys.argv[1], 'r')
assert f['utility'].shape == (2, 3), f['utility'].shape
assert list(f['window'][()]) == [4, 6] and list(f['commit'][()]) == [1, 2, 4]
assert f.attrs['reduction'] == 'eps = ' + sys.argv[2], f.attrs['reduction']
" "d/d_commitment_eps$eps.h5" "$eps"
done
test "$(grep -c '^| eps = ' d/d_commitment.md)" = 2
echo "experiments_smoke: ok"
