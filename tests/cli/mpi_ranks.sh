#!/usr/bin/env bash
# Runs under MPI (docs/mpi.md) on the CPU backend: `mpirun -np 1, 2, 3` give the same datasets
# and attributes, provenance left out (tests/regression/h5_digest.py), as a run without mpirun,
# for sweep, select (three learners) and stress;
# a sweep stopped on 3 ranks resumes (--resume) to the same file, and a checkpoint of another
# rank count is refused; one rank made to fail on purpose (SPOTSWEEP_TEST_FAIL_RANK) ends every
# rank with its one-line error, a non-zero status and no output, partial or whole; so does SIGINT
# to mpirun (Ctrl-C).
# Small blocks
# (SPOTSWEEP_TEST_MEMBER_BLOCK) split the small pools across the ranks.
#   bash mpi_ranks.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -euo pipefail
bin=$1 root=$2 scratch=$3
# shellcheck source=../support/python_checks.sh
source "$root/tests/support/python_checks.sh"
require_python h5py numpy
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
mpirun=(mpirun --oversubscribe --allow-run-as-root)
export SPOTSWEEP_TEST_MEMBER_BLOCK=5 OMP_NUM_THREADS=1
digest() { /usr/bin/python3 "$root/tests/regression/h5_digest.py" "x=$1" --root "$scratch"; }

# CHC first, so that blocks of 5 split its planning keys between ranks 0 and 1 (3 ranks).
cat > pool.toml <<'TOML'
[pool.chc]
window = [6]
commit = [1, 2, 3]
eps = [0, 0.2, 0.4, 0.6]
growth = [0]
resolution = [1]
[pool.pf]
theta = [0.4, 0.7, 0.95]
kappa = [0.8, 1.0]
rho = [1, 2]
[pool.greedy]
deadline_factor = [0.9, 1.0]
[workload]
scenarios = 3
scenario_stride = 700
rounds = 6
round_stride = 30
seed = 5
[job]
work = "uniform(2e6, 4e6)"
deadline_h = 4
n_max = 2
TOML
trace="$root/data/v100_us-east-2b.h5"
sed -i "s|^\[workload\]|[workload]\ntrace = \"$trace\"|" pool.toml

# The same command alone and under the given numbers of ranks: the same file, and mpi_ranks says
# how many. Each launch of mpirun costs about a second of start-up, so each case takes the rank
# counts that matter to it (3 always: it cuts the pools' blocks unevenly and CHC keys).
# Usage: same_for_every_rank_count NAME "RANK COUNTS" ARGS... (ARGS: a subcommand writing
# --output NAME.h5)
same_for_every_rank_count() {
  local name=$1 counts=$2; shift 2
  "$bin" "$@" --output "$name.alone.h5" >/dev/null 2>"$name.alone.err" ||
    { fail "$name alone"; cat "$name.alone.err"; return; }
  digest "$name.alone.h5" >"$name.alone.digest"
  for n in $counts; do
    if ! timeout 120 "${mpirun[@]}" -np "$n" "$bin" "$@" --output "$name.$n.h5" >"$name.$n.out" \
        2>"$name.$n.err"; then
      fail "$name on $n ranks"; cat "$name.$n.err"; continue
    fi
    digest "$name.$n.h5" >"$name.$n.digest"
    cmp -s "$name.alone.digest" "$name.$n.digest" ||
      { fail "$name: $n ranks differ from one process:"; { diff "$name.alone.digest" "$name.$n.digest" | head -4 || true; }; }
    ranks=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['/'].attrs['mpi_ranks'])" "$name.$n.h5")
    [ "$ranks" = "$n" ] || fail "$name on $n ranks: mpi_ranks = $ranks"
  done
  # Only rank 0 reports: one summary line however many ranks.
  [ "$(grep -c '^wrote ' "$name.3.out" || true)" = 1 ] || fail "$name: not one summary on 3 ranks"
}

# Two points of a scenario axis: each rank runs its members of every chunk of every point.
same_for_every_rank_count sweep "1 2 3" sweep --pool pool.toml --backend cpu --per-scenario \
  --trace-members 1,11,20,25 --opt-buckets 16 -a job.deadline_h=4,5
echo "sweep: $(grep -c . sweep.alone.digest) digests alike on 1, 2 and 3 ranks (2 points)"
# OPT's jobs are split across the ranks (docs/mpi.md, "OPT across ranks"): above, 18 jobs per
# point in uneven shares (cut by their lattices' work); here OPT's resolution lattice, whose work
# differs more from job to job, and 2 jobs on 3 ranks (a rank with none).
grep -q "split across 3 MPI ranks" sweep.3.err || { fail "sweep on 3 ranks: OPT not split"; cat sweep.3.err; }
sed -e 's/^scenarios = 3/scenarios = 1/' -e 's/^rounds = 6/rounds = 2/' pool.toml > two_jobs.toml
same_for_every_rank_count sweep_opt_resolution "2 3" sweep --pool pool.toml --backend cpu \
  --opt-resolution 4
same_for_every_rank_count sweep_two_jobs "3" sweep --pool two_jobs.toml --backend cpu --opt-buckets 16
echo "sweep: OPT split over 3 ranks (18 jobs a point, resolution lattice, 2 jobs) as one process"
# Checkpoints on several ranks (docs/mpi.md): each rank keeps its own under OUT.checkpoint/rank-R/.
# A run stopped on rank 1 after its 3rd chunk, then resumed and stopped on rank 1 after its share
# of the first point's OPT (ranks 0 and 2 have checkpointed theirs), then resumed to the end: the
# file of the uninterrupted run, and no checkpoint left.
sweep_args=(sweep --pool pool.toml --backend cpu --per-scenario --trace-members 1,11,20,25
  --opt-buckets 16 -a job.deadline_h=4,5 --output resumed.h5)
expect_stopped() {  # NAME RC: a failed run on 3 ranks, its checkpoint kept, no output
  [ "$2" -ne 0 ] && [ "$2" -ne 124 ] || fail "$1: status $2"
  ls resumed.h5 resumed.h5.partial-* >/dev/null 2>&1 && fail "$1 left an output"
  [ -f resumed.h5.checkpoint/ranks.txt ] && [ -f resumed.h5.checkpoint/rank-1/manifest.toml ] ||
    fail "$1: no checkpoint of 3 ranks"
}
rc=0
SPOTSWEEP_TEST_FAIL_RANK=1 SPOTSWEEP_TEST_FAIL_AT=chunk3 timeout 120 "${mpirun[@]}" -np 3 "$bin" \
  "${sweep_args[@]}" >resume1.out 2>resume1.err || rc=$?
expect_stopped "sweep stopped after rank 1's 3rd chunk" "$rc"
[ "$(ls resumed.h5.checkpoint/rank-1/chunk-*.bin | wc -l)" = 3 ] || fail "rank 1 kept not 3 chunks"
rc=0
SPOTSWEEP_TEST_FAIL_RANK=1 SPOTSWEEP_TEST_FAIL_AT=opt timeout 120 "${mpirun[@]}" -np 3 "$bin" \
  "${sweep_args[@]}" --resume >resume2.out 2>resume2.err || rc=$?
expect_stopped "sweep resumed, stopped at rank 1's OPT" "$rc"
[ -f resumed.h5.checkpoint/rank-0/opt-0.bin ] && [ ! -f resumed.h5.checkpoint/rank-1/opt-0.bin ] ||
  fail "OPT shares: rank 0's of point 0 should be kept, rank 1's not"
# Another rank count, or one process, is refused with one line saying how to resume, exit 2.
for launch in "mpirun2" "alone"; do
  rc=0
  if [ "$launch" = alone ]; then
    "$bin" "${sweep_args[@]}" --resume >wrong.out 2>wrong.err || rc=$?
  else
    timeout 120 "${mpirun[@]}" -np 2 "$bin" "${sweep_args[@]}" --resume >wrong.out 2>wrong.err || rc=$?
  fi
  [ "$rc" = 2 ] && [ "$(grep -c '^spotsweep: error: ' wrong.err)" = 1 ] &&
    grep -q -- "--resume: the checkpoint was written under mpirun -np 3" wrong.err ||
    { fail "sweep --resume ($launch) of a 3-rank checkpoint: status $rc"; cat wrong.err; }
done
timeout 120 "${mpirun[@]}" -np 3 "$bin" "${sweep_args[@]}" --resume >resume3.out 2>resume3.err ||
  { fail "sweep --resume on 3 ranks"; cat resume3.err; }
grep -q "resumed .* of rank 0's .* chunks (of .*) from resumed.h5.checkpoint" resume3.err ||
  { fail "no resume line"; cat resume3.err; }
digest resumed.h5 >resumed.digest 2>/dev/null || true
cmp -s sweep.alone.digest resumed.digest ||
  { fail "sweep resumed twice on 3 ranks differs from one process"; { diff sweep.alone.digest resumed.digest | head -4 || true; }; }
[ ! -e resumed.h5.checkpoint ] || fail "the checkpoint survived a finished run on 3 ranks"
# Nothing to resume: one error line, exit 2.
rc=0
timeout 120 "${mpirun[@]}" -np 2 "$bin" sweep --pool pool.toml --backend cpu --resume \
  --output resume.h5 >resume.out 2>resume.err || rc=$?
[ "$rc" = 2 ] && [ "$(grep -c '^spotsweep: error: ' resume.err)" = 1 ] &&
  grep -q -- '--resume: no checkpoint there' resume.err && ! ls resume.h5* >/dev/null 2>&1 ||
  { fail "sweep --resume on 2 ranks without a checkpoint: status $rc"; cat resume.err; }
echo "sweep on 3 ranks stopped after a chunk, resumed and stopped at OPT, resumed: as one process"

# select: every learner's sums across members go per block of 5, the blocks in order, whatever
# the ranks; the played member's draw likewise. The full-feedback default (FlipFlop, delayed)
# with OPT, the bandit learner, and Hedge, which stays off the leader (finite rates throughout).
same_for_every_rank_count select "2 3" select --pool pool.toml --backend cpu --opt-buckets 16 --top-k 4
same_for_every_rank_count select_bandit 3 select --pool pool.toml --backend cpu --opt-buckets 0 \
  --learner exp3-ada --selector-seed 3
same_for_every_rank_count select_hedge 3 select --pool pool.toml --backend cpu --opt-buckets 0 \
  --learner hedge --feedback-delay none
# OPT on --opt-resolution's lattice, its jobs split across the ranks as in sweep.
same_for_every_rank_count select_opt_resolution "2 3" select --pool pool.toml --backend cpu \
  --opt-resolution 4 --top-k 4
echo "select: $(grep -c . select.alone.digest) digests alike on 2 and 3 ranks (3 learners)"
grep -q "bytes gathered by rank 0" select.3.out || fail "select on 3 ranks: no gathered bytes"

# stress: the adaptive adversary's regime choice (the leader's utility from its owner) and a
# fixed market, few rounds.
sed -e '/^trace = /d' -e '/^scenario_stride = /d' -e 's/^rounds = 6/rounds = 5/' -e 's/^scenarios = 3/scenarios = 2/' \
  pool.toml > stress.toml
cat >> stress.toml <<'TOML'
[stress]
adversaries = ["adaptive", "regime_flip"]
seeds = [1]
opt_buckets = 8
[stress.regime_flip]
period_slots = [40]
TOML
same_for_every_rank_count stress "2 3" stress --pool stress.toml --backend cpu
same_for_every_rank_count stress_opt_resolution 3 stress --pool stress.toml --backend cpu \
  --opt-resolution 4
echo "stress: $(grep -c . stress.alone.digest) digests alike on 2 and 3 ranks"

# One rank fails on purpose, while evaluating or while writing: every rank stops (timeout
# catches a hang), the status is non-zero, rank 0 prints that rank's one error line, and neither
# the file nor a partial one is left. Rank 0 writing creates the file, rank 2 adds its rows.
for case in sweep/evaluate/0 sweep/opt/1 sweep/write/2 select/evaluate/2 select/opt/2 select/write/0 \
    stress/write/2; do
  IFS=/ read -r command at rank <<<"$case"
  pool=pool.toml
  [ "$command" = stress ] && pool=stress.toml
  out="fail.$command.$at.$rank.h5"
  rc=0
  SPOTSWEEP_TEST_FAIL_RANK=$rank SPOTSWEEP_TEST_FAIL_AT=$at timeout 120 "${mpirun[@]}" -np 3 \
    "$bin" "$command" --pool "$pool" --backend cpu --output "$out" >fail.out 2>fail.err || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "$command: failure at $at on rank $rank: status $rc"
  errors=$(grep -c '^spotsweep: error: ' fail.err || true)
  grep -q "^spotsweep: error: rank $rank: failure injected at $at" fail.err && [ "$errors" = 1 ] ||
    { fail "$command: failure at $at on rank $rank: not one error line naming the rank"; cat fail.err; }
  # (A sweep's checkpoint stays, for --resume.)
  left=$(ls -d "$out"* 2>/dev/null | grep -v '\.checkpoint$' || true)
  [ -z "$left" ] || fail "$command: failure at $at on rank $rank left $left"
done
# The CUDA selector runs on one rank: asked for under several, one error line, exit 2.
rc=0
timeout 120 "${mpirun[@]}" -np 2 "$bin" select --pool pool.toml --backend cuda --output cuda.h5 \
  >cuda.out 2>cuda.err || rc=$?
[ "$rc" = 2 ] && [ "$(grep -c '^spotsweep: error: ' cuda.err)" = 1 ] && ! ls cuda.h5* >/dev/null 2>&1 ||
  { fail "select --backend cuda on 2 ranks: status $rc"; cat cuda.err; }
echo "failures injected at evaluate, OPT and write (sweep, select, stress; ranks 0, 1 and 2):"
echo "all ranks stopped, no output"

# Ctrl-C: a terminal sends SIGINT to mpirun alone (the ranks have process groups of their own);
# mpirun sends every rank SIGTERM and SIGKILL a second later. No file is left under the output's
# name or a temporary one, and the status is non-zero. A long sweep (24 scenarios x 100 rounds,
# about 15 s of work), stopped as soon as its output is reserved.
sed -e 's/^scenarios = 3/scenarios = 24/' -e 's/^rounds = 6/rounds = 100/' pool.toml > long.toml
for command in sweep select; do
  out="interrupted.$command.h5"
  "${mpirun[@]}" -np 3 "$bin" "$command" --pool long.toml --backend cpu --opt-buckets 0 \
    --output "$out" >int.out 2>int.err &
  launcher=$!
  for _ in $(seq 300); do ls "$out".partial-* >/dev/null 2>&1 && break; sleep 0.05; done
  sleep 0.5
  kill -INT "$launcher"
  rc=0
  for _ in $(seq 300); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$launcher" 2>/dev/null && { fail "$command: mpirun still running 30 s after SIGINT"; kill -9 "$launcher"; }
  wait "$launcher" || rc=$?
  [ "$rc" -ne 0 ] || fail "$command interrupted on 3 ranks: status 0"
  # (A sweep's checkpoint stays, for --resume.)
  left=$(ls -d "$out"* 2>/dev/null | grep -v '\.checkpoint$' || true)
  [ -z "$left" ] || fail "$command interrupted on 3 ranks left $left"
done
echo "Ctrl-C to mpirun during sweep and select on 3 ranks: every rank stopped, no output"

if [ "$failures" -gt 0 ]; then
  echo "mpi_ranks: $failures failed"
  exit 1
fi
echo "mpi_ranks: ok"
