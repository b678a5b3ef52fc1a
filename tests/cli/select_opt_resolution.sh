#!/usr/bin/env bash
# `select --opt-resolution` and `stress --opt-resolution` (docs/select.md, docs/stress.md), and
# `sweep --opt-split-steps` (docs/model.md §5) at the end: OPT on
# the lattice of step tick*H(N_min)/M gives a bracket no wider than the default 256 buckets, the
# resolution is stored (attribute, [select] / [stress] table of `config`) only when given, the
# saved configuration replays bit for bit, [select] opt_resolution in the sweep file is read, and
# bad values are one-line errors (exit 2) that leave no output.
#   bash select_opt_resolution.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch/elsewhere"
# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py numpy
# shellcheck source=../support/expect_error.sh
source "$root/tests/support/expect_error.sh"
cd "$scratch"

cat >select.toml <<TOML
[pool.pf]
theta = [0.5, 0.7, 0.9]
kappa = [0.8, 1.0]
[pool.greedy]
deadline_factor = [0.9, 1]
[pool.on_demand]
n_gpus = [0, 2]
[workload]
trace = "$root/data/v100_us-east-2b.h5"
scenarios = 2
scenario_stride = 1500
rounds = 10
round_stride = 20
seed = 11
[job]
work = 4e6
deadline_h = 5
n_max = 4
value = "uniform(60, 100)"
miss_penalty = 30
[select]
top_k = 4
seed = 5
TOML

# OPT at 16 steps per slot; 4 under the sanitizers, whose OPT runs some 7 times slower (CI's
# sanitizer budget).
res=16
if [ -n "${SPOTSWEEP_TEST_SANITIZED:-}" ]; then res=4; fi
"$bin" select --pool select.toml --output buckets.h5 --backend cpu --threads 2 >buckets.log 2>&1
"$bin" select --pool select.toml --output resolution.h5 --backend cpu --threads 2 \
  --opt-resolution "$res" >resolution.log 2>&1
grep -q "^OPT (256 progress buckets): " buckets.log || fail "no bucket bracket line: $(cat buckets.log)"
grep -q "^OPT (step tick\*H(N_min)/$res): " resolution.log ||
  fail "no resolution bracket line: $(cat resolution.log)"
grep -q "then OPT for 20 jobs, step tick\*H(N_min)/$res" resolution.log ||
  fail "the announcement does not name the lattice"

# [select] opt_resolution in the sweep file is the option (docs/config.md).
sed 's/^seed = 5$/seed = 5\nopt_resolution = 2/' select.toml >from_file.toml
"$bin" select --pool from_file.toml --output from_file.h5 --backend cpu --threads 2 >/dev/null 2>&1

"$py" - buckets.h5 resolution.h5 from_file.h5 "$res" <<'PY' || fail "the files' OPT"
import sys
import h5py, numpy as np
buckets, resolution, from_file = (h5py.File(p) for p in sys.argv[1:4])
res = int(sys.argv[4])
b, r = buckets["selector"], resolution["selector"]
assert "opt_progress_resolution" not in b.attrs, "a default run stores no resolution"
assert "opt_resolution" not in buckets.attrs["config"], "nor in its config"
assert r.attrs["opt_progress_resolution"] == res, dict(r.attrs)
assert f"\nopt_resolution = {res}\n" in resolution.attrs["config"], resolution.attrs["config"]
assert from_file["selector"].attrs["opt_progress_resolution"] == 2
width_b, width_r = b.attrs["opt_bracket_width"], r.attrs["opt_bracket_width"]
print(f"bracket: 256 buckets {width_b:.6g} USD per job, resolution {res} {width_r:.6g}")
assert width_r <= width_b, (width_r, width_b)
assert r.attrs["opt_bracket_relative"] < 0.005, "within the 0.5 % target on this job"
lower, upper = r["opt_utility"][()], r["opt_upper"][()]
assert np.isfinite(lower).all() and (lower <= upper + 1e-9).all()
# OPT's lattice changes OPT only: the selector's curves are the same bits.
for name in ("regret", "selector_cumulative", "best_cumulative", "entropy", "leader"):
    assert np.array_equal(b[name][()], r[name][()], equal_nan=True), name
PY

# The stored configuration replays to the same file, from another folder.
digest() { "$py" "$root/tests/regression/h5_digest.py" "x=$1" --root "$scratch"; }
replays() {  # replays NAME COMMAND FILE
  "$py" -c "import h5py, sys; print(h5py.File(sys.argv[1]).attrs['config'])" "$3" \
    >"elsewhere/$1.toml"
  (cd elsewhere && "$bin" "$2" --config "$1.toml" --output "$1.h5" --threads 2 >/dev/null 2>&1)
  diff <(digest "$3") <(digest "elsewhere/$1.h5") >"$1.diff" ||
    fail "$1: the replay differs: $(head -5 "$1.diff")"
}
replays select select resolution.h5

# Bad values: one line naming the option (or the file's key) and the value, exit 2, no output.
expect_status=2
expect_error negative "--opt-resolution = -3|must be >= 0" \
  "$bin" select --pool select.toml --output bad.h5 --opt-resolution -3
expect_error not-a-number "--opt-resolution = abc" \
  "$bin" select --pool select.toml --output bad.h5 --opt-resolution abc
expect_error too-fine "--opt-resolution = 1000000000|progress states" \
  "$bin" select --pool select.toml --output bad.h5 --opt-resolution 1000000000
sed 's/^seed = 5$/seed = 5\nopt_resolution = -2/' select.toml >negative.toml
expect_error file-negative "--opt-resolution = -2" \
  "$bin" select --pool negative.toml --output bad.h5
expect_no_file bad.h5

# stress: [stress] opt_resolution or --opt-resolution, stored in the root attributes and the
# [stress] table only when given.
cat >stress.toml <<'TOML'
[pool.pf]
theta = [0.4, 0.95]
kappa = [1.0]
[pool.greedy]
deadline_factor = [1.0]
[workload]
scenarios = 2
rounds = 6
round_stride = 40
seed = 3
[job]
work = "uniform(6e6, 9e6)"
deadline_h = 4
gamma = 1.5
n_min = 1
n_max = 8
alpha = 100
value = 200
miss_penalty = 50
reconfig_s = 300
[stress]
adversaries = ["regime_flip"]
opt_buckets = 64
TOML
"$bin" stress --pool stress.toml --output stress_buckets.h5 --threads 2 >/dev/null 2>&1
"$bin" stress --pool stress.toml --output stress_resolution.h5 --threads 2 --opt-resolution 8 \
  >/dev/null 2>&1
sed 's/^opt_buckets = 64$/opt_buckets = 64\nopt_resolution = 8/' stress.toml >stress_file.toml
"$bin" stress --pool stress_file.toml --output stress_file.h5 --threads 2 >/dev/null 2>&1
"$py" - stress_buckets.h5 stress_resolution.h5 stress_file.h5 <<'PY' || fail "stress files' OPT"
import sys
import h5py, numpy as np
buckets, resolution, from_file = (h5py.File(p) for p in sys.argv[1:])
assert "opt_resolution" not in buckets.attrs and "opt_resolution" not in buckets.attrs["config"]
for f in (resolution, from_file):
    assert f.attrs["opt_resolution"] == 8, dict(f.attrs)
    assert "\nopt_resolution = 8\n" in f.attrs["config"]
opt_b, opt_r = buckets["summary/opt_utility"][()], resolution["summary/opt_utility"][()]
# A finer lattice achieves more: OPT's achieved (lower) value does not fall below 64 buckets'.
assert np.isfinite(opt_r).all() and (opt_r >= opt_b - 1e-6).all(), (opt_b, opt_r)
assert np.array_equal(resolution["summary/opt_utility"][()], from_file["summary/opt_utility"][()])
PY
replays stress stress stress_resolution.h5
sed 's/^opt_buckets = 64$/opt_buckets = 64\nopt_resolution = -1/' stress.toml >stress_bad.toml
expect_error stress-file-negative "stress.opt_resolution = -1|must be in [0, 1048576]" \
  "$bin" stress --pool stress_bad.toml --output bad.h5
expect_error stress-too-fine "--opt-resolution = 1000000000|progress states" \
  "$bin" stress --pool stress.toml --output bad.h5 --opt-resolution 1000000000
expect_no_file bad.h5

# sweep --opt-split-steps (docs/model.md §5 "Split steps"): with beta > 0 its bracket is no wider
# than the resolution lattice's; stored only when given; refused without --opt-resolution.
sed 's/^miss_penalty = 30$/miss_penalty = 30\nbeta = 60/' select.toml >beta.toml
"$bin" sweep --pool beta.toml --output plain.h5 --threads 2 --opt-resolution 4 >plain.log 2>&1
"$bin" sweep --pool beta.toml --output split.h5 --threads 2 --opt-resolution 4 --opt-split-steps \
  >split.log 2>&1
grep -q "^OPT (split steps tick\*alpha/a near tick\*H(N_min)/4): " split.log ||
  fail "no split-steps bracket line: $(cat split.log)"
"$py" - plain.h5 split.h5 <<'PY' || fail "sweep --opt-split-steps"
import sys
import h5py
plain, split = (h5py.File(p) for p in sys.argv[1:])
assert "progress_split_steps" not in plain["opt"].attrs
assert "opt_split_steps" not in plain.attrs["config"]
assert split["opt"].attrs["progress_split_steps"] == 1
assert "\nopt_split_steps = true\n" in split.attrs["config"]
wp, ws = plain["opt"].attrs["bracket_width"], split["opt"].attrs["bracket_width"]
print(f"beta = 60: bracket {wp:.6g} USD per job with one step, {ws:.6g} with split steps")
assert ws < wp, (ws, wp)
PY
replays split sweep split.h5
expect_error split-without-resolution "--opt-split-steps|needs --opt-resolution" \
  "$bin" sweep --pool beta.toml --output bad.h5 --opt-split-steps
expect_no_file bad.h5
finish select_opt_resolution
