#!/usr/bin/env bash
# Installs spotsweep's build and test dependencies from Debian's archive (only those missing).
set -euo pipefail
# Build: the compiler, CMake and the libraries. Tests: h5py and matplotlib for the Debian
# interpreter (/usr/bin/python3), xarray with h5netcdf (outputs open with labelled
# coordinates), clang-format for the `format` test, git for the docs test (the tracked files),
# Open MPI for runs under mpirun (docs/mpi.md) and their tests. The sanitizer build and the
# fuzzers (docs/reliability.md): clang-14 with its OpenMP runtime and libFuzzer.
packages=(cmake make g++ libhdf5-dev libcli11-dev libgtest-dev librandom123-dev libtomlplusplus-dev
  nlohmann-json3-dev python3-h5py python3-matplotlib python3-xarray python3-h5netcdf clang-format
  git openmpi-bin libopenmpi-dev clang-14 libomp-14-dev libfuzzer-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
