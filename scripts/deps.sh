#!/usr/bin/env bash
# Installs the Debian 12 packages lfgo needs, only those that are missing.
#   scripts/deps.sh test    - build + test (compiler, CMake, Ninja, GoogleTest,
#                             abigail-tools for the ABI check, clang-14 with
#                             its sanitizer runtimes and libFuzzer for the
#                             fuzz preset)
#   scripts/deps.sh bench   - the above + Google Benchmark, Go, Concurrency Kit,
#                             liburcu, DPDK (rte_ring), atomic_queue, Abseil, TBB
#                             (the peers measured in the report)
set -euo pipefail
what=${1:-test}
pkgs=(gcc g++ cmake ninja-build pkg-config googletest python3 abigail-tools
      clang-14 libclang-rt-14-dev libfuzzer-14-dev)
pkgs+=(spin) # the ordering lab's models (ctest label models)
if [ "$what" = bench ]; then
  pkgs+=(libbenchmark-dev golang-go libck-dev liburcu-dev dpdk-dev libatomic-queue-dev libabsl-dev libtbb-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
