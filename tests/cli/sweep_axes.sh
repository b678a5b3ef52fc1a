#!/usr/bin/env bash
# Scenario axes end to end (docs/sweep.md, "Scenario axes"): a [job] key given several values
# is an outer dimension of every outcome and of OPT, and each point equals a sweep of that value
# alone, bit for bit; `-a KEY=VALUES` overrides or adds an axis and is stored; a heatmap can put a
# scenario axis on x; `simulate --from-sweep` replays one member of one point and equals the
# sweep; `table` ranks the members with decoded parameters; `pool info --member` decodes one.
#   bash sweep_axes.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py numpy

pool='[pool.pf]
theta = [0.5, 0.9]
kappa = [0.8, 1.0]
[pool.chc]
window = [6]
commit = [2, 3]
eps = [0.2]
growth = [0.5]
resolution = [1]
lagrange_iters = [1]'
workload="[workload]
trace = \"$root/data/v100_us-east-1a.h5\"
scenarios = 2
scenario_stride = 1500
rounds = 3
round_stride = 30
seed = 11"
for d in 5 7; do
  printf '%s\n%s\n[job]\nwork = 4e6\ndeadline_h = %s\nn_max = 4\nvalue = "uniform(60, 100)"\n' \
    "$pool" "$workload" "$d" >"alone_$d.toml"
  "$bin" sweep --pool "alone_$d.toml" --output "alone_$d.h5" --opt-buckets 16 --trace-members 1,5 \
    >/dev/null 2>&1
done
printf '%s\n%s\n[job]\nwork = 4e6\ndeadline_h = "[5:7:2]"\nn_max = 4\nvalue = "uniform(60, 100)"\n' \
  "$pool" "$workload" >axes.toml
"$bin" sweep --pool axes.toml --output axes.h5 --opt-buckets 16 --trace-members 1,5 >axes.log 2>&1
grep -q "best mean utility: member .* at deadline_h=" axes.log
# The same axis from the command line, on the one-value file, and a pool axis added by -a.
"$bin" sweep --pool alone_5.toml -a job.deadline_h=5,7 --output cli.h5 --opt-buckets 16 \
  --trace-members 1,5 >/dev/null 2>&1
"$bin" sweep --pool alone_5.toml -a pf.rho=1,2 -a deadline_h=[5,7] --output cli2.h5 --opt-buckets 0 \
  >/dev/null 2>&1

"$py" - <<'PY'
import h5py, numpy as np
with h5py.File("axes.h5") as f, h5py.File("alone_5.h5") as a5, h5py.File("alone_7.h5") as a7, \
        h5py.File("cli.h5") as c:
    assert f.attrs["scenario_axes"] == "deadline_h"
    assert "deadline_h = [5, 7]" in f.attrs["config"], f.attrs["config"]
    for g in ("families/pf", "families/chc"):
        for stat in ("utility_mean", "cost_p95", "utility_se", "miss_rate"):
            both = f[f"{g}/{stat}"]
            assert both.dims[0].label == "deadline_h" and list(both.dims[0][0][:]) == [5.0, 7.0]
            assert both.attrs["units"] and both.attrs["long_name"]
            # Each point is the sweep of that value alone, bit for bit.
            assert np.array_equal(both[0], a5[f"{g}/{stat}"][()], equal_nan=True), (g, stat)
            assert np.array_equal(both[1], a7[f"{g}/{stat}"][()], equal_nan=True), (g, stat)
            assert np.array_equal(c[f"{g}/{stat}"][()], both[()], equal_nan=True), (g, stat)
    for name in ("opt/utility_lower", "workload/job_deadline_s", "traced_members/utility"):
        assert f[name].dims[0].label == "deadline_h", name
        assert np.array_equal(f[name][0], a5[name][()]) and np.array_equal(f[name][1], a7[name][()]), name
    assert f["workload/job_deadline_s"][1, 0, 0] == 7 * 3600.0
    # The -a override is stored: the resolved configuration holds the axis.
    assert "deadline_h = [5, 7]" in c.attrs["config"] and "-a job.deadline_h=5,7" in c.attrs["argv"]
with h5py.File("cli2.h5") as f:
    assert f["families/pf/utility_mean"].shape == (2, 2, 2, 2, 1), f["families/pf/utility_mean"].shape
    assert "rho = [1, 2]" in f.attrs["config"]
print("scenario axes: each point equals its sweep alone")
PY

# A scenario axis on the heatmap's x axis; regret subtracts each point's own OPT.
"$bin" heatmap axes.h5 --family pf --x deadline_h --y theta --metric regret --out hm >hm.log
"$py" - <<'PY'
import h5py, numpy as np
with h5py.File("hm.h5") as h, h5py.File("axes.h5") as f:
    regret = h["regret"]
    assert [d.label for d in regret.dims] == ["theta", "deadline_h"]
    assert h["deadline_h"].attrs["units"] == "h"
    util = f["families/pf/utility_mean"][()]  # [deadline_h][theta][kappa][rho][hysteresis]
    opt = f["opt/utility_lower"][()].mean(axis=(1, 2))
    want = (opt[:, None, None] - util.reshape(2, 2, -1)).min(axis=2).T
    assert np.allclose(regret[()], want, rtol=1e-12, atol=1e-9), (regret[()], want)
    assert np.all(np.isfinite(h["regret_se"][()]))
print("heatmap on a scenario axis: ok")
PY

# One member of one point, replayed alone, equals the sweep (its forecasts keyed as there).
for member in 1 5; do
  "$bin" simulate --from-sweep axes.h5 --member "$member" --scenario 1 --round 2 --at deadline_h=7 \
    >"replay_$member.txt"
  grep -q "sweep's traced outcome  equal, bit for bit" "replay_$member.txt" || {
    cat "replay_$member.txt"; exit 1; }
  grep -q "sweep's OPT (lower)     equal, bit for bit" "replay_$member.txt"
done
grep -q "deadline_h = 7" replay_5.txt && grep -q "^policy     chc(window=6, commit=3" replay_5.txt
# A sweep whose OPT ran on --opt-resolution's lattice: the replay solves OPT on the same one.
"$bin" sweep --pool alone_5.toml --output resolution.h5 --opt-resolution 4 --trace-members 1 \
  >/dev/null 2>&1
"$bin" simulate --from-sweep resolution.h5 --member 1 --scenario 1 --round 2 >replay_resolution.txt
grep -q "sweep's OPT (lower)     equal, bit for bit" replay_resolution.txt || {
  cat replay_resolution.txt; exit 1; }

# The best members, decoded.
"$bin" table axes.h5 --top 3 >table.txt
"$bin" table axes.h5 --top 3 --csv >table.csv
"$bin" table axes.h5 --top 2 --json >table.json
"$bin" table axes.h5 --top 2 --by cost_mean --family pf --csv >cheap.csv
"$py" - <<'PY'
import csv, json, h5py, numpy as np
rows = list(csv.DictReader(open("table.csv")))
assert len(rows) == 3 and rows[0]["rank"] == "1"
with h5py.File("axes.h5") as f:
    best = []
    for g in ("pf", "chc"):
        u = f[f"families/{g}/utility_mean"][()]
        first = int(f[f"families/{g}"].attrs["first_member"])
        per = u.reshape(2, -1)
        for p in range(2):
            for i, v in enumerate(per[p]):
                best.append((v, first + i, [5, 7][p]))
    best.sort(key=lambda t: (-t[0], t[1], t[2]))
for row, (v, m, d) in zip(rows, best):
    assert int(row["member"]) == m and float(row["deadline_h"]) == d, (row, m, d)
    assert float(row["utility_mean"]) == v
table = json.load(open("table.json"))
assert table["by"] == "utility_mean" and len(table["rows"]) == 2
assert table["rows"][0]["member"] == best[0][1] and table["units"]["utility_mean"] == "USD"
cheap = list(csv.DictReader(open("cheap.csv")))
assert all(r["grid"] == "pf" for r in cheap) and float(cheap[0]["cost_mean"]) <= float(cheap[1]["cost_mean"])
print("table: ok")
PY
grep -q "^best 3 of 12 by utility_mean (highest first)" table.txt

"$bin" pool info axes.toml --member 5 >member.txt
grep -q "^member 5: chc(window=6, commit=3, eps=0.2" member.txt
grep -q "commit = 3  (position 1 of 2)" member.txt

# Bad input: one line naming the key and the value.
# shellcheck source=../support/expect_error.sh
source "$root/tests/support/expect_error.sh"
expect_status=2
printf '%s\n%s\n[job]\nwork = 4e6\nvalue_shape = ["linear", "step"]\n' "$pool" "$workload" >bad1.toml
expect_error enum-axis "bad1.toml:20|job.value_shape|only a numeric [job] key" \
  "$bin" sweep --pool bad1.toml --output bad.h5
printf '%s\n%s\n' "$pool" "$workload" | sed 's/^scenarios = 2/scenarios = [2, 3]/' >bad2.toml
expect_error shape-axis "workload.scenarios|cannot be a scenario axis" \
  "$bin" sweep --pool bad2.toml --output bad.h5
expect_error override-key "-a|job.deadline|unknown key" \
  "$bin" sweep --pool alone_5.toml -a deadline=5,6 --output bad.h5
expect_error override-value "deadline_h = 0|must be positive|deadline_h = 0 (command line: -a job.deadline_h)" \
  "$bin" sweep --pool alone_5.toml -a job.deadline_h=0,5 --output bad.h5
expect_error from-sweep-point "--at|deadline_h=V with V in 5, 7" \
  "$bin" simulate --from-sweep axes.h5 --member 1
expect_error select-axes "a scenario axis; select runs one set of scenarios" \
  "$bin" select --pool axes.toml --output bad.h5
expect_error member-range "--member = 99|outside the pool's 6 members" \
  "$bin" pool info axes.toml --member 99
expect_no_file bad.h5
finish sweep_axes
