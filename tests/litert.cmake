# TFLite reference-runtime oracle (LiteRT WebAssembly, tools/litert/).
#
# include(${PROJECT_SOURCE_DIR}/tests/litert.cmake) from the test tree.
# The test needs node >= 20 and the pinned npm package installed with
#   npm ci --prefix tools/litert
# It FAILS (never skips) when either is missing, so CI notices.

# Script mode: `cmake -DLITERT_FAIL_MSG=... -P litert.cmake` prints the message
# and fails; used below as the test command when node is not available.
if(CMAKE_SCRIPT_MODE_FILE)
  message(FATAL_ERROR "${LITERT_FAIL_MSG}")
endif()

set(ETPU_CORPUS_DIR "${PROJECT_SOURCE_DIR}/../shared/corpus" CACHE PATH
    "Directory of the real-model corpus used by the oracle self-test")
find_program(ETPU_NODE NAMES node nodejs DOC "node (>= 20) for tools/litert")

set(_litert_dir "${PROJECT_SOURCE_DIR}/tools/litert")
if(ETPU_NODE)
  # litert_run.mjs checks tools/litert/node_modules itself at test time (so
  # installing after configuring works) and fails with the npm ci hint.
  add_test(NAME litert_oracle_selftest
           COMMAND "${ETPU_NODE}" "${_litert_dir}/litert_run.mjs" selftest
                   --corpus "${ETPU_CORPUS_DIR}"
           WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
else()
  add_test(NAME litert_oracle_selftest
           COMMAND "${CMAKE_COMMAND}"
                   "-DLITERT_FAIL_MSG=node not found at configure time: install node >= 20, run `npm ci --prefix tools/litert`, re-run cmake"
                   -P "${CMAKE_CURRENT_LIST_FILE}")
endif()
set_tests_properties(litert_oracle_selftest PROPERTIES TIMEOUT 600 LABELS "litert;oracle")
