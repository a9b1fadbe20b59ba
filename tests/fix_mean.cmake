# fix_mean: the mean-to-avgpool pass and min-op-versions' min_runtime_version,
# proven in LiteRT (tests/fix_mean.py). Included from tests/CMakeLists.txt.
#
# Needs node >= 20 with `npm ci --prefix tools/litert` (like fix_examples) and
# flatc for the models it synthesizes in a temporary folder. Part 1 pins the
# LiteRT rounding facts the pass's rule rests on. About 25 s.

if(NOT FLATC_EXECUTABLE)
  find_program(FLATC_EXECUTABLE flatc REQUIRED)
endif()

add_test(NAME fix_mean
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/fix_mean.py
          ${ETPU_CLI} ${CMAKE_BINARY_DIR}/examples ${PROJECT_SOURCE_DIR} ${FLATC_EXECUTABLE})
set_tests_properties(fix_mean PROPERTIES TIMEOUT 300 LABELS "litert;fix")
