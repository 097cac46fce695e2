# ctest script (tests/CMakeLists.txt, test "exports"): the dynamic symbols a
# shared library defines are exactly the documented list.
#   -DLIB=<path to the .so> -DEXPECTED=<abi/*.symbols> [-DNM=nm]
#   [-DMODE=write: rewrite the list instead (the abi-dump target)]
# The list holds one "name@version-node" a line; docs/abi.md says what each
# lfgo__ name is for.  A symbol added to the API goes into the list in the
# same change (and into the version script, cmake/*.map).
if(NOT NM)
  set(NM nm)
endif()
execute_process(COMMAND ${NM} -D --defined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D ${LIB} failed (${rc})")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(actual "")
foreach(line IN LISTS lines)
  # "<address> <type> <name>@@<node>"; the version node itself is type A.
  if(line MATCHES "^[0-9a-f]+ A ")
    continue()
  elseif(line MATCHES "^[0-9a-f]+ [A-Za-z] ([^@ ]+)@@?([^ ]+)$")
    list(APPEND actual "${CMAKE_MATCH_1}@${CMAKE_MATCH_2}")
  elseif(line MATCHES "^[0-9a-f]+ [A-Za-z] ([^@ ]+)$")
    list(APPEND actual "${CMAKE_MATCH_1}@(no version node)")
  endif()
endforeach()
list(SORT actual)
if(MODE STREQUAL "write") # the abi-dump target: rewrite the list from this build
  file(STRINGS ${EXPECTED} header REGEX "^#")
  list(APPEND header ${actual})
  list(JOIN header "\n" text)
  file(WRITE ${EXPECTED} "${text}\n")
  message(STATUS "wrote ${EXPECTED}")
  return()
endif()
file(STRINGS ${EXPECTED} expected REGEX "^[^#]")
list(SORT expected)
set(extra ${actual})
list(REMOVE_ITEM extra ${expected})
set(missing ${expected})
list(REMOVE_ITEM missing ${actual})
if(extra OR missing)
  list(JOIN extra "\n  " e)
  list(JOIN missing "\n  " m)
  message(FATAL_ERROR "${LIB} exports differ from ${EXPECTED}\n"
                      "exported but not listed:\n  ${e}\nlisted but not exported:\n  ${m}")
endif()
list(LENGTH actual n)
message(STATUS "${LIB}: the ${n} exported symbols are the documented ones")
