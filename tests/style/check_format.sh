#!/usr/bin/env bash
# The `format` test: every C++ and CUDA source of the repository is as .clang-format formats it
# (Debian's clang-format 14, installed by scripts/install-deps.sh). To fix a failure:
#   git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' | xargs clang-format -i
# Usage: check_format.sh REPO_ROOT
set -euo pipefail
repo=$1
cd "$repo"
clang_format=$(command -v clang-format || true)
if [ -z "$clang_format" ]; then
  echo "FAIL: clang-format is not installed (scripts/install-deps.sh installs it)"
  exit 1
fi
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  # Tracked and new files as they are in the working tree (a deleted file is not checked).
  mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.cu' \
                         '*.cuh' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
else
  mapfile -t files < <(find include src kernels tests -name '*.cpp' -o -name '*.hpp' -o -name '*.cu' -o -name '*.cuh')
fi
bad=()
for f in "${files[@]}"; do
  "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "FAIL: ${#bad[@]} of ${#files[@]} files are not clang-formatted:"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "ok: ${#files[@]} files clang-formatted ($("$clang_format" --version))"
