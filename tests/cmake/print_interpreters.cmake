# Runs cmake/FindInterpreters.cmake in script mode and prints what it found,
# one "ENTRY exe|version|key|include|label" line each, for
# test_find_interpreters.py.
cmake_minimum_required(VERSION 3.25)
include(${ARENATRACE_SOURCE_DIR}/cmake/FindInterpreters.cmake)
foreach(entry IN LISTS ARENATRACE_INTERPRETERS)
  message(STATUS "ENTRY ${entry}")
endforeach()
message(STATUS "KEYS ${ARENATRACE_ENGINE_MINORS}")
