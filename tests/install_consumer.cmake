# Builds lfgo from SRC, installs it into a private prefix, then builds
# consumers of lfgo, of its twin component and of lfgo.hpp with
# find_package(lfgo COMPONENTS twin), and of lfgo and lfgo-twin with
# pkg-config, and runs them all.
file(REMOVE_RECURSE ${BIN})
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()
run(${CMAKE_COMMAND} -S ${SRC} -B ${BIN}/lfgo -G ${GEN} -DCMAKE_BUILD_TYPE=Release
    -DLFGO_BUILD_TESTS=OFF -DLFGO_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=${BIN}/prefix)
run(${CMAKE_COMMAND} --build ${BIN}/lfgo)
run(${CMAKE_COMMAND} --install ${BIN}/lfgo)
run(${CMAKE_COMMAND} -S ${SRC}/tests/consumer -B ${BIN}/consumer -G ${GEN} -DCMAKE_PREFIX_PATH=${BIN}/prefix)
run(${CMAKE_COMMAND} --build ${BIN}/consumer)
run(${BIN}/consumer/consumer)
run(${BIN}/consumer/consumer_static)
run(${BIN}/consumer/twin_consumer)
run(${BIN}/consumer/twin_consumer_static)
run(${BIN}/consumer/hpp_consumer)
# pkg-config: compile and link the same program by hand.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB pcdir ${BIN}/prefix/lib*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} ${pcdir})
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs lfgo OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config lfgo failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
get_filename_component(libdir ${pcdir} DIRECTORY)
run(cc -std=c11 ${SRC}/tests/consumer/consumer.c ${flags} -Wl,-rpath,${libdir} -o ${BIN}/pc_consumer)
run(${BIN}/pc_consumer)
# The twin has a pkg-config file of its own, which requires lfgo's.
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs lfgo-twin OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config lfgo-twin failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(cc -std=c11 ${SRC}/tests/consumer/twin_consumer.c ${flags} -Wl,-rpath,${libdir} -o ${BIN}/pc_twin_consumer)
run(${BIN}/pc_twin_consumer)
