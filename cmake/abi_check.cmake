# ABI check (docs/abi.md): compares a built shared library with the dump of
# the last release in abi/, and fails on an incompatible change that does not
# bump the SONAME.
#   check:  -DMODE=check -DLIB=<.so> -DDUMP=<abi/*.abi.xml> -DHEADERS=<include/lfgo>
#   update: -DMODE=dump  -DLIB=<.so> -DDUMP=<abi/*.abi.xml> -DHEADERS=<include/lfgo>
#   [-DABIDW=abidw] [-DABIDIFF=abidiff]
# Only types defined in the public headers count (abidw --headers-dir
# --drop-private-types): the layout of an opaque lfgo_chan may change freely.
# abidiff's exit status is a bit set: 1 error, 2 usage error, 4 the ABI
# changed, 8 a change abidiff knows to be incompatible (a removed or retyped
# symbol).  abidiff leaves a changed public struct (the size of lfgo_mutex,
# say) at 4, for review; since users allocate lfgo_wg, lfgo_swg and
# lfgo_mutex, any change to an existing function's types counts as
# incompatible here too.  Only additions are compatible.
if(NOT ABIDIFF)
  set(ABIDIFF abidiff)
endif()
if(NOT ABIDW)
  set(ABIDW abidw)
endif()
set(locs --no-show-locs --no-corpus-path --no-comp-dir-path --headers-dir ${HEADERS} --drop-private-types)

if(MODE STREQUAL "dump")
  execute_process(COMMAND ${ABIDW} ${locs} --out-file ${DUMP} ${LIB} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ABIDW} ${LIB} failed (${rc})")
  endif()
  message(STATUS "wrote ${DUMP}")
  return()
endif()

function(soname_of xml out)
  file(READ ${xml} text LIMIT 4096)
  string(REGEX MATCH "soname='([^']*)'" _ "${text}")
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

get_filename_component(name ${LIB} NAME)
set(fresh ${CMAKE_CURRENT_BINARY_DIR}/${name}.current.abi.xml)
execute_process(COMMAND ${ABIDW} ${locs} --out-file ${fresh} ${LIB} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${ABIDW} ${LIB} failed (${rc})")
endif()
soname_of(${DUMP} old_soname)
soname_of(${fresh} new_soname)
execute_process(COMMAND ${ABIDIFF} --no-show-locs ${DUMP} ${fresh} OUTPUT_VARIABLE report RESULT_VARIABLE rc)
math(EXPR failed "${rc} & 3")
math(EXPR changed "${rc} & 4")
math(EXPR incompatible "${rc} & 8")
if(failed)
  message(FATAL_ERROR "${ABIDIFF} failed (${rc}):\n${report}")
endif()
# "Functions changes summary: R Removed, C Changed ..., A Added functions"
string(REGEX MATCHALL "summary: [0-9]+ Removed[^,]*, [0-9]+ Changed" sums "${report}")
foreach(sum IN LISTS sums)
  if(NOT sum MATCHES "summary: 0 Removed[^,]*, 0 Changed")
    set(incompatible 1)
  endif()
endforeach()
if(incompatible AND old_soname STREQUAL new_soname)
  message(FATAL_ERROR "incompatible ABI change in ${name} without a SONAME bump "
                      "(still ${new_soname}): bump LFGO_SOVERSION in CMakeLists.txt, or undo "
                      "the change.\n${report}")
endif()
if(incompatible)
  message(STATUS "${name}: incompatible ABI change with a new SONAME (${old_soname} -> ${new_soname}); "
                 "update the dump when releasing (docs/abi.md)\n${report}")
elseif(changed)
  message(STATUS "${name}: compatible ABI change (additions); update the dump when releasing\n${report}")
else()
  message(STATUS "${name}: ABI unchanged against ${DUMP} (${new_soname})")
endif()
