# Sourced by the CLI scripts that read files back in Python: $py is /usr/bin/python3 (the one
# with h5py, numpy and matplotlib), and require_python MODULE... makes the script skip (exit 77)
# unless $py imports every MODULE.
py=/usr/bin/python3

require_python() {
  if ! [ -x "$py" ] || ! "$py" -c "import $(IFS=,; echo "$*")" 2>/dev/null; then
    echo "skip: $py lacks one of: $*"
    exit 77
  fi
}
