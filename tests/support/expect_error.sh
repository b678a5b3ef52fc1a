# Sourced by the CLI scripts (tests/cli/bad_*.sh). expect_error NAME "needle1|needle2|..." command...
# passes when the command exits non-zero (exactly $expect_status when that is set) with exactly
# one stderr line, "spotsweep: error: ...", holding every needle. Uses $tmp; counts $failures.
expect_error() {
  local name=$1 needles=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$rc" -eq 0 ] || { [ -n "${expect_status:-}" ] && [ "$rc" -ne "$expect_status" ]; } ||
    [ "$lines" -ne 1 ] || ! grep -q '^spotsweep: error: ' "$tmp/err"; then
    echo "FAIL $name: rc=$rc, $lines stderr lines:"; cat "$tmp/err"; failures=$((failures + 1)); return
  fi
  IFS='|' read -ra parts <<<"$needles"
  for needle in "${parts[@]}"; do
    if ! grep -qF -- "$needle" "$tmp/err"; then
      echo "FAIL $name: '$needle' not in: $(cat "$tmp/err")"; failures=$((failures + 1)); return
    fi
  done
  echo "ok   $name: $(cat "$tmp/err")"
}
