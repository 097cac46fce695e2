#!/usr/bin/env bash
# Long fuzzing runs (not CI): builds the fuzz preset and runs every harness
# (or the ones named) for SECONDS each, one after the other, with the seed
# corpus of tests/fuzz/corpus/<harness>/ read-only and new inputs kept in
# build/fuzz/tests/fuzz/corpus/<harness>/.  Prints each run's libFuzzer
# summary (executions, coverage) and a closing "N passed, N failed"; a
# crashing input is left as build/fuzz/tests/fuzz/crash-* (or timeout-*).
#   scripts/fuzz.sh [-t SECONDS] [fuzz_chan fuzz_wg ...]     default 600 s each
set -uo pipefail
cd "$(dirname "$0")/.."
secs=600
if [ "${1:-}" = -t ]; then secs=$2; shift 2; fi
scripts/deps.sh test || exit 1
cmake --preset fuzz >/dev/null && cmake --build --preset fuzz || exit 1
dir=build/fuzz/tests/fuzz
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=($(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//'))
passed=0; failed=0
for h in "${harnesses[@]}"; do
  mkdir -p "$dir/corpus/$h"
  echo "=== $h: $secs s ==="
  (cd "$dir" && "./$h" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
     "corpus/$h" "../../../../tests/fuzz/corpus/$h") > "$dir/$h.log" 2>&1
  rc=$?
  grep -E '^Done|stat::number_of_executed_units|stat::peak_rss_mb|cov: ' "$dir/$h.log" | tail -4
  if [ $rc -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "$h FAILED (exit $rc, $dir/$h.log)"; fi
done
echo "${passed} passed, ${failed} failed"
[ $failed -eq 0 ]
