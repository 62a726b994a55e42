# fhir_common: the one interface target every library, executable and test links. It carries
# the warnings and the strict Qt defines, so no target can opt out by accident.
add_library(fhir_common INTERFACE)

target_compile_options(fhir_common INTERFACE -Wall -Wextra -Wpedantic)
# GCC 12 at -O2/-O3 reports -Wrestrict on std::string concatenation that cannot overlap (GCC
# bug 105329); with -Werror that breaks the release build of correct code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(fhir_common INTERFACE -Wno-restrict)
endif()

option(FHIR_PORTAL_WERROR "Treat warnings as errors" OFF)
if(FHIR_PORTAL_WERROR)
  target_compile_options(fhir_common INTERFACE -Werror)
endif()

target_compile_definitions(fhir_common INTERFACE
  QT_NO_CAST_FROM_ASCII
  QT_NO_CAST_TO_ASCII
  QT_NO_CAST_FROM_BYTEARRAY
  QT_NO_URL_CAST_FROM_STRING
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_NO_FOREACH
  QT_NO_KEYWORDS
  QT_STRICT_ITERATORS
  QT_USE_QSTRINGBUILDER
  QT_DISABLE_DEPRECATED_BEFORE=0x060400)

option(FHIR_PORTAL_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(FHIR_PORTAL_SANITIZE)
  set(_fhir_sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer
                           -fno-sanitize-recover=undefined)
  target_compile_options(fhir_common INTERFACE ${_fhir_sanitize_flags})
  target_link_options(fhir_common INTERFACE ${_fhir_sanitize_flags})
endif()
