# raictl_add_test(NAME LABEL unit|integration|e2e SOURCES ... [LIBS ...] [TIMEOUT seconds])
#
# Builds one gtest program and registers it with ctest under its layer's label, so that
# `ctest -L unit` runs only the fast layer. Integration and e2e tests start real servers,
# so they run serially (RESOURCE_LOCK) to keep two dockerd or redis-server starts from
# fighting over the two cores of a small machine.
function(raictl_add_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT RAICTL_BUILD_TESTS)
    return()
  endif()
  if(NOT ARG_LABEL MATCHES "^(unit|integration|e2e)$")
    message(FATAL_ERROR "raictl_add_test(${name}): LABEL must be unit, integration or e2e, got '${ARG_LABEL}'")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()

  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} raictl_test_support GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
  if(NOT ARG_LABEL STREQUAL "unit")
    set_tests_properties(${name} PROPERTIES RESOURCE_LOCK servers)
  endif()
endfunction()
