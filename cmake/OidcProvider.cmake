# The test harness's external OpenID provider: tests/support/oidc-provider (the npm package
# oidc-provider at the version its package-lock.json pins, and provider.mjs). At configure time
# `npm ci` installs the lock file's modules once into a cache outside the build tree, in a
# folder named after the lock file's hash, so a clean rebuild does not download again. The build
# tree gets oidc-provider/ with a copy of provider.mjs and a node_modules link to that folder.
# Offline: -DFHIR_OIDC_PROVIDER_NODE_MODULES=/path/to/node_modules (installed from the same
# lock file). A failed install is a warning here and a failing test later, which says why.
#
#   fhir_use_oidc_provider(<test target>)   gives the target tests/oidcprovider.h's paths

set(_oidc_source "${PROJECT_SOURCE_DIR}/tests/support/oidc-provider")
set(FHIR_OIDC_PROVIDER_CACHE "${FHIR_DEFINITIONS_CACHE}" CACHE PATH
  "Where the test OpenID provider's node modules are kept between builds")
set(FHIR_OIDC_PROVIDER_NODE_MODULES "" CACHE PATH
  "A node_modules folder installed from tests/support/oidc-provider/package-lock.json")
find_program(NODE_EXECUTABLE node)

set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${_oidc_source}/package.json" "${_oidc_source}/package-lock.json")

function(_fhir_oidc_install out_modules out_problem)
  file(READ "${_oidc_source}/package.json" _package)
  file(READ "${_oidc_source}/package-lock.json" _lock)
  string(SHA256 _hash "${_package}${_lock}")
  string(SUBSTRING "${_hash}" 0 16 _hash)
  set(_dir "${FHIR_OIDC_PROVIDER_CACHE}/oidc-provider-${_hash}")
  set(${out_modules} "${_dir}/node_modules" PARENT_SCOPE)
  if(EXISTS "${_dir}/.complete")
    return()
  endif()

  find_program(NPM_EXECUTABLE npm)
  if(NOT NPM_EXECUTABLE)
    set(${out_problem} "npm was not found (scripts/install-deps.sh installs it)" PARENT_SCOPE)
    return()
  endif()
  file(MAKE_DIRECTORY "${FHIR_OIDC_PROVIDER_CACHE}")
  # Two configures at once (debug and asan) install one after the other.
  file(LOCK "${FHIR_OIDC_PROVIDER_CACHE}/oidc-provider.lock" GUARD FUNCTION TIMEOUT 600
       RESULT_VARIABLE _locked)
  if(NOT _locked EQUAL 0)
    set(${out_problem} "cannot lock ${FHIR_OIDC_PROVIDER_CACHE}: ${_locked}" PARENT_SCOPE)
    return()
  endif()
  if(EXISTS "${_dir}/.complete")
    return()
  endif()
  set(_staging "${_dir}.staging")
  file(REMOVE_RECURSE "${_staging}" "${_dir}")
  file(MAKE_DIRECTORY "${_staging}")
  file(COPY "${_oidc_source}/package.json" "${_oidc_source}/package-lock.json"
       DESTINATION "${_staging}")
  message(STATUS "Test OpenID provider: npm ci into ${_dir}")
  execute_process(
    COMMAND "${NPM_EXECUTABLE}" ci --omit=dev --no-audit --no-fund --ignore-scripts
            --prefer-offline --loglevel=error
    WORKING_DIRECTORY "${_staging}"
    RESULT_VARIABLE _rc
    OUTPUT_VARIABLE _out
    ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0 OR NOT EXISTS "${_staging}/node_modules/oidc-provider/package.json")
    file(REMOVE_RECURSE "${_staging}")
    set(${out_problem} "npm ci failed (${_rc}): ${_err}" PARENT_SCOPE)
    return()
  endif()
  file(TOUCH "${_staging}/.complete")
  file(RENAME "${_staging}" "${_dir}")
endfunction()

set(FHIR_OIDC_PROVIDER_DIR "${CMAKE_BINARY_DIR}/oidc-provider")
set(_oidc_problem "")
if(FHIR_OIDC_PROVIDER_NODE_MODULES)
  set(_oidc_modules "${FHIR_OIDC_PROVIDER_NODE_MODULES}")
else()
  _fhir_oidc_install(_oidc_modules _oidc_problem)
endif()
if(NOT _oidc_problem AND NOT EXISTS "${_oidc_modules}/oidc-provider/package.json")
  set(_oidc_problem "no oidc-provider in ${_oidc_modules}")
endif()

configure_file("${_oidc_source}/provider.mjs" "${FHIR_OIDC_PROVIDER_DIR}/provider.mjs" COPYONLY)
# The real-browser login (puppeteer-core driving Debian's Chromium) shares these modules.
configure_file("${_oidc_source}/browser-login.mjs" "${FHIR_OIDC_PROVIDER_DIR}/browser-login.mjs"
  COPYONLY)
if(EXISTS "${FHIR_OIDC_PROVIDER_DIR}/node_modules" OR IS_SYMLINK "${FHIR_OIDC_PROVIDER_DIR}/node_modules")
  file(REMOVE "${FHIR_OIDC_PROVIDER_DIR}/node_modules")
endif()
set(_oidc_problem_file "${FHIR_OIDC_PROVIDER_DIR}/setup-problem.txt")
if(_oidc_problem)
  file(WRITE "${_oidc_problem_file}" "${_oidc_problem}\n")
  message(WARNING "Test OpenID provider: ${_oidc_problem}\n"
    "tst_oidcprovider and the tests that use it will fail until a configure installs it.")
else()
  file(REMOVE "${_oidc_problem_file}")
  file(CREATE_LINK "${_oidc_modules}" "${FHIR_OIDC_PROVIDER_DIR}/node_modules" SYMBOLIC)
  file(READ "${_oidc_modules}/oidc-provider/package.json" _oidc_package)
  string(JSON _oidc_version GET "${_oidc_package}" version)
  message(STATUS "Test OpenID provider: oidc-provider ${_oidc_version} from ${_oidc_modules}")
endif()

function(fhir_use_oidc_provider target)
  if(NODE_EXECUTABLE)
    set(_node "${NODE_EXECUTABLE}")
  else()
    set(_node "node")
  endif()
  target_compile_definitions(${target} PRIVATE
    FHIR_OIDC_PROVIDER_DIR="${FHIR_OIDC_PROVIDER_DIR}"
    FHIR_OIDC_NODE="${_node}")
  # tests/oidcprovider.h reports through fhir::Result (schemas/result.h).
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}")
endfunction()
