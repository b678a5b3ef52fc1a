#!/usr/bin/env bash
# A small sweep through the CLI, read back by h5py with no knowledge of spotsweep; bad pool
# files and options fail with one-line errors and leave no output behind.
#   bash sweep_h5py.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"

cat > sweep.toml <<TOML
[pool.pf]
theta = [0.5, 0.9]
kappa = "[0.8:1.0:0.2]"
rho = [1, 2, 3]
[pool.greedy]
deadline_factor = [0.9, 1]
[pool.chc]
window = [6]
commit = [2]
eps = [0, 0.3]
growth = [0.5]
resolution = [1]
[workload]
trace = "$root/data/v100_us-east-1a.h5"
scenarios = 3
scenario_stride = 1500
rounds = 4
round_stride = 30
seed = 11
[job]
work = 4e6
deadline_h = 5
n_max = 4
value = "uniform(60, 100)"
miss_penalty = 30
TOML

"$bin" pool info sweep.toml | grep -q "pool: 16 members in 3 families"
"$bin" sweep --pool sweep.toml --output out.h5 --backend cpu --opt-buckets 16 \
  --trace-members 0,5,13,15 --threads 2 --per-scenario > sweep.log 2> progress.log
grep -q "^wrote out.h5: 16 members" sweep.log
[ "$(ls)" = "$(printf 'out.h5\nprogress.log\nsweep.log\nsweep.toml')" ]  # no temporary left
/usr/bin/python3 "$root/tests/python/check_sweep_h5.py" out.h5

# The sweep's traced outcomes equal `spotsweep simulate` on the same member and job:
# member 5 = pf(theta 0.5, kappa 1, rho 3), member 13 = greedy(deadline_factor 1) and
# member 15 = chc(w 6, v 2, eps 0.3), whose oracle is keyed by the workload seed and scenario.
check_simulate() {  # check_simulate K SCENARIO ROUND POLICY-ARGS...
  local k=$1 s=$2 r=$3; shift 3
  local start=$((s * 1500 + r * 30))
  local value
  value=$(/usr/bin/python3 -c "import h5py; f = h5py.File('out.h5'); print(f['workload/job_value'][$s, $r])")
  "$bin" simulate --trace "$root/data/v100_us-east-1a.h5" --start "$start" --no-opt \
    --work 4e6 --deadline-hours 5 --gamma 1.5 --n-min 1 --n-max 4 --alpha 100 --beta 0 \
    --value "$value" --value-shape linear --miss-penalty 30 --reconfig-s 300 --trigger total \
    --billing slot "$@" > simulate.txt
  local want got
  want=$(awk '$1 == "utility" {print $2} $1 == "cost" {print $3} $1 == "reconfigs" {print $2}' simulate.txt | paste -sd' ')
  got=$(/usr/bin/python3 -c "
import h5py
t = h5py.File('out.h5')['traced_members']
print('%.4f %.4f %d' % (t['utility'][$k, $s, $r], t['cost'][$k, $s, $r], t['reconfigs'][$k, $s, $r]))")
  [ "$want" = "$got" ] || { echo "simulate gives '$want', the sweep '$got' (member index $k, $s, $r)"; exit 1; }
}
check_simulate 1 2 3 --policy pf --theta 0.5 --kappa 1 --rho 3 --hysteresis 0.02
check_simulate 2 0 1 --policy greedy --deadline-factor 1
check_simulate 3 1 2 --policy chc --window 6 --commit 2 --eps 0.3 --growth 0.5 --resolution 1 \
  --seed 11 --scenario 1

# One-line errors, exit status 2, no output file.
expect_status=2
# shellcheck source=../support/expect_error.sh
source "$root/tests/support/expect_error.sh"
printf '[pool.pf]\ntheta = []\n' > empty.toml
expect_error empty-axis "empty.toml:2: pf.theta = []: empty axis" "$bin" pool info empty.toml
printf '[pool.pf]\ntheta = [0.5, 0]\n' > range.toml
expect_error out-of-range "range.toml:2: pf.theta = 0: out of range" "$bin" pool info range.toml
printf '[pool.lstm]\nw = 1\n' > family.toml
expect_error unknown-family "family.toml:1: family = lstm: unknown family" "$bin" pool info family.toml
printf '[pool.pf]\nomega = 1\n' > axis.toml
expect_error unknown-axis "axis.toml:2: pf.omega = 1: unknown axis" "$bin" pool info axis.toml
printf '[pool.pf]\ntheta = "[1:100000:1]"\nkappa = "[1:100000:1]"\nrho = "[1:100000:1]"\n' \
  > big.toml
expect_error pool-too-large "pool too large to index" "$bin" pool info big.toml
printf '[pool.pf]\nkappa = [0.6:1.0:0.2]\n' > bare.toml
expect_error bare-range \
  'bare.toml:2: pool.pf.kappa = [0.6:1.0:0.2]: a range is a string in TOML: write "[0.6:1.0:0.2]"' \
  "$bin" pool info bare.toml
printf '[pool.pf]\ntheta = [0.5]\ntheta = [0.7]\n' > twice.toml
expect_error duplicate-key "twice.toml:3:|pool.pf.theta = [0.7]|cannot redefine" \
  "$bin" pool info twice.toml
expect_error backend "--backend = gpu: expected one of auto, cpu, cuda" \
  "$bin" sweep --pool sweep.toml --output bad.h5 --backend gpu
expect_error trace-members-outside "--trace-members = 99: outside" \
  "$bin" sweep --pool sweep.toml --output bad.h5 --backend cpu --opt-buckets 0 --trace-members 99
expect_error trace-members-twice "--trace-members = 5: listed twice" \
  "$bin" sweep --pool sweep.toml --output bad.h5 --backend cpu --opt-buckets 0 --trace-members 5,0,5
expect_error output-folder "missing/bad.h5: --output: its folder does not exist" \
  "$bin" sweep --pool sweep.toml --output missing/bad.h5 --backend cpu --opt-buckets 0
expect_no_file bad.h5
[ -z "$(ls missing 2>/dev/null)" ] || fail "missing/ holds $(ls missing)"
finish sweep_h5py
