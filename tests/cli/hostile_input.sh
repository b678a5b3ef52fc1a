#!/usr/bin/env bash
# Hostile input (docs/reliability.md): the reproducers of values that reached the 32-bit lattice
# and horizon arithmetic, sizes that exhausted memory, silent wraps and NaNs, and the smaller
# problems. Each is now one error line naming the field with exit status 2, or, where the input
# is valid, a correct run; none crashes (a signal would give a status of 128 or more).
# Usage: hostile_input.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -u
spotsweep=$1; repo=$(cd "$2" && pwd); tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp"
expect_status=2
# shellcheck source=../support/expect_error.sh
source "$repo/tests/support/expect_error.sh"
# shellcheck source=../support/python_checks.sh
source "$repo/tests/support/python_checks.sh"

trace=$repo/data/v100_us-east-2b.h5
# The minimal pool P: one greedy member, the us-east-2b trace, 1 scenario, 1 round,
# deadline_h = 6, n_max = 4; each argument after the name is one more [job] line, replacing
# the key it sets.
pool() {
  local name=$1; shift
  local job=(deadline_h=6 n_max=4 'work="uniform(1e4, 2e4)"')
  local line key
  for line in "$@"; do
    key=${line%%=*}
    job=("${job[@]/#$key=*/}")
    job+=("$line")
  done
  {
    printf '[pool.greedy]\ndeadline_factor = 0.9\n\n[workload]\ntrace = "%s"\n' "$trace"
    printf 'scenarios = 1\nrounds = 1\n\n[job]\n'
    for line in "${job[@]}"; do [ -n "$line" ] && echo "${line/=/ = }"; done
  } >"$tmp/$name.toml"
  echo "$tmp/$name.toml"
}
sweep() { "$spotsweep" sweep --backend cpu --output "$tmp/out.h5" --pool "$@"; }
sim0=("$spotsweep" simulate --trace "$trace" --deadline-hours 6)
sim=("${sim0[@]}" --n-max 4)

# A valid input that crashed must now run: exit 0 and a finite best utility.
expect_run() {
  local name=$1; shift
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 0 ] || grep -qiE 'nan|inf' "$tmp/out"; then
    fail "$name: rc=$rc: $(tail -n 3 "$tmp/err") $(tail -n 3 "$tmp/out")"
  else
    echo "ok   $name: $(grep -m1 -E 'best mean utility|^utility' "$tmp/out")"
  fi
}

# 1. The OPT planner's lattice shift (16 - INT_MIN, a heap overflow): a tiny job on a coarse
#    lattice, and a huge throughput, now solve; what cannot be computed is refused.
expect_run opt-tiny-work sweep "$(pool tiny 'work=1e-5')" --opt-buckets 16
expect_run opt-alpha-1e20 sweep "$(pool a20 'alpha=1e20')"
expect_error opt-beta-1e308 "beta = 1e+308|over the limit of 1e300" sweep "$(pool b308 'beta=1e308')"
expect_error opt-resolution "--opt-resolution = 1000000000|progress states|2^30" \
  "${sim[@]}" --work-hours 1 --opt-resolution 1000000000
expect_error opt-alpha-1e308 "alpha = 1e+308|over the limit of 1e300" "${sim[@]}" --work 1e6 --alpha 1e308
# 2. CHC's planner.
expect_error chc-alpha-1e308 "alpha = 1e+308" "${sim[@]}" --policy chc --window 4 --resolution 1 \
  --work 1e6 --alpha 1e308 --no-opt
expect_error chc-allocations "n_max = 300|45451 allocation states|32767|--resolution" \
  "${sim0[@]}" --n-max 300 --trigger composition --policy chc --work-hours 1 --no-opt
expect_error chc-buckets "--resolution = 1024|progress states|2^30" "${sim0[@]}" \
  --n-max 32000 --policy chc --window 64 --resolution 1024 --work-hours 1 --no-opt
# 3. Horizons over 2^31 slots; ticks out of range.
expect_error gamma-1e308 "gamma = 1e+308|2^32 s" sweep "$(pool g308 'gamma=1e308')"
expect_error deadline-1e12 "deadline_h = 1e+12|2^32 s" sweep "$(pool d12 'deadline_h=1e12')"
expect_error gamma-2e7-no-opt "gamma = 20000000|2^32 s" sweep "$(pool g2e7 'gamma=2e7')" --opt-buckets 0
expect_error horizon-past-trace "needs slots [0, 2215385)|20158 slots" \
  sweep "$(pool g2e4 'gamma=2e4')" --opt-buckets 0
printf '{"metadata": {"gap_seconds": 1e-300}, "data": [1, 0, 1]}' >"$tmp/tiny_tick.json"
expect_error tick-1e-300 "tiny_tick.json|metadata.gap_seconds = 1e-300|between 1e-3 s" \
  "$spotsweep" traces import --format skypilot-json --convention available --od-price 3 \
  --spot-price 1 --input "$tmp/tiny_tick.json" --output "$tmp/tiny_tick.h5"
expect_no_file "$tmp/tiny_tick.h5"
expect_error synth-tick-1e308 "tick_seconds = 1e+308|2^32 s" \
  "$spotsweep" traces synth --param tick_seconds=1e308 --out "$tmp/big_tick.h5"
expect_no_file "$tmp/big_tick.h5"
# 4. Unaffordable sizes, refused with the estimate and the option that shrinks it.
expect_error n-max-1e6-opt "n1m.toml: [job] scenario 0 round 0: n_max = 1000000|1000001 allocation states|--opt-buckets" \
  sweep "$(pool n1m 'n_max=1000000')"
expect_run n-max-1e6-no-opt sweep "$(pool n1m 'n_max=1000000')" --opt-buckets 0
expect_error opt-buckets-1e8 "base.toml: --opt-buckets = 100000000|GiB of host memory|--max-host-mem = 1.0 GiB|lower --opt-buckets" \
  sweep "$(pool base)" --opt-buckets 100000000 --max-host-mem 1G
expect_status=0 expect_run threads-1e5 sweep "$(pool base)" --threads 100000
grep -q "note: --threads 100000 capped at the" "$tmp/err" || fail "threads-1e5: no note: $(cat "$tmp/err")"
printf '[pool.greedy]\ndeadline_factor = "[1:inf:pow2]"\n' >"$tmp/pow2_inf.toml"
expect_error pow2-to-inf "greedy.deadline_factor|'inf' is not a finite number" \
  timeout 20 "$spotsweep" pool info "$tmp/pow2_inf.toml"
# A 2^40-member pool is described, and refused by the sweep with its estimate.
{
  printf '[pool.pf]\ntheta = "[0.001:1.024:0.001]"\nkappa = "[0.001:1.024:0.001]"\n'
  printf 'rho = "[1:1024:1]"\nhysteresis = "[0:1:0.0009775171065493646]"\n'
  sed -n '/^\[workload\]/,$p' "$(pool p40_base)"
} >"$tmp/p40.toml"
"$spotsweep" pool info "$tmp/p40.toml" >"$tmp/out" 2>&1
grep -q "pool: 1099511627776 members" "$tmp/out" || fail "pool-2^40 info: $(head -n 2 "$tmp/out")"
expect_error pool-2^40 "p40.toml: pool = 1099511627776 members|TiB of host memory|shrink the pool" \
  sweep "$tmp/p40.toml" --opt-buckets 0
# Importers: a span or a date that would make more than 2^30 ticks.
printf '0,1\n1e11,1\n' >"$tmp/steps.csv"
expect_error bamboo-span-1e11 "steps.csv|span = 100000000000 s|2^30" \
  "$spotsweep" traces import --format bamboo-steps-csv --time-unit s --convention available \
  --tick 60 --spot-price 1 --od-price 3 --input "$tmp/steps.csv" --output "$tmp/steps.h5"
printf '2021-12-01, 10:00:00, 1\n9999-12-01, 10:00:00, 1\n' >"$tmp/gcp.txt"
expect_error gcp-year-9999 "gcp.txt|span|2^30" \
  "$spotsweep" traces import --format bamboo-gcp-txt --convention available --tick 60 \
  --spot-price 1 --od-price 3 --input "$tmp/gcp.txt" --output "$tmp/gcp.h5"
# 11. Silent wraps of integer fields.
{
  echo "run_id,scheduled_at,status,zone,instances_requested,instances_created,capacity_exhausted_detected"
  echo "1,2024-01-01 00:00:00,success,z,99999999999,1,false"
  echo "2,2024-01-01 00:10:00,success,z,99999999999,0,true"
} >"$tmp/probes.csv"
expect_error probes-capacity "probes.csv:2|instances_requested = 99999999999|2147483647" \
  "$spotsweep" traces import --format h100-probes-csv --key z --convention available --tick 600 \
  --spot-price 1 --od-price 3 --input "$tmp/probes.csv" --output "$tmp/probes.h5"
# 12. A utility range too wide for finite arithmetic (every reward NaN).
{ cat "$(pool sel 'work=1e4')"; printf '[pool.greedy.b]\ndeadline_factor = 0.8\n[select]\nutility_range = [-1e308, 1e308]\n'; } >"$tmp/range.toml"
expect_error utility-range "range.toml|select.utility_range = [-1e308, 1e308]|1e38" \
  "$spotsweep" select --backend cpu --pool "$tmp/range.toml" --output "$tmp/sel.h5"
# The same range given on the command line.
{ cat "$(pool sel 'work=1e4')"; printf '[pool.greedy.b]\ndeadline_factor = 0.8\n'; } >"$tmp/sel2.toml"
expect_error utility-range-option "--utility-range|-1e+308,1e+308|1e38" \
  "$spotsweep" select --backend cpu --pool "$tmp/sel2.toml" --output "$tmp/sel.h5" \
  --utility-range=-1e308,1e308
# A scenario axis given with -a meets the same range checks as [job] (here the hard deadline of
# its second point), before anything runs.
expect_error axis-override-gamma "gamma = 20000000|2^32 s" \
  "$spotsweep" sweep --backend cpu --pool "$(pool axis 'work=1e4')" --output "$tmp/axis.h5" \
  -a "job.gamma=[1.5, 2e7]"
[ -e "$tmp/axis.h5" ] && fail "axis-override-gamma: wrote $tmp/axis.h5"
# A figure that would replace an input is refused before the run.
expect_error png-over-pool "--png|is the same file as the input" \
  "$spotsweep" select --backend cpu --pool "$tmp/sel2.toml" --output "$tmp/sel.h5" \
  --png "$tmp/sel2.toml"
# 13. The smaller problems.
printf '[pool.greedy]\ndeadline_factor = "[0.1:1:inf]"\n' >"$tmp/step_inf.toml"
expect_error range-step-inf "'inf' is not a finite number" "$spotsweep" pool info "$tmp/step_inf.toml"
printf '[pool.greedy]\ndeadline_factor = "[1e17:1.00000000001e17:1]"\n' >"$tmp/repeat.toml"
expect_error range-repeats "repeats the value 1e+17|12 significant digits" \
  "$spotsweep" pool info "$tmp/repeat.toml"
printf '[pool.greedy]\ndeadline_factor = "[0x1p-1:1:0.5]"\n' >"$tmp/hex.toml"
expect_error range-hex "'0x1p-1' is hexadecimal" "$spotsweep" pool info "$tmp/hex.toml"
printf '[pool.pf]\nhysteresis = "[1e-310:1:0.5]"\n' >"$tmp/denormal.toml"
"$spotsweep" pool info "$tmp/denormal.toml" >"$tmp/out" 2>&1 && grep -q "hysteresis (3): 1e-310, 0.5, 1" "$tmp/out" ||
  fail "range-denormal: $(cat "$tmp/out")"
expect_error n-max-minus-1 "n_max = -1|must be at least 1" "${sim0[@]}" --n-max -1 --work-hours 1
expect_error seed-minus-1 "--seed|-1 is negative" "${sim[@]}" --work-hours 1 --seed -1
expect_error theta-hex "--theta|0x1p-1 is hexadecimal" "${sim[@]}" --work-hours 1 --policy pf --theta 0x1p-1
expect_error n-max-octal "--n-max|leading zeros" "${sim0[@]}" --n-max 010 --work-hours 1
expect_error eps-l-minus-1 "--eps-l = -1|above -1" "${sim[@]}" --work-hours 1 --workload-error bias --eps-l -1
mkfifo "$tmp/fifo.h5"
expect_error trace-fifo "fifo.h5|a FIFO, not a regular file" timeout 20 "$spotsweep" traces info "$tmp/fifo.h5"
expect_error synth-bad-csv "/nonexistent/x.csv|--regime-csv|its folder does not exist" \
  "$spotsweep" traces synth --out "$tmp/synth.h5" --regime-csv /nonexistent/x.csv
expect_no_file "$tmp/synth.h5"

# 10. A corrupt byte: the checksum, not libhdf5, reports it. One byte in each of the header,
#     the superblock, the global heap of the string attributes and the data.
size=$(stat -c %s "$trace")
for offset in 40 600 $((size / 2)) $((size - 100)); do
  cp "$trace" "$tmp/corrupt.h5"
  printf '\xff' | dd of="$tmp/corrupt.h5" bs=1 seek="$offset" conv=notrunc status=none
  expect_error "flipped-byte-$offset" "corrupt.h5|corrupt" "$spotsweep" traces info "$tmp/corrupt.h5"
done
head -c 9000 "$trace" >"$tmp/truncated.h5"
expect_error truncated "truncated.h5|length = 9000 bytes|truncated" "$spotsweep" traces info "$tmp/truncated.h5"

# Files that pass the checksum but lie: a sealed trace declaring 2^30 ticks it never stored,
# and a 64-bit capacity of 2^40 (read as 2147483647 before). Made with h5py and sealed as
# docs/trace-format.md says any writer does.
if [ -x "$py" ] && "$py" -c "import h5py" 2>/dev/null; then
  "$py" - "$tmp" <<'PY'
import hashlib, sys
import h5py, numpy as np
tmp = sys.argv[1]
def seal(path):
    data = open(path, "rb").read()
    head = f"spotsweep-sealed-hdf5 1\nlength {len(data)}\nsha256 {hashlib.sha256(data[512:]).hexdigest()}\n"
    with open(path, "r+b") as f:
        f.write(head.encode().ljust(512, b"\0"))
def trace(path, n, capacity=np.int32(1), store=True):
    with h5py.File(path, "w", userblock_size=512) as f:
        for name, dtype in (("spot_price", "f8"), ("spot_avail", "i4")):
            d = f.create_dataset(name, (n,), dtype=dtype, chunks=(min(n, 16384),))
            if store:
                d[...] = 1
        f.attrs.update(format_version=np.int32(2), tick_seconds=60.0, od_price=3.0,
                       capacity=capacity, name="x", source="x", start_time="")
    seal(path)
trace(f"{tmp}/declared.h5", 1 << 30, store=False)
trace(f"{tmp}/capacity.h5", 10, capacity=np.int64(1 << 40))
PY
  expect_error declared-size "declared.h5|1073741824 values|stores only" \
    "$spotsweep" traces info "$tmp/declared.h5"
  expect_error capacity-int64 "capacity.h5|capacity = 1099511627776|2147483647" \
    "$spotsweep" traces info "$tmp/capacity.h5"
else
  echo "skip declared-size, capacity-int64: $py lacks h5py"
fi

finish hostile_input
