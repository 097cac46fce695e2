#!/usr/bin/env bash
# The whole test suite: installs what is missing, then configures, builds and
# tests every CI preset (plain optimised build with the full stress counts,
# ThreadSanitizer, AddressSanitizer+UBSan, the portable parking fallback,
# then ~60 s of the libFuzzer harnesses against their models: preset fuzz).
#   scripts/test.sh                 all of them
#   scripts/test.sh tsan release    only these presets
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test || exit 1
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release tsan asan-ubsan fallback fuzz)
export TSAN_OPTIONS="${TSAN_OPTIONS:-second_deadlock_stack=1 halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
passed=0; failed=0; bad=()
for p in "${presets[@]}"; do
  echo "=== preset $p ==="
  start=$SECONDS
  log=build/$p-ctest.log
  mkdir -p build
  cmake --workflow --preset "$p" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    f=${BASH_REMATCH[1]}; t=${BASH_REMATCH[2]}
    passed=$((passed + t - f)); failed=$((failed + f))
  fi
  if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
    bad+=("$p"); [ -n "$line" ] || failed=$((failed + 1))
  fi
  echo "=== preset $p: exit $rc, $((SECONDS - start)) s ==="
done
# CI shows only the end of this output: repeat each failed test's name and the
# end of its output here, so a failure is readable from the tail.
for p in "${bad[@]}"; do
  echo "=== failures in preset $p (from build/$p-ctest.log) ==="
  awk '/Test +#[0-9]+: .*\*\*\*(Failed|Timeout|Exception|Not Run +[0-9])/ {on=1; n=0; print; next}
       on && (/^ +Start +[0-9]+:/ || /^ *[0-9]+\/[0-9]+ Test +#/) {on=0}
       on && n < 60 {print; n++}' "build/$p-ctest.log"
  sed -n '/^The following tests FAILED:/,/^$/p' "build/$p-ctest.log"
  grep -E '^(FAILED|CMake Error|ninja: build stopped)|error:' "build/$p-ctest.log" | head -20
done
[ ${#bad[@]} -eq 0 ] || echo "failing presets: ${bad[*]}"
echo "${passed} passed, ${failed} failed"
[ ${#bad[@]} -eq 0 ]
