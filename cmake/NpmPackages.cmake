# JavaScript packages from the npm registry, installed at configure time with
# `npm ci` from a checked-in package-lock.json (pinned versions, verified
# integrity hashes) into the build directory, never into the source tree.
#   arenatrace_npm_ci(NAME SOURCE_DIR RESULT_VAR)
# sets RESULT_VAR to the node_modules directory, or to "" when npm is missing
# or the install failed (said once).
function(arenatrace_npm_ci name source_dir result_var)
  set(${result_var} "" PARENT_SCOPE)
  find_program(ARENATRACE_NPM NAMES npm)
  if(NOT ARENATRACE_NPM)
    message(WARNING "npm not found: ${name} packages not installed (scripts/bootstrap installs npm)")
    return()
  endif()
  set(dir "${CMAKE_BINARY_DIR}/npm/${name}")
  file(MAKE_DIRECTORY "${dir}")
  file(SHA256 "${source_dir}/package-lock.json" lock_hash)
  set(stamp "${dir}/node_modules/.arenatrace-lock-${lock_hash}")
  if(NOT EXISTS "${stamp}")
    configure_file("${source_dir}/package.json" "${dir}/package.json" COPYONLY)
    configure_file("${source_dir}/package-lock.json" "${dir}/package-lock.json" COPYONLY)
    message(STATUS "npm ci for ${name} (${source_dir}/package-lock.json)")
    execute_process(COMMAND "${ARENATRACE_NPM}" ci --no-audit --no-fund --loglevel=error
                    WORKING_DIRECTORY "${dir}" RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
      message(WARNING "npm ci failed for ${name} in ${dir}")
      return()
    endif()
    file(TOUCH "${stamp}")
  endif()
  set(${result_var} "${dir}/node_modules" PARENT_SCOPE)
  # A changed lockfile re-runs the configure step, and with it `npm ci`.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${source_dir}/package-lock.json")
endfunction()
