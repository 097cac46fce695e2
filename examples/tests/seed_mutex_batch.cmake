# Tests of the seed's mutex and batcher programs (examples/ex8-ex10).

# The unsynchronised slice: under ThreadSanitizer the race must be reported;
# elsewhere the program just runs (its appends may be lost).
if(LFGO_SANITIZE STREQUAL "thread")
  add_test(NAME ex8_slice_race COMMAND ex8_slice_race)
  set_tests_properties(ex8_slice_race PROPERTIES
    ENVIRONMENT "TSAN_OPTIONS=exitcode=0 halt_on_error=0"
    PASS_REGULAR_EXPRESSION "WARNING: ThreadSanitizer: data race")
else()
  add_test(NAME ex8_slice_race COMMAND ex8_slice_race)
  set_tests_properties(ex8_slice_race PROPERTIES PASS_REGULAR_EXPRESSION "len = [0-9]+ \\(expected 200000\\)")
endif()

# The same with lfgo's mutex: clean under every sanitizer, nothing lost.
add_test(NAME ex8_slice_mutex COMMAND ex8_slice_mutex)
set_tests_properties(ex8_slice_mutex PROPERTIES
  PASS_REGULAR_EXPRESSION "len = 200000 \\(expected 200000\\)"
  FAIL_REGULAR_EXPRESSION "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error")

add_test(NAME ex9_slice_many COMMAND ex9_slice_many 100 1000)
set_tests_properties(ex9_slice_many PROPERTIES
  PASS_REGULAR_EXPRESSION "all 100000 values present exactly once"
  FAIL_REGULAR_EXPRESSION "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error|missing")

# The batcher with N = 10, T = 20 ms, short random sleeps and an item budget
# so that it ends: every item is dumped, by size and by deadline.
add_test(NAME ex10_batcher COMMAND ex10_batcher -n 10 -t 20 -p 3 -i 60 -s 4)
set_tests_properties(ex10_batcher PROPERTIES
  PASS_REGULAR_EXPRESSION "dumped 180 of 180 items"
  FAIL_REGULAR_EXPRESSION "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error|ITEMS LOST"
  TIMEOUT 120)
# Interrupted (the seed never ends on its own): SIGINT after a while ends it
# and close() flushes what is left.
add_test(NAME ex10_batcher_sigint
  COMMAND sh -c "$<TARGET_FILE:ex10_batcher> -n 100000 -t 60000 -p 2 -s 20 & pid=$!; sleep 1; kill -INT $pid; wait $pid")
set_tests_properties(ex10_batcher_sigint PROPERTIES
  PASS_REGULAR_EXPRESSION "dumped [1-9][0-9]* of [0-9]+ items in 1 batches \\(size 0, deadline 0, close 1\\).*nothing lost"
  FAIL_REGULAR_EXPRESSION "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error|ITEMS LOST"
  TIMEOUT 120)
