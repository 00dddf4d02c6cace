# Sanitizer and fuzzing builds (docs/fuzzing.md). Off in the default build.
#
#   TACIT_SANITIZE  ""                  nothing (default)
#                   "address,undefined" ASan + UBSan, every finding fatal
#                   "thread"            TSan
#   TACIT_FUZZ      ON: instrument every target for libFuzzer's coverage
#                   (-fsanitize=fuzzer-no-link) and build the fuzz targets of
#                   tests/fuzz, which link against the same objects. Clang only.
#
# The flags go on every target of the project (add_compile_options before the
# first target), so a test, the library it tests and the fuzz target share one
# instrumented build. The system libraries (SQLite, OpenSSL, libstdc++) are not
# instrumented; ASan and UBSan intercept what they need, TSan may not see their
# internal synchronisation (tests/fuzz/tsan.supp lists what is theirs).
set(TACIT_SANITIZE "" CACHE STRING "Sanitizers for every target: \"\", \"address,undefined\" or \"thread\"")
option(TACIT_FUZZ "Build the libFuzzer targets of tests/fuzz (clang; with TACIT_SANITIZE=address,undefined)" OFF)

if(TACIT_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TACIT_FUZZ needs clang (libFuzzer): configure with the preset `sanitize`")
endif()

if(TACIT_SANITIZE)
  set(_tacit_san_flags -fsanitize=${TACIT_SANITIZE} -fno-omit-frame-pointer)
  if(TACIT_SANITIZE MATCHES "undefined")
    # Every UBSan finding stops the program with a non-zero exit, so ctest
    # (and CI) fails instead of printing a line nobody reads.
    list(APPEND _tacit_san_flags -fno-sanitize-recover=all)
  endif()
  add_compile_options(${_tacit_san_flags})
  add_link_options(${_tacit_san_flags})
  message(STATUS "Sanitizers: ${TACIT_SANITIZE}")
endif()
if(TACIT_FUZZ)
  # Coverage instrumentation without libFuzzer's main(): the tests keep
  # gtest's main, the fuzz targets add -fsanitize=fuzzer at their link.
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
  message(STATUS "libFuzzer targets: tests/fuzz")
endif()
