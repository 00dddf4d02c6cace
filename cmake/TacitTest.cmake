# tacit_add_test(NAME name SOURCES a_test.cc ... [LIBS ...] [LABELS unit ...] [NO_REGISTER])
# One helper for every gtest binary: links gtest_main, registers each TEST with
# ctest through gtest_discover_tests, and applies labels (unit, integration, e2e, slow).
# NO_REGISTER builds the binary only, for callers that register its ctest tests
# themselves (the golden scenarios: one test per scenario file).
include(GoogleTest)
# Tests keep their files under the build directory (gtest's TempDir() reads
# TEST_TMPDIR), so that two checkouts testing at once on one machine never
# share a directory: many tests use fixed names below TempDir().
set(TACIT_TEST_TMPDIR "${PROJECT_BINARY_DIR}/test-tmp/")
file(MAKE_DIRECTORY "${TACIT_TEST_TMPDIR}")
set(TACIT_TEST_ENV "TEST_TMPDIR=${TACIT_TEST_TMPDIR}")
function(tacit_add_test)
  if(NOT TACIT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "NO_REGISTER" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  if("unit" IN_LIST T_LABELS AND NOT T_NO_REGISTER)
    # For the sanitizer build, which builds only the unit tests (tests/fuzz).
    set_property(GLOBAL APPEND PROPERTY TACIT_UNIT_TEST_TARGETS ${T_NAME})
  endif()
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main tacit::warnings)
  target_compile_definitions(${T_NAME} PRIVATE TACIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  if(T_NO_REGISTER)
    return()
  endif()
  list(LENGTH T_LABELS label_count)
  if(label_count GREATER 1)
    # gtest_discover_tests cannot carry a list of labels to the tests it
    # discovers; a binary with several labels (e.g. integration and slow) is
    # one ctest test that runs all its cases.
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "${TACIT_TEST_ENV}")
  else()
    gtest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "${TACIT_TEST_ENV}"
                         DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

# The throwaway PostgreSQL cluster of the ctest fixture `pg`
# (tests/pg/pg_cluster.sh, on a unix socket under the build tree, no TCP).
set(TACIT_TEST_PG "postgresql:///postgres?host=${PROJECT_BINARY_DIR}/pg-test/sock&port=5432&user=postgres")

# Runs a test binary a second time, on PostgreSQL: the store conformance runs.
# Its stores come from OpenTestStore/TestStoreLocation (src/store/test_store.h),
# which make a fresh database on the fixture's cluster when TACIT_TEST_PG is
# set. One ctest test per binary, labelled postgres.
function(tacit_add_pg_run target)
  if(NOT TACIT_BUILD_TESTS OR NOT TARGET ${target})
    return()
  endif()
  add_test(NAME ${target}.on_postgres COMMAND ${target})
  set_tests_properties(${target}.on_postgres PROPERTIES LABELS "integration;postgres" FIXTURES_REQUIRED pg
                       ENVIRONMENT "${TACIT_TEST_ENV};TACIT_TEST_PG=${TACIT_TEST_PG}")
endfunction()

# Runs a test binary a second time with every ingest of a few rows taking the
# SQLite store's bulk path (TACIT_BULK_MIN_ROWS=1: person index rebuilt at
# commit, claims packed into blocks, rollback journal), which real data takes
# only from 200,000 rows. One ctest test per binary, labelled bulk.
function(tacit_add_bulk_run target)
  if(NOT TACIT_BUILD_TESTS OR NOT TARGET ${target})
    return()
  endif()
  add_test(NAME ${target}.bulk COMMAND ${target})
  set_tests_properties(${target}.bulk PROPERTIES LABELS "integration;bulk"
                       ENVIRONMENT "${TACIT_TEST_ENV};TACIT_BULK_MIN_ROWS=1")
endfunction()
