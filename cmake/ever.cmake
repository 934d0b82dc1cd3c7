# ever_library(NAME DIR [PUBLIC deps...] [PRIVATE deps...])
# One static library per area folder: every .cpp under DIR (relative to the current source dir).
function(ever_library name dir)
  cmake_parse_arguments(ARG "" "" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.cpp)
  if(sources)
    add_library(${name} STATIC ${sources})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${ARG_PUBLIC})
  endif()
endfunction()

# ever_test_binary(NAME DIR deps...): a Catch2 binary of every .cpp under tests/DIR, registered
# with ctest one TEST_CASE each, labelled by its level (the first path part of DIR).
function(ever_test_binary name dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${dir}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${ARGN} Catch2::Catch2WithMain)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    EVER_BIN_DIR="${PROJECT_BINARY_DIR}/bin"
    EVER_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  string(REGEX REPLACE "/.*" "" level ${dir})
  # A test name Catch cannot match (e.g. one with ';') would run nothing and pass: fail instead.
  catch_discover_tests(${name} TEST_PREFIX "${dir}:" PROPERTIES LABELS ${level}
    FAIL_REGULAR_EXPRESSION "No test cases matched" DISCOVERY_TIMEOUT 60)
endfunction()
