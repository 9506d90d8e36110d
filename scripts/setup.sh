#!/usr/bin/env bash
# Installs everything raictl needs to build, test and run its demo, from Debian's packages.
# Run as root. Safe to run again: it only calls apt-get when a package is missing.
set -euo pipefail

packages=(
  # build
  g++ cmake make pkg-config git
  libhiredis-dev libuv1-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libspdlog-dev libfmt-dev libcurl4-openssl-dev libnl-route-3-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-format clang-tidy
  # servers and the cluster simulation
  redis-server docker.io busybox-static iproute2 iptables util-linux procps curl
)

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: run as root (it installs packages with apt-get)" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup.sh: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup.sh: done"
