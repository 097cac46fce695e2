# Tests of the seed's first programs (examples/ex1-ex6): each runs the program
# and checks its output with examples/tests/lib/check_output.cmake (regexes,
# never timings).  Lines look like "+0.000123s Start 3".

set(_seed_check ${CMAKE_CURRENT_LIST_DIR}/lib/check_output.cmake)
set(_seed_sanitizer_errors "WARNING: ThreadSanitizer@@ERROR: AddressSanitizer@@ERROR: LeakSanitizer@@runtime error")

# " Start 0<EOL>@@ Start 1<EOL>@@...@@ Start 15<EOL>": each value exactly once.
set(_seed_each "")
set(_seed_in_order "")
foreach(i RANGE 15)
  string(APPEND _seed_each "@@ Start ${i}<EOL>")
  string(APPEND _seed_in_order " Start ${i}<EOL>.*")
endforeach()
string(SUBSTRING "${_seed_each}" 2 -1 _seed_each)

function(seed_test name exe)
  cmake_parse_arguments(T "" "ARGS;ONCE;REQUIRE;FORBID;COUNT;EXIT;ENV" "" ${ARGN})
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${exe}> "-DARGS=${T_ARGS}" "-DONCE=${T_ONCE}"
            "-DREQUIRE=${T_REQUIRE}" "-DFORBID=${T_FORBID}" "-DCOUNT=${T_COUNT}" "-DEXIT=${T_EXIT}"
            -P ${_seed_check})
  set_tests_properties(${name} PROPERTIES LABELS seed_basics TIMEOUT 120)
  if(T_ENV)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${T_ENV}")
  endif()
endfunction()

# ex1: 0..15 in order, then the time it took.
seed_test(seed_ex1_sequential ex1_sequential EXIT 0
  ONCE "${_seed_each}" REQUIRE "${_seed_in_order}Took " FORBID "${_seed_sanitizer_errors}")

# ex2: main returns without waiting: no "Start" line, exit 0.
seed_test(seed_ex2_goroutines_nowait ex2_goroutines_nowait EXIT 0
  REQUIRE " Took " FORBID "Start@@${_seed_sanitizer_errors}")

# ex3, ex4: the unsynchronised shared counter.  Every preset: 16 "Start" lines
# after the sleep wait.  Under ThreadSanitizer the race must be reported (the
# C counterpart of `go run -race`); elsewhere no sanitizer complains.
if(LFGO_SANITIZE STREQUAL "thread")
  set(_seed_race REQUIRE "WARNING: ThreadSanitizer: data race" ENV "TSAN_OPTIONS=exitcode=0 halt_on_error=0")
  set(_seed_race_forbid "ERROR: AddressSanitizer@@runtime error")
else()
  set(_seed_race "")
  set(_seed_race_forbid "${_seed_sanitizer_errors}")
endif()
seed_test(seed_ex3_sleep_wait ex3_sleep_wait EXIT 0 ARGS 1000
  COUNT " Start [0-9]+<EOL>=16" FORBID "${_seed_race_forbid}" ${_seed_race})
seed_test(seed_ex4_race ex4_race EXIT 0 ARGS 1000
  COUNT " Start [0-9]+<EOL>=16" FORBID "${_seed_race_forbid}" ${_seed_race})
# The race report has to name the counter's read and write in the tasks.
if(LFGO_SANITIZE STREQUAL "thread")
  seed_test(seed_ex4_race_report ex4_race EXIT 0 ARGS 1000
    REQUIRE "WARNING: ThreadSanitizer: data race.*task .*ex4_race.c" ENV "TSAN_OPTIONS=exitcode=0 halt_on_error=0")
endif()

# ex4_race_fixed: pass by value: each value exactly once, clean everywhere.
seed_test(seed_ex4_race_fixed ex4_race_fixed EXIT 0 ARGS 1000
  ONCE "${_seed_each}" REQUIRE " Took " FORBID "${_seed_sanitizer_errors}")

# ex5: lfgo_wg: each value exactly once, and no 2 s sleep.
seed_test(seed_ex5_waitgroup ex5_waitgroup EXIT 0
  ONCE "${_seed_each}" REQUIRE " Took [0-9.]+(us|ms)<EOL>" FORBID "${_seed_sanitizer_errors}")

# ex6: lfgo_swg with limit 6 and 20 ms of work: each value exactly once and
# never more than 6 tasks at once.
seed_test(seed_ex6_sizedwaitgroup ex6_sizedwaitgroup EXIT 0 ARGS 20
  ONCE "${_seed_each}"
  REQUIRE "16 tasks ran, at most [1-6] at once \\(limit 6\\)"
  FORBID "at most ([7-9]|[1-9][0-9]+) at once@@${_seed_sanitizer_errors}")
# Bad argument: a usage error, not a crash.
seed_test(seed_ex6_bad_argument ex6_sizedwaitgroup EXIT 2 ARGS "soon" REQUIRE "expected milliseconds")
