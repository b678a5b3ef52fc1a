#!/usr/bin/env bash
# spotsweep stress on a tiny suite through the CLI; h5py reads the file back with no knowledge
# of spotsweep (summary rows, per-run curves, regret within its bound); bad input is a one-line
# error that leaves no output behind.
#   bash stress_smoke.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py numpy
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"

cat > stress.toml <<'TOML'
[pool.pf]
theta = [0.4, 0.95]
kappa = [1.0]
[pool.greedy]
deadline_factor = [1.0]
[pool.on_demand]
n_gpus = [0]
[pool.chc]
window = [6]
commit = [3]
eps = [0]
growth = [0]
resolution = [1]
[workload]
scenarios = 2
rounds = 12
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
seeds = [1, 2]
opt_buckets = 64
[stress.regime_flip]
period_slots = [40, 160]
TOML

"$bin" stress --help > help.txt
for word in stationary regime_flip period_slots deadline_trap trap_slots trap_avail_fraction \
            trap_price_multiplier poisoning storm_enter_prob storm_exit_prob adaptive calm. storm.; do
  grep -q -- "$word" help.txt || { echo "stress --help does not document $word"; exit 1; }
done

"$bin" stress --pool stress.toml --output stress.h5 --threads 2 \
  --param deadline_trap.trap_slots=6 > out.txt
cat out.txt
grep -q "^stationary " out.txt
grep -q "^adaptive " out.txt
grep -q "^regime_flip period_slots=160" out.txt

"$py" - <<'PY'
import h5py, numpy as np
with h5py.File("stress.h5", "r") as f:
    s = f["summary"]
    adversaries = [a.decode() if isinstance(a, bytes) else a for a in s["adversary"][:]]
    # stationary, two regime flips, the trap, poisoning, adaptive: one row per setting, two seeds
    assert len(adversaries) == 6, adversaries
    assert sorted(set(adversaries)) == ["adaptive", "deadline_trap", "poisoning", "regime_flip", "stationary"]
    assert s["max_ratio"].shape == (6, 2) and list(s["seed"][:]) == [1, 2]
    assert [d.label for d in s["max_ratio"].dims] == ["run", "seed"]
    assert s["max_ratio"].attrs["coordinates"] == "adversary label group"
    assert np.all(s["max_ratio"][:] <= 1.0 + 1e-12) and np.all(s["max_ratio"][:] > 0.0)
    assert np.all(s["final_regret"][:] < s["final_uniform_regret"][:]), "the learner beats never learning"
    assert np.all(np.isfinite(s["final_ftl_regret"][:]))
    assert f.attrs["learner"] == "flipflop" and f.attrs["feedback_delay"] == "finish"
    assert np.all(np.isfinite(s["selector_vs_opt"][:]))
    for path in set(x.decode() if isinstance(x, bytes) else x for x in s["group"][:]):
        g = f[path]
        regret, bound = g["regret"][:], g["regret_bound"][:]
        assert regret.shape == (2, 2, 12), regret.shape          # seed, scenario, round
        assert np.all(regret <= bound + 1e-9 * (1 + np.abs(bound))), path
        assert g["pending"][:].shape == regret.shape and g["uniform_regret"][:].shape == regret.shape
        assert g["regret"].attrs["units"] == "USD"
    # Settings are scalar coordinates of each run's curves (CF), numbers when they are numbers.
    trap = f["runs/003_deadline_trap"]
    assert trap["trap_slots"][()] == 6, trap["trap_slots"][()]
    assert "trap_slots" in trap["regret"].attrs["coordinates"].split()
    assert f["runs/001_regime_flip/period_slots"][()] == 40
    # The stored configuration is a suite file: no placeholder market.
    assert "drawn by spotsweep" not in f.attrs["config"] and "[stress]" in f.attrs["config"]
    regime = f["runs/005_adaptive/regime"][:]
    assert set(np.unique(regime)) <= {0, 1}
    print("h5py: ok,", len(adversaries), "settings")
PY

# Bad input: one line naming the field and the value, non-zero exit, no output left behind.
# shellcheck source=../support/expect_error.sh
source "$root/tests/support/expect_error.sh"
expect_error bad-period "period_slots = x" \
  "$bin" stress --pool stress.toml --output bad.h5 --param regime_flip.period_slots=x
expect_no_file bad.h5
finish stress_smoke
