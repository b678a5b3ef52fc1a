#!/usr/bin/env bash
# `spotsweep select` through the CLI, its file read back by h5py with no knowledge of
# spotsweep (docs/select.md); bad options fail with one-line errors and leave no output.
#   bash select_h5py.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"

cat > select.toml <<TOML
[pool.pf]
theta = [0.5, 0.7, 0.9]
kappa = [0.8, 1.0]
[pool.greedy]
deadline_factor = [0.9, 1]
[pool.on_demand]
n_gpus = [0, 2]
[workload]
trace = "$root/data/v100_us-east-2b.h5"
scenarios = 3
scenario_stride = 1500
rounds = 25
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

"$bin" select --pool select.toml --output out.h5 --backend cpu --opt-buckets 32 --threads 2 \
  > select.log 2> progress.log
grep -q "^wrote out.h5: " select.log
"$bin" select --pool select.toml --output bandit.h5 --backend cpu --opt-buckets 0 --feedback bandit \
  --eta fixed > /dev/null 2>&1

# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py numpy
"$py" "$root/tests/python/check_select_h5.py" out.h5 bandit.h5

# One-line errors, non-zero exit, no file written.
# shellcheck source=../support/expect_error.sh
source "$root/tests/support/expect_error.sh"
expect_error feedback "partial" "$bin" select --pool select.toml --output bad.h5 --feedback partial
expect_error eta "decaying" "$bin" select --pool select.toml --output bad.h5 --eta decaying
expect_error top-k "top-k" "$bin" select --pool select.toml --output bad.h5 --top-k 0
expect_error output-folder "folder" "$bin" select --pool select.toml --output missing/dir/out.h5
sed 's/^seed = 5$/learning_rate = 0.1/' select.toml > unknown_key.toml
expect_error unknown-key "select.learning_rate" "$bin" select --pool unknown_key.toml --output bad.h5
printf '[pool.greedy]\ndeadline_factor = [1]\n[workload]\ntrace = "%s"\n' "$root/data/v100_us-east-2b.h5" > one.toml
expect_error one-member "at least 2 members" "$bin" select --pool one.toml --output bad.h5
expect_no_file bad.h5
! ls | grep -q partial || fail "temporary file left behind: $(ls | grep partial)"
finish select_h5py
