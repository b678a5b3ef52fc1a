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

# (a) predictability: one trace in 5 windows, window 8: 2 lookahead rows (k = 1, 7), 8 rows of
# every model's skill; every skill <= 1 with an ordered interval, none undefined.
bash "$root/experiments/a_predictability/run.sh" "$bin" a --smoke > a.log
png_ok a/a_predictability.png
rows=$(grep -c "^| v100_us-east-2b.h5 | 195 s | 5 |" a/a_predictability.md)
test "$rows" = 2 || { echo "a: expected 2 table rows, got $rows"; cat a/a_predictability.md; exit 1; }
test "$(grep -cE '^\| (price|avail) \| v100_us-east-2b.h5 \| ' a/a_predictability.md)" = 4
"$py" - a/a_predictability.md <<'PY'
import re, sys
for line in open(sys.argv[1]):
    if line.startswith("| v100") or line.startswith("| price") or line.startswith("| avail"):
        assert "nan" not in line, line
        for m, lo, hi in re.findall(r"(-?\d+\.\d+) \[(-?\d+\.\d+), (-?\d+\.\d+)\]", line):
            assert float(lo) <= float(hi) and max(float(m), float(hi)) <= 1 + 1e-9, line
PY

# (b) methods: both workloads on the synthetic market, 2 seeds x 2 windows; per workload 8
# methods, 10 paired comparisons of CHC, 7 of PF tuned on the first window and compared on the
# second, OPT's bracket; every paired interval ordered and containing its estimate.
bash "$root/experiments/b_methods/run.sh" "$bin" b --smoke > b.log
png_ok b/b_methods.png
test "$(grep -c '^## ' b/b_methods.md)" = 3  # 2 settings and the summary
grep -q '2 seeds × 2 windows = 4 clusters × 2 jobs' b/b_methods.md
test "$(grep -c '^| on-demand |' b/b_methods.md)" = 4  # the method and where-it-goes tables
test "$(grep -c '^| CHC ε=0 | ' b/b_methods.md)" = 16  # method, 5 + 1 comparisons, where it goes; per workload
test "$(grep -c '^| PF tuned | ' b/b_methods.md)" = 10  # 4 comparisons + 1 where-it-goes row, per workload
test "$(grep -c 'bracket' b/b_methods.md)" = 2
"$py" - b/b_methods.md <<'PY'
import re, sys
for line in open(sys.argv[1]):
    for m, lo, hi in re.findall(r"([+-]\d+\.\d+) \[([+-]\d+\.\d+), ([+-]\d+\.\d+)\]", line):
        assert float(lo) <= float(m) <= float(hi), line
PY

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
