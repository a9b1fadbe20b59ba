# Cross-checks against independent tools (included from tests/CMakeLists.txt).
#
# flatc_crosscheck: `etpu inspect --json` must agree with flatc's decoding
#   (schema/tflite.fbs) of every corpus model and every built example.
# examples_up_to_date: examples/src/*.json must be what tools/gen_examples.py
#   writes (edit the generator, then regenerate).

if(NOT DEFINED ETPU_CORPUS)
  set(ETPU_CORPUS ${CMAKE_SOURCE_DIR}/../shared/corpus)
endif()
if(Python3_EXECUTABLE)
  set(ETPU_PYTHON ${Python3_EXECUTABLE})
else()
  set(ETPU_PYTHON python3)
endif()

add_test(NAME flatc_crosscheck
  COMMAND ${ETPU_PYTHON} ${CMAKE_SOURCE_DIR}/tests/flatc_crosscheck.py
          --etpu ${ETPU_CLI}
          --flatc ${FLATC_EXECUTABLE}
          --schema ${CMAKE_SOURCE_DIR}/schema/tflite.fbs
          --corpus ${ETPU_CORPUS}
          --examples ${CMAKE_BINARY_DIR}/examples)
# About a minute for the 57 corpus files on a 2-core machine.
set_tests_properties(flatc_crosscheck PROPERTIES TIMEOUT 900 LABELS "crosscheck")

add_test(NAME examples_up_to_date
  COMMAND ${ETPU_PYTHON} ${CMAKE_SOURCE_DIR}/tools/gen_examples.py --check)
set_tests_properties(examples_up_to_date PROPERTIES LABELS "crosscheck")
