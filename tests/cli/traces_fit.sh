#!/usr/bin/env bash
# `traces fit` and `traces synth`: the fitted [synthetic] table drives a sweep as written,
# every market kind writes a readable trace, --help names every adversary parameter, and bad
# input is one line with no file left. Usage: traces_fit.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -u
spotsweep=$1; repo=$2; tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp"
# shellcheck source=../support/expect_error.sh
source "$repo/tests/support/expect_error.sh"

# 1. Fit a real trace; the printed fraction matches `traces info`; the table feeds a sweep.
if ! "$spotsweep" traces fit --trace "$repo/data/v100_us-east-2b.h5" --model markov_modulated \
    --out "$tmp/fit.toml" >"$tmp/fit.out" 2>"$tmp/fit.err"; then
  fail "traces fit: $(cat "$tmp/fit.err")"
fi
grep -q '^avail fraction (a >= 1)   0.6822' "$tmp/fit.out" || fail "fit: fraction line: $(grep 'avail fraction' "$tmp/fit.out")"
grep -q '^availability_model = "markov_modulated"' "$tmp/fit.toml" || fail "fit.toml lacks the model"
cat >"$tmp/sweep.toml" <<TOML
[pool.greedy]
deadline_factor = [1.0]
[pool.on_demand]
n_gpus = [1]
[workload]
synthetic = true
scenarios = 2
rounds = 2
round_stride = 100
seed = 1
[job]
work = 2e5
deadline_h = 2
n_min = 1
n_max = 1
alpha = 100
value = 50
TOML
grep -v '^#' "$tmp/fit.toml" >>"$tmp/sweep.toml"
if ! "$spotsweep" sweep --pool "$tmp/sweep.toml" --output "$tmp/sweep.h5" --backend cpu \
    --opt-buckets 0 >"$tmp/sweep.out" 2>&1; then
  fail "sweep on the fitted table: $(tail -3 "$tmp/sweep.out")"
fi

# 2. Every kind writes a trace that `traces info` reads.
for kind in synthetic regime_flip deadline_trap poisoning; do
  if ! "$spotsweep" traces synth --kind $kind --seed 3 --param n_slots=500 \
      --out "$tmp/$kind.h5" --regime-csv "$tmp/$kind.csv" >"$tmp/synth.out" 2>&1; then
    fail "synth $kind: $(cat "$tmp/synth.out")"; continue
  fi
  "$spotsweep" traces info "$tmp/$kind.h5" | grep -q '^slots         500 x 600 s' || fail "info $kind"
  [ "$(wc -l <"$tmp/$kind.csv")" -eq 501 ] || fail "$kind.csv rows"
done
"$spotsweep" traces synth --kind regime_flip --param period_slots=10 --param storm.mean_spot_fraction=2 \
  --param n_slots=40 --out "$tmp/flip.h5" --regime-csv "$tmp/flip.csv" >/dev/null || fail "regime_flip params"
[ "$(sed -n '12p;22p' "$tmp/flip.csv" | tr '\n' ' ')" = "10,1 20,0 " ] || fail "flip.csv: period 10 not followed"

# 3. --help documents every adversary and its parameters.
"$spotsweep" traces synth --help >"$tmp/help.out"
for key in regime_flip period_slots phase_slots deadline_trap job_start_slot deadline_slots \
    trap_slots round_stride_slots trap_avail_fraction trap_price_multiplier poisoning \
    storm_enter_prob storm_exit_prob calm. storm. base.; do
  grep -qF -- "$key" "$tmp/help.out" || fail "synth --help lacks $key"
done

# 4. Bad input: one line, non-zero, no output.
expect_error model "--model = gamma" \
  "$spotsweep" traces fit --trace "$repo/data/v100_us-east-2b.h5" --model gamma --out "$tmp/bad.toml"
expect_no_file "$tmp/bad.toml"
expect_error kind "--kind = storm" "$spotsweep" traces synth --kind storm --out "$tmp/bad.h5"
expect_no_file "$tmp/bad.h5"
expect_error param "trap_slots" \
  "$spotsweep" traces synth --kind deadline_trap --param trap_slots=99 --out "$tmp/bad.h5"
expect_no_file "$tmp/bad.h5"
expect_error key "period_slot" \
  "$spotsweep" traces synth --kind regime_flip --param period_slot=3 --out "$tmp/bad.h5"
expect_no_file "$tmp/bad.h5"

finish traces_fit
