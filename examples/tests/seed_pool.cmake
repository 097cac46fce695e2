# Tests of the seed programs ported a second time onto lfgo_pool
# (examples/ex11_pool_*): the same checks as their thread-based ports
# (seed_basics.cmake, seed_channel.cmake), with regexes, never timings.
set(_pool_check ${CMAKE_CURRENT_LIST_DIR}/lib/check_output.cmake)
set(_pool_sanitizer_errors "WARNING: ThreadSanitizer@@ERROR: AddressSanitizer@@ERROR: LeakSanitizer@@runtime error")

set(_pool_each "")
foreach(i RANGE 15)
  string(APPEND _pool_each "@@ Start ${i}<EOL>")
endforeach()
string(SUBSTRING "${_pool_each}" 2 -1 _pool_each)

function(pool_seed_test name exe)
  cmake_parse_arguments(T "" "ARGS;ONCE;REQUIRE;FORBID;EXIT" "" ${ARGN})
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${exe}> "-DARGS=${T_ARGS}" "-DONCE=${T_ONCE}"
            "-DREQUIRE=${T_REQUIRE}" "-DFORBID=${T_FORBID}" "-DCOUNT=" "-DEXIT=${T_EXIT}"
            -P ${_pool_check})
  set_tests_properties(${name} PROPERTIES LABELS seed_pool TIMEOUT 120)
endfunction()

# WaitGroup on the pool: each value exactly once, then "Took" (no sleep).
pool_seed_test(seed_pool_waitgroup ex11_pool_waitgroup EXIT 0
  ONCE "${_pool_each}" REQUIRE " Took [0-9.]+(us|ms)<EOL>" FORBID "${_pool_sanitizer_errors}")

# SizedWaitGroup as a group with limit 6 (20 ms of work): each value once,
# never more than 6 at once, no error.
pool_seed_test(seed_pool_sizedwaitgroup ex11_pool_sizedwaitgroup EXIT 0 ARGS 20
  ONCE "${_pool_each}"
  REQUIRE "16 tasks ran, at most [1-6] at once \\(limit 6\\), error 0"
  FORBID "at most ([7-9]|[1-9][0-9]+) at once@@${_pool_sanitizer_errors}")

# Channel sum with both senders on the pool: the seed's 100 ms pause and 1 ms.
foreach(pause 100 1)
  add_test(NAME seed_pool_channel_sum_pause${pause} COMMAND ex11_pool_channel_sum ${pause})
  set_tests_properties(seed_pool_channel_sum_pause${pause} PROPERTIES
    PASS_REGULAR_EXPRESSION "sum = 16"
    FAIL_REGULAR_EXPRESSION "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error"
    LABELS seed_pool TIMEOUT 60)
endforeach()
