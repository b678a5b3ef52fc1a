# Sourced by the experiment scripts (experiments/*/run.sh, bench_select.sh): $root is the
# repository, $py is /usr/bin/python3 (the one with h5py and matplotlib), and $work is a scratch
# folder removed on exit; when the script fails, $work/log (where the scripts collect the
# spotsweep runs' stderr) is printed first.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rc=$?; if [ $rc -ne 0 ] && [ -f "$work/log" ]; then cat "$work/log" >&2; fi; rm -rf "$work"; exit $rc' EXIT

# experiment_args SPOTSWEEP OUT_DIR [--smoke]: the arguments of an experiments/*/run.sh. Sets
# $bin (made absolute), $out (created), $smoke ("--smoke" or empty), $here (the script's folder)
# and $buckets, OPT's progress buckets: 256, or 32 with --smoke.
experiment_args() {
  if [ $# -lt 2 ]; then
    echo "usage: bash $0 SPOTSWEEP OUT_DIR [--smoke]" >&2
    exit 2
  fi
  bin=$(realpath "$1") out=$2 smoke=${3:-}
  here=$(cd "$(dirname "$0")" && pwd)
  # An experiment never writes into tracked files: docs/figures holds what was published, copied
  # there by hand from a run's OUT_DIR (docs/RESULTS.md).
  if [ -d "$out" ] && [ -n "$(git -C "$out" ls-files . 2>/dev/null | head -1)" ]; then
    echo "$0: OUT_DIR $out holds tracked files; write to another folder (e.g. results/figures) and copy what you publish" >&2
    exit 2
  fi
  mkdir -p "$out"
  buckets=256
  if [ "$smoke" = "--smoke" ]; then buckets=32; fi
}

# market_config MARKET SMOKE_ROUNDS: sets $toml to $work/MARKET.toml, $here/config.toml with the
# market's trace: `synthetic`, the market of (g) and (h) (seed 2026, 12,000 slots of a
# Markov-modulated market of capacity 16, generated into $work once); `stormy`, the same model
# with capacity 8, storms 4x as frequent, 5x the price volatility and faster mean reversion (the
# tight setting of Select.WeightFollowsPredictionQuality); else data/MARKET.h5; with
# --smoke, 2 scenarios x SMOKE_ROUNDS rounds.
market_config() {
  local market=$1 smoke_rounds=$2 trace
  toml="$work/$market.toml"
  cp "$here/config.toml" "$toml"
  if [ "$smoke" = "--smoke" ]; then
    sed -i -e "s/^scenarios = [0-9]*/scenarios = 2/" -e "s/^rounds = [0-9]*/rounds = $smoke_rounds/" "$toml"
  fi
  if [ "$market" = synthetic ]; then
    trace="$work/synthetic.h5"
    [ -f "$trace" ] || "$bin" traces synth --kind synthetic --seed 2026 --param n_slots=12000 \
      --param availability_model=markov_modulated --param capacity=16 --out "$trace" >> "$work/log"
  elif [ "$market" = stormy ]; then
    trace="$work/stormy.h5"
    [ -f "$trace" ] || "$bin" traces synth --kind synthetic --seed 2026 --param n_slots=12000 \
      --param availability_model=markov_modulated --param capacity=8 \
      --param storm_enter_prob=0.02 --param storm_exit_prob=0.05 \
      --param volatility_per_sqrt_hour=0.5 --param mean_reversion_per_hour=0.5 \
      --out "$trace" >> "$work/log"
  else
    trace="$root/data/$market.h5"
  fi
  sed -i -e "s#^trace = .*#trace = \"$trace\"#" "$toml"
}
