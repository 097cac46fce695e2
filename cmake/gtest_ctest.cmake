# Lists a GoogleTest executable's tests and writes one ctest test per test
# case, named as GoogleTest names it ("Suite/instance.Test/param_name"),
# without the "# TypeParam = ..." / "# GetParam() = ..." comments that CMake
# 3.25's gtest_discover_tests folds into the name when suites use name
# generators.  Run after each build of the executable (tests/CMakeLists.txt).
#   -DEXE=<test program> -DOUT=<ctest include file> -DLABEL=<label>
#   -DTIMEOUT=<s> [-DPREFIX=<name prefix>]
execute_process(COMMAND ${EXE} --gtest_list_tests OUTPUT_VARIABLE out
                RESULT_VARIABLE rc TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed (${rc})")
endif()
string(REPLACE ";" "" out "${out}")
string(REPLACE "\n" ";" lines "${out}")
set(script "")
set(suite "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ ]+)\\.( .*)?$")        # "Suite.  # TypeParam = T"
    set(suite "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^  ([^ ]+)" AND suite)  # "  Test  # GetParam() = v"
    set(test "${suite}.${CMAKE_MATCH_1}")
    set(name "${PREFIX}${test}")
    string(APPEND script
      "add_test([==[${name}]==] [==[${EXE}]==] [==[--gtest_filter=${test}]==] --gtest_also_run_disabled_tests)\n"
      "set_tests_properties([==[${name}]==] PROPERTIES LABELS [==[${LABEL}]==] TIMEOUT ${TIMEOUT}"
      " SKIP_REGULAR_EXPRESSION [==[\\[  SKIPPED \\]]==])\n")
    if(test MATCHES "(^|[./])DISABLED_")
      string(APPEND script "set_tests_properties([==[${name}]==] PROPERTIES DISABLED TRUE)\n")
    endif()
  endif()
endforeach()
file(WRITE ${OUT} "${script}")
