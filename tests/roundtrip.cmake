# Writer round trip on real models (include from tests/CMakeLists.txt).
#
# etpu_rewrite (tests/tools/etpu_rewrite.c) = etpu_model_open + etpu_model_write.
# roundtrip: every corpus model and example rewritten; flatc's decodes of the
#   original and the rewrite must be equal (floats bit for bit), and LiteRT
#   must compute bit-identical outputs for every model it can run. Needs
#   flatc, node and `npm ci --prefix tools/litert`.
# The library-level proofs (deep comparison of decoded fields, byte-identical
# idempotence, builder unit tests) are tests/unit/test_reader_writer.c.

add_executable(etpu_rewrite ${CMAKE_CURRENT_LIST_DIR}/tools/etpu_rewrite.c)
target_link_libraries(etpu_rewrite PRIVATE etpu_lib)

if(NOT DEFINED ETPU_CORPUS)
  set(ETPU_CORPUS ${PROJECT_SOURCE_DIR}/../shared/corpus)
endif()
find_program(ETPU_NODE NAMES node nodejs DOC "node (>= 20) for tools/litert")
if(NOT ETPU_NODE)
  set(ETPU_NODE node) # the test then fails with a clear "not found"
endif()
find_program(FLATC_EXECUTABLE NAMES flatc)

add_test(NAME roundtrip
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/roundtrip.py
          --rewrite $<TARGET_FILE:etpu_rewrite>
          --flatc ${FLATC_EXECUTABLE}
          --schema ${PROJECT_SOURCE_DIR}/schema/tflite.fbs
          --node ${ETPU_NODE}
          --litert ${PROJECT_SOURCE_DIR}/tools/litert/litert_run.mjs
          --corpus ${ETPU_CORPUS}
          --examples ${CMAKE_BINARY_DIR}/examples)
# About 1.5 minutes on 2 idle cores (flatc decodes ~150 MB of models, LiteRT
# runs 33 of them twice).
set_tests_properties(roundtrip PROPERTIES TIMEOUT 900 LABELS "crosscheck;litert")
