#!/usr/bin/env bash
# Every output replays from its stored configuration (docs/hdf5-layout.md, "Root attributes"):
# the `config` attribute of a sweep, select, stress and heatmap file, saved as a TOML file and
# given to `spotsweep <command> --config FILE` (with only a new output path), gives the same
# datasets and attributes bit for bit, provenance aside (tests/regression/h5_digest.py). Every
# file also records argv and the version.
#   bash replay.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch/run" "$scratch/elsewhere"
# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py numpy
cd "$scratch/run"

cat >sweep.toml <<TOML
[pool.pf]
theta = [0.5, 0.9]
kappa = [0.8, 1.0]
[pool.chc]
window = [6]
commit = [2]
eps = [0, 0.3]
growth = [0.5]
resolution = [1]
lagrange_iters = [1]
[pool.greedy]
deadline_factor = [0.9, 1]
[workload]
trace = "$root/data/v100_us-east-1a.h5"
scenarios = 2
scenario_stride = 1500
rounds = 8
round_stride = 30
seed = 11
[job]
work = 4e6
deadline_h = [5, 6]
n_max = 4
value = "uniform(60, 100)"
[select]
top_k = 3
TOML
digest() { "$py" "$root/tests/regression/h5_digest.py" "x=$1" --root "$scratch"; }
stored_config() { "$py" -c "import h5py, sys; print(h5py.File(sys.argv[1]).attrs['config'])" "$1"; }
check() {  # check NAME ORIGINAL REPLAY
  if ! diff <(digest "$2") <(digest "$3") >"$1.diff"; then
    echo "FAIL $1: the replay differs:"; cat "$1.diff"; exit 1
  fi
  "$py" -c "
import h5py, sys
f = h5py.File(sys.argv[1])
assert f.attrs['argv'].startswith('spotsweep ') or '/spotsweep ' in f.attrs['argv'], f.attrs['argv']
assert f.attrs['spotsweep_version'], 'no version'
" "$2"
  echo "ok   $1 replays bit for bit ($(digest "$2" | wc -l) digests)"
}

# sweep: scenario axis, -a override, --seed, per-scenario statistics, traced members, OPT.
"$bin" sweep --pool sweep.toml -a pf.rho=1,2 --seed 5 --per-scenario --trace-members 0,9 \
  --opt-buckets 16 --output sweep.h5 >/dev/null 2>&1
stored_config sweep.h5 >"$scratch/elsewhere/sweep.toml"
(cd "$scratch/elsewhere" && "$bin" sweep --config sweep.toml --output sweep.h5 >/dev/null 2>&1)
check sweep sweep.h5 "$scratch/elsewhere/sweep.h5"

# sweep with --chc-bound (docs/chc.md): the bound's datasets replay too (chc_bound in [sweep]).
cat >bound.toml <<TOML
[pool.chc]
window = [64]
commit = [4]
eps = [0, 0.2]
growth = [0.5]
resolution = [1]
avail_noise = [1]
[workload]
trace = "$root/data/v100_us-east-1a.h5"
scenarios = 2
scenario_stride = 1500
rounds = 3
round_stride = 30
seed = 3
[job]
work = 2e6
deadline_h = 2.8
gamma = 1.2
n_min = 1
n_max = 4
alpha = 100
beta = 0
value = "uniform(30, 60)"
TOML
"$bin" sweep --pool bound.toml --trace-members 0,1 --chc-bound --opt-resolution 4 \
  --output bound.h5 >/dev/null 2>&1
"$py" -c "
import h5py, sys, numpy as np
t = h5py.File(sys.argv[1])['traced_members']
assert t['chc_bound_applies'][()].all() and np.isfinite(t['chc_bound'][()]).all()
assert (t['chc_bound_forecast'][0] == 0).all() and (t['chc_bound_forecast'][1] > 0).any()
" bound.h5
stored_config bound.h5 >"$scratch/elsewhere/bound.toml"
(cd "$scratch/elsewhere" && "$bin" sweep --config bound.toml --output bound.h5 >/dev/null 2>&1)
check sweep-chc-bound bound.h5 "$scratch/elsewhere/bound.h5"

# select on the same pool (one point: no axis).
sed 's/^deadline_h = \[5, 6\]/deadline_h = 5/' sweep.toml >select.toml
"$bin" select --pool select.toml --output select.h5 --learner hedge --eta anytime \
  --feedback-delay none --opt-buckets 8 --selector-seed 4 >/dev/null 2>&1
stored_config select.h5 >"$scratch/elsewhere/select.toml"
(cd "$scratch/elsewhere" && "$bin" select --config select.toml --output select.h5 >/dev/null 2>&1)
check select select.h5 "$scratch/elsewhere/select.h5"
# The command line beats the saved file, whose [select] names both the learner and its feedback:
# a bandit learner replaces both.
(cd "$scratch/elsewhere" && "$bin" select --config select.toml --output exp3.h5 --learner exp3 \
  --eta fixed >/dev/null 2>&1)
"$py" -c "
import h5py, sys
f = h5py.File(sys.argv[1])
assert f.attrs['learner'] == 'exp3' and f.attrs['feedback'] == 'bandit', dict(f.attrs)
assert f.attrs['feedback_delay'] == 'none', 'the file still gives what the command line does not'
" "$scratch/elsewhere/exp3.h5"
echo "ok   select: --learner over a saved config"

# stress: a swept parameter from the command line, two seeds, bandit feedback.
cat >stress.toml <<'TOML'
[pool.pf]
theta = [0.5, 0.9]
[pool.on_demand]
n_gpus = [0]
[workload]
scenarios = 2
rounds = 6
round_stride = 40
seed = 3
[job]
work = "uniform(2e6, 3e6)"
deadline_h = 4
n_max = 4
value = 80
[stress]
adversaries = ["regime_flip", "deadline_trap"]
TOML
"$bin" stress --pool stress.toml --output stress.h5 --seeds 1,2 --opt-buckets 8 \
  --param regime_flip.period_slots=40,80 --feedback bandit >/dev/null 2>&1
stored_config stress.h5 >"$scratch/elsewhere/stress.toml"
(cd "$scratch/elsewhere" && "$bin" stress --config stress.toml --output stress.h5 >/dev/null 2>&1)
check stress stress.h5 "$scratch/elsewhere/stress.h5"

# heatmap: a facet, a fixed axis and a baseline.
"$bin" heatmap sweep.h5 --family pf --x kappa --y theta --facet deadline_h --fix rho=2 \
  --metric improvement --baseline greedy --out hm >/dev/null
stored_config hm.h5 >"$scratch/elsewhere/hm.toml"
(cd "$scratch/elsewhere" && "$bin" heatmap --config hm.toml --out hm >/dev/null)
check heatmap hm.h5 "$scratch/elsewhere/hm.h5"
cmp hm.csv "$scratch/elsewhere/hm.csv"
echo "replay: ok"
