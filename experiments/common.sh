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
