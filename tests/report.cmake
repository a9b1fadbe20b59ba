# etpu report: the layout on purpose-built graphs, the report against
# `etpu check` and compiled models over the whole corpus, and the page in a
# real browser (headless Chromium, Debian `chromium`).
etpu_unit_test(test_report_layout unit/test_report_layout.c)

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
