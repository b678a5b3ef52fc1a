# Sourced by the CLI scripts (tests/cli/*.sh) that count failed checks in $failures instead of
# stopping at the first; safe under `set -e`. Writes the commands' output to $tmp (else the
# current folder).
#   fail MESSAGE...: prints "FAIL MESSAGE" and counts a failure.
#   expect_error NAME "needle1|needle2|..." command...: passes when the command exits non-zero
#     (exactly $expect_status when that is set) with exactly one stderr line,
#     "spotsweep: error: ...", holding every needle (as fixed strings).
#   expect_no_file PATH: fails when PATH, or a file whose name starts with PATH (a partial
#     output), exists.
#   finish NAME: prints NAME's verdict; exits 1 when any check failed.
failures=${failures:-0}

fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

expect_error() {
  local name=$1 needles=$2; shift 2
  local dir=${tmp:-.}
  local rc=0
  "$@" >"$dir/out" 2>"$dir/err" || rc=$?
  local lines; lines=$(wc -l <"$dir/err")
  if [ "$rc" -eq 0 ] || { [ -n "${expect_status:-}" ] && [ "$rc" -ne "$expect_status" ]; } ||
    [ "$lines" -ne 1 ] || ! grep -q '^spotsweep: error: ' "$dir/err"; then
    fail "$name: rc=$rc, $lines stderr lines:"; cat "$dir/err"; return
  fi
  local parts needle
  IFS='|' read -ra parts <<<"$needles"
  for needle in "${parts[@]}"; do
    if ! grep -qF -- "$needle" "$dir/err"; then
      fail "$name: '$needle' not in: $(cat "$dir/err")"; return
    fi
  done
  echo "ok   $name: $(cat "$dir/err")"
}

expect_no_file() {
  if ls "$1"* >/dev/null 2>&1; then fail "partial output left: $(ls -d "$1"*)"; fi
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$1: $failures failure(s)"
    exit 1
  fi
  echo "$1: ok"
}
