#!/usr/bin/env bash
# Installs migflow's build and run dependencies from Debian 12 packages, skipping
# those already installed. Needs root (or sudo) only when something is missing.
# With arguments, installs those packages instead (tools/fuzz.sh uses it for clang).
set -euo pipefail

default_packages=(
  build-essential cmake pkg-config clang-format
  libboost-graph-dev libtbb-dev libhdf5-dev hdf5-tools zlib1g-dev libeigen3-dev libopenmpi-dev openmpi-bin
  libyaml-cpp-dev libcli11-dev librandom123-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  netcdf-bin python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-matplotlib python3-pandas
  python3-dev pybind11-dev python3-pytest python3-yaml python3-jsonschema python3-pil python3-venv mypy
  r-cran-ncdf4 chromium
)
if [ $# -gt 0 ]; then packages=("$@"); else packages=("${default_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
