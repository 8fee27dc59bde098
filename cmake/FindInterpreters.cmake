# Finds the CPython interpreters arenatrace builds engines for and tests on.
#
# Candidates: -DARENATRACE_PYTHONS="/path/python3.12;/path/python3.9" when
# given; otherwise every pyenv install ($PYENV_ROOT or `pyenv root`, default
# ~/.pyenv) and Debian's /usr/bin/python3.N. Each candidate is asked for its
# version, its include directory and whether it is a GIL build. Kept: CPython
# >= 3.8 with headers, GIL builds. Sets:
#   ARENATRACE_INTERPRETERS   list of "exe|X.Y.Z|XY|include_dir"
#   ARENATRACE_ENGINE_MINORS  sorted list of minors ("38", "311", ...)
#   ARENATRACE_ENGINE_INCLUDE_<XY>   headers the engine for 3.<Y> builds with

set(ARENATRACE_PYTHONS "" CACHE STRING "Python executables to build engines for (default: find them)")

set(_candidates "")
if(ARENATRACE_PYTHONS)
  set(_candidates ${ARENATRACE_PYTHONS})
else()
  set(_pyenv_root "$ENV{PYENV_ROOT}")
  if(NOT _pyenv_root)
    execute_process(COMMAND pyenv root OUTPUT_VARIABLE _pyenv_root
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      set(_pyenv_root "$ENV{HOME}/.pyenv")
    endif()
  endif()
  file(GLOB _pyenv_pythons "${_pyenv_root}/versions/*/bin/python3")
  list(SORT _pyenv_pythons COMPARE NATURAL)
  file(GLOB _system_pythons "/usr/bin/python3.[0-9]" "/usr/bin/python3.[0-9][0-9]")
  list(SORT _system_pythons COMPARE NATURAL)
  set(_candidates ${_pyenv_pythons} ${_system_pythons})
endif()

set(ARENATRACE_INTERPRETERS "")
set(ARENATRACE_ENGINE_MINORS "")
foreach(_py IN LISTS _candidates)
  execute_process(
    COMMAND "${_py}" -c
      "import sys, sysconfig; v = sys.version_info; print('%d.%d.%d|%d%d|%s|%s|%s' % (v[0], v[1], v[2], v[0], v[1], sysconfig.get_paths()['include'], sys.implementation.name, sysconfig.get_config_var('Py_GIL_DISABLED') or 0))"
    OUTPUT_VARIABLE _info OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR NOT _info)
    message(STATUS "arenatrace: ${_py}: not a working Python 3, skipped")
    continue()
  endif()
  string(REPLACE "|" ";" _fields "${_info}")
  list(GET _fields 0 _version)
  list(GET _fields 1 _minor)
  list(GET _fields 2 _include)
  list(GET _fields 3 _impl)
  list(GET _fields 4 _nogil)
  if(NOT _impl STREQUAL "cpython" OR _version VERSION_LESS 3.8)
    message(STATUS "arenatrace: ${_py}: ${_impl} ${_version} is not supported (CPython >= 3.8), skipped")
    continue()
  endif()
  if(NOT _nogil STREQUAL "0")
    message(STATUS "arenatrace: ${_py}: free-threaded builds are not supported yet, skipped")
    continue()
  endif()
  if(NOT EXISTS "${_include}/Python.h")
    message(STATUS "arenatrace: ${_py}: no headers in ${_include} (install its -dev package), skipped")
    continue()
  endif()
  get_filename_component(_real "${_py}" REALPATH)
  list(APPEND ARENATRACE_INTERPRETERS "${_py}|${_version}|${_minor}|${_include}")
  if(NOT DEFINED ARENATRACE_ENGINE_INCLUDE_${_minor})
    set(ARENATRACE_ENGINE_INCLUDE_${_minor} "${_include}")
    list(APPEND ARENATRACE_ENGINE_MINORS ${_minor})
  endif()
  message(STATUS "arenatrace: found CPython ${_version} at ${_py}")
endforeach()
list(SORT ARENATRACE_ENGINE_MINORS COMPARE NATURAL)
if(NOT ARENATRACE_ENGINE_MINORS)
  message(WARNING "arenatrace: no CPython >= 3.8 with headers found: no engine will be built")
endif()

# For scripts (demo, benchmarks): one interpreter per line, "exe version".
set(_listing "")
foreach(_entry IN LISTS ARENATRACE_INTERPRETERS)
  string(REPLACE "|" ";" _fields "${_entry}")
  list(GET _fields 0 _exe)
  list(GET _fields 1 _version)
  string(APPEND _listing "${_exe} ${_version}\n")
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/interpreters.txt" "${_listing}")
