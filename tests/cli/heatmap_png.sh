#!/usr/bin/env bash
# `spotsweep heatmap` end to end: a small sweep, a heatmap with its HDF5, CSV and PNG read back
# by h5py; one-line errors on bad input; and a 100 x 100 (10,000-member) heatmap rendered,
# PNG included, with its time printed (the 10 s target is a benchmark, docs/BENCHMARKS.md, not
# an assertion here). Skips (77) without h5py and matplotlib.
#   bash heatmap_png.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
# shellcheck source=../support/figure_checks.sh
source "$root/tests/support/figure_checks.sh"
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"

job='[job]
work = "uniform(3e6, 6e6)"
deadline_h = 6
gamma = 1.5
n_min = 1
n_max = 4
alpha = 100
beta = 0
value = "uniform(60, 120)"
miss_penalty = 40
reconfig_s = 300'

cat > small.toml <<TOML
[pool.pf]
theta = [0.3, 0.5, 0.7, 0.9]
kappa = [0.6, 0.8, 1.0]
rho = [1, 2]
[pool.greedy]
deadline_factor = [0.8, 1.0]
[workload]
trace = "$root/data/v100_us-east-2b.h5"
scenarios = 3
scenario_stride = 2000
rounds = 4
round_stride = 40
seed = 5
$job
TOML
"$bin" sweep --pool small.toml --output small.h5 --opt-buckets 32 > /dev/null 2>&1

"$bin" heatmap small.h5 --family pf --x kappa --y theta --metric improvement --baseline greedy \
  --reduce mean --out imp --png imp.png > imp.txt
grep -q "baseline: greedy(deadline_factor=" imp.txt
"$bin" heatmap small.h5 --family pf --x rho --y theta --metric regret --fix kappa=0.8 --out reg > /dev/null
test -s imp.png && test -s imp.csv && test -s reg.h5
test "$(ls | grep -c partial || true)" = 0

"$py" - <<'PY'
import csv
import h5py
import numpy as np

with h5py.File("imp.h5", "r") as f:
    for name in ("metric", "metric_units", "reduction", "baseline", "x_axis", "y_axis", "x_units", "source"):
        assert isinstance(f.attrs[name], str), (name, type(f.attrs[name]))
    assert f.attrs["metric"] == "improvement" and f.attrs["metric_units"] == "%"
    assert f.attrs["reduction"] == "mean over rho", f.attrs["reduction"]
    value = f["improvement"]  # the variable is named after its metric
    assert value.shape == (4, 3), value.shape
    assert [d.label for d in value.dims] == ["theta", "kappa"]
    assert list(value.dims[1][0][:]) == [0.6, 0.8, 1.0]
    assert f.attrs["x_units"] == "× d" and f["kappa"].attrs["units"] == "1"
    assert value.attrs["units"] == "%" and "long_name" in value.attrs
    # A mean over rho: the cell's standard error from the members' (utility_se), in percent.
    se = f["improvement_se"][()]
    assert se.shape == (4, 3) and np.all(np.isfinite(se)) and np.all(se > 0), se
    assert np.all(f["stability"][()] >= 0)
    assert np.all(f["member"][()] == -1)  # a mean has no single member
    base = float(f.attrs["baseline_utility"])
    imp = value[()]
with h5py.File("small.h5", "r") as s:
    util = s["families/pf/utility_mean"][()]  # [theta][kappa][rho][hysteresis]
    greedy = s["families/greedy/utility_mean"][()]
    assert base == greedy.max()
    expected = (100 * (util - base) / abs(base)).mean(axis=(2, 3))
    assert np.allclose(imp, expected, rtol=1e-12, atol=1e-9), (imp, expected)
    opt = s["opt/utility_lower"][()].mean()
with h5py.File("reg.h5", "r") as f:
    assert np.allclose(f["regret"][()], opt - util[:, 1, :, 0], rtol=1e-12, atol=1e-9)
    members = f["member"][()]
    assert members.shape == (4, 2) and members.min() >= 0
rows = list(csv.reader(open("imp.csv")))
assert rows[0] == ["theta", "kappa", "improvement", "improvement_se", "stability", "member"], rows[0]
assert len(rows) == 1 + 12
from matplotlib.image import imread
png = imread("imp.png")
assert png.shape[0] > 300 and png.shape[1] > 400, png.shape
PY

# Bad input: one line on stderr, exit 2, nothing written.
expect_status=2
# shellcheck source=../support/expect_error.sh
source "$root/tests/support/expect_error.sh"
expect_error family "choose one of: pf, greedy" "$bin" heatmap small.h5 --x kappa --y theta --out bad
expect_error fix "fix = kappa=0.7: not on the axis (values: 0.6, 0.8, 1)" \
  "$bin" heatmap small.h5 --family pf --x rho --y theta --fix kappa=0.7 --out bad
expect_error metric "metric = speed" \
  "$bin" heatmap small.h5 --family pf --x rho --y theta --metric speed --out bad
expect_error plot-script "plot-script = nowhere.py" \
  "$bin" heatmap small.h5 --family pf --x rho --y theta --out bad --png bad.png --plot-script nowhere.py
expect_no_file bad.h5  # caught before anything is written
expect_no_file bad.csv
expect_error out-folder "folder does not exist" \
  "$bin" heatmap small.h5 --family pf --x rho --y theta --out no/such/bad
expect_no_file bad.png

# 10,000 members on two axes (the benchmark's shipped pool): heatmap + PNG, timed for the log.
"$bin" sweep --pool "$root/experiments/pools/heatmap_big.toml" --output big_sweep.h5 --opt-buckets 0 > /dev/null 2>&1
expect_error overwrite-sweep "is the same file as the input" \
  "$bin" heatmap big_sweep.h5 --x kappa --y theta --out big_sweep
start=$(date +%s%N)
"$bin" heatmap big_sweep.h5 --x kappa --y theta --out big --png big.png > /dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "10,000-member heatmap + PNG: $ms ms"
"$py" -c "import h5py; assert h5py.File('big_sweep.h5')['families/pf/utility_mean'].size == 10000; assert h5py.File('big.h5')['utility'].shape == (100, 100)"
test -s big.png
finish heatmap_png
