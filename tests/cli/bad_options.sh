#!/usr/bin/env bash
# Bad options and config files: exit status 2 and one line on stderr naming the option or key
# and the value, as for bad input files (bad_input.sh). Usage: bad_options.sh SPOTSWEEP REPO_ROOT SCRATCH_DIR
set -u
spotsweep=$1; repo=$2; tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp"

# Every error here is bad input: exit status 2 exactly.
expect_status=2
# shellcheck source=../support/expect_error.sh
source "$repo/tests/support/expect_error.sh"

trace=$repo/data/v100_us-east-1a.h5
sim=("$spotsweep" simulate --trace "$trace" --work-hours 4 --deadline-hours 8 --no-opt)

# Command-line parse errors.
expect_error unknown-option "--bogus" "${sim[@]}" --bogus
expect_error not-a-number "--theta = abc" "${sim[@]}" --policy pf --theta abc
expect_error missing-required "--trace: required" "$spotsweep" simulate --policy pf --work-hours 4 --deadline-hours 8
expect_error no-subcommand "subcommand is required" "$spotsweep"
expect_error missing-config "nothere.toml" "$spotsweep" --config "$tmp/nothere.toml" simulate

# Policy parameters follow the pool table's ranges.
expect_error pf-hysteresis "command line|--hysteresis = 2|out of range [0, 1]" "${sim[@]}" --policy pf --hysteresis 2
expect_error pf-theta "--theta = 0|out of range (0, inf)" "${sim[@]}" --policy pf --theta 0
expect_error greedy-factor "--deadline-factor = 0|out of range" "${sim[@]}" --policy greedy --deadline-factor 0
expect_error od-gpus "--n-gpus = -1|out of range" "${sim[@]}" --policy on-demand --od-gpus -1
expect_error n-gpus "--n-gpus = -1|out of range" "${sim[@]}" --policy on-demand --n-gpus -1
expect_error commit-window "--commit = 6|exceeds --window = 4" "${sim[@]}" --policy chc --window 4 --commit 6
expect_error axis-of-another-family "--theta = 0.5|not an option of policy greedy|--deadline-factor" "${sim[@]}" --policy greedy --theta 0.5
expect_error chc-lagrange "--lagrange-iters = 70|out of range [0, 64]" "${sim[@]}" --policy chc --lagrange-iters 70
expect_error bench-lagrange "--lagrange-iters = 65|out of range [0, 64]" "$spotsweep" bench --family chc --lagrange-iters 65
expect_error opt-resolution "--opt-resolution = 0|must be at least 1" \
  "$spotsweep" simulate --trace "$trace" --work-hours 4 --deadline-hours 8 --opt-resolution 0

# Config files: unknown keys, misspelt tables and wrong types are errors naming the file.
printf '[simulate]\nbogus = 2\n' >"$tmp/unknown.toml"
expect_error config-unknown-key "unknown.toml|simulate.bogus|not an option" \
  "$spotsweep" --config "$tmp/unknown.toml" "${sim[@]:1}"
# One dialect: snake_case keys (the names of [job]) and their kebab-case aliases both apply.
printf '[simulate]\nn_min = 3\nn_max = 2\n' >"$tmp/underscore.toml"
expect_error config-snake-case "n_min = 3|n_max = 2" "$spotsweep" --config "$tmp/underscore.toml" "${sim[@]:1}"
printf '[simulate]\nn-min = 3\nn-max = 2\n' >"$tmp/kebab.toml"
expect_error config-kebab-alias "n_min = 3|n_max = 2" "$spotsweep" --config "$tmp/kebab.toml" "${sim[@]:1}"
# Options after the subcommand behave like options before it; snake_case works on the command line.
expect_error config-after-subcommand "n_min = 3|n_max = 2" "${sim[@]}" --config "$tmp/underscore.toml"
expect_error snake-option "n_min = 3|n_max = 2" "${sim[@]}" --n_min 3 --n_max 2
printf '[simulate]\nn_maxx = 2\n' >"$tmp/typo.toml"
expect_error config-typo-line "typo.toml:2|simulate.n_maxx|not an option of \`spotsweep simulate\`" \
  "$spotsweep" --config "$tmp/typo.toml" "${sim[@]:1}"
printf '[Simulate]\nn-max = 2\n' >"$tmp/case.toml"
expect_error config-table-case "case.toml|[Simulate]: not a subcommand" "$spotsweep" --config "$tmp/case.toml" "${sim[@]:1}"
printf '[simulate]\nn-max = "two"\n' >"$tmp/type.toml"
expect_error config-type "--n-max = two|type.toml" "$spotsweep" --config "$tmp/type.toml" "${sim[@]:1}"
# A table for another subcommand is not an error: one file can serve several commands.
printf '[simulate]\nn-max = 2\n[sweep]\nthreads = 1\n' >"$tmp/two.toml"
if "$spotsweep" --config "$tmp/two.toml" "${sim[@]:1}" >"$tmp/out" 2>"$tmp/err"; then
  echo "ok   config-other-table"
else
  fail "config-other-table: $(cat "$tmp/err")"
fi

expect_error select-feedback "command line|--feedback = partial" \
  "$spotsweep" select --pool "$repo/experiments/pools/select_small.toml" --output "$tmp/s.h5" --feedback partial
expect_error select-bandit-anytime "eta = anytime|learner hedge only" \
  "$spotsweep" select --pool "$repo/experiments/pools/select_small.toml" --output "$tmp/s.h5" --feedback bandit --eta anytime
expect_error select-learner "command line|--learner = squint|expected one of flipflop, adahedge" \
  "$spotsweep" select --pool "$repo/experiments/pools/select_small.toml" --output "$tmp/s.h5" --learner squint
expect_error select-learner-feedback "--feedback = bandit|learner flipflop takes full feedback" \
  "$spotsweep" select --pool "$repo/experiments/pools/select_small.toml" --output "$tmp/s.h5" --learner flipflop --feedback bandit
expect_error select-delay "--feedback-delay = later|expected one of finish, none" \
  "$spotsweep" select --pool "$repo/experiments/pools/select_small.toml" --output "$tmp/s.h5" --feedback-delay later

# Counts.
expect_error bench-members "--members = -5|must be >= 1" "$spotsweep" bench --members -5
expect_error bench-scenarios "--scenarios = 0|must be >= 1" "$spotsweep" bench --scenarios 0
expect_error bench-rounds "--rounds = -1|must be >= 1" "$spotsweep" bench --rounds -1
expect_error bench-family "--family = lstm|chc|only_spot" "$spotsweep" bench --family lstm
expect_error sweep-threads "--threads = -2|must be >= 0" \
  "$spotsweep" sweep --pool "$repo/experiments/pools/pf_small.toml" --output "$tmp/x.h5" --threads -2
[ ! -e "$tmp/x.h5" ] || fail "sweep-threads left $tmp/x.h5"

# Text outputs (per-slot CSV, predict CSV) are written under a per-process temporary name: a
# user's own FILE.tmp survives a run, and a run that fails leaves an existing output as it was.
for kind in slot predict; do
  out=$tmp/$kind.csv
  printf 'mine\n' >"$out.tmp"
  if [ "$kind" = slot ]; then
    run=("${sim[@]}" --policy greedy --slot-csv "$out")
  else
    run=("$spotsweep" predict "$trace" --window 4 --models last --output "$out")
  fi
  if ! "${run[@]}" >"$tmp/out" 2>"$tmp/err" || [ "$(cat "$out.tmp")" != mine ] || [ ! -s "$out" ] ||
    ls "$out".partial-* >/dev/null 2>&1; then
    fail "$kind-output-keeps-user-tmp: $(cat "$tmp/err") $(ls "$out"*)"
  else
    echo "ok   $kind-output-keeps-user-tmp"
  fi
done
printf 'earlier run\n' >"$tmp/kept.csv"
expect_error failed-run-keeps-output "--hysteresis = 3" "${sim[@]}" --policy pf --hysteresis 3 --slot-csv "$tmp/kept.csv"
[ "$(cat "$tmp/kept.csv")" = "earlier run" ] && ! ls "$tmp"/kept.csv.partial-* >/dev/null 2>&1 ||
  fail "failed-run-keeps-output: $(ls "$tmp"/kept.csv*)"

# --chc-bound needs a traced CHC member (docs/chc.md), and leaves no file when refused.
expect_error chc-bound-without-chc "--chc-bound|no traced CHC member" \
  "$spotsweep" sweep --pool "$repo/experiments/pools/pf_small.toml" --output "$tmp/b.h5" --opt-buckets 0 --trace-members 0 --chc-bound
[ ! -e "$tmp/b.h5" ] || fail "chc-bound-without-chc: left $tmp/b.h5"

mkdir -p "$tmp/afolder"
expect_error output-is-folder "afolder|is a folder" \
  "$spotsweep" sweep --pool "$repo/experiments/pools/pf_small.toml" --output "$tmp/afolder" --opt-buckets 0
# Both trace writers name their own command's option: traces synth has --out, traces import --output.
expect_error synth-out-is-folder "afolder|--out: is a folder" \
  "$spotsweep" traces synth --out "$tmp/afolder"
printf 'date,availability\n2023-02-15 22:08:16,1\n2023-02-15 22:11:31,0\n' >"$tmp/good.csv"
expect_error import-output-is-folder "afolder|--output: is a folder" \
  "$spotsweep" traces import --format skynomad-csv --convention available --tick 195 --od-price 3.06 \
  --spot-price 0.9 --input "$tmp/good.csv" --output "$tmp/afolder"

# --help and --version still exit 0.
"$spotsweep" --help >/dev/null && "$spotsweep" --version >/dev/null && "$spotsweep" simulate --help >/dev/null ||
  fail "help/version exit non-zero"

finish bad_options
