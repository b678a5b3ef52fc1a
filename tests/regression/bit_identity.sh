#!/usr/bin/env bash
# Bit identity of the outputs (DEVELOPERS.md, docs/testing.md): runs the shipped pools that take
# seconds (sweep, select, stress, heatmap, cbl, simulate, traces synth) and compares a digest of
# every dataset and attribute, provenance attributes left out, with tests/regression/checksums.txt.
# A change that alters outputs on purpose re-baselines that file in a commit of its own:
#   bash tests/regression/bit_identity.sh build/spotsweep . /tmp/bi --write
# Usage: bit_identity.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR [--write]
set -euo pipefail
spotsweep=$(realpath "$1"); repo=$(realpath "$2"); tmp=$3; mode=${4:-check}
py=/usr/bin/python3
rm -rf "$tmp"; mkdir -p "$tmp"; tmp=$(realpath "$tmp")
pools=$repo/experiments/pools
here=$repo/tests/regression
run() { "$@" >"$tmp/last.out" 2>"$tmp/last.err" || { echo "FAIL: $*"; cat "$tmp/last.err"; exit 1; }; }
cd "$tmp"

# Sweeps of the shipped pools and of the coverage pools beside this script.
for pool in "$pools/pf_small.toml" "$pools/chc_small.toml" "$pools/chc_lagrangian.toml" \
    "$pools/chc_learned.toml" "$here/pools/chc_composition.toml" "$here/pools/cbl_mode.toml" "$here/pools/synthetic_mixed.toml"; do
  name=$(basename "$pool" .toml)
  run "$spotsweep" sweep --pool "$pool" --output "$name.h5" --backend cpu
  outputs+=("sweep_$name=$name.h5")
done
run "$spotsweep" sweep --pool "$pools/pf_small.toml" --output pf_traced.h5 --backend cpu \
  --per-scenario --trace-members 0,7,80 --opt-buckets 64 --seed 3
outputs+=("sweep_pf_traced=pf_traced.h5")
# Heatmaps: signed improvement against OPT and a family, the mean and a pinned axis.
run "$spotsweep" heatmap pf_small.h5 --family pf --x theta --y kappa --out hm_pf
run "$spotsweep" heatmap pf_small.h5 --family pf --x rho --y kappa --metric improvement \
  --baseline greedy --reduce mean --fix hysteresis=0 --out hm_pf_greedy
run "$spotsweep" heatmap chc_small.h5 --family chc --x eps --y commit --metric regret --out hm_chc
outputs+=(hm_pf=hm_pf.h5 hm_pf_csv=hm_pf.csv hm_pf_greedy=hm_pf_greedy.h5 hm_chc=hm_chc.h5)
# Online selection: the default learner with delayed feedback on the shipped pool, the bandit
# learner, anytime Hedge and FlipFlop without delay on smaller runs.
run "$spotsweep" select --pool "$pools/select_small.toml" --output select_small.h5 --backend cpu
run "$spotsweep" select --pool "$pools/select_small.toml" --output select_bandit.h5 --backend cpu \
  --feedback bandit --opt-buckets 0 --seed 2
run "$spotsweep" select --pool "$pools/pf_small.toml" --output select_anytime.h5 --backend cpu \
  --learner hedge --eta anytime --opt-buckets 32
run "$spotsweep" select --pool "$pools/pf_small.toml" --output select_flipflop.h5 --backend cpu \
  --learner flipflop --feedback-delay none --opt-buckets 0
outputs+=(select_small=select_small.h5 select_bandit=select_bandit.h5 select_anytime=select_anytime.h5
  select_flipflop=select_flipflop.h5)
run "$spotsweep" stress --pool "$repo/experiments/stress/small.toml" --output stress_small.h5 --backend cpu
outputs+=(stress_small=stress_small.h5)
# Can't Be Late replay on a fixture made from the shipped SkyNomad us-east-1a availability
# (Apache-2.0), relabelled with 600 s ticks: 12 windows x 9 settings x 4 policies.
mkdir -p cbl
"$py" - "$repo/data/skynomad/us-east-1a_v100_1.csv" cbl <<'PY'
import csv, json, sys
rows = [int(r["availability"]) for r in csv.DictReader(open(sys.argv[1]))][:4000]
json.dump({"metadata": {"gap_seconds": 600}, "data": rows}, open(sys.argv[2] + "/fixture_v100_1.json", "w"))
with open(sys.argv[2] + "/windows.csv", "w") as out:
    out.write("env,window_id,start_tick,end_tick\n")
    for i in range(12):
        out.write(f"fixture_v100_1,{i},{i * 250},{i * 250 + 554}\n")
PY
run "$spotsweep" cbl --windows cbl/windows.csv --traces cbl --backend cpu --out cbl.csv
tail -n +2 "$tmp/last.out" >cbl_summary.txt  # line 1 holds the wall time
outputs+=(cbl=cbl.csv cbl_summary=cbl_summary.txt)
# simulate: every policy's report and one per-slot log.
trace=$repo/data/v100_us-east-2b.h5
for policy in on_demand greedy uniform_progress pf chc; do
  chc_options=()
  [ "$policy" = chc ] && chc_options=(--window 12 --commit 2 --eps 0.2)
  run "$spotsweep" simulate --trace "$trace" --start 700 --policy "$policy" --work-hours 8 \
    --deadline-hours 10 --gamma 1 --n-max 2 --throughput unit --reconfig-s 300 --value 60 \
    "${chc_options[@]}" --opt-resolution 4
  cp "$tmp/last.out" "simulate_$policy.txt"
  outputs+=("simulate_$policy=simulate_$policy.txt")
done
run "$spotsweep" simulate --trace "$trace" --policy chc --predictor holt-winters --window 24 \
  --commit 4 --work-hours 12 --deadline-hours 16 --gamma 1 --n-max 1 --throughput unit \
  --reconfig-s 720 --value 200 --no-opt --lagrange-iters 3 --slot-csv slots.csv
cp "$tmp/last.out" simulate_chc_hw.txt
outputs+=(simulate_chc_hw=simulate_chc_hw.txt slots=slots.csv)
for kind in synthetic regime_flip deadline_trap poisoning; do
  run "$spotsweep" traces synth --kind $kind --seed 4 --param n_slots=300 --out "synth_$kind.h5" \
    --regime-csv "synth_$kind.csv"
  outputs+=("synth_$kind=synth_$kind.h5" "synth_${kind}_csv=synth_$kind.csv")
done

"$py" "$here/h5_digest.py" "${outputs[@]}" --root "$tmp" --root "$repo" >digest.txt
if [ "$mode" = "--write" ]; then
  cp digest.txt "$here/checksums.txt"
  echo "wrote $here/checksums.txt: $(wc -l <digest.txt) digests"
  exit 0
fi
if diff -u "$here/checksums.txt" digest.txt >digest.diff; then
  echo "ok: $(wc -l <digest.txt) digests of ${#outputs[@]} outputs are bit-identical"
  exit 0
fi
echo "FAIL: outputs differ from tests/regression/checksums.txt (object: stored -> now):"
"$py" - digest.diff <<'PY'
import sys
old, new = {}, {}
for line in open(sys.argv[1]):
    if line.startswith(("---", "+++", "@@")):
        continue
    if line[:1] in "-+":
        key, _, value = line[1:].rstrip("\n").rpartition(" ")
        (old if line[0] == "-" else new)[key] = value
for key in sorted(set(old) | set(new)):
    print(f"  {key}: {old.get(key, 'absent')} -> {new.get(key, 'absent')}")
PY
exit 1
