# check_rules: one test per `etpu check` rule (included from tests/CMakeLists.txt).
#
# tests/check_rules.py synthesizes a tiny TFLite model per rule and per passing
# twin (tests/rules/model_builder.py -> flatc JSON -> `flatc -b` into a temp dir;
# nothing generated is kept) and asserts `etpu check --json`'s verdict: status
# wordings, reasons, fatal kinds, fix passes, partitioning. Cases marked as a
# KNOWN BUG of check.c are listed but not counted. A few seconds.

if(NOT FLATC_EXECUTABLE)
  find_program(FLATC_EXECUTABLE flatc REQUIRED)
endif()
if(Python3_EXECUTABLE)
  set(ETPU_PYTHON ${Python3_EXECUTABLE})
else()
  set(ETPU_PYTHON python3)
endif()

add_test(NAME check_rules
  COMMAND ${ETPU_PYTHON} ${CMAKE_SOURCE_DIR}/tests/check_rules.py
          --etpu ${ETPU_CLI}
          --flatc ${FLATC_EXECUTABLE}
          --schema ${CMAKE_SOURCE_DIR}/schema/tflite.fbs)
set_tests_properties(check_rules PROPERTIES TIMEOUT 120 LABELS "check")
