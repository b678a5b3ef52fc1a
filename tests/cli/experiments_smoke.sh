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

# (d) commitment: paired differences against v = 1 for windows 4, 6 and v = 2, 4, both noise
# levels and their interaction, every interval ordered and containing its estimate.
bash "$root/experiments/d_commitment/run.sh" "$bin" d --smoke > d.log
png_ok d/d_commitment.png
test "$(grep -c '^## eps = ' d/d_commitment.md)" = 2
test "$(grep -c '^| 4 | ' d/d_commitment.md)" = 3  # eps = 0, eps = 0.3, interaction
grep -q '2 seeds × 2 windows = 4 clusters × 2 jobs' d/d_commitment.md
"$py" - d/d_commitment.md <<'PY'
import re, sys
for line in open(sys.argv[1]):
    for m, lo, hi in re.findall(r"([+-]\d+\.\d+) \[([+-]\d+\.\d+), ([+-]\d+\.\d+)\]", line):
        assert float(lo) <= float(m) <= float(hi), line
PY

# (g) paired comparisons: both markets, 8 policies and 10 paired rows each, every interval
# ordered (low <= estimate <= high), OPT's bracket stated.
bash "$root/experiments/g_paired/run.sh" "$bin" g --smoke > g.log
png_ok g/g_paired.png
test "$(grep -c '^## ' g/g_paired.md)" = 2
test "$(grep -c '^| CHC ε=0 | ' g/g_paired.md)" = 10  # 1 policy row + 4 comparisons, per market
grep -q 'bracket' g/g_paired.md
# (h) CHC's bound: both markets, 5 noise levels each, every job covered, none over its bound, and
# the bound's forecast term 0 at eps = 0.
bash "$root/experiments/h_bound/run.sh" "$bin" h --smoke > h.log
png_ok h/h_bound.png
test "$(grep -c '^## ' h/h_bound.md)" = 2
test "$(grep -cE '^\| (0|0\.05|0\.1|0\.2|0\.3) \| ' h/h_bound.md)" = 18  # 5 + 4 paired rows, per market
"$py" - h/h_bound.md <<'PY'
import sys
rows = [l.split("|") for l in open(sys.argv[1]) if l.startswith("| 0")]
levels = [r for r in rows if len(r) > 12]
assert len(levels) == 10, levels
for r in levels:
    covered, total = r[2].split(" of ")
    assert int(covered) == int(total), r
    assert int(r[12]) == 0, r  # jobs over the bound
    if r[1].strip() == "0":
        assert float(r[7].split("[")[0]) == 0.0, r  # no forecast term with exact forecasts
PY
"$py" - "$root/experiments" <<'PY'
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from paired import bootstrap
rng = np.random.default_rng(1)
b = rng.normal(50, 5, size=(20, 12))
r = bootstrap(b + 1.0, b)  # A beats B by exactly 1 on every job
assert abs(r["diff_mean"] - 1.0) < 1e-12 and r["diff_ci"][0] <= 1.0 <= r["diff_ci"][1] + 1e-12
r = bootstrap(b + rng.normal(0, 1, size=b.shape), b)  # no difference: the interval covers 0
assert r["diff_ci"][0] < 0 < r["diff_ci"][1], r
PY
echo "experiments_smoke: ok"
