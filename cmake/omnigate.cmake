# Helpers shared by every module so each lib/<module>/CMakeLists.txt stays a
# few lines long.

# omnigate_library(NAME SOURCES ... DEPS ...)
# Defines library omnigate_<NAME> with alias omnigate::<NAME>. Headers are
# included by full path from the repository root ("lib/redis/...").
function(omnigate_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(omnigate_${name} STATIC ${ARG_SOURCES})
  add_library(omnigate::${name} ALIAS omnigate_${name})
  target_include_directories(omnigate_${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
  target_link_libraries(omnigate_${name} PUBLIC ${ARG_DEPS})
endfunction()

# omnigate_test(NAME SOURCES ... DEPS ... [LABELS ...] [SERIAL])
# A GoogleTest binary registered with CTest; each TEST becomes a CTest case.
# SERIAL: never run beside other tests (for tests that measure capacity).
function(omnigate_test name)
  if(NOT OMNIGATE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    OMNIGATE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    OMNIGATE_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(labels unit)
  if(ARG_LABELS)
    set(labels ${ARG_LABELS})
  endif()
  set(serial FALSE)
  if(ARG_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name}
    PROPERTIES RUN_SERIAL ${serial}
    DISCOVERY_TIMEOUT 60)
  # Labels are applied after discovery, from a file CTest includes after the
  # one gtest_discover_tests generates (it defines ${name}_TESTS):
  # gtest_discover_tests splits a list-valued property into separate
  # arguments, so several labels cannot go through it.
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
  file(WRITE ${labels_file}
    "foreach(t IN LISTS ${name}_TESTS)\n"
    "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"${labels}\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
endfunction()
