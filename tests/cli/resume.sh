#!/usr/bin/env bash
# `sweep --resume` (docs/sweep.md, "Progress, checkpoints and --resume"): a sweep killed midway
# (SIGINT, as Ctrl-C sends) leaves its finished chunks in OUT.h5.checkpoint/ and no output, whole
# or partial; --resume finishes it to a file bit-identical to an uninterrupted run's, and removes
# the checkpoint. A checkpoint of another run, or none, is refused with one line.
#   bash resume.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -uo pipefail
bin=$1 root=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch" || exit 1
# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py numpy
# shellcheck source=../support/expect_error.sh
source "$root/tests/support/expect_error.sh"

# Exact-planner CHC members (some seconds on two cores) beside cheap PF ones.
cat >pool.toml <<TOML
[pool.chc]
window = [8, 16]
commit = [1, 2, 4, 8]
eps = [0, 0.1, 0.2, 0.4]
growth = [0.5]
resolution = [1]
[pool.pf]
theta = [0.5, 0.7]
kappa = [0.8, 1.0]
[workload]
trace = "$root/data/v100_us-east-2b.h5"
scenarios = 8
scenario_stride = 2000
rounds = 16
round_stride = 40
seed = 42
[job]
work = "uniform(3e6, 6e6)"
deadline_h = 6
n_max = 4
value = "uniform(60, 120)"
miss_penalty = 40
TOML
options=(--opt-buckets 8 --per-scenario --trace-members 3,33 --threads 2)
# The sanitizer build (several times slower) runs a quarter of the rounds: the same chunks and
# members.
if [ -n "${SPOTSWEEP_TEST_SANITIZED:-}" ]; then sed -i 's/^rounds = 16/rounds = 4/' pool.toml; fi

# Interrupted: killed once a few chunks are checkpointed.
"$bin" sweep --pool pool.toml --output out.h5 "${options[@]}" >run1.out 2>run1.err &
pid=$!
# (Up to about 2 min: the sanitizer build runs this too, several times slower.)
for _ in $(seq 1 6000); do
  chunks=$(ls out.h5.checkpoint/chunk-*.bin 2>/dev/null | wc -l)
  [ "$chunks" -ge 2 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.02
done
kill -INT "$pid" 2>/dev/null
wait "$pid"
status=$?
[ "$status" -ne 0 ] || fail "the sweep finished before it could be interrupted (rc 0): make the pool larger"
[ ! -e out.h5 ] || fail "an interrupted run left out.h5"
ls out.h5.partial-* >/dev/null 2>&1 && fail "an interrupted run left a partial output: $(ls out.h5.partial-*)"
kept=$(ls out.h5.checkpoint/chunk-*.bin 2>/dev/null | wc -l)
total=$(grep -c '^# [0-9]' out.h5.checkpoint/manifest.toml)
[ "$kept" -ge 2 ] && [ "$kept" -lt "$total" ] || fail "expected some of $total chunks checkpointed, found $kept"
echo "ok   interrupted (status $status) with $kept of $total chunks checkpointed, no output"

expect_status=2
# Another run's options: refused, the checkpoint kept.
expect_error other-run "--resume|another run" \
  "$bin" sweep --pool pool.toml --output out.h5 --resume --opt-buckets 8 --threads 2
[ -d out.h5.checkpoint ] || fail "a refused --resume removed the checkpoint"

# Resumed: the rest of the chunks, then OPT.
"$bin" sweep --pool pool.toml --output out.h5 "${options[@]}" --resume >run2.out 2>run2.err ||
  fail "--resume failed: $(cat run2.err)"
grep -q "resumed $kept of $total chunks" run2.err || fail "no resume line: $(cat run2.err)"
[ ! -e out.h5.checkpoint ] || fail "the checkpoint survived a finished run"
expect_error nothing-to-resume "--resume|no checkpoint there" \
  "$bin" sweep --pool pool.toml --output out.h5 "${options[@]}" --resume

# Uninterrupted, for comparison: the same bits.
"$bin" sweep --pool pool.toml --output whole.h5 "${options[@]}" >/dev/null 2>&1 || fail "whole run failed"
digest() { "$py" "$root/tests/regression/h5_digest.py" "x=$1"; }
if diff <(digest out.h5) <(digest whole.h5) >resume.diff; then
  echo "ok   resumed output is bit-identical to the uninterrupted run ($(digest whole.h5 | wc -l) digests)"
else
  fail "resumed output differs:"; cat resume.diff
fi
finish resume
