# Finds the CPython interpreters arenatrace builds engines for and tests on.
#
# Candidates: -DARENATRACE_PYTHONS="/path/python3.12;/path/python3.9" when
# given; otherwise, in this order, every pyenv install ($PYENV_ROOT or `pyenv
# root`, default ~/.pyenv), uv's managed Pythons ($UV_PYTHON_INSTALL_DIR, else
# $XDG_DATA_HOME/uv/python or ~/.local/share/uv/python), conda's base and
# environments ($CONDA_PREFIX, ~/miniconda3, ~/anaconda3, ~/miniforge3,
# ~/mambaforge, ~/micromamba, /opt/conda and the same under /opt),
# /opt/*/bin, /usr/local/bin, Debian's /usr/bin/python3.N, and every
# directory on PATH (pyenv's shims included). A candidate is a file named
# python, python3, python3.N or python3.Nt. Each is asked for its version, headers,
# kind (GIL or free-threaded) and own executable; the same interpreter reached
# twice (a symlink, a shim, a hard link such as python3.14 and python3.14t) is
# kept once, at the first place found. Kept: CPython >= 3.8 with headers; for
# the free-threaded kind, 3.14 and later. Sets:
#   ARENATRACE_INTERPRETERS   list of "exe|X.Y.Z|key|include_dir|label"
#   ARENATRACE_ENGINE_MINORS  sorted list of engine keys: "38", "311", "314t", ...
#                             (minor version, "t" for the free-threaded build)
#   ARENATRACE_ENGINE_INCLUDE_<key>   headers the engine for that key builds with
# An interpreter's label (for test names) says where it lives: pyenv-3.12.1,
# uv-3.13.2, conda-3.11.9, system-3.11.2 (/usr/bin), local-3.12.3
# (/usr/local), opt-3.14.7t (/opt), path-3.10.4 (elsewhere on PATH).

set(ARENATRACE_PYTHONS "" CACHE STRING "Python executables to build engines for (default: find them)")

# Appends to `out` the files of `directory` named like an interpreter, the
# most specific names first (python3.14t, python3.14, python3, python), so
# that an interpreter found under several names keeps its most telling one.
function(_arenatrace_pythons_in directory out)
  file(GLOB _files LIST_DIRECTORIES false "${directory}/python*")
  list(SORT _files COMPARE NATURAL)
  set(_found "")
  foreach(_pattern IN ITEMS "^python3\\.[0-9]+t$" "^python3\\.[0-9]+$" "^python3$" "^python$")
    foreach(_file IN LISTS _files)
      get_filename_component(_name "${_file}" NAME)
      if(_name MATCHES "${_pattern}" AND NOT IS_DIRECTORY "${_file}")
        list(APPEND _found "${_file}")
      endif()
    endforeach()
  endforeach()
  set(${out} ${${out}} ${_found} PARENT_SCOPE)
endfunction()

set(_candidates "")
if(ARENATRACE_PYTHONS)
  set(_candidates ${ARENATRACE_PYTHONS})
else()
  set(_home "$ENV{HOME}")
  # pyenv
  set(_pyenv_root "$ENV{PYENV_ROOT}")
  if(NOT _pyenv_root)
    execute_process(COMMAND pyenv root OUTPUT_VARIABLE _pyenv_root
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      set(_pyenv_root "${_home}/.pyenv")
    endif()
  endif()
  file(GLOB _dirs LIST_DIRECTORIES true "${_pyenv_root}/versions/*/bin")
  list(SORT _dirs COMPARE NATURAL)
  set(_search_dirs ${_dirs})
  # uv's managed interpreters
  set(_uv_dir "$ENV{UV_PYTHON_INSTALL_DIR}")
  if(NOT _uv_dir)
    if(DEFINED ENV{XDG_DATA_HOME} AND NOT "$ENV{XDG_DATA_HOME}" STREQUAL "")
      set(_uv_dir "$ENV{XDG_DATA_HOME}/uv/python")
    else()
      set(_uv_dir "${_home}/.local/share/uv/python")
    endif()
  endif()
  file(GLOB _dirs LIST_DIRECTORIES true "${_uv_dir}/*/bin")
  list(SORT _dirs COMPARE NATURAL)
  list(APPEND _search_dirs ${_dirs})
  # conda: base installs and their environments
  set(_conda_roots "")
  if(DEFINED ENV{CONDA_PREFIX} AND NOT "$ENV{CONDA_PREFIX}" STREQUAL "")
    list(APPEND _conda_roots "$ENV{CONDA_PREFIX}")
  endif()
  foreach(_base IN ITEMS "${_home}" /opt)
    foreach(_name IN ITEMS miniconda3 anaconda3 miniforge3 mambaforge micromamba conda)
      list(APPEND _conda_roots "${_base}/${_name}")
    endforeach()
  endforeach()
  foreach(_root IN LISTS _conda_roots)
    if(IS_DIRECTORY "${_root}")
      list(APPEND _search_dirs "${_root}/bin")
      file(GLOB _dirs LIST_DIRECTORIES true "${_root}/envs/*/bin")
      list(SORT _dirs COMPARE NATURAL)
      list(APPEND _search_dirs ${_dirs})
    endif()
  endforeach()
  # /opt/<name>/bin, /usr/local/bin, Debian's /usr/bin, then PATH
  file(GLOB _dirs LIST_DIRECTORIES true "/opt/*/bin")
  list(SORT _dirs COMPARE NATURAL)
  list(APPEND _search_dirs ${_dirs} /usr/local/bin /usr/bin)
  set(_path "$ENV{PATH}")
  string(REPLACE ":" ";" _path_dirs "${_path}")
  list(APPEND _search_dirs ${_path_dirs})
  list(REMOVE_DUPLICATES _search_dirs)
  foreach(_dir IN LISTS _search_dirs)
    if(_dir AND IS_DIRECTORY "${_dir}")
      _arenatrace_pythons_in("${_dir}" _candidates)
    endif()
  endforeach()
endif()

set(ARENATRACE_INTERPRETERS "")
set(ARENATRACE_ENGINE_MINORS "")
set(_seen_identities "")
foreach(_py IN LISTS _candidates)
  if(NOT EXISTS "${_py}")
    message(STATUS "arenatrace: ${_py}: no such file, skipped")
    continue()
  endif()
  # -I: no user site, no PYTHON* variables, nothing but the interpreter.
  execute_process(
    COMMAND "${_py}" -I -c
      "import os, sys, sysconfig; v = sys.version_info; e = os.path.realpath(sys.executable or ''); s = os.stat(e) if e else None; print('%d.%d.%d|%d%d|%s|%s|%s|%s|%s' % (v[0], v[1], v[2], v[0], v[1], sysconfig.get_paths()['include'], sys.implementation.name, sysconfig.get_config_var('Py_GIL_DISABLED') or 0, sys.executable, '%d:%d' % (s.st_dev, s.st_ino) if s else e))"
    OUTPUT_VARIABLE _info OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc
    TIMEOUT 60)
  if(NOT _rc EQUAL 0 OR NOT _info)
    # Not worth a line per PATH entry: only what was asked for by name.
    if(ARENATRACE_PYTHONS)
      message(STATUS "arenatrace: ${_py}: not a working Python 3, skipped")
    endif()
    continue()
  endif()
  string(REPLACE "|" ";" _fields "${_info}")
  list(GET _fields 0 _version)
  list(GET _fields 1 _minor)
  list(GET _fields 2 _include)
  list(GET _fields 3 _impl)
  list(GET _fields 4 _nogil)
  list(GET _fields 5 _exe)
  list(GET _fields 6 _identity)
  if(NOT _exe)
    set(_exe "${_py}")
  endif()
  if(_identity IN_LIST _seen_identities)
    continue()  # the same interpreter, found before
  endif()
  list(APPEND _seen_identities "${_identity}")
  if(NOT _impl STREQUAL "cpython" OR _version VERSION_LESS 3.8)
    message(STATUS "arenatrace: ${_py}: ${_impl} ${_version} is not supported (CPython >= 3.8), skipped")
    continue()
  endif()
  set(_key "${_minor}")
  set(_suffix "")
  if(NOT _nogil STREQUAL "0")
    if(_version VERSION_LESS 3.14)
      message(STATUS "arenatrace: ${_py}: the free-threaded build is supported from 3.14 (this is ${_version}), skipped")
      continue()
    endif()
    set(_key "${_minor}t")
    set(_suffix "t")
  endif()
  if(NOT EXISTS "${_include}/Python.h")
    message(STATUS "arenatrace: ${_py}: no headers in ${_include} (install its -dev package), skipped")
    continue()
  endif()
  if(_exe MATCHES "/versions/[^/]+/bin/")
    set(_place pyenv)
  elseif(_exe MATCHES "/uv/python/")
    set(_place uv)
  elseif(_exe MATCHES "(conda|miniforge|mambaforge|micromamba)[^/]*/")
    set(_place conda)
  elseif(_exe MATCHES "^/usr/bin/")
    set(_place system)
  elseif(_exe MATCHES "^/usr/local/")
    set(_place local)
  elseif(_exe MATCHES "^/opt/")
    set(_place opt)
  else()
    set(_place path)
  endif()
  set(_label "${_place}-${_version}${_suffix}")
  list(APPEND ARENATRACE_INTERPRETERS "${_exe}|${_version}|${_key}|${_include}|${_label}")
  if(NOT DEFINED ARENATRACE_ENGINE_INCLUDE_${_key})
    set(ARENATRACE_ENGINE_INCLUDE_${_key} "${_include}")
    list(APPEND ARENATRACE_ENGINE_MINORS ${_key})
  endif()
  if(_suffix)
    message(STATUS "arenatrace: found CPython ${_version} (free-threaded) at ${_exe}")
  else()
    message(STATUS "arenatrace: found CPython ${_version} at ${_exe}")
  endif()
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
  list(GET _fields 2 _key)
  if(_key MATCHES "t$")
    string(APPEND _version "t")
  endif()
  string(APPEND _listing "${_exe} ${_version}\n")
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/interpreters.txt" "${_listing}")
