# etpu report: the layout on purpose-built graphs, the report against
# `etpu check` and compiled models over the whole corpus, and the page in a
# real browser (headless Chromium, Debian `chromium`).
etpu_unit_test(test_report_layout unit/test_report_layout.c)
# motifs (SiLU convs, residual blocks) and the matching of a compiled model
# to its model, on models built in memory (unit/mini_model.h)
etpu_unit_test(test_report_motifs unit/test_report_motifs.c)
etpu_unit_test(test_compiled unit/test_compiled.c)

add_test(NAME report_cli
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/report_test.py
          ${ETPU_CLI} ${CMAKE_BINARY_DIR}/examples ${ETPU_CORPUS})
set_tests_properties(report_cli PROPERTIES TIMEOUT 1200)

# The browser test checks the page, not the C code: it runs once, in the
# native non-sanitizer build. Screenshots land in build/report-screenshots.
find_program(ETPU_CHROMIUM NAMES chromium chromium-browser google-chrome)
if(ETPU_CHROMIUM AND NOT CMAKE_CROSSCOMPILING AND NOT ETPU_SANITIZE)
  add_test(NAME report_browser
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/report_browser.py
            ${ETPU_CLI} ${CMAKE_BINARY_DIR}/examples ${ETPU_CORPUS}
            ${CMAKE_BINARY_DIR}/report-screenshots)
  set_tests_properties(report_browser PROPERTIES TIMEOUT 900)
endif()

# The report's work on graph shapes that could make it more than linear
# (dense, fan-in/out, long names, huge ranks, repeated motifs, ...), as
# instruction counts (callgrind: deterministic, not a timer), against a
# plain chain of ops. Native non-sanitizer build only (valgrind and ASan
# do not mix; under QEMU the counts are the emulator's).
find_program(ETPU_VALGRIND valgrind)
if(ETPU_VALGRIND AND NOT CMAKE_CROSSCOMPILING AND NOT ETPU_SANITIZE)
  add_test(NAME report_cost
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/report_cost.py ${ETPU_CLI})
  set_tests_properties(report_cost PROPERTIES TIMEOUT 1800 SKIP_RETURN_CODE 77)
endif()
