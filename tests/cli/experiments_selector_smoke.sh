#!/usr/bin/env bash
# The selector experiments' small configurations (experiments/{c,e,f}_*/run.sh --smoke): each
# runs `spotsweep select` end to end, writes its figure and table, and the outputs have the
# expected shape and sane values (the scripts' own asserts check that select and sweep saw the
# same jobs, that regret stays within its bound and that weights are probabilities; this checks
# rows, files and images). Skips (77) without h5py and matplotlib for /usr/bin/python3.
#   bash experiments_selector_smoke.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
# shellcheck source=../support/figure_checks.sh
source "$root/tests/support/figure_checks.sh"
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"

# (c) prediction error: the synthetic market, every forecaster's row (oracle at each eps, the
# multiplicative contrast, the four learned predictors) and the selector's four conditions. The
# oracle's realised availability error grows with eps from 0 at eps = 0, no policy's share of OPT
# exceeds OPT's upper bound, every interval contains its mean, and weights are probabilities.
bash "$root/experiments/c_prediction_error/run.sh" "$bin" c --smoke > c.log
png_ok c/c_prediction_error.png
test "$(grep -c '^| oracle ε = ' c/c_prediction_error.md)" = 8
test "$(grep -c '^| learned: ' c/c_prediction_error.md)" = 4
for condition in 'exact (ε = 0)' 'noisy (ε = 1.6' 'learned (persistence)' 'decoy'; do
  test "$(grep -c "^| $condition" c/c_prediction_error.md)" = 1
done
"$py" - c/c_prediction_error.md <<'PY'
import re
import sys
text = open(sys.argv[1]).read()
bracket = float(re.search(r"bracket [0-9.]+ USD = ([0-9.]+) %", text).group(1))
def interval(cell):
    mean, lo, hi = (float(x) for x in re.findall(r"[-+]?[0-9.]+", cell)[:3])
    assert lo <= mean <= hi, cell
    return mean
errors = []
for line in text.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if line.startswith("| oracle ε = ") or line.startswith("| learned: "):
        assert len(cells) == 10, line
        for cell in cells[3:4] + cells[5:10]:
            interval(cell)
        assert interval(cells[9]) <= 100 + bracket + 1e-9, line
        if line.startswith("| oracle ε = ") and "multiplicative" not in line:
            errors.append(float(cells[2]))
    if re.match(r"\| (exact|noisy|learned|decoy) \(", line):
        assert 0 <= interval(cells[3]) <= 1, line
assert errors[0] == 0 and errors == sorted(errors) and errors[-1] > 0, errors
PY

# (e) convergence: both markets x the 3 learner runs x 2 seeds of 2 windows, 12 rounds each, the
# uniform mixture's row and the paired comparisons; the regret exponent over three short
# horizons; the learners compared on a shortened select_small and stress suite.
bash "$root/experiments/e_convergence/run.sh" "$bin" e --smoke > e.log
png_ok e/e_convergence.png
for market in v100_us-east-1a synthetic; do
  for row in "flipflop | full | finish" "flipflop | full | none" "hedge (fixed η) | full | finish" \
    "uniform mixture (never learns) | – | –"; do
    test "$(grep -c "^| $market | $row |" e/e_convergence.md)" = 1 ||
      { echo "e: no row '$market | $row'"; cat e/e_convergence.md; exit 1; }
  done
  test "$(grep -c "^| $market | flipflop, finish | " e/e_convergence.md)" = 2
done
grep -q ' of 4 |' e/e_convergence.md  # 2 seeds x 2 windows = 4 clusters
bash "$root/experiments/e_convergence/exponent.sh" "$bin" e --smoke > e_exponent.log
png_ok e/e_exponent.png
test "$(grep -c '^| flipflop | (e) synthetic, delayed | ' e/e_exponent.md)" = 1
test "$(grep -c '^| hedge | (e) synthetic, delayed | ' e/e_exponent.md)" = 1
test "$(grep -c '^| flipflop | adaptive | ' e/e_exponent.md)" = 1
bash "$root/experiments/select_learners/run.sh" "$bin" learners --smoke > learners.log
test "$(grep -c '^| select_small | 4 | 24 | ' learners/select_learners.md)" = 1
test "$(grep -c '^| stress | ' learners/select_learners.md)" -ge 4

# (f) improvement: two settings of 2 seeds x 2 windows x 6 rounds (the script asserts that the
# selector and the sweep saw the same jobs), a paired row per setting, five baselines in the
# summary, every interval ordered and containing its estimate, OPT's bracket stated.
bash "$root/experiments/f_improvement/run.sh" "$bin" f --smoke > f.log
png_ok f/f_improvement.png
test "$(grep -c '^| synthetic | loose | 2×2 × 6 |' f/f_improvement.md)" = 1
test "$(grep -c '^| v100_us-east-2b | loose | 2×2 × 6 |' f/f_improvement.md)" = 1
test "$(grep -c '^| synthetic | loose | [+-]' f/f_improvement.md)" = 2  # improvements, spread
for b in on-demand Greedy "Uniform Progress" "PF default" "PF best"; do
  test "$(grep -c "^| $b | " f/f_improvement.md)" = 1 || { echo "f: no summary row for $b"; cat f/f_improvement.md; exit 1; }
done
grep -q 'OPT precision' f/f_improvement.md
"$py" - f/f_improvement.md <<'PY'
import re, sys
for line in open(sys.argv[1]):
    for m, lo, hi in re.findall(r"([+-]\d+\.\d+) % \[([+-]\d+\.\d+), ([+-]\d+\.\d+)\]", line):
        assert float(lo) <= float(m) <= float(hi), line
PY
echo "experiments_selector_smoke: ok"
